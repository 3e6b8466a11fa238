package streamconv

import (
	"strconv"
	"sync"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/convert"
	"switchyard/gateway/jscan"
	"switchyard/gateway/openai"
	"switchyard/gateway/sse"
)

// AToOStream converts an Anthropic Messages stream (upstream) into an
// OpenAI chat.completion.chunk stream (client), spec §3.1.
//
// Every chunk carries the same id ("chatcmpl-" + the upstream message id, or
// StreamOptions.MessageID verbatim), created and model (ClientModel, else the
// upstream's), and one choice with index 0. Tool calls are numbered by a
// 0-based tool counter, not by the Anthropic block index. The client stream
// ends with `data: [DONE]` after message_stop, or with one `data:
// {"error":…}` object (and no [DONE]) on an upstream error event, a
// protocol violation, or EOF before message_stop.
type AToOStream struct {
	opt  StreamOptions
	scan jscan.Scanner
	ev   aEvent
	ids  streamIDs

	started  bool // message_start seen, role chunk sent
	finished bool // finish_reason chunk sent
	done     bool // [DONE] or an error object sent

	prefix   []byte // `data: {"id":…,"object":…,"created":…,"model":…,"choices":[`
	blocks   []aBlock
	nextTool int
	usage    anthropic.Usage
}

// aBlock is what the converter remembers about one upstream content block.
type aBlock struct {
	index    int
	kind     uint8
	tool     int    // OpenAI tool_calls index (kind aTool)
	argsSeen bool   // a non-empty input_json_delta was forwarded
	stopped  bool   // content_block_stop seen (or closed at finish)
	input    []byte // a non-empty input object from content_block_start
}

const (
	aIgnored uint8 = iota // redacted_thinking, server tools, unknown types
	aText
	aThinking
	aTool
	aJSONTool // the response_format tool (StreamOptions.JSONTool): its input is text
)

// NewAToOStream returns a converter for one Anthropic upstream stream.
func NewAToOStream(opt StreamOptions) *AToOStream {
	if c, _ := aToOPool.Get().(*AToOStream); c != nil {
		c.opt, c.ids = opt, streamIDs{fixed: opt.MessageID}
		return c
	}
	return &AToOStream{opt: opt, ids: streamIDs{fixed: opt.MessageID}}
}

// aToOPool recycles released converters with their buffers.
var aToOPool sync.Pool

// Release recycles c (protocol.Releaser): a new stream's converter then
// costs no allocation. c must not be used afterwards.
func (c *AToOStream) Release() {
	if cap(c.prefix) > 4<<10 || cap(c.blocks) > 64 {
		return
	}
	all := c.blocks[:cap(c.blocks)]
	for i := range all {
		all[i] = aBlock{} // no input bytes kept alive
	}
	*c = AToOStream{prefix: c.prefix[:0], blocks: c.blocks[:0]}
	aToOPool.Put(c)
}

var _ StreamConverter = (*AToOStream)(nil)

// KeepAlive appends an SSE comment the gateway may write while the upstream
// is silent; it is nothing once the stream is done.
func (c *AToOStream) KeepAlive(dst []byte) []byte {
	if c.done {
		return dst
	}
	return append(dst, ": ping\n\n"...)
}

// Event processes one upstream SSE event.
func (c *AToOStream) Event(dst []byte, ev sse.Event) Step {
	if c.done {
		return Step{Out: dst, Done: true}
	}
	name := ev.Name
	switch name {
	case "ping":
		if c.started {
			dst = append(dst, ": ping\n\n"...)
		}
		return Step{Out: dst}
	case "", "message_start", "content_block_start", "content_block_delta", "content_block_stop",
		"message_delta", "message_stop", "error":
	default:
		return Step{Out: dst} // Anthropic may add event types
	}
	e := &c.ev
	if !e.parse(&c.scan, ev.Data) {
		if name == "error" {
			return c.upstreamError(dst, ev.Data)
		}
		return c.fail(dst, "server_error", msgBadJSON)
	}
	if name == "" { // no event: line; fall back to the JSON type
		name = aEventName(e.typ, e.isError)
	}
	switch name {
	case "message_start":
		return c.messageStart(dst)
	case "error":
		return c.upstreamError(dst, ev.Data)
	case "":
		return Step{Out: dst}
	}
	if !c.started {
		return c.fail(dst, "server_error", "upstream protocol error: "+name+" before message_start")
	}
	switch name {
	case "message_delta":
		return c.messageDelta(dst)
	case "message_stop":
		return c.messageStop(dst)
	}
	if c.finished || !e.hasIndex {
		return Step{Out: dst}
	}
	switch name {
	case "content_block_start":
		return c.blockStart(dst)
	case "content_block_delta":
		return c.blockDelta(dst)
	}
	return c.blockStop(dst)
}

// messageDelta takes the usage and, unless a finish was sent, sends the
// finish_reason chunk.
func (c *AToOStream) messageDelta(dst []byte) Step {
	c.mergeUsage(c.ev.usage)
	if c.finished {
		return Step{Out: dst}
	}
	finish := convert.StopReasonToFinish(string(jscan.RawInner(c.ev.dStop)))
	if finish == "tool_calls" && c.nextTool == 0 {
		finish = "stop" // e.g. only server tools ran: no call for the client to answer
	}
	return c.finish(dst, finish)
}

// messageStop finishes (if message_delta did not), sends the usage chunk
// when the client asked for it, and [DONE].
func (c *AToOStream) messageStop(dst []byte) Step {
	var st Step
	if !c.finished {
		finish := "stop"
		if c.nextTool > 0 {
			finish = "tool_calls"
		}
		st = c.finish(dst, finish)
		dst = st.Out
	}
	if c.opt.IncludeUsage {
		dst = append(dst, c.prefix...)
		dst = append(dst, "],\"usage\":"...)
		dst = openai.AppendUsage(dst, convert.UsageAToO(c.usage)) // json.Marshal's bytes

		dst = append(dst, "}\n\n"...)
	}
	dst = append(dst, "data: [DONE]\n\n"...)
	c.done = true
	return Step{Out: dst, Content: st.Content, Done: true}
}

// End handles the end of the upstream body.
func (c *AToOStream) End(dst []byte, readErr error) Step {
	if c.done {
		return Step{Out: dst, Done: true}
	}
	return c.fail(dst, "server_error", msgATruncated)
}

func (c *AToOStream) messageStart(dst []byte) Step {
	if c.started {
		return Step{Out: dst} // a repeated message_start is ignored
	}
	e := &c.ev
	c.started = true
	c.mergeUsage(e.msgUsage)
	p := append(c.prefix[:0], `data: {"id":`...)
	switch {
	case c.opt.MessageID != "":
		p = appendJSONQuoted(p, c.opt.MessageID)
	case jscan.RawNonEmpty(e.msgID):
		p = append(p, `"chatcmpl-`...)
		p = jscan.AppendRawJSONString(p, e.msgID[1:])
	default:
		p = append(p, `"chatcmpl-`...)
		p = c.ids.append(p, "msg_", 24)
		p = append(p, '"')
	}
	p = append(p, `,"object":"chat.completion.chunk","created":`...)
	p = strconv.AppendInt(p, c.opt.Created, 10)
	p = append(p, `,"model":`...)
	switch {
	case c.opt.ClientModel != "":
		p = appendJSONQuoted(p, c.opt.ClientModel)
	case e.msgModel != nil:
		p = jscan.AppendRawJSONString(p, e.msgModel)
	default:
		p = append(p, `""`...)
	}
	c.prefix = append(p, `,"choices":[`...)
	dst = c.chunk(dst, `"role":"assistant","content":""`, nil, "")
	return Step{Out: dst}
}

func (c *AToOStream) blockStart(dst []byte) Step {
	e := &c.ev
	b := aBlock{index: e.index}
	content := false
	switch string(jscan.RawInner(e.cbType)) {
	case "text":
		b.kind = aText
		if jscan.RawNonEmpty(e.cbText) {
			dst = c.chunk(dst, `"content":`, e.cbText, "")
			content = true
		}
	case "thinking":
		b.kind = aThinking
		if jscan.RawNonEmpty(e.cbThinking) {
			dst = c.chunk(dst, `"reasoning_content":`, e.cbThinking, "")
			content = true
		}
	case "tool_use":
		if c.opt.JSONTool != "" && jscan.UnquoteRaw(e.cbName) == c.opt.JSONTool {
			b.kind = aJSONTool
			if len(e.cbInput) > 2 && e.cbInput[0] == '{' && !emptyObject(e.cbInput) {
				b.input = append([]byte(nil), e.cbInput...)
			}
			break
		}
		b.kind = aTool
		b.tool = c.nextTool
		c.nextTool++
		if len(e.cbInput) > 2 && e.cbInput[0] == '{' && !emptyObject(e.cbInput) {
			b.input = append([]byte(nil), e.cbInput...)
		}
		dst = c.toolStart(dst, b.tool)
		content = true
	}
	c.blocks = append(c.blocks, b)
	return Step{Out: dst, Content: content}
}

// toolStart appends a call's first chunk: index, id, type, name, "".
func (c *AToOStream) toolStart(dst []byte, k int) []byte {
	e := &c.ev
	dst = append(dst, c.prefix...)
	dst = append(dst, `{"index":0,"delta":{"tool_calls":[{"index":`...)
	dst = appendInt(dst, k)
	dst = append(dst, `,"id":`...)
	if jscan.RawNonEmpty(e.cbID) {
		dst = jscan.AppendRawJSONString(dst, e.cbID)
	} else {
		dst = append(dst, '"')
		dst = c.ids.append(dst, "toolu_", 24)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"type":"function","function":{"name":`...)
	switch {
	case !jscan.RawNonEmpty(e.cbName):
		dst = append(dst, `"tool_`...)
		dst = appendInt(dst, k)
		dst = append(dst, '"')
	case c.opt.ToolNames != nil:
		dst = appendJSONQuoted(dst, c.opt.ToolNames.Client(jscan.UnquoteRaw(e.cbName)))
	default:
		dst = jscan.AppendRawJSONString(dst, e.cbName)
	}
	return append(dst, `,"arguments":""}}]},"logprobs":null,"finish_reason":null}]}`+"\n\n"...)
}

func (c *AToOStream) blockDelta(dst []byte) Step {
	e := &c.ev
	switch string(jscan.RawInner(e.dType)) {
	case "text_delta":
		if jscan.RawNonEmpty(e.dText) {
			return Step{Out: c.chunk(dst, `"content":`, e.dText, ""), Content: true}
		}
	case "thinking_delta":
		if jscan.RawNonEmpty(e.dThinking) {
			return Step{Out: c.chunk(dst, `"reasoning_content":`, e.dThinking, ""), Content: true}
		}
	case "input_json_delta":
		b := c.block(e.index)
		if b == nil || (b.kind != aTool && b.kind != aJSONTool) || b.stopped || !jscan.RawNonEmpty(e.dPartial) {
			return Step{Out: dst}
		}
		if b.kind == aJSONTool {
			b.argsSeen = true
			return Step{Out: c.chunk(dst, `"content":`, e.dPartial, ""), Content: true}
		}
		b.argsSeen = true
		return Step{Out: c.args(dst, b.tool, e.dPartial), Content: true}
	}
	// signature_delta, citations_delta, empty deltas, unknown types
	return Step{Out: dst}
}

func (c *AToOStream) blockStop(dst []byte) Step {
	b := c.block(c.ev.index)
	if b == nil || b.stopped {
		return Step{Out: dst}
	}
	b.stopped = true
	if b.kind == aTool && !b.argsSeen {
		return Step{Out: c.noArgs(dst, b), Content: true}
	}
	if b.kind == aJSONTool && !b.argsSeen {
		return Step{Out: c.jsonText(dst, b), Content: true}
	}
	return Step{Out: dst}
}

// jsonText gives a response_format tool that received no input deltas its
// start-time input (else "{}") as the message text.
func (c *AToOStream) jsonText(dst []byte, b *aBlock) []byte {
	in := b.input
	if in == nil {
		in = []byte("{}")
	}
	return c.chunk(dst, `"content":`, appendJSONQuoted(nil, string(in)), "")
}

// noArgs gives a tool call that received no input deltas valid JSON
// arguments: its start-time input if it had one, else "{}".
func (c *AToOStream) noArgs(dst []byte, b *aBlock) []byte {
	if b.input == nil {
		return c.args(dst, b.tool, []byte(`"{}"`))
	}
	dst = append(dst, c.prefix...)
	dst = append(dst, `{"index":0,"delta":{"tool_calls":[{"index":`...)
	dst = appendInt(dst, b.tool)
	dst = append(dst, `,"function":{"arguments":`...)
	dst = appendJSONQuoted(dst, string(b.input))
	return append(dst, `}}]},"logprobs":null,"finish_reason":null}]}`+"\n\n"...)
}

func (c *AToOStream) args(dst []byte, k int, raw []byte) []byte {
	dst = append(dst, c.prefix...)
	dst = append(dst, `{"index":0,"delta":{"tool_calls":[{"index":`...)
	dst = appendInt(dst, k)
	dst = append(dst, `,"function":{"arguments":`...)
	dst = jscan.AppendRawJSONString(dst, raw)
	return append(dst, `}}]},"logprobs":null,"finish_reason":null}]}`+"\n\n"...)
}

// finish closes tool calls still waiting for arguments and appends the one
// chunk with a finish_reason.
func (c *AToOStream) finish(dst []byte, reason string) Step {
	content := false
	for i := range c.blocks {
		if b := &c.blocks[i]; (b.kind == aTool || b.kind == aJSONTool) && !b.stopped {
			b.stopped = true
			switch {
			case b.argsSeen:
			case b.kind == aTool:
				dst = c.noArgs(dst, b)
				content = true
			default:
				dst = c.jsonText(dst, b)
				content = true
			}
		}
	}
	c.finished = true
	return Step{Out: c.chunk(dst, "", nil, reason), Content: content}
}

// chunk appends a chunk whose delta is field+raw (raw a string literal, or
// field complete when raw is nil); reason is the finish_reason ("" = null).
func (c *AToOStream) chunk(dst []byte, field string, raw []byte, reason string) []byte {
	dst = append(dst, c.prefix...)
	dst = append(dst, `{"index":0,"delta":{`...)
	dst = append(dst, field...)
	if raw != nil {
		dst = jscan.AppendRawJSONString(dst, raw)
	}
	dst = append(dst, `},"logprobs":null,"finish_reason":`...)
	if reason == "" {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '"')
		dst = append(dst, reason...)
		dst = append(dst, '"')
	}
	return append(dst, "}]}\n\n"...)
}

func (c *AToOStream) block(index int) *aBlock {
	for i := len(c.blocks) - 1; i >= 0; i-- {
		if c.blocks[i].index == index {
			return &c.blocks[i]
		}
	}
	return nil
}

// mergeUsage keeps the latest non-zero value of each counter (Anthropic's
// message_delta usage is cumulative).
func (c *AToOStream) mergeUsage(u anthropic.Usage) {
	if u.InputTokens != 0 {
		c.usage.InputTokens = u.InputTokens
	}
	if u.OutputTokens != 0 {
		c.usage.OutputTokens = u.OutputTokens
	}
	if u.CacheReadInputTokens != 0 {
		c.usage.CacheReadInputTokens = u.CacheReadInputTokens
	}
	if u.CacheCreationInputTokens != 0 {
		c.usage.CacheCreationInputTokens = u.CacheCreationInputTokens
	}
}

func (c *AToOStream) upstreamError(dst, data []byte) Step {
	msg, typ := convert.ParseUpstreamError(data)
	if typ == "" {
		typ = "api_error"
	}
	if msg == "" {
		msg = msgUpstreamError
	}
	return c.fail(dst, typ, msg)
}

// fail ends the client stream with an OpenAI error object and no [DONE].
func (c *AToOStream) fail(dst []byte, typ, msg string) Step {
	dst = append(dst, `data: {"error":{"message":`...)
	dst = appendJSONQuoted(dst, msg)
	dst = append(dst, `,"type":`...)
	dst = appendJSONQuoted(dst, typ)
	dst = append(dst, `,"code":null,"param":null}}`+"\n\n"...)
	c.done = true
	return Step{Out: dst, Done: true, Err: &StreamError{Type: typ, Message: msg}}
}

// aEvent holds the fields of one Anthropic stream event the converter
// uses; byte fields are raw JSON string literals aliasing the event data
// (nil when absent, null or not a string).
type aEvent struct {
	typ                                      []byte
	index                                    int
	hasIndex                                 bool
	isError                                  bool
	msgID, msgModel                          []byte
	msgUsage, usage                          anthropic.Usage
	cbType, cbText, cbThinking, cbID, cbName []byte
	cbInput                                  []byte // raw value of any type
	dType, dText, dThinking, dPartial, dStop []byte
}

func (e *aEvent) parse(s *jscan.Scanner, data []byte) bool {
	*e = aEvent{}
	s.Reset(data)
	if s.Peek() != '{' {
		s.Fail()
		return false
	}
	s.Object()
	for first := true; s.More(&first, '}'); {
		switch string(s.Key()) {
		case "type":
			e.typ = s.StrOpt()
		case "index":
			if c := s.Peek(); c == '-' || '0' <= c && c <= '9' {
				e.index, e.hasIndex = s.Num()
			} else {
				s.Skip()
			}
		case "message":
			e.parseMessage(s)
		case "content_block":
			e.parseContentBlock(s)
		case "delta":
			e.parseDelta(s)
		case "usage":
			parseAUsage(s, &e.usage)
		case "error":
			if s.Peek() == 'n' {
				s.Lit("null")
			} else {
				s.Skip()
				e.isError = true
			}
		default:
			s.Skip()
		}
	}
	return s.Done()
}

// parseMessage reads message_start's message.
func (e *aEvent) parseMessage(s *jscan.Scanner) {
	if !s.Object() {
		return
	}
	for first := true; s.More(&first, '}'); {
		switch string(s.Key()) {
		case "id":
			e.msgID = s.StrOpt()
		case "model":
			e.msgModel = s.StrOpt()
		case "usage":
			parseAUsage(s, &e.msgUsage)
		default:
			s.Skip()
		}
	}
}

// parseContentBlock reads content_block_start's content_block.
func (e *aEvent) parseContentBlock(s *jscan.Scanner) {
	if !s.Object() {
		return
	}
	for first := true; s.More(&first, '}'); {
		switch string(s.Key()) {
		case "type":
			e.cbType = s.StrOpt()
		case "text":
			e.cbText = s.StrOpt()
		case "thinking":
			e.cbThinking = s.StrOpt()
		case "id":
			e.cbID = s.StrOpt()
		case "name":
			e.cbName = s.StrOpt()
		case "input":
			e.cbInput = s.Value()
		default:
			s.Skip()
		}
	}
}

// parseDelta reads the delta of content_block_delta or message_delta.
func (e *aEvent) parseDelta(s *jscan.Scanner) {
	if !s.Object() {
		return
	}
	for first := true; s.More(&first, '}'); {
		switch string(s.Key()) {
		case "type":
			e.dType = s.StrOpt()
		case "text":
			e.dText = s.StrOpt()
		case "thinking":
			e.dThinking = s.StrOpt()
		case "partial_json":
			e.dPartial = s.StrOpt()
		case "stop_reason":
			e.dStop = s.StrOpt()
		default:
			s.Skip()
		}
	}
}

func parseAUsage(s *jscan.Scanner, u *anthropic.Usage) {
	if !s.Object() {
		return
	}
	for first := true; s.More(&first, '}'); {
		switch string(s.Key()) {
		case "input_tokens":
			u.InputTokens = s.IntOpt()
		case "output_tokens":
			u.OutputTokens = s.IntOpt()
		case "cache_read_input_tokens":
			u.CacheReadInputTokens = s.IntOpt()
		case "cache_creation_input_tokens":
			u.CacheCreationInputTokens = s.IntOpt()
		default:
			s.Skip()
		}
	}
}

var aEventNames = [...]string{"message_start", "content_block_start", "content_block_delta",
	"content_block_stop", "message_delta", "message_stop", "error"}

// aEventName names an event that came without an `event:` line by its
// JSON type.
func aEventName(typ []byte, isError bool) string {
	for _, n := range aEventNames {
		if string(jscan.RawInner(typ)) == n {
			return n
		}
	}
	if isError && typ == nil {
		return "error"
	}
	return ""
}

// emptyObject reports whether raw is `{}` with optional whitespace.
func emptyObject(raw []byte) bool {
	n := 0
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\n', '\r':
		default:
			n++
		}
	}
	return n == 2
}
