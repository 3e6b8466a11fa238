package responsesstream

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"switchyard/gateway/convert/converttest"
	"switchyard/gateway/protocol"
	"switchyard/gateway/protocol/protocoltest"
	"switchyard/gateway/responses/responsesconv"
	"switchyard/gateway/responses/responsestest"
)

// FuzzFromHubStream: whatever hub bytes arrive, the client stream passes
// the checker (it completes or fails exactly once) and nothing panics.
func FuzzFromHubStream(f *testing.F) {
	files, _ := filepath.Glob("testdata/stream/*.in.sse")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c := NewFromHubStream(protocol.StreamOptions{MessageID: "resp_fuzz"}, fuzzNotes)
		out, _, _ := protocoltest.Run(c, in)
		if err := responsestest.Check(out); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	})
}

var fuzzNotes = responsesconv.Notes{Tools: map[string]responsesconv.ClientTool{
	"apply_patch":   {Kind: responsesconv.KindCustom, Name: "apply_patch"},
	"local_shell":   {Kind: responsesconv.KindLocalShell, Name: "local_shell"},
	"mcp__fs__read": {Kind: responsesconv.KindFunction, Name: "read", Namespace: "mcp__fs"},
}}

// FuzzToHubStream: whatever a Responses backend sends, the hub stream
// passes the hub invariant checker and nothing panics.
func FuzzToHubStream(f *testing.F) {
	files, _ := filepath.Glob("testdata/tohub/*.in.sse")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c := NewToHubStream(protocol.StreamOptions{MessageID: "fuzz", IncludeUsage: true})
		out, serr, _ := protocoltest.Run(c, in)
		if err := converttest.CheckOpenAIStream(out); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if serr == nil && !bytes.HasSuffix(out, []byte("data: [DONE]\n\n")) {
			t.Fatalf("no error and no [DONE]\n%s", out)
		}
	})
}
