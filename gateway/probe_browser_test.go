package gateway_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"switchyard/gateway/config"
)

// TestProbeTestButtonInBrowser clicks an endpoint's Test button in
// headless Chromium: the row shows the latency, HTTP status, the model
// that answered and the check's age; a failing endpoint shows its error;
// a read-only page cannot test.
func TestProbeTestButtonInBrowser(t *testing.T) {
	exe := chromium(t)
	good := newUpstream(t, chatOK("kiro"))
	broken := newUpstream(t, status(500))
	kiro := backend("kiro", 1, config.FormatOpenAI, good.URL+"/v1", broken.URL+"/v1")
	kiro.ModelList = []string{"sonnet"}
	kiro.Aliases = map[string]string{"sonnet": "claude-sonnet-4-5"}
	g := startGateway(t, []config.Backend{kiro}, withEnv("KIRO_API_KEYS", probeKey))

	dataDir, err := os.MkdirTemp("", "switchyard-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe), chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(dataDir), chromedp.WindowSize(1280, 900),
	)
	bctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancel()
		os.RemoveAll(dataDir)
	})
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("starting Chromium (%s): %v", exe, err)
	}
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
			if m.Type == chromedp.ConsoleError || m.IsException() {
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
	text := func(sel string) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 10*time.Second)
		defer cancel()
		s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	goodRow := `#backend-kiro tbody tr:nth-child(1)`
	badRow := `#backend-kiro tbody tr:nth-child(2)`

	step("read-only: no test",
		chromedp.Navigate(g.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(goodRow+` .btn-test`)),
		chromedp.WaitVisible(chromedp.CSS(`#mode.locked`)),
		chromedp.WaitVisible(chromedp.CSS(goodRow+` td.ep-probe[data-probe="none"]`)),
	)
	if s := text(goodRow + ` .ep-probe`); s != "—\nTest" && s != "— Test" {
		t.Fatalf("unchecked endpoint shows %q", s)
	}
	step("unlock", chromedp.Navigate(g.NewLaunchURL()), chromedp.WaitEnabled(chromedp.CSS(goodRow+` .btn-test`)))

	step("test the good endpoint",
		chromedp.Click(chromedp.CSS(goodRow+` .btn-test`)),
		chromedp.WaitVisible(chromedp.CSS(goodRow+` td.ep-probe[data-probe="ok"] .probe-model`)),
	)
	s := text(goodRow + ` .ep-probe`)
	for _, want := range []string{"Test OK", "HTTP 200", "ms", "claude-sonnet-4-5", "just now"} {
		if !strings.Contains(s, want) {
			t.Errorf("good endpoint's check shows %q, want %q in it", s, want)
		}
	}
	if n := len(good.requests()); n != 1 || !strings.Contains(string(good.requests()[0].Body), "Reply with OK") {
		t.Fatalf("the good upstream saw %d requests", n)
	}
	if len(broken.requests()) != 0 {
		t.Fatal("testing one endpoint reached the other")
	}

	step("test the broken endpoint",
		chromedp.Click(chromedp.CSS(badRow+` .btn-test`)),
		chromedp.WaitVisible(chromedp.CSS(badRow+` td.ep-probe[data-probe="failed"] .probe-error`)),
		chromedp.WaitVisible(chromedp.CSS(badRow+` .countdown`)), // it cools
	)
	if s := text(badRow + ` .ep-probe`); !strings.Contains(s, "Test failed") || !strings.Contains(s, "HTTP 500") || !strings.Contains(s, "upstream says 500") {
		t.Fatalf("broken endpoint's check shows %q", s)
	}
	sctx, cancel2 := context.WithTimeout(bctx, 10*time.Second)
	defer cancel2()
	page, err := chromedp.Run(sctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil || strings.Contains(page, "sk-secret") {
		t.Fatalf("page: %v (key shown: %v)", err, strings.Contains(page, "sk-secret"))
	}
	consoleMu.Lock()
	defer consoleMu.Unlock()
	// The failed test's toast is no console error; a refused fetch would be.
	if len(problems) > 0 {
		t.Fatalf("the page logged errors:\n%s", strings.Join(problems, "\n"))
	}
}
