// Package notify shows desktop notifications: on Linux (and the BSDs)
// through the freedesktop Notifications service on the D-Bus session bus,
// on Windows as a toast (PowerShell's WinRT bridge), on macOS with
// osascript's "display notification". It is the only package that talks to
// a notification service. A missing service is one log line, never an
// error: a notification is a courtesy.
//
// Coalescer turns the gateway's events (a backend down or back, a key
// refused, quota low) into at most one notification a minute per backend,
// merging what happened in between.
package notify

import (
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"switchyard/gateway/clock"
)

// Notifier shows one notification. Notify must not block for long and
// never fails loudly: implementations log what went wrong.
type Notifier interface {
	Notify(title, body string)
}

// App is the application name notifications carry.
const App = "Switchyard"

// New returns the notifier of this platform, logging to log.
func New(log *slog.Logger) Notifier {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	switch runtime.GOOS {
	case "windows":
		return &command{log: log, name: "a toast", argv: toastArgv}
	case "darwin":
		return &command{log: log, name: "osascript", argv: osascriptArgv}
	}
	return NewDBus("", log)
}

// Window is how long a backend's notifications are held after one was
// shown: at most one a minute per backend.
const Window = time.Minute

// Coalescer holds events per backend and shows them through a Notifier at
// most once per Window each. The first event of a quiet backend is shown
// at once; what follows within the window is merged into one notification
// when it ends. It is safe for concurrent use.
type Coalescer struct {
	n     Notifier
	clock clock.Clock

	mu  sync.Mutex
	per map[string]*pending

	closed func(backend string) // test hook: a window ended with nothing held
}

type pending struct {
	title string
	lines []string    // held until the window ends
	timer clock.Timer // the window; nil when the backend is quiet
	sent  time.Time   // when the last notification went out
}

// NewCoalescer returns a coalescer showing through n on clk.
func NewCoalescer(n Notifier, clk clock.Clock) *Coalescer {
	return &Coalescer{n: n, clock: clock.Or(clk), per: map[string]*pending{}}
}

// Event records that something happened to backend: title names it
// ("Switchyard: AnyRouter"), text says what ("down: http 500"). The same
// text twice in one window is shown once.
func (c *Coalescer) Event(backend, title, text string) {
	c.mu.Lock()
	p := c.per[backend]
	if p == nil {
		p = &pending{}
		c.per[backend] = p
	}
	p.title = title
	if p.timer == nil {
		// Quiet: show it now and open the window.
		p.timer = c.clock.AfterFunc(Window, func() { c.flush(backend) })
		c.mu.Unlock()
		c.n.Notify(title, text)
		return
	}
	if !slices.Contains(p.lines, text) {
		p.lines = append(p.lines, text)
	}
	c.mu.Unlock()
}

// flush ends backend's window: what was held is shown as one
// notification, which opens a new window; nothing held closes it.
func (c *Coalescer) flush(backend string) {
	c.mu.Lock()
	p := c.per[backend]
	if p == nil {
		c.mu.Unlock()
		return
	}
	if len(p.lines) == 0 {
		p.timer = nil
		c.mu.Unlock()
		if c.closed != nil {
			c.closed(backend)
		}
		return
	}
	title, body := p.title, strings.Join(p.lines, "\n")
	p.lines = nil
	p.timer = c.clock.AfterFunc(Window, func() { c.flush(backend) })
	c.mu.Unlock()
	c.n.Notify(title, body)
}

// Stop cancels the open windows; held events are dropped.
func (c *Coalescer) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.per {
		if p.timer != nil {
			p.timer.Stop()
			p.timer = nil
		}
		p.lines = nil
	}
}

// Log is a Notifier that only logs (no notification service, or tests).
type Log struct{ L *slog.Logger }

// Notify logs the notification.
func (l Log) Notify(title, body string) { l.L.Info("notification", "title", title, "body", body) }
