package geministream

import (
	"strconv"

	"switchyard/gateway/gemini"
	"switchyard/gateway/gemini/geminiconv"
	"switchyard/gateway/jscan"
	"switchyard/gateway/protocol"
	"switchyard/gateway/sse"
)

// ToHubStream converts a Gemini backend's stream (streamGenerateContent
// with ?alt=sse: every SSE data is a whole GenerateContentResponse chunk)
// into hub chunks: a role chunk, then per part reasoning_content (thought
// parts), content (text) or a whole tool call (functionCall: id kept or
// synthesized, dense 0-based index, arguments in one piece), and, when the
// body ends after a finishReason, the finish chunk, a usage chunk
// (IncludeUsage) and [DONE]. Gemini sends no terminator, so the finish is
// written at End. An error object, malformed JSON, or an end without any
// finishReason gives the hub error chunk and no [DONE].
type ToHubStream struct {
	opt  protocol.StreamOptions
	scan jscan.Scanner
	ch   gChunk

	started, done bool
	prefix        []byte
	tools         int
	finish        []byte // last finishReason seen (raw literal)
	blocked       bool   // promptFeedback.blockReason without candidates
	usage         gemini.UsageMetadata
	hasUsage      bool
	idSeed        []byte
}

// NewToHubStream returns a converter for one Gemini SSE stream.
func NewToHubStream(opt protocol.StreamOptions) *ToHubStream { return &ToHubStream{opt: opt} }

var _ protocol.StreamConverter = (*ToHubStream)(nil)

// KeepAlive appends an SSE comment (nothing once done).
func (c *ToHubStream) KeepAlive(dst []byte) []byte {
	if c.done {
		return dst
	}
	return append(dst, ": ping\n\n"...)
}

// Event processes one upstream SSE event.
func (c *ToHubStream) Event(dst []byte, ev sse.Event) protocol.Step {
	if c.done {
		return protocol.Step{Out: dst, Done: true}
	}
	ch := &c.ch
	if !ch.parse(&c.scan, ev.Data) {
		if e, ok := gemini.ParseError(ev.Data); ok {
			return c.fail(dst, gemini.HubErrorType(e.Status), e.Message)
		}
		return c.fail(dst, "server_error", "upstream protocol error: malformed JSON in stream event")
	}
	if ch.isError {
		e, _ := gemini.ParseError(ev.Data)
		if e.Message == "" {
			e.Message = "upstream error"
		}
		return c.fail(dst, gemini.HubErrorType(e.Status), e.Message)
	}
	if ch.hasUsage {
		c.usage, c.hasUsage = ch.usage, true
	}
	if !c.started {
		dst = c.start(dst)
	}
	if ch.blocked && !ch.hasCand {
		c.blocked = true
	}
	content := false
	for i := range ch.parts {
		p := &ch.parts[i]
		switch {
		case p.call:
			dst = c.toolCall(dst, p)
			content = true
		case jscan.RawNonEmpty(p.text) && p.thought:
			dst = c.delta(dst, `"reasoning_content":`, p.text)
			content = true
		case jscan.RawNonEmpty(p.text):
			dst = c.delta(dst, `"content":`, p.text)
			content = true
		}
	}
	if ch.finish != nil {
		c.finish = append(c.finish[:0], ch.finish...)
	}
	return protocol.Step{Out: dst, Content: content}
}

// End writes the finish, usage and [DONE] after a finishReason (or a
// blocked prompt), else the error chunk.
func (c *ToHubStream) End(dst []byte, readErr error) protocol.Step {
	if c.done {
		return protocol.Step{Out: dst, Done: true}
	}
	if readErr != nil || (c.finish == nil && !c.blocked) {
		return c.fail(dst, "server_error", "upstream stream ended prematurely")
	}
	finish := "content_filter"
	if c.finish != nil {
		finish = geminiconv.FinishToHub(jscan.UnquoteRaw(c.finish), c.tools > 0)
	}
	dst = append(dst, c.prefix...)
	dst = append(dst, `{"index":0,"delta":{},"logprobs":null,"finish_reason":"`...)
	dst = append(dst, finish...)
	dst = append(dst, "\"}]}\n\n"...)
	if c.opt.IncludeUsage {
		dst = c.usageChunk(dst)
	}
	dst = append(dst, "data: [DONE]\n\n"...)
	c.done = true
	return protocol.Step{Out: dst, Done: true}
}

func (c *ToHubStream) start(dst []byte) []byte {
	c.started = true
	ch := &c.ch
	p := append(c.prefix[:0], `data: {"id":`...)
	switch {
	case c.opt.MessageID != "":
		p = appendJSONQuoted(p, c.opt.MessageID)
	case jscan.RawNonEmpty(ch.responseID):
		p = append(p, `"chatcmpl-`...)
		p = jscan.AppendRawJSONString(p, ch.responseID[1:])
	default:
		p = appendJSONQuoted(p, "chatcmpl-"+gemini.DerivedID(strconv.FormatInt(c.opt.Created, 10)+randomSeed(), 0)[5:])
	}
	c.idSeed = append(c.idSeed[:0], p[len(`data: {"id":`):]...)
	p = append(p, `,"object":"chat.completion.chunk","created":`...)
	p = strconv.AppendInt(p, c.opt.Created, 10)
	p = append(p, `,"model":`...)
	switch {
	case c.opt.ClientModel != "":
		p = appendJSONQuoted(p, c.opt.ClientModel)
	case ch.model != nil:
		p = jscan.AppendRawJSONString(p, ch.model)
	default:
		p = append(p, `""`...)
	}
	c.prefix = append(p, `,"choices":[`...)
	dst = append(dst, c.prefix...)
	return append(dst, `{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`+"\n\n"...)
}

func (c *ToHubStream) delta(dst []byte, field string, raw []byte) []byte {
	dst = append(dst, c.prefix...)
	dst = append(dst, `{"index":0,"delta":{`...)
	dst = append(dst, field...)
	dst = jscan.AppendRawJSONString(dst, raw)
	return append(dst, `},"logprobs":null,"finish_reason":null}]}`+"\n\n"...)
}

func (c *ToHubStream) toolCall(dst []byte, p *gPart) []byte {
	k := c.tools
	c.tools++
	dst = append(dst, c.prefix...)
	dst = append(dst, `{"index":0,"delta":{"tool_calls":[{"index":`...)
	dst = appendInt(dst, k)
	dst = append(dst, `,"id":`...)
	if jscan.RawNonEmpty(p.id) {
		dst = jscan.AppendRawJSONString(dst, p.id)
	} else {
		dst = appendJSONQuoted(dst, gemini.DerivedID(string(c.idSeed), k))
	}
	dst = append(dst, `,"type":"function","function":{"name":`...)
	switch {
	case !jscan.RawNonEmpty(p.name):
		dst = append(dst, `"tool_`...)
		dst = appendInt(dst, k)
		dst = append(dst, '"')
	case c.opt.ToolNames != nil:
		dst = appendJSONQuoted(dst, c.opt.ToolNames.Client(jscan.UnquoteRaw(p.name)))
	default:
		dst = jscan.AppendRawJSONString(dst, p.name)
	}
	dst = append(dst, `,"arguments":`...)
	if len(p.args) > 0 && p.args[0] == '{' {
		dst = appendJSONQuoted(dst, string(compactRaw(p.args)))
	} else {
		dst = append(dst, `"{}"`...)
	}
	return append(dst, `}}]},"logprobs":null,"finish_reason":null}]}`+"\n\n"...)
}

func (c *ToHubStream) usageChunk(dst []byte) []byte {
	u := geminiconv.UsageToHub(&c.usage)
	dst = append(dst, c.prefix...)
	dst = append(dst, `],"usage":{"prompt_tokens":`...)
	dst = appendInt(dst, u.PromptTokens)
	dst = append(dst, `,"completion_tokens":`...)
	dst = appendInt(dst, u.CompletionTokens)
	dst = append(dst, `,"total_tokens":`...)
	dst = appendInt(dst, u.TotalTokens)
	dst = append(dst, `,"prompt_tokens_details":{"cached_tokens":`...)
	dst = appendInt(dst, c.usage.CachedContentTokenCount)
	dst = append(dst, `},"completion_tokens_details":{"reasoning_tokens":`...)
	dst = appendInt(dst, c.usage.ThoughtsTokenCount)
	return append(dst, "}}}\n\n"...)
}

// fail ends the hub stream with an error chunk and no [DONE].
func (c *ToHubStream) fail(dst []byte, typ, msg string) protocol.Step {
	dst = append(dst, `data: {"error":{"message":`...)
	dst = appendJSONQuoted(dst, msg)
	dst = append(dst, `,"type":`...)
	dst = appendJSONQuoted(dst, typ)
	dst = append(dst, `,"code":null,"param":null}}`+"\n\n"...)
	c.done = true
	return protocol.Step{Out: dst, Done: true, Err: &protocol.StreamError{Type: typ, Message: msg}}
}

// compactRaw removes insignificant whitespace from valid JSON.
func compactRaw(raw []byte) []byte {
	ws := false
	for _, b := range raw {
		if b == ' ' || b == '\n' || b == '\t' || b == '\r' {
			ws = true
			break
		}
	}
	if !ws {
		return raw
	}
	out := make([]byte, 0, len(raw))
	in := false
	for i := 0; i < len(raw); i++ {
		b := raw[i]
		switch {
		case in && b == '\\' && i+1 < len(raw):
			out = append(out, b, raw[i+1])
			i++
			continue
		case b == '"':
			in = !in
		case !in && (b == ' ' || b == '\n' || b == '\t' || b == '\r'):
			continue
		}
		out = append(out, b)
	}
	return out
}
