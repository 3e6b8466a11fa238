package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"switchyard/gateway"
	"switchyard/gateway/dashboard"
	"switchyard/gateway/probe"
	"switchyard/gateway/route"
	"switchyard/tray"
)

// runApp is the desktop app: the gateway plus the tray icon. The gateway
// starts first; then the main goroutine goes to the tray (macOS needs it).
// Without a tray host it says so once and keeps serving.
func runApp(args []string) int {
	a, log, code := startApp("switchyard", args)
	if code >= 0 {
		return code
	}
	if a.listenErr != nil && isSwitchyard(a.addr) {
		// A second launch: the running instance answers; show it instead.
		log.Info("switchyard is already running; opening its dashboard", "addr", a.addr)
		a.gw.Close()
		if err := openBrowser("http://" + a.addr + "/"); err != nil {
			fmt.Fprintln(os.Stderr, "switchyard: already running at http://"+a.addr+"/ ("+err.Error()+")")
		}
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	if a.listenErr != nil {
		log.Error("not serving", "err", a.listenErr)
		served <- nil
	} else {
		log.Info("switchyard serving", "addr", a.addr, "openai_base_url", "http://"+a.addr+"/v1", "anthropic_base_url", "http://"+a.addr)
		go func() { served <- a.gw.Serve(ctx, a.ln, 5*time.Second) }()
	}
	c := newTrayController(a, stop)
	err := tray.Run(ctx, c, log)
	if errors.Is(err, tray.ErrNoTray) {
		log.Info("no system tray on this desktop; the gateway keeps serving (Ctrl-C to stop)", "reason", err)
		if a.listenErr != nil {
			fmt.Fprintln(os.Stderr, "switchyard:", a.listenErr)
			return 1
		}
		<-ctx.Done()
	} else if err != nil {
		log.Error("tray", "err", err)
	}
	stop()
	if err := <-served; err != nil {
		log.Error("serve", "err", err)
		return 1
	}
	if a.listenErr != nil {
		a.gw.Close()
	}
	return 0
}

// isSwitchyard reports whether a Switchyard answers on addr (/healthz
// identifies itself with X-Switchyard-Version).
func isSwitchyard(addr string) bool {
	cl := &http.Client{Timeout: time.Second}
	resp, err := cl.Get("http://" + addr + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200 && resp.Header.Get("X-Switchyard-Version") != ""
}

// trayController adapts the gateway to tray.Controller.
type trayController struct {
	a       *app
	quit    func()
	changed chan struct{}

	mu    sync.Mutex
	tests *tray.TestRun // the last "Test all backends"
}

func newTrayController(a *app, quit func()) *trayController {
	c := &trayController{a: a, quit: quit, changed: make(chan struct{}, 1)}
	ch, _ := a.gw.Subscribe()
	go func() {
		for range ch {
			select {
			case c.changed <- struct{}{}:
			default:
			}
			// The gateway signals every request's outcome: under load the
			// menu (a status snapshot, today's usage read from the
			// database, the D-Bus updates) would be rebuilt for each. It
			// follows at most trayRefreshEvery; what changes meanwhile is
			// coalesced into the next signal.
			time.Sleep(trayRefreshEvery)
		}
	}()
	return c
}

// trayRefreshEvery is the shortest time between two menu refreshes, as
// the dashboard's status events are paced.
const trayRefreshEvery = 250 * time.Millisecond

func (c *trayController) Snapshot() tray.Snapshot {
	s := snapshotOf(c.a.gw.Status(), c.a.addr, c.a.listenErr, tray.AutostartEnabled(), time.Now())
	s.Today = c.today()
	home, _ := os.UserHomeDir()
	s.Tools = trayTools(c.a.gw.Tools(), home)
	c.mu.Lock()
	if c.tests != nil {
		t := *c.tests
		s.Tests = &t
	}
	c.mu.Unlock()
	return s
}

func (c *trayController) signal() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

// TestAll starts "Test all backends" in the background (one run at a
// time) and shows it running; its summary replaces the last one.
func (c *trayController) TestAll() error {
	c.mu.Lock()
	if c.tests != nil && c.tests.Running {
		c.mu.Unlock()
		return nil
	}
	run := tray.TestRun{Running: true}
	if c.tests != nil {
		run = *c.tests
		run.Running = true
	}
	c.tests = &run
	c.mu.Unlock()
	c.signal()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		sum := summarizeTests(c.a.gw.TestAll(ctx), time.Now())
		c.mu.Lock()
		c.tests = &sum
		c.mu.Unlock()
		c.signal()
	}()
	return nil
}

// summarizeTests counts a test run's results and names each failure
// (backend, host, masked key, error). Pure.
func summarizeTests(rs []probe.Result, now time.Time) tray.TestRun {
	r := tray.TestRun{At: now}
	for _, x := range rs {
		if x.OK {
			r.OK++
			continue
		}
		r.Failed++
		ep := route.Host(x.BaseURL)
		if x.Key != "" {
			ep += " key " + x.Key
		}
		why := x.Error
		if why == "" {
			why = "http " + strconv.Itoa(x.Status)
		}
		r.Failures = append(r.Failures, x.Backend+" "+ep+": "+why)
	}
	return r
}

// trayTools maps the gateway's tool setup states to the tray's "Set up a
// tool" submenu, with files under home shown as ~/…. Pure.
func trayTools(list []dashboard.ToolState, home string) []tray.Tool {
	short := func(p string) string {
		if home != "" && strings.HasPrefix(p, home+string(filepath.Separator)) {
			return "~" + p[len(home):]
		}
		return p
	}
	var out []tray.Tool
	for _, t := range list {
		files := make([]string, len(t.Files))
		for i, f := range t.Files {
			files[i] = short(f)
		}
		msg := t.Error
		if home != "" {
			msg = strings.ReplaceAll(msg, home+string(filepath.Separator), "~"+string(filepath.Separator))
		}
		out = append(out, tray.Tool{ID: t.ID, Name: t.Name, Connected: t.Connected, Files: strings.Join(files, " and "), Error: msg})
	}
	return out
}

// SetUpTool sets a tool up, or undoes it, through the gateway (the same
// path as the dashboard's Connect tab).
func (c *trayController) SetUpTool(id string, undo bool) error {
	_, err := c.a.gw.ConnectTool(id, undo)
	return err
}

// today reads today's totals from the usage database (hourly totals: a
// few rows, milliseconds); nil when accounting is off or the read fails.
func (c *trayController) today() *tray.Today {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	t, ok := c.a.gw.UsageToday(ctx)
	if !ok {
		return nil
	}
	return &tray.Today{Requests: t.Requests, Tokens: t.Tokens.Input + t.Tokens.Output + t.Tokens.CacheRead + t.Tokens.CacheWrite}
}

// snapshotOf maps the gateway's status to what the tray shows. Pure.
func snapshotOf(st gateway.Status, addr string, listenErr error, autostart bool, now time.Time) tray.Snapshot {
	s := tray.Snapshot{
		Addr: addr, Serving: listenErr == nil, Autostart: autostart, Now: now,
		Notifications: st.Notifications, Warnings: gateway.QuotaWarnings(st),
		OpenAIBaseURL: "http://" + addr + "/v1", AnthropicBaseURL: "http://" + addr,
	}
	if listenErr != nil {
		s.ServeError = listenErr.Error()
	}
	for _, b := range st.Backends {
		tb := tray.Backend{ID: b.ID, Name: b.Name, Enabled: b.Enabled, State: b.State}
		for _, ep := range b.Endpoints {
			if ep.CooldownUntil != nil && (tb.CoolingUntil.IsZero() || ep.CooldownUntil.Before(tb.CoolingUntil)) {
				tb.CoolingUntil = *ep.CooldownUntil
			}
			if ep.LastError != nil && tb.LastError == "" {
				tb.LastError = *ep.LastError
			}
		}
		s.Backends = append(s.Backends, tb)
		if b.ID == st.ActiveBackend && b.ActiveEndpoint != nil {
			s.Active = &tray.Active{BackendID: b.ID, BackendName: b.Name, Host: route.Host(b.ActiveEndpoint.BaseURL), KeyMask: b.ActiveEndpoint.Key}
		}
	}
	for _, f := range st.Failovers {
		s.Failovers = append(s.Failovers, tray.Failover{Time: f.Time, Model: f.Model, From: f.From, To: f.To, Reason: f.Reason})
	}
	return s
}

func (c *trayController) Changed() <-chan struct{}            { return c.changed }
func (c *trayController) SetEnabled(id string, on bool) error { return c.a.gw.SetEnabled(id, on) }
func (c *trayController) SetAutostart(on bool) error          { return tray.SetAutostart(on) }
func (c *trayController) SetNotifications(on bool) error      { return c.a.gw.SetNotifications(on) }
func (c *trayController) Quit()                               { c.quit() }
func (c *trayController) CopyText(s string) error             { return copyText(s) }

func (c *trayController) OpenDashboard() error {
	return openBrowser(c.a.gw.NewLaunchURL())
}

// openBrowser opens url in the user's browser.
func openBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("opening the browser: %w", err)
	}
	go cmd.Wait()
	return nil
}

// copyText puts s on the clipboard with the platform's own tool.
func copyText(s string) error {
	var cands [][]string
	switch runtime.GOOS {
	case "darwin":
		cands = [][]string{{"pbcopy"}}
	case "windows":
		cands = [][]string{{"clip"}}
	default:
		cands = [][]string{{"wl-copy"}, {"xclip", "-selection", "clipboard"}, {"xsel", "--clipboard", "--input"}}
	}
	for _, c := range cands {
		if _, err := exec.LookPath(c[0]); err != nil {
			continue
		}
		cmd := exec.Command(c[0], c[1:]...)
		cmd.Stdin = strings.NewReader(s)
		if err := cmd.Run(); err == nil {
			return nil
		}
	}
	return errors.New("no clipboard tool found (install wl-clipboard or xclip)")
}
