package passthrough

import (
	"testing"

	"switchyard/gateway/sse"
)

// peekBenchChunks are the chunks a Chat stream's relay peeks at: the role
// chunk, text and reasoning deltas, a tool call, the finish and the usage.
var peekBenchChunks = [][]byte{
	[]byte(`{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_b376dfbbd5","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]}`),
	[]byte(`{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_b376dfbbd5","choices":[{"index":0,"delta":{"content":"Hello! How can I help you today?"},"logprobs":null,"finish_reason":null}]}`),
	[]byte(`{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"reasoning_content":"Let me think about the question \"why\"."},"finish_reason":null}]}`),
	[]byte(`{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}]}`),
	[]byte(`{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4.1-2025-04-14","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}`),
	[]byte(`{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4.1-2025-04-14","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}`),
}

// BenchmarkPeekChunk is the relay's look into one chunk (ns/op per chunk
// of peekBenchChunks); slow is encoding/json, the fallback.
func BenchmarkPeekChunk(b *testing.B) {
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, ok := peekChunk(peekBenchChunks[i%len(peekBenchChunks)]); !ok {
				b.Fatal("fell back")
			}
		}
	})
	b.Run("slow", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := slowPeek(peekBenchChunks[i%len(peekBenchChunks)]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPassthroughChat relays the chunks above as one stream through
// the Chat passthrough converter (every chunk until the first content is
// peeked, then only those that may hold an error or a finish).
func BenchmarkPassthroughChat(b *testing.B) {
	evs := make([]sse.Event, 0, len(peekBenchChunks)+1)
	for _, c := range peekBenchChunks {
		evs = append(evs, sse.Event{Data: c})
	}
	evs = append(evs, sse.Event{Data: []byte("[DONE]")})
	b.ReportAllocs()
	var out []byte
	for b.Loop() {
		p := NewChat()
		out = out[:0]
		for _, ev := range evs {
			out = p.Event(out, ev).Out
		}
	}
}
