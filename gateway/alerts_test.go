package gateway_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"switchyard/gateway/clock/clocktest"
	"switchyard/gateway/config"
)

// TestNotificationEvents: with notifications on, a refused key, a backend
// going down and coming back reach the notifier, at most one a minute per
// backend on the gateway's clock; with them off, nothing does.
func TestNotificationEvents(t *testing.T) {
	var flakyDown atomic.Bool
	flakyDown.Store(true)
	flaky := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if flakyDown.Load() {
			status(500)(w, r)
			return
		}
		chatOK("flaky")(w, r)
	})
	keyed := newUpstream(t, onlyKey("sk-good-key-for-keyed-9999", chatOK("keyed")))
	fb := backend("flaky", 1, config.FormatOpenAI, flaky.URL+"/v1")
	fb.Models = "flaky"
	kb := backend("keyed", 2, config.FormatOpenAI, keyed.URL+"/v1")
	kb.Models = "keyed"
	clk := clocktest.New(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	n := make(notes, 16)
	g := startGateway(t, []config.Backend{fb, kb}, withClock(clk), withQuota(-1, n),
		withEnv("KEYED_API_KEYS", "sk-revoked-key-for-keyed-1111,sk-good-key-for-keyed-9999"),
		withConfig(func(c *config.Config) { c.Notifications = true }))
	chat := func(model string) int {
		resp, _ := g.post(t, "/v1/chat/completions", `{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`)
		return resp.StatusCode
	}

	// The first key is refused; the second answers: one notification.
	if c := chat("keyed-1"); c != 200 {
		t.Fatalf("keyed: %d", c)
	}
	if got := next(t, n); got != "Switchyard: Keyed | key …1111 refused (http 401)" {
		t.Errorf("refused: %q", got)
	}
	// Down at once; back is held until the minute since is over.
	if c := chat("flaky-1"); c != 503 {
		t.Fatalf("flaky down: %d", c)
	}
	if got := next(t, n); !strings.HasPrefix(got, "Switchyard: Flaky | down: http 500") {
		t.Errorf("down: %q", got)
	}
	flakyDown.Store(false)
	clk.Advance(6 * time.Second) // the cooldown ends
	if c := chat("flaky-2"); c != 200 {
		t.Fatalf("flaky back: %d", c)
	}
	select {
	case got := <-n:
		t.Fatalf("a second notification within the minute: %q", got)
	case <-time.After(100 * time.Millisecond):
	}
	clk.Advance(time.Minute)
	if got := next(t, n); got != "Switchyard: Flaky | back" {
		t.Errorf("back: %q", got)
	}

	// Off: a backend going down again says nothing.
	if err := g.SetNotifications(false); err != nil {
		t.Fatal(err)
	}
	flakyDown.Store(true)
	clk.Advance(2 * time.Minute)
	if c := chat("flaky-3"); c != 503 {
		t.Fatalf("flaky down again: %d", c)
	}
	clk.Advance(2 * time.Minute)
	select {
	case got := <-n:
		t.Fatalf("notification while off: %q", got)
	case <-time.After(100 * time.Millisecond):
	}
	if strings.Contains(g.logs.String(), "sk-revoked-key") || strings.Contains(g.logs.String(), "sk-good-key") {
		t.Error("a key reached the logs")
	}
}
