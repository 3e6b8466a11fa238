package responsesstream

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	oresponses "github.com/openai/openai-go/v3/responses"

	"switchyard/gateway/convert/streamconv"
	"switchyard/gateway/protocol"
	"switchyard/gateway/protocol/protocoltest"
	"switchyard/gateway/responses/responsesconv"
	"switchyard/gateway/responses/responsestest"
	"switchyard/gateway/sse"
)

var update = flag.Bool("update", false, "rewrite golden files (go test ./gateway/responses/responsesstream -update)")

// streamNotes reads the `: opts custom=a,b` line of a transcript.
func streamNotes(in []byte) responsesconv.Notes {
	n := responsesconv.Notes{Tools: map[string]responsesconv.ClientTool{
		"local_shell":   {Kind: responsesconv.KindLocalShell, Name: "local_shell"},
		"mcp__fs__read": {Kind: responsesconv.KindFunction, Name: "read", Namespace: "mcp__fs"},
	}}
	line, _, _ := bytes.Cut(in, []byte("\n"))
	if s, ok := strings.CutPrefix(string(line), ": opts custom="); ok {
		for _, name := range strings.Split(s, ",") {
			n.Tools[name] = responsesconv.ClientTool{Kind: responsesconv.KindCustom, Name: name}
		}
	}
	return n
}

// Golden transcripts: testdata/stream/NN-name.in.sse is a hub stream,
// NN-name.want.sse the Responses stream the client must receive.
func TestStreamGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/stream/*.in.sse")
	if len(files) == 0 {
		t.Fatal("no transcripts")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			c := NewFromHubStream(protocol.StreamOptions{ClientModel: "gpt-x", Created: 1700000000, MessageID: "resp_test"}, streamNotes(in))
			out, serr, _ := protocoltest.Run(c, in)
			if err := responsestest.Check(out, responsestest.ValidArguments()); err != nil {
				t.Fatalf("invalid Responses stream: %v\n%s", err, out)
			}
			failed := bytes.Contains(out, []byte("event: response.failed"))
			if failed != (serr != nil) {
				t.Fatalf("response.failed in output = %v, Step.Err = %v", failed, serr)
			}
			want := strings.TrimSuffix(f, ".in.sse") + ".want.sse"
			if *update {
				if err := os.WriteFile(want, out, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			wb, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run with -update and review the file)", err)
			}
			compareStreams(t, wb, out)
			if !bytes.Equal(wb, out) { // the events are written by hand: pin the bytes too
				t.Fatalf("same events, different bytes:\n got %s\nwant %s", out, wb)
			}
			decodeWithSDK(t, out)
		})
	}
}

// compareStreams compares two event streams event by event, by parsing.
func compareStreams(t *testing.T, want, got []byte) {
	t.Helper()
	we, ge := events(t, want), events(t, got)
	if len(we) != len(ge) {
		t.Fatalf("%d events, want %d\n%s", len(ge), len(we), got)
	}
	for i := range we {
		var a, b any
		if json.Unmarshal(we[i], &a) != nil || json.Unmarshal(ge[i], &b) != nil {
			if !bytes.Equal(we[i], ge[i]) {
				t.Fatalf("event %d:\n got %s\nwant %s", i, ge[i], we[i])
			}
			continue
		}
		aj, _ := json.Marshal(a)
		bj, _ := json.Marshal(b)
		if !bytes.Equal(aj, bj) {
			t.Fatalf("event %d:\n got %s\nwant %s", i, bj, aj)
		}
	}
}

func events(t *testing.T, wire []byte) [][]byte {
	t.Helper()
	r := sse.NewReader(bytes.NewReader(wire))
	var out [][]byte
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, append([]byte(nil), ev.Data...))
	}
}

// decodeWithSDK decodes every event with the official openai-go types and
// checks that what the client reads adds up.
func decodeWithSDK(t *testing.T, wire []byte) {
	t.Helper()
	var text strings.Builder
	args := map[string]string{}
	var final *oresponses.Response
	for _, data := range events(t, wire) {
		var ev oresponses.ResponseStreamEventUnion
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatalf("openai-go cannot decode %s: %v", data, err)
		}
		switch ev.Type {
		case "response.output_text.delta":
			text.WriteString(ev.Delta)
		case "response.function_call_arguments.delta":
			args[ev.ItemID] += ev.Delta
		case "response.completed", "response.incomplete":
			r := ev.Response
			final = &r
		}
	}
	if final == nil {
		return
	}
	if got := final.OutputText(); got != text.String() {
		t.Fatalf("SDK OutputText %q, deltas %q", got, text.String())
	}
	for _, it := range final.Output {
		if it.Type == "function_call" && args[it.ID] != "" && it.Arguments.OfString != args[it.ID] {
			t.Fatalf("SDK function_call %s arguments %q, deltas %q", it.ID, it.Arguments.OfString, args[it.ID])
		}
	}
}

// Every Anthropic upstream transcript of the convert package, through
// Anthropic → hub → Responses, is a valid Responses stream; a failed
// upstream gives exactly one response.failed.
func TestChainFromAnthropic(t *testing.T) {
	files, _ := filepath.Glob("../../convert/streamconv/testdata/stream/*-a2o-*.in.sse")
	if len(files) == 0 {
		t.Fatal("no a2o transcripts")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			up := streamconv.NewAToOStream(protocol.StreamOptions{IncludeUsage: true})
			down := NewFromHubStream(protocol.StreamOptions{ClientModel: "claude-x"}, responsesconv.Notes{})
			out, serr, _ := protocoltest.Run(protocol.Chain(up, down), in)
			if err := responsestest.Check(out, responsestest.ValidArguments()); err != nil {
				t.Fatalf("invalid Responses stream: %v\n%s", err, out)
			}
			_, directErr, _ := protocoltest.Run(streamconv.NewAToOStream(protocol.StreamOptions{IncludeUsage: true}), in)
			if (serr == nil) != (directErr == nil) {
				t.Fatalf("chain error %v, direct error %v\n%s", serr, directErr, out)
			}
			if n := bytes.Count(out, []byte("event: response.failed")); (serr != nil && n != 1) || (serr == nil && n != 0) {
				t.Fatalf("%d response.failed events for error %v", n, serr)
			}
			decodeWithSDK(t, out)
		})
	}
}
