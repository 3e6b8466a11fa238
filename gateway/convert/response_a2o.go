package convert

import (
	"strings"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/openai"
)

// ResponseAToO converts an Anthropic Messages response for an OpenAI client
// (spec §2.3): id "chatcmpl-"+msg.id, one choice whose content is the
// concatenated text ("" when there is nothing at all, null when there are
// only tool calls), reasoning_content the concatenated thinking, tool_use
// blocks as tool_calls, finish_reason per §2.1 ("stop" instead of
// "tool_calls" when no tool call survived) and usage per §2.2.
// Server-tool and other unknown blocks are dropped.
//
// When the response has signed thinking (or redacted_thinking) blocks they
// are also returned as message.thinking_blocks (the LiteLLM convention) so
// the client can send them back and keep thinking on in a tool loop (see
// anthropicreq.RequestOToA). clientModel "" keeps the upstream model name.
func ResponseAToO(resp *anthropic.Response, clientModel string, created int64) *openai.ChatResponse {
	if resp == nil {
		resp = &anthropic.Response{}
	}
	model := clientModel
	if model == "" {
		model = resp.Model
	}
	var text, reasoning strings.Builder
	var calls []openai.ToolCall
	var signed []openai.ThinkingBlock
	for _, b := range resp.Content {
		switch b.Type {
		case "text":
			if b.Text != nil {
				text.WriteString(*b.Text)
			}
		case "thinking":
			if b.Thinking != nil {
				reasoning.WriteString(*b.Thinking)
			}
			if b.Signature != nil && *b.Signature != "" {
				tb := openai.ThinkingBlock{Type: "thinking", Signature: *b.Signature}
				if b.Thinking != nil {
					tb.Thinking = *b.Thinking
				}
				signed = append(signed, tb)
			}
		case "redacted_thinking":
			if b.Data != "" {
				signed = append(signed, openai.ThinkingBlock{Type: "redacted_thinking", Data: b.Data})
			}
		case "tool_use":
			calls = append(calls, openai.ToolCall{ID: b.ID, Type: "function", Function: openai.FunctionCall{
				Name:      b.Name,
				Arguments: inputArguments(b.Input),
			}})
		}
	}
	msg := openai.Message{
		Role:             "assistant",
		ToolCalls:        calls,
		ReasoningContent: reasoning.String(),
		ThinkingBlocks:   signed,
	}
	if text.Len() > 0 || len(calls) == 0 {
		msg.Content = openai.TextContent(text.String())
	}
	stop := ""
	if resp.StopReason != nil {
		stop = *resp.StopReason
	}
	finish := StopReasonToFinish(stop)
	if finish == "tool_calls" && len(calls) == 0 {
		finish = "stop" // only server tools ran: nothing for the client to call
	}
	return &openai.ChatResponse{
		ID:      "chatcmpl-" + resp.ID,
		Object:  "chat.completion",
		Created: created,
		Model:   model,
		Choices: []openai.Choice{{Index: 0, Message: msg, FinishReason: &finish}},
		Usage:   UsageAToO(resp.Usage),
	}
}
