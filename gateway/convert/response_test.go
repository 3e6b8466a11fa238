package convert

import (
	"encoding/json"
	"strings"
	"testing"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/convert/converttest"
	"switchyard/gateway/openai"
)

func decodeOResp(t *testing.T, body string) *openai.ChatResponse {
	t.Helper()
	var r openai.ChatResponse
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func decodeAResp(t *testing.T, body string) *anthropic.Response {
	t.Helper()
	var r anthropic.Response
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func TestResponseOToA(t *testing.T) {
	const usage = `"usage":{"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}`
	tests := []struct {
		name, body, want string
	}{
		{"empty content", `{"id":"1","choices":[{"index":0,"message":{"role":"assistant","content":""},"finish_reason":"stop"}]}`,
			`{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":"end_turn","stop_sequence":null,` + usage + `}`},
		{"no choices", `{"id":"1","choices":[]}`,
			`{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":"end_turn","stop_sequence":null,` + usage + `}`},
		{"refusal", `{"id":"1","choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]}`,
			`{"id":"1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"I can't help with that."}],"stop_reason":"refusal","stop_sequence":null,` + usage + `}`},
		{"content_filter", `{"id":"1","choices":[{"index":0,"message":{"role":"assistant","content":"partial"},"finish_reason":"content_filter"}]}`,
			`{"id":"1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"partial"}],"stop_reason":"refusal","stop_sequence":null,` + usage + `}`},
		{"reasoning field and text parts", `{"id":"1","choices":[{"index":0,"message":{"role":"assistant","reasoning":"hmm","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},"finish_reason":"length"}]}`,
			`{"id":"1","type":"message","role":"assistant","model":"m","content":[{"type":"thinking","thinking":"hmm","signature":""},{"type":"text","text":"ab"}],"stop_reason":"max_tokens","stop_sequence":null,` + usage + `}`},
		{"null finish with tools", `{"id":"1","choices":[{"index":0,"message":{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"not json"}}]},"finish_reason":null}]}`,
			`{"id":"1","type":"message","role":"assistant","model":"m","content":[{"type":"tool_use","id":"c","name":"f","input":{}}],"stop_reason":"tool_use","stop_sequence":null,` + usage + `}`},
		{"choices merged in index order, length wins", `{"id":"1","choices":[
			{"index":1,"message":{"role":"assistant","content":" world","tool_calls":[{"id":"c2","type":"function","function":{"name":"g","arguments":"{\"a\":"}}]},"finish_reason":"length"},
			{"index":0,"message":{"role":"assistant","reasoning_content":"r","content":"hello","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"[]"}}]},"finish_reason":"tool_calls"}]}`,
			`{"id":"1","type":"message","role":"assistant","model":"m","content":[{"type":"thinking","thinking":"r","signature":""},{"type":"text","text":"hello world"},
			{"type":"tool_use","id":"c1","name":"f","input":{}},{"type":"tool_use","id":"c2","name":"g","input":{}}],"stop_reason":"max_tokens","stop_sequence":null,` + usage + `}`},
		{"usage with cache write", `{"id":"1","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"stop"}],
			"usage":{"prompt_tokens":100,"completion_tokens":5,"total_tokens":105,"prompt_tokens_details":{"cached_tokens":30,"cache_write_tokens":20}}}`,
			`{"id":"1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"x"}],"stop_reason":"end_turn","stop_sequence":null,
			"usage":{"input_tokens":50,"output_tokens":5,"cache_creation_input_tokens":20,"cache_read_input_tokens":30}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ResponseOToA(decodeOResp(t, tt.body), "m", nil)
			var want map[string]any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			want["id"] = "msg_1"
			wb, _ := json.Marshal(want)
			converttest.AssertJSON(t, "response", got, string(wb))
		})
	}
	t.Run("missing ids synthesized", func(t *testing.T) {
		got := ResponseOToA(decodeOResp(t, `{"choices":[{"index":0,"message":{"role":"assistant","tool_calls":[
			{"type":"function","function":{"name":"f","arguments":"{}"}},{"id":"","type":"function","function":{"name":"g","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}`), "", nil)
		if !strings.HasPrefix(got.ID, "msg_") || len(got.ID) != len("msg_")+24 {
			t.Errorf("id %q", got.ID)
		}
		a, b := got.Content[0].ID, got.Content[1].ID
		for _, id := range []string{a, b} {
			if !strings.HasPrefix(id, "toolu_") || len(id) != len("toolu_")+24 || SanitizeToolID(id) != id {
				t.Errorf("tool id %q", id)
			}
		}
		if a == b {
			t.Error("duplicate synthesized ids")
		}
	})
	t.Run("nil", func(t *testing.T) {
		if got := ResponseOToA(nil, "m", nil); got == nil || got.Content == nil {
			t.Errorf("got %+v", got)
		}
	})
}

func TestResponseAToO(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"empty", `{"id":"msg_1","content":[],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":0}}`,
			`{"role":"assistant","content":""}`},
		{"tool calls only", `{"id":"msg_1","content":[{"type":"tool_use","id":"t","name":"f","input":{"a":1}},{"type":"tool_use","id":"u","name":"g"}],"stop_reason":"tool_use"}`,
			`{"role":"assistant","content":null,"tool_calls":[{"id":"t","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}},{"id":"u","type":"function","function":{"name":"g","arguments":"{}"}}]}`},
		{"unsigned thinking has no thinking_blocks", `{"id":"msg_1","content":[{"type":"thinking","thinking":"a"},{"type":"thinking","thinking":"b","signature":""},{"type":"text","text":"x"}],"stop_reason":"end_turn"}`,
			`{"role":"assistant","content":"x","reasoning_content":"ab"}`},
		{"redacted thinking kept for replay", `{"id":"msg_1","content":[{"type":"redacted_thinking","data":"ENC"},{"type":"text","text":"x"}],"stop_reason":"end_turn"}`,
			`{"role":"assistant","content":"x","thinking_blocks":[{"type":"redacted_thinking","data":"ENC"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ResponseAToO(decodeAResp(t, tt.body), "client", 42)
			if got.ID != "chatcmpl-msg_1" || got.Object != "chat.completion" || got.Created != 42 || got.Model != "client" || len(got.Choices) != 1 {
				t.Errorf("envelope %+v", got)
			}
			converttest.AssertJSON(t, "message", got.Choices[0].Message, tt.want)
		})
	}
	t.Run("model fallback and nil", func(t *testing.T) {
		got := ResponseAToO(decodeAResp(t, `{"id":"msg_1","model":"up","content":[]}`), "", 1)
		if got.Model != "up" || *got.Choices[0].FinishReason != "stop" {
			t.Errorf("%+v", got)
		}
		if ResponseAToO(nil, "m", 1) == nil {
			t.Error("nil response")
		}
	})
	t.Run("tool_use with only server tools", func(t *testing.T) {
		got := ResponseAToO(decodeAResp(t, `{"id":"msg_1","content":[{"type":"server_tool_use","id":"s","name":"web_search","input":{}},{"type":"text","text":"found"}],"stop_reason":"tool_use"}`), "m", 1)
		if f := *got.Choices[0].FinishReason; f != "stop" || got.Choices[0].Message.ToolCalls != nil {
			t.Errorf("finish %q, calls %v", f, got.Choices[0].Message.ToolCalls)
		}
	})
	t.Run("logprobs null on the wire", func(t *testing.T) {
		b, _ := json.Marshal(ResponseAToO(decodeAResp(t, `{"id":"msg_1","content":[]}`), "m", 1))
		if !strings.Contains(string(b), `"logprobs":null`) || !strings.Contains(string(b), `"finish_reason":"stop"`) {
			t.Errorf("%s", b)
		}
	})
}

func TestUsage(t *testing.T) {
	if got := UsageOToA(nil); got != (anthropic.Usage{}) {
		t.Errorf("UsageOToA(nil) = %+v", got)
	}
	// More cached than prompt (a broken upstream) never goes negative.
	got := UsageOToA(&openai.Usage{PromptTokens: 10, CompletionTokens: 1, PromptTokensDetails: &openai.PromptTokensDetails{CachedTokens: 50}})
	if got.InputTokens != 0 || got.CacheReadInputTokens != 50 {
		t.Errorf("%+v", got)
	}
	// LiteLLM-style top-level cache fields when details are absent.
	cr, cc := 7, 3
	got = UsageOToA(&openai.Usage{PromptTokens: 20, CompletionTokens: 2, CacheReadInputTokens: &cr, CacheCreationInputTokens: &cc})
	if got != (anthropic.Usage{InputTokens: 10, OutputTokens: 2, CacheReadInputTokens: 7, CacheCreationInputTokens: 3}) {
		t.Errorf("%+v", got)
	}
	// Round trip A -> O -> A is exact.
	a := anthropic.Usage{InputTokens: 11, OutputTokens: 22, CacheReadInputTokens: 33, CacheCreationInputTokens: 44}
	if back := UsageOToA(UsageAToO(a)); back != a {
		t.Errorf("round trip %+v -> %+v", a, back)
	}
	// Both cache fields are always on the A wire.
	b, _ := json.Marshal(UsageOToA(&openai.Usage{PromptTokens: 1}))
	if !strings.Contains(string(b), `"cache_creation_input_tokens":0`) || !strings.Contains(string(b), `"cache_read_input_tokens":0`) {
		t.Errorf("%s", b)
	}
}

func TestRepairJSON(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{`{"a":1`, `{"a":1}`, true},
		{`{"a":1,`, `{"a":1}`, true},
		{`{"a":"hel`, `{"a":"hel"}`, true},
		{`{"a":"x\`, `{"a":"x"}`, true},
		{`{"a":"x\u12`, `{}`, true},
		{`{"a":[1,2`, `{"a":[1,2]}`, true},
		{`{"a":[1,{"b":tr`, `{"a":[1,{}]}`, true},
		{`{"a":{"b":null`, `{"a":{"b":null}}`, true},
		{`{"a":1,"b`, `{"a":1}`, true},
		{`{"a":1,"b":`, `{"a":1}`, true},
		{`{"a":-`, `{}`, true},
		{`{"a":1.5e`, `{}`, true},
		{`{"a":"}"`, `{"a":"}"}`, true},
		{`{`, `{}`, true},
		{`{"a":1}`, `{"a":1}`, true},
		{`{"a":1]`, ``, false},
		{``, ``, false},
		{`nope`, ``, false},
	}
	for _, tt := range tests {
		got, ok := repairJSON(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("repairJSON(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	// Only with finish_reason length.
	if got := string(ParseArguments(`{"a":1`, false)); got != `{}` {
		t.Errorf("repaired without length: %s", got)
	}
	if got := string(ParseArguments(`{ "a" : 1 }`, false)); got != `{"a":1}` {
		t.Errorf("not compacted: %s", got)
	}
	if got := string(ParseArguments(`[1,2`, true)); got != `{}` {
		t.Errorf("repaired a non-object: %s", got)
	}
}
