package streamconv

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"switchyard/gateway/convert/converttest"
	"switchyard/gateway/protocol"
	"switchyard/gateway/sse"
)

// The fuzz targets feed arbitrary bytes through sse.Reader into a stream
// converter (then End) and require no panic, a client stream that passes
// the invariant checker, and the Step contract, for any input. Seeds are
// the golden transcripts of both directions.
//
//	go test ./gateway/convert/streamconv -run XXX -fuzz FuzzAToOStream -fuzztime 60s
//	go test ./gateway/convert/streamconv -run XXX -fuzz FuzzOToAStream -fuzztime 60s

func addStreamSeeds(f *testing.F) {
	for _, c := range loadStreamCases(f) {
		f.Add(c.in, c.opt.IncludeUsage || c.opt.BufferToolArgs)
	}
}

func FuzzAToOStream(f *testing.F) {
	addStreamSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte, includeUsage bool) {
		conv := NewAToOStream(StreamOptions{IncludeUsage: includeUsage, Created: 1, MessageID: "chatcmpl-fuzz"})
		out, steps := runStream(conv, bytes.NewReader(in))
		if err := converttest.CheckOpenAIStream(out); err != nil {
			t.Fatalf("invariants: %v\ninput: %q\noutput:\n%s", err, in, out)
		}
		checkSteps(t, "a2o", steps)
	})
}

func FuzzOToAStream(f *testing.F) {
	addStreamSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte, buffer bool) {
		conv := NewOToAStream(StreamOptions{BufferToolArgs: buffer, MessageID: "msg_fuzz", InputEstimate: 3,
			ToolNames: protocol.ToolNames{"f": "restored.name"}})
		out, steps := runStream(conv, bytes.NewReader(in))
		if err := converttest.CheckAnthropicStream(out); err != nil {
			t.Fatalf("invariants: %v\ninput: %q\noutput:\n%s", err, in, out)
		}
		checkSteps(t, "o2a", steps)
	})
}

func TestAppendJSONQuoted(t *testing.T) {
	for _, in := range []string{"", "plain", "q\"b\\s", "\n\r\t\x00\x1f\x7f", "é😀", "bad\xffutf8\xc3", "<&>\u2028"} {
		var got string
		if err := json.Unmarshal(appendJSONQuoted(nil, in), &got); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if want := strings.ToValidUTF8(in, "\ufffd"); got != want && !strings.Contains(in, "\xc3") {
			t.Errorf("%q round-tripped to %q", in, got)
		}
	}
}

// Benchmarks over recorded-shape 200-event streams with tool calls
// (testdata/stream/bench). Per-stream costs (the converter, its id prefix,
// the block table, the usage chunk) are amortized over the 200 events.

func loadBenchEvents(b *testing.B, name string) []sse.Event {
	data, err := os.ReadFile(filepath.Join("testdata", "stream", "bench", name))
	if err != nil {
		b.Fatal(err)
	}
	r := sse.NewReader(bytes.NewReader(data))
	var evs []sse.Event
	for {
		ev, err := r.Next()
		if err != nil {
			break
		}
		evs = append(evs, sse.Event{Name: ev.Name, Data: append([]byte(nil), ev.Data...)})
	}
	if len(evs) != 200 {
		b.Fatalf("%s: %d events, want 200", name, len(evs))
	}
	return evs
}

func benchStream(b *testing.B, name string, newConv func() StreamConverter, check func([]byte, ...converttest.CheckOption) error) {
	evs := loadBenchEvents(b, name)
	dst := make([]byte, 0, 256<<10)
	conv := newConv()
	for _, ev := range evs {
		dst = conv.Event(dst, ev).Out
	}
	if err := check(dst); err != nil {
		b.Fatalf("invariants: %v", err)
	}
	b.SetBytes(int64(len(dst)))
	b.ReportAllocs()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	b.ResetTimer()
	n := 0
	for b.Loop() {
		conv := newConv()
		out := dst[:0]
		for _, ev := range evs {
			out = conv.Event(out[:0], ev).Out // the gateway writes and reuses its buffer per event
		}
		n++
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms1)
	events := float64(n * len(evs))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/events, "ns/event")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/events, "allocs/event")
}

func BenchmarkStreamAToO(b *testing.B) {
	benchStream(b, "a2o-200.sse", func() StreamConverter {
		return NewAToOStream(StreamOptions{IncludeUsage: true, Created: 1747900000, ClientModel: "claude-sonnet-4-5"})
	}, converttest.CheckOpenAIStream)
}

func BenchmarkStreamOToA(b *testing.B) {
	benchStream(b, "o2a-200.sse", func() StreamConverter {
		return NewOToAStream(StreamOptions{InputEstimate: 18000, ClientModel: "gpt-4.1"})
	}, converttest.CheckAnthropicStream)
}

// The Ops fuzzers interpret their input as a sequence of (op, arg) byte
// pairs, each producing one plausible upstream event, so the fuzzer explores
// orders of events (tool calls interleaved with text, finishes in odd
// places, errors, repeated starts) instead of spending its time on JSON
// syntax.

var fuzzFrags = []string{`{"a"`, `:1}`, ``, `"x\"y`, `{}`, `é😀`, `\u00e9`, `]`}

func oOpsStream(ops []byte) []byte {
	var b bytes.Buffer
	chunk := func(choice, delta string) {
		b.WriteString(`data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[` + choice + delta + "]}\n\n")
	}
	for i := 0; i+1 < len(ops); i += 2 {
		op, arg := ops[i]%15, int(ops[i+1])
		ch := `{"index":` + strconv.Itoa(arg>>6&1) + `,"finish_reason":null,"delta":`
		frag := strconv.Quote(fuzzFrags[arg%len(fuzzFrags)])
		idx := strconv.Itoa(arg % 3)
		switch op {
		case 0:
			chunk(ch, `{"content":`+frag+`}}`)
		case 1:
			chunk(ch, `{"reasoning_content":`+frag+`}}`)
		case 2: // a call's first chunk, with or without id and name
			id, name := "", ""
			if arg&8 == 0 {
				id = `"id":"call_` + idx + `",`
			}
			if arg&16 == 0 {
				name = `"name":"f` + idx + `",`
			}
			chunk(ch, `{"tool_calls":[{"index":`+idx+`,`+id+`"type":"function","function":{`+name+`"arguments":`+frag+`}}]}}`)
		case 3:
			chunk(ch, `{"tool_calls":[{"index":`+idx+`,"function":{"arguments":`+frag+`}}]}}`)
		case 4:
			chunk(ch, `{"tool_calls":[{"index":`+idx+`,"function":{"name":"late`+idx+`"}}]}}`)
		case 5:
			f := []string{`"stop"`, `"tool_calls"`, `"length"`, `"content_filter"`, `"weird"`}[arg%5]
			chunk(`{"index":`+strconv.Itoa(arg>>6&1)+`,"finish_reason":`+f+`,"delta":`, `{}}`)
		case 6:
			b.WriteString(`data: {"id":"c","choices":[],"usage":{"prompt_tokens":` + strconv.Itoa(arg) + `,"completion_tokens":3,"total_tokens":9}}` + "\n\n")
		case 7:
			b.WriteString("data: [DONE]\n\n")
		case 8:
			b.WriteString(`data: {"error":{"message":"boom","type":"server_error"}}` + "\n\n")
		case 9:
			chunk(ch, `{"refusal":`+frag+`}}`)
		case 10:
			b.WriteString(`data: {"id":"c","choices":[]}` + "\n\n")
		case 11:
			chunk(ch, `{"content":[{"type":"text","text":`+frag+`},{"type":"image_url"}]}}`)
		case 12: // the same index reused for a new call
			chunk(ch, `{"tool_calls":[{"index":`+idx+`,"id":"call_new`+strconv.Itoa(arg)+`","function":{"name":"g","arguments":`+frag+`}}]}}`)
		case 13:
			b.WriteString(`data: {"choices":[` + "\n\n")
		case 14:
			chunk(ch, `{"tool_calls":[{"id":"call_noidx`+idx+`","function":{"name":"h","arguments":`+frag+`}}]}}`)
		}
	}
	return b.Bytes()
}

func aOpsStream(ops []byte) []byte {
	var b bytes.Buffer
	ev := func(name, data string) { b.WriteString("event: " + name + "\ndata: " + data + "\n\n") }
	for i := 0; i+1 < len(ops); i += 2 {
		op, arg := ops[i]%15, int(ops[i+1])
		idx := strconv.Itoa(arg % 4)
		frag := strconv.Quote(fuzzFrags[arg%len(fuzzFrags)])
		delta := func(d string) {
			ev("content_block_delta", `{"type":"content_block_delta","index":`+idx+`,"delta":`+d+`}`)
		}
		start := func(cb string) {
			ev("content_block_start", `{"type":"content_block_start","index":`+idx+`,"content_block":`+cb+`}`)
		}
		switch op {
		case 0:
			ev("message_start", `{"type":"message_start","message":{"id":"msg_f","model":"claude","usage":{"input_tokens":`+strconv.Itoa(arg)+`,"output_tokens":1}}}`)
		case 1:
			start(`{"type":"text","text":` + frag + `}`)
		case 2:
			start(`{"type":"thinking","thinking":""}`)
		case 3:
			id, name := `"id":"toolu_`+idx+`",`, `"name":"t`+idx+`",`
			if arg&8 != 0 {
				id = ""
			}
			if arg&16 != 0 {
				name = ""
			}
			input := `{}`
			if arg&32 != 0 {
				input = `{"k":[1,"v"]}`
			}
			start(`{"type":"tool_use",` + id + name + `"input":` + input + `}`)
		case 4:
			delta(`{"type":"text_delta","text":` + frag + `}`)
		case 5:
			delta(`{"type":"thinking_delta","thinking":` + frag + `}`)
		case 6:
			delta(`{"type":"input_json_delta","partial_json":` + frag + `}`)
		case 7:
			ev("content_block_stop", `{"type":"content_block_stop","index":`+idx+`}`)
		case 8:
			r := []string{`"end_turn"`, `"tool_use"`, `"max_tokens"`, `null`, `"pause_turn"`, `"refusal"`}[arg%6]
			ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":`+r+`},"usage":{"output_tokens":`+strconv.Itoa(arg)+`}}`)
		case 9:
			ev("message_stop", `{"type":"message_stop"}`)
		case 10:
			ev("ping", `{"type":"ping"}`)
		case 11:
			ev("error", `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`)
		case 12:
			start(`{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}`)
		case 13:
			delta(`{"type":"signature_delta","signature":"sig"}`)
		case 14:
			ev("content_block_delta", `{"type":"content_block_delta","index":`+idx+`,"delta":{"type":"text_delta","text":`)
		}
	}
	return b.Bytes()
}

func FuzzAToOStreamOps(f *testing.F) {
	f.Add([]byte{0, 5, 1, 0, 4, 0, 7, 0, 3, 1, 6, 0, 6, 1, 7, 1, 8, 1, 9, 0}, true)
	f.Add([]byte{0, 5, 3, 0, 3, 1, 6, 0, 6, 1, 11, 0}, false)
	f.Fuzz(func(t *testing.T, ops []byte, includeUsage bool) {
		in := aOpsStream(ops)
		out, steps := runStream(NewAToOStream(StreamOptions{IncludeUsage: includeUsage, MessageID: "chatcmpl-fuzz"}), bytes.NewReader(in))
		if err := converttest.CheckOpenAIStream(out); err != nil {
			t.Fatalf("invariants: %v\ninput:\n%s\noutput:\n%s", err, in, out)
		}
		checkSteps(t, "a2o", steps)
	})
}

func FuzzOToAStreamOps(f *testing.F) {
	f.Add([]byte{0, 0, 1, 1, 2, 0, 3, 1, 2, 1, 3, 0, 5, 1, 6, 9, 7, 0}, false)
	f.Add([]byte{2, 8, 3, 0, 4, 0, 2, 1, 3, 1, 5, 0, 7, 0}, true)
	f.Fuzz(func(t *testing.T, ops []byte, buffer bool) {
		in := oOpsStream(ops)
		out, steps := runStream(NewOToAStream(StreamOptions{BufferToolArgs: buffer, MessageID: "msg_fuzz"}), bytes.NewReader(in))
		if err := converttest.CheckAnthropicStream(out); err != nil {
			t.Fatalf("invariants: %v\ninput:\n%s\noutput:\n%s", err, in, out)
		}
		checkSteps(t, "o2a", steps)
	})
}
