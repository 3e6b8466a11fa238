// Package clock is the one clock the gateway reads and arms its timers on:
// attempt and first-byte timeouts, stream limits, the idle cut,
// keep-alives, cooldowns, key refreshes and timestamps. Production uses
// Real; tests inject clocktest.Fake and move time by hand, so no test
// waits on the wall clock to see a timeout fire.
//
// Network deadlines (SetReadDeadline) and context deadlines stay on the
// wall clock: the kernel and package context read it themselves.
package clock

import "time"

// Clock tells the time and runs functions after a while.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc.
type Timer interface {
	// Stop prevents the call; it reports whether it did.
	Stop() bool
	// Reset re-arms the timer to fire d from now.
	Reset(d time.Duration) bool
}

// Real is the system clock.
var Real Clock = real{}

type real struct{}

func (real) Now() time.Time                            { return time.Now() }
func (real) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// Or returns c, or Real when c is nil.
func Or(c Clock) Clock {
	if c == nil {
		return Real
	}
	return c
}
