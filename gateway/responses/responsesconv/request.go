package responsesconv

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"switchyard/gateway/openai"
	"switchyard/gateway/protocol"
	"switchyard/gateway/responses"
)

// RequestToHub converts a Responses request into a Chat request. Errors
// are the request's own fault (*protocol.Error, HTTP 400).
func RequestToHub(req *responses.Request) (*openai.ChatRequest, Notes, error) {
	var notes Notes
	if req.PreviousResponseID != "" {
		return nil, notes, &protocol.Error{Param: "previous_response_id",
			Message: "previous_response_id is not supported: this gateway stores no responses; send the whole conversation in input (store is ignored)"}
	}
	out := &openai.ChatRequest{
		Model:             req.Model,
		Temperature:       req.Temperature,
		TopP:              req.TopP,
		ParallelToolCalls: req.ParallelToolCalls,
		Stream:            req.Stream,
		User:              req.User,
	}
	notes.CacheKey = req.PromptCacheKey
	if out.User == "" {
		// The hub has no prompt_cache_key; `user` is what OpenAI-style
		// backends route caches by (Anthropic gets it hashed as metadata).
		out.User = req.PromptCacheKey
	}
	if req.MaxOutputTokens != nil {
		n := *req.MaxOutputTokens
		if reasoningModel(req.Model) {
			out.MaxCompletionTokens = &n
		} else {
			out.MaxTokens = &n
		}
	}
	if req.Reasoning != nil && req.Reasoning.Effort != "" && req.Reasoning.Effort != "none" {
		out.ReasoningEffort = req.Reasoning.Effort
	}
	if err := convertStop(req.Stop, out); err != nil {
		return nil, notes, err
	}
	if err := convertFormat(req.Text, out); err != nil {
		return nil, notes, err
	}
	if err := convertTools(req.Tools, out, &notes); err != nil {
		return nil, notes, err
	}
	if err := convertToolChoice(req.ToolChoice, out); err != nil {
		return nil, notes, err
	}
	msgs, err := convertInput(req.Input, &notes)
	if err != nil {
		return nil, notes, err
	}
	if req.Instructions != "" {
		msgs = slices.Insert(msgs, 0, openai.Message{Role: "system", Content: openai.TextContent(req.Instructions)})
	}
	out.Messages = msgs
	if len(out.Messages) == 0 {
		return nil, notes, &protocol.Error{Param: "input", Message: "the request has no input"}
	}
	return out, notes, nil
}

// reasoningModel reports models that take max_completion_tokens.
func reasoningModel(model string) bool {
	m := strings.ToLower(model)
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	for _, p := range []string{"o1", "o3", "o4"} {
		if m == p || strings.HasPrefix(m, p+"-") {
			return true
		}
	}
	return strings.HasPrefix(m, "gpt-5")
}

func convertStop(raw json.RawMessage, out *openai.ChatRequest) error {
	if isNull(raw) {
		return nil
	}
	var s openai.Strings
	if err := json.Unmarshal(raw, &s); err != nil {
		return &protocol.Error{Param: "stop", Message: "stop must be a string or an array of strings"}
	}
	out.Stop = s
	return nil
}

func convertFormat(t *responses.TextConfig, out *openai.ChatRequest) error {
	if t == nil || t.Format == nil {
		return nil
	}
	f := t.Format
	switch f.Type {
	case "", "text":
		return nil
	case "json_object":
		out.ResponseFormat = json.RawMessage(`{"type":"json_object"}`)
	case "json_schema":
		if isNull(f.Schema) {
			return &protocol.Error{Param: "text.format.schema", Message: "text.format of type json_schema needs a schema"}
		}
		name := f.Name
		if name == "" {
			name = "response"
		}
		js := map[string]any{"name": name, "schema": f.Schema}
		if f.Description != "" {
			js["description"] = f.Description
		}
		if f.Strict != nil {
			js["strict"] = *f.Strict
		}
		b, _ := json.Marshal(map[string]any{"type": "json_schema", "json_schema": js})
		out.ResponseFormat = b
	default:
		return &protocol.Error{Param: "text.format.type", Message: "unknown text.format type " + strconv.Quote(f.Type)}
	}
	return nil
}

func convertToolChoice(raw json.RawMessage, out *openai.ChatRequest) error {
	if isNull(raw) {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch s {
		case "auto", "none", "required":
			out.ToolChoice, _ = json.Marshal(s)
			return nil
		}
		return &protocol.Error{Param: "tool_choice", Message: "unknown tool_choice " + strconv.Quote(s)}
	}
	var o struct {
		Type string `json:"type"`
		Name string `json:"name"`
		Mode string `json:"mode"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return &protocol.Error{Param: "tool_choice", Message: "tool_choice must be a string or an object"}
	}
	switch o.Type {
	case "function", "custom":
		if o.Name == "" {
			return &protocol.Error{Param: "tool_choice.name", Message: "tool_choice of type " + o.Type + " needs a name"}
		}
		out.ToolChoice, _ = json.Marshal(map[string]any{"type": "function", "function": map[string]string{"name": o.Name}})
	case "allowed_tools":
		if o.Mode == "required" {
			out.ToolChoice = json.RawMessage(`"required"`)
		} else {
			out.ToolChoice = json.RawMessage(`"auto"`)
		}
	default: // a hosted tool: it was dropped, let the model choose
		out.ToolChoice = json.RawMessage(`"auto"`)
	}
	return nil
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}
