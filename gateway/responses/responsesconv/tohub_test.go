package responsesconv

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	oresponses "github.com/openai/openai-go/v3/responses"

	"switchyard/gateway/openai"
	"switchyard/gateway/protocol"
	"switchyard/gateway/responses"
)

func TestRequestFromHub(t *testing.T) {
	five, two := 500, 2
	hub := &openai.ChatRequest{Model: "client", MaxTokens: &five, ReasoningEffort: "low", User: "u", Stream: true,
		Stop: openai.Strings{"END"},
		Messages: []openai.Message{
			{Role: "system", Content: openai.TextContent("Be terse.")},
			{Role: "user", Content: openai.Content{Parts: []openai.ContentPart{{Type: "text", Text: "look"},
				{Type: "image_url", ImageURL: &openai.ImageURL{URL: "data:image/png;base64,AAAA"}}}}},
			{Role: "assistant", Content: openai.TextContent("Reading."), ReasoningContent: "hidden",
				ToolCalls: []openai.ToolCall{{ID: "call_1", Type: "function", Function: openai.FunctionCall{Name: "read", Arguments: `{"p":1}`}},
					{ID: "call_2", Type: "function", Function: openai.FunctionCall{Name: "stat"}}}},
			{Role: "tool", ToolCallID: "call_1", Content: openai.TextContent("one")},
			{Role: "tool", ToolCallID: "call_2", Content: openai.TextContent("two")},
		},
		Tools:          []openai.Tool{{Type: "function", Function: openai.FunctionDef{Name: "read", Parameters: json.RawMessage(`{"type":"object"}`)}}},
		ToolChoice:     json.RawMessage(`{"type":"function","function":{"name":"read"}}`),
		ResponseFormat: json.RawMessage(`{"type":"json_schema","json_schema":{"name":"o","schema":{"type":"object"}}}`),
	}
	req, err := RequestFromHub(hub, protocol.RequestOptions{UpstreamModel: "gpt-5.1"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(req)
	// The official client's params type reads it back.
	var p oresponses.ResponseNewParams
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("openai-go: %v\n%s", err, b)
	}
	if req.Model != "gpt-5.1" || req.Instructions != "Be terse." || *req.MaxOutputTokens != 500 || req.Reasoning.Effort != "low" ||
		req.Store == nil || *req.Store || req.Text.Format.Type != "json_schema" || string(req.ToolChoice) != `{"name":"read","type":"function"}` {
		t.Fatalf("request: %s", b)
	}
	if len(req.Stop) != 0 {
		t.Fatalf("stop sent: %s", b)
	}
	var items []map[string]any
	json.Unmarshal(req.Input, &items)
	types := []string{}
	for _, it := range items {
		types = append(types, it["type"].(string))
	}
	if strings.Join(types, ",") != "message,message,function_call,function_call,function_call_output,function_call_output" {
		t.Fatalf("items %v: %s", types, req.Input)
	}
	if items[3]["arguments"] != "{}" || items[2]["call_id"] != "call_1" {
		t.Fatalf("calls: %s", req.Input)
	}

	// And back: the hub request survives the round trip (bar what
	// Responses cannot carry).
	back, _, err := RequestToHub(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Messages) != len(hub.Messages) || len(back.Messages[2].ToolCalls) != 2 || back.Messages[4].ToolCallID != "call_2" {
		bb, _ := json.Marshal(back)
		t.Fatalf("round trip: %s", bb)
	}

	hub.N = &two
	if _, err := RequestFromHub(hub, protocol.RequestOptions{}); !isParamError(err, "n") {
		t.Fatalf("n=2: %v", err)
	}
	hub.N = nil
	hub.Messages = append(hub.Messages, openai.Message{Role: "tool", Content: openai.TextContent("x")})
	if _, err := RequestFromHub(hub, protocol.RequestOptions{}); !isParamError(err, "messages[5].tool_call_id") {
		t.Fatalf("tool without id: %v", err)
	}
}

func isParamError(err error, param string) bool {
	var pe *protocol.Error
	return errors.As(err, &pe) && pe.Param == param
}

func TestResponseToHub(t *testing.T) {
	body := `{"id":"resp_1","object":"response","created_at":1700000000,"status":"completed","model":"gpt-5.1",
	 "output":[{"id":"rs_1","type":"reasoning","summary":[{"type":"summary_text","text":"plan"}]},
	  {"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi","annotations":[]}]},
	  {"id":"fc_1","type":"function_call","status":"completed","call_id":"call_1","namespace":"mcp__fs","name":"read","arguments":"{}"}],
	 "usage":{"input_tokens":100,"input_tokens_details":{"cached_tokens":60},"output_tokens":9,"output_tokens_details":{"reasoning_tokens":4},"total_tokens":109}}`
	var sdk oresponses.Response
	if err := json.Unmarshal([]byte(body), &sdk); err != nil || sdk.OutputText() != "Hi" {
		t.Fatalf("fixture is not a Response: %v", err)
	}
	var r responses.Response
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	c := ResponseToHub(&r)
	m := c.Choices[0].Message
	if contentText(m.Content) != "Hi" || m.ReasoningContent != "plan" || len(m.ToolCalls) != 1 ||
		m.ToolCalls[0].ID != "call_1" || m.ToolCalls[0].Function.Name != "mcp__fs__read" || *c.Choices[0].FinishReason != "tool_calls" {
		b, _ := json.Marshal(c)
		t.Fatalf("%s", b)
	}
	u := c.Usage
	if u.PromptTokens != 100 || u.CompletionTokens != 9 || u.PromptTokensDetails.CachedTokens != 60 || u.CompletionTokensDetails.ReasoningTokens != 4 {
		t.Fatalf("usage %+v", u)
	}
	r.Status, r.IncompleteDetails = "incomplete", &responses.IncompleteDetails{Reason: "max_output_tokens"}
	if f := *ResponseToHub(&r).Choices[0].FinishReason; f != "length" {
		t.Fatalf("incomplete: %s", f)
	}
}
