package anthropicreq

import (
	"encoding/json"
	"strings"
	"testing"

	"switchyard/gateway/anthropic"
)

func TestStripUnsignedThinking(t *testing.T) {
	body := `{"model":"claude","max_tokens":5000,"thinking":{"type":"enabled","budget_tokens":2048},"messages":[
		{"role":"user","content":"q"},
		{"role":"assistant","content":[{"type":"thinking","thinking":"synthetic","signature":""},{"type":"tool_use","id":"t","name":"f","input":{}}]},
		{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"r"}]}]}`
	var req anthropic.MessagesRequest
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatal(err)
	}
	if !StripUnsignedThinking(&req) {
		t.Fatal("reported no change")
	}
	if req.Thinking != nil || len(req.Messages[1].Content) != 1 || req.Messages[1].Content[0].Type != "tool_use" {
		t.Errorf("thinking %+v, assistant %+v", req.Thinking, req.Messages[1].Content)
	}
	// Signed blocks are untouched.
	signed := strings.Replace(body, `"signature":""`, `"signature":"S"`, 1)
	req = anthropic.MessagesRequest{}
	if err := json.Unmarshal([]byte(signed), &req); err != nil {
		t.Fatal(err)
	}
	if StripUnsignedThinking(&req) || req.Thinking == nil || len(req.Messages[1].Content) != 2 {
		t.Errorf("changed a signed request: %+v", req)
	}
	if StripUnsignedThinking(nil) {
		t.Error("nil request changed")
	}
}
