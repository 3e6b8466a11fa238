package streamout

import (
	"io"
	"net/http"
	"sync"
	"time"

	"switchyard/gateway/clock"
)

// New returns a Writer for w whose keep-alive (valid anywhere in the
// client's stream) is keepAlive. Nothing is written before Start.
func New(clk clock.Clock, w http.ResponseWriter, keepAlive []byte) *Writer {
	c := &Writer{w: w, keepAlive: keepAlive, mono: newMono(clk)}
	c.flusher, _ = w.(http.Flusher)
	return c
}

// Body wraps the upstream body so that each read, where the relay may
// block, first flushes what is pending for the client.
func (c *Writer) Body(r io.Reader) io.Reader { return flushingBody{r, c} }

// Writer writes a committed SSE response: writes are flushed before
// the relay next waits on the upstream, and a timer writes keep-alives
// during upstream silences. A mutex keeps the timer's writes from
// interleaving with the relay's.
type Writer struct {
	mu        sync.Mutex
	w         http.ResponseWriter
	flusher   http.Flusher
	keepAlive []byte
	mono      mono
	timer     clock.Timer
	every     time.Duration
	closed    bool
	failed    bool
	pending   bool          // written but not yet flushed
	last      time.Duration // mono.now() of the last write (keep-alives wait for silence)
}

// Start sends the status line and headers (already set on w) and starts
// the keep-alives: one after every silence of every.
func (c *Writer) Start(every time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.every = every
	c.w.WriteHeader(http.StatusOK)
	c.last = c.mono.now()
	c.timer = c.mono.clk.AfterFunc(every, c.ping)
}

func (c *Writer) ping() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.failed {
		return
	}
	if rest := c.every - (c.mono.now() - c.last); rest > 0 {
		c.timer.Reset(rest) // written since: wait out the rest of the silence
		return
	}
	c.writeLocked(c.keepAlive)
	c.last = c.mono.now()
	c.timer.Reset(c.every)
}

// Write hands b to the response without flushing it: the relay flushes
// just before it waits on the upstream (flushingBody), so events that
// arrived together leave in one write(2), and none waits for the next.
func (c *Writer) Write(b []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(b) == 0 {
		return !c.failed
	}
	if c.failed {
		return false
	}
	if _, err := c.w.Write(b); err != nil {
		c.failed = true
		return false
	}
	c.pending = true
	c.last = c.mono.now() // not a timer reset: ping checks it (quietTimer's trick)
	return true
}

// Flush sends what Write left pending.
func (c *Writer) Flush() {
	c.mu.Lock()
	if c.pending && !c.failed && c.flusher != nil {
		c.flusher.Flush()
	}
	c.pending = false
	c.mu.Unlock()
}

// flushingBody is the upstream body as the relay reads it: each read,
// where the relay may block, first flushes the client's pending bytes.
type flushingBody struct {
	r   io.Reader
	out *Writer
}

func (f flushingBody) Read(p []byte) (int, error) {
	f.out.Flush()
	return f.r.Read(p)
}

func (c *Writer) writeLocked(b []byte) bool {
	if c.failed {
		return false
	}
	if _, err := c.w.Write(b); err != nil {
		c.failed = true
		return false
	}
	if c.flusher != nil {
		c.flusher.Flush()
	}
	c.pending = false
	return true
}

// Close stops keep-alives; after it returns the timer writes nothing.
func (c *Writer) Close() {
	c.mu.Lock()
	c.closed = true
	if c.timer != nil {
		c.timer.Stop()
	}
	c.mu.Unlock()
}
