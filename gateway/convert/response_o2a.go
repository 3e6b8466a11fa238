package convert

import (
	"sort"
	"strings"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/openai"
)

// ResponseOToA converts an OpenAI chat completion for an Anthropic client
// (docs/conversion.md §2.3). All choices are merged (Copilot returns text and tool calls
// in separate choices) into content ordered thinking → text → tool_use:
// one thinking block (signature "") with the concatenated
// reasoning_content (or reasoning), one text block with the concatenated
// content followed by any refusal text (a refusal sets stop_reason
// "refusal", as content_filter does), then one tool_use per tool call with
// the name restored through names, the id sanitized (or synthesized as
// toolu_… when absent) and the arguments parsed (truncated JSON is
// repaired when the finish reason is "length"; otherwise invalid or
// non-object arguments become {}). Empty text is never emitted; an empty
// result has content []. The stop reason follows §2.1 over the merged
// choices (content_filter, then length, then the first finish reason
// present); stop_sequence is always null. clientModel "" keeps the
// upstream model name.
func ResponseOToA(resp *openai.ChatResponse, clientModel string, names ToolNames) *anthropic.Response {
	if resp == nil {
		resp = &openai.ChatResponse{}
	}
	model := clientModel
	if model == "" {
		model = resp.Model
	}
	choices := append([]openai.Choice(nil), resp.Choices...)
	sort.SliceStable(choices, func(i, j int) bool { return choices[i].Index < choices[j].Index })

	finish := mergedFinish(choices)
	var reasoning, text, refusal strings.Builder
	var tools []anthropic.Block
	for _, c := range choices {
		m := c.Message
		if m.ReasoningContent != "" {
			reasoning.WriteString(m.ReasoningContent)
		} else {
			reasoning.WriteString(m.Reasoning)
		}
		if m.Content.Text != nil {
			text.WriteString(*m.Content.Text)
		}
		for _, p := range m.Content.Parts {
			switch p.Type {
			case "text":
				text.WriteString(p.Text)
			case "refusal":
				refusal.WriteString(p.Refusal)
			}
		}
		refusal.WriteString(m.Refusal)
		for _, tc := range m.ToolCalls {
			id := SanitizeToolID(tc.ID)
			if id == "" {
				id = NewToolID()
			}
			tools = append(tools, anthropic.Block{
				Type:  "tool_use",
				ID:    id,
				Name:  names.Client(tc.Function.Name),
				Input: ParseArguments(tc.Function.Arguments, finish == "length"),
			})
		}
	}

	content := []anthropic.Block{}
	if reasoning.Len() > 0 {
		th, sig := reasoning.String(), ""
		content = append(content, anthropic.Block{Type: "thinking", Thinking: &th, Signature: &sig})
	}
	if text.Len()+refusal.Len() > 0 {
		content = append(content, anthropic.TextBlock(text.String()+refusal.String()))
	}
	content = append(content, tools...)

	stop := FinishToStopReason(finish, len(tools) > 0)
	if refusal.Len() > 0 {
		stop = "refusal"
	}
	id := resp.ID
	if id == "" {
		id = randomBase62(24)
	}
	return &anthropic.Response{
		ID:         "msg_" + id,
		Type:       "message",
		Role:       "assistant",
		Model:      model,
		Content:    content,
		StopReason: &stop,
		Usage:      UsageOToA(resp.Usage),
	}
}

// mergedFinish picks one finish_reason for merged choices: content_filter
// wins, then length, then the first non-empty one.
func mergedFinish(choices []openai.Choice) string {
	first := ""
	seen := map[string]bool{}
	for _, c := range choices {
		if c.FinishReason == nil || *c.FinishReason == "" {
			continue
		}
		seen[*c.FinishReason] = true
		if first == "" {
			first = *c.FinishReason
		}
	}
	switch {
	case seen["content_filter"]:
		return "content_filter"
	case seen["length"]:
		return "length"
	}
	return first
}
