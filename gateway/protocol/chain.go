package protocol

import (
	"io"
	"sync"

	"switchyard/gateway/sse"
)

// Chain joins two stream converters through the hub: up turns the
// upstream's stream into OpenAI Chat chunks, down turns those into the
// client's protocol. The intermediate bytes are parsed in memory, one
// event at a time, so nothing is buffered beyond the event at hand.
//
// up must emit the hub with usage (IncludeUsage) so that down can report
// it; up's error chunk (`data: {"error":…}`) reaches down as an ordinary
// event, and down renders it in the client's shape.
func Chain(up, down StreamConverter) StreamConverter {
	if c, _ := chains.Get().(*chain); c != nil {
		c.up, c.down = up, down
		return c
	}
	// mid holds one upstream event's hub chunks: room for the usual ones
	// from the start rather than growing it anew for every stream.
	return &chain{up: up, down: down, mid: make([]byte, 0, 512)}
}

// chains recycles released chains with their hub buffer.
var chains sync.Pool

// Release releases both converters and recycles the chain.
func (c *chain) Release() {
	Release(c.up)
	Release(c.down)
	if cap(c.mid) > 64<<10 {
		return
	}
	*c = chain{mid: c.mid[:0]}
	chains.Put(c)
}

type chain struct {
	up, down StreamConverter
	mid      []byte
	done     bool
}

func (c *chain) Event(dst []byte, ev sse.Event) Step {
	if c.done {
		return Step{Out: dst, Done: true}
	}
	st := c.up.Event(c.mid[:0], ev)
	c.mid = st.Out
	return c.feed(dst, st)
}

func (c *chain) End(dst []byte, readErr error) Step {
	if c.done {
		return Step{Out: dst, Done: true}
	}
	st := c.up.End(c.mid[:0], readErr)
	c.mid = st.Out
	out := c.feed(dst, st)
	if !out.Done {
		// The hub stream ended: the client's converter decides whether
		// that was a clean finish or a cut.
		end := c.down.End(out.Out, nil)
		end.Content = end.Content || out.Content
		if end.Err == nil {
			end.Err = out.Err
		}
		c.done = true
		return end
	}
	return out
}

// KeepAlive uses the client side's keep-alive when it has one.
func (c *chain) KeepAlive(dst []byte) []byte {
	if c.done {
		return dst
	}
	if k, ok := c.down.(KeepAliver); ok {
		return k.KeepAlive(dst)
	}
	return dst
}

// feed parses the hub bytes one event at a time into down.
func (c *chain) feed(dst []byte, up Step) Step {
	out := Step{Out: dst}
	rest := up.Out
	for len(rest) > 0 {
		ev, n := nextEvent(rest)
		if n == 0 {
			break
		}
		rest = rest[n:]
		if ev.Data == nil {
			continue
		}
		st := c.down.Event(out.Out, ev)
		out.Out = st.Out
		out.Content = out.Content || st.Content
		if st.Err != nil && out.Err == nil {
			out.Err = st.Err
		}
		if st.Done {
			out.Done = true
			c.done = true
			break
		}
	}
	if up.Err != nil && out.Err == nil {
		out.Err = up.Err
	}
	if up.Done && !out.Done {
		// The hub said it is finished but down saw no terminator in it:
		// let down close (or fail) its stream now.
		st := c.down.End(out.Out, errIfErr(up.Err))
		out.Out = st.Out
		out.Content = out.Content || st.Content
		if out.Err == nil {
			out.Err = st.Err
		}
		out.Done = true
		c.done = true
	}
	return out
}

func errIfErr(e *StreamError) error {
	if e == nil {
		return nil
	}
	return io.ErrUnexpectedEOF
}

// nextEvent parses one complete SSE event from b, which holds whole events
// as the converters write them ("event: x\ndata: y\n\n" or comments). It
// returns the event and the bytes consumed; an event without data has nil
// Data. Converters write single-line data fields.
func nextEvent(b []byte) (sse.Event, int) {
	var ev sse.Event
	i := 0
	for i < len(b) {
		j := i
		for j < len(b) && b[j] != '\n' {
			j++
		}
		line := b[i:j]
		if j < len(b) {
			j++
		}
		i = j
		if len(line) == 0 {
			return ev, i
		}
		switch {
		case line[0] == ':':
		case hasPrefix(line, "data:"):
			v := line[5:]
			if len(v) > 0 && v[0] == ' ' {
				v = v[1:]
			}
			if ev.Data != nil {
				// Multi-line data: join into a fresh slice (never into b).
				ev.Data = append(append(append(make([]byte, 0, len(ev.Data)+1+len(v)), ev.Data...), '\n'), v...)
			} else {
				ev.Data = v
			}
		case hasPrefix(line, "event:"):
			v := line[6:]
			if len(v) > 0 && v[0] == ' ' {
				v = v[1:]
			}
			ev.Name = string(v)
		}
	}
	return ev, i
}

func hasPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}
