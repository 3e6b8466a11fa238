package responsesstream

import (
	"os"
	"path/filepath"
	"testing"

	"switchyard/gateway/convert/streamconv"
	"switchyard/gateway/protocol"
	"switchyard/gateway/protocol/protocoltest"
	"switchyard/gateway/responses/responsesconv"
)

// inputs reads the transcripts matching pattern.
func inputs(t *testing.T, pattern string) map[string][]byte {
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

// A released converter (and chain) starts the next stream clean: every
// golden stream gives the same bytes after any other ran in its converter.
func TestRecycledConverters(t *testing.T) {
	opt := protocol.StreamOptions{ClientModel: "m", MessageID: "resp_fixed", Created: 1700000000}
	t.Run("hub", func(t *testing.T) {
		protocoltest.CheckRecycled(t, inputs(t, "testdata/stream/*.in.sse"), func() protocol.StreamConverter {
			return NewFromHubStream(opt, responsesconv.Notes{})
		})
	})
	t.Run("anthropic-chain", func(t *testing.T) {
		protocoltest.CheckRecycled(t, inputs(t, "../../convert/streamconv/testdata/stream/*a2o*.in.sse"), func() protocol.StreamConverter {
			return protocol.Chain(streamconv.NewAToOStream(protocol.StreamOptions{IncludeUsage: true, MessageID: "chatcmpl-fixed", Created: 1700000000}),
				NewFromHubStream(opt, responsesconv.Notes{}))
		})
	})
}
