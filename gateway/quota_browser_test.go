package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"switchyard/gateway/config"
)

// TestQuotaInBrowser drives the backends view's quota lines (quota.js)
// in headless Chromium: each key's balance from a fake new-api relay and
// a fake copilot-api, the low key marked, "unknown" for a backend without
// a billing endpoint, and the refresh button reading the balances again.
func TestQuotaInBrowser(t *testing.T) {
	exe := chromium(t)
	relay := newAPIRelay(t)
	usageReads := make(chan struct{}, 16)
	cop := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/usage" {
			w.WriteHeader(404)
			return
		}
		usageReads <- struct{}{}
		fmt.Fprint(w, `{"copilot_plan":"individual","quota_snapshots":{"premium_interactions":{"entitlement":300,"remaining":250,"percent_remaining":83.3,"unlimited":false,"quota_id":"premium_interactions"}}}`)
	})
	plain := newUpstream(t, chatOK("plain"))
	rb := backend("relay", 1, config.FormatOpenAI, relay.URL+"/v1")
	rb.Quota = config.QuotaNewAPI
	cb := backend("copilot", 2, config.FormatOpenAI, cop.URL+"/v1")
	cb.Quota = config.QuotaCopilot
	pb := backend("plain", 3, config.FormatOpenAI, plain.URL+"/v1")
	g := startGateway(t, []config.Backend{rb, cb, pb},
		withEnv("RELAY_API_KEYS", qkA+","+qkLow+","+qkB, "PLAIN_API_KEYS", "sk-plain-key-0000"),
		withQuota(0, nil), withConfig(func(c *config.Config) { c.QuotaLow = "1" }))

	dataDir, err := os.MkdirTemp("", "switchyard-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(exe), chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("no-first-run", true), chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(dataDir))
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
	var mu sync.Mutex
	var problems []string
	go func() {
		for m, err := range chromedp.Console(bctx) {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 10*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			pctx, pcancel := context.WithTimeout(bctx, 5*time.Second)
			page, _ := chromedp.Run(pctx, chromedp.OuterHTML(chromedp.CSS("#backends")))
			pcancel()
			t.Fatalf("%s: %v\n%s", name, err, page)
		}
	}
	text := func(sel string) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 10*time.Second)
		defer cancel()
		s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("%s: %v", sel, err)
		}
		return strings.Join(strings.Fields(s), " ")
	}

	// Read-only: the balances show (read at start), refreshing does not.
	step("read-only quota lines",
		chromedp.Navigate(g.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#backend-relay .quota[data-key="…2222"][data-level="low"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#backend-copilot .quota[data-level="ok"]`)),
	)
	for sel, want := range map[string]string{
		`#backend-relay .quota[data-key="…1111"]`: "…1111 $10.00 left",
		`#backend-relay .quota[data-key="…2222"]`: "…2222 $0.40 left low",
		`#backend-relay .quota[data-key="…3333"]`: "…3333 $19.00 left",
		`#backend-copilot .quota`:                 "no key 250 requests left",
	} {
		if got := strings.ToLower(text(sel)); got != want {
			t.Errorf("%s: %q, want %q", sel, got, want)
		}
	}
	sctx, scancel := context.WithTimeout(bctx, 10*time.Second)
	noQuota, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`document.querySelector('#backend-plain .quota') === null && document.querySelector('#backend-relay .quota-refresh').disabled`))
	scancel()
	if err != nil || !noQuota {
		t.Error("plain has a quota line, or refresh works without a session")
	}

	// Unlocked: refresh reads again (the relay and copilot-api are asked).
	for len(usageReads) > 0 { // the read at start, shown above
		<-usageReads
	}
	step("refresh",
		chromedp.Navigate(g.NewLaunchURL()),
		chromedp.WaitVisible(chromedp.CSS(`#mode.unlocked`)),
		chromedp.WaitEnabled(chromedp.CSS(`#backend-copilot .quota-refresh`)),
		chromedp.Click(chromedp.CSS(`#backend-copilot .quota-refresh`)),
	)
	select {
	case <-usageReads:
	case <-time.After(5 * time.Second):
		t.Fatal("the refresh button did not read the balances")
	}
	sctx, scancel = context.WithTimeout(bctx, 10*time.Second)
	page, err := chromedp.Run(sctx, chromedp.OuterHTML(chromedp.CSS("html")))
	scancel()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{qkA, qkLow, qkB} {
		if strings.Contains(page, k) {
			t.Fatal("a key reached the page")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Fatalf("the page logged errors:\n%s", strings.Join(problems, "\n"))
	}
}
