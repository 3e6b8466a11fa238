package tray

import (
	"fmt"
	"strings"
	"time"
)

// itemKind is what a menu entry is.
type itemKind int

const (
	kindItem      itemKind = iota // a plain item (informational when it has no action)
	kindCheckbox                  // an item with a check mark
	kindSeparator                 // a line
	kindSubmenu                   // an item whose children open as a submenu
)

// actionKind is what clicking an item does.
type actionKind int

const (
	actNone actionKind = iota
	actToggleBackend
	actOpenDashboard
	actCopy
	actAutostart
	actTestAll
	actNotifications
	actSetUpTool
	actQuit
)

// action is what to do when an item is clicked, computed with the menu so
// that a click does what the menu showed.
type action struct {
	kind      actionKind
	backendID string // actToggleBackend; actSetUpTool: the tool's id
	on        bool   // actToggleBackend, actAutostart, actNotifications: the value to set; actSetUpTool: apply (true) or undo
	text      string // actCopy
}

// menuItem is one entry of the menu model.
type menuItem struct {
	kind     itemKind
	label    string
	tooltip  string
	checked  bool
	enabled  bool
	action   action
	children []menuItem // kindSubmenu only
}

// menuModel is the whole menu, top to bottom.
type menuModel struct {
	items []menuItem
}

// maxFailovers is how many failovers the menu lists.
const maxFailovers = 10

// Label lengths: menus get unreadable past these.
const (
	maxHeader = 80
	maxError  = 48
)

// buildMenu computes the menu from one snapshot. It is pure: the same
// snapshot always gives the same menu.
func buildMenu(s Snapshot) menuModel {
	loc := s.now().Location()
	var items []menuItem
	add := func(it menuItem) { items = append(items, it) }
	info := func(label, tip string) menuItem { return menuItem{kind: kindItem, label: label, tooltip: tip} }
	sep := menuItem{kind: kindSeparator}

	if s.Serving {
		add(info("Switchyard, serving on "+s.Addr, "The local gateway is listening on "+s.Addr))
	} else {
		msg := s.ServeError
		if msg == "" {
			msg = "Switchyard is not serving"
		}
		add(info(shorten(msg, maxHeader), s.ServeError))
	}
	add(info(activeLabel(s.Active), "The endpoint that answered last"))
	if s.Today != nil {
		add(info(todayLabel(*s.Today), "Requests and tokens (input, cache and output) since midnight, from the usage database"))
	}
	add(sep)

	if len(s.Backends) == 0 {
		add(info("No backends configured", ""))
	}
	for _, b := range s.Backends {
		name := b.Name
		if name == "" {
			name = b.ID
		}
		tip := "Click to disable " + name
		if !b.Enabled {
			tip = "Click to enable " + name
		}
		if b.LastError != "" {
			tip += " (last error: " + b.LastError + ")"
		}
		add(menuItem{
			kind:    kindCheckbox,
			label:   name + " — " + backendStatus(b, loc),
			tooltip: tip,
			checked: b.Enabled,
			enabled: true,
			action:  action{kind: actToggleBackend, backendID: b.ID, on: !b.Enabled},
		})
	}
	if len(s.Backends) > 0 {
		add(testItem(s))
		if line, tip := testLine(s.Tests, loc); line != "" {
			add(info(line, tip))
		}
	}
	for _, w := range s.Warnings {
		add(info("⚠ "+shorten(w, maxHeader), "Quota is low: this key is tried after the keys with quota"))
	}
	add(sep)

	fo := menuItem{kind: kindSubmenu, label: "Recent failovers", tooltip: "The last failovers, newest first", enabled: true}
	for i, f := range s.Failovers {
		if i == maxFailovers {
			break
		}
		fo.children = append(fo.children, info(failoverLine(f, loc), failoverTip(f, loc)))
	}
	if len(fo.children) == 0 {
		fo.children = []menuItem{info("none yet", "No request has failed over yet")}
	}
	add(fo)
	add(sep)

	add(menuItem{kind: kindItem, label: "Open dashboard", tooltip: "Open the Switchyard dashboard in the browser",
		enabled: s.Serving, action: action{kind: actOpenDashboard}})
	add(copyItem("Copy OpenAI base URL", s.OpenAIBaseURL))
	add(copyItem("Copy Anthropic base URL", s.AnthropicBaseURL))
	if len(s.Tools) > 0 {
		add(toolsMenu(s.Tools))
	}
	add(sep)
	add(menuItem{kind: kindCheckbox, label: "Start at login", tooltip: "Start Switchyard when you log in",
		checked: s.Autostart, enabled: true, action: action{kind: actAutostart, on: !s.Autostart}})
	add(menuItem{kind: kindCheckbox, label: "Desktop notifications",
		tooltip: "Notify when a backend goes down or comes back, a key is refused or quota runs low (at most one a minute per backend)",
		checked: s.Notifications, enabled: true, action: action{kind: actNotifications, on: !s.Notifications}})
	add(menuItem{kind: kindItem, label: "Quit", tooltip: "Stop the gateway and quit Switchyard",
		enabled: true, action: action{kind: actQuit}})
	return menuModel{items: items}
}

// testItem is "Test all backends": one tiny completion to every endpoint
// of every enabled backend; "Testing all backends…" while one runs.
func testItem(s Snapshot) menuItem {
	it := menuItem{kind: kindItem, label: "Test all backends", enabled: s.Serving,
		tooltip: "Send one tiny completion to every endpoint of every enabled backend", action: action{kind: actTestAll}}
	if s.Tests != nil && s.Tests.Running {
		it.label, it.enabled = "Testing all backends…", false
	}
	return it
}

// testLine summarises the last test run: "Tested 14:03: 3 ok, 1 failed
// (anyrouter: http 401)", with every failure in the tooltip; "" before
// the first run ends.
func testLine(r *TestRun, loc *time.Location) (line, tip string) {
	if r == nil || r.At.IsZero() {
		return "", ""
	}
	line = fmt.Sprintf("Tested %s: %d ok", r.At.In(loc).Format("15:04"), r.OK)
	if r.Failed > 0 {
		line += fmt.Sprintf(", %d failed", r.Failed)
		if len(r.Failures) > 0 {
			line += " (" + r.Failures[0] + ")"
		}
	}
	if r.OK+r.Failed == 0 {
		line = "Tested " + r.At.In(loc).Format("15:04") + ": no enabled backend to test"
	}
	tip = "Last test of all backends, " + r.At.In(loc).Format("2006-01-02 15:04:05")
	if len(r.Failures) > 0 {
		tip += ": " + strings.Join(r.Failures, "; ")
	}
	return shorten(line, maxHeader), tip
}

// toolsMenu is "Set up a tool": one check item per tool, checked when the
// tool points at the gateway. Clicking an unchecked one sets the tool up;
// clicking a checked one undoes it (its config files go back to how they
// were), as every other check item of the menu toggles. A tool whose
// config does not parse is shown greyed out with the reason.
func toolsMenu(tools []Tool) menuItem {
	m := menuItem{kind: kindSubmenu, label: "Set up a tool", enabled: true,
		tooltip: "Point a coding tool's own config at Switchyard (backed up; click again to undo)"}
	for _, t := range tools {
		it := menuItem{kind: kindCheckbox, label: "Set up " + t.Name, checked: t.Connected, enabled: t.Error == "",
			action: action{kind: actSetUpTool, backendID: t.ID, on: !t.Connected}}
		switch {
		case t.Error != "":
			it.label += " — config does not parse"
			it.tooltip = t.Error
		case t.Connected:
			it.tooltip = t.Name + " points at Switchyard. Click to undo: " + t.Files + " go back to how they were"
		default:
			it.tooltip = "Point " + t.Name + " at Switchyard: edits " + t.Files + " (with a backup)"
		}
		m.children = append(m.children, it)
	}
	return m
}

// todayLabel is "Today: 12 requests · 34.5k tokens".
func todayLabel(t Today) string {
	req := "requests"
	if t.Requests == 1 {
		req = "request"
	}
	return fmt.Sprintf("Today: %d %s · %s tokens", t.Requests, req, compactCount(t.Tokens))
}

// compactCount writes n as 950, 12.3k, 4.5M or 1.2B.
func compactCount(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprint(n)
	case n < 999_950:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/1e3)) + "k"
	case n < 999_950_000:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/1e6)) + "M"
	}
	return trimZero(fmt.Sprintf("%.1f", float64(n)/1e9)) + "B"
}

func trimZero(s string) string {
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		return s[:len(s)-2]
	}
	return s
}

func copyItem(label, url string) menuItem {
	return menuItem{kind: kindItem, label: label, tooltip: url, enabled: url != "",
		action: action{kind: actCopy, text: url}}
}

// activeLabel is "Active: AnyRouter · anyrouter.top · key …D5xY".
func activeLabel(a *Active) string {
	if a == nil {
		return "Active: none yet"
	}
	name := a.BackendName
	if name == "" {
		name = a.BackendID
	}
	l := "Active: " + name
	if a.Host != "" {
		l += " · " + a.Host
	}
	if a.KeyMask != "" {
		l += " · key " + a.KeyMask
	}
	return l
}

// backendStatus is the part of a backend's label after the dash.
func backendStatus(b Backend, loc *time.Location) string {
	if !b.Enabled {
		return "disabled"
	}
	switch b.State {
	case "ok":
		return "ok"
	case "cooling":
		if b.CoolingUntil.IsZero() {
			return "cooling down"
		}
		return "cooling down until " + b.CoolingUntil.In(loc).Format("15:04")
	case "failing":
		if b.LastError == "" {
			return "failing"
		}
		return "failing: " + shorten(b.LastError, maxError)
	case "needs_key":
		return "needs a key"
	case "disabled":
		return "disabled"
	case "":
		return "unknown"
	}
	return b.State
}

// failoverLine is "14:03 antigravity → anyrouter (http 500)".
func failoverLine(f Failover, loc *time.Location) string {
	to := f.To
	if to == "" {
		to = "none"
	}
	l := f.Time.In(loc).Format("15:04") + " " + f.From + " → " + to
	if f.Reason != "" {
		l += " (" + shorten(f.Reason, maxError) + ")"
	}
	return l
}

func failoverTip(f Failover, loc *time.Location) string {
	t := fmt.Sprintf("%s %s → %s", f.Time.In(loc).Format("2006-01-02 15:04:05"), f.From, f.To)
	if f.Model != "" {
		t += " for " + f.Model
	}
	if f.Reason != "" {
		t += ": " + f.Reason
	}
	return t
}
