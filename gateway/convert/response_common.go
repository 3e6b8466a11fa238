package convert

import (
	"switchyard/gateway/anthropic"
	"switchyard/gateway/openai"
)

// Stop and finish reasons (docs/conversion.md §2.1) and usage (docs/conversion.md §2.2). These are shared
// by the non-streaming response converters and the stream converters.

// StopReasonToFinish maps an Anthropic stop_reason to an OpenAI
// finish_reason (docs/conversion.md §2.1, A->O). Unknown, empty and pause_turn map to
// "stop": an unknown string is never passed through.
func StopReasonToFinish(stop string) string {
	switch stop {
	case "max_tokens", "model_context_window_exceeded":
		return "length"
	case "tool_use":
		return "tool_calls"
	case "refusal":
		return "content_filter"
	default: // end_turn, stop_sequence, pause_turn, unknown, ""
		return "stop"
	}
}

// FinishToStopReason maps an OpenAI finish_reason to an Anthropic
// stop_reason (docs/conversion.md §2.1, O->A). hasTools reports whether at least one
// tool_use block was emitted to the client: "stop" with tool calls becomes
// "tool_use", "tool_calls" without any surviving tool call becomes
// "end_turn", and an empty or unknown finish is inferred from hasTools.
func FinishToStopReason(finish string, hasTools bool) string {
	switch finish {
	case "length":
		return "max_tokens"
	case "content_filter":
		return "refusal"
	}
	// stop, tool_calls, function_call, "" and unknown values.
	if hasTools {
		return "tool_use"
	}
	return "end_turn"
}

// UsageAToO converts Anthropic usage to OpenAI usage (docs/conversion.md §2.2). Anthropic
// input_tokens excludes cache reads and writes while OpenAI prompt_tokens
// includes them, so prompt_tokens = input + cache_read + cache_creation.
// prompt_tokens_details.cached_tokens and the LiteLLM-style top-level
// cache_read_input_tokens / cache_creation_input_tokens are always present
// (0 when none); completion_tokens_details is omitted (Anthropic does not
// report reasoning tokens).
func UsageAToO(u anthropic.Usage) *openai.Usage {
	prompt := u.InputTokens + u.CacheReadInputTokens + u.CacheCreationInputTokens
	cr, cc := u.CacheReadInputTokens, u.CacheCreationInputTokens
	return &openai.Usage{
		PromptTokens:             prompt,
		CompletionTokens:         u.OutputTokens,
		TotalTokens:              prompt + u.OutputTokens,
		PromptTokensDetails:      &openai.PromptTokensDetails{CachedTokens: cr},
		CacheCreationInputTokens: &cc,
		CacheReadInputTokens:     &cr,
	}
}

// UsageOToA converts OpenAI usage to Anthropic usage (docs/conversion.md §2.2):
// cache_read = prompt_tokens_details.cached_tokens, cache_creation =
// prompt_tokens_details.cache_write_tokens (each falling back to the
// LiteLLM-style top-level cache_read_input_tokens /
// cache_creation_input_tokens when the detail is absent or 0, and 0 when
// unknown), input = max(prompt - cache_read - cache_creation, 0), output =
// completion_tokens. nil yields all zeros.
func UsageOToA(u *openai.Usage) anthropic.Usage {
	if u == nil {
		return anthropic.Usage{}
	}
	var cr, cc int
	if d := u.PromptTokensDetails; d != nil {
		cr, cc = d.CachedTokens, d.CacheWriteTokens
	}
	if cr <= 0 && u.CacheReadInputTokens != nil {
		cr = *u.CacheReadInputTokens
	}
	if cc <= 0 && u.CacheCreationInputTokens != nil {
		cc = *u.CacheCreationInputTokens
	}
	cr, cc = max(cr, 0), max(cc, 0)
	return anthropic.Usage{
		InputTokens:              max(u.PromptTokens-cr-cc, 0),
		OutputTokens:             max(u.CompletionTokens, 0),
		CacheReadInputTokens:     cr,
		CacheCreationInputTokens: cc,
	}
}
