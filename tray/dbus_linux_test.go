package tray

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"switchyard/tray/traytest"
)

// fakeController is the Controller the tests drive: it serves a snapshot the
// test sets, and reports every call on calls.
type fakeController struct {
	mu      sync.Mutex
	snap    Snapshot
	changed chan struct{}
	calls   chan string
}

func newFake(s Snapshot) *fakeController {
	return &fakeController{snap: s, changed: make(chan struct{}, 1), calls: make(chan string, 32)}
}

func (f *fakeController) Snapshot() Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snap
}

func (f *fakeController) Changed() <-chan struct{} { return f.changed }

// set replaces the snapshot and signals the change (coalesced, like main).
func (f *fakeController) set(s Snapshot) {
	f.mu.Lock()
	f.snap = s
	f.mu.Unlock()
	select {
	case f.changed <- struct{}{}:
	default:
	}
}

func (f *fakeController) SetEnabled(id string, on bool) error {
	f.calls <- fmt.Sprintf("SetEnabled(%s, %v)", id, on)
	return nil
}
func (f *fakeController) SetUpTool(id string, undo bool) error {
	f.calls <- fmt.Sprintf("SetUpTool(%s, %v)", id, undo)
	return nil
}
func (f *fakeController) OpenDashboard() error { f.calls <- "OpenDashboard()"; return nil }
func (f *fakeController) CopyText(s string) error {
	f.calls <- "CopyText(" + s + ")"
	return nil
}
func (f *fakeController) SetAutostart(on bool) error {
	f.calls <- fmt.Sprintf("SetAutostart(%v)", on)
	return errors.New("read-only test desktop") // errors are logged, not fatal
}
func (f *fakeController) SetNotifications(on bool) error {
	f.calls <- fmt.Sprintf("SetNotifications(%v)", on)
	return nil
}
func (f *fakeController) Quit()          { f.calls <- "Quit()" }
func (f *fakeController) TestAll() error { f.calls <- "TestAll()"; return nil }

// expectCall waits for the controller's next call and checks it.
func (f *fakeController) expectCall(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-f.calls:
		if got != want {
			t.Errorf("controller call %s, want %s", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no controller call within 5s, want %s", want)
	}
}

// checkIcon checks the item's icon is 64x64 and that a pixel of the tile's
// left part, clear of the glyph, has the state's colour.
func checkIcon(t *testing.T, item *traytest.Item, state string, colour func(r, g, b byte) bool) {
	t.Helper()
	w, h, argb, err := item.Icon()
	if err != nil || w != 64 || h != 64 || len(argb) != 64*64*4 {
		t.Fatalf("icon %dx%d with %d bytes (%v), want 64x64", w, h, len(argb), err)
	}
	p := argb[(32*64+6)*4:]
	if a, r, g, b := p[0], p[1], p[2], p[3]; a != 255 || !colour(r, g, b) {
		t.Errorf("icon pixel ARGB %d,%d,%d,%d is not %s", a, r, g, b, state)
	}
}

// testLogger logs to the test until the test ends.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func TestRunWithoutSessionBus(t *testing.T) {
	for _, addr := range []string{"", "unix:path=/nonexistent/switchyard-test-bus"} {
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
		start := time.Now()
		err := Run(context.Background(), newFake(baseSnapshot()), nil)
		if !errors.Is(err, ErrNoTray) {
			t.Errorf("address %q: Run = %v, want ErrNoTray", addr, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("address %q: Run took %v to give up", addr, d)
		}
	}
}

func TestProbeWatcher(t *testing.T) {
	bus := traytest.StartBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus.Addr)

	old := watcherWait
	t.Cleanup(func() { watcherWait = old })

	t.Run("no tray host", func(t *testing.T) {
		watcherWait = 100 * time.Millisecond
		// Run must give up before it starts systray (which runs once per process).
		if err := Run(context.Background(), newFake(baseSnapshot()), nil); !errors.Is(err, ErrNoTray) {
			t.Fatalf("Run = %v, want ErrNoTray", err)
		}
	})
	t.Run("tray host appears while waiting", func(t *testing.T) {
		watcherWait = 30 * time.Second
		done := make(chan error, 1)
		go func() { done <- probe(context.Background()) }()
		traytest.StartWatcher(t, bus)
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("probe = %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("probe did not see the watcher")
		}
	})
}

// TestTrayOverDBus runs the real tray against a private session bus and a
// fake tray host, and uses it as a host would: reads the menu, clicks, and
// watches it follow the controller's state. systray can run once per
// process, so this is the only test that calls Run successfully.
func TestTrayOverDBus(t *testing.T) {
	bus := traytest.StartBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus.Addr)
	w := traytest.StartWatcher(t, bus)

	const wait = 5 * time.Second
	s := baseSnapshot()
	s.Now = time.Now().In(time.UTC) // failover 14:03 is then old: the icon is degraded by the failing backend
	fake := newFake(s)
	applied := make(chan struct{}, 1)
	testHookApplied = func() {
		select {
		case applied <- struct{}{}:
		default:
		}
	}
	// systray races with itself: the first GetLayout after the menu is
	// built reads the menu revision and starts a goroutine that bumps it
	// 150 ms later, with no lock in common, so go test -race reports it
	// (fyne.io/systray v1.12.2, GetLayout and refresh). Any menu update on
	// the UI goroutine in between orders the two, so touch the menu every
	// 20 ms while the test runs. (traytest.WaitMenu also keeps its own
	// reads out of that window.)
	testHookTouch = make(chan chan struct{})
	touch := func(wait bool) {
		done := make(chan struct{})
		select {
		case testHookTouch <- done:
		case <-time.After(time.Second):
			return
		}
		if wait {
			<-done
		}
	}
	stopTouch := make(chan struct{})
	touched := make(chan struct{})
	go func() {
		defer close(touched)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopTouch:
				return
			case <-tick.C:
				done := make(chan struct{})
				select {
				case testHookTouch <- done:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() {
		close(stopTouch)
		<-touched
		testHookApplied, testHookTouch = nil, nil
	})
	// change sets a snapshot and waits until the tray has applied it.
	change := func(t *testing.T, s Snapshot) {
		t.Helper()
		select {
		case <-applied:
		default:
		}
		fake.set(s)
		select {
		case <-applied:
		case <-time.After(wait):
			t.Fatal("the tray did not apply the change")
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- Run(ctx, fake, testLogger(t)) }()
	t.Cleanup(func() { // stop the tray before the bus goes
		cancel()
		select {
		case <-runErr:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})

	item := w.WaitItem(t, 10*time.Second)
	item.OnShallow = func() { touch(true) } // right after the first GetLayout, before its refresh
	var ids []int32                         // top-level entry ids, to see updates happen in place

	steps := []struct {
		name string
		fn   func(t *testing.T)
	}{
		{"menu", func(t *testing.T) {
			m := item.WaitMenu(t, wait, func(m traytest.Node) bool {
				fo, ok := m.Find("Recent failovers")
				return ok && len(fo.Shown()) == 2
			})
			want := []string{
				"Switchyard, serving on 127.0.0.1:7861",
				"Active: AnyRouter · anyrouter.top · key …D5xY",
				"---",
				"Antigravity — failing: http 500",
				"Kiro Gateway — cooling down until 14:05",
				"AnyRouter — ok",
				"Copilot — disabled",
				"Extra — needs a key",
				"Test all backends",
				"---",
				"Recent failovers",
				"---",
				"Open dashboard",
				"Copy OpenAI base URL",
				"Copy Anthropic base URL",
				"---",
				"Start at login",
				"Desktop notifications",
				"Quit",
			}
			if got := m.Labels(); !slices.Equal(got, want) {
				t.Errorf("menu labels:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			checks := map[string]bool{
				"Antigravity — failing: http 500":         true,
				"Kiro Gateway — cooling down until 14:05": true,
				"AnyRouter — ok":                          true,
				"Copilot — disabled":                      false,
				"Extra — needs a key":                     true,
				"Start at login":                          true,
				"Desktop notifications":                   false,
			}
			for label, checked := range checks {
				n, _ := m.Find(label)
				if !n.Checkable || n.Checked != checked || !n.Enabled {
					t.Errorf("%s: checkable %v checked %v enabled %v, want a checkbox checked=%v", label, n.Checkable, n.Checked, n.Enabled, checked)
				}
			}
			if n, _ := m.Find("Switchyard, serving on 127.0.0.1:7861"); n.Enabled {
				t.Error("the header is clickable")
			}
			fo, _ := m.Find("Recent failovers")
			wantFo := []string{"14:03 antigravity → anyrouter (http 500)", "09:41 kiro → anyrouter (timeout)"}
			if got := fo.Labels(); !slices.Equal(got, wantFo) {
				t.Errorf("failover lines %q, want %q", got, wantFo)
			}
			for _, c := range m.Shown() {
				ids = append(ids, c.ID)
			}
		}},
		{"icon and tooltip", func(t *testing.T) {
			wantTip := "Switchyard on 127.0.0.1:7861 · degraded · active: AnyRouter (anyrouter.top)"
			var title, tip string
			err := traytest.Poll(wait, func() bool { // the title is set about 1 s after start
				title, _ = item.Title()
				tip, _ = item.ToolTip()
				return title == wantTip && tip == wantTip
			})
			if err != nil {
				t.Fatalf("title %q, tooltip %q; want %q", title, tip, wantTip)
			}
			// Read the icon only now: the re-apply that set the title set
			// the icon just before, and systray's in-place icon update races
			// with a concurrent read (see applyTray).
			checkIcon(t, item, "degraded", func(r, g, b byte) bool { return r > 200 && g > 120 && g < 200 && b < 90 })
			if id, err := item.ID(); id != "Switchyard" {
				t.Errorf("Id %q (%v), want Switchyard", id, err)
			}
		}},
		{"clicks reach the controller", func(t *testing.T) {
			item.ClickLabel(t, "Antigravity — failing: http 500")
			fake.expectCall(t, "SetEnabled(antigravity, false)")
			item.ClickLabel(t, "Copilot — disabled")
			fake.expectCall(t, "SetEnabled(copilot, true)")
			item.ClickLabel(t, "Copy OpenAI base URL")
			fake.expectCall(t, "CopyText(http://127.0.0.1:7861/v1)")
			item.ClickLabel(t, "Copy Anthropic base URL")
			fake.expectCall(t, "CopyText(http://127.0.0.1:7861)")
			item.ClickLabel(t, "Open dashboard")
			fake.expectCall(t, "OpenDashboard()")
			item.ClickLabel(t, "Start at login")
			fake.expectCall(t, "SetAutostart(false)")
			item.ClickLabel(t, "Test all backends")
			fake.expectCall(t, "TestAll()")
			item.ClickLabel(t, "Desktop notifications")
			fake.expectCall(t, "SetNotifications(true)")
		}},
		{"state change updates the menu in place", func(t *testing.T) {
			s2 := s
			s2.Backends = slices.Clone(s.Backends)
			s2.Backends[0] = Backend{ID: "antigravity", Name: "Antigravity", Enabled: false, State: "disabled"}
			s2.Backends[1].State = "ok"
			s2.Active = &Active{BackendID: "kiro", BackendName: "Kiro Gateway", Host: "127.0.0.1:8000"}
			s2.Failovers = append([]Failover{{Time: s.Now, From: "anyrouter", To: "kiro", Reason: "http 429"}}, s.Failovers...)
			s2.Autostart = false
			change(t, s2)
			line := s.Now.Format("15:04") + " anyrouter → kiro (http 429)"
			// Wait for the whole change: systray applies it item by item.
			m := item.WaitMenu(t, wait, func(m traytest.Node) bool {
				fo, ok := m.Find("Recent failovers")
				ag, ok2 := m.Find("Antigravity — disabled")
				sl, ok3 := m.Find("Start at login")
				return ok && len(fo.Shown()) == 3 && fo.Shown()[0].Label == line &&
					ok2 && !ag.Checked && ok3 && !sl.Checked
			})
			for _, label := range []string{"Active: Kiro Gateway · 127.0.0.1:8000", "Kiro Gateway — ok"} {
				if _, ok := m.Find(label); !ok {
					t.Errorf("no %q in:\n%s", label, m)
				}
			}
			var got []int32
			for _, c := range m.Shown() {
				got = append(got, c.ID)
			}
			if !slices.Equal(got, ids) {
				t.Errorf("entry ids changed from %v to %v: the menu was rebuilt, not updated", ids, got)
			}
			item.ClickLabel(t, "Antigravity — disabled")
			fake.expectCall(t, "SetEnabled(antigravity, true)")
			// The failover icon rule: a failover just now makes it degraded.
			err := traytest.Poll(wait, func() bool {
				tip, _ := item.ToolTip()
				return strings.Contains(tip, "degraded · active: Kiro Gateway (127.0.0.1:8000)")
			})
			if err != nil {
				tip, _ := item.ToolTip()
				t.Errorf("tooltip %q", tip)
			}
		}},
		{"failovers shrink back to none yet", func(t *testing.T) {
			s3 := s
			s3.Failovers = nil
			change(t, s3)
			m := item.WaitMenu(t, wait, func(m traytest.Node) bool {
				fo, ok := m.Find("Recent failovers")
				return ok && slices.Equal(fo.Labels(), []string{"none yet"})
			})
			if n, _ := m.Find("none yet"); n.Enabled {
				t.Error("none yet is clickable")
			}
		}},
		{"backend added: menu rebuilt, clicks still work", func(t *testing.T) {
			s4 := s
			s4.Backends = append(slices.Clone(s.Backends), Backend{ID: "my_proxy", Enabled: true, State: "ok"})
			change(t, s4) // the rebuild is complete before the first GetLayout, as WaitMenu needs
			// Wait for the whole rebuild: the last entry is there, and the
			// submenu is filled (the first layout after a reset is shallow).
			m := item.WaitMenu(t, wait, func(m traytest.Node) bool {
				l := m.Labels()
				fo, _ := m.Find("Recent failovers")
				return len(l) == len(ids)+1 && l[len(l)-1] == "Quit" && len(fo.Shown()) == 2
			})
			if n, ok := m.Find("my_proxy — ok"); !ok || !n.Checked { // the underscore survives dbusmenu's mnemonics
				t.Errorf("no checked my_proxy — ok in:\n%s", m)
			}
			item.ClickLabel(t, "my_proxy — ok")
			fake.expectCall(t, "SetEnabled(my_proxy, false)")
		}},
		{"test run: running, then its summary", func(t *testing.T) {
			s6 := s
			s6.Tests = &TestRun{Running: true}
			change(t, s6)
			m := item.WaitMenu(t, wait, func(m traytest.Node) bool { _, ok := m.Find("Testing all backends…"); return ok })
			if n, _ := m.Find("Testing all backends…"); n.Enabled {
				t.Error("a second test can be started while one runs")
			}
			s6.Tests = &TestRun{At: s.Now, OK: 2, Failed: 1, Failures: []string{"kiro 127.0.0.1:8000: connection refused"}}
			change(t, s6)
			line := "Tested " + s.Now.Format("15:04") + ": 2 ok, 1 failed (kiro 127.0.0.1:8000: connection refused)"
			m = item.WaitMenu(t, wait, func(m traytest.Node) bool {
				_, ok := m.Find(line)
				_, ok2 := m.Find("Test all backends")
				return ok && ok2
			})
			if n, _ := m.Find(line); n.Enabled {
				t.Error("the summary line is clickable")
			}
		}},
		{"today's usage line, refreshed with the menu", func(t *testing.T) {
			s6 := s
			s6.Today = &Today{Requests: 12, Tokens: 34_567}
			change(t, s6)
			m := item.WaitMenu(t, wait, func(m traytest.Node) bool {
				l := m.Labels()
				return len(l) > 2 && l[2] == "Today: 12 requests · 34.6k tokens" && l[len(l)-1] == "Quit"
			})
			if n, _ := m.Find("Today: 12 requests · 34.6k tokens"); n.Enabled {
				t.Error("the Today line is clickable")
			}
			s6.Today = &Today{Requests: 13, Tokens: 1_340_000}
			change(t, s6)
			item.WaitMenu(t, wait, func(m traytest.Node) bool {
				_, ok := m.Find("Today: 13 requests · 1.3M tokens")
				return ok
			})
		}},
		{"serve error", func(t *testing.T) {
			s5 := s
			s5.Serving = false
			s5.ServeError = "port 7861 is in use by another program: set SWITCHYARD_ADDR or --addr"
			change(t, s5)
			item.WaitMenu(t, wait, func(m traytest.Node) bool {
				return len(m.Labels()) > 0 && m.Labels()[0] == s5.ServeError
			})
			want := "Switchyard: " + s5.ServeError
			if err := traytest.Poll(wait, func() bool { tip, _ := item.ToolTip(); return tip == want }); err != nil {
				tip, _ := item.ToolTip()
				t.Fatalf("tooltip %q, want %q", tip, want)
			}
			// The icon is set before the tooltip, so it is grey by now.
			checkIcon(t, item, "down", func(r, g, b byte) bool { return max(r, g, b)-min(r, g, b) < 40 && r > 80 && r < 200 })
		}},
		{"quit", func(t *testing.T) {
			m, err := item.Layout()
			n, ok := m.Find("Quit")
			if err != nil || !ok {
				t.Fatalf("no Quit entry (%v) in:\n%s", err, m)
			}
			// The tray may be gone before it replies to this click.
			if err := item.Click(n.ID); err != nil {
				t.Logf("clicking Quit: %v", err)
			}
			fake.expectCall(t, "Quit()")
			select {
			case err := <-runErr:
				if err != nil {
					t.Errorf("Run = %v", err)
				}
				runErr <- err // for the cleanup
			case <-time.After(wait):
				t.Fatal("Run did not return after Quit")
			}
		}},
	}
	for _, st := range steps {
		if !t.Run(st.name, st.fn) {
			return // later steps build on this one
		}
	}
	select {
	case c := <-fake.calls:
		t.Errorf("unexpected controller call %s", c)
	default:
	}
}
