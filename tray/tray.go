// Package tray shows Switchyard's icon and menu in the desktop's
// notification area, using fyne.io/systray (the only package importing it).
//
// The tray declares what it needs from the rest of the program as the small
// Controller interface; main adapts the gateway to it. Everything the user
// sees is computed by pure functions from one Snapshot (buildMenu, iconState,
// tooltip), and one UI goroutine applies the result to systray and owns every
// systray call. On Linux the tray is a StatusNotifierItem over the D-Bus
// session bus; where there is no session bus or no tray host, Run returns
// ErrNoTray quickly and the caller keeps serving without a tray.
//
// The package also manages "Start at login" (SetAutostart, AutostartEnabled)
// with each OS's own mechanism.
package tray

import (
	"errors"
	"strings"
	"time"
)

// Controller is what the tray needs from the running program.
//
// The tray calls the methods other than Snapshot and Changed on a worker
// goroutine of its own, one at a time, so a slow call never freezes the menu.
type Controller interface {
	// Snapshot returns the current state; it is read afresh on every change.
	Snapshot() Snapshot
	// Changed is signalled (coalesced, buffered 1) when the state changes.
	Changed() <-chan struct{}
	// SetEnabled enables or disables the backend with this id.
	SetEnabled(id string, on bool) error
	// OpenDashboard opens the dashboard in the browser with a one-time launch token.
	OpenDashboard() error
	// CopyText puts s on the clipboard.
	CopyText(s string) error
	// SetUpTool points a tool (Claude Code, Codex CLI, …) at the gateway,
	// or with undo takes it off again (package connect's Apply and Undo).
	SetUpTool(id string, undo bool) error
	// SetAutostart turns "start at login" on or off.
	SetAutostart(on bool) error
	// TestAll starts a test of every enabled backend's endpoints (one
	// tiny completion each) and returns at once; the snapshot's Tests
	// shows it running, then its summary.
	TestAll() error
	// SetNotifications turns desktop notifications on or off (saved in
	// the config).
	SetNotifications(on bool) error
	// Quit drains the gateway briefly; when it returns, the tray exits and Run returns.
	Quit()
}

// Snapshot is the state the tray shows, read from the gateway in one go.
type Snapshot struct {
	Addr       string // listen address, e.g. "127.0.0.1:7861"
	Serving    bool
	ServeError string    // why it is not serving, e.g. "port 7861 is in use by another program: set SWITCHYARD_ADDR or --addr"
	Active     *Active   // nil when nothing has answered yet
	Backends   []Backend // in priority order
	Failovers  []Failover
	Today      *Today // today's usage; nil when usage accounting is off
	Autostart  bool
	Tests      *TestRun // the last "Test all backends", nil before the first
	// Notifications: desktop notifications are on.
	Notifications bool
	// Warnings are quota warnings, one line per low key, e.g.
	// "AnyRouter key …ab12: $0.40 left".
	Warnings []string
	Tools    []Tool // the "Set up a tool" submenu; none = no submenu
	// Base URLs to copy: "http://127.0.0.1:7861/v1" and "http://127.0.0.1:7861".
	OpenAIBaseURL, AnthropicBaseURL string
	// Now is when the snapshot was taken. It decides what "in the last
	// minutes" means, and its location is the time zone the menu shows times
	// in. Zero means time.Now() in the local zone.
	Now time.Time
}

// Active is the endpoint that answered last.
type Active struct {
	BackendID, BackendName string
	Host                   string // host of the active base URL, e.g. "anyrouter.top"
	KeyMask                string // e.g. "…D5xY", or "" when the backend uses no key
}

// Backend is one backend, as listed in the menu.
type Backend struct {
	ID, Name     string
	Enabled      bool
	State        string    // "ok", "cooling", "failing", "needs_key" or "disabled"
	CoolingUntil time.Time // when State is "cooling"
	LastError    string    // when State is "failing", e.g. "http 500"
}

// TestRun is the last "Test all backends".
type TestRun struct {
	Running    bool      // a run is under way
	At         time.Time // when the last run ended (zero before the first)
	OK, Failed int       // endpoints that passed and failed
	// Failures names each failed endpoint and why, key-free:
	// "anyrouter anyrouter.top key …D5xY: http 401".
	Failures []string
}

// Tool is one tool the tray can set up.
type Tool struct {
	ID, Name  string
	Connected bool   // its config points at the gateway now
	Files     string // the files set up edits, for the tooltip
	Error     string // why it cannot be set up (a config that does not parse)
}

// Today is today's usage (local day) from the usage database.
type Today struct {
	Requests int64
	Tokens   int64 // input, cache reads and writes, output
}

// Failover is one fall from a backend or endpoint to another.
type Failover struct {
	Time                    time.Time
	Model, From, To, Reason string
}

// ErrNoTray is returned by Run, wrapped with the reason, when the desktop has
// no tray: no session bus or no StatusNotifierWatcher on Linux, or a macOS
// build without cgo. The caller should keep serving and say so once.
var ErrNoTray = errors.New("no system tray available")

// state is the icon's state; the values are the asset names (assets.State*).
type state string

const (
	stateOK       state = "ok"
	stateDegraded state = "degraded"
	stateDown     state = "down"
)

// recentFailover is how long a failover keeps the icon degraded.
const recentFailover = 5 * time.Minute

// now returns the snapshot's time, or the current time when it has none.
func (s Snapshot) now() time.Time {
	if s.Now.IsZero() {
		return time.Now()
	}
	return s.Now
}

// iconState decides the icon:
//   - down: not serving, or no enabled backend is ok or cooling down (nothing
//     could answer now or soon);
//   - degraded: a failover in the last five minutes, or an enabled backend
//     cooling down or failing;
//   - ok otherwise.
func iconState(s Snapshot) state {
	if !s.Serving {
		return stateDown
	}
	usable, troubled := false, false
	for _, b := range s.Backends {
		if !b.Enabled {
			continue
		}
		switch b.State {
		case "ok":
			usable = true
		case "cooling":
			usable, troubled = true, true
		case "failing":
			troubled = true
		}
	}
	if !usable {
		return stateDown
	}
	now := s.now()
	for _, f := range s.Failovers {
		if now.Sub(f.Time) < recentFailover {
			troubled = true
			break
		}
	}
	if troubled {
		return stateDegraded
	}
	return stateOK
}

// maxTooltip keeps the tooltip within Windows' 128-character limit.
const maxTooltip = 120

// tooltip is the icon's tooltip (and its title on Linux): the address, the
// state when it is not ok, and the active endpoint.
func tooltip(s Snapshot, st state) string {
	if !s.Serving {
		msg := s.ServeError
		if msg == "" {
			msg = "not serving"
		}
		return shorten("Switchyard: "+msg, maxTooltip)
	}
	parts := []string{"Switchyard on " + s.Addr}
	switch st {
	case stateDegraded:
		parts = append(parts, "degraded")
	case stateDown:
		parts = append(parts, "no backend available")
	}
	if a := s.Active; a != nil {
		name := a.BackendName
		if name == "" {
			name = a.BackendID
		}
		if a.Host != "" {
			name += " (" + a.Host + ")"
		}
		parts = append(parts, "active: "+name)
	} else {
		parts = append(parts, "no requests yet")
	}
	return shorten(strings.Join(parts, " · "), maxTooltip)
}

// shorten collapses white space and cuts s to at most n runes, with "…".
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}
