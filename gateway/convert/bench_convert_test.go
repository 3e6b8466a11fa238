package convert_test

// Where the time of a converted (non-streaming) request goes: decoding
// the client's body, converting it, encoding the upstream body; and the
// same for the answer. For a small chat request and an agent-sized one
// (~100 kB: 40 turns with tool calls and results, 15 tools). The gateway
// decodes the client's body only when it converts (passthrough reads just
// model/stream), so this is the whole extra cost of conversion per request
// besides the answer's.
//
//	go test -run XXX -bench 'ConvertRequest|ConvertResponse' -benchmem ./gateway/convert/

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/convert"
	"switchyard/gateway/convert/anthropicreq"
	"switchyard/gateway/openai"
)

func benchJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// benchTools is n function tools with small JSON schemas.
func benchTools(n int, anthropicShape bool) []any {
	var tools []any
	for i := range n {
		schema := map[string]any{"type": "object", "properties": map[string]any{
			"path":  map[string]any{"type": "string", "description": "File path relative to the workspace root."},
			"start": map[string]any{"type": "integer"}, "end": map[string]any{"type": "integer"},
		}, "required": []string{"path"}}
		name, desc := "tool_"+strconv.Itoa(i), "Reads part of a file and returns its lines with numbers. "+strings.Repeat("More words. ", 10)
		if anthropicShape {
			tools = append(tools, map[string]any{"name": name, "description": desc, "input_schema": schema})
		} else {
			tools = append(tools, map[string]any{"type": "function", "function": map[string]any{"name": name, "description": desc, "parameters": schema}})
		}
	}
	return tools
}

// benchOpenAIRequest is an OpenAI chat request: turns user/assistant
// exchanges, each assistant turn with a tool call and its result.
func benchOpenAIRequest(turns int) []byte {
	text := strings.Repeat("Here is some context about the code base, with \"quotes\" and ünïcode. ", 12)
	msgs := []any{map[string]any{"role": "system", "content": "You are a careful coding agent. " + text}}
	for i := range turns {
		id := "call_" + strconv.Itoa(i)
		msgs = append(msgs,
			map[string]any{"role": "user", "content": "Step " + strconv.Itoa(i) + ": " + text},
			map[string]any{"role": "assistant", "content": "Let me look.", "tool_calls": []any{map[string]any{"id": id, "type": "function",
				"function": map[string]any{"name": "tool_" + strconv.Itoa(i%15), "arguments": `{"path":"src/main.go","start":1,"end":80}`}}}},
			map[string]any{"role": "tool", "tool_call_id": id, "content": strings.Repeat("func main() { fmt.Println(\"hi\") }\n", 20)})
	}
	req := map[string]any{"model": "claude-sonnet-4-5", "messages": msgs, "max_tokens": 4096, "temperature": 0.2}
	if turns > 0 {
		req["tools"] = benchTools(15, false)
	}
	return benchJSON(req)
}

// benchAnthropicRequest is the same conversation in Anthropic form.
func benchAnthropicRequest(turns int) []byte {
	text := strings.Repeat("Here is some context about the code base, with \"quotes\" and ünïcode. ", 12)
	var msgs []any
	for i := range turns {
		id := "toolu_" + strconv.Itoa(i)
		msgs = append(msgs,
			map[string]any{"role": "user", "content": []any{map[string]any{"type": "text", "text": "Step " + strconv.Itoa(i) + ": " + text}}},
			map[string]any{"role": "assistant", "content": []any{map[string]any{"type": "text", "text": "Let me look."},
				map[string]any{"type": "tool_use", "id": id, "name": "tool_" + strconv.Itoa(i%15), "input": map[string]any{"path": "src/main.go", "start": 1, "end": 80}}}},
			map[string]any{"role": "user", "content": []any{map[string]any{"type": "tool_result", "tool_use_id": id,
				"content": strings.Repeat("func main() { fmt.Println(\"hi\") }\n", 20)}}})
	}
	msgs = append(msgs, map[string]any{"role": "user", "content": "Say hello in one short sentence."})
	req := map[string]any{"model": "gpt-4.1", "system": "You are a careful coding agent. " + text, "messages": msgs, "max_tokens": 4096}
	if turns > 0 {
		req["tools"] = benchTools(15, true)
	}
	return benchJSON(req)
}

func BenchmarkConvertRequestOToA(b *testing.B) {
	for _, c := range []struct {
		name string
		body []byte
	}{{"small", []byte(`{"model":"claude-sonnet-4-5","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":256,"temperature":0.7}`)},
		{"agent", benchOpenAIRequest(40)}} {
		opt := convert.RequestOptions{UpstreamModel: "claude-sonnet-4-5-20250929", MaxTokensDefault: 8192, CacheBreakpoints: true}
		var req openai.ChatRequest
		if err := json.Unmarshal(c.body, &req); err != nil {
			b.Fatal(err)
		}
		out, err := anthropicreq.RequestOToA(&req, opt)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name+"/decode", func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				var r openai.ChatRequest
				json.Unmarshal(c.body, &r)
			}
		})
		b.Run(c.name+"/convert", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				anthropicreq.RequestOToA(&req, opt)
			}
		})
		b.Run(c.name+"/encode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				json.Marshal(out)
			}
		})
		b.Run(c.name+"/estimate", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				convert.EstimateOpenAITokens(&req)
			}
		})
	}
}

func BenchmarkConvertRequestAToO(b *testing.B) {
	for _, c := range []struct {
		name string
		body []byte
	}{{"small", []byte(`{"model":"gpt-4.1","max_tokens":256,"system":"You are a helpful assistant.","messages":[{"role":"user","content":"Say hello in one short sentence."}],"temperature":0.7}`)},
		{"agent", benchAnthropicRequest(40)}} {
		opt := convert.RequestOptions{UpstreamModel: "gpt-4.1", MaxTokensDefault: 8192}
		var req anthropic.MessagesRequest
		if err := json.Unmarshal(c.body, &req); err != nil {
			b.Fatal(err)
		}
		out, _, err := convert.RequestAToO(&req, opt)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name+"/decode", func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				var r anthropic.MessagesRequest
				json.Unmarshal(c.body, &r)
			}
		})
		b.Run(c.name+"/convert", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				convert.RequestAToO(&req, opt)
			}
		})
		b.Run(c.name+"/encode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				json.Marshal(out)
			}
		})
		b.Run(c.name+"/estimate", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				convert.EstimateAnthropicTokens(&req)
			}
		})
	}
}

// BenchmarkConvertResponse is the answer's way back: decode the
// upstream's JSON, convert, encode for the client (the ~280 B answers of
// the load test).
func BenchmarkConvertResponse(b *testing.B) {
	aBody := []byte(`{"id":"msg_01BenchBenchBenchBench0001","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Hello! How can I help you today?"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":19,"output_tokens":10}}`)
	oBody := []byte(`{"id":"chatcmpl-bench0000000000000000000001","object":"chat.completion","created":1747900000,"model":"gpt-4.1-2025-04-14","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29}}`)
	b.Run("AToO", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r anthropic.Response
			if err := json.Unmarshal(aBody, &r); err != nil {
				b.Fatal(err)
			}
			json.Marshal(convert.ResponseAToO(&r, "claude-sonnet-4-5", 1747900000))
		}
	})
	b.Run("OToA", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r openai.ChatResponse
			if err := json.Unmarshal(oBody, &r); err != nil {
				b.Fatal(err)
			}
			json.Marshal(convert.ResponseOToA(&r, "gpt-4.1", nil))
		}
	})
}
