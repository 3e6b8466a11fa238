package streamconv

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"switchyard/gateway/convert/converttest"
	"switchyard/gateway/protocol"
	"switchyard/gateway/sse"
)

// Stream golden transcripts (docs/conversion.md §3, vectors 28–39 and 43, and recorded
// shapes): testdata/stream/NN-dir-name.in.sse is what the upstream sent,
// NN-dir-name.want.sse what the client must receive. Regenerate with
//
//	go test ./gateway/convert/streamconv -run Streams -update
//
// and review every diff by hand: the want files are the spec.
//
// The first line of an .in.sse file may be an SSE comment with options
// (the converter never sees it):
//
//	: opts dir=o2a|a2o [include_usage] [estimate=N] [model=NAME] [derive_id]
//	       [buffer_tool_args] [tool_name=UPSTREAM>CLIENT]... [check=usage,toolargs]
//
// derive_id leaves StreamOptions.MessageID empty so the id comes from the
// upstream (only for transcripts that need no synthesized id).
var updateStreams = flag.Bool("update", false, "rewrite golden files (go test ./gateway/convert/streamconv -run Streams -update)")

const streamCreated = 1700000000

type streamCase struct {
	name   string
	dir    string // a2o: Anthropic upstream -> OpenAI client; o2a: the reverse
	opt    StreamOptions
	checks []converttest.CheckOption
	in     []byte
}

func loadStreamCases(t testing.TB) []streamCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "stream", "*.in.sse"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no stream transcripts: %v", err)
	}
	var cases []streamCase
	for _, f := range files {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := streamCase{name: strings.TrimSuffix(filepath.Base(f), ".in.sse"), in: in}
		c.opt = StreamOptions{Created: streamCreated}
		derive := false
		line, _, _ := strings.Cut(string(in), "\n")
		if opts, ok := strings.CutPrefix(line, ": opts "); ok {
			for _, o := range strings.Fields(opts) {
				k, v, _ := strings.Cut(o, "=")
				switch k {
				case "dir":
					c.dir = v
				case "include_usage":
					c.opt.IncludeUsage = true
				case "estimate":
					c.opt.InputEstimate, err = strconv.Atoi(v)
				case "model":
					c.opt.ClientModel = v
				case "derive_id":
					derive = true
				case "buffer_tool_args":
					c.opt.BufferToolArgs = true
				case "tool_name":
					up, client, _ := strings.Cut(v, ">")
					if c.opt.ToolNames == nil {
						c.opt.ToolNames = protocol.ToolNames{}
					}
					c.opt.ToolNames[up] = client
				case "check":
					for _, ck := range strings.Split(v, ",") {
						switch ck {
						case "usage":
							c.checks = append(c.checks, converttest.WithUpstreamUsage())
						case "toolargs":
							c.checks = append(c.checks, converttest.WithCompleteToolArgs())
						default:
							err = fmt.Errorf("unknown check %q", ck)
						}
					}
				default:
					err = fmt.Errorf("unknown option %q", k)
				}
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
			}
		}
		if c.dir != "a2o" && c.dir != "o2a" {
			t.Fatalf("%s: first line must be `: opts dir=a2o|o2a ...`", f)
		}
		if !derive {
			c.opt.MessageID = map[string]string{"a2o": "chatcmpl-test", "o2a": "msg_test"}[c.dir]
		}
		cases = append(cases, c)
	}
	return cases
}

func (c *streamCase) converter() StreamConverter {
	if c.dir == "a2o" {
		return NewAToOStream(c.opt)
	}
	return NewOToAStream(c.opt)
}

func (c *streamCase) check(wire []byte) error {
	if c.dir == "a2o" {
		return converttest.CheckOpenAIStream(wire, c.checks...)
	}
	return converttest.CheckAnthropicStream(wire, c.checks...)
}

// runStream feeds everything r yields through conv, then End, and returns
// the client wire bytes and the steps.
func runStream(conv StreamConverter, r io.Reader) ([]byte, []Step) {
	rd := sse.NewReader(r)
	var out []byte
	var steps []Step
	for {
		ev, err := rd.Next()
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			st := conv.End(out, err)
			out = st.Out
			steps = append(steps, st)
			return out, steps
		}
		st := conv.Event(out, ev)
		out = st.Out
		steps = append(steps, st)
	}
}

func TestStreams(t *testing.T) {
	for _, c := range loadStreamCases(t) {
		t.Run(c.name, func(t *testing.T) {
			got, steps := runStream(c.converter(), bytes.NewReader(c.in))
			if err := c.check(got); err != nil {
				t.Errorf("invariants: %v\n%s", err, got)
			}
			checkSteps(t, c.dir, steps)
			wantFile := filepath.Join("testdata", "stream", c.name+".want.sse")
			if *updateStreams {
				if err := os.WriteFile(wantFile, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if err := sameEvents(got, want); err != nil {
				t.Errorf("%v\n--- got:\n%s", err, got)
			}

			// Chunking must not change the output: one byte at a time, and
			// split in two at every byte boundary.
			one, _ := runStream(c.converter(), iotest.OneByteReader(bytes.NewReader(c.in)))
			if !bytes.Equal(one, got) {
				t.Fatalf("one byte at a time:\n%s\nwhole:\n%s", one, got)
			}
			for i := 1; i < len(c.in); i++ {
				split, _ := runStream(c.converter(), io.MultiReader(bytes.NewReader(c.in[:i]), bytes.NewReader(c.in[i:])))
				if !bytes.Equal(split, got) {
					t.Fatalf("split at byte %d:\n%s\nwhole:\n%s", i, split, got)
				}
			}
		})
	}
}

// checkSteps asserts the Step contract: Content exactly for steps that
// emitted content; Done from the step that finished the stream on (the
// last step, End, is always done) and nothing written after it; Err set on
// that step exactly when the stream ended in an error event.
func checkSteps(t *testing.T, dir string, steps []Step) {
	t.Helper()
	prev, doneAt := 0, -1
	for i, st := range steps {
		part := st.Out[prev:]
		prev = len(st.Out)
		if want := hasContent(t, dir, part); st.Content != want {
			t.Errorf("step %d: Content = %v, want %v for %q", i, st.Content, want, part)
		}
		if st.Err != nil && !st.Done {
			t.Errorf("step %d: Err without Done", i)
		}
		switch {
		case doneAt >= 0 && (!st.Done || len(part) > 0 || st.Err != nil):
			t.Errorf("step %d after done at %d: %+v", i, doneAt, st)
		case doneAt < 0 && st.Done:
			doneAt = i
			evs, _ := converttest.ParseWire(st.Out)
			last := evs[len(evs)-1]
			isErr := last.Name == "error" || bytes.HasPrefix(last.Data, []byte(`{"error"`))
			if isErr != (st.Err != nil) {
				t.Errorf("step %d: Err = %v but the stream ends in an error event = %v", i, st.Err, isErr)
			}
		}
	}
	if doneAt < 0 {
		t.Errorf("no step reported Done")
	}
}

// hasContent reports whether wire holds text, reasoning or tool-call
// content.
func hasContent(t *testing.T, dir string, wire []byte) bool {
	evs, err := converttest.ParseWire(wire)
	if err != nil {
		t.Fatalf("step output: %v", err)
	}
	for _, ev := range evs {
		if dir == "o2a" {
			var e struct {
				ContentBlock struct{ Type string } `json:"content_block"`
			}
			_ = json.Unmarshal(ev.Data, &e)
			if ev.Name == "content_block_delta" || ev.Name == "content_block_start" && e.ContentBlock.Type == "tool_use" {
				return true
			}
			continue
		}
		var ch struct {
			Choices []struct {
				Delta struct {
					Content   string
					Reasoning string `json:"reasoning_content"`
					ToolCalls []any  `json:"tool_calls"`
				}
			}
		}
		_ = json.Unmarshal(ev.Data, &ch)
		for _, c := range ch.Choices {
			if c.Delta.Content != "" || c.Delta.Reasoning != "" || len(c.Delta.ToolCalls) > 0 {
				return true
			}
		}
	}
	return false
}

// sameEvents compares two client streams event by event: names equal,
// data equal as parsed JSON (or as text for [DONE]).
func sameEvents(got, want []byte) error {
	g, err := converttest.ParseWire(got)
	if err != nil {
		return fmt.Errorf("got: %w", err)
	}
	w, err := converttest.ParseWire(want)
	if err != nil {
		return fmt.Errorf("want: %w", err)
	}
	for i := 0; i < len(g) || i < len(w); i++ {
		if i >= len(g) {
			return fmt.Errorf("event %d missing: want %s %s", i, w[i].Name, w[i].Data)
		}
		if i >= len(w) {
			return fmt.Errorf("extra event %d: %s %s", i, g[i].Name, g[i].Data)
		}
		if g[i].Name != w[i].Name {
			return fmt.Errorf("event %d: name %q, want %q", i, g[i].Name, w[i].Name)
		}
		var gv, wv any
		gerr, werr := json.Unmarshal(g[i].Data, &gv), json.Unmarshal(w[i].Data, &wv)
		if gerr != nil || werr != nil {
			if !bytes.Equal(g[i].Data, w[i].Data) {
				return fmt.Errorf("event %d: data %s, want %s", i, g[i].Data, w[i].Data)
			}
			continue
		}
		if !reflect.DeepEqual(gv, wv) {
			return fmt.Errorf("event %d (%s):\n got  %s\n want %s", i, g[i].Name, g[i].Data, w[i].Data)
		}
	}
	return nil
}

// TestStreamEventsAfterDone checks that nothing is written once a stream is
// done, by either Event or End.
func TestStreamEventsAfterDone(t *testing.T) {
	for _, c := range loadStreamCases(t) {
		conv := c.converter()
		out, steps := runStream(conv, bytes.NewReader(c.in))
		if !steps[len(steps)-1].Done {
			t.Fatalf("%s: last step not done", c.name)
		}
		st := conv.Event(out, sse.Event{Data: []byte(`{"type":"message_stop"}`)})
		st2 := conv.End(st.Out, nil)
		if len(st2.Out) != len(out) || !st.Done || !st2.Done || st2.Err != nil {
			t.Errorf("%s: wrote %q after done", c.name, st2.Out[len(out):])
		}
	}
}

func TestStreamEndReadError(t *testing.T) {
	cut := errors.New("connection reset")
	a := NewAToOStream(StreamOptions{MessageID: "x"})
	st := a.Event(nil, sse.Event{Name: "message_start", Data: []byte(`{"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":3}}}`)})
	st = a.End(st.Out, cut)
	if st.Err == nil || st.Err.Message != msgATruncated || st.Err.Type != "server_error" || !st.Done {
		t.Fatalf("a2o End: %+v", st)
	}
	if err := converttest.CheckOpenAIStream(st.Out); err != nil {
		t.Fatal(err)
	}
	o := NewOToAStream(StreamOptions{MessageID: "x"})
	st = o.Event(nil, sse.Event{Data: []byte(`{"id":"c","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}`)})
	st = o.End(st.Out, cut)
	if st.Err == nil || st.Err.Message != msgOTruncated || st.Err.Type != "api_error" || !st.Done {
		t.Fatalf("o2a End: %+v", st)
	}
	if err := converttest.CheckAnthropicStream(st.Out); err != nil {
		t.Fatal(err)
	}
	// After a finish_reason: a clean EOF completes (the upstream forgot
	// [DONE]); a read error does not, as for every other client's stream.
	finished := func() (*OToAStream, []byte) {
		o := NewOToAStream(StreamOptions{MessageID: "x"})
		st := o.Event(nil, sse.Event{Data: []byte(`{"id":"c","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}`)})
		st = o.Event(st.Out, sse.Event{Data: []byte(`{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`)})
		return o, st.Out
	}
	o, out := finished()
	if st = o.End(out, nil); st.Err != nil || !st.Done || !bytes.Contains(st.Out, []byte("message_stop")) {
		t.Fatalf("o2a clean EOF after the finish: err %v done %v\n%s", st.Err, st.Done, st.Out)
	}
	o, out = finished()
	st = o.End(out, cut)
	if st.Err == nil || st.Err.Message != msgOTruncated || !st.Done || bytes.Contains(st.Out, []byte("message_stop")) {
		t.Fatalf("o2a read error after the finish: err %v done %v\n%s", st.Err, st.Done, st.Out)
	}
	if err := converttest.CheckAnthropicStream(st.Out); err != nil {
		t.Fatal(err)
	}
}

func TestKeepAlive(t *testing.T) {
	o := NewOToAStream(StreamOptions{})
	if got := string(o.KeepAlive(nil)); got != ": ping\n\n" {
		t.Fatalf("before start: %q", got)
	}
	st := o.Event(nil, sse.Event{Data: []byte(`{"id":"c","choices":[]}`)})
	out := o.KeepAlive(st.Out)
	st = o.Event(out, sse.Event{Data: []byte(`[DONE]`)})
	if err := converttest.CheckAnthropicStream(st.Out); err != nil {
		t.Fatalf("%v\n%s", err, st.Out)
	}
	if !bytes.Contains(st.Out, []byte("event: ping\ndata: {\"type\":\"ping\"}\n\n")) {
		t.Fatalf("no ping event in %s", st.Out)
	}
	if got := o.KeepAlive(nil); len(got) != 0 {
		t.Fatalf("after done: %q", got)
	}
	a := NewAToOStream(StreamOptions{})
	if got := string(a.KeepAlive(nil)); got != ": ping\n\n" {
		t.Fatalf("a2o: %q", got)
	}
}

// TestSynthesizedIDs checks the ids made up for upstreams that send none:
// toolu_ + 24 base62, deterministic for a fixed MessageID, random otherwise.
func TestSynthesizedIDs(t *testing.T) {
	in := []byte(`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}`)
	run := func(id string) (msg, tool string) {
		o := NewOToAStream(StreamOptions{MessageID: id})
		st := o.Event(nil, sse.Event{Data: in})
		st = o.Event(st.Out, sse.Event{Data: []byte("[DONE]")})
		if err := converttest.CheckAnthropicStream(st.Out); err != nil {
			t.Fatal(err)
		}
		evs, _ := converttest.ParseWire(st.Out)
		var ms struct{ Message struct{ ID string } }
		var cb struct {
			ContentBlock struct{ ID string } `json:"content_block"`
		}
		_ = json.Unmarshal(evs[0].Data, &ms)
		_ = json.Unmarshal(evs[1].Data, &cb)
		return ms.Message.ID, cb.ContentBlock.ID
	}
	m1, t1 := run("")
	m2, t2 := run("")
	for _, s := range []string{m1, t1} {
		if len(s) < 24 {
			t.Fatalf("short id %q", s)
		}
	}
	if !strings.HasPrefix(m1, "msg_") || !strings.HasPrefix(t1, "toolu_") || len(t1) != 30 || m1 == m2 || t1 == t2 {
		t.Fatalf("random ids: %s %s / %s %s", m1, t1, m2, t2)
	}
	_, f1 := run("fixed")
	_, f2 := run("fixed")
	if f1 != f2 {
		t.Fatalf("fixed MessageID gave %s and %s", f1, f2)
	}
}

func TestAnthropicTypeForOpenAIError(t *testing.T) {
	for in, want := range map[string]string{
		"server_error": "api_error", "": "api_error", "weird": "api_error",
		"rate_limit_exceeded": "rate_limit_error", "insufficient_quota": "rate_limit_error", "requests": "rate_limit_error",
		"invalid_request_error": "invalid_request_error", "context_length_exceeded": "invalid_request_error",
		"invalid_api_key": "authentication_error", "model_not_found": "not_found_error",
		"overloaded_error": "overloaded_error", "permission_error": "permission_error",
	} {
		if got := anthropicTypeForOpenAIError(in); got != want {
			t.Errorf("%q -> %q, want %q", in, got, want)
		}
	}
}
