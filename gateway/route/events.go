package route

import (
	"slices"
	"sync"
	"time"
)

// Failover is one fall from a backend or endpoint to another.
type Failover struct {
	Time   time.Time `json:"time"`
	Model  string    `json:"model"`
	From   string    `json:"from"`   // backend id
	To     string    `json:"to"`     // backend id, or "" when nothing was left (503)
	Reason string    `json:"reason"` // "http 500", "connection refused", "timeout", …
	// FromEndpoint and ToEndpoint name the hosts when the fall was inside
	// one backend or the hosts matter ("anyrouter.top key …D5xY").
	FromEndpoint string `json:"from_endpoint,omitempty"`
	ToEndpoint   string `json:"to_endpoint,omitempty"`
}

// Events is the bounded log of recent failovers plus a change signal that
// the tray and the dashboard subscribe to (in the manner of Syncthing's
// lib/events): subscribers get a coalesced "something changed" on a
// buffered channel and read the new state themselves.
type Events struct {
	mu   sync.Mutex
	max  int
	list []Failover // oldest first
	subs map[chan struct{}]struct{}
	// seq counts changes; it lets persistence skip writes when idle.
	seq uint64
}

// NewEvents returns a log keeping the last max failovers.
func NewEvents(max int) *Events {
	return &Events{max: max, subs: map[chan struct{}]struct{}{}}
}

// Add records a failover and signals subscribers.
func (e *Events) Add(f Failover) {
	e.mu.Lock()
	e.list = append(e.list, f)
	if len(e.list) > e.max {
		e.list = slices.Delete(e.list, 0, len(e.list)-e.max)
	}
	e.mu.Unlock()
	e.signal()
}

// Restore replaces the log (loading it from disk at start).
func (e *Events) Restore(list []Failover) {
	e.mu.Lock()
	e.list = slices.Clone(list)
	if len(e.list) > e.max {
		e.list = e.list[len(e.list)-e.max:]
	}
	e.mu.Unlock()
}

// Recent returns the failovers newest first.
func (e *Events) Recent() []Failover {
	e.mu.Lock()
	out := slices.Clone(e.list)
	e.mu.Unlock()
	slices.Reverse(out)
	if out == nil {
		out = []Failover{}
	}
	return out
}

// Seq returns the change counter.
func (e *Events) Seq() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.seq
}

// Subscribe returns a channel that receives (coalesced) after every state
// change, and a cancel func.
func (e *Events) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	e.mu.Lock()
	e.subs[ch] = struct{}{}
	e.mu.Unlock()
	return ch, func() {
		e.mu.Lock()
		delete(e.subs, ch)
		e.mu.Unlock()
	}
}

// Signal tells subscribers that state changed (request counts, health).
func (e *Events) Signal() { e.signal() }

func (e *Events) signal() {
	e.mu.Lock()
	e.seq++
	for ch := range e.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	e.mu.Unlock()
}
