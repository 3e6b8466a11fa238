package geminiconv

import (
	"encoding/json"
	"strings"

	"switchyard/gateway/gemini"
	"switchyard/gateway/openai"
)

// FinishToHub maps a Gemini finishReason to the hub's finish_reason:
// STOP -> stop (tool_calls when the candidate has function calls),
// MAX_TOKENS -> length, the safety family (SAFETY, RECITATION, BLOCKLIST,
// PROHIBITED_CONTENT, SPII, IMAGE_*) -> content_filter, anything else
// (MALFORMED_FUNCTION_CALL, OTHER, LANGUAGE, unknown) -> stop.
func FinishToHub(reason string, hasCalls bool) string {
	switch reason {
	case "MAX_TOKENS":
		return "length"
	case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
		"IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION":
		return "content_filter"
	}
	if hasCalls {
		return "tool_calls"
	}
	return "stop"
}

// FinishFromHub maps a hub finish_reason to Gemini: length -> MAX_TOKENS,
// content_filter -> SAFETY, everything else (stop, tool_calls) -> STOP.
func FinishFromHub(finish string) string {
	switch finish {
	case "length":
		return "MAX_TOKENS"
	case "content_filter":
		return "SAFETY"
	}
	return "STOP"
}

// UsageToHub converts Gemini usage: prompt_tokens = promptTokenCount
// (cache included, as in the hub), completion_tokens = candidates +
// thoughts, cached_tokens = cachedContentTokenCount, reasoning_tokens =
// thoughtsTokenCount.
func UsageToHub(u *gemini.UsageMetadata) *openai.Usage {
	if u == nil {
		return nil
	}
	prompt := u.PromptTokenCount + u.ToolUsePromptTokenCount
	out := &openai.Usage{PromptTokens: prompt, CompletionTokens: u.CandidatesTokenCount + u.ThoughtsTokenCount}
	out.TotalTokens = max(u.TotalTokenCount, out.PromptTokens+out.CompletionTokens)
	if u.CachedContentTokenCount > 0 {
		out.PromptTokensDetails = &openai.PromptTokensDetails{CachedTokens: u.CachedContentTokenCount}
	}
	if u.ThoughtsTokenCount > 0 {
		out.CompletionTokensDetails = &openai.CompletionTokensDetails{ReasoningTokens: u.ThoughtsTokenCount}
	}
	return out
}

// UsageFromHub is the reverse of UsageToHub.
func UsageFromHub(u *openai.Usage) *gemini.UsageMetadata {
	if u == nil {
		return nil
	}
	out := &gemini.UsageMetadata{PromptTokenCount: u.PromptTokens, CandidatesTokenCount: u.CompletionTokens}
	if d := u.PromptTokensDetails; d != nil {
		out.CachedContentTokenCount = d.CachedTokens
	} else if u.CacheReadInputTokens != nil {
		out.CachedContentTokenCount = *u.CacheReadInputTokens
	}
	if d := u.CompletionTokensDetails; d != nil && d.ReasoningTokens <= u.CompletionTokens {
		out.ThoughtsTokenCount = d.ReasoningTokens
		out.CandidatesTokenCount -= d.ReasoningTokens
	}
	out.TotalTokenCount = max(u.TotalTokens, u.PromptTokens+u.CompletionTokens)
	return out
}

// ResponseFromHub converts a hub response for a Gemini client: one
// candidate with, in order, a thought part (reasoning_content, only when
// includeThoughts: see GenerateContentRequest.IncludeThoughts), the text,
// and one functionCall per tool call (the hub id kept as functionCall.id).
// All choices are merged into the one candidate.
func ResponseFromHub(resp *openai.ChatResponse, model string, includeThoughts bool) *gemini.GenerateContentResponse {
	c := gemini.Content{Role: "model", Parts: []gemini.Part{}}
	var reasoning, text strings.Builder
	finish := ""
	for _, ch := range resp.Choices {
		m := ch.Message
		reasoning.WriteString(m.ReasoningContent + m.Reasoning)
		text.WriteString(contentText(m.Content))
		if m.Refusal != "" && contentText(m.Content) == "" {
			text.WriteString(m.Refusal)
		}
		if ch.FinishReason != nil && (finish == "" || finish == "stop") {
			finish = *ch.FinishReason
		}
	}
	if includeThoughts && reasoning.Len() > 0 {
		p := gemini.TextPart(reasoning.String())
		p.Thought = true
		c.Parts = append(c.Parts, p)
	}
	if text.Len() > 0 {
		c.Parts = append(c.Parts, gemini.TextPart(text.String()))
	}
	for _, ch := range resp.Choices {
		for _, tc := range ch.Message.ToolCalls {
			c.Parts = append(c.Parts, gemini.Part{FunctionCall: &gemini.FunctionCall{ID: tc.ID, Name: tc.Function.Name,
				Args: argsObject(tc.Function.Arguments)}})
		}
	}
	if model == "" {
		model = resp.Model
	}
	return &gemini.GenerateContentResponse{
		Candidates:    []gemini.Candidate{{Content: &c, FinishReason: FinishFromHub(finish), Index: 0}},
		UsageMetadata: UsageFromHub(resp.Usage),
		ModelVersion:  model,
		ResponseID:    strings.TrimPrefix(resp.ID, "chatcmpl-"),
	}
}

// ResponseToHub converts a Gemini backend's response for the hub. The
// first candidate becomes the one choice: thought parts -> reasoning_content,
// text -> content, functionCall parts -> tool_calls (a missing id becomes
// "call_" + 24 base62 derived from the response id and the call's position,
// so the same response gives the same ids). A prompt blocked before any
// candidate gives finish_reason content_filter. Created is 0: the caller
// stamps it.
func ResponseToHub(resp *gemini.GenerateContentResponse, clientModel string) *openai.ChatResponse {
	msg := openai.Message{Role: "assistant"}
	var text, reasoning strings.Builder
	finish := "stop"
	if resp.PromptFeedback != nil && resp.PromptFeedback.BlockReason != "" && len(resp.Candidates) == 0 {
		finish = "content_filter"
	}
	if len(resp.Candidates) > 0 {
		cand := resp.Candidates[0]
		if cand.Content != nil {
			for j, p := range cand.Content.Parts {
				switch {
				case p.FunctionCall != nil:
					id := p.FunctionCall.ID
					if id == "" {
						id = gemini.DerivedID(resp.ResponseID, j)
					}
					msg.ToolCalls = append(msg.ToolCalls, openai.ToolCall{ID: id, Type: "function",
						Function: openai.FunctionCall{Name: p.FunctionCall.Name, Arguments: argsString(p.FunctionCall.Args)}})
				case p.Text != nil && p.Thought:
					reasoning.WriteString(*p.Text)
				case p.Text != nil:
					text.WriteString(*p.Text)
				}
			}
		}
		finish = FinishToHub(cand.FinishReason, len(msg.ToolCalls) > 0)
	}
	switch {
	case text.Len() > 0 || len(msg.ToolCalls) == 0:
		msg.Content = openai.TextContent(text.String())
	}
	msg.ReasoningContent = reasoning.String()
	model := clientModel
	if model == "" {
		model = resp.ModelVersion
	}
	id := resp.ResponseID
	if id == "" {
		id = gemini.DerivedID("", -1)[len("call_"):]
	}
	return &openai.ChatResponse{
		ID: "chatcmpl-" + id, Object: "chat.completion", Model: model,
		Choices: []openai.Choice{{Index: 0, Message: msg, FinishReason: &finish, Logprobs: json.RawMessage("null")}},
		Usage:   UsageToHub(resp.UsageMetadata),
	}
}
