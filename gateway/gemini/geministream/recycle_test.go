package geministream_test

import (
	"os"
	"path/filepath"
	"testing"

	"switchyard/gateway/convert/streamconv"
	"switchyard/gateway/gemini"
	"switchyard/gateway/gemini/geministream"
	"switchyard/gateway/protocol"
	"switchyard/gateway/protocol/protocoltest"
)

func transcripts(t *testing.T, pattern string) map[string][]byte {
	t.Helper()
	files, _ := filepath.Glob(pattern)
	if len(files) == 0 {
		t.Fatalf("no transcripts match %s", pattern)
	}
	m := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m[filepath.Base(f)] = b
	}
	return m
}

// A released converter starts the next stream clean, in both stream forms
// and behind an Anthropic upstream's chain.
func TestRecycledConverters(t *testing.T) {
	opt := protocol.StreamOptions{ClientModel: "gemini-2.5-pro", MessageID: "r", Created: 1700000000}
	for _, format := range []gemini.StreamFormat{gemini.StreamFormatSSE, gemini.StreamFormatJSONArray} {
		protocoltest.CheckRecycled(t, transcripts(t, "testdata/stream/2*-from-hub-*.in.sse"), func() protocol.StreamConverter {
			return geministream.NewFromHubStream(opt, format, true)
		})
		protocoltest.CheckRecycled(t, transcripts(t, "../../convert/streamconv/testdata/stream/*a2o*.in.sse"), func() protocol.StreamConverter {
			return protocol.Chain(streamconv.NewAToOStream(protocol.StreamOptions{IncludeUsage: true, MessageID: "chatcmpl-x", Created: 1700000000}),
				geministream.NewFromHubStream(opt, format, false))
		})
	}
}
