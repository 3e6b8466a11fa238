// Package sse reads and writes Server-Sent Events (the WHATWG event-stream
// format) as used by both the OpenAI and the Anthropic streaming APIs. It is
// stdlib-only and allocation-conscious: the Reader reuses its buffers.
package sse

import (
	"bytes"
	"errors"
	"io"
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

// NewReader returns a Reader reading from src.
func NewReader(src io.Reader) *Reader {
	return &Reader{src: src, buf: make([]byte, 8<<10)}
}

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
				return Event{Name: string(r.name), Data: r.data}, nil
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
