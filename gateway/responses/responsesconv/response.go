package responsesconv

import (
	"encoding/json"
	"strings"

	"switchyard/gateway/openai"
	"switchyard/gateway/responses"
)

// FromHubOptions are what a conversion back to the client needs.
type FromHubOptions struct {
	ClientModel string // the model name the client asked for
	Created     int64  // unix seconds
	Notes       Notes  // from RequestToHub
	// ID overrides the generated response id (tests).
	ID string
}

// ResponseFromHub converts a Chat completion into a Responses object.
func ResponseFromHub(chat *openai.ChatResponse, opt FromHubOptions) *responses.Response {
	ids := responses.NewIDs(opt.ID)
	r := &responses.Response{
		ID:        ids.Response,
		Object:    "response",
		CreatedAt: opt.Created,
		Status:    "completed",
		Model:     firstNonEmpty(opt.ClientModel, chat.Model),
		Output:    []responses.OutputItem{},
		Tools:     []json.RawMessage{},
	}
	if len(chat.Choices) > 0 {
		ch := chat.Choices[0]
		m := ch.Message
		if rc := firstNonEmpty(m.ReasoningContent, m.Reasoning); rc != "" {
			r.Output = append(r.Output, responses.OutputItem{ID: ids.Next("rs_"), Type: "reasoning",
				Summary: []responses.SummaryPart{{Type: "summary_text", Text: rc}}})
		}
		text := contentText(m.Content)
		if text != "" || m.Refusal != "" {
			item := responses.OutputItem{ID: ids.Next("msg_"), Type: "message", Status: "completed", Role: "assistant"}
			if text != "" {
				item.Content = append(item.Content, responses.OutputContent{Type: "output_text", Text: text, Annotations: []json.RawMessage{}})
			}
			if m.Refusal != "" {
				item.Content = append(item.Content, responses.OutputContent{Type: "refusal", Refusal: m.Refusal, Annotations: []json.RawMessage{}})
			}
			r.Output = append(r.Output, item)
		}
		for _, tc := range m.ToolCalls {
			if tc.ID == "" {
				tc.ID = ids.Next("call_")
			}
			r.Output = append(r.Output, callItem(ids.Next(""), tc.ID, tc.Function.Name, tc.Function.Arguments, &opt.Notes))
		}
		if ch.FinishReason != nil {
			switch *ch.FinishReason {
			case "length":
				r.Status, r.IncompleteDetails = "incomplete", &responses.IncompleteDetails{Reason: "max_output_tokens"}
			case "content_filter":
				r.Status, r.IncompleteDetails = "incomplete", &responses.IncompleteDetails{Reason: "content_filter"}
			}
		}
	}
	r.Usage = UsageFromHub(chat.Usage)
	return r
}

// callItem is a finished function_call, custom_tool_call or
// local_shell_call item for a hub tool call.
func callItem(id, callID, hubName, args string, notes *Notes) responses.OutputItem {
	t := notes.Client(hubName)
	switch t.Kind {
	case KindCustom:
		in := CustomInput(args)
		return responses.OutputItem{ID: "ctc_" + id, Type: "custom_tool_call", Status: "completed", CallID: callID,
			Name: t.Name, Namespace: t.Namespace, Input: &in}
	case KindLocalShell:
		return responses.OutputItem{ID: "lsh_" + id, Type: "local_shell_call", Status: "completed", CallID: callID,
			Action: ShellArgsToAction(args)}
	}
	if args == "" {
		args = "{}"
	}
	return responses.OutputItem{ID: "fc_" + id, Type: "function_call", Status: "completed", CallID: callID,
		Name: t.Name, Namespace: t.Namespace, Arguments: &args}
}

// CustomInput unwraps a custom tool's {"input": "..."} arguments; anything
// else is passed on as it came.
func CustomInput(args string) string {
	var a struct {
		Input *string `json:"input"`
	}
	if json.Unmarshal([]byte(args), &a) == nil && a.Input != nil {
		return *a.Input
	}
	return args
}

// UsageFromHub maps Chat usage (prompt tokens include cached ones, as do
// Responses input tokens). nil stays nil.
func UsageFromHub(u *openai.Usage) *responses.Usage {
	if u == nil {
		return nil
	}
	out := &responses.Usage{InputTokens: u.PromptTokens, OutputTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
	if u.PromptTokensDetails != nil {
		out.InputTokensDetails.CachedTokens = u.PromptTokensDetails.CachedTokens
	}
	if u.CompletionTokensDetails != nil {
		out.OutputTokensDetails.ReasoningTokens = u.CompletionTokensDetails.ReasoningTokens
	}
	if out.TotalTokens == 0 {
		out.TotalTokens = out.InputTokens + out.OutputTokens
	}
	return out
}

func contentText(c openai.Content) string {
	if c.Text != nil {
		return *c.Text
	}
	var sb strings.Builder
	for _, p := range c.Parts {
		if p.Type == "text" {
			sb.WriteString(p.Text)
		}
	}
	return sb.String()
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
