package geministream

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"

	"switchyard/gateway/gemini"
	"switchyard/gateway/gemini/geminiconv"
	"switchyard/gateway/jscan"
	"switchyard/gateway/openai"
	"switchyard/gateway/protocol"
	"switchyard/gateway/sse"
)

// FromHubStream converts hub chunks into a Gemini client's stream: one
// chunk per text delta (a text part) and per reasoning delta (a `thought:
// true` part, only with includeThoughts); tool calls are gathered and
// emitted whole (Gemini never streams partial arguments) in the last chunk,
// which carries the one finishReason and usageMetadata. It is written at
// [DONE] (or at the end of the body after a finish_reason). A hub error
// chunk, malformed JSON, or a cut before any finish ends the stream with
// one Google error object ({"error":{code,message,status}}); the JSON
// array is closed after it so that it stays valid JSON.
type FromHubStream struct {
	opt      protocol.StreamOptions
	format   gemini.StreamFormat
	thoughts bool
	scan     jscan.Scanner
	ch       openai.ChunkView

	started, done, gotFinish bool
	opened                   bool
	finish                   string
	ident                    []byte // `],"modelVersion":…,"responseId":…}`
	tools                    []hTool
	usage                    openai.UsageView
	hasUsage                 bool
}

type hTool struct {
	index    int
	id, name string
	args     []byte
}

// NewFromHubStream returns a converter for one hub stream to a Gemini
// client; includeThoughts is GenerateContentRequest.IncludeThoughts.
func NewFromHubStream(opt protocol.StreamOptions, format gemini.StreamFormat, includeThoughts bool) *FromHubStream {
	if c, _ := fromHubPool.Get().(*FromHubStream); c != nil {
		c.opt, c.format, c.thoughts = opt, format, includeThoughts
		return c
	}
	return &FromHubStream{opt: opt, format: format, thoughts: includeThoughts}
}

// fromHubPool recycles released converters with their buffers.
var fromHubPool sync.Pool

// Release recycles c (protocol.Releaser); c must not be used afterwards.
func (c *FromHubStream) Release() {
	if cap(c.ident) > 4<<10 || cap(c.tools) > 64 {
		return
	}
	all := c.tools[:cap(c.tools)]
	for i := range all {
		all[i] = hTool{} // no arguments kept alive
	}
	*c = FromHubStream{ident: c.ident[:0], tools: c.tools[:0]}
	fromHubPool.Put(c)
}

var _ protocol.StreamConverter = (*FromHubStream)(nil)

// KeepAlive appends an SSE comment for the SSE form, nothing for the JSON
// array (whitespace would do, but the array may not have started).
func (c *FromHubStream) KeepAlive(dst []byte) []byte {
	if c.done || c.format != gemini.StreamFormatSSE {
		return dst
	}
	return append(dst, ": ping\n\n"...)
}

// Event processes one hub SSE event.
func (c *FromHubStream) Event(dst []byte, ev sse.Event) protocol.Step {
	if c.done {
		return protocol.Step{Out: dst, Done: true}
	}
	if bytes.Equal(bytes.TrimSpace(ev.Data), []byte("[DONE]")) {
		return c.complete(dst)
	}
	ch := &c.ch
	if !ch.Parse(&c.scan, ev.Data) {
		return c.fail(dst, 500, "upstream protocol error: malformed JSON in stream event")
	}
	if ch.IsError {
		var e struct {
			Error struct{ Message, Type, Code any } `json:"error"`
		}
		_ = json.Unmarshal(ev.Data, &e)
		msg, _ := e.Error.Message.(string)
		typ, _ := e.Error.Type.(string)
		if msg == "" {
			msg = "upstream error"
		}
		return c.fail(dst, gemini.StatusForHubType(typ), msg)
	}
	if ch.HasUsage {
		c.usage, c.hasUsage = ch.Usage, true
	}
	if !c.started {
		c.begin(ch.ID, ch.Model)
	}
	content := false
	for i := range ch.Choices {
		h := &ch.Choices[i]
		reasoning := h.Reasoning
		if reasoning == nil {
			reasoning = h.ReasoningAlt
		}
		if jscan.RawNonEmpty(reasoning) && c.thoughts {
			dst, content = c.textChunk(dst, reasoning, true), true
		}
		if jscan.RawNonEmpty(h.Content) {
			dst, content = c.textChunk(dst, h.Content, false), true
		}
		for j := range h.Tools {
			c.toolDelta(&h.Tools[j])
		}
		if h.Finish != nil && !c.gotFinish {
			c.gotFinish, c.finish = true, jscan.UnquoteRaw(h.Finish)
		}
	}
	return protocol.Step{Out: dst, Content: content}
}

// End completes the stream after a finish_reason, else fails it.
func (c *FromHubStream) End(dst []byte, readErr error) protocol.Step {
	if c.done {
		return protocol.Step{Out: dst, Done: true}
	}
	if c.gotFinish && readErr == nil {
		return c.complete(dst)
	}
	return c.fail(dst, 500, "upstream stream ended prematurely")
}

func (c *FromHubStream) begin(id, model []byte) {
	c.started = true
	p := append(c.ident[:0], `],"role":"model"},"index":0}],"modelVersion":`...)
	switch {
	case c.opt.ClientModel != "":
		p = appendJSONQuoted(p, c.opt.ClientModel)
	case model != nil:
		p = jscan.AppendRawJSONString(p, model)
	default:
		p = append(p, `""`...)
	}
	p = append(p, `,"responseId":`...)
	switch {
	case c.opt.MessageID != "":
		p = appendJSONQuoted(p, c.opt.MessageID)
	case jscan.RawNonEmpty(id):
		p = appendJSONQuoted(p, jscan.UnquoteRaw(id))
	default:
		p = appendJSONQuoted(p, randomSeed())
	}
	c.ident = append(p, '}')
}

// open appends what precedes a chunk object in the client's format.
func (c *FromHubStream) open(dst []byte, first bool) []byte {
	if c.format == gemini.StreamFormatSSE {
		return append(dst, "data: "...)
	}
	if first {
		return append(dst, '[')
	}
	return append(dst, ",\r\n"...)
}

func (c *FromHubStream) closeChunk(dst []byte) []byte {
	if c.format == gemini.StreamFormatSSE {
		return append(dst, "\n\n"...)
	}
	return dst
}

func (c *FromHubStream) textChunk(dst, raw []byte, thought bool) []byte {
	dst = c.open(dst, !c.wrote())
	c.markWrote()
	dst = append(dst, `{"candidates":[{"content":{"parts":[{"text":`...)
	dst = jscan.AppendRawJSONString(dst, raw)
	if thought {
		dst = append(dst, `,"thought":true`...)
	}
	dst = append(dst, '}')
	dst = append(dst, c.ident...)
	return c.closeChunk(dst)
}

// wrote/markWrote track whether a chunk (and so the JSON array) has been
// written.
func (c *FromHubStream) wrote() bool { return c.opened }
func (c *FromHubStream) markWrote()  { c.opened = true }

func (c *FromHubStream) toolDelta(t *openai.ToolDeltaView) {
	var tool *hTool
	for i := range c.tools {
		if c.tools[i].index == t.Index {
			tool = &c.tools[i]
		}
	}
	if tool == nil {
		c.tools = append(c.tools, hTool{index: t.Index})
		tool = &c.tools[len(c.tools)-1]
	}
	if jscan.RawNonEmpty(t.ID) && tool.id == "" {
		tool.id = jscan.UnquoteRaw(t.ID)
	}
	if jscan.RawNonEmpty(t.Name) && tool.name == "" {
		tool.name = jscan.UnquoteRaw(t.Name)
	}
	if jscan.RawNonEmpty(t.Args) {
		tool.args = append(tool.args, jscan.UnquoteRaw(t.Args)...)
	}
}

// complete writes the last chunk: the gathered function calls, the
// finishReason and the usage.
func (c *FromHubStream) complete(dst []byte) protocol.Step {
	if !c.started {
		c.begin(nil, nil)
	}
	first := !c.wrote()
	c.markWrote()
	dst = c.open(dst, first)
	dst = append(dst, `{"candidates":[{"content":{"parts":[`...)
	for i := range c.tools {
		dst = c.appendCall(dst, i)
	}
	finish := c.finish
	if finish == "" && len(c.tools) > 0 {
		finish = "tool_calls"
	}
	p := c.ident[:len(c.ident)-1]
	cut := bytes.Index(p, []byte(`"index":0}]`))
	dst = append(dst, p[:cut]...)
	dst = append(dst, `"finishReason":"`...)
	dst = append(dst, geminiconv.FinishFromHub(finish)...)
	dst = append(dst, `",`...)
	dst = append(dst, p[cut:]...)
	dst = c.appendUsage(dst)
	dst = append(dst, '}')
	if c.format == gemini.StreamFormatJSONArray {
		dst = append(dst, ']')
	}
	dst = c.closeChunk(dst)
	c.done = true
	return protocol.Step{Out: dst, Content: len(c.tools) > 0, Done: true}
}

func (c *FromHubStream) appendCall(dst []byte, i int) []byte {
	t := &c.tools[i]
	if i > 0 {
		dst = append(dst, ',')
	}
	dst = append(dst, `{"functionCall":{`...)
	if t.id != "" {
		dst = append(dst, `"id":`...)
		dst = appendJSONQuoted(dst, t.id)
		dst = append(dst, ',')
	}
	name := t.name
	if name == "" {
		name = "tool_" + strconv.Itoa(i)
	} else if c.opt.ToolNames != nil {
		name = c.opt.ToolNames.Client(name)
	}
	dst = append(dst, `"name":`...)
	dst = appendJSONQuoted(dst, name)
	dst = append(dst, `,"args":`...)
	args := bytes.TrimSpace(t.args)
	if len(args) > 0 && args[0] == '{' && json.Valid(args) {
		dst = append(dst, compactRaw(args)...)
	} else {
		dst = append(dst, "{}"...)
	}
	return append(dst, "}}"...)
}

func (c *FromHubStream) appendUsage(dst []byte) []byte {
	u := c.usage
	if !c.hasUsage {
		u.Prompt = c.opt.InputEstimate
	}
	cand := u.Completion - u.Reasoning
	if cand < 0 {
		cand = u.Completion
		u.Reasoning = 0
	}
	dst = append(dst, `,"usageMetadata":{"promptTokenCount":`...)
	dst = appendInt(dst, u.Prompt)
	dst = append(dst, `,"candidatesTokenCount":`...)
	dst = appendInt(dst, cand)
	if u.Cached > 0 {
		dst = append(dst, `,"cachedContentTokenCount":`...)
		dst = appendInt(dst, u.Cached)
	}
	if u.Reasoning > 0 {
		dst = append(dst, `,"thoughtsTokenCount":`...)
		dst = appendInt(dst, u.Reasoning)
	}
	dst = append(dst, `,"totalTokenCount":`...)
	dst = appendInt(dst, max(u.Total, u.Prompt+u.Completion))
	return append(dst, '}')
}

// fail ends the stream with one Google error object.
func (c *FromHubStream) fail(dst []byte, status int, msg string) protocol.Step {
	first := !c.wrote()
	c.markWrote()
	dst = c.open(dst, first)
	dst = append(dst, gemini.ErrorJSON(status, msg)...)
	if c.format == gemini.StreamFormatJSONArray {
		dst = append(dst, ']')
	}
	dst = c.closeChunk(dst)
	c.done = true
	return protocol.Step{Out: dst, Done: true, Err: &protocol.StreamError{Type: gemini.StatusName(status), Message: msg}}
}
