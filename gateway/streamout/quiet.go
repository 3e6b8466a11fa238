// Package streamout is the client's side of a relayed stream: a Writer
// that flushes just before the relay blocks on the upstream and writes
// keep-alives during upstream silences, and the QuietTimer that cuts a
// stream gone silent. Both watch the clock with an atomic store per
// event instead of a timer reset.
package streamout

import (
	"sync"
	"sync/atomic"
	"time"

	"switchyard/gateway/clock"
)

// mono reads the clock as a duration since a start: on the real clock,
// whose times carry a monotonic reading, a subtraction is monotonic.
type mono struct {
	clk   clock.Clock
	start time.Time
}

func newMono(clk clock.Clock) mono { return mono{clk, clk.Now()} }

func (m mono) now() time.Duration { return m.clk.Now().Sub(m.start) }

// QuietTimer calls f once nothing has touched it for d. A touch is an
// atomic store of the clock instead of a Timer.Reset, which takes the
// timer heap's lock and was ~15% of relaying a fast stream
// (BenchmarkHandler/*stream200); when the timer comes due after a touch,
// it re-arms itself for the rest of d. It never wakes a quiet process
// more than once per d.
type QuietTimer struct {
	d    time.Duration
	f    func()
	last atomic.Int64 // mono.now() of the last touch
	mono mono

	mu      sync.Mutex
	t       clock.Timer
	stopped bool
}

// NewQuietTimer starts a QuietTimer.
func NewQuietTimer(clk clock.Clock, d time.Duration, f func()) *QuietTimer {
	q := &QuietTimer{d: d, f: f, mono: newMono(clk)}
	q.Touch()
	q.mu.Lock()
	q.t = clk.AfterFunc(d, q.fire)
	q.mu.Unlock()
	return q
}

// Touch restarts the wait.
func (q *QuietTimer) Touch() { q.last.Store(int64(q.mono.now())) }

func (q *QuietTimer) fire() {
	q.mu.Lock()
	if q.stopped {
		q.mu.Unlock()
		return
	}
	if rest := q.d - (q.mono.now() - time.Duration(q.last.Load())); rest > 0 {
		q.t.Reset(rest)
		q.mu.Unlock()
		return
	}
	q.stopped = true
	q.mu.Unlock()
	q.f()
}

// Stop cancels the timer; f does not start after Stop returns.
func (q *QuietTimer) Stop() {
	q.mu.Lock()
	q.stopped = true
	q.t.Stop()
	q.mu.Unlock()
}
