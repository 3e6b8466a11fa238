package route

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// firstAttempt returns the label of the plan's first attempt ("" for none).
func firstAttempt(tb *Table) string {
	a, ok := tb.NewPlan("m").Next()
	if !ok {
		return ""
	}
	return label(a)
}

func TestProbeResultCoolsAndEndsCooldown(t *testing.T) {
	tb, clk := newTestTable(t, spec("a", 1, urlsFor("a", 2)...), spec("b", 2, urlsFor("b", 1)...))
	tb.SetKeys("a", keysFor("a", 1))
	u0 := urlsFor("a", 2)[0]
	fp := keysFor("a", 1)[0].Fingerprint()

	// A failed probe cools the pair by the request rules: the next request
	// starts on the other URL.
	if !tb.ProbeResult("a", u0, fp, Probe{Kind: "models", Status: 503, Error: "http 503", At: clk.Now()}, Server, 0) {
		t.Fatal("probe of a known pair not recorded")
	}
	if got := firstAttempt(tb); got != "a:u1:k0" {
		t.Fatalf("after a failed probe the first attempt is %s, want a:u1:k0", got)
	}
	ep := tb.Status()[0].Endpoints[0]
	if ep.State != "cooling" || ep.Probe == nil || ep.Probe.OK || ep.Probe.Status != 503 || ep.LastError == nil || *ep.LastError != "http 503" {
		t.Fatalf("endpoint after a failed probe: %+v probe %+v", ep, ep.Probe)
	}
	// A passing probe ends the cooldown early (well before TransientBase).
	clk.Advance(time.Second)
	tb.ProbeResult("a", u0, fp, Probe{Kind: "models", OK: true, Status: 200, LatencyMS: 12, At: clk.Now()}, OK, 0)
	ep = tb.Status()[0].Endpoints[0]
	if ep.State != "ok" || ep.CooldownUntil != nil || ep.Probe == nil || !ep.Probe.OK || !ep.Probe.At.Equal(clk.Now()) {
		t.Fatalf("endpoint after a passing probe: %+v probe %+v", ep, ep.Probe)
	}
	if got := firstAttempt(tb); got != "a:u0:k0" {
		t.Fatalf("after a passing probe the first attempt is %s, want a:u0:k0 (not a half-open probe)", got)
	}
	// A probe changes no request counts.
	if st := tb.Status()[0]; st.Requests != 0 || st.Failures != 0 {
		t.Fatalf("probe counted as requests: %d/%d", st.Requests, st.Failures)
	}
}

func TestProbeResultAuthRefusesKey(t *testing.T) {
	tb, clk := newTestTable(t, spec("a", 1, urlsFor("a", 1)...))
	keys := keysFor("a", 2)
	tb.SetKeys("a", keys)
	u := urlsFor("a", 1)[0]
	tb.ProbeResult("a", u, keys[0].Fingerprint(), Probe{Kind: "completion", Status: 401, Error: "http 401", At: clk.Now()}, Auth, 0)
	if got := firstAttempt(tb); got != "a:u0:k1" {
		t.Fatalf("first attempt %s, want the other key", got)
	}
	if cu := tb.Status()[0].Endpoints[0].CooldownUntil; cu == nil || !cu.Equal(clk.Now().Add(AuthCooldown)) {
		t.Fatalf("auth cooldown until %v", cu)
	}
	// Quota uses Retry-After.
	tb.ProbeResult("a", u, keys[1].Fingerprint(), Probe{Kind: "completion", Status: 429, At: clk.Now()}, Quota, 7*time.Second)
	if cu := tb.Status()[0].Endpoints[1].CooldownUntil; cu == nil || !cu.Equal(clk.Now().Add(7*time.Second)) {
		t.Fatalf("quota cooldown until %v", cu)
	}
}

func TestProbeResultNeutralAndUnknown(t *testing.T) {
	tb, clk := newTestTable(t, spec("a", 1, urlsFor("a", 1)...))
	u := urlsFor("a", 1)[0]
	// A missing model (404 on the test completion) is no sign of ill health.
	tb.ProbeResult("a", u, "", Probe{Kind: "completion", Status: 404, Error: "http 404", At: clk.Now()}, NoModel, 0)
	ep := tb.Status()[0].Endpoints[0]
	if ep.State != "ok" || ep.Probe == nil || ep.Probe.Status != 404 {
		t.Fatalf("endpoint after a 404 probe: %+v", ep)
	}
	if tb.ProbeResult("a", "https://elsewhere.example", "", Probe{}, Server, 0) ||
		tb.ProbeResult("zz", u, "", Probe{}, Server, 0) ||
		tb.ProbeResult("a", u, "nosuchkey", Probe{}, Server, 0) {
		t.Fatal("a probe of an unknown pair was recorded")
	}
	// Removing the key drops its probe with its health.
	tb.SetKeys("a", keysFor("a", 1))
	if p := tb.Status()[0].Endpoints[0].Probe; p != nil {
		t.Fatalf("probe of a pair that no longer exists: %+v", p)
	}
}

func TestEndpointsAndProbeJSON(t *testing.T) {
	tb, clk := newTestTable(t, spec("a", 1, urlsFor("a", 2)...))
	tb.SetKeys("a", keysFor("a", 2))
	sp, eps, ok := tb.Endpoints("a")
	if !ok || sp.ID != "a" || len(eps) != 4 || eps[1].BaseURL != urlsFor("a", 2)[1] || eps[2].Key.Reveal() != rawKey("a", 1) {
		t.Fatalf("endpoints %v %+v", ok, eps)
	}
	if _, _, ok := tb.Endpoints("zz"); ok {
		t.Fatal("unknown backend has endpoints")
	}
	tb.ProbeResult("a", eps[0].BaseURL, eps[0].Key.Fingerprint(), Probe{Kind: "completion", OK: true, Status: 200, LatencyMS: 5, Model: "m-1", At: clk.Now()}, OK, 0)
	b, _ := json.Marshal(tb.Status())
	want := `"probe":{"kind":"completion","ok":true,"status":200,"latency_ms":5,"model":"m-1","at":"2026-03-04T05:06:07Z"}`
	if !strings.Contains(string(b), want) || strings.Count(string(b), `"probe":null`) != 3 || strings.Contains(string(b), "sk-secret-") {
		t.Fatalf("status JSON: %s", b)
	}
}
