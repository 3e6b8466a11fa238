package gateway

import (
	"sync"
	"sync/atomic"
	"time"
)

// monoStart anchors monoNow: time.Since on a time holding a monotonic
// reading costs one clock read.
var monoStart = time.Now()

// monoNow is the monotonic time since the process started.
func monoNow() time.Duration { return time.Since(monoStart) }

// quietTimer calls f once nothing has touched it for d. A touch is an
// atomic store of the clock instead of a Timer.Reset, which takes the
// timer heap's lock and was ~15% of relaying a fast stream
// (BenchmarkHandler/*stream200); when the timer comes due after a touch,
// it re-arms itself for the rest of d. It never wakes a quiet process
// more than once per d.
type quietTimer struct {
	d    time.Duration
	f    func()
	last atomic.Int64 // monoNow() of the last touch

	mu      sync.Mutex
	t       *time.Timer
	stopped bool
}

func newQuietTimer(d time.Duration, f func()) *quietTimer {
	q := &quietTimer{d: d, f: f}
	q.touch()
	q.mu.Lock()
	q.t = time.AfterFunc(d, q.fire)
	q.mu.Unlock()
	return q
}

// touch restarts the wait.
func (q *quietTimer) touch() { q.last.Store(int64(monoNow())) }

func (q *quietTimer) fire() {
	q.mu.Lock()
	if q.stopped {
		q.mu.Unlock()
		return
	}
	if rest := q.d - (monoNow() - time.Duration(q.last.Load())); rest > 0 {
		q.t.Reset(rest)
		q.mu.Unlock()
		return
	}
	q.stopped = true
	q.mu.Unlock()
	q.f()
}

// stop cancels the timer; f does not start after stop returns.
func (q *quietTimer) stop() {
	q.mu.Lock()
	q.stopped = true
	q.t.Stop()
	q.mu.Unlock()
}
