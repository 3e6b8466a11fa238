// Package sse reads and writes Server-Sent Events (the WHATWG event-stream
// format) as used by both the OpenAI and the Anthropic streaming APIs. It is
// stdlib-only and allocation-conscious: the Reader reuses its buffers.
package sse

import (
	"bytes"
	"errors"
	"io"
	"sync"
)

// Event is one dispatched SSE event. Name is the `event:` field ("" when
// absent); Data is the `data:` lines joined with '\n'. Data aliases the
// Reader's internal buffer and is valid only until the next call to Next.
type Event struct {
	Name string
	Data []byte
}

// MaxEventSize bounds one event's data (and one line); a larger one is an
// error rather than unbounded memory growth.
const MaxEventSize = 16 << 20

// ErrEventTooLarge is returned when one event exceeds MaxEventSize.
var ErrEventTooLarge = errors.New("sse: event too large")

// Reader parses an event stream. Lines may end in LF, CR or CRLF; comment
// lines (starting with ':') are skipped; a leading UTF-8 BOM is ignored.
type Reader struct {
	src     io.Reader
	buf     []byte // unconsumed input is buf[r:w]
	r, w    int
	err     error
	started bool
	skipLF  bool // the last line ended in CR at the end of the buffer
	data    []byte
	name    []byte
	// Comments counts comment lines seen (keep-alives such as ": ping").
	Comments int
}

// NewReader returns a Reader reading from src. Its buffers come from the
// last Released Reader when there is one: a relayed stream otherwise
// allocated 8 kB for nothing else.
func NewReader(src io.Reader) *Reader {
	if r, _ := readers.Get().(*Reader); r != nil {
		*r = Reader{src: src, buf: r.buf, data: r.data[:0], name: r.name[:0]}
		return r
	}
	return &Reader{src: src, buf: make([]byte, 8<<10)}
}

// readers holds Released Readers for NewReader.
var readers sync.Pool

// Release gives r's buffers to a later NewReader. Neither r nor any Event
// it returned may be used afterwards. A Reader grown past 64 kB (a large
// event) is left to the garbage collector instead.
func (r *Reader) Release() {
	if len(r.buf) > 64<<10 || cap(r.data) > 64<<10 || cap(r.name) > 256 {
		return
	}
	r.src = nil
	readers.Put(r)
}

// eventName is the current event's name as a string: the wire formats'
// names without allocating one per event.
func (r *Reader) eventName() string {
	if s, ok := knownNames[string(r.name)]; ok { // a map index by string(bytes) does not allocate
		return s
	}
	return string(r.name)
}

// knownNames are the event names of the Anthropic Messages and OpenAI
// Responses streams.
var knownNames = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{
		"message_start", "message_delta", "message_stop", "content_block_start", "content_block_delta",
		"content_block_stop", "ping", "error",
		"response.created", "response.in_progress", "response.completed", "response.failed", "response.incomplete",
		"response.output_item.added", "response.output_item.done", "response.content_part.added",
		"response.content_part.done", "response.output_text.delta", "response.output_text.done",
		"response.function_call_arguments.delta", "response.function_call_arguments.done",
		"response.reasoning_summary_part.added", "response.reasoning_summary_part.done",
		"response.reasoning_summary_text.delta", "response.reasoning_summary_text.done",
		"response.reasoning_text.delta", "response.reasoning_text.done", "response.refusal.delta", "response.refusal.done",
	} {
		m[n] = n
	}
	return m
}()

// Next returns the next event. At a clean end of input it returns io.EOF.
// Input that ends in the middle of an event (fields seen but no blank line)
// yields io.ErrUnexpectedEOF, so a cut stream is never mistaken for a
// finished one; the partial event is discarded, as the spec says. Other read
// errors are returned as they are.
func (r *Reader) Next() (Event, error) {
	r.data = r.data[:0]
	r.name = r.name[:0]
	hasData, pending := false, false
	for {
		line, err := r.readLine()
		if err != nil {
			if err == io.EOF && pending {
				return Event{}, io.ErrUnexpectedEOF
			}
			return Event{}, err
		}
		if len(line) == 0 {
			if hasData {
				return Event{Name: r.eventName(), Data: r.data}, nil
			}
			r.name = r.name[:0]
			pending = false
			continue
		}
		if line[0] == ':' {
			r.Comments++
			continue
		}
		pending = true
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		switch string(field) {
		case "data":
			if hasData {
				r.data = append(r.data, '\n')
			}
			if len(r.data)+len(value) > MaxEventSize {
				return Event{}, ErrEventTooLarge
			}
			r.data = append(r.data, value...)
			hasData = true
		case "event":
			r.name = append(r.name[:0], value...)
		}
	}
}

// readLine returns the next line without its terminator. The result aliases
// the internal buffer and is valid until the next call.
func (r *Reader) readLine() ([]byte, error) {
	for {
		if !r.started {
			if r.w-r.r < 3 && r.err == nil {
				if err := r.fill(); err != nil {
					return nil, err
				}
				continue
			}
			r.started = true
			if bytes.HasPrefix(r.buf[r.r:r.w], []byte("\xef\xbb\xbf")) {
				r.r += 3
			}
		}
		if r.skipLF && r.r < r.w {
			if r.buf[r.r] == '\n' {
				r.r++
			}
			r.skipLF = false
		}
		b := r.buf[r.r:r.w]
		i := bytes.IndexByte(b, '\n')
		seg := b
		if i >= 0 {
			seg = b[:i]
		}
		if j := bytes.IndexByte(seg, '\r'); j >= 0 {
			i = j
		}
		if i >= 0 {
			line := b[:i]
			r.r += i + 1
			if b[i] == '\r' {
				if r.r < r.w {
					if r.buf[r.r] == '\n' {
						r.r++
					}
				} else {
					r.skipLF = true
				}
			}
			return line, nil
		}
		if r.err != nil {
			if r.r < r.w {
				r.r = r.w
				return nil, io.ErrUnexpectedEOF
			}
			return nil, r.err
		}
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
}

// fill reads more input after the unconsumed bytes, compacting or growing
// the buffer as needed. Read errors are kept in r.err for readLine.
func (r *Reader) fill() error {
	if r.r > 0 {
		n := copy(r.buf, r.buf[r.r:r.w])
		r.r, r.w = 0, n
	}
	if r.w == len(r.buf) {
		if len(r.buf) >= MaxEventSize {
			return ErrEventTooLarge
		}
		nb := make([]byte, 2*len(r.buf))
		copy(nb, r.buf[:r.w])
		r.buf = nb
	}
	n, err := r.src.Read(r.buf[r.w:])
	r.w += n
	if err != nil {
		r.err = err
	}
	return nil
}

// AppendEvent appends one event in wire form: an optional `event:` line, one
// `data:` line per line of data, and the blank line that dispatches it.
func AppendEvent(dst []byte, name string, data []byte) []byte {
	if name != "" {
		dst = append(dst, "event: "...)
		dst = append(dst, name...)
		dst = append(dst, '\n')
	}
	for {
		i := bytes.IndexByte(data, '\n')
		dst = append(dst, "data: "...)
		if i < 0 {
			dst = append(dst, data...)
			break
		}
		dst = append(dst, data[:i]...)
		dst = append(dst, '\n')
		data = data[i+1:]
	}
	return append(dst, '\n', '\n')
}
