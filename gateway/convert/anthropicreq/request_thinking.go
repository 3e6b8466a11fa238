package anthropicreq

import "switchyard/gateway/anthropic"

// StripUnsignedThinking prepares an Anthropic client's request for an
// Anthropic upstream (docs/conversion.md §1.3, last rule): thinking blocks without a
// signature (the synthetic ones convert.ResponseOToA and the O->A stream produce,
// which the client replays) are removed, and when thinking is enabled but
// the current tool-loop assistant turn no longer starts with a signed
// block, thinking is turned off for this request. It reports whether req
// changed; a request without unsigned thinking is left untouched.
func StripUnsignedThinking(req *anthropic.MessagesRequest) bool {
	if req == nil {
		return false
	}
	changed := false
	for i := range req.Messages {
		c := req.Messages[i].Content
		keep := c[:0:0]
		for _, b := range c {
			if b.Type == "thinking" && (b.Signature == nil || *b.Signature == "") {
				changed = true
				continue
			}
			keep = append(keep, b)
		}
		if len(keep) != len(c) {
			req.Messages[i].Content = keep
		}
	}
	if !changed {
		return false
	}
	msgs := req.Messages[:0:0]
	for _, m := range req.Messages {
		if len(m.Content) > 0 {
			msgs = append(msgs, m)
		}
	}
	req.Messages = msgs
	if req.Thinking != nil && req.Thinking.Type != "disabled" && !currentTurnSigned(req.Messages) {
		req.Thinking = nil
	}
	return true
}

// currentTurnSigned reports whether thinking may stay on: the current
// tool-loop assistant turn (the last assistant message, when it is the
// final message or the final user message answers its tool calls) must
// start with a signed thinking or redacted_thinking block.
func currentTurnSigned(msgs []aMsg) bool {
	n := len(msgs)
	a := -1
	for k := n - 1; k >= 0; k-- {
		if msgs[k].Role == "assistant" {
			a = k
			break
		}
	}
	switch {
	case a < 0:
		return true
	case a == n-1:
	case a == n-2 && hasToolResult(msgs[n-1].Content):
	default:
		return true // the loop was closed by a fresh user turn
	}
	c := msgs[a].Content
	return len(c) > 0 && (c[0].Type == "thinking" || c[0].Type == "redacted_thinking")
}

// hasToolResult reports whether c holds a tool_result block.
func hasToolResult(c anthropic.Content) bool {
	for i := range c {
		if c[i].Type == "tool_result" {
			return true
		}
	}
	return false
}

// stripThinking removes thinking blocks from every turn, dropping turns
// left empty and merging the turns around them.
func stripThinking(msgs []aMsg) []aMsg {
	out := msgs[:0]
	for _, m := range msgs {
		c := m.Content[:0]
		for _, b := range m.Content {
			if b.Type != "thinking" && b.Type != "redacted_thinking" {
				c = append(c, b)
			}
		}
		m.Content = c
		out = append(out, m)
	}
	return mergeTurns(out)
}
