package convert

import (
	"unicode/utf8"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/openai"
)

// Prompt-token estimate, used for /v1/messages/count_tokens against an
// OpenAI upstream and for message_start.usage.input_tokens before the
// upstream reports usage. It is a heuristic, not a tokenizer:
//
//   - text (system, message text, tool names, descriptions and JSON
//     schemas, tool-call arguments and tool results) costs one token per 4
//     ASCII bytes and one token per non-ASCII character (CJK text is about
//     one token per character), rounded up;
//   - every image, document or audio part costs a flat 1,600 tokens (the
//     cost of a ~1.15-megapixel image; documents are not paged here), and a
//     text document costs its text;
//   - every message adds 4 tokens of framing, every tool 10, and the
//     request 3 (the reply's priming);
//   - thinking and reasoning from earlier turns is not counted (Anthropic
//     does not bill it as input).
//
// The result is never below 1.
const (
	estMediaTokens   = 1600
	estMessageTokens = 4
	estToolTokens    = 10
	estBaseTokens    = 3
)

// estimator accumulates text in quarter-token units.
type estimator struct {
	quarters int // text cost in 1/4 tokens
	tokens   int // flat costs
}

func (e *estimator) text(s string) {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			e.quarters++
			i++
			continue
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		e.quarters += 4
		i += n
	}
}

func (e *estimator) total() int {
	return max(1, e.tokens+(e.quarters+3)/4)
}

// EstimateAnthropicTokens estimates the prompt tokens of an Anthropic
// request (see the heuristic above).
func EstimateAnthropicTokens(req *anthropic.MessagesRequest) int {
	var e estimator
	if req == nil {
		return 1
	}
	e.tokens += estBaseTokens
	e.blocks(req.System)
	for _, m := range req.Messages {
		e.tokens += estMessageTokens
		e.blocks(m.Content)
	}
	for _, t := range req.Tools {
		e.tokens += estToolTokens
		e.text(t.Name)
		e.text(t.Description)
		e.text(string(t.InputSchema))
	}
	return e.total()
}

func (e *estimator) blocks(bs []anthropic.Block) {
	for _, b := range bs {
		switch b.Type {
		case "text":
			if b.Text != nil {
				e.text(*b.Text)
			}
		case "image":
			e.tokens += estMediaTokens
		case "document":
			if b.Source != nil && b.Source.Type == "text" {
				e.text(b.Source.Data)
			} else {
				e.tokens += estMediaTokens
			}
		case "tool_use":
			e.text(b.Name)
			e.text(string(b.Input))
		case "tool_result":
			if b.Content != nil {
				e.blocks(*b.Content)
			}
		}
	}
}

// EstimateOpenAITokens estimates the prompt tokens of an OpenAI request
// (see the heuristic above).
func EstimateOpenAITokens(req *openai.ChatRequest) int {
	var e estimator
	if req == nil {
		return 1
	}
	e.tokens += estBaseTokens
	for _, m := range req.Messages {
		e.tokens += estMessageTokens
		if m.Content.Text != nil {
			e.text(*m.Content.Text)
		}
		for _, p := range m.Content.Parts {
			switch p.Type {
			case "text", "input_text":
				e.text(p.Text)
			case "image_url", "file", "input_audio":
				e.tokens += estMediaTokens
			}
		}
		for _, tc := range m.ToolCalls {
			e.text(tc.Function.Name)
			e.text(tc.Function.Arguments)
		}
	}
	for _, t := range req.Tools {
		e.tokens += estToolTokens
		e.text(t.Function.Name)
		e.text(t.Function.Description)
		e.text(string(t.Function.Parameters))
	}
	return e.total()
}
