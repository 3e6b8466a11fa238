package anthropicreq

import (
	"encoding/json"

	"switchyard/gateway/anthropic"
)

// maxCacheBreakpoints is Anthropic's limit of blocks with cache_control.
const maxCacheBreakpoints = 4

// ephemeral is the cache_control the gateway adds.
var ephemeral = json.RawMessage(`{"type":"ephemeral"}`)

// addCacheBreakpoints adds ephemeral breakpoints to req (see RequestOToA):
// the last content block of the last user message, of the user message
// before it, the last system block, then the last tool, skipping blocks
// that already carry one and never exceeding four in total, counting the
// client's own.
func addCacheBreakpoints(req *anthropic.MessagesRequest) {
	left := maxCacheBreakpoints - countCacheControl(req)
	mark := func(cc *json.RawMessage) {
		if left > 0 && len(*cc) == 0 {
			*cc = ephemeral
			left--
		}
	}
	users := 0
	for k := len(req.Messages) - 1; k >= 0 && users < 2; k-- {
		m := &req.Messages[k]
		if m.Role != "user" || len(m.Content) == 0 {
			continue
		}
		users++
		if b := &m.Content[len(m.Content)-1]; cacheable(b) {
			mark(&b.CacheControl)
		}
	}
	if n := len(req.System); n > 0 && cacheable(&req.System[n-1]) {
		mark(&req.System[n-1].CacheControl)
	}
	if n := len(req.Tools); n > 0 {
		mark(&req.Tools[n-1].CacheControl)
	}
}

// cacheable reports whether a block may carry cache_control (not thinking,
// not an empty text block).
func cacheable(b *anthropic.Block) bool {
	switch b.Type {
	case "thinking", "redacted_thinking":
		return false
	case "text":
		return b.Text != nil && *b.Text != ""
	}
	return true
}

// countCacheControl counts the blocks and tools of req carrying
// cache_control, including blocks nested in tool_result content.
func countCacheControl(req *anthropic.MessagesRequest) int {
	n := 0
	for _, t := range req.Tools {
		if len(t.CacheControl) > 0 {
			n++
		}
	}
	n += countBlocksCache(req.System)
	for _, m := range req.Messages {
		n += countBlocksCache(m.Content)
	}
	return n
}

func countBlocksCache(blocks []anthropic.Block) int {
	n := 0
	for _, b := range blocks {
		if len(b.CacheControl) > 0 {
			n++
		}
		if b.Content != nil {
			n += countBlocksCache(*b.Content)
		}
	}
	return n
}
