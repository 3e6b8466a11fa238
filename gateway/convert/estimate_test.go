package convert

import (
	"encoding/json"
	"strings"
	"testing"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/openai"
)

func TestEstimates(t *testing.T) {
	decodeA := func(body string) *anthropic.MessagesRequest {
		var r anthropic.MessagesRequest
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		return &r
	}
	decodeO := func(body string) *openai.ChatRequest {
		var r openai.ChatRequest
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		return &r
	}
	tests := []struct {
		name string
		a, o int
		want int
	}{
		// base 3 + message 4 + ceil(5/4)=2
		{"short", EstimateAnthropicTokens(decodeA(`{"messages":[{"role":"user","content":"hello"}]}`)),
			EstimateOpenAITokens(decodeO(`{"messages":[{"role":"user","content":"hello"}]}`)), 9},
		// 3 + 4 + 6 CJK characters
		{"cjk", EstimateAnthropicTokens(decodeA(`{"messages":[{"role":"user","content":"你好，世界！"}]}`)),
			EstimateOpenAITokens(decodeO(`{"messages":[{"role":"user","content":"你好，世界！"}]}`)), 13},
		// 3 + 4 + 1600 image + ceil(1/4)=1
		{"image", EstimateAnthropicTokens(decodeA(`{"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}},{"type":"text","text":"?"}]}]}`)),
			EstimateOpenAITokens(decodeO(`{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}},{"type":"text","text":"?"}]}]}`)), 1608},
		// 3 + 3*4 + ceil((1+2+8)/4)=3 : "q", tool call "ls" + "{}" ... see below
		{"tools", EstimateAnthropicTokens(decodeA(`{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"thinking","thinking":"long hidden reasoning"},{"type":"tool_use","id":"t","name":"ls","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"bin etc"}]}]}`)),
			EstimateOpenAITokens(decodeO(`{"messages":[{"role":"user","content":"q"},{"role":"assistant","reasoning_content":"long hidden reasoning","tool_calls":[{"id":"t","type":"function","function":{"name":"ls","arguments":"{}"}}]},{"role":"tool","tool_call_id":"t","content":"bin etc"}]}`)),
			// text: q(1) + ls(2) + {}(2) + "bin etc"(7) = 12 quarters -> 3
			3 + 12 + 3},
	}
	for _, tt := range tests {
		if tt.a != tt.want || tt.o != tt.want {
			t.Errorf("%s: anthropic %d, openai %d; want %d", tt.name, tt.a, tt.o, tt.want)
		}
	}
	if n := EstimateAnthropicTokens(&anthropic.MessagesRequest{}); n < 1 {
		t.Errorf("empty anthropic estimate %d", n)
	}
	if EstimateAnthropicTokens(nil) != 1 || EstimateOpenAITokens(nil) != 1 {
		t.Error("nil estimate is not 1")
	}
	// Longer input never estimates fewer tokens.
	short := EstimateAnthropicTokens(decodeA(`{"messages":[{"role":"user","content":"abc"}]}`))
	longer := EstimateAnthropicTokens(decodeA(`{"messages":[{"role":"user","content":"` + strings.Repeat("abc ", 1000) + `"}]}`))
	if longer <= short || longer != 3+4+1000 {
		t.Errorf("short %d, longer %d (want 1007)", short, longer)
	}
}
