package gateway_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser is a headless Chromium tab for the dashboard's tab tests
// (Connect, Usage). Every console error, uncaught exception or CSP
// refusal fails the test at cleanup, except those allowed by expected.
type browser struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	problems []string
}

func newBrowser(t *testing.T, expected func(chromedp.ConsoleMessage) bool) *browser {
	t.Helper()
	exe := chromium(t)
	dataDir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(dataDir),
		chromedp.WindowSize(1280, 900),
	)
	bctx, cancelTab := chromedp.NewContext(actx)
	b := &browser{t: t, ctx: bctx}
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancel()
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Errorf("browser console: %s", p)
		}
	})
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("starting Chromium (%s): %v", exe, err)
	}
	messages := chromedp.Console(bctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if (m.Type == chromedp.ConsoleError || m.IsException()) && (expected == nil || !expected(m)) {
				b.mu.Lock()
				b.problems = append(b.problems, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line+1))
				b.mu.Unlock()
			}
		}
	}()
	return b
}

func (b *browser) step(name string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	sctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", name, err)
	}
}

func (b *browser) eval(name, js string) string {
	b.t.Helper()
	sctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("%s: %v", name, err)
	}
	return v
}

// shoot writes a full-page PNG to docs/img/NAME when
// SWITCHYARD_SCREENSHOTS=1.
func (b *browser) shoot(name string) {
	b.t.Helper()
	if os.Getenv("SWITCHYARD_SCREENSHOTS") != "1" {
		return
	}
	b.step("settle before "+name, chromedp.Evaluate[chromedp.Void](`document.getElementById('toast').hidden = true;
		document.documentElement.style.scrollbarWidth = 'none';
		document.getAnimations().forEach(a => a.finish()); window.scrollTo(0, 0)`))
	sctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join("..", "docs", "img", name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("wrote %s (%d bytes)", path, len(png))
}

// TestConnectTabInBrowser: the Connect tab sets Claude Code up with one
// click, shows it pointing at Switchyard, and Undo puts the file back
// byte for byte; a tool whose config does not parse says so.
func TestConnectTabInBrowser(t *testing.T) {
	home := t.TempDir()
	settings := filepath.Join(home, ".claude", "settings.json")
	writeFile(t, settings, claudeSettings)
	codexPath := filepath.Join(home, ".codex", "config.toml")
	writeFile(t, codexPath, "[model_providers\n")
	g := startGateway(t, nil, withTools(home))
	b := newBrowser(t, nil)

	b.step("read-only Connect tab",
		chromedp.Navigate(g.URL+"/#connect"),
		chromedp.WaitVisible(chromedp.CSS(`#tools-list [data-tool="claude-code"][data-state="off"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#mode.locked`)),
	)
	if v := b.eval("buttons locked", `String(document.querySelector('[data-tool="claude-code"] button[data-act="apply"]').disabled)`); v != "true" {
		t.Fatal("Set up works without a session")
	}
	b.step("unlock and open the Connect tab",
		chromedp.Navigate(g.NewLaunchURL()),
		chromedp.WaitVisible(chromedp.CSS(`#mode.unlocked`)),
		chromedp.Click(chromedp.CSS(`.tabs a[data-tab="connect"]`)),
		chromedp.WaitEnabled(chromedp.CSS(`[data-tool="claude-code"] button[data-act="apply"]`)),
	)
	if v := b.eval("files shown", `document.querySelector('[data-tool="claude-code"] .tool-files').textContent`); v != "~/.claude/settings.json" {
		t.Errorf("Claude Code's card names %q, want ~/.claude/settings.json", v)
	}
	if v := b.eval("badge", `document.querySelector('[data-tool="claude-code"] .tag').textContent`); v != "not set up" {
		t.Errorf("badge before setup: %q", v)
	}
	if v := b.eval("broken codex", `document.querySelector('[data-tool="codex"][data-state="error"] .tool-error').textContent`); !strings.HasPrefix(v, "Config does not parse: ") || !strings.Contains(v, "~/.codex/config.toml:1:") {
		t.Errorf("Codex's card with a broken config says %q", v)
	}

	b.step("Set up Claude Code",
		chromedp.Click(chromedp.CSS(`[data-tool="claude-code"] button[data-act="apply"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-tool="claude-code"][data-state="connected"]`)),
	)
	if v := b.eval("badge", `document.querySelector('[data-tool="claude-code"] .tag').textContent`); v != "points at Switchyard" {
		t.Errorf("badge after setup: %q", v)
	}
	if got := readText(t, settings); !strings.Contains(got, `"ANTHROPIC_BASE_URL": "`+g.URL+`"`) || !strings.Contains(got, "// mine") {
		t.Fatalf("settings.json after Set up:\n%s", got)
	}
	if v := b.eval("backup named", `document.querySelector('[data-tool="claude-code"] .tool-note').textContent`); !strings.Contains(v, "Backup: ~/.claude/settings.json.switchyard-") {
		t.Errorf("the card does not name the backup: %q", v)
	}
	b.shoot("connect.png")

	b.step("Undo",
		chromedp.WaitEnabled(chromedp.CSS(`[data-tool="claude-code"] button[data-act="undo"]`)),
		chromedp.Click(chromedp.CSS(`[data-tool="claude-code"] button[data-act="undo"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-tool="claude-code"][data-state="off"]`)),
	)
	if got := readText(t, settings); got != claudeSettings {
		t.Fatalf("after Undo settings.json is\n%s\nwant byte for byte\n%s", got, claudeSettings)
	}
	if got := readText(t, codexPath); got != "[model_providers\n" {
		t.Fatalf("the broken codex config was changed: %q", got)
	}
}
