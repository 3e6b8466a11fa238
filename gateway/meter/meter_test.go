package meter

import (
	"strings"
	"testing"
)

func TestBody(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    Format
		body string
		want Usage
	}{
		{"openai", OpenAI, `{"id":"x","model":"gpt-5","choices":[{"message":{"content":"hi \"usage\": {\"prompt_tokens\": 99}"}}],
			"usage":{"prompt_tokens":1000,"completion_tokens":300,"total_tokens":1300,
			"prompt_tokens_details":{"cached_tokens":800,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":120}}}`,
			Usage{Input: 200, CacheRead: 800, Output: 300, Reasoning: 120, Model: "gpt-5"}},
		{"openai litellm cache fields", OpenAI, `{"model":"claude-sonnet-4-5","usage":{"prompt_tokens":1500,"completion_tokens":20,
			"prompt_tokens_details":{"cached_tokens":0},"cache_read_input_tokens":1000,"cache_creation_input_tokens":400}}`,
			Usage{Input: 100, CacheRead: 1000, CacheWrite: 400, Output: 20, Model: "claude-sonnet-4-5"}},
		{"openai cache_write_tokens", OpenAI, `{"usage":{"prompt_tokens":50,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":10,"cache_write_tokens":30}}}`,
			Usage{Input: 10, CacheRead: 10, CacheWrite: 30, Output: 5}},
		{"anthropic", Anthropic, `{"id":"msg_1","type":"message","model":"claude-opus-4-5","content":[{"type":"text","text":"hi"}],
			"usage":{"input_tokens":12,"cache_creation_input_tokens":2048,"cache_read_input_tokens":4096,"output_tokens":77,"service_tier":"standard"}}`,
			Usage{Input: 12, CacheWrite: 2048, CacheRead: 4096, Output: 77, Model: "claude-opus-4-5"}},
		{"responses", Responses, `{"id":"resp_1","object":"response","model":"gpt-5-codex","output":[],
			"usage":{"input_tokens":5000,"input_tokens_details":{"cached_tokens":4000},"output_tokens":900,"output_tokens_details":{"reasoning_tokens":600},"total_tokens":5900}}`,
			Usage{Input: 1000, CacheRead: 4000, Output: 900, Reasoning: 600, Model: "gpt-5-codex"}},
		{"gemini", Gemini, `{"candidates":[{"content":{"parts":[{"text":"hi"}]}}],"usageMetadata":{"promptTokenCount":3000,
			"candidatesTokenCount":40,"cachedContentTokenCount":2000,"thoughtsTokenCount":60,"totalTokenCount":3100},"modelVersion":"gemini-2.5-pro"}`,
			Usage{Input: 1000, CacheRead: 2000, Output: 100, Reasoning: 60, Model: "gemini-2.5-pro"}},
		{"no usage", OpenAI, `{"model":"m","choices":[]}`, Usage{Model: "m"}},
		{"null usage", OpenAI, `{"usage":null}`, Usage{}},
		{"escaped model ignored", OpenAI, `{"model":"a\u0062","usage":{"prompt_tokens":1}}`, Usage{Input: 1}},
		{"not json", OpenAI, `{"usage":{"prompt_tokens":`, Usage{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := New(tc.f)
			m.Body([]byte(tc.body))
			if got := m.Usage(); got != tc.want {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestStreams(t *testing.T) {
	for _, tc := range []struct {
		name   string
		f      Format
		events []string
		want   Usage
	}{
		{"openai", OpenAI, []string{
			`{"id":"c","object":"chat.completion.chunk","model":"gpt-4.1","choices":[{"index":0,"delta":{"role":"assistant"}}],"usage":null}`,
			`{"id":"c","model":"gpt-4.1","choices":[{"index":0,"delta":{"content":"the \"usage\" word"}}],"usage":null}`,
			`{"id":"c","model":"gpt-4.1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}`,
			`{"id":"c","model":"gpt-4.1","choices":[],"usage":{"prompt_tokens":2000,"completion_tokens":42,"prompt_tokens_details":{"cached_tokens":1024},"completion_tokens_details":{"reasoning_tokens":0}}}`,
			`[DONE]`,
		}, Usage{Input: 976, CacheRead: 1024, Output: 42, Model: "gpt-4.1"}},
		{"anthropic", Anthropic, []string{
			`{"type":"message_start","message":{"id":"msg","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,
				"usage":{"input_tokens":25,"cache_creation_input_tokens":1500,"cache_read_input_tokens":3000,"output_tokens":1}}}`,
			`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
			`{"type":"ping"}`,
			`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`,
			`{"type":"content_block_stop","index":0}`,
			`{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}`,
			`{"type":"message_stop"}`,
		}, Usage{Input: 25, CacheWrite: 1500, CacheRead: 3000, Output: 15, Model: "claude-sonnet-4-5-20250929"}},
		{"anthropic cumulative delta with zeros", Anthropic, []string{
			`{"type":"message_start","message":{"model":"c","usage":{"input_tokens":25,"cache_read_input_tokens":3000,"output_tokens":1}}}`,
			`{"type":"message_delta","delta":{},"usage":{"input_tokens":0,"cache_read_input_tokens":3000,"output_tokens":15}}`,
		}, Usage{Input: 25, CacheRead: 3000, Output: 15, Model: "c"}},
		{"responses", Responses, []string{
			`{"type":"response.created","sequence_number":0,"response":{"id":"r","object":"response","model":"gpt-5","status":"in_progress","output":[],"usage":null}}`,
			`{"type":"response.output_text.delta","sequence_number":4,"item_id":"m","output_index":0,"content_index":0,"delta":"Hi"}`,
			`{"type":"response.completed","sequence_number":9,"response":{"id":"r","model":"gpt-5-2025-08-07","status":"completed","output":[{"type":"message","content":[{"type":"output_text","text":"Hi"}]}],
				"usage":{"input_tokens":300,"input_tokens_details":{"cached_tokens":128},"output_tokens":50,"output_tokens_details":{"reasoning_tokens":30},"total_tokens":350}}}`,
		}, Usage{Input: 172, CacheRead: 128, Output: 50, Reasoning: 30, Model: "gpt-5-2025-08-07"}},
		{"gemini", Gemini, []string{
			`{"candidates":[{"content":{"parts":[{"text":"A"}],"role":"model"}}],"usageMetadata":{"promptTokenCount":900,"candidatesTokenCount":1,"cachedContentTokenCount":512,"totalTokenCount":901},"modelVersion":"gemini-2.5-flash"}`,
			`{"candidates":[{"content":{"parts":[{"text":"B"}],"role":"model"},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":900,"candidatesTokenCount":7,"cachedContentTokenCount":512,"thoughtsTokenCount":20,"totalTokenCount":927},"modelVersion":"gemini-2.5-flash"}`,
		}, Usage{Input: 388, CacheRead: 512, Output: 27, Reasoning: 20, Model: "gemini-2.5-flash"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := New(tc.f)
			for _, ev := range tc.events {
				m.Event([]byte(ev))
			}
			if !m.Reported() {
				t.Error("Reported() = false")
			}
			if got := m.Usage(); got != tc.want {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
			m.Reset(tc.f)
			if got := m.Usage(); got != (Usage{}) || m.Reported() {
				t.Errorf("after Reset: %+v", got)
			}
		})
	}
}

func TestNoAllocsPerEvent(t *testing.T) {
	chunk := []byte(`{"id":"c","model":"gpt-4.1","choices":[{"index":0,"delta":{"content":"hello"}}],"usage":null}`)
	last := []byte(`{"id":"c","model":"gpt-4.1","choices":[],"usage":{"prompt_tokens":20,"completion_tokens":4}}`)
	m := New(OpenAI)
	m.Event(chunk) // notes the model: the one allocation of the stream
	if n := testing.AllocsPerRun(100, func() { m.Event(chunk); m.Event(last) }); n != 0 {
		t.Errorf("%v allocations per event pair", n)
	}
	g := New(Gemini)
	ev := []byte(`{"candidates":[{"content":{"parts":[{"text":"B"}]}}],"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":7},"modelVersion":"gemini-2.5-flash"}`)
	g.Event(ev)
	if n := testing.AllocsPerRun(100, func() { g.Event(ev) }); n != 0 {
		t.Errorf("gemini: %v allocations per event", n)
	}
}

func TestHasUsage(t *testing.T) {
	for in, want := range map[string]bool{
		`{"usage":{}}`: true, `{"usage" : {"a":1}}`: true, `{"usageMetadata":{"x":1}}`: true,
		`{"usage":null}`: false, `{"usage":null,"x":"\"usage\": {"}`: false, `{"usages":{}}`: false, `{"a":"usage"}`: false,
		`{"usage":null,"b":{"usage":{"prompt_tokens":1}}}`: true, `"usage`: false, `"usage"`: false,
	} {
		if got := hasUsage([]byte(in)); got != want {
			t.Errorf("hasUsage(%s) = %v", in, got)
		}
	}
}

func TestParse(t *testing.T) {
	for _, n := range []string{"openai", "anthropic", "responses", "gemini"} {
		if _, ok := Parse(n); !ok {
			t.Errorf("Parse(%q) failed", n)
		}
	}
	if _, ok := Parse("OpenAI"); ok {
		t.Error("Parse is case-sensitive like the config")
	}
}

func FuzzMeter(f *testing.F) {
	f.Add(uint8(0), `{"model":"m","usage":{"prompt_tokens":10,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":4}}}`)
	f.Add(uint8(1), `{"type":"message_start","message":{"model":"c","usage":{"input_tokens":1,"cache_read_input_tokens":2}}}`)
	f.Add(uint8(2), `{"response":{"usage":{"input_tokens":9,"input_tokens_details":{"cached_tokens":3}}}}`)
	f.Add(uint8(3), `{"usageMetadata":{"promptTokenCount":9,"thoughtsTokenCount":1},"modelVersion":"g"}`)
	f.Fuzz(func(t *testing.T, fm uint8, data string) {
		m := New(Format(fm % 4))
		m.Event([]byte(data))
		m.Body([]byte(data))
		u := m.Usage()
		if u.Input < 0 || u.Output < 0 || u.CacheRead < 0 || u.CacheWrite < 0 || u.Reasoning < 0 {
			t.Fatalf("negative count %+v", u)
		}
		if u.Model != "" && !strings.Contains(data, u.Model) {
			t.Fatalf("model %q not in the input", u.Model)
		}
	})
}

var sink Usage

func BenchmarkEvent(b *testing.B) {
	for _, bc := range []struct {
		name string
		f    Format
		ev   string
	}{
		{"openai/content", OpenAI, `{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1,"model":"gpt-4.1","choices":[{"index":0,"delta":{"content":"Hello there, how are you doing today?"},"finish_reason":null}],"usage":null}`},
		{"openai/usage", OpenAI, `{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1,"model":"gpt-4.1","choices":[],"usage":{"prompt_tokens":2000,"completion_tokens":42,"total_tokens":2042,"prompt_tokens_details":{"cached_tokens":1024},"completion_tokens_details":{"reasoning_tokens":0}}}`},
		{"anthropic/delta", Anthropic, `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello there, how are you doing today?"}}`},
		{"gemini/chunk", Gemini, `{"candidates":[{"content":{"parts":[{"text":"Hello there, how are you doing today?"}],"role":"model"}}],"usageMetadata":{"promptTokenCount":900,"candidatesTokenCount":7,"totalTokenCount":907},"modelVersion":"gemini-2.5-flash"}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			m := New(bc.f)
			ev := []byte(bc.ev)
			m.Event(ev)
			b.SetBytes(int64(len(ev)))
			b.ReportAllocs()
			for b.Loop() {
				m.Event(ev)
			}
			sink = m.Usage()
		})
	}
}
