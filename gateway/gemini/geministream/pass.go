package geministream

import (
	"bytes"
	"switchyard/gateway/gemini"

	"switchyard/gateway/jscan"
	"switchyard/gateway/protocol"
	"switchyard/gateway/sse"
)

// PassStream relays a Gemini backend's stream (streamGenerateContent with
// ?alt=sse) to a Gemini client untouched: each chunk's bytes go out as
// they came, framed as SSE or, for a client that asked without alt=sse,
// as the elements of one JSON array. It reads each chunk only as far as
// the first-byte rule and the stream's end need: content is a text or
// functionCall part; Gemini sends no terminator, so a stream is complete
// when the body ends cleanly after a finishReason (or a blocked prompt).
// The chunk that finishes the stream is therefore held until the body
// ends: it goes out at a clean end, and a cut after it gets the error
// chunk instead, so that a client never reads a finished answer followed
// by an error (geminitest.CheckStream). Anything the upstream sends after
// it goes out after it, in order.
// An error object, malformed JSON or a cut gets one error chunk in
// Google's shape.
type PassStream struct {
	format   gemini.StreamFormat
	scan     jscan.Scanner
	ch       gChunk
	wrote    bool
	finished bool
	done     bool
	// last is the chunk that finished the stream, held (holding) until
	// the body ends or another chunk comes; lastContent is its content.
	last                 []byte
	holding, lastContent bool
}

// NewPassStream returns the passthrough relay for a client stream format.
func NewPassStream(format gemini.StreamFormat) *PassStream { return &PassStream{format: format} }

var _ protocol.StreamConverter = (*PassStream)(nil)

// KeepAlive appends an SSE comment for the SSE form; the array form gets
// none (nothing valid can go between its elements before the first).
func (p *PassStream) KeepAlive(dst []byte) []byte {
	if p.done || p.format != gemini.StreamFormatSSE {
		return dst
	}
	return append(dst, ": keepalive\n\n"...)
}

// Event relays one upstream chunk.
func (p *PassStream) Event(dst []byte, ev sse.Event) protocol.Step {
	if p.done {
		return protocol.Step{Out: dst, Done: true}
	}
	data := bytes.TrimSpace(ev.Data)
	ch := &p.ch
	if !ch.parse(&p.scan, data) || ch.isError {
		if e, ok := gemini.ParseError(data); ok {
			return p.fail(dst, statusOf(e), "upstream reported: "+e.Message)
		}
		return p.fail(dst, 502, "upstream protocol error: malformed JSON in stream event")
	}
	content := false
	for i := range ch.parts {
		if ch.parts[i].call || jscan.RawNonEmpty(ch.parts[i].text) {
			content = true
		}
	}
	released := false
	if p.holding { // a chunk after the finishing one: both go out, in order
		dst, released = p.chunk(dst, p.last), p.lastContent
		p.holding = false
	}
	if ch.finish != nil || ch.blocked && !ch.hasCand {
		p.finished = true
		p.last, p.holding, p.lastContent = append(p.last[:0], data...), true, content
		return protocol.Step{Out: dst, Content: released}
	}
	return protocol.Step{Out: p.chunk(dst, data), Content: content || released}
}

// End completes the stream after a finishReason, else fails it.
func (p *PassStream) End(dst []byte, readErr error) protocol.Step {
	if p.done {
		return protocol.Step{Out: dst, Done: true}
	}
	if readErr != nil || !p.finished {
		return p.fail(dst, 500, "upstream stream ended prematurely")
	}
	p.done = true
	if p.holding {
		dst, p.holding = p.chunk(dst, p.last), false
	}
	if p.format == gemini.StreamFormatJSONArray {
		if !p.wrote {
			dst = append(dst, '[')
		}
		dst = append(dst, ']')
	}
	return protocol.Step{Out: dst, Done: true, Content: true}
}

// chunk appends one chunk, framed.
func (p *PassStream) chunk(dst, data []byte) []byte {
	dst = p.open(dst)
	dst = append(dst, data...)
	return p.close(dst)
}

func (p *PassStream) open(dst []byte) []byte {
	first := !p.wrote
	p.wrote = true
	if p.format == gemini.StreamFormatSSE {
		return append(dst, "data: "...)
	}
	if first {
		return append(dst, '[')
	}
	return append(dst, ",\r\n"...)
}

func (p *PassStream) close(dst []byte) []byte {
	if p.format == gemini.StreamFormatSSE {
		return append(dst, "\n\n"...)
	}
	return dst
}

func (p *PassStream) fail(dst []byte, status int, msg string) protocol.Step {
	dst = p.open(dst)
	dst = append(dst, gemini.ErrorJSON(status, msg)...)
	if p.format == gemini.StreamFormatJSONArray {
		dst = append(dst, ']')
	}
	dst = p.close(dst)
	p.done = true
	return protocol.Step{Out: dst, Done: true, Err: &protocol.StreamError{Type: gemini.StatusName(status), Message: msg}}
}

// statusOf is an upstream error's HTTP status: its code, else its status
// name's, else 500.
func statusOf(e gemini.ErrorDetail) int {
	if e.Code >= 400 && e.Code <= 599 {
		return e.Code
	}
	if s := gemini.StatusForHubType(gemini.HubErrorType(e.Status)); s != 500 || e.Status == "INTERNAL" {
		return s
	}
	return 500
}
