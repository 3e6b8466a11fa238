package protocol_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"switchyard/gateway/convert/converttest"
	"switchyard/gateway/convert/streamconv"
	"switchyard/gateway/protocol"
	"switchyard/gateway/protocol/protocoltest"
)

// An Anthropic stream through Anthropic→hub→Anthropic keeps its text and
// tool calls and stays a valid Anthropic stream; a cut stays a cut.
func TestChainRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("../convert/streamconv/testdata/stream/*-a2o-*.in.sse")
	if len(files) == 0 {
		t.Fatal("no a2o transcripts")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			up := streamconv.NewAToOStream(protocol.StreamOptions{IncludeUsage: true, MessageID: "chatcmpl-x"})
			down := streamconv.NewOToAStream(protocol.StreamOptions{MessageID: "msg_x", BufferToolArgs: true}) // A upstreams may interleave blocks (vector 71)
			out, serr, _ := protocoltest.Run(protocol.Chain(up, down), in)
			_, directErr, _ := protocoltest.Run(streamconv.NewAToOStream(protocol.StreamOptions{IncludeUsage: true}), in)
			if (serr == nil) != (directErr == nil) {
				t.Fatalf("chain error %v, direct error %v\n%s", serr, directErr, out)
			}
			if serr == nil {
				if err := converttest.CheckAnthropicStream(out); err != nil {
					t.Fatalf("invalid Anthropic stream: %v\n%s", err, out)
				}
			} else if !strings.Contains(string(out), "event: error") {
				t.Fatalf("failed chain has no error event:\n%s", out)
			}
		})
	}
}
