package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"switchyard/gateway"
	"switchyard/gateway/clock/clocktest"
	"switchyard/gateway/config"
	"switchyard/gateway/route"
)

// affinityRig: alpha (priority 1, one URL) in front of beta (priority 2,
// two URLs, two keys in the keychain), on a fake clock.
type affinityRig struct {
	g                *gw
	clk              *clocktest.Fake
	ks               *fakeKeys
	alpha, beta0, b1 *upstream
	alphaDown        atomic.Bool
	alphaFlap        atomic.Bool // fail alpha's odd-numbered requests
	beta0Down        atomic.Bool
}

func newAffinityRig(t *testing.T, opts ...gwOpt) *affinityRig {
	t.Helper()
	r := &affinityRig{clk: clocktest.New(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)), ks: newFakeKeys()}
	r.alpha = newUpstream(t, func(w http.ResponseWriter, req *http.Request) {
		if r.alphaDown.Load() || r.alphaFlap.Load() && r.alpha.count.Load()%2 == 1 {
			status(503)(w, req)
			return
		}
		chatOK("alpha")(w, req)
	})
	r.beta0 = newUpstream(t, func(w http.ResponseWriter, req *http.Request) {
		if r.beta0Down.Load() {
			status(503)(w, req)
			return
		}
		chatOK("beta")(w, req)
	})
	r.b1 = newUpstream(t, chatOK("beta"))
	r.ks.Add(context.Background(), "beta", "sk-beta-key-zero-0000")
	r.ks.Add(context.Background(), "beta", "sk-beta-key-one-1111")
	opts = append([]gwOpt{withClock(r.clk), withKeys(r.ks)}, opts...)
	r.g = startGateway(t, []config.Backend{
		backend("alpha", 1, config.FormatOpenAI, r.alpha.URL),
		backend("beta", 2, config.FormatOpenAI, r.beta0.URL, r.b1.URL),
	}, opts...)
	return r
}

// turn sends turn n (1-based) of conversation conv and returns the
// backend that answered.
func (r *affinityRig) turn(t *testing.T, conv string, n int) string {
	t.Helper()
	msgs := []string{`{"role":"system","content":"You are a coding agent."}`, fmt.Sprintf(`{"role":"user","content":%q}`, conv)}
	for j := 1; j < n; j++ {
		msgs = append(msgs, fmt.Sprintf(`{"role":"assistant","content":"step %d"}`, j), fmt.Sprintf(`{"role":"user","content":"go on %d"}`, j))
	}
	resp, body := r.g.post(t, "/v1/chat/completions", `{"model":"m","messages":[`+strings.Join(msgs, ",")+`]}`)
	if resp.StatusCode != 200 {
		t.Fatalf("%s turn %d: %d %s", conv, n, resp.StatusCode, body)
	}
	return resp.Header.Get("X-Switchyard-Backend")
}

func (r *affinityRig) sessions(t *testing.T) gateway.SessionsView {
	t.Helper()
	resp, err := http.Get(r.g.URL + "/api/sessions")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v gateway.SessionsView
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// pairs lists the (URL, key) pairs beta's requests came on.
func (r *affinityRig) betaPairs() map[string]int {
	m := map[string]int{}
	for _, u := range []*upstream{r.beta0, r.b1} {
		for _, q := range u.requests() {
			m[u.URL+" "+q.Auth]++
		}
	}
	return m
}

// A conversation of 20 turns through a flapping priority-1 backend stays
// on the (backend, URL, key) it failed over to, though alpha's cooldown
// ends between turns; it goes back to priority 1 only once idle for the
// cache TTL.
func TestSessionAffinityThroughAFlappingBackend(t *testing.T) {
	r := newAffinityRig(t)
	r.alphaFlap.Store(true)
	for n := 1; n <= 20; n++ {
		if n > 1 {
			r.clk.Advance(10 * time.Second) // alpha's cooldown (5s) is over at every turn
		}
		if got := r.turn(t, "fix the flaky test", n); got != "beta" {
			t.Fatalf("turn %d answered by %s, want beta (the pin)", n, got)
		}
	}
	if c := r.alpha.count.Load(); c != 1 {
		t.Fatalf("alpha got %d requests; a pinned session tries it only before its first failover", c)
	}
	if p := r.betaPairs(); len(p) != 1 || p[r.beta0.URL+" Bearer sk-beta-key-zero-0000"] != 20 {
		t.Fatalf("beta's pairs %v, want all 20 turns on one", p)
	}
	v := r.sessions(t)
	if !v.Enabled || v.Count != 1 || len(v.Sessions) != 1 {
		t.Fatalf("sessions %+v, want one", v)
	}
	s := v.Sessions[0]
	if s.Backend != "beta" || s.BaseURL != r.beta0.URL || s.KeyFingerprint != route.NewSecret("sk-beta-key-zero-0000").Fingerprint() ||
		s.Turns != 20 || s.Source != "prefix" || s.Protocol != "Chat Completions" || !s.Holding || len(s.Key) != 16 {
		t.Fatalf("session %+v", s)
	}
	if st := r.g.status(t); st.Sessions == nil || *st.Sessions != 1 {
		t.Fatalf("status sessions %v, want 1", st.Sessions)
	}

	// Another conversation is not pinned: it starts at priority 1.
	if got := r.turn(t, "write the docs", 1); got != "alpha" { // alpha's request 2: it answers
		t.Fatalf("a new conversation went to %s, want alpha", got)
	}
	r.alphaFlap.Store(false)
	// Idle just under the cache TTL: still on the pin.
	r.clk.Advance(config.DefaultSessionsCacheTTL - time.Second)
	if got := r.turn(t, "fix the flaky test", 21); got != "beta" {
		t.Fatalf("idle under the cache TTL: answered by %s, want beta", got)
	}
	// Idle for the cache TTL: the cache is cold, priority order again,
	// and the pin moves to what answered.
	r.clk.Advance(config.DefaultSessionsCacheTTL)
	if got := r.turn(t, "fix the flaky test", 22); got != "alpha" {
		t.Fatalf("idle for the cache TTL: answered by %s, want alpha", got)
	}
	for _, s := range r.sessions(t).Sessions {
		if s.Turns == 22 && (s.Backend != "alpha" || s.BaseURL != r.alpha.URL || s.KeyFingerprint != "") {
			t.Fatalf("pin did not move to alpha: %+v", s)
		}
	}
}

// With sessions.enabled false every request starts at priority 1 again:
// the same conversation hops back to alpha whenever its cooldown is over.
func TestSessionAffinityOffSwitch(t *testing.T) {
	r := newAffinityRig(t, withEnv("SWITCHYARD_SESSIONS", "false"))
	r.alphaFlap.Store(true)
	by := map[string]int{}
	for n := 1; n <= 6; n++ {
		if n > 1 {
			r.clk.Advance(10 * time.Second)
		}
		by[r.turn(t, "fix the flaky test", n)]++
	}
	if by["alpha"] == 0 || by["beta"] == 0 || r.alpha.count.Load() != 6 {
		t.Fatalf("answers by %v, alpha tried %d times: want the old order (alpha first every time)", by, r.alpha.count.Load())
	}
	if v := r.sessions(t); v.Enabled || v.Count != 0 || len(v.Sessions) != 0 {
		t.Fatalf("sessions with affinity off: %+v", v)
	}
	if st := r.g.status(t); st.Sessions != nil {
		t.Fatalf("status counts sessions with affinity off: %d", *st.Sessions)
	}
}

// Pins survive nothing they should not: a removed key or URL, or a
// disabled backend, clears the pins on it (the session and its counters
// stay), and the next turn takes the usual order.
func TestSessionPinsClearedWhenTheirPairGoes(t *testing.T) {
	for _, c := range []struct {
		name   string
		setup  func(r *affinityRig) // before the first turn
		change func(t *testing.T, r *affinityRig)
		pinURL func(r *affinityRig) string
	}{
		{"key removed", nil, func(t *testing.T, r *affinityRig) {
			r.ks.Delete(context.Background(), "beta", 0)
			r.g.Table().SetKeys("beta", []route.Secret{route.NewSecret("sk-beta-key-one-1111")})
		}, func(r *affinityRig) string { return r.beta0.URL }},
		{"url removed", func(r *affinityRig) { r.beta0Down.Store(true) }, func(t *testing.T, r *affinityRig) {
			if err := r.g.UpdateBackend("beta", func(b *config.Backend) { b.BaseURLs = []string{r.beta0.URL} }); err != nil {
				t.Fatal(err)
			}
		}, func(r *affinityRig) string { return r.b1.URL }},
		{"backend disabled", nil, func(t *testing.T, r *affinityRig) {
			if err := r.g.SetEnabled("beta", false); err != nil {
				t.Fatal(err)
			}
		}, func(r *affinityRig) string { return r.beta0.URL }},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newAffinityRig(t)
			r.alphaDown.Store(true)
			if c.setup != nil {
				c.setup(r)
			}
			if got := r.turn(t, "keep me", 1); got != "beta" {
				t.Fatalf("turn 1 answered by %s", got)
			}
			if got := r.turn(t, "other conversation", 1); got != "beta" {
				t.Fatalf("turn 1 of the other answered by %s", got)
			}
			ss := r.sessions(t).Sessions
			if len(ss) != 2 || ss[0].Backend != "beta" || ss[0].BaseURL != c.pinURL(r) {
				t.Fatalf("pins before the change: %+v", ss)
			}
			r.beta0Down.Store(false)
			c.change(t, r)
			// Checked when the table changes (here: at the next read), not
			// only when the session comes back.
			ss = r.sessions(t).Sessions
			if len(ss) != 2 {
				t.Fatalf("sessions dropped, not unpinned: %+v", ss)
			}
			for _, s := range ss {
				if s.Backend != "" || s.BaseURL != "" || s.KeyFingerprint != "" || s.Holding || s.Turns != 1 {
					t.Fatalf("pin survived: %+v", s)
				}
			}
			r.alphaDown.Store(false)
			r.clk.Advance(time.Minute) // alpha's cooldown over; well within the cache TTL
			if got := r.turn(t, "keep me", 2); got != "alpha" {
				t.Fatalf("after the change, turn 2 answered by %s, want alpha (usual order)", got)
			}
		})
	}
}

// The sessions view never shows a client's raw id: keys are hashes.
func TestSessionsViewHashesClientIDs(t *testing.T) {
	r := newAffinityRig(t)
	const id = "user_4242-raw-client-id_account__session_77"
	resp, body := r.g.post(t, "/v1/chat/completions", `{"model":"m","user":"`+id+`","messages":[{"role":"user","content":"hi"}]}`, "Authorization", "Bearer client-token-zz")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	resp, err := http.Get(r.g.URL + "/api/sessions")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	json.NewDecoder(resp.Body).Decode(&raw)
	for _, leak := range []string{id, "4242", "client-token-zz", "sk-beta", "sk-alpha"} {
		if strings.Contains(string(raw), leak) {
			t.Fatalf("/api/sessions shows %q: %s", leak, raw)
		}
	}
	if !strings.Contains(string(raw), `"source":"user"`) {
		t.Fatalf("/api/sessions: %s", raw)
	}
}

// withoutSessions turns session affinity off, for tests of per-request
// routing that send one conversation over and over: affinity would (by
// design) keep it on the backend it failed over to.
func withoutSessions() gwOpt {
	return withConfig(func(c *config.Config) { c.Sessions.Enabled = false })
}

// Each session is told the tokens the upstream reported for its answers
// (through the usage meter, with usage accounting off here): cache reads
// per session and their ratio, streamed or not.
func TestSessionReportsCacheReadTokens(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if strings.Contains(string(body), `"stream":true`) {
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]}`+"\n\n")
			fmt.Fprint(w, `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":1000,"completion_tokens":5,"total_tokens":1005,"prompt_tokens_details":{"cached_tokens":800}}}`+"\n\n")
			fmt.Fprint(w, "data: [DONE]\n\n")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1000,"completion_tokens":5,"total_tokens":1005,"prompt_tokens_details":{"cached_tokens":800}}}`)
	})
	g := startGateway(t, []config.Backend{backend("alpha", 1, config.FormatOpenAI, up.URL)})
	for _, stream := range []string{"false", "true", "false"} {
		resp, body := g.post(t, "/v1/chat/completions", `{"model":"m","user":"conv-1","stream":`+stream+`,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`)
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	}
	resp, err := http.Get(g.URL + "/api/sessions")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v gateway.SessionsView
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	if len(v.Sessions) != 1 {
		t.Fatalf("%d sessions, want 1: %+v", len(v.Sessions), v)
	}
	s := v.Sessions[0]
	if s.InputTokens != 3*200 || s.CacheRead != 3*800 || s.CacheReadRatio == nil || *s.CacheReadRatio != 0.8 {
		t.Fatalf("session tokens: input %d cache-read %d ratio %v; want 600, 2400, 0.8", s.InputTokens, s.CacheRead, s.CacheReadRatio)
	}
}
