package gateway_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3/option"

	"switchyard/gateway"
	"switchyard/gateway/config"
)

// Keys of the fake relay: their raw values must never show up outside
// the Authorization header.
const (
	qkA   = "sk-quota-canary-AAAA-1111"
	qkLow = "sk-quota-canary-LOWW-2222"
	qkB   = "sk-quota-canary-BBBB-3333"
)

// newAPIRelay is a new-api relay: its billing pair per key, and chat,
// which refuses qkA with 429 (out of quota) and names the key it served.
func newAPIRelay(t *testing.T) *upstream {
	grants := map[string][2]float64{qkA: {10, 0}, qkLow: {10, 960}, qkB: {20, 100}}
	return newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		g, ok := grants[key]
		if !ok {
			w.WriteHeader(401)
			return
		}
		switch r.URL.Path {
		case "/v1/dashboard/billing/subscription":
			fmt.Fprintf(w, `{"object":"billing_subscription","has_payment_method":true,"soft_limit_usd":%v,"hard_limit_usd":%v,"system_hard_limit_usd":%v,"access_until":0}`, g[0], g[0], g[0])
		case "/v1/dashboard/billing/usage":
			fmt.Fprintf(w, `{"object":"list","total_usage":%v}`, g[1])
		case "/v1/chat/completions":
			if key == qkA {
				status(429)(w, r)
				return
			}
			chatOK(key[len(key)-9:])(w, r)
		default:
			w.WriteHeader(404)
		}
	})
}

// notes is a notify.Notifier recording what it was asked to show.
type notes chan string

func (n notes) Notify(title, body string) { n <- title + " | " + body }

func withQuota(d time.Duration, n notes) gwOpt {
	return func(o *gateway.Options, _ *config.Config) {
		o.QuotaRefresh = d
		if n != nil {
			o.Notifier = n
		}
	}
}

// TestQuotaEndToEnd: balances read from a fake new-api relay, per key,
// appear in /api/status; the low key is tried after the key with quota
// when the active one is refused; the tray's warning line; the low-quota
// and backend-down notifications (coalesced); and no key anywhere.
func TestQuotaEndToEnd(t *testing.T) {
	relay := newAPIRelay(t)
	plain := newUpstream(t, status(500))
	rb := backend("relay", 1, config.FormatOpenAI, relay.URL+"/v1")
	rb.Quota = config.QuotaNewAPI
	pb := backend("plain", 2, config.FormatOpenAI, plain.URL+"/v1")
	pb.Models = "plain"
	rb.Models = "!plain"
	n := make(notes, 16)
	g := startGateway(t, []config.Backend{rb, pb},
		withEnv("RELAY_API_KEYS", qkA+","+qkLow+","+qkB, "PLAIN_API_KEYS", "sk-plain-key-0000"),
		withToken("tok"), withQuota(-1, n),
		withConfig(func(c *config.Config) { c.Notifications = true; c.QuotaLow = "1" }))

	// Without the client token the refresh is refused; with it, it reads.
	resp, _ := g.post(t, "/api/quota/refresh", `{}`)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("refresh without a session or token: %d", resp.StatusCode)
	}
	resp, body := g.post(t, "/api/quota/refresh", `{}`, "Authorization", "Bearer tok")
	if resp.StatusCode != 200 {
		t.Fatalf("refresh: %d %s", resp.StatusCode, body)
	}
	var snap map[string][]gateway.KeyStatus
	if err := json.Unmarshal(body, &snap); err != nil || len(snap["relay"]) != 3 {
		t.Fatalf("refresh answer %s (%v)", body, err)
	}
	if _, ok := snap["plain"]; ok {
		t.Error("a backend without a billing endpoint is in the quota answer")
	}

	st := g.status(t)
	var relaySt, plainSt gateway.BackendStatus
	for _, b := range st.Backends {
		switch b.ID {
		case "relay":
			relaySt = b
		case "plain":
			plainSt = b
		}
	}
	if relaySt.Quota != "newapi" || plainSt.Quota != "none" || !st.Notifications {
		t.Fatalf("quota kinds %q %q, notifications %v", relaySt.Quota, plainSt.Quota, st.Notifications)
	}
	want := []struct {
		mask      string
		remaining float64
		low       bool
	}{{"…1111", 10, false}, {"…2222", 0.4, true}, {"…3333", 19, false}}
	for i, w := range want {
		k := relaySt.Keys[i]
		if k.Key != w.mask || k.KeyIndex != i || k.Quota == nil || k.Quota.Remaining != w.remaining || k.Quota.Low != w.low || k.Quota.Unit != "USD" {
			t.Errorf("key %d: %+v %+v", i, k, k.Quota)
		}
	}
	if len(plainSt.Keys) != 1 || plainSt.Keys[0].Quota != nil || plainSt.Keys[0].Key != "…0000" {
		t.Errorf("plain keys %+v", plainSt.Keys)
	}
	if got := gateway.QuotaWarnings(st); !slices.Equal(got, []string{"Relay key …2222: $0.40 left"}) {
		t.Errorf("tray warnings %q", got)
	}
	if got := next(t, n); got != "Switchyard: Relay | key …2222: $0.40 left" {
		t.Errorf("notification %q", got)
	}

	// qkA (active) answers 429: the next key tried is qkB, which has
	// quota, not the low qkLow that comes first in the list.
	before := len(relay.requests())
	_, err := g.openai(option.WithAPIKey("tok")).Chat.Completions.New(t.Context(), chatParams("m"))
	if err != nil {
		t.Fatal(err)
	}
	var tried []string
	for _, r := range relay.requests()[before:] {
		if r.Path == "/v1/chat/completions" {
			tried = append(tried, r.Auth[len(r.Auth)-4:])
		}
	}
	if !slices.Equal(tried, []string{"1111", "3333"}) {
		t.Fatalf("keys tried %v, want 1111 then 3333 (the low key last)", tried)
	}

	// A backend going down is one notification (its own window).
	g.post(t, "/v1/chat/completions", `{"model":"plain-x","messages":[{"role":"user","content":"hi"}]}`, "Authorization", "Bearer tok")
	if got := next(t, n); !strings.HasPrefix(got, "Switchyard: Plain | down: http 500") {
		t.Errorf("down notification %q", got)
	}

	// The tray's checkbox: off, saved to the file; nothing more is shown.
	if err := g.SetNotifications(false); err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(g.cfgPath)
	if err != nil || !strings.Contains(string(saved), "\nnotifications: false") {
		t.Fatalf("config not saved with notifications off: %v\n%s", err, saved)
	}
	if g.status(t).Notifications {
		t.Error("status still says notifications are on")
	}

	// No key in the status, the quota answer or the logs.
	r2, _ := http.Get(g.URL + "/api/quota")
	qb, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	sb, _ := json.Marshal(g.status(t))
	for _, k := range []string{qkA, qkLow, qkB, "canary"} {
		for what, s := range map[string]string{"status": string(sb), "quota": string(qb), "logs": g.logs.String(), "config": string(saved)} {
			if strings.Contains(s, k) {
				t.Errorf("%s holds %q", what, k)
			}
		}
	}
	select {
	case got := <-n:
		t.Errorf("notification after turning them off: %q", got)
	default:
	}
}

func next(t *testing.T, n notes) string {
	t.Helper()
	select {
	case s := <-n:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("no notification")
	}
	return ""
}
