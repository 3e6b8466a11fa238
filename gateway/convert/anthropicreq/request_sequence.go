package anthropicreq

import (
	"strings"
	"unicode"

	"switchyard/gateway/anthropic"
)

// Sequence rules of spec §1.3 for an Anthropic message list built from an
// OpenAI conversation.

// mergeTurns drops empty messages and merges consecutive messages of the
// same role; in a merged user turn the tool_result blocks come first.
func mergeTurns(in []aMsg) []aMsg {
	var out []aMsg
	for _, m := range in {
		if len(m.Content) == 0 {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Role == m.Role {
			out[n-1].Content = append(out[n-1].Content, m.Content...)
			continue
		}
		out = append(out, aMsg{Role: m.Role, Content: append(anthropic.Content(nil), m.Content...)})
	}
	for i := range out {
		if out[i].Role == "user" {
			out[i].Content = toolResultsFirst(out[i].Content)
		}
	}
	return out
}

// toolResultsFirst stably moves tool_result blocks to the front.
func toolResultsFirst(c anthropic.Content) anthropic.Content {
	if !hasToolResult(c) {
		return c // the usual user turn: nothing to move
	}
	out := make(anthropic.Content, 0, len(c))
	for _, b := range c {
		if b.Type == "tool_result" {
			out = append(out, b)
		}
	}
	for _, b := range c {
		if b.Type != "tool_result" {
			out = append(out, b)
		}
	}
	return out
}

// answerToolUses makes every tool_use answered by a tool_result in the next
// user turn (a missing one becomes an is_error result) and turns a
// tool_result whose call is not in the previous assistant turn into plain
// content (Anthropic rejects both).
func answerToolUses(msgs []aMsg) []aMsg {
	for k := range msgs {
		if msgs[k].Role != "user" {
			continue
		}
		var calls []string
		if k > 0 && msgs[k-1].Role == "assistant" {
			for _, b := range msgs[k-1].Content {
				if b.Type == "tool_use" {
					calls = append(calls, b.ID)
				}
			}
		}
		msgs[k].Content = pairResults(msgs[k].Content, calls)
	}
	// A final assistant turn with tool calls and no user turn after it:
	// answer them so the request is valid (a tool_use cannot be prefilled).
	if n := len(msgs); n > 0 && msgs[n-1].Role == "assistant" {
		var calls []string
		for _, b := range msgs[n-1].Content {
			if b.Type == "tool_use" {
				calls = append(calls, b.ID)
			}
		}
		if len(calls) > 0 {
			msgs = append(msgs, aMsg{Role: "user", Content: pairResults(nil, calls)})
		}
	}
	return msgs
}

// pairResults answers calls within one user turn's content.
func pairResults(c anthropic.Content, calls []string) anthropic.Content {
	if len(calls) == 0 && !hasToolResult(c) {
		return c // no call to answer, no result to check: the usual turn
	}
	want := make(map[string]bool, len(calls))
	for _, id := range calls {
		want[id] = true
	}
	answered := map[string]bool{}
	var results, rest anthropic.Content
	for _, b := range c {
		switch {
		case b.Type == "tool_result" && want[b.ToolUseID] && !answered[b.ToolUseID]:
			answered[b.ToolUseID] = true
			results = append(results, b)
		case b.Type == "tool_result":
			if b.Content != nil {
				rest = append(rest, *b.Content...)
			}
		default:
			rest = append(rest, b)
		}
	}
	for _, id := range calls {
		if !answered[id] {
			answered[id] = true
			c := anthropic.Content{anthropic.TextBlock("no result was provided for this tool call")}
			results = append(results, anthropic.Block{Type: "tool_result", ToolUseID: id, Content: &c, IsError: true})
		}
	}
	return append(results, rest...)
}

// trimPrefill right-trims the final text block of a final assistant turn
// (Anthropic rejects trailing whitespace in a prefill), dropping it, and the
// turn, if nothing is left.
func trimPrefill(msgs []aMsg) []aMsg {
	n := len(msgs)
	if n == 0 || msgs[n-1].Role != "assistant" {
		return msgs
	}
	c := msgs[n-1].Content
	last := len(c) - 1
	if last < 0 || c[last].Type != "text" || c[last].Text == nil {
		return msgs
	}
	t := strings.TrimRightFunc(*c[last].Text, unicode.IsSpace)
	if t != "" {
		c[last].Text = &t
		return msgs
	}
	c = c[:last]
	if len(c) == 0 {
		return msgs[:n-1]
	}
	msgs[n-1].Content = c
	return msgs
}

// hasToolBlocks reports whether any message has tool_use or tool_result.
func hasToolBlocks(msgs []aMsg) bool {
	for _, m := range msgs {
		for _, b := range m.Content {
			if b.Type == "tool_use" || b.Type == "tool_result" {
				return true
			}
		}
	}
	return false
}
