package streamconv

import (
	"bytes"
	"slices"
	"strconv"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/convert"
	"switchyard/gateway/jscan"
	"switchyard/gateway/openai"
	"switchyard/gateway/sse"
)

// OToAStream converts an OpenAI chat.completion.chunk stream (upstream)
// into an Anthropic Messages stream (client), docs/conversion.md §3.2.
//
// Output is strictly message_start, then content blocks each as start →
// deltas → stop with contiguous indices from 0 and at most one open block,
// then message_delta and message_stop. The message_delta is held back until
// [DONE] (or a clean EOF after a finish_reason: the upstream forgot [DONE])
// so it carries the usage of the trailing usage-only chunk. All choices are
// merged into the one message (Copilot sends text and tool calls as
// separate choices). An upstream error object, a protocol violation, EOF
// before any finish_reason, or a read error (reset, cut) before [DONE] ends
// the stream with one `event: error` after closing the open block.
type OToAStream struct {
	opt   StreamOptions
	scan  jscan.Scanner
	parts jscan.Scanner // content given as an array of parts
	ch    openai.ChunkView
	ids   streamIDs

	started   bool // message_start sent
	done      bool // message_stop or an error event sent
	err       *StreamError
	gotFinish bool
	finish    string // canonical finish_reason (see finishName)
	refusal   bool
	inputE    int // message_start input_tokens, the fallback for message_delta

	nextBlock int
	open      int   // open block index, -1 none
	openKind  uint8 // blockText, blockThinking or blockTool
	openTool  int   // tools index of the open tool block
	tools     []oTool
	order     []int // scratch for flushTools
	sawTool   bool

	hasUsage bool
	usage    openai.Usage
	details  openai.PromptTokensDetails
	topCR    int
	topCC    int
}

// oTool is one upstream tool call, keyed by (choice, index).
type oTool struct {
	choice, index int
	rawID         string // upstream id as sent (escaped form), for comparisons
	id, name      string // decoded
	started       bool   // content_block_start sent
	closed        bool   // content_block_stop sent
	buf           []byte // argument text (inside of string literals) received before start
}

const (
	blockText uint8 = iota + 1
	blockThinking
	blockTool
)

// NewOToAStream returns a converter for one OpenAI upstream stream.
func NewOToAStream(opt StreamOptions) *OToAStream {
	return &OToAStream{opt: opt, open: -1, ids: streamIDs{fixed: opt.MessageID}}
}

var _ StreamConverter = (*OToAStream)(nil)

// KeepAlive appends what the gateway should write after a long upstream
// silence (docs/conversion.md §3.2 rule 8): an `event: ping` once message_start is out, an
// SSE comment before it, nothing once the stream is done.
func (c *OToAStream) KeepAlive(dst []byte) []byte {
	switch {
	case c.done:
		return dst
	case c.started:
		return append(dst, "event: ping\ndata: {\"type\":\"ping\"}\n\n"...)
	}
	return append(dst, ": ping\n\n"...)
}

// Event processes one upstream SSE event.
func (c *OToAStream) Event(dst []byte, ev sse.Event) Step {
	if c.done {
		return Step{Out: dst, Done: true}
	}
	switch ev.Name {
	case "", "message", "error":
	default:
		return Step{Out: dst} // unknown event names are ignored
	}
	if isDoneMarker(ev.Data) {
		return c.complete(dst)
	}
	ch := &c.ch
	if !ch.Parse(&c.scan, ev.Data) {
		if ev.Name == "error" {
			return c.upstreamError(dst, ev.Data)
		}
		return c.fail(dst, "api_error", msgBadJSON)
	}
	if ch.IsError || ev.Name == "error" {
		return c.upstreamError(dst, ev.Data)
	}
	if ch.HasUsage {
		c.setUsage(&ch.Usage)
	}
	if !c.started {
		dst = c.messageStart(dst, ch.ID, ch.Model)
	}
	content := false
	for i := range ch.Choices {
		var ct bool
		dst, ct = c.choice(dst, &ch.Choices[i])
		content = content || ct
		if c.done { // protocol violation
			return Step{Out: dst, Content: content, Done: true, Err: c.err}
		}
	}
	return Step{Out: dst, Content: content}
}

// End handles the end of the upstream body: after a finish_reason the
// message is completed normally, otherwise the stream was cut.
func (c *OToAStream) End(dst []byte, readErr error) Step {
	switch {
	case c.done:
		return Step{Out: dst, Done: true}
	case c.gotFinish && readErr == nil:
		return c.complete(dst)
	}
	return c.fail(dst, "api_error", msgOTruncated)
}

func isDoneMarker(data []byte) bool {
	return bytes.Equal(bytes.TrimSpace(data), []byte("[DONE]"))
}

func (c *OToAStream) messageStart(dst, id, model []byte) []byte {
	c.started = true
	var u anthropic.Usage
	if c.hasUsage {
		u = convert.UsageOToA(&c.usage)
	}
	if u.InputTokens+u.CacheReadInputTokens+u.CacheCreationInputTokens <= 0 {
		u = anthropic.Usage{InputTokens: max(c.opt.InputEstimate, 1)}
	}
	c.inputE = u.InputTokens
	dst = append(dst, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":"...)
	switch {
	case c.opt.MessageID != "":
		dst = appendJSONQuoted(dst, c.opt.MessageID)
	case jscan.RawNonEmpty(id):
		dst = append(dst, `"msg_`...)
		dst = jscan.AppendRawJSONString(dst, id[1:])
	default:
		dst = append(dst, '"')
		dst = c.ids.append(dst, "msg_", 24)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"type":"message","role":"assistant","model":`...)
	switch {
	case c.opt.ClientModel != "":
		dst = appendJSONQuoted(dst, c.opt.ClientModel)
	case model != nil:
		dst = jscan.AppendRawJSONString(dst, model)
	default:
		dst = append(dst, `""`...)
	}
	dst = append(dst, `,"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":`...)
	dst = appendInt(dst, u.InputTokens)
	dst = append(dst, `,"output_tokens":0,"cache_creation_input_tokens":`...)
	dst = appendInt(dst, u.CacheCreationInputTokens)
	dst = append(dst, `,"cache_read_input_tokens":`...)
	dst = appendInt(dst, u.CacheReadInputTokens)
	return append(dst, "}}}\n\n"...)
}

// choice applies one choice of a chunk in the order reasoning → content →
// tool_calls → finish_reason.
func (c *OToAStream) choice(dst []byte, ch *openai.ChoiceView) ([]byte, bool) {
	content := false
	r := ch.Reasoning
	if !jscan.RawNonEmpty(r) {
		r = ch.ReasoningAlt
	}
	if jscan.RawNonEmpty(r) {
		dst, content = c.delta(dst, blockThinking, r), true
	}
	if jscan.RawNonEmpty(ch.Content) {
		dst, content = c.delta(dst, blockText, ch.Content), true
	} else if ch.ContentParts != nil {
		var ct bool
		dst, ct = c.contentParts(dst, ch.ContentParts)
		content = content || ct
	}
	if jscan.RawNonEmpty(ch.Refusal) {
		dst, content = c.delta(dst, blockText, ch.Refusal), true
		c.refusal = true
	}
	for j := range ch.Tools {
		var ct bool
		dst, ct = c.toolDelta(dst, ch.Index, j, &ch.Tools[j])
		content = content || ct
		if c.done {
			return dst, content
		}
	}
	if ch.Finish != nil {
		var ct bool
		dst, ct = c.finishChoice(dst, ch.Index, finishName(ch.Finish))
		content = content || ct
	}
	return dst, content
}

// contentParts streams the text parts of an array-valued delta.content.
func (c *OToAStream) contentParts(dst, arr []byte) ([]byte, bool) {
	s := &c.parts
	s.Reset(arr)
	content := false
	if !s.Array() {
		return dst, false
	}
	for first := true; s.More(&first, ']'); {
		if !s.Object() {
			continue
		}
		var typ, text, refusal []byte
		for first := true; s.More(&first, '}'); {
			switch string(s.Key()) {
			case "type":
				typ = s.StrOpt()
			case "text":
				text = s.StrOpt()
			case "refusal":
				refusal = s.StrOpt()
			default:
				s.Skip()
			}
		}
		switch {
		case (typ == nil || jscan.RawIs(typ, "text")) && jscan.RawNonEmpty(text):
			dst, content = c.delta(dst, blockText, text), true
		case jscan.RawIs(typ, "refusal") && jscan.RawNonEmpty(refusal):
			dst, content = c.delta(dst, blockText, refusal), true
			c.refusal = true
		}
	}
	return dst, content
}

// delta appends a text or thinking delta, opening a block of that kind
// first if the open block is of another kind.
func (c *OToAStream) delta(dst []byte, kind uint8, raw []byte) []byte {
	if c.open < 0 || c.openKind != kind {
		dst = c.closeOpen(dst)
		c.open, c.openKind = c.nextBlock, kind
		c.nextBlock++
		dst = append(dst, "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":"...)
		dst = appendInt(dst, c.open)
		if kind == blockText {
			dst = append(dst, `,"content_block":{"type":"text","text":""}}`+"\n\n"...)
		} else {
			dst = append(dst, `,"content_block":{"type":"thinking","thinking":"","signature":""}}`+"\n\n"...)
		}
	}
	dst = c.deltaHead(dst)
	if kind == blockText {
		dst = append(dst, `{"type":"text_delta","text":`...)
	} else {
		dst = append(dst, `{"type":"thinking_delta","thinking":`...)
	}
	dst = jscan.AppendRawJSONString(dst, raw)
	return append(dst, "}}\n\n"...)
}

func (c *OToAStream) deltaHead(dst []byte) []byte {
	dst = append(dst, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":"...)
	dst = appendInt(dst, c.open)
	return append(dst, `,"delta":`...)
}

// closeOpen appends content_block_stop for the open block, if any.
func (c *OToAStream) closeOpen(dst []byte) []byte {
	if c.open < 0 {
		return dst
	}
	if c.openKind == blockTool {
		c.tools[c.openTool].closed = true
	}
	dst = append(dst, "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":"...)
	dst = appendInt(dst, c.open)
	c.open = -1
	return append(dst, "}\n\n"...)
}

// toolDelta applies one tool_calls[j] element (docs/conversion.md §3.2 rule 2).
func (c *OToAStream) toolDelta(dst []byte, choice, j int, t *openai.ToolDeltaView) ([]byte, bool) {
	idx := j
	if t.HasIndex {
		idx = t.Index
	}
	hasID, hasName, hasArgs := jscan.RawNonEmpty(t.ID), jscan.RawNonEmpty(t.Name), jscan.RawNonEmpty(t.Args)
	e := c.tool(choice, idx)
	if e >= 0 && hasID && hasName && c.tools[e].rawID != "" && c.tools[e].rawID != string(jscan.RawInner(t.ID)) {
		e = -1 // an upstream reusing one index for a new call (new id and name)
	}
	if e < 0 {
		c.tools = append(c.tools, oTool{choice: choice, index: idx})
		e = len(c.tools) - 1
	}
	tl := &c.tools[e]
	if tl.rawID == "" && hasID {
		tl.rawID, tl.id = string(jscan.RawInner(t.ID)), jscan.UnquoteRaw(t.ID)
	}
	if tl.name == "" && hasName {
		tl.name = jscan.UnquoteRaw(t.Name)
	}
	if tl.closed {
		if hasArgs {
			return c.violation(dst, "upstream protocol error: arguments for tool call "+strconv.Itoa(idx)+" after its block was closed"), false
		}
		return dst, false
	}
	content := false
	if !tl.started && tl.name != "" && !c.opt.BufferToolArgs {
		dst, content = c.startTool(dst, e, false), true
	}
	if hasArgs {
		if tl.started {
			dst = c.deltaHead(dst)
			dst = append(dst, `{"type":"input_json_delta","partial_json":`...)
			dst = jscan.AppendRawJSONString(dst, t.Args)
			dst, content = append(dst, "}}\n\n"...), true
		} else {
			tl.buf = append(tl.buf, jscan.RawInner(t.Args)...)
		}
	}
	return dst, content
}

func (c *OToAStream) tool(choice, index int) int {
	for i := len(c.tools) - 1; i >= 0; i-- {
		if c.tools[i].choice == choice && c.tools[i].index == index {
			return i
		}
	}
	return -1
}

// startTool closes the open block, starts a tool_use block for tools[e] and
// flushes its buffered arguments as one input_json_delta. whole reports
// that the call can receive no more arguments (flushed at the finish): its
// arguments are then normalized like a non-streaming response's (§2.3:
// truncated JSON repaired after finish_reason length, other invalid or
// non-object arguments become {}), so the block's input is valid JSON.
func (c *OToAStream) startTool(dst []byte, e int, whole bool) []byte {
	dst = c.closeOpen(dst)
	tl := &c.tools[e]
	tl.started, c.sawTool = true, true
	c.open, c.openKind, c.openTool = c.nextBlock, blockTool, e
	c.nextBlock++
	dst = append(dst, "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":"...)
	dst = appendInt(dst, c.open)
	dst = append(dst, `,"content_block":{"type":"tool_use","id":`...)
	if id := convert.SanitizeToolID(tl.id); id != "" {
		dst = appendJSONQuoted(dst, id)
	} else {
		dst = append(dst, '"')
		dst = c.ids.append(dst, "toolu_", 24)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"name":`...)
	if tl.name != "" {
		dst = appendJSONQuoted(dst, c.opt.ToolNames.Client(tl.name))
	} else {
		dst = append(dst, `"tool_`...)
		dst = appendInt(dst, tl.index)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"input":{}}}`+"\n\n"...)
	if len(tl.buf) > 0 && whole {
		args := jscan.UnquoteRaw(append(append([]byte{'"'}, tl.buf...), '"'))
		dst = c.deltaHead(dst)
		dst = append(dst, `{"type":"input_json_delta","partial_json":`...)
		dst = appendJSONQuoted(dst, string(convert.ParseArguments(args, c.finish == "length")))
		dst = append(dst, "}}\n\n"...)
		tl.buf = tl.buf[:0]
	}
	if len(tl.buf) > 0 {
		dst = c.deltaHead(dst)
		dst = append(dst, `{"type":"input_json_delta","partial_json":"`...)
		dst = jscan.AppendFixUTF8(dst, tl.buf)
		dst = append(dst, "\"}}\n\n"...)
		tl.buf = tl.buf[:0]
	}
	return dst
}

// finishChoice handles a finish_reason (docs/conversion.md §3.2 rule 3): close the open
// block and emit, started and stopped, this choice's tool calls that never
// got a name. message_delta waits for [DONE] or EOF.
func (c *OToAStream) finishChoice(dst []byte, choice int, finish string) ([]byte, bool) {
	c.gotFinish = true
	// Merged like a non-streaming response: content_filter wins, then
	// length, then the first finish_reason seen.
	switch {
	case c.finish == "", finish == "content_filter", finish == "length" && c.finish != "content_filter":
		c.finish = finish
	}
	dst = c.closeOpen(dst)
	return c.flushTools(dst, choice, false)
}

// flushTools starts and stops, in index order, the unstarted tool calls
// (of one choice, or of all) that have an id, a name or arguments.
func (c *OToAStream) flushTools(dst []byte, choice int, all bool) ([]byte, bool) {
	c.order = c.order[:0]
	for i := range c.tools {
		tl := &c.tools[i]
		if !tl.started && (all || tl.choice == choice) && (tl.rawID != "" || tl.name != "" || len(tl.buf) > 0) {
			c.order = append(c.order, i)
		}
	}
	if len(c.order) == 0 {
		return dst, false
	}
	slices.SortStableFunc(c.order, func(a, b int) int {
		ta, tb := &c.tools[a], &c.tools[b]
		if ta.choice != tb.choice {
			return cmpInt(ta.choice, tb.choice)
		}
		return cmpInt(ta.index, tb.index)
	})
	for _, e := range c.order {
		dst = c.startTool(dst, e, true)
		dst = c.closeOpen(dst)
	}
	return dst, true
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// complete finishes the message (docs/conversion.md §3.2 rules 5 and 6).
func (c *OToAStream) complete(dst []byte) Step {
	if !c.started {
		dst = c.messageStart(dst, nil, nil)
	}
	dst = c.closeOpen(dst)
	dst, content := c.flushTools(dst, 0, true)
	stop := convert.FinishToStopReason(c.finish, c.sawTool)
	if c.refusal {
		stop = "refusal"
	}
	var u anthropic.Usage
	if c.hasUsage {
		u = convert.UsageOToA(&c.usage)
	}
	if u.InputTokens+u.CacheReadInputTokens+u.CacheCreationInputTokens <= 0 {
		u.InputTokens, u.CacheReadInputTokens, u.CacheCreationInputTokens = c.inputE, 0, 0
	}
	dst = append(dst, "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\""...)
	dst = append(dst, stop...)
	dst = append(dst, `","stop_sequence":null},"usage":{"input_tokens":`...)
	dst = appendInt(dst, u.InputTokens)
	dst = append(dst, `,"output_tokens":`...)
	dst = appendInt(dst, u.OutputTokens)
	dst = append(dst, `,"cache_read_input_tokens":`...)
	dst = appendInt(dst, u.CacheReadInputTokens)
	dst = append(dst, `,"cache_creation_input_tokens":`...)
	dst = appendInt(dst, u.CacheCreationInputTokens)
	dst = append(dst, "}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"...)
	c.done = true
	return Step{Out: dst, Content: content, Done: true}
}

func (c *OToAStream) setUsage(u *openai.UsageView) {
	c.hasUsage = true
	c.usage = openai.Usage{PromptTokens: u.Prompt, CompletionTokens: u.Completion, TotalTokens: u.Total}
	if u.HasDetails {
		c.details = openai.PromptTokensDetails{CachedTokens: u.Cached, CacheWriteTokens: u.CacheWrite}
		c.usage.PromptTokensDetails = &c.details
	}
	if u.HasTopCR {
		c.topCR = u.TopCR
		c.usage.CacheReadInputTokens = &c.topCR
	}
	if u.HasTopCC {
		c.topCC = u.TopCC
		c.usage.CacheCreationInputTokens = &c.topCC
	}
}

func (c *OToAStream) upstreamError(dst, data []byte) Step {
	msg, typ := convert.ParseUpstreamError(data)
	if msg == "" {
		msg = msgUpstreamError
	}
	return c.fail(dst, anthropicTypeForOpenAIError(typ), msg)
}

// violation ends the stream because the upstream broke the protocol.
func (c *OToAStream) violation(dst []byte, msg string) []byte {
	return c.fail(dst, "api_error", msg).Out
}

// fail closes the open block and ends the client stream with `event: error`
// (no message_delta or message_stop follow).
func (c *OToAStream) fail(dst []byte, typ, msg string) Step {
	dst = c.closeOpen(dst)
	dst = append(dst, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":"...)
	dst = appendJSONQuoted(dst, typ)
	dst = append(dst, `,"message":`...)
	dst = appendJSONQuoted(dst, msg)
	dst = append(dst, "}}\n\n"...)
	c.done = true
	c.err = &StreamError{Type: typ, Message: msg}
	return Step{Out: dst, Done: true, Err: c.err}
}

// finishName returns the canonical finish_reason for a raw literal;
// unknown values become "other" (inferred like a missing one).
func finishName(raw []byte) string {
	for _, f := range finishNames {
		if jscan.RawIs(raw, f) {
			return f
		}
	}
	return "other"
}

var finishNames = [...]string{"stop", "tool_calls", "length", "content_filter", "function_call"}
