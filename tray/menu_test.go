package tray

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// t0 is "now" in the tests: 14:07 UTC, so times format in UTC.
var t0 = time.Date(2026, 3, 2, 14, 7, 0, 0, time.UTC)

func baseSnapshot() Snapshot {
	return Snapshot{
		Addr:    "127.0.0.1:7861",
		Serving: true,
		Active:  &Active{BackendID: "anyrouter", BackendName: "AnyRouter", Host: "anyrouter.top", KeyMask: "…D5xY"},
		Backends: []Backend{
			{ID: "antigravity", Name: "Antigravity", Enabled: true, State: "failing", LastError: "http 500"},
			{ID: "kiro", Name: "Kiro Gateway", Enabled: true, State: "cooling", CoolingUntil: time.Date(2026, 3, 2, 14, 5, 30, 0, time.UTC)},
			{ID: "anyrouter", Name: "AnyRouter", Enabled: true, State: "ok"},
			{ID: "copilot", Name: "Copilot", Enabled: false, State: "disabled"},
			{ID: "extra", Name: "Extra", Enabled: true, State: "needs_key"},
		},
		Failovers: []Failover{
			{Time: time.Date(2026, 3, 2, 14, 3, 10, 0, time.UTC), Model: "claude-sonnet-4-5", From: "antigravity", To: "anyrouter", Reason: "http 500"},
			{Time: time.Date(2026, 3, 2, 9, 41, 0, 0, time.UTC), Model: "gpt-5-codex", From: "kiro", To: "anyrouter", Reason: "timeout"},
		},
		Autostart:        true,
		OpenAIBaseURL:    "http://127.0.0.1:7861/v1",
		AnthropicBaseURL: "http://127.0.0.1:7861",
		Now:              t0,
	}
}

// render flattens a menu to one line per entry: "[x] " for a checked box,
// "[ ] " for an unchecked one, "(off) " when disabled, "---" for separators,
// and submenu children indented.
func render(m menuModel) []string {
	var out []string
	var walk func(items []menuItem, indent string)
	walk = func(items []menuItem, indent string) {
		for _, it := range items {
			if it.kind == kindSeparator {
				out = append(out, indent+"---")
				continue
			}
			l := indent
			if !it.enabled {
				l += "(off) "
			}
			if it.kind == kindCheckbox {
				if it.checked {
					l += "[x] "
				} else {
					l += "[ ] "
				}
			}
			l += it.label
			if it.kind == kindSubmenu {
				l += " >"
			}
			out = append(out, l)
			walk(it.children, indent+"    ")
		}
	}
	walk(m.items, "")
	return out
}

func TestBuildMenu(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Snapshot)
		want   []string
	}{
		{
			name:   "full",
			modify: func(*Snapshot) {},
			want: []string{
				"(off) Switchyard, serving on 127.0.0.1:7861",
				"(off) Active: AnyRouter · anyrouter.top · key …D5xY",
				"---",
				"[x] Antigravity — failing: http 500",
				"[x] Kiro Gateway — cooling down until 14:05",
				"[x] AnyRouter — ok",
				"[ ] Copilot — disabled",
				"[x] Extra — needs a key",
				"Test all backends",
				"---",
				"Recent failovers >",
				"    (off) 14:03 antigravity → anyrouter (http 500)",
				"    (off) 09:41 kiro → anyrouter (timeout)",
				"---",
				"Open dashboard",
				"Copy OpenAI base URL",
				"Copy Anthropic base URL",
				"---",
				"[x] Start at login",
				"[ ] Desktop notifications",
				"Quit",
			},
		},
		{
			name: "fresh start: nothing answered, no failovers, no autostart",
			modify: func(s *Snapshot) {
				s.Active = nil
				s.Failovers = nil
				s.Autostart = false
				s.Backends = []Backend{{ID: "copilot", Name: "Copilot", Enabled: true, State: "ok"}}
			},
			want: []string{
				"(off) Switchyard, serving on 127.0.0.1:7861",
				"(off) Active: none yet",
				"---",
				"[x] Copilot — ok",
				"Test all backends",
				"---",
				"Recent failovers >",
				"    (off) none yet",
				"---",
				"Open dashboard",
				"Copy OpenAI base URL",
				"Copy Anthropic base URL",
				"---",
				"[ ] Start at login",
				"[ ] Desktop notifications",
				"Quit",
			},
		},
		{
			name: "serve error header, no dashboard, no backends",
			modify: func(s *Snapshot) {
				s.Serving = false
				s.ServeError = "port 7861 is in use by another program: set SWITCHYARD_ADDR or --addr"
				s.Active = &Active{BackendID: "kiro", Host: "127.0.0.1:8000"} // no name, no key
				s.Backends = nil
				s.Failovers = nil
				s.AnthropicBaseURL = ""
			},
			want: []string{
				"(off) port 7861 is in use by another program: set SWITCHYARD_ADDR or --addr",
				"(off) Active: kiro · 127.0.0.1:8000",
				"---",
				"(off) No backends configured",
				"---",
				"Recent failovers >",
				"    (off) none yet",
				"---",
				"(off) Open dashboard",
				"Copy OpenAI base URL",
				"(off) Copy Anthropic base URL",
				"---",
				"[x] Start at login",
				"[ ] Desktop notifications",
				"Quit",
			},
		},
		{
			name: "quota warnings, notifications on",
			modify: func(s *Snapshot) {
				s.Backends = s.Backends[2:3]
				s.Failovers = nil
				s.Notifications = true
				s.Warnings = []string{"AnyRouter key …ab12: $0.40 left", "AnyRouter key …cd34: $0.00 left"}
			},
			want: []string{
				"(off) Switchyard, serving on 127.0.0.1:7861",
				"(off) Active: AnyRouter · anyrouter.top · key …D5xY",
				"---",
				"[x] AnyRouter — ok",
				"Test all backends",
				"(off) ⚠ AnyRouter key …ab12: $0.40 left",
				"(off) ⚠ AnyRouter key …cd34: $0.00 left",
				"---",
				"Recent failovers >",
				"    (off) none yet",
				"---",
				"Open dashboard",
				"Copy OpenAI base URL",
				"Copy Anthropic base URL",
				"---",
				"[x] Start at login",
				"[x] Desktop notifications",
				"Quit",
			},
		},
		{
			name: "not serving without a message",
			modify: func(s *Snapshot) {
				s.Serving = false
				s.Backends = s.Backends[2:3]
				s.Failovers = nil
			},
			want: []string{
				"(off) Switchyard is not serving",
				"(off) Active: AnyRouter · anyrouter.top · key …D5xY",
				"---",
				"[x] AnyRouter — ok",
				"(off) Test all backends",
				"---",
				"Recent failovers >",
				"    (off) none yet",
				"---",
				"(off) Open dashboard",
				"Copy OpenAI base URL",
				"Copy Anthropic base URL",
				"---",
				"[x] Start at login",
				"[ ] Desktop notifications",
				"Quit",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := baseSnapshot()
			tt.modify(&s)
			got := render(buildMenu(s))
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("menu:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestBackendLabels(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	tests := []struct {
		b    Backend
		loc  *time.Location
		want string
	}{
		{Backend{Name: "A", Enabled: true, State: "ok"}, time.UTC, "A — ok"},
		{Backend{Name: "A", Enabled: true, State: "cooling", CoolingUntil: t0.Add(3 * time.Minute)}, time.UTC, "A — cooling down until 14:10"},
		{Backend{Name: "A", Enabled: true, State: "cooling", CoolingUntil: t0.Add(3 * time.Minute)}, berlin, "A — cooling down until 15:10"},
		{Backend{Name: "A", Enabled: true, State: "cooling"}, time.UTC, "A — cooling down"},
		{Backend{Name: "A", Enabled: true, State: "failing"}, time.UTC, "A — failing"},
		{Backend{Name: "A", Enabled: true, State: "failing", LastError: "dial tcp 127.0.0.1:8000:\n connect: connection refused by the remote host, twice"}, time.UTC,
			"A — failing: dial tcp 127.0.0.1:8000: connect: connection re…"},
		{Backend{Name: "A", Enabled: true, State: "needs_key"}, time.UTC, "A — needs a key"},
		{Backend{Name: "A", Enabled: false, State: "disabled"}, time.UTC, "A — disabled"},
		{Backend{Name: "A", Enabled: false, State: "ok"}, time.UTC, "A — disabled"},
		{Backend{ID: "a_b", Enabled: true, State: "ok"}, time.UTC, "a_b — ok"},
		{Backend{Name: "A", Enabled: true, State: "weird"}, time.UTC, "A — weird"},
	}
	for _, tt := range tests {
		s := Snapshot{Serving: true, Backends: []Backend{tt.b}, Now: t0.In(tt.loc)}
		it := buildMenu(s).items[3]
		if it.label != tt.want {
			t.Errorf("%+v in %v: label %q, want %q", tt.b, tt.loc, it.label, tt.want)
		}
		if it.kind != kindCheckbox || it.checked != tt.b.Enabled || !it.enabled {
			t.Errorf("%+v: kind %v checked %v enabled %v", tt.b, it.kind, it.checked, it.enabled)
		}
	}
}

func TestMenuActions(t *testing.T) {
	m := buildMenu(baseSnapshot())
	find := func(label string) menuItem {
		for _, it := range m.items {
			if it.label == label {
				return it
			}
		}
		t.Fatalf("no item %q", label)
		return menuItem{}
	}
	tests := []struct {
		label string
		want  action
	}{
		{"Antigravity — failing: http 500", action{kind: actToggleBackend, backendID: "antigravity", on: false}},
		{"Copilot — disabled", action{kind: actToggleBackend, backendID: "copilot", on: true}},
		{"Open dashboard", action{kind: actOpenDashboard}},
		{"Copy OpenAI base URL", action{kind: actCopy, text: "http://127.0.0.1:7861/v1"}},
		{"Copy Anthropic base URL", action{kind: actCopy, text: "http://127.0.0.1:7861"}},
		{"Start at login", action{kind: actAutostart, on: false}},
		{"Desktop notifications", action{kind: actNotifications, on: true}},
		{"Quit", action{kind: actQuit}},
		{"Test all backends", action{kind: actTestAll}},
		{"Active: AnyRouter · anyrouter.top · key …D5xY", action{}},
	}
	for _, tt := range tests {
		if got := find(tt.label).action; got != tt.want {
			t.Errorf("%s: action %+v, want %+v", tt.label, got, tt.want)
		}
	}
}

func TestFailoverLines(t *testing.T) {
	s := baseSnapshot()
	s.Failovers = nil
	for i := range 14 { // newest first
		s.Failovers = append(s.Failovers, Failover{Time: t0.Add(-time.Duration(i) * time.Minute), From: "a", To: "b", Reason: fmt.Sprint("http 50", i%10)})
	}
	s.Failovers[1].Reason = ""
	s.Failovers[2].To = ""
	fo := buildMenu(s).items[10]
	if fo.kind != kindSubmenu || fo.label != "Recent failovers" {
		t.Fatalf("item 10 is %+v", fo)
	}
	if len(fo.children) != maxFailovers {
		t.Fatalf("%d failover lines, want %d", len(fo.children), maxFailovers)
	}
	want := map[int]string{
		0: "14:07 a → b (http 500)",
		1: "14:06 a → b",
		2: "14:05 a → none (http 502)",
		9: "13:58 a → b (http 509)",
	}
	for i, w := range want {
		if got := fo.children[i].label; got != w {
			t.Errorf("line %d: %q, want %q", i, got, w)
		}
	}
	if tip := buildMenu(baseSnapshot()).items[10].children[0].tooltip; tip != "2026-03-02 14:03:10 antigravity → anyrouter for claude-sonnet-4-5: http 500" {
		t.Errorf("tooltip %q", tip)
	}
}

func TestIconState(t *testing.T) {
	ok := Backend{ID: "a", Enabled: true, State: "ok"}
	tests := []struct {
		name string
		s    Snapshot
		want state
	}{
		{"all ok", Snapshot{Serving: true, Backends: []Backend{ok}, Now: t0}, stateOK},
		{"not serving", Snapshot{Serving: false, Backends: []Backend{ok}, Now: t0}, stateDown},
		{"no backends", Snapshot{Serving: true, Now: t0}, stateDown},
		{"only disabled ok", Snapshot{Serving: true, Backends: []Backend{{Enabled: false, State: "ok"}}, Now: t0}, stateDown},
		{"only failing", Snapshot{Serving: true, Backends: []Backend{{Enabled: true, State: "failing"}}, Now: t0}, stateDown},
		{"only needs key", Snapshot{Serving: true, Backends: []Backend{{Enabled: true, State: "needs_key"}}, Now: t0}, stateDown},
		{"only cooling", Snapshot{Serving: true, Backends: []Backend{{Enabled: true, State: "cooling"}}, Now: t0}, stateDegraded},
		{"ok and failing", Snapshot{Serving: true, Backends: []Backend{ok, {Enabled: true, State: "failing"}}, Now: t0}, stateDegraded},
		{"ok and disabled failing", Snapshot{Serving: true, Backends: []Backend{ok, {Enabled: false, State: "failing"}}, Now: t0}, stateOK},
		{"ok and needs key", Snapshot{Serving: true, Backends: []Backend{ok, {Enabled: true, State: "needs_key"}}, Now: t0}, stateOK},
		{"failover 4m59s ago", Snapshot{Serving: true, Backends: []Backend{ok}, Failovers: []Failover{{Time: t0.Add(-4*time.Minute - 59*time.Second)}}, Now: t0}, stateDegraded},
		{"failover 5m ago", Snapshot{Serving: true, Backends: []Backend{ok}, Failovers: []Failover{{Time: t0.Add(-5 * time.Minute)}}, Now: t0}, stateOK},
		{"old failovers only", Snapshot{Serving: true, Backends: []Backend{ok}, Failovers: []Failover{{Time: t0.Add(-time.Hour)}, {Time: t0.Add(-2 * time.Hour)}}, Now: t0}, stateOK},
		{"recent failover but down", Snapshot{Serving: true, Backends: []Backend{{Enabled: true, State: "failing"}}, Failovers: []Failover{{Time: t0}}, Now: t0}, stateDown},
	}
	for _, tt := range tests {
		if got := iconState(tt.s); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestTooltip(t *testing.T) {
	s := baseSnapshot()
	tests := []struct {
		name   string
		modify func(*Snapshot)
		want   string
	}{
		{"degraded with active", func(*Snapshot) {}, "Switchyard on 127.0.0.1:7861 · degraded · active: AnyRouter (anyrouter.top)"},
		{"ok, nothing yet", func(s *Snapshot) {
			s.Backends = s.Backends[2:3]
			s.Failovers = nil
			s.Active = nil
		}, "Switchyard on 127.0.0.1:7861 · no requests yet"},
		{"down", func(s *Snapshot) { s.Backends = s.Backends[3:4] }, "Switchyard on 127.0.0.1:7861 · no backend available · active: AnyRouter (anyrouter.top)"},
		{"serve error", func(s *Snapshot) {
			s.Serving = false
			s.ServeError = "port 7861 is in use by another program: set SWITCHYARD_ADDR or --addr"
		}, "Switchyard: port 7861 is in use by another program: set SWITCHYARD_ADDR or --addr"},
	}
	for _, tt := range tests {
		c := s
		c.Backends = append([]Backend(nil), s.Backends...)
		tt.modify(&c)
		if got := tooltip(c, iconState(c)); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	long := Snapshot{Serving: false, ServeError: strings.Repeat("x", 300)}
	if got := []rune(tooltip(long, stateDown)); len(got) != maxTooltip || got[len(got)-1] != '…' {
		t.Errorf("long tooltip: %d runes", len(got))
	}
}

func TestTestAllLines(t *testing.T) {
	lines := func(s Snapshot) []string {
		var out []string
		for _, l := range render(buildMenu(s)) {
			if strings.Contains(l, "Test") {
				out = append(out, l)
			}
		}
		return out
	}
	s := baseSnapshot()
	s.Tests = &TestRun{Running: true}
	if got := strings.Join(lines(s), "\n"); got != "(off) Testing all backends…" {
		t.Errorf("running, first run: %q", got)
	}
	s.Tests = &TestRun{At: t0.Add(-time.Minute), OK: 3, Failed: 2,
		Failures: []string{"anyrouter anyrouter.top key …D5xY: http 401: invalid key sent", "kiro 127.0.0.1:8000: connection refused"}}
	// Cut at maxHeader runes.
	want := "Test all backends\n(off) Tested 14:06: 3 ok, 2 failed (anyrouter anyrouter.top key …D5xY: http 401: inva…"
	if got := strings.Join(lines(s), "\n"); got != want {
		t.Errorf("after a run:\n%s\nwant:\n%s", got, want)
	}
	_, tip := testLine(s.Tests, time.UTC)
	if !strings.Contains(tip, "kiro 127.0.0.1:8000: connection refused") {
		t.Errorf("tooltip %q names not every failure", tip)
	}
	s.Tests.Running = true // a second run keeps the last summary
	if got := lines(s); len(got) != 2 || got[0] != "(off) Testing all backends…" || !strings.HasPrefix(got[1], "(off) Tested 14:06") {
		t.Errorf("second run: %q", got)
	}
	s.Tests = &TestRun{At: t0, OK: 4}
	if got := lines(s); len(got) != 2 || got[1] != "(off) Tested 14:07: 4 ok" {
		t.Errorf("all ok: %q", got)
	}
	s.Tests = &TestRun{At: t0}
	if got := lines(s); got[1] != "(off) Tested 14:07: no enabled backend to test" {
		t.Errorf("nothing tested: %q", got)
	}
}

// TestToolsMenu: "Set up a tool" lists each tool, checked when it points
// at the gateway; a click sets an unchecked one up and undoes a checked
// one; a tool whose config does not parse is greyed out with the reason.
func TestToolsMenu(t *testing.T) {
	s := baseSnapshot()
	if strings.Contains(strings.Join(render(buildMenu(s)), "\n"), "Set up a tool") {
		t.Fatal("a tools submenu without tools")
	}
	s.Tools = []Tool{
		{ID: "claude-code", Name: "Claude Code", Connected: true, Files: "~/.claude/settings.json"},
		{ID: "codex", Name: "Codex CLI", Error: "~/.codex/config.toml:1:17: not valid TOML"},
		{ID: "qwen", Name: "qwen-code", Files: "~/.qwen/settings.json"},
	}
	m := buildMenu(s)
	got := strings.Join(render(m), "\n")
	want := "Set up a tool >\n    [x] Set up Claude Code\n    (off) [ ] Set up Codex CLI — config does not parse\n    [ ] Set up qwen-code\n---\n[x] Start at login"
	if !strings.Contains(got, want) {
		t.Fatalf("menu:\n%s\nwant it to contain:\n%s", got, want)
	}
	var sub menuItem
	for _, it := range m.items {
		if it.label == "Set up a tool" {
			sub = it
		}
	}
	if a := sub.children[0].action; a.kind != actSetUpTool || a.backendID != "claude-code" || a.on {
		t.Errorf("clicking a checked tool: %+v, want undo", a)
	}
	if a := sub.children[2].action; a.kind != actSetUpTool || a.backendID != "qwen" || !a.on {
		t.Errorf("clicking an unchecked tool: %+v, want set up", a)
	}
	if tip := sub.children[1].tooltip; !strings.Contains(tip, "not valid TOML") {
		t.Errorf("broken tool's tooltip %q", tip)
	}
	if tip := sub.children[2].tooltip; !strings.Contains(tip, "~/.qwen/settings.json") {
		t.Errorf("tooltip %q does not name the file", tip)
	}
}

func TestTodayLine(t *testing.T) {
	s := baseSnapshot()
	if labels := labelsOf(buildMenu(s)); slices.ContainsFunc(labels, func(l string) bool { return strings.HasPrefix(l, "Today") }) {
		t.Errorf("a Today line with accounting off: %v", labels)
	}
	for _, tc := range []struct {
		t    Today
		want string
	}{
		{Today{}, "Today: 0 requests · 0 tokens"},
		{Today{Requests: 1, Tokens: 999}, "Today: 1 request · 999 tokens"},
		{Today{Requests: 12, Tokens: 34_567}, "Today: 12 requests · 34.6k tokens"},
		{Today{Requests: 3000, Tokens: 12_000_000}, "Today: 3000 requests · 12M tokens"},
		{Today{Requests: 2, Tokens: 999_999}, "Today: 2 requests · 1M tokens"},
		{Today{Requests: 2, Tokens: 4_200_000_000}, "Today: 2 requests · 4.2B tokens"},
	} {
		s.Today = &tc.t
		m := buildMenu(s)
		if got := m.items[2]; got.label != tc.want || got.enabled || got.action.kind != actNone {
			t.Errorf("%+v: item %+v, want the disabled info line %q", tc.t, got, tc.want)
		}
	}
}

func labelsOf(m menuModel) []string {
	var out []string
	for _, it := range m.items {
		out = append(out, it.label)
	}
	return out
}
