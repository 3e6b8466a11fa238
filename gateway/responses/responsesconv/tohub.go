package responsesconv

import (
	"encoding/json"
	"strconv"
	"strings"

	"switchyard/gateway/openai"
	"switchyard/gateway/protocol"
	"switchyard/gateway/responses"
)

// The way to a `format: responses` backend: a hub (Chat) request becomes a
// Responses request, and the backend's response comes back as Chat.

// RequestFromHub converts a hub request into a Responses request for a
// backend that speaks the Responses API. Leading system messages become
// `instructions`; `store` is false (the gateway keeps no state and asks
// the backend to keep none). Chat's `stop` has no Responses equivalent
// and is not sent; reasoning_content of earlier turns cannot be replayed
// (the Responses API wants its own encrypted reasoning items) and is
// left out.
func RequestFromHub(req *openai.ChatRequest, opt protocol.RequestOptions) (*responses.Request, error) {
	if req.N != nil && *req.N > 1 {
		return nil, &protocol.Error{Param: "n", Message: "n > 1 is not supported by a Responses backend"}
	}
	store := false
	out := &responses.Request{
		Model:             firstNonEmpty(opt.UpstreamModel, req.Model),
		Temperature:       req.Temperature,
		TopP:              req.TopP,
		ParallelToolCalls: req.ParallelToolCalls,
		Stream:            req.Stream,
		Store:             &store,
		User:              req.User,
	}
	switch {
	case req.MaxCompletionTokens != nil:
		out.MaxOutputTokens = req.MaxCompletionTokens
	case req.MaxTokens != nil:
		out.MaxOutputTokens = req.MaxTokens
	}
	if req.ReasoningEffort != "" {
		out.Reasoning = &responses.Reasoning{Effort: req.ReasoningEffort}
	}
	for _, t := range req.Tools {
		f := t.Function
		out.Tools = append(out.Tools, responses.Tool{Type: "function", Name: f.Name, Description: f.Description,
			Parameters: f.Parameters, Strict: f.Strict})
	}
	tc, err := toolChoiceFromHub(req.ToolChoice)
	if err != nil {
		return nil, err
	}
	out.ToolChoice = tc
	if out.Text, err = formatFromHub(req.ResponseFormat); err != nil {
		return nil, err
	}
	msgs := req.Messages
	var sys []string
	for len(msgs) > 0 && (msgs[0].Role == "system" || msgs[0].Role == "developer") {
		sys = append(sys, contentText(msgs[0].Content))
		msgs = msgs[1:]
	}
	out.Instructions = strings.Join(sys, "\n\n")
	items, err := itemsFromHub(msgs, len(req.Messages)-len(msgs))
	if err != nil {
		return nil, err
	}
	raw, _ := json.Marshal(items)
	out.Input = raw
	return out, nil
}

// toolChoiceFromHub maps Chat's tool_choice to the Responses form.
func toolChoiceFromHub(raw json.RawMessage) (json.RawMessage, error) {
	if isNull(raw) {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return raw, nil
	}
	var o struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if json.Unmarshal(raw, &o) != nil || o.Function.Name == "" {
		return nil, &protocol.Error{Param: "tool_choice", Message: "tool_choice must be a string or {type:function,function:{name}}"}
	}
	b, _ := json.Marshal(map[string]string{"type": "function", "name": o.Function.Name})
	return b, nil
}

// formatFromHub maps response_format to text.format.
func formatFromHub(raw json.RawMessage) (*responses.TextConfig, error) {
	if isNull(raw) {
		return nil, nil
	}
	var rf struct {
		Type       string `json:"type"`
		JSONSchema *struct {
			Name        string          `json:"name"`
			Description string          `json:"description"`
			Schema      json.RawMessage `json:"schema"`
			Strict      *bool           `json:"strict"`
		} `json:"json_schema"`
	}
	if json.Unmarshal(raw, &rf) != nil {
		return nil, &protocol.Error{Param: "response_format", Message: "response_format must be an object"}
	}
	switch rf.Type {
	case "text", "":
		return nil, nil
	case "json_object":
		return &responses.TextConfig{Format: &responses.TextFormat{Type: "json_object"}}, nil
	case "json_schema":
		js := rf.JSONSchema
		if js == nil || isNull(js.Schema) {
			return nil, &protocol.Error{Param: "response_format.json_schema", Message: "json_schema needs a schema"}
		}
		return &responses.TextConfig{Format: &responses.TextFormat{Type: "json_schema", Name: firstNonEmpty(js.Name, "response"),
			Description: js.Description, Schema: js.Schema, Strict: js.Strict}}, nil
	}
	return nil, &protocol.Error{Param: "response_format.type", Message: "unknown response_format type " + rf.Type}
}

// itemsFromHub converts Chat messages (after the leading system ones,
// which start at index base) into input items.
func itemsFromHub(msgs []openai.Message, base int) ([]responses.Item, error) {
	items := make([]responses.Item, 0, len(msgs))
	for i := range msgs {
		m := &msgs[i]
		path := "messages[" + strconv.Itoa(base+i) + "]"
		switch m.Role {
		case "system", "developer":
			items = append(items, textItem(m.Role, "input_text", contentText(m.Content)))
		case "user":
			parts, err := partsFromHub(path, m.Content)
			if err != nil {
				return nil, err
			}
			c, _ := json.Marshal(parts)
			items = append(items, responses.Item{Type: "message", Role: "user", Content: c})
		case "assistant":
			items = append(items, assistantItems(m)...)
		case "tool":
			if m.ToolCallID == "" {
				return nil, &protocol.Error{Param: path + ".tool_call_id", Message: "a tool message needs a tool_call_id"}
			}
			out, _ := json.Marshal(contentText(m.Content))
			items = append(items, responses.Item{Type: "function_call_output", CallID: m.ToolCallID, Output: out})
		default:
			return nil, &protocol.Error{Param: path + ".role", Message: "unknown role " + m.Role}
		}
	}
	return items, nil
}

func textItem(role, partType, text string) responses.Item {
	c, _ := json.Marshal([]responses.Part{{Type: partType, Text: text}})
	return responses.Item{Type: "message", Role: role, Content: c}
}

// assistantItems is an assistant turn: its text (or refusal) as a
// message, then one function_call per tool call.
func assistantItems(m *openai.Message) []responses.Item {
	var items []responses.Item
	if text := contentText(m.Content); text != "" || m.Refusal != "" {
		var parts []responses.Part
		if text != "" {
			parts = append(parts, responses.Part{Type: "output_text", Text: text})
		}
		if m.Refusal != "" {
			parts = append(parts, responses.Part{Type: "refusal", Refusal: m.Refusal})
		}
		c, _ := json.Marshal(parts)
		items = append(items, responses.Item{Type: "message", Role: "assistant", Content: c})
	}
	for _, tc := range m.ToolCalls {
		args := tc.Function.Arguments
		if strings.TrimSpace(args) == "" {
			args = "{}"
		}
		items = append(items, responses.Item{Type: "function_call", CallID: tc.ID, Name: tc.Function.Name, Arguments: args})
	}
	return items
}

// partsFromHub converts user content to input parts.
func partsFromHub(path string, c openai.Content) ([]responses.Part, error) {
	if c.Parts == nil {
		return []responses.Part{{Type: "input_text", Text: contentText(c)}}, nil
	}
	parts := make([]responses.Part, 0, len(c.Parts))
	for j, p := range c.Parts {
		switch p.Type {
		case "text":
			parts = append(parts, responses.Part{Type: "input_text", Text: p.Text})
		case "image_url":
			if p.ImageURL == nil || p.ImageURL.URL == "" {
				return nil, &protocol.Error{Param: path + ".content[" + strconv.Itoa(j) + "].image_url", Message: "an image_url part needs a url"}
			}
			parts = append(parts, responses.Part{Type: "input_image", ImageURL: p.ImageURL.URL, Detail: firstNonEmpty(p.ImageURL.Detail, "auto")})
		case "file":
			if p.File == nil {
				return nil, &protocol.Error{Param: path + ".content[" + strconv.Itoa(j) + "].file", Message: "a file part needs a file"}
			}
			parts = append(parts, responses.Part{Type: "input_file", FileData: p.File.FileData, FileID: p.File.FileID, Filename: p.File.Filename})
		default:
			return nil, &protocol.Error{Param: path + ".content[" + strconv.Itoa(j) + "].type", Message: "content part type " + p.Type + " cannot be sent to a Responses backend"}
		}
	}
	return parts, nil
}

// ResponseToHub converts a backend's Responses object into a Chat
// completion: message text becomes content, reasoning summaries (or
// reasoning text) reasoning_content, function calls tool_calls.
func ResponseToHub(r *responses.Response) *openai.ChatResponse {
	msg := openai.Message{Role: "assistant"}
	var text, reasoning strings.Builder
	for i := range r.Output {
		it := &r.Output[i]
		switch it.Type {
		case "message":
			for _, c := range it.Content {
				switch c.Type {
				case "output_text":
					text.WriteString(c.Text)
				case "refusal":
					msg.Refusal += c.Refusal
				}
			}
		case "reasoning":
			appendReasoning(&reasoning, it)
		case "function_call", "custom_tool_call":
			args := ""
			if it.Arguments != nil {
				args = *it.Arguments
			} else if it.Input != nil {
				b, _ := json.Marshal(map[string]string{"input": *it.Input})
				args = string(b)
			}
			msg.ToolCalls = append(msg.ToolCalls, openai.ToolCall{ID: firstNonEmpty(it.CallID, it.ID), Type: "function",
				Function: openai.FunctionCall{Name: HubToolName(it.Namespace, it.Name), Arguments: args}})
		}
	}
	if text.Len() > 0 || len(msg.ToolCalls) == 0 {
		msg.Content = openai.TextContent(text.String())
	}
	msg.ReasoningContent = reasoning.String()
	finish := HubFinish(r.Status, r.IncompleteDetails, len(msg.ToolCalls) > 0)
	return &openai.ChatResponse{ID: r.ID, Object: "chat.completion", Created: r.CreatedAt, Model: r.Model,
		Choices: []openai.Choice{{Message: msg, FinishReason: &finish, Logprobs: json.RawMessage("null")}},
		Usage:   UsageToHub(r.Usage)}
}

func appendReasoning(sb *strings.Builder, it *responses.OutputItem) {
	add := func(s string) {
		if s == "" {
			return
		}
		if sb.Len() > 0 {
			sb.WriteString("\n\n")
		}
		sb.WriteString(s)
	}
	if len(it.Content) > 0 { // the reasoning text itself, where a backend shows it
		for _, c := range it.Content {
			add(c.Text)
		}
		return
	}
	for _, s := range it.Summary {
		add(s.Text)
	}
}

// HubFinish is the Chat finish_reason for a response's status.
func HubFinish(status string, inc *responses.IncompleteDetails, calls bool) string {
	if status == "incomplete" {
		if inc != nil && inc.Reason == "content_filter" {
			return "content_filter"
		}
		return "length"
	}
	if calls {
		return "tool_calls"
	}
	return "stop"
}

// UsageToHub maps Responses usage to Chat usage (both count cached tokens
// in the input). nil stays nil.
func UsageToHub(u *responses.Usage) *openai.Usage {
	if u == nil {
		return nil
	}
	out := &openai.Usage{PromptTokens: u.InputTokens, CompletionTokens: u.OutputTokens, TotalTokens: u.TotalTokens}
	if out.TotalTokens == 0 {
		out.TotalTokens = u.InputTokens + u.OutputTokens
	}
	if u.InputTokensDetails.CachedTokens > 0 {
		out.PromptTokensDetails = &openai.PromptTokensDetails{CachedTokens: u.InputTokensDetails.CachedTokens}
	}
	if u.OutputTokensDetails.ReasoningTokens > 0 {
		out.CompletionTokensDetails = &openai.CompletionTokensDetails{ReasoningTokens: u.OutputTokensDetails.ReasoningTokens}
	}
	return out
}
