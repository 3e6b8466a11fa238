package route

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"switchyard/gateway/clock/clocktest"
	"switchyard/gateway/modelrule"
)

type be struct {
	id        string
	prio      int
	urls      int
	keys      int
	rule      string // "" = any
	disabled  bool
	needsKey  bool
	retries   int
	noAliases bool
}

func buildTable(t testing.TB, bs ...be) (*Table, *clocktest.Fake) {
	t.Helper()
	var specs []BackendSpec
	for _, b := range bs {
		s := spec(b.id, b.prio, urlsFor(b.id, b.urls)...)
		s.Rule = modelrule.MustParse(b.rule)
		s.Enabled = !b.disabled
		s.NeedsKey = b.needsKey
		s.MaxRetries = b.retries
		specs = append(specs, s)
	}
	tb, c := newTestTable(t, specs...)
	for _, b := range bs {
		if b.keys > 0 {
			tb.SetKeys(b.id, keysFor(b.id, b.keys))
		}
	}
	return tb, c
}

func TestPlanSequences(t *testing.T) {
	tests := []struct {
		name        string
		backends    []be
		model       string
		outcome     func(Attempt) (Class, time.Duration)
		wantCands   []string
		want        []string
		wantServed  bool
		wantSummary string // checked when set
	}{
		{
			name:      "priority order, stable",
			backends:  []be{{id: "c", prio: 3, urls: 1}, {id: "a", prio: 1, urls: 1}, {id: "b", prio: 2, urls: 1}, {id: "b2", prio: 2, urls: 1}},
			outcome:   byPair(map[string]Class{"a:u0:k0": Server, "b:u0:k0": Connect}),
			wantCands: []string{"a", "b", "b2", "c"},
			want:      []string{"a:u0:k0", "b:u0:k0", "b2:u0:k0"}, wantServed: true,
		},
		{
			name: "disabled and non-matching backends are skipped without an attempt",
			backends: []be{
				{id: "off", prio: 1, urls: 1, disabled: true},
				{id: "claude", prio: 2, urls: 1, rule: "claude"},
				{id: "gpt", prio: 3, urls: 1, rule: "gpt+!mini"},
				{id: "any", prio: 4, urls: 1},
			},
			model:     "gpt-4o",
			outcome:   byPair(map[string]Class{"gpt:u0:k0": Server}),
			wantCands: []string{"gpt", "any"},
			want:      []string{"gpt:u0:k0", "any:u0:k0"}, wantServed: true,
		},
		{
			name:      "backend needing a key and having none is skipped and named",
			backends:  []be{{id: "nk", prio: 1, urls: 2, needsKey: true}, {id: "b", prio: 2, urls: 1}},
			outcome:   always(Connect),
			wantCands: []string{"b"},
			want:      []string{"b:u0:k0"}, wantServed: false,
			wantSummary: "nk: needs a key; b: connection refused",
		},
		{
			name:      "backend needing a key that has one is used",
			backends:  []be{{id: "nk", prio: 1, urls: 1, keys: 1, needsKey: true}},
			outcome:   always(OK),
			wantCands: []string{"nk"},
			want:      []string{"nk:u0:k0"}, wantServed: true,
		},
		{
			name:     "URL rotation keeps the key, then the next key",
			backends: []be{{id: "a", prio: 1, urls: 3, keys: 2}},
			outcome:  byPair(map[string]Class{"a:u0:k0": Connect, "a:u1:k0": Timeout, "a:u2:k0": Server}),
			want:     []string{"a:u0:k0", "a:u1:k0", "a:u2:k0", "a:u2:k1"}, wantServed: true,
		},
		{
			name:     "auth: next key on the same URL, the refused key never again",
			backends: []be{{id: "a", prio: 1, urls: 3, keys: 2}, {id: "b", prio: 2, urls: 1}},
			outcome: byPair(map[string]Class{
				"a:u0:k0": Auth, "a:u0:k1": Connect, "a:u1:k1": Connect, "a:u2:k1": Connect,
			}),
			want:       []string{"a:u0:k0", "a:u0:k1", "a:u1:k1", "a:u2:k1", "b:u0:k0"},
			wantServed: true,
		},
		{
			name:     "quota: next key on the same URL",
			backends: []be{{id: "a", prio: 1, urls: 2, keys: 3}},
			outcome:  byPair(map[string]Class{"a:u0:k0": Quota, "a:u0:k1": Quota}),
			want:     []string{"a:u0:k0", "a:u0:k1", "a:u0:k2"}, wantServed: true,
		},
		{
			name:     "quota after a URL move: next key stays on the new URL; dead key skipped on every URL",
			backends: []be{{id: "a", prio: 1, urls: 3, keys: 2}, {id: "b", prio: 2, urls: 1}},
			outcome: byPair(map[string]Class{
				"a:u0:k0": Connect, "a:u1:k0": Quota, "a:u1:k1": Connect, "a:u2:k1": Connect, "a:u0:k1": Connect,
			}),
			want:       []string{"a:u0:k0", "a:u1:k0", "a:u1:k1", "a:u2:k1", "a:u0:k1", "b:u0:k0"},
			wantServed: true,
		},
		{
			name:     "every key refused: next backend",
			backends: []be{{id: "a", prio: 1, urls: 2, keys: 2}, {id: "b", prio: 2, urls: 1, keys: 1}},
			outcome:  byPair(map[string]Class{"a:u0:k0": Auth, "a:u0:k1": Quota}),
			want:     []string{"a:u0:k0", "a:u0:k1", "b:u0:k0"}, wantServed: true,
		},
		{
			name:     "auth on a keyless backend: next backend",
			backends: []be{{id: "a", prio: 1, urls: 2}, {id: "b", prio: 2, urls: 1}},
			outcome:  byPair(map[string]Class{"a:u0:k0": Auth}),
			want:     []string{"a:u0:k0", "b:u0:k0"}, wantServed: true,
		},
		{
			name:     "no model: next backend at once, other pairs untried",
			backends: []be{{id: "a", prio: 1, urls: 3, keys: 2}, {id: "b", prio: 2, urls: 1}},
			outcome:  byPair(map[string]Class{"a:u0:k0": NoModel}),
			want:     []string{"a:u0:k0", "b:u0:k0"}, wantServed: true,
		},
		{
			name:     "server error: same pair retried MaxRetries times, then next URL",
			backends: []be{{id: "a", prio: 1, urls: 2, retries: 2}},
			outcome:  byPair(map[string]Class{"a:u0:k0": Server}),
			want:     []string{"a:u0:k0", "a:u0:k0", "a:u0:k0", "a:u1:k0"}, wantServed: true,
		},
		{
			name:     "server error then success on the retry",
			backends: []be{{id: "a", prio: 1, urls: 2, retries: 2}},
			outcome:  inOrder(Server),
			want:     []string{"a:u0:k0", "a:u0:k0"}, wantServed: true,
		},
		{
			name:     "retries reset for each new pair",
			backends: []be{{id: "a", prio: 1, urls: 2, retries: 1}},
			outcome:  inOrder(Server, Server, Server),
			want:     []string{"a:u0:k0", "a:u0:k0", "a:u1:k0", "a:u1:k0"}, wantServed: true,
		},
		{
			name:     "connect error is not retried on the same pair",
			backends: []be{{id: "a", prio: 1, urls: 2, retries: 3}},
			outcome:  byPair(map[string]Class{"a:u0:k0": Connect}),
			want:     []string{"a:u0:k0", "a:u1:k0"}, wantServed: true,
		},
		{
			name:     "timeout is not retried on the same pair",
			backends: []be{{id: "a", prio: 1, urls: 2, retries: 3}},
			outcome:  byPair(map[string]Class{"a:u0:k0": Timeout}),
			want:     []string{"a:u0:k0", "a:u1:k0"}, wantServed: true,
		},
		{
			name:     "MaxRetries 0: no retry on server error",
			backends: []be{{id: "a", prio: 1, urls: 2}},
			outcome:  byPair(map[string]Class{"a:u0:k0": Server}),
			want:     []string{"a:u0:k0", "a:u1:k0"}, wantServed: true,
		},
		{
			name:     "client fault goes back at once: no failover",
			backends: []be{{id: "a", prio: 1, urls: 2, keys: 2, retries: 2}, {id: "b", prio: 2, urls: 1}},
			outcome:  always(ClientFault),
			want:     []string{"a:u0:k0"}, wantServed: true,
		},
		{
			name:     "canceled: stop",
			backends: []be{{id: "a", prio: 1, urls: 2, retries: 2}, {id: "b", prio: 2, urls: 1}},
			outcome:  always(Canceled),
			want:     []string{"a:u0:k0"}, wantServed: true,
		},
		{
			name:        "everything fails: every pair once, summary per backend",
			backends:    []be{{id: "a", prio: 1, urls: 2, keys: 2}, {id: "b", prio: 2, urls: 1}},
			outcome:     byPair(map[string]Class{"a:u0:k0": Connect, "a:u1:k0": Timeout, "a:u1:k1": Server, "a:u0:k1": Server, "b:u0:k0": Quota}),
			want:        []string{"a:u0:k0", "a:u1:k0", "a:u1:k1", "a:u0:k1", "b:u0:k0"},
			wantServed:  false,
			wantSummary: "a: http 500; b: http 429",
		},
		{
			name:        "no backend accepts the model",
			backends:    []be{{id: "a", prio: 1, urls: 1, rule: "claude"}, {id: "b", prio: 2, urls: 1, disabled: true}},
			model:       "gpt-4o",
			outcome:     always(OK),
			wantCands:   []string{},
			want:        nil,
			wantSummary: `no enabled backend accepts model "gpt-4o"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb, _ := buildTable(t, tc.backends...)
			model := tc.model
			if model == "" {
				model = "some-model"
			}
			p := tb.NewPlan(model)
			if tc.wantCands != nil && !eq(p.Candidates(), tc.wantCands) {
				t.Errorf("Candidates = %v, want %v", p.Candidates(), tc.wantCands)
			}
			r := runPlan(t, p, tc.outcome)
			if !eq(r.trace, tc.want) {
				t.Errorf("attempts = %v\nwant       %v", r.trace, tc.want)
			}
			if r.served != tc.wantServed {
				t.Errorf("served = %v, want %v", r.served, tc.wantServed)
			}
			if tc.wantSummary != "" && p.Summary() != tc.wantSummary {
				t.Errorf("Summary = %q, want %q", p.Summary(), tc.wantSummary)
			}
			// Once exhausted, the plan stays exhausted.
			if !r.served {
				if a, ok := p.Next(); ok {
					t.Errorf("Next after exhaustion = %s", label(a))
				}
			}
			for _, a := range r.attempts {
				if a.Key.Empty() != keyless(tc.backends, a.Backend.ID) {
					t.Errorf("attempt %s: key empty = %v", label(a), a.Key.Empty())
				}
				if want := urlsFor(a.Backend.ID, a.URLIndex+1)[a.URLIndex]; a.BaseURL != want {
					t.Errorf("attempt %s: BaseURL %q, want %q", label(a), a.BaseURL, want)
				}
				if !a.Key.Empty() && a.Key.Reveal() != rawKey(a.Backend.ID, a.KeyIndex) {
					t.Errorf("attempt %s carries the wrong key", label(a))
				}
			}
		})
	}
}

func keyless(bs []be, id string) bool {
	for _, b := range bs {
		if b.id == id {
			return b.keys == 0
		}
	}
	return false
}

func TestMaxAttempts(t *testing.T) {
	tb, _ := buildTable(t, be{id: "a", prio: 1, urls: 12, keys: 2}, be{id: "b", prio: 2, urls: 5})
	r := request(t, tb, "m", always(Connect))
	if len(r.trace) != MaxAttempts || r.served {
		t.Fatalf("%d attempts (served %v), want %d: %v", len(r.trace), r.served, MaxAttempts, r.trace)
	}
	ev := tb.Events().Recent()
	if len(ev) != MaxAttempts { // 15 falls between attempts + the final fall to ""
		t.Fatalf("%d events, want %d", len(ev), MaxAttempts)
	}
	if ev[0].To != "" || ev[0].From != "a" || ev[0].Reason != "connection refused" {
		t.Errorf("final event = %+v", ev[0])
	}

	// Server retries count against the same bound.
	tb2, _ := buildTable(t, be{id: "a", prio: 1, urls: 20, retries: 5})
	r = request(t, tb2, "m", always(Server))
	if len(r.trace) != MaxAttempts {
		t.Fatalf("%d attempts with retries, want %d", len(r.trace), MaxAttempts)
	}
}

func TestActivePairNextPlanStartsThere(t *testing.T) {
	tb, _ := buildTable(t, be{id: "a", prio: 1, urls: 3, keys: 2})
	// u0 refuses connections; u1 answers: (u1,k0) becomes active.
	r := request(t, tb, "m", byPair(map[string]Class{"a:u0:k0": Connect}))
	if !eq(r.trace, []string{"a:u0:k0", "a:u1:k0"}) {
		t.Fatalf("first request = %v", r.trace)
	}
	st := statusOf(t, tb, "a")
	if st.ActiveEndpoint == nil || st.ActiveEndpoint.BaseURL != urlsFor("a", 2)[1] || st.ActiveEndpoint.KeyIndex != 0 ||
		st.ActiveEndpoint.Key != maskOf("a", 0) {
		t.Fatalf("active = %+v", st.ActiveEndpoint)
	}
	// The next request starts at the active pair.
	r = request(t, tb, "m", always(OK))
	if !eq(r.trace, []string{"a:u1:k0"}) {
		t.Fatalf("second request = %v", r.trace)
	}
	// A key refused on u1 → (u1,k1) answers and becomes active.
	r = request(t, tb, "m", byPair(map[string]Class{"a:u1:k0": Auth}))
	if !eq(r.trace, []string{"a:u1:k0", "a:u1:k1"}) {
		t.Fatalf("third request = %v", r.trace)
	}
	r = request(t, tb, "m", always(OK))
	if !eq(r.trace, []string{"a:u1:k1"}) {
		t.Fatalf("fourth request = %v", r.trace)
	}
	// A fresh plan that finds the active pair failing continues from it:
	// next URL with the same key, wrapping around.
	r = request(t, tb, "m", byPair(map[string]Class{"a:u1:k1": Server, "a:u2:k1": Server}))
	if !eq(r.trace, []string{"a:u1:k1", "a:u2:k1", "a:u0:k1"}) {
		t.Fatalf("fifth request = %v", r.trace)
	}
	// Client faults and cancels never move the active pair.
	request(t, tb, "m", always(ClientFault))
	request(t, tb, "m", always(Canceled))
	if a := statusOf(t, tb, "a").ActiveEndpoint; a.BaseURL != urlsFor("a", 1)[0] || a.KeyIndex != 1 {
		t.Fatalf("active moved to %+v", a)
	}
}

func TestCooldownsByClass(t *testing.T) {
	tests := []struct {
		name       string
		class      Class
		retryAfter time.Duration
		want       []time.Duration // cooldown after the 1st, 2nd, … consecutive failure
	}{
		{"connect grows and caps", Connect, 0, []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second,
			40 * time.Second, 80 * time.Second, 160 * time.Second, 5 * time.Minute, 5 * time.Minute, 5 * time.Minute,
			5 * time.Minute, 5 * time.Minute, 5 * time.Minute, 5 * time.Minute}},
		{"timeout grows", Timeout, 0, []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second}},
		{"server grows", Server, 0, []time.Duration{5 * time.Second, 10 * time.Second}},
		{"quota honours Retry-After", Quota, 30 * time.Second, []time.Duration{30 * time.Second, 30 * time.Second}},
		{"quota default", Quota, 0, []time.Duration{QuotaDefault, QuotaDefault}},
		{"quota Retry-After capped at an hour", Quota, 5 * time.Hour, []time.Duration{time.Hour}},
		{"auth is long", Auth, 0, []time.Duration{AuthCooldown, AuthCooldown}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb, clk := buildTable(t, be{id: "a", prio: 1, urls: 1, keys: 1})
			for i, want := range tc.want {
				p := tb.NewPlan("m")
				a, ok := p.Next()
				if !ok {
					t.Fatalf("failure %d: no attempt", i+1)
				}
				if a.Probe != (i > 0) {
					t.Errorf("failure %d: Probe = %v", i+1, a.Probe)
				}
				p.Done(a, tc.class, reasonOf(tc.class), tc.retryAfter)
				e := endpointOf(t, tb, "a", 0, 0)
				if e.State != "cooling" || e.CooldownUntil == nil {
					t.Fatalf("failure %d: endpoint %+v, want cooling", i+1, e)
				}
				if got := e.CooldownUntil.Sub(clk.Now()); got != want {
					t.Errorf("failure %d: cooldown %v, want %v", i+1, got, want)
				}
				if e.LastError == nil || *e.LastError != reasonOf(tc.class) {
					t.Errorf("failure %d: last_error %v", i+1, e.LastError)
				}
				clk.Advance(want) // exactly at the end: no longer cooling
				if e := endpointOf(t, tb, "a", 0, 0); e.State != "failing" || e.CooldownUntil != nil {
					t.Fatalf("failure %d: after the cooldown endpoint = %+v, want failing", i+1, e)
				}
			}
			// A success clears the pair's health: the next failure starts over.
			request(t, tb, "m", always(OK))
			if e := endpointOf(t, tb, "a", 0, 0); e.State != "ok" || e.LastError != nil {
				t.Fatalf("after success endpoint = %+v", e)
			}
			p := tb.NewPlan("m")
			a, _ := p.Next()
			p.Done(a, tc.class, reasonOf(tc.class), tc.retryAfter)
			if got := endpointOf(t, tb, "a", 0, 0).CooldownUntil.Sub(clk.Now()); got != tc.want[0] {
				t.Errorf("after recovery: cooldown %v, want %v", got, tc.want[0])
			}
		})
	}
}

func TestNoCooldownFor(t *testing.T) {
	for _, c := range []Class{OK, ClientFault, Canceled, NoModel} {
		t.Run(c.String(), func(t *testing.T) {
			tb, _ := buildTable(t, be{id: "a", prio: 1, urls: 1, keys: 1}, be{id: "b", prio: 2, urls: 1})
			p := tb.NewPlan("m")
			a, _ := p.Next()
			p.Done(a, c, reasonOf(c), time.Minute)
			e := endpointOf(t, tb, "a", 0, 0)
			if e.State != "ok" || e.CooldownUntil != nil {
				t.Errorf("after %v endpoint = %+v, want ok", c, e)
			}
			// The pair is immediately usable by the next requests, and not as a probe.
			for range 2 {
				if r := request(t, tb, "m", always(OK)); !eq(r.trace, []string{"a:u0:k0"}) {
					t.Errorf("after %v next request = %v", c, r.trace)
				}
			}
		})
	}
}

func TestCountersAndCanceled(t *testing.T) {
	tb, _ := buildTable(t, be{id: "a", prio: 1, urls: 2, keys: 1})
	tests := []struct {
		c                  Class
		requests, failures int64
	}{
		{OK, 1, 0},
		{ClientFault, 1, 0},
		{Canceled, 0, 0},
		{Server, 1, 1},
		{Connect, 1, 1},
		{Timeout, 1, 1},
		{Auth, 1, 1},
		{Quota, 1, 1},
		{NoModel, 1, 1},
	}
	var wantReq, wantFail int64
	for _, tc := range tests {
		p := tb.NewPlan("m")
		p.ignoreCooldown = true // keep hitting the same pair regardless of cooldowns
		a, _ := p.Next()
		p.Done(a, tc.c, reasonOf(tc.c), 0)
		wantReq += tc.requests
		wantFail += tc.failures
		st := statusOf(t, tb, "a")
		if st.Requests != wantReq || st.Failures != wantFail {
			t.Errorf("after %v: requests=%d failures=%d, want %d %d", tc.c, st.Requests, st.Failures, wantReq, wantFail)
		}
	}
	// A canceled attempt leaves no health behind and no failover event.
	tb2, _ := buildTable(t, be{id: "a", prio: 1, urls: 2}, be{id: "b", prio: 2, urls: 1})
	r := request(t, tb2, "m", always(Canceled))
	if !eq(r.trace, []string{"a:u0:k0"}) {
		t.Fatalf("trace %v", r.trace)
	}
	if e := endpointOf(t, tb2, "a", 0, 0); e.State != "ok" || e.LastError != nil {
		t.Errorf("canceled endpoint %+v", e)
	}
	if n := len(tb2.Events().Recent()); n != 0 {
		t.Errorf("%d events after a cancel", n)
	}
}

func TestCoolingPairSkipped(t *testing.T) {
	tb, clk := buildTable(t, be{id: "a", prio: 1, urls: 2, keys: 1}, be{id: "b", prio: 2, urls: 1})
	request(t, tb, "m", byPair(map[string]Class{"a:u0:k0": Connect})) // u0 cools until t0+5s, u1 active
	clk.Advance(2 * time.Second)
	r := request(t, tb, "m", byPair(map[string]Class{"a:u1:k0": Server}))
	// u1 fails (cools until t0+7s); u0 is still cooling → straight to b with no attempt on u0.
	if !eq(r.trace, []string{"a:u1:k0", "b:u0:k0"}) {
		t.Fatalf("trace %v", r.trace)
	}
	// Both of a's pairs cool; b serves without a touching them.
	clk.Advance(2 * time.Second)
	if r := request(t, tb, "m", always(OK)); !eq(r.trace, []string{"b:u0:k0"}) {
		t.Fatalf("while cooling: %v", r.trace)
	}
	// u0's 5 s are over (u1's are not): u0 gets a probe.
	clk.Advance(time.Second)
	if r := request(t, tb, "m", always(OK)); !eq(r.trace, []string{"a:u0:k0*"}) {
		t.Fatalf("after u0's cooldown: %v", r.trace)
	}
	// The probe succeeded: u0 is ok and active.
	if e := endpointOf(t, tb, "a", 0, 0); e.State != "ok" {
		t.Fatalf("u0 after probe = %+v", e)
	}
	if r := request(t, tb, "m", always(OK)); !eq(r.trace, []string{"a:u0:k0"}) {
		t.Fatalf("after probe: %v", r.trace)
	}
}

func TestAuthCooldownSkipsKeyAcrossRequests(t *testing.T) {
	tb, clk := buildTable(t, be{id: "a", prio: 1, urls: 2, keys: 2})
	request(t, tb, "m", byPair(map[string]Class{"a:u0:k0": Auth})) // (u0,k1) serves, active
	// The refused pair cools for a day; the other URL with that key is not
	// marked (the gateway only learns about the pair it tried).
	if e := endpointOf(t, tb, "a", 0, 0); e.State != "cooling" || !e.CooldownUntil.Equal(t0.Add(AuthCooldown)) {
		t.Fatalf("refused pair = %+v", e)
	}
	clk.Advance(AuthCooldown - time.Second)
	if r := request(t, tb, "m", byPair(map[string]Class{"a:u0:k1": Connect})); !eq(r.trace, []string{"a:u0:k1", "a:u1:k1"}) {
		t.Fatalf("trace %v", r.trace)
	}
	// A new key list clears it at once (health of removed keys is dropped).
	tb.SetKeys("a", []Secret{NewSecret(rawKey("a", 1))})
	tb.SetKeys("a", keysFor("a", 2))
	if e := endpointOf(t, tb, "a", 0, 0); e.State != "ok" {
		t.Fatalf("re-added key still %+v", e)
	}
}

func TestProbeGoesToExactlyOnePlan(t *testing.T) {
	tb, clk := buildTable(t, be{id: "a", prio: 1, urls: 2, keys: 1}, be{id: "b", prio: 2, urls: 1})
	p := tb.NewPlan("m")
	a, _ := p.Next()
	p.Done(a, Connect, "connection refused", 0) // (u0,k0) cools 5s
	clk.Advance(5 * time.Second)

	p1, p2, p3 := tb.NewPlan("m"), tb.NewPlan("m"), tb.NewPlan("m")
	a1, _ := p1.Next()
	a2, _ := p2.Next()
	a3, _ := p3.Next()
	if label(a1) != "a:u0:k0*" {
		t.Fatalf("first plan got %s, want the probe a:u0:k0*", label(a1))
	}
	if label(a2) != "a:u1:k0" || label(a3) != "a:u1:k0" {
		t.Fatalf("other plans got %s and %s, want a:u1:k0", label(a2), label(a3))
	}
	// While the probe is in flight, Status still shows the pair as failing.
	if e := endpointOf(t, tb, "a", 0, 0); e.State != "failing" {
		t.Errorf("probing pair state %q", e.State)
	}
	// The probe fails: the pair cools again, twice as long, and no plan probes it.
	if act := p1.Done(a1, Connect, "connection refused", 0); act != NextURL {
		t.Errorf("probe failure action = %v", act)
	}
	if e := endpointOf(t, tb, "a", 0, 0); e.CooldownUntil == nil || e.CooldownUntil.Sub(clk.Now()) != 10*time.Second {
		t.Errorf("after failed probe %+v", e)
	}
	p2.Done(a2, OK, "", 0)
	p3.Done(a3, OK, "", 0)
	clk.Advance(10 * time.Second)
	// Cooldown over again: one probe; this time it succeeds and everyone uses the pair.
	q1, q2 := tb.NewPlan("m"), tb.NewPlan("m")
	b1, _ := q1.Next()
	b2, _ := q2.Next()
	if label(b1) != "a:u1:k0" || label(b2) != "a:u1:k0" {
		// u1 is the active pair now: plans start there; u0 is not even needed.
		t.Fatalf("plans got %s %s", label(b1), label(b2))
	}
	q1.Done(b1, Server, "http 500", 0) // u1 fails → q1 moves to u0 as its probe
	b1, _ = q1.Next()
	if label(b1) != "a:u0:k0*" {
		t.Fatalf("q1 fell to %s, want the probe a:u0:k0*", label(b1))
	}
	q2.Done(b2, Server, "http 500", 0) // u1 fails for q2 too; u0 is being probed → b
	b2, _ = q2.Next()
	if label(b2) != "b:u0:k0" {
		t.Fatalf("q2 fell to %s, want b:u0:k0 (u0 is being probed)", label(b2))
	}
	q1.Done(b1, OK, "", 0)
	q2.Done(b2, OK, "", 0)
	if r := request(t, tb, "m", always(OK)); !eq(r.trace, []string{"a:u0:k0"}) {
		t.Fatalf("after a good probe %v", r.trace)
	}
}

func TestProbeReleasedWhenNotAFailure(t *testing.T) {
	for _, c := range []Class{Canceled, ClientFault} {
		t.Run(c.String(), func(t *testing.T) {
			tb, clk := buildTable(t, be{id: "a", prio: 1, urls: 2})
			request(t, tb, "m", byPair(map[string]Class{"a:u0:k0": Connect})) // u0 cools; u1 active
			request(t, tb, "m", byPair(map[string]Class{"a:u1:k0": Connect})) // u1 cools too; u0 is skipped (cooling)
			clk.Advance(time.Hour)
			p := tb.NewPlan("m")
			a, _ := p.Next()
			if !a.Probe {
				t.Fatalf("got %s, want a probe", label(a))
			}
			p.Done(a, c, reasonOf(c), 0)
			// The probe slot is free again: the next plan probes the same pair.
			p2 := tb.NewPlan("m")
			a2, _ := p2.Next()
			if label(a2) != label(a) {
				t.Fatalf("next plan got %s, want %s", label(a2), label(a))
			}
		})
	}
}

func TestFailedProbeIsNotRetried(t *testing.T) {
	tb, clk := buildTable(t, be{id: "a", prio: 1, urls: 2, retries: 3}, be{id: "b", prio: 2, urls: 1})
	request(t, tb, "m", byPair(map[string]Class{"a:u0:k0": Connect})) // u0 cools; u1 active
	clk.Advance(5 * time.Second)
	// u1 fails → u0 as a probe: a failed probe means "still down", so no retry
	// even on a server error (half-open: exactly one probe).
	r := request(t, tb, "m", byPair(map[string]Class{"a:u1:k0": Connect, "a:u0:k0": Server}))
	if !eq(r.trace, []string{"a:u1:k0", "a:u0:k0*", "b:u0:k0"}) {
		t.Fatalf("trace %v", r.trace)
	}
}

func TestEverythingCoolingStillTries(t *testing.T) {
	tb, clk := buildTable(t, be{id: "a", prio: 1, urls: 2, keys: 1}, be{id: "b", prio: 2, urls: 1})
	r := request(t, tb, "m", always(Connect))
	if !eq(r.trace, []string{"a:u0:k0", "a:u1:k0", "b:u0:k0"}) || r.served {
		t.Fatalf("first %v", r.trace)
	}
	clk.Advance(time.Second) // all three pairs cool for 4 more seconds
	r = request(t, tb, "m", byPair(map[string]Class{"a:u0:k0": Connect, "a:u1:k0": Connect}))
	// Never leave a request with nothing: try anyway, one pair per backend
	// (the one whose cooldown ends first), in order, not as probes.
	if !eq(r.trace, []string{"a:u0:k0", "b:u0:k0"}) || !r.served {
		t.Fatalf("all cooling: %v served=%v", r.trace, r.served)
	}
	// The retries on cooling pairs raised their backoff.
	if got := endpointOf(t, tb, "a", 0, 0).CooldownUntil.Sub(clk.Now()); got != 10*time.Second {
		t.Errorf("u0 cooldown %v, want 10s", got)
	}
	// b answered: it is healthy, the others are not even tried.
	if r := request(t, tb, "m", always(OK)); !eq(r.trace, []string{"b:u0:k0"}) {
		t.Fatalf("after %v", r.trace)
	}
}

func TestEverythingCoolingSinglePair(t *testing.T) {
	tb, clk := buildTable(t, be{id: "a", prio: 1, urls: 1, keys: 1})
	request(t, tb, "m", always(Quota))
	clk.Advance(time.Second)
	r := request(t, tb, "m", always(OK))
	if !eq(r.trace, []string{"a:u0:k0"}) || !r.served {
		t.Fatalf("trace %v", r.trace)
	}
}

func TestFailoverEvents(t *testing.T) {
	tb, clk := buildTable(t, be{id: "a", prio: 1, urls: 2, keys: 2}, be{id: "b", prio: 2, urls: 1, keys: 1})
	ch, cancel := tb.Events().Subscribe()
	defer cancel()
	clk.Advance(time.Minute)
	p := tb.NewPlan("claude-x")
	r := runPlan(t, p, byPair(map[string]Class{
		"a:u0:k0": Connect, // → (u1,k0): same key
		"a:u1:k0": Auth,    // → (u1,k1): next key, same URL
		"a:u1:k1": Server,  // → (u0,k1)
		"a:u0:k1": NoModel, // → b
		"b:u0:k0": Quota,   // → nothing: 503
	}))
	if r.served || len(r.trace) != 5 {
		t.Fatalf("trace %v", r.trace)
	}
	a0, a1 := "a0.example", "a1.example"
	ep := func(host string, k int) string { return host + " key " + maskOf(host[:1], k) }
	want := []Failover{
		{From: "a", To: "a", Reason: "connection refused", FromEndpoint: ep(a0, 0), ToEndpoint: ep(a1, 0)},
		{From: "a", To: "a", Reason: "http 401", FromEndpoint: ep(a1, 0), ToEndpoint: ep(a1, 1)},
		{From: "a", To: "a", Reason: "http 500", FromEndpoint: ep(a1, 1), ToEndpoint: ep(a0, 1)},
		{From: "a", To: "b", Reason: "http 404", FromEndpoint: ep(a0, 1), ToEndpoint: ep("b0.example", 0)},
		{From: "b", To: "", Reason: "http 429", FromEndpoint: ep("b0.example", 0)},
	}
	got := tb.Events().Recent()
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[len(got)-1-i] // Recent is newest first
		if g.From != w.From || g.To != w.To || g.Reason != w.Reason || g.FromEndpoint != w.FromEndpoint ||
			g.ToEndpoint != w.ToEndpoint || g.Model != "claude-x" || !g.Time.Equal(t0.Add(time.Minute)) ||
			g.Time.Location() != time.UTC {
			t.Errorf("event %d = %+v\nwant %+v", i, g, w)
		}
	}
	b, _ := json.Marshal(got)
	if strings.Contains(string(b), "sk-secret") {
		t.Errorf("events reveal a key: %s", b)
	}
	if !strings.Contains(string(b), `"to":""`) {
		t.Errorf("final fall not recorded with to=\"\": %s", b)
	}
	select {
	case <-ch:
	default:
		t.Error("no change signal")
	}
	// Calling Next again does not record the final fall twice.
	n := len(tb.Events().Recent())
	for range 3 {
		if a, ok := p.Next(); ok {
			t.Fatalf("exhausted plan gave %s", label(a))
		}
	}
	if len(tb.Events().Recent()) != n {
		t.Error("the final fall was recorded again")
	}
	// A fresh plan's first attempt is not a fall.
	if _, ok := tb.NewPlan("zzz").Next(); !ok {
		t.Fatal("fresh plan has no attempt")
	}
	if len(tb.Events().Recent()) != n {
		t.Error("a fresh plan's first attempt recorded an event")
	}

	// Retries of the same pair are not falls; a request served at once records nothing.
	tb2, _ := buildTable(t, be{id: "a", prio: 1, urls: 2, retries: 2})
	request(t, tb2, "m", inOrder(Server, Server))
	request(t, tb2, "m", always(OK))
	if ev := tb2.Events().Recent(); len(ev) != 0 {
		t.Errorf("events for retries: %+v", ev)
	}
	// The final fall is also recorded when the last try was a retry.
	request(t, tb2, "m", always(Server))
	ev := tb2.Events().Recent()
	if len(ev) != 2 || ev[0].To != "" || ev[1].From != "a" || ev[1].To != "a" {
		t.Errorf("events %+v", ev)
	}
}

func TestEventsNeverContainKeysOrNoKeyPart(t *testing.T) {
	tb, _ := buildTable(t, be{id: "a", prio: 1, urls: 1}, be{id: "b", prio: 2, urls: 1, keys: 1})
	request(t, tb, "m", always(Timeout))
	ev := tb.Events().Recent()
	if len(ev) != 2 {
		t.Fatalf("%+v", ev)
	}
	if ev[1].FromEndpoint != "a0.example" || ev[1].ToEndpoint != "b0.example key "+maskOf("b", 0) {
		t.Errorf("endpoints %q → %q", ev[1].FromEndpoint, ev[1].ToEndpoint)
	}
}

func TestZeroURLBackendIsSkipped(t *testing.T) {
	tb, _ := newTestTable(t, spec("empty", 1), spec("b", 2, "https://b0.example/v1"))
	tb.SetKeys("empty", keysFor("empty", 1))
	p := tb.NewPlan("m")
	r := runPlan(t, p, always(Connect))
	if !eq(r.trace, []string{"b:u0:k0"}) {
		t.Fatalf("trace %v", r.trace)
	}
	if !strings.Contains(p.Summary(), "empty: no base URL") {
		t.Errorf("Summary %q", p.Summary())
	}
	_ = tb.ActivePairs()
	st := statusOf(t, tb, "empty")
	if st.ActiveEndpoint != nil || len(st.Endpoints) != 0 {
		t.Errorf("status %+v", st)
	}
}

// Many requests at once, with Status, events and key changes running
// alongside: the race detector checks the locking; the counters must add up.
func TestConcurrentPlans(t *testing.T) {
	tb, clk := buildTable(t, be{id: "a", prio: 1, urls: 3, keys: 2, retries: 1}, be{id: "b", prio: 2, urls: 2, keys: 1})
	ch, cancel := tb.Events().Subscribe()
	defer cancel()
	const workers, perWorker = 8, 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	served := 0
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				classes := []Class{OK, Server, Connect, Timeout, Auth, Quota, NoModel, ClientFault, Canceled}
				n := 0
				r := request(t, tb, fmt.Sprintf("model-%d", i%3), func(a Attempt) (Class, time.Duration) {
					n++
					return classes[(w+i+n)%len(classes)], 0
				})
				if r.served {
					mu.Lock()
					served++
					mu.Unlock()
				}
				if i%10 == 0 {
					clk.Advance(7 * time.Second)
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 100 {
			_ = tb.Status()
			_ = tb.ActivePairs()
			_ = tb.Events().Recent()
			if i%20 == 0 {
				tb.SetKeys("b", keysFor("b", 1+i%3))
				tb.SetEnabled("b", i%40 == 0)
			}
			select {
			case <-ch:
			default:
			}
		}
	}()
	wg.Wait()
	<-done
	var req int64
	for _, st := range tb.Status() {
		req += st.Requests
		if st.Failures > st.Requests {
			t.Errorf("%s: failures %d > requests %d", st.ID, st.Failures, st.Requests)
		}
	}
	if req == 0 || served == 0 {
		t.Errorf("requests %d served %d", req, served)
	}
	if len(tb.Events().Recent()) != 50 {
		t.Errorf("events %d, want the ring full (50)", len(tb.Events().Recent()))
	}
}
