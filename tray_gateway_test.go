//go:build linux && !race

// This test drives the real tray over a private D-Bus session, in front of
// the real gateway. It is built without -race because fyne.io/systray
// v1.12.2 has a data race of its own (a menu-revision bump 150 ms after the
// first GetLayout, see tray/traytest); scripts/test.sh runs it in a second,
// race-free pass.

package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"switchyard/connect"
	"switchyard/gateway"
	"switchyard/gateway/config"
	usagedb "switchyard/gateway/usage"
	"switchyard/tray"
	"switchyard/tray/traytest"
)

func TestTrayDrivesGateway(t *testing.T) {
	bus := traytest.StartBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus.Addr)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // autostart state
	// Tool setup works in a home of its own, with the app's own builder.
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_STATE_HOME", filepath.Join(home, ".local", "state"))
	for _, k := range []string{"CLAUDE_CONFIG_DIR", "CODEX_HOME", "GEMINI_CLI_HOME", "CONTINUE_GLOBAL_DIR", "SWITCHYARD_TOKEN"} {
		t.Setenv(k, "")
	}
	settings := filepath.Join(home, ".claude", "settings.json")
	const mine = "{\n  // mine\n  \"model\": \"opus\"\n}\n"
	if err := os.MkdirAll(filepath.Dir(settings), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(settings, []byte(mine), 0o600); err != nil {
		t.Fatal(err)
	}
	w := traytest.StartWatcher(t, bus)

	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(500)
	}))
	defer bad.Close()
	var goodMu sync.Mutex
	var goodBodies []string
	goodReqs := func() []string {
		goodMu.Lock()
		defer goodMu.Unlock()
		return append([]string(nil), goodBodies...)
	}
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		goodMu.Lock()
		goodBodies = append(goodBodies, string(b))
		goodMu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		// A new-api relay's billing pair: $10 granted, $9.60 used.
		switch r.URL.Path {
		case "/v1/dashboard/billing/subscription":
			io.WriteString(w, `{"object":"billing_subscription","hard_limit_usd":10,"system_hard_limit_usd":10,"access_until":0}`)
			return
		case "/v1/dashboard/billing/usage":
			io.WriteString(w, `{"object":"list","total_usage":960}`)
			return
		}
		io.WriteString(w, `{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}`)
	}))
	defer good.Close()

	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	cfg := config.Defaults()
	cfg.Listen = addr
	mk := func(id, name string, prio int, url string) config.Backend {
		return config.Backend{ID: id, Name: name, Priority: prio, Format: config.FormatOpenAI, Enabled: true,
			BaseURLs: []string{url}, Timeout: 5 * time.Second, StreamTimeout: 5 * time.Second, Models: "*", MaxTokensDefault: 1024}
	}
	relay := mk("backup", "Backup", 2, good.URL+"/v1")
	relay.Quota = config.QuotaNewAPI
	cfg.Backends = []config.Backend{mk("primary", "Primary", 1, bad.URL), relay}
	for i := range cfg.Backends {
		cfg.Backends[i].ModelList = []string{"m"} // what "Test all backends" asks for
	}
	cfg.QuotaLow = "1"
	cfgPath := filepath.Join(dir, "config.yaml")
	env := map[string]string{"BACKUP_API_KEYS": "sk-backup-relay-key-ab12"}
	recorded := make(chan usagedb.Record, 1)
	gw, err := gateway.New(gateway.Options{Config: cfg, ConfigPath: cfgPath, StateDir: filepath.Join(dir, "state"), ModelRefresh: -1,
		Getenv: func(k string) string { return env[k] }, Logger: slog.New(slog.DiscardHandler), Version: "test",
		UsageDB: filepath.Join(dir, "usage.db"), OnUsage: func(r usagedb.Record) {
			select {
			case recorded <- r: // the first request's record
			default:
			}
		},
		ToolSetup: func() (*connect.Setup, error) { return newToolSetup(addr, "") }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan struct{})
	go func() { gw.Serve(ctx, ln, time.Second); close(served) }()

	// One failover before the tray starts: primary → backup (http 500).
	resp, err := http.Post("http://"+addr+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Switchyard-Backend") != "backup" {
		t.Fatalf("setup: answered by %q", resp.Header.Get("X-Switchyard-Backend"))
	}
	<-recorded // queued once the answer has left; then written
	if err := gw.UsageStore().Flush(ctx); err != nil {
		t.Fatal(err)
	}

	a := &app{gw: gw, addr: addr, cfgPath: cfgPath, log: slog.New(slog.DiscardHandler)}
	c := newTrayController(a, cancel)
	ran := make(chan error, 1)
	go func() { ran <- tray.Run(ctx, c, slog.New(slog.DiscardHandler)) }()

	item := w.WaitItem(t, 10*time.Second)
	menu := item.WaitMenu(t, 10*time.Second, func(m traytest.Node) bool {
		fo, ok := m.Find("Recent failovers")
		_, warned := m.Find("⚠ Backup key …ab12: $0.40 left") // the balance read at start
		return ok && warned && len(fo.Shown()) > 0 && strings.Contains(fo.Shown()[0].Label, "primary → backup")
	})
	labels := strings.Join(menu.Labels(), "\n")
	for _, want := range []string{
		"Switchyard, serving on " + addr,
		"Active: Backup · " + strings.TrimPrefix(good.URL, "http://"),
		"Backup — ok",
		"Today: 1 request · 8 tokens",
		"Open dashboard", "Copy OpenAI base URL", "Copy Anthropic base URL", "Quit",
	} {
		if !strings.Contains(labels, want) {
			t.Fatalf("menu lacks %q:\n%s", want, labels)
		}
	}
	if !strings.Contains(labels, "Primary — cooling down until") {
		t.Fatalf("primary should show its cooldown:\n%s", labels)
	}
	backup, _ := menu.Find("Backup — ok")
	if !backup.Checkable || !backup.Checked {
		t.Fatalf("backup checkbox %+v", backup)
	}
	fo, _ := menu.Find("Recent failovers")
	if line := fo.Shown()[0].Label; !strings.HasSuffix(line, "primary → backup (http 500)") {
		t.Fatalf("failover line %q", line)
	}

	// "Test all backends" sends one completion to each endpoint and sums
	// the run up in a menu line.
	before := len(goodReqs())
	item.ClickLabel(t, "Test all backends")
	line := "1 ok, 1 failed (primary " + strings.TrimPrefix(bad.URL, "http://") + ": http 500)"
	m := item.WaitMenu(t, 10*time.Second, func(m traytest.Node) bool {
		for _, l := range m.Labels() {
			if strings.HasPrefix(l, "Tested ") && strings.HasSuffix(l, line) {
				return true
			}
		}
		return false
	})
	if _, ok := m.Find("Test all backends"); !ok {
		t.Fatalf("the item did not come back after the run:\n%s", m)
	}
	if n := len(goodReqs()) - before; n != 1 {
		t.Fatalf("the test sent %d requests to backup, want 1", n)
	}

	// Desktop notifications: off by default; the checkbox turns them on,
	// saved in the config.
	if n, ok := menu.Find("Desktop notifications"); !ok || !n.Checkable || n.Checked {
		t.Fatalf("notifications checkbox %+v", n)
	}
	item.ClickLabel(t, "Desktop notifications")
	item.WaitMenu(t, 5*time.Second, func(m traytest.Node) bool { n, ok := m.Find("Desktop notifications"); return ok && n.Checked })
	if saved, err := config.Load(cfgPath); err != nil || !saved.Notifications {
		t.Fatalf("notifications were not saved: %v", err)
	}

	// A click on the checkbox disables the backend in the gateway, saved.
	item.ClickLabel(t, "Backup — ok")
	if err := traytest.Poll(5*time.Second, func() bool {
		for _, b := range gw.Status().Backends {
			if b.ID == "backup" {
				return !b.Enabled
			}
		}
		return false
	}); err != nil {
		t.Fatal("clicking the checkbox did not disable the backend in /api/status")
	}
	item.WaitMenu(t, 5*time.Second, func(m traytest.Node) bool { _, ok := m.Find("Backup — disabled"); return ok })
	saved, err := config.Load(cfgPath)
	if err != nil || saved.Backend("backup").Enabled {
		t.Fatalf("the toggle was not saved: %v", err)
	}

	// "Set up a tool": a click points Claude Code at the gateway; the item
	// is then checked, and a click on it undoes the setup byte for byte.
	item.WaitMenu(t, 5*time.Second, func(m traytest.Node) bool {
		n, ok := m.Find("Set up Claude Code")
		return ok && n.Checkable && !n.Checked && n.Enabled
	})
	item.ClickLabel(t, "Set up Claude Code")
	item.WaitMenu(t, 5*time.Second, func(m traytest.Node) bool { n, ok := m.Find("Set up Claude Code"); return ok && n.Checked })
	if b, err := os.ReadFile(settings); err != nil || !strings.Contains(string(b), `"ANTHROPIC_BASE_URL": "http://`+addr+`"`) || !strings.Contains(string(b), "// mine") {
		t.Fatalf("after Set up Claude Code, settings.json is %q (%v)", b, err)
	}
	item.ClickLabel(t, "Set up Claude Code")
	item.WaitMenu(t, 5*time.Second, func(m traytest.Node) bool { n, ok := m.Find("Set up Claude Code"); return ok && !n.Checked })
	if b, err := os.ReadFile(settings); err != nil || string(b) != mine {
		t.Fatalf("after the undo click, settings.json is %q (%v), want %q", b, err, mine)
	}

	item.ClickLabel(t, "Quit")
	select {
	case err := <-ran:
		if err != nil {
			t.Fatalf("tray.Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Quit did not end the tray")
	}
	<-served
}
