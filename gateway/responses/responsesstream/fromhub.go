package responsesstream

import (
	"encoding/json"
	"strconv"
	"sync"

	"switchyard/gateway/jscan"
	"switchyard/gateway/openai"
	"switchyard/gateway/protocol"
	"switchyard/gateway/responses"
	"switchyard/gateway/responses/responsesconv"
	"switchyard/gateway/sse"
)

// FromHubStream converts a hub stream (chat.completion.chunk events) into
// a Responses event stream: response.created and response.in_progress,
// then for each output item output_item.added, its content events and
// output_item.done, and last response.completed (or response.incomplete
// when the model hit its token limit) with usage. Every event carries a
// sequence_number that increases by one from 0.
//
// Output items appear in the order their content first arrives:
// reasoning (as a summary), the assistant message, then one function_call
// (or custom_tool_call) item per tool call, however the upstream
// interleaves their argument fragments. A hub error chunk, or a stream
// that ends before [DONE] without a finish, ends the client stream with
// exactly one response.failed and nothing after it.
type FromHubStream struct {
	opt   protocol.StreamOptions
	notes responsesconv.Notes
	ids   responses.IDs
	seq   int

	started, done bool
	items         []*sItem
	msg, rs       *sItem         // the open message and reasoning items
	tools         map[int]*sItem // by hub tool index, made at the first call
	finish        string
	usage         responses.Usage // from the last usage chunk, when hasUsage
	hasUsage      bool
	chunk         openai.ChunkView
	scan          jscan.Scanner

	// Room for the usual stream (a reasoning item and a message; one
	// choice per chunk) without an allocation each.
	itemStore [2]sItem
	itemPtrs  [2]*sItem
	choice    [1]openai.ChoiceView
}

type sItem struct {
	kind   uint8
	index  int
	id     string
	callID string
	tool   responsesconv.ClientTool // function call items: the client's tool
	buf    []byte                   // text, summary or arguments so far
	closed bool
}

const (
	kMessage uint8 = iota
	kReasoning
	kFunction
	kCustom
	kLocalShell
)

// NewFromHubStream returns a converter for one hub stream. opt.MessageID
// fixes the response id (tests); opt.ClientModel names the model.
func NewFromHubStream(opt protocol.StreamOptions, notes responsesconv.Notes) *FromHubStream {
	c, _ := fromHubPool.Get().(*FromHubStream)
	if c == nil {
		c = new(FromHubStream)
	}
	c.opt, c.notes = opt, notes
	c.ids.Init(opt.MessageID)
	c.items = c.itemPtrs[:0]
	c.chunk.Choices = c.choice[:0]
	return c
}

var _ protocol.StreamConverter = (*FromHubStream)(nil)

// fromHubPool recycles released converters (the struct alone is ~1 kB)
// with the text buffers of their first two items.
var fromHubPool sync.Pool

// Release recycles c (protocol.Releaser); c must not be used afterwards.
func (c *FromHubStream) Release() {
	var bufs [2][]byte
	for i := range c.itemStore {
		if b := c.itemStore[i].buf; cap(b) <= 16<<10 {
			bufs[i] = b[:0]
		}
	}
	*c = FromHubStream{}
	c.itemStore[0].buf, c.itemStore[1].buf = bufs[0], bufs[1]
	fromHubPool.Put(c)
}

// KeepAlive appends an SSE comment; nothing once the stream is done.
func (c *FromHubStream) KeepAlive(dst []byte) []byte {
	if c.done {
		return dst
	}
	return append(dst, ": keepalive\n\n"...)
}

// Event processes one hub event.
func (c *FromHubStream) Event(dst []byte, ev sse.Event) protocol.Step {
	if c.done {
		return protocol.Step{Out: dst, Done: true}
	}
	if string(ev.Data) == "[DONE]" {
		return c.complete(c.begin(dst))
	}
	ch := &c.chunk
	if !ch.Parse(&c.scan, ev.Data) {
		return c.fail(c.begin(dst), "server_error", "upstream sent a malformed event")
	}
	if ch.IsError {
		var e openai.ErrorBody
		_ = json.Unmarshal(ev.Data, &e) // rare: decoded only here
		return c.fail(c.begin(dst), e.Error.Type, e.Error.Message)
	}
	st := protocol.Step{Out: c.begin(dst)}
	if ch.HasUsage {
		c.usage, c.hasUsage = usageFromView(&ch.Usage), true
	}
	if len(ch.Choices) == 0 {
		return st
	}
	h := &ch.Choices[0]
	r := h.Reasoning
	if !jscan.RawNonEmpty(r) {
		r = h.ReasoningAlt
	}
	if jscan.RawNonEmpty(r) {
		st.Out = c.reasoningDelta(st.Out, r)
		st.Content = true
	}
	for _, t := range [2][]byte{h.Content, h.Refusal} {
		if jscan.RawNonEmpty(t) {
			st.Out = c.textDelta(st.Out, t)
			st.Content = true
		}
	}
	for i := range h.Tools {
		st.Out = c.toolDelta(st.Out, &h.Tools[i])
		st.Content = true
	}
	if jscan.RawNonEmpty(h.Finish) {
		c.finish = finishReason(h.Finish)
	}
	return st
}

// finishReason decodes a finish_reason literal (the usual ones without a
// new string).
func finishReason(raw []byte) string {
	for _, f := range [...]string{"stop", "tool_calls", "length", "content_filter"} {
		if jscan.RawIs(raw, f) {
			return f
		}
	}
	return jscan.UnquoteRaw(raw)
}

// usageFromView is a hub chunk's usage as the client reports it:
// responsesconv.UsageFromHub of the hub usage the chunk carries (prompt
// tokens include cached ones, as input tokens do).
func usageFromView(u *openai.UsageView) responses.Usage {
	out := responses.Usage{InputTokens: u.Prompt, OutputTokens: u.Completion, TotalTokens: u.Total}
	out.InputTokensDetails.CachedTokens = u.Cached
	if u.Reasoning > 0 {
		out.OutputTokensDetails.ReasoningTokens = u.Reasoning
	}
	if out.TotalTokens == 0 {
		out.TotalTokens = out.InputTokens + out.OutputTokens
	}
	return out
}

// End is called when the hub stream ends. A clean end after a finish
// reason completes the response; anything else is a failure.
func (c *FromHubStream) End(dst []byte, readErr error) protocol.Step {
	if c.done {
		return protocol.Step{Out: dst, Done: true}
	}
	dst = c.begin(dst)
	if readErr == nil && c.finish != "" {
		return c.complete(dst)
	}
	msg := "upstream stream ended prematurely"
	if readErr != nil {
		msg += ": " + readErr.Error()
	}
	return c.fail(dst, "server_error", msg)
}

// begin writes response.created and response.in_progress once.
func (c *FromHubStream) begin(dst []byte) []byte {
	if c.started {
		return dst
	}
	c.started = true
	r := c.snapshot("in_progress")
	dst = c.head(dst, "response.created")
	dst = append(dst, `,"response":`...)
	start := len(dst)
	dst = responses.AppendResponse(dst, &r)
	end := len(dst)
	dst = append(dst, "}\n\n"...)
	dst = c.head(dst, "response.in_progress")
	dst = append(dst, `,"response":`...)
	dst = append(dst, dst[start:end]...) // the same snapshot
	return append(dst, "}\n\n"...)
}

// autoChoice is the tool_choice of the snapshots.
var autoChoice = json.RawMessage(`"auto"`)

func (c *FromHubStream) snapshot(status string) responses.Response {
	return responses.Response{ID: c.ids.Response, Object: "response", CreatedAt: c.opt.Created, Status: status,
		Model: c.opt.ClientModel, Output: []responses.OutputItem{}, Tools: []json.RawMessage{}, ParallelToolCalls: true,
		ToolChoice: autoChoice}
}

// eventResponse writes a terminal event: the response r with every item
// as it stands, in status itemStatus.
func (c *FromHubStream) eventResponse(dst []byte, typ string, r *responses.Response, itemStatus string) []byte {
	dst = c.head(dst, typ)
	dst = append(dst, `,"response":`...)
	dst = responses.AppendResponseOpen(dst, r)
	dst = append(dst, '[')
	for i, it := range c.items {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendItem(dst, it, itemStatus)
	}
	dst = append(dst, ']')
	dst = responses.AppendResponseClose(dst, r)
	return append(dst, "}\n\n"...)
}

// head starts an event: `event: T\ndata: {"type":"T","sequence_number":N`.
func (c *FromHubStream) head(dst []byte, typ string) []byte {
	dst = append(dst, "event: "...)
	dst = append(dst, typ...)
	dst = append(dst, "\ndata: {\"type\":\""...)
	dst = append(dst, typ...)
	dst = append(dst, `","sequence_number":`...)
	dst = strconv.AppendInt(dst, int64(c.seq), 10)
	c.seq++
	return dst
}

// itemHead is head plus item_id and output_index.
func (c *FromHubStream) itemHead(dst []byte, typ string, it *sItem) []byte {
	dst = c.head(dst, typ)
	dst = append(dst, `,"item_id":"`...)
	dst = append(dst, it.id...)
	dst = append(dst, `","output_index":`...)
	return strconv.AppendInt(dst, int64(it.index), 10)
}

func (c *FromHubStream) newItem(kind uint8, prefix string) *sItem {
	var it *sItem
	if n := len(c.items); n < len(c.itemStore) {
		it = &c.itemStore[n]
	} else {
		it = new(sItem)
	}
	*it = sItem{kind: kind, index: len(c.items), id: c.ids.Next(prefix), buf: it.buf[:0]} // a recycled store item's buffer
	c.items = append(c.items, it)
	return it
}
