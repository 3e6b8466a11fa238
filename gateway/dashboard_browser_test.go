package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"switchyard/gateway/config"
)

// chromium finds a Chromium to drive: CHROME_PATH, /usr/bin/chromium,
// chromium-browser. Without one the test is skipped, except in CI.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROME_PATH"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium found: install chromium (apt-get install chromium) or set CHROME_PATH")
	}
	t.Skip("install chromium (apt-get install chromium) or set CHROME_PATH to run the browser test")
	return ""
}

// TestDashboardInBrowser drives the dashboard in headless Chromium: the
// read-only view, unlocking with a launch link, the enable toggle, adding a
// key through the form, and a failover showing up live. With
// SWITCHYARD_SCREENSHOTS=1 it also writes docs/dashboard.png and
// docs/dashboard-keys.png.
func TestDashboardInBrowser(t *testing.T) {
	exe := chromium(t)
	started := time.Now()

	// Four backends shaped like the presets. antigravity breaks (500), so a
	// claude request fails over to kiro.
	broken := newUpstream(t, status(500))
	kiroUp := newUpstream(t, chatOK("kiro"))
	copilotUp := newUpstream(t, chatOK("copilot"))
	ag := backend("antigravity", 1, config.FormatOpenAI, broken.URL+"/antigravity/v1")
	ag.Name, ag.Models = "Antigravity", "gemini+2.5 | gemini+3 | claude+sonnet | claude+opus | gpt-oss"
	ag.ModelList = []string{"claude-sonnet-4-5", "gemini-2.5-pro"}
	kiro := backend("kiro", 2, config.FormatOpenAI, kiroUp.URL+"/v1")
	kiro.Name, kiro.Models = "Kiro Gateway", "claude"
	kiro.Aliases = map[string]string{"sonnet": "claude-sonnet-4-5"}
	ar := backend("anyrouter", 3, config.FormatAnthropic, deadURL(t), deadURL(t))
	ar.Name, ar.Models, ar.NeedsKey = "AnyRouter", "claude | gemini+2.5 | gpt-5+codex", true
	cp := backend("copilot", 4, config.FormatOpenAI, copilotUp.URL+"/v1")
	cp.Name = "Copilot"
	keys := newFakeKeys()
	keys.m["kiro"] = []string{"sk-kiro-seeded-key-7Qm2"}
	g := startGateway(t, []config.Backend{ag, kiro, ar, cp}, withKeys(keys))

	secret := "sk-ant-" + randHex(14) // typed into the key form
	mask := "…" + secret[len(secret)-4:]

	dataDir, err := os.MkdirTemp("", "switchyard-chromium-")
	if err != nil {
		t.Fatal(err)
	}
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
		chromedp.Flag("disable-dev-shm-usage", true), // small /dev/shm in containers
		chromedp.UserDataDir(dataDir),
		chromedp.WindowSize(1280, 900),
	)
	bctx, cancelTab := chromedp.NewContext(actx)
	// Runs before the gateway stops (cleanups run last-in first-out).
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser to exit
		cancel()
		os.RemoveAll(dataDir)
	})
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("starting Chromium (%s): %v", exe, err)
	}

	// Every console error, uncaught exception or CSP refusal fails the test.
	var (
		consoleMu sync.Mutex
		problems  []string
	)
	messages := chromedp.Console(bctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			// The one expected refusal: step 4 sends an invalid setting on purpose.
			expected := strings.Contains(m.Text, "status of 400") && strings.HasSuffix(m.URL, "/api/backends/kiro")
			if (m.Type == chromedp.ConsoleError || m.IsException()) && !expected {
				consoleMu.Lock()
				problems = append(problems, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line+1))
				consoleMu.Unlock()
			}
		}
	}()

	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 10*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	eval := func(name, js string) bool {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 10*time.Second)
		defer cancel()
		v, err := chromedp.Run(sctx, chromedp.Evaluate[bool](js))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return v
	}
	html := func() string {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 10*time.Second)
		defer cancel()
		s, err := chromedp.Run(sctx, chromedp.OuterHTML(chromedp.CSS("html")))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	shoot := func(file string) {
		t.Helper()
		if os.Getenv("SWITCHYARD_SCREENSHOTS") != "1" {
			return
		}
		// Let the page settle: no toast, no highlight animation in the picture.
		step("settle before "+file, chromedp.Evaluate[chromedp.Void](`document.getElementById('toast').hidden = true;
			document.documentElement.style.scrollbarWidth = 'none';
			document.getAnimations().forEach(a => a.finish()); window.scrollTo(0, 0)`))
		sctx, cancel := context.WithTimeout(bctx, 15*time.Second)
		defer cancel()
		png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("..", "docs", file)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", path, len(png))
	}
	pollStatus := func(what string, cond func(map[string]bool) bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			enabled := map[string]bool{}
			for _, b := range g.status(t).Backends {
				enabled[b.ID] = b.Enabled
			}
			if cond(enabled) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s: %v", what, enabled)
			}
			<-tick.C
		}
	}

	// 1. Without a session: everything visible, nothing editable, a note on how to unlock.
	step("read-only view",
		chromedp.Navigate(g.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#backend-antigravity`)),
		chromedp.WaitVisible(chromedp.CSS(`#lock-note`)),
		chromedp.WaitVisible(chromedp.CSS(`#mode.locked`)),
	)
	if !eval("switch disabled", `document.querySelector('#backend-copilot .switch').disabled`) {
		t.Fatal("the enable switch works without a session")
	}

	// 2. The launch link unlocks editing and leaves the address bar clean.
	step("unlock with the launch link",
		chromedp.Navigate(g.NewLaunchURL()),
		chromedp.WaitVisible(chromedp.CSS(`#mode.unlocked`)),
		chromedp.WaitNotVisible(chromedp.CSS(`#lock-note`)),
		chromedp.WaitEnabled(chromedp.CSS(`#backend-copilot .switch`)),
	)
	if !eval("clean URL", `location.pathname === '/' && location.search === ''`) {
		t.Fatal("the launch token stayed in the address bar")
	}
	eval("mark the page", `window.__sameDocument = true`)

	// 3. The enable toggle disables copilot, as the API shows.
	step("toggle copilot off", chromedp.Click(chromedp.CSS(`#backend-copilot .switch`)))
	pollStatus("copilot disabled", func(e map[string]bool) bool { return !e["copilot"] && e["kiro"] })
	step("toggle rendered", chromedp.WaitVisible(chromedp.CSS(`#backend-copilot.disabled .switch[aria-checked="false"]`)))

	// 4. Settings are edited in place; the config's validation errors show up
	// under their field, and a valid change is saved.
	step("invalid settings show inline",
		chromedp.Click(chromedp.CSS(`#backend-kiro button.edit`)),
		chromedp.WaitVisible(chromedp.CSS(`#backend-kiro .edit-form`)),
		chromedp.SetValue(chromedp.CSS(`#backend-kiro input[name="max_retries"]`), "9"),
		chromedp.Click(chromedp.CSS(`#backend-kiro .edit-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#backend-kiro .field-max_retries.invalid .field-error`)),
	)
	step("valid settings are saved",
		chromedp.SetValue(chromedp.CSS(`#backend-kiro input[name="max_retries"]`), "2"),
		chromedp.Click(chromedp.CSS(`#backend-kiro .edit-form button[type="submit"]`)),
		chromedp.WaitNotVisible(chromedp.CSS(`#backend-kiro .edit-form`)),
	)
	if cfg, err := config.Load(g.cfgPath); err != nil || cfg.Backend("kiro").MaxRetries != 2 {
		t.Fatalf("max_retries was not saved: %v", err)
	}

	// 5. A key typed into the form is stored, and the page only ever shows its last four.
	step("add a key",
		chromedp.Click(chromedp.CSS(`.tabs a[data-tab="keys"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#key-input-anyrouter`)),
		chromedp.WaitEnabled(chromedp.CSS(`#key-input-anyrouter`)),
		chromedp.SendKeys(chromedp.CSS(`#key-input-anyrouter`), secret),
		chromedp.Click(chromedp.CSS(`#keys-anyrouter button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#keys-anyrouter li[data-key-mask="`+mask+`"]`)),
	)
	if k := keys.list("anyrouter"); len(k) != 1 || k[0] != secret {
		t.Fatalf("the key was not stored: %d keys", len(k))
	}
	if v := eval("input cleared", `document.getElementById('key-input-anyrouter').value === ''`); !v {
		t.Fatal("the key input was not cleared")
	}
	if page := html(); strings.Contains(page, secret) || strings.Contains(page, secret[:16]) || !strings.Contains(page, mask) {
		t.Fatal("the page shows the key, or not its masked form")
	}
	shoot("dashboard-keys.png")

	// 6. A failover on the fake upstreams appears live, without a reload.
	step("back to the overview",
		chromedp.Click(chromedp.CSS(`.tabs a[data-tab="overview"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#backends`)),
	)
	for i, model := range []string{"claude-sonnet-4-5", "claude-sonnet-4-5", "claude-opus-4-1", "claude-sonnet-4-5"} {
		resp, body := g.post(t, "/v1/chat/completions", `{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Switchyard-Backend") != "kiro" {
			t.Fatalf("chat %d: %d %s %s", i, resp.StatusCode, resp.Header.Get("X-Switchyard-Backend"), body)
		}
	}
	step("failover row appears",
		chromedp.WaitVisible(chromedp.CSS(`#failovers li.fo-row[data-from="antigravity"][data-to="kiro"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#requests tbody tr[data-backend="kiro"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#requests tbody tr:nth-child(4)`)),
		chromedp.WaitVisible(chromedp.CSS(`#backend-antigravity .countdown`)),
		// Counts follow in the next (coalesced, ≤250 ms later) status event.
		chromedp.WaitVisible(chromedp.CSS(`#backend-kiro[data-requests="4"]`)),
	)
	if !eval("same document", `window.__sameDocument === true`) {
		t.Fatal("the page reloaded")
	}
	if page := html(); strings.Contains(page, secret) || strings.Contains(page, "sk-kiro-seeded-key-7Qm2") {
		t.Fatal("a key reached the page")
	}
	shoot("dashboard.png")

	// 7. The snippets name this gateway.
	step("connect snippets",
		chromedp.Click(chromedp.CSS(`.tabs a[data-tab="connect"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#connect-list .snippet`)),
	)
	if !strings.Contains(html(), "ANTHROPIC_BASE_URL=http://"+g.Addr) {
		t.Fatal("the Claude Code snippet does not name this gateway")
	}
	if page := html(); !strings.Contains(page, `base_url = "http://`+g.Addr+`/v1"`) || !strings.Contains(page, `wire_api = "responses"`) {
		t.Fatal("the Codex CLI snippet does not point Codex at this gateway's Responses API")
	}

	// 8. The Sessions panel lists the conversations of step 6, pinned to
	// kiro, with a hash for a key (refreshed when the overview shows again).
	step("sessions panel",
		chromedp.Click(chromedp.CSS(`.tabs a[data-tab="overview"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#sessions tbody tr[data-key]`)),
	)
	if !eval("session pinned to kiro", `[...document.querySelectorAll('#sessions tbody tr[data-key]')].some(r => r.textContent.includes('kiro') && r.textContent.includes('Chat Completions'))`) {
		t.Fatalf("no session row pinned to kiro: %s", html())
	}

	consoleMu.Lock()
	defer consoleMu.Unlock()
	if len(problems) > 0 {
		t.Fatalf("the page logged errors:\n%s", strings.Join(problems, "\n"))
	}
	t.Logf("browser scenario took %v", time.Since(started))
}
