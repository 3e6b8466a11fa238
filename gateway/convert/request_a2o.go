package convert

import (
	"encoding/json"
	"strings"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/openai"
)

// maxOpenAIStop is OpenAI's limit on stop sequences.
const maxOpenAIStop = 4

// RequestAToO converts an Anthropic Messages request into an OpenAI Chat
// Completions request (docs/conversion.md §1.2 and §1.3) and returns the reverse map of
// renamed tools (nil when none was renamed), to give to ResponseOToA or the
// stream converter.
//
// Backend flags are decided by the upstream model name: the OpenAI
// reasoning family (o1, o3, o4, gpt-5…) gets max_completion_tokens instead
// of max_tokens, no temperature/top_p, and thinking mapped to
// reasoning_effort; other models get max_tokens and sampling as sent, and
// no reasoning_effort. top_k, thinking blocks, cache_control, server tools
// (web_search_*, bash_*, …) and unknown keys are dropped. stream:true adds
// stream_options.include_usage. The error is reserved for requests that
// cannot be expressed; none currently fail.
func RequestAToO(req *anthropic.MessagesRequest, opt RequestOptions) (*openai.ChatRequest, ToolNames, error) {
	if req == nil {
		return nil, nil, &Error{Param: "messages", Message: "request body is empty"}
	}
	model := opt.UpstreamModel
	if model == "" {
		model = req.Model
	}
	reasoning := isOpenAIReasoningModel(model)
	out := &openai.ChatRequest{Model: model, Stream: req.Stream}
	names := ToolNames{}

	// Tools first: their renames apply to the history and tool_choice.
	for _, t := range req.Tools {
		if t.Type != "" && t.Type != "custom" {
			continue // server tool: no OpenAI equivalent
		}
		out.Tools = append(out.Tools, openai.Tool{Type: "function", Function: openai.FunctionDef{
			Name:        names.Upstream(t.Name),
			Description: t.Description,
			Parameters:  withProperties(t.InputSchema),
		}})
	}

	if s := joinText(req.System); s != "" {
		out.Messages = append(out.Messages, openai.Message{Role: "system", Content: openai.TextContent(s)})
	}
	var msgs []openai.Message
	for _, m := range req.Messages {
		msgs = append(msgs, aMessageToO(m, names)...)
	}
	out.Messages = append(out.Messages, answerToolCalls(msgs)...)

	if req.MaxTokens > 0 {
		n := req.MaxTokens
		if reasoning {
			out.MaxCompletionTokens = &n
		} else {
			out.MaxTokens = &n
		}
	}
	if !reasoning {
		out.Temperature, out.TopP = copyFloat(req.Temperature), copyFloat(req.TopP)
	}
	if len(req.StopSequences) > 0 {
		stop := req.StopSequences[:min(len(req.StopSequences), maxOpenAIStop)]
		out.Stop = append(openai.Strings(nil), stop...)
	}
	if req.Stream {
		out.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	}
	if req.Metadata != nil && req.Metadata.UserID != "" {
		out.User = req.Metadata.UserID
	}
	if tc := req.ToolChoice; tc != nil && len(out.Tools) > 0 {
		out.ToolChoice = aToolChoiceToO(tc, names)
		if tc.DisableParallelToolUse {
			f := false
			out.ParallelToolCalls = &f
		}
	}
	if reasoning && req.Thinking != nil {
		out.ReasoningEffort = thinkingEffort(req.Thinking, req.OutputConfig)
	}
	if len(names) == 0 {
		names = nil
	}
	return out, names, nil
}

func copyFloat(p *float64) *float64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// withProperties adds "properties":{} to an object schema without it;
// an absent schema becomes an empty object schema.
func withProperties(raw json.RawMessage) json.RawMessage {
	t := strings.TrimSpace(string(raw))
	if t == "" || t == "null" {
		return EmptyObjectSchema()
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return raw
	}
	if typ, _ := m["type"].(string); typ != "object" {
		return raw
	}
	if _, ok := m["properties"]; ok {
		return raw
	}
	m["properties"] = map[string]any{}
	if b, err := json.Marshal(m); err == nil {
		return b
	}
	return raw
}

// joinText joins the texts of text blocks with "\n\n", skipping empty ones.
func joinText(blocks []anthropic.Block) string {
	var parts []string
	for _, b := range blocks {
		if b.Type == "text" && b.Text != nil && *b.Text != "" {
			parts = append(parts, *b.Text)
		}
	}
	return strings.Join(parts, "\n\n")
}

// aMessageToO converts one Anthropic message into one or more OpenAI
// messages.
func aMessageToO(m anthropic.Message, names ToolNames) []openai.Message {
	switch m.Role {
	case "system":
		if s := joinText(m.Content); s != "" {
			return []openai.Message{{Role: "system", Content: openai.TextContent(s)}}
		}
		return nil
	case "assistant":
		return aAssistantToO(m.Content, names)
	}
	return aUserToO(m.Content)
}

// aUserToO emits the tool_result blocks as tool messages first (in block
// order), then one user message with the remaining blocks, preceded by any
// images or documents the tool results carried (a tool message cannot).
func aUserToO(blocks []anthropic.Block) []openai.Message {
	var out []openai.Message
	var media, rest []openai.ContentPart
	for _, b := range blocks {
		if b.Type != "tool_result" {
			if p, ok := aBlockToPart(b); ok {
				rest = append(rest, p)
			}
			continue
		}
		var texts []string
		if b.Content != nil {
			for _, c := range *b.Content {
				if c.Type == "text" {
					if c.Text != nil && *c.Text != "" {
						texts = append(texts, *c.Text)
					}
				} else if p, ok := aBlockToPart(c); ok {
					media = append(media, p)
				}
			}
		}
		out = append(out, openai.Message{Role: "tool", ToolCallID: b.ToolUseID,
			Content: openai.TextContent(strings.Join(texts, "\n\n"))})
	}
	parts := append(media, rest...)
	if len(parts) == 0 {
		return out
	}
	onlyText := true
	var texts []string
	for _, p := range parts {
		if p.Type != "text" {
			onlyText = false
			break
		}
		texts = append(texts, p.Text)
	}
	if onlyText {
		return append(out, openai.Message{Role: "user", Content: openai.TextContent(strings.Join(texts, "\n\n"))})
	}
	return append(out, openai.Message{Role: "user", Content: openai.Content{Parts: parts}})
}

// aBlockToPart converts a user content block to an OpenAI part; thinking,
// empty text and unknown blocks yield ok=false.
func aBlockToPart(b anthropic.Block) (openai.ContentPart, bool) {
	switch b.Type {
	case "text":
		if b.Text == nil || *b.Text == "" {
			return openai.ContentPart{}, false
		}
		return openai.ContentPart{Type: "text", Text: *b.Text}, true
	case "image":
		s := b.Source
		switch {
		case s == nil:
		case s.Type == "base64":
			return openai.ContentPart{Type: "image_url", ImageURL: &openai.ImageURL{URL: "data:" + s.MediaType + ";base64," + s.Data}}, true
		case s.Type == "url" && s.URL != "":
			return openai.ContentPart{Type: "image_url", ImageURL: &openai.ImageURL{URL: s.URL}}, true
		}
	case "document":
		s := b.Source
		switch {
		case s == nil:
		case s.Type == "base64":
			name := b.Title
			if name == "" {
				name = "document.pdf"
			}
			return openai.ContentPart{Type: "file", File: &openai.File{FileData: "data:" + s.MediaType + ";base64," + s.Data, Filename: name}}, true
		case s.Type == "text" && s.Data != "":
			return openai.ContentPart{Type: "text", Text: s.Data}, true
		case s.Type == "url" && s.URL != "":
			return openai.ContentPart{Type: "text", Text: "Document: " + s.URL}, true
		}
	}
	return openai.ContentPart{}, false
}

// aAssistantToO concatenates text blocks into content and turns tool_use
// blocks into tool_calls; thinking is dropped. content is null when there
// are tool calls and no text; an assistant turn with neither is dropped.
func aAssistantToO(blocks []anthropic.Block, names ToolNames) []openai.Message {
	var text strings.Builder
	var calls []openai.ToolCall
	for _, b := range blocks {
		switch b.Type {
		case "text":
			if b.Text != nil {
				text.WriteString(*b.Text)
			}
		case "tool_use":
			calls = append(calls, openai.ToolCall{ID: b.ID, Type: "function", Function: openai.FunctionCall{
				Name:      names.Upstream(b.Name),
				Arguments: inputArguments(b.Input),
			}})
		}
	}
	msg := openai.Message{Role: "assistant", ToolCalls: calls}
	switch {
	case text.Len() > 0:
		msg.Content = openai.TextContent(text.String())
	case len(calls) == 0:
		return nil
	}
	return []openai.Message{msg}
}

// aToolChoiceToO maps tool_choice (docs/conversion.md §1.2).
func aToolChoiceToO(tc *anthropic.ToolChoice, names ToolNames) json.RawMessage {
	switch tc.Type {
	case "auto":
		return json.RawMessage(`"auto"`)
	case "any":
		return json.RawMessage(`"required"`)
	case "none":
		return json.RawMessage(`"none"`)
	case "tool":
		b, _ := json.Marshal(map[string]any{"type": "function", "function": map[string]string{"name": names.Upstream(tc.Name)}})
		return b
	}
	return nil
}

// thinkingEffort maps thinking to reasoning_effort: an enabled budget
// below 1024 is minimal, below 2048 low, below 4096 medium, else high;
// adaptive uses output_config.effort (low/medium/high) or medium;
// disabled is "".
func thinkingEffort(t *anthropic.Thinking, outputConfig json.RawMessage) string {
	switch t.Type {
	case "enabled":
		switch b := t.BudgetTokens; {
		case b < 1024:
			return "minimal"
		case b < 2048:
			return "low"
		case b < 4096:
			return "medium"
		}
		return "high"
	case "adaptive":
		var oc struct {
			Effort string `json:"effort"`
		}
		_ = json.Unmarshal(outputConfig, &oc)
		switch oc.Effort {
		case "low", "medium", "high":
			return oc.Effort
		case "max":
			return "high"
		}
		return "medium"
	}
	return ""
}

// noResult is the content of a tool result the client did not send.
const noResult = "no result was provided for this tool call"

// answerToolCalls makes every assistant tool call answered by a tool
// message immediately after it, as OpenAI requires: missing results are
// added, and a tool message whose call is not in the preceding assistant
// message becomes a user message with the same text.
func answerToolCalls(in []openai.Message) []openai.Message {
	var out []openai.Message
	var pending []string // unanswered call ids of the last assistant message
	flush := func() {
		for _, id := range pending {
			out = append(out, openai.Message{Role: "tool", ToolCallID: id, Content: openai.TextContent(noResult)})
		}
		pending = nil
	}
	for _, m := range in {
		if m.Role == "tool" {
			if i := indexOf(pending, m.ToolCallID); i >= 0 {
				pending = append(pending[:i:i], pending[i+1:]...)
				out = append(out, m)
				continue
			}
			flush()
			if m.Content.Text != nil && *m.Content.Text != "" {
				out = append(out, openai.Message{Role: "user", Content: m.Content})
			}
			continue
		}
		flush()
		out = append(out, m)
		if m.Role == "assistant" {
			for _, tc := range m.ToolCalls {
				pending = append(pending, tc.ID)
			}
		}
	}
	flush()
	return out
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
