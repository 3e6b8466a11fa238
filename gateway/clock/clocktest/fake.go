// Package clocktest is the one fake clock of the tests: time moves only
// when a test advances it, and the timers armed on it fire then, in order.
package clocktest

import (
	"sort"
	"sync"
	"time"

	"switchyard/gateway/clock"
)

// Fake is a manual clock. The zero value is not usable: use New.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*timer
	changed chan struct{} // closed and replaced whenever a timer is armed
}

// New returns a Fake reading start.
func New(start time.Time) *Fake {
	return &Fake{now: start, changed: make(chan struct{})}
}

// Now is the fake time.
func (c *Fake) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the time on by d and fires, in due order, every timer that
// comes due (each in its own goroutine, as time.AfterFunc does).
func (c *Fake) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []*timer
	keep := c.timers[:0]
	for _, t := range c.timers {
		if !t.at.After(c.now) {
			due = append(due, t)
		} else {
			keep = append(keep, t)
		}
	}
	c.timers = keep
	c.mu.Unlock()
	sort.SliceStable(due, func(i, j int) bool { return due[i].at.Before(due[j].at) })
	for _, t := range due {
		go t.f()
	}
}

// AfterFunc arms a timer on the fake time.
func (c *Fake) AfterFunc(d time.Duration, f func()) clock.Timer {
	t := &timer{c: c, f: f, d: d}
	c.mu.Lock()
	t.at = c.now.Add(d)
	c.timers = append(c.timers, t)
	c.signal()
	c.mu.Unlock()
	return t
}

// signal wakes WaitFor callers; c.mu is held.
func (c *Fake) signal() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// WaitFor blocks until a timer of duration d is armed (a test's way to
// know the code under test has reached the wait it is about to end), or
// until limit passes on the wall clock; it reports which.
func (c *Fake) WaitFor(d, limit time.Duration) bool {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		for _, t := range c.timers {
			if t.d == d {
				c.mu.Unlock()
				return true
			}
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			return false
		}
	}
}

// Pending is the number of armed timers.
func (c *Fake) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

type timer struct {
	c  *Fake
	f  func()
	d  time.Duration
	at time.Time
}

func (t *timer) Stop() bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.timers {
		if x == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			return true
		}
	}
	return false
}

func (t *timer) Reset(d time.Duration) bool {
	was := t.Stop()
	c := t.c
	c.mu.Lock()
	t.d, t.at = d, c.now.Add(d)
	c.timers = append(c.timers, t)
	c.signal()
	c.mu.Unlock()
	return was
}
