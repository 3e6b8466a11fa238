package responsesconv

import (
	"encoding/json"
	"testing"

	oresponses "github.com/openai/openai-go/v3/responses"

	"switchyard/gateway/openai"
)

func TestResponseFromHub(t *testing.T) {
	stop, length := "tool_calls", "length"
	text := "Here you go."
	chat := &openai.ChatResponse{ID: "chatcmpl-1", Model: "up-model", Choices: []openai.Choice{{
		Message: openai.Message{Role: "assistant", Content: openai.TextContent(text), ReasoningContent: "hmm",
			ToolCalls: []openai.ToolCall{
				{ID: "call_1", Type: "function", Function: openai.FunctionCall{Name: "shell", Arguments: `{"command":["ls"]}`}},
				{ID: "call_2", Type: "function", Function: openai.FunctionCall{Name: "apply_patch", Arguments: `{"input":"*** Begin Patch"}`}},
			}},
		FinishReason: &stop}},
		Usage: &openai.Usage{PromptTokens: 100, CompletionTokens: 20, TotalTokens: 120,
			PromptTokensDetails:     &openai.PromptTokensDetails{CachedTokens: 80},
			CompletionTokensDetails: &openai.CompletionTokensDetails{ReasoningTokens: 7}}}
	r := ResponseFromHub(chat, FromHubOptions{ClientModel: "gpt-5-codex", Created: 1700000000, ID: "resp_x",
		Notes: Notes{Tools: map[string]ClientTool{"apply_patch": {Kind: KindCustom, Name: "apply_patch"}}}})
	b, _ := json.Marshal(r)
	var sdk oresponses.Response
	if err := json.Unmarshal(b, &sdk); err != nil {
		t.Fatal(err)
	}
	if sdk.ID != "resp_x" || sdk.Object != "response" || sdk.Status != "completed" || sdk.Model != "gpt-5-codex" {
		t.Fatalf("header fields: %s", b)
	}
	if sdk.OutputText() != text {
		t.Fatalf("OutputText %q", sdk.OutputText())
	}
	if len(sdk.Output) != 4 || sdk.Output[0].Type != "reasoning" || sdk.Output[1].Type != "message" ||
		sdk.Output[2].Type != "function_call" || sdk.Output[3].Type != "custom_tool_call" {
		t.Fatalf("output items: %s", b)
	}
	if sdk.Output[2].CallID != "call_1" || sdk.Output[2].Arguments.OfString != `{"command":["ls"]}` {
		t.Fatalf("function call: %s", b)
	}
	if sdk.Output[3].Input != "*** Begin Patch" {
		t.Fatalf("custom call input %q", sdk.Output[3].Input)
	}
	u := sdk.Usage
	if u.InputTokens != 100 || u.OutputTokens != 20 || u.InputTokensDetails.CachedTokens != 80 || u.OutputTokensDetails.ReasoningTokens != 7 || u.TotalTokens != 120 {
		t.Fatalf("usage: %+v", u)
	}

	chat.Choices[0].FinishReason = &length
	r = ResponseFromHub(chat, FromHubOptions{})
	if r.Status != "incomplete" || r.IncompleteDetails == nil || r.IncompleteDetails.Reason != "max_output_tokens" {
		t.Fatalf("length: status %q %+v", r.Status, r.IncompleteDetails)
	}
}
