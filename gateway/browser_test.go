package gateway_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"switchyard/gateway/config"
	"switchyard/gateway/usage"
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

// TestUsageTabInBrowser: with accounting on, requests through real
// upstreams (an OpenAI-format and an Anthropic-format backend) and a few
// earlier days show in the Usage tab: totals, the per-day chart, each
// backend's cache hit ratio, the grouped table, the range picker and the
// CSV link. A gateway whose database cannot be opened shows "accounting
// is off" with the warning.
func TestUsageTabInBrowser(t *testing.T) {
	upO, upA := usageUpstream(t, config.FormatOpenAI), usageUpstream(t, config.FormatAnthropic)
	bo := backend("openai", 1, config.FormatOpenAI, upO.URL+"/v1")
	ba := backend("anthropic", 2, config.FormatAnthropic, upA.URL)
	added := make(chan usage.Record, 4)
	g := startGateway(t, []config.Backend{bo, ba}, withUsage(t.TempDir(), usage.Options{Location: time.Local}),
		withEnv("OPENAI_API_KEYS", acctKey, "ANTHROPIC_API_KEYS", "sk-ant-other-key-AB12"), onUsage(added))
	st := g.UsageStore()
	// Earlier days, so the chart has a shape (the store takes records as
	// the gateway writes them).
	now := time.Now()
	for i := 1; i <= 12; i++ {
		st.Add(usage.Record{Time: now.AddDate(0, 0, -i), Protocol: "anthropic", Backend: "anthropic", KeyFingerprint: "…AB12",
			ModelAsked: "claude-sonnet-4-5", ModelServed: "claude-sonnet-4-5-20250929", InputTokens: int64(2000 + 900*(i%5)),
			OutputTokens: int64(600 + 150*(i%3)), CacheReadTokens: int64(9000 + 1500*(i%4)), CacheWriteTokens: 1200, Status: 200, Attempts: 1})
	}
	// Today: two requests through the OpenAI-format backend, one through
	// the Anthropic-format one.
	for i, call := range []struct{ path, body string }{
		{"/v1/chat/completions", `{"model":"asked-model","messages":[{"role":"user","content":"hi"}]}`},
		{"/v1/messages", `{"model":"asked-model","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}`},
		{"disable openai", ""},
		{"/v1/messages", `{"model":"asked-model","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}`},
	} {
		if call.body == "" {
			if err := g.SetEnabled("openai", false); err != nil {
				t.Fatal(err)
			}
			continue
		}
		resp, out := g.post(t, call.path, call.body)
		if resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, out)
		}
		<-added
	}
	flushUsage(t, g)
	var byBackend struct {
		Rows []usage.Row
	}
	getJSON(t, g.URL+"/api/usage?group=backend", &byBackend)
	if len(byBackend.Rows) != 2 {
		t.Fatalf("/api/usage by backend: %+v", byBackend.Rows)
	}

	b := newBrowser(t, nil)
	b.step("open the Usage tab",
		chromedp.Navigate(g.URL+"/#usage"),
		chromedp.WaitVisible(chromedp.CSS(`#usage-body[data-group="day"] #usage-table tfoot tr.total`)),
		chromedp.WaitVisible(chromedp.CSS(`#usage-chart svg rect.u-cr`)),
	)
	b.step("today in the header", chromedp.WaitVisible(chromedp.CSS(`#today`)))
	if v := b.eval("today", `document.getElementById('today').textContent`); v != "Today: 3 requests · 3.5k tokens" {
		t.Errorf("header says %q, want today's 3 requests and their 3.5k tokens (1,200 in + 150 out + 1,800 cache read + 300 cache write)", v)
	}
	if v := b.eval("requests tile", `document.querySelector('#usage-requests .tile-value').textContent`); v != "15" {
		t.Errorf("requests tile %q, want 15 (12 earlier + 3 today)", v)
	}
	if v := b.eval("day rows", `String(document.querySelectorAll('#usage-table tbody tr').length)`); v != "13" {
		t.Errorf("%s day rows, want 13", v)
	}
	if v := b.eval("chart bars", `String(document.querySelectorAll('#usage-chart svg rect.slot').length)`); v != "30" {
		t.Errorf("%s days in the 30-day chart", v)
	}
	for _, r := range byBackend.Rows {
		want := fmt.Sprintf("%.1f%%", 100*r.CacheHitRatio)
		if v := b.eval("cache ratio "+r.Group, `document.querySelector('#usage-cache li[data-backend="`+r.Group+`"] .cache-pct').textContent`); v != want {
			t.Errorf("%s cache hit ratio shows %q, want %q", r.Group, v, want)
		}
	}
	if v := b.eval("cost marked", `document.querySelector('#usage-cost .tile-label').textContent + ' ' + document.querySelector('#usage-cost .tile-sub').textContent`); !strings.Contains(v, "Est. cost") || !strings.Contains(v, "estimate") {
		t.Errorf("the cost is not marked as an estimate: %q", v)
	}
	b.shoot("usage.png")

	b.step("group by model",
		chromedp.SetValue(chromedp.CSS(`#usage-group`), "model"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('usage-group').dispatchEvent(new Event('change'))`),
		chromedp.WaitVisible(chromedp.CSS(`#usage-body[data-group="model"] #usage-table tr[data-group="`+servedModel+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#usage-table tr[data-group="claude-sonnet-4-5-20250929"]`)),
	)
	if v := b.eval("served model row", `document.querySelector('#usage-table tr[data-group="`+servedModel+`"] td:nth-child(2)').textContent`); v != "3" {
		t.Errorf("%s requests for %s, want 3", v, servedModel)
	}
	from := now.AddDate(0, 0, -6).Format("2006-01-02")
	b.step("last 7 days",
		chromedp.Click(chromedp.CSS(`#usage-controls button[data-days="7"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#usage-controls button[data-days="7"][aria-pressed="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#usage-body[data-from="`+from+`"][data-group="model"] #usage-table tfoot tr.total`)),
	)
	if v := b.eval("requests in 7 days", `document.querySelector('#usage-requests .tile-value').textContent`); v != "9" {
		t.Errorf("requests tile over 7 days %q, want 9 (6 earlier + 3 today)", v)
	}
	href := b.eval("csv link", `document.getElementById('usage-csv').href`)
	if !strings.Contains(href, "/api/usage.csv?from="+from+"&to="+now.Format("2006-01-02")) {
		t.Fatalf("CSV link %q", href)
	}
	resp, err := http.Get(href)
	if err != nil {
		t.Fatal(err)
	}
	csv, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		strings.Count(string(csv), "\n") != 10 || strings.Contains(string(csv), acctKey) {
		t.Errorf("CSV: %d %s, %d lines (want a header and 9 records, no key):\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), strings.Count(string(csv), "\n"), csv)
	}

	// Accounting off: the database cannot be opened (its folder is a file).
	blocker := filepath.Join(t.TempDir(), "file")
	writeFile(t, blocker, "")
	off := startGateway(t, nil, withUsage(blocker, usage.Options{}))
	b.step("accounting off",
		chromedp.Navigate(off.URL+"/#usage"),
		chromedp.WaitVisible(chromedp.CSS(`#usage-off`)),
		chromedp.WaitVisible(chromedp.CSS(`#usage-warning`)),
	)
	if v := b.eval("warning", `document.getElementById('usage-warning').textContent`); !strings.Contains(v, "usage accounting is off") {
		t.Errorf("warning %q", v)
	}
	if v := b.eval("no today line", `String(document.getElementById('today').hidden)`); v != "true" {
		t.Error("the header shows today's usage with accounting off")
	}
	if v := b.eval("controls hidden", `String(document.getElementById('usage-controls').hidden)`); v != "true" {
		t.Error("the range and group controls show with accounting off")
	}
}
