package responses

import (
	"encoding/json"
	"strings"

	"switchyard/gateway/openai"
	"switchyard/gateway/protocol"
)

// The way the other direction: a `format: responses` backend (an upstream
// that serves only the Responses API, such as a Codex model) answering
// Chat and Anthropic clients through the hub.

// RequestFromHub converts a hub (Chat) request into a Responses request:
// system messages become instructions, turns become input items (tool
// calls function_call items, tool results function_call_output items),
// function tools flat tools. Nothing is stored upstream (store: false).
// Chat's stop sequences have no Responses equivalent and are left out.
func RequestFromHub(chat *openai.ChatRequest, opt protocol.RequestOptions) (*Request, error) {
	model := opt.UpstreamModel
	if model == "" {
		model = chat.Model
	}
	store := false
	out := &Request{Model: model, Stream: chat.Stream, Temperature: chat.Temperature, TopP: chat.TopP,
		ParallelToolCalls: chat.ParallelToolCalls, Store: &store, User: chat.User}
	switch {
	case chat.MaxCompletionTokens != nil:
		out.MaxOutputTokens = chat.MaxCompletionTokens
	case chat.MaxTokens != nil:
		out.MaxOutputTokens = chat.MaxTokens
	}
	if chat.ReasoningEffort != "" {
		out.Reasoning = &Reasoning{Effort: chat.ReasoningEffort}
	}
	if err := formatFromHub(chat.ResponseFormat, out); err != nil {
		return nil, err
	}
	for _, t := range chat.Tools {
		out.Tools = append(out.Tools, Tool{Type: "function", Name: t.Function.Name, Description: t.Function.Description,
			Parameters: t.Function.Parameters, Strict: t.Function.Strict})
	}
	out.ToolChoice = toolChoiceFromHub(chat.ToolChoice)
	var system []string
	var items []any
	for i, m := range chat.Messages {
		switch m.Role {
		case "system", "developer":
			system = append(system, contentText(m.Content))
		case "user":
			items = append(items, map[string]any{"type": "message", "role": "user", "content": userParts(m.Content)})
		case "assistant":
			if t := contentText(m.Content); t != "" {
				items = append(items, map[string]any{"type": "message", "role": "assistant",
					"content": []map[string]any{{"type": "output_text", "text": t}}})
			}
			for _, tc := range m.ToolCalls {
				args := tc.Function.Arguments
				if args == "" {
					args = "{}"
				}
				items = append(items, map[string]any{"type": "function_call", "call_id": tc.ID, "name": tc.Function.Name, "arguments": args})
			}
		case "tool":
			items = append(items, map[string]any{"type": "function_call_output", "call_id": m.ToolCallID, "output": contentText(m.Content)})
		default:
			return nil, &protocol.Error{Param: "messages[" + itoa(i) + "].role", Message: "unknown role " + m.Role}
		}
	}
	out.Instructions = strings.Join(system, "\n\n")
	out.Input, _ = json.Marshal(items)
	return out, nil
}

func itoa(n int) string { return string(appendInt(nil, n)) }

// userParts maps a user turn's content to input parts.
func userParts(c openai.Content) []map[string]any {
	if c.Text != nil {
		return []map[string]any{{"type": "input_text", "text": *c.Text}}
	}
	parts := []map[string]any{}
	for _, p := range c.Parts {
		switch {
		case p.Type == "text":
			parts = append(parts, map[string]any{"type": "input_text", "text": p.Text})
		case p.Type == "image_url" && p.ImageURL != nil:
			part := map[string]any{"type": "input_image", "image_url": p.ImageURL.URL}
			if p.ImageURL.Detail != "" {
				part["detail"] = p.ImageURL.Detail
			}
			parts = append(parts, part)
		case p.Type == "file" && p.File != nil && p.File.FileData != "":
			parts = append(parts, map[string]any{"type": "input_file", "file_data": p.File.FileData, "filename": p.File.Filename})
		}
	}
	return parts
}

func formatFromHub(raw json.RawMessage, out *Request) error {
	if isNull(raw) {
		return nil
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
	if err := json.Unmarshal(raw, &rf); err != nil {
		return &protocol.Error{Param: "response_format", Message: "response_format must be an object with a type"}
	}
	switch rf.Type {
	case "", "text":
	case "json_object":
		out.Text = &TextConfig{Format: &TextFormat{Type: "json_object"}}
	case "json_schema":
		if rf.JSONSchema == nil {
			return &protocol.Error{Param: "response_format.json_schema", Message: "response_format json_schema needs a json_schema"}
		}
		js := rf.JSONSchema
		out.Text = &TextConfig{Format: &TextFormat{Type: "json_schema", Name: js.Name, Description: js.Description, Schema: js.Schema, Strict: js.Strict}}
	default:
		return &protocol.Error{Param: "response_format.type", Message: "unknown response_format type " + rf.Type}
	}
	return nil
}

func toolChoiceFromHub(raw json.RawMessage) json.RawMessage {
	if isNull(raw) {
		return nil
	}
	var o struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if json.Unmarshal(raw, &o) == nil && o.Type == "function" && o.Function.Name != "" {
		b, _ := json.Marshal(map[string]string{"type": "function", "name": o.Function.Name})
		return b
	}
	return raw // "auto", "none", "required"
}

// ResponseToHub converts a Responses object into a Chat completion.
func ResponseToHub(r *Response, clientModel string) *openai.ChatResponse {
	var text, reasoning strings.Builder
	var calls []openai.ToolCall
	for _, it := range r.Output {
		switch it.Type {
		case "message":
			for _, c := range it.Content {
				text.WriteString(c.Text)
				text.WriteString(c.Refusal)
			}
		case "reasoning":
			for _, s := range it.Summary {
				reasoning.WriteString(s.Text)
			}
		case "function_call":
			args := "{}"
			if it.Arguments != nil && *it.Arguments != "" {
				args = *it.Arguments
			}
			calls = append(calls, openai.ToolCall{ID: it.CallID, Type: "function", Function: openai.FunctionCall{Name: it.Name, Arguments: args}})
		}
	}
	finish := "stop"
	switch {
	case len(calls) > 0:
		finish = "tool_calls"
	case r.IncompleteDetails != nil && r.IncompleteDetails.Reason == "max_output_tokens":
		finish = "length"
	case r.IncompleteDetails != nil && r.IncompleteDetails.Reason == "content_filter":
		finish = "content_filter"
	}
	msg := openai.Message{Role: "assistant", ToolCalls: calls, ReasoningContent: reasoning.String()}
	if text.Len() > 0 || len(calls) == 0 {
		msg.Content = openai.TextContent(text.String())
	}
	return &openai.ChatResponse{ID: "chatcmpl-" + r.ID, Object: "chat.completion", Created: r.CreatedAt,
		Model: firstNonEmpty(clientModel, r.Model), Choices: []openai.Choice{{Message: msg, FinishReason: &finish}},
		Usage: UsageToHub(r.Usage)}
}

// UsageToHub maps Responses usage to Chat usage (both count cached tokens
// in the input). nil stays nil.
func UsageToHub(u *Usage) *openai.Usage {
	if u == nil {
		return nil
	}
	out := &openai.Usage{PromptTokens: u.InputTokens, CompletionTokens: u.OutputTokens, TotalTokens: u.TotalTokens,
		PromptTokensDetails: &openai.PromptTokensDetails{CachedTokens: u.InputTokensDetails.CachedTokens}}
	if u.OutputTokensDetails.ReasoningTokens > 0 {
		out.CompletionTokensDetails = &openai.CompletionTokensDetails{ReasoningTokens: u.OutputTokensDetails.ReasoningTokens}
	}
	if out.TotalTokens == 0 {
		out.TotalTokens = out.PromptTokens + out.CompletionTokens
	}
	return out
}
