package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchyard/gateway/clock/clocktest"
	"switchyard/gateway/modelrule"
	"switchyard/gateway/route"
)

const testKey = "sk-secret-probe-0123456789abcdef"

// upstream is a fake backend: GET /models and POST /chat answer by the
// test's handler functions; every request is counted and reported.
type upstream struct {
	*httptest.Server
	models, chat atomic.Int64
	seen         chan string // method+path of each request, as it arrives
	onModels     func(w http.ResponseWriter, r *http.Request)
	onChat       func(w http.ResponseWriter, r *http.Request)
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{seen: make(chan string, 64)}
	u.onModels = func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, `{"data":[{"id":"m-1"}]}`) }
	u.onChat = func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, `{"model":"m-1-0613","choices":[{"message":{"role":"assistant","content":"OK"}}]}`)
	}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testKey {
			w.WriteHeader(401)
			return
		}
		u.seen <- r.Method + " " + r.URL.Path
		switch r.URL.Path {
		case "/models":
			u.models.Add(1)
			u.onModels(w, r)
		case "/chat":
			u.chat.Add(1)
			u.onChat(w, r)
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(u.Close)
	return u
}

// rig is a prober over a table with backend "a" at the given URLs (one
// key), on a fake clock, logging into a buffer.
type rig struct {
	p     *Prober
	table *route.Table
	clk   *clocktest.Fake
	logs  *syncBuf
	key   route.Secret
	urls  []string
	rand  func() float64
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const interval = 5 * time.Minute

func newRig(t *testing.T, rnd func() float64, urls ...string) *rig {
	clk := clocktest.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	tb := route.NewTable([]route.BackendSpec{{ID: "a", Priority: 1, Format: "openai", Enabled: true, BaseURLs: urls, Rule: modelrule.Any}}, clk.Now)
	key := route.NewSecret(testKey)
	tb.SetKeys("a", []route.Secret{key})
	r := &rig{table: tb, clk: clk, logs: &syncBuf{}, key: key, urls: urls}
	r.p = New(Options{
		Client: &http.Client{}, Clock: clk, Table: tb, Rand: rnd,
		Log:      slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Targets:  func() []Target { return r.targets() },
		Interval: func() time.Duration { return interval },
	})
	t.Cleanup(r.p.Close)
	return r
}

func (r *rig) target(base string) Target {
	key := r.key
	return Target{
		Backend: "a", BaseURL: base, Key: key, Periodic: true,
		Check: func(ctx context.Context) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, "GET", base+"/models", nil)
			if err == nil {
				req.Header.Set("Authorization", "Bearer "+key.Reveal())
			}
			return req, err
		},
		Test: func(ctx context.Context) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, "POST", base+"/chat", strings.NewReader(`{}`))
			if err == nil {
				req.Header.Set("Authorization", "Bearer "+key.Reveal())
			}
			return req, err
		},
		Answer: func(body []byte) (string, bool) {
			var v struct {
				Model   string `json:"model"`
				Choices []any  `json:"choices"`
			}
			if json.Unmarshal(body, &v) != nil || len(v.Choices) == 0 {
				return "", false
			}
			return v.Model, true
		},
	}
}

func (r *rig) targets() []Target {
	var out []Target
	for _, u := range r.urls {
		out = append(out, r.target(u))
	}
	return out
}

func (r *rig) endpoint(i int) route.EndpointStatus { return r.table.Status()[0].Endpoints[i] }

func jittered(v float64) time.Duration { return time.Duration(float64(interval) * (0.9 + 0.2*v)) }

// seq returns the values in turn (the last one for ever after).
func seq(vs ...float64) func() float64 {
	var mu sync.Mutex
	return func() float64 {
		mu.Lock()
		defer mu.Unlock()
		v := vs[0]
		if len(vs) > 1 {
			vs = vs[1:]
		}
		return v
	}
}

func TestJitterBounds(t *testing.T) {
	r := newRig(t, nil, "http://unused.invalid")
	lo, hi := time.Duration(float64(interval)*0.9), time.Duration(float64(interval)*1.1)
	for range 1000 {
		if d := r.p.Jitter(interval); d < lo || d > hi {
			t.Fatalf("jitter %v outside [%v, %v]", d, lo, hi)
		}
	}
	if a, b := jittered(0), jittered(0.9999); a != lo || b <= time.Duration(float64(interval)*1.0999) {
		t.Fatalf("bounds %v %v", a, b)
	}
}

// The periodic check fires one jittered interval after the schedule is
// made and again one jittered interval after each check, never before.
func TestPeriodicFiresAtJitteredInterval(t *testing.T) {
	u := newUpstream(t)
	r := newRig(t, seq(0, 0.9999, 0.5), u.URL)
	r.p.Sync()
	d1, d2, d3 := jittered(0), jittered(0.9999), jittered(0.5)
	if !r.clk.WaitFor(d1, 5*time.Second) {
		t.Fatal("no periodic check scheduled")
	}
	r.clk.Advance(d1 - time.Millisecond)
	if n := u.models.Load(); n != 0 {
		t.Fatalf("%d checks before the interval", n)
	}
	r.clk.Advance(time.Millisecond)
	if got := <-u.seen; got != "GET /models" {
		t.Fatalf("periodic check sent %s", got)
	}
	if !r.clk.WaitFor(d2, 5*time.Second) {
		t.Fatal("the next check is not armed at the second jittered interval")
	}
	if ep := r.endpoint(0); ep.Probe == nil || !ep.Probe.OK || ep.Probe.Kind != KindModels || ep.Probe.Status != 200 || !ep.Probe.At.Equal(r.clk.Now()) {
		t.Fatalf("recorded probe %+v", ep.Probe)
	}
	r.clk.Advance(d2 - time.Millisecond)
	if n := u.models.Load(); n != 1 {
		t.Fatalf("%d checks, want 1 before the second interval ends", n)
	}
	r.clk.Advance(time.Millisecond)
	<-u.seen
	if !r.clk.WaitFor(d3, 5*time.Second) {
		t.Fatal("third check not armed")
	}
	// Turning the probe off (here: the backend losing its endpoints)
	// drops the timer.
	r.urls = nil
	r.p.Sync()
	if n := r.clk.Pending(); n != 0 {
		t.Fatalf("%d timers left after the endpoint went away", n)
	}
	r.clk.Advance(2 * interval)
	if n := u.models.Load(); n != 2 {
		t.Fatalf("%d checks after the endpoint went away", n)
	}
}

// Run schedules at once and keeps the schedule until its context ends.
func TestRunSchedulesUntilDone(t *testing.T) {
	r := newRig(t, seq(0.5), "http://unused.invalid")
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { r.p.Run(ctx); close(ran) }()
	if !r.clk.WaitFor(jittered(0.5), 5*time.Second) {
		t.Fatal("Run armed no check")
	}
	cancel()
	<-ran
	if n := r.clk.Pending(); n != 0 {
		t.Fatalf("%d timers after Run ended", n)
	}
}

// A Test while a check hangs joins it: one upstream request, both get
// its result. After it ends, a Test sends its own completion.
func TestOneInFlightPerEndpoint(t *testing.T) {
	u := newUpstream(t)
	release := make(chan struct{})
	u.onModels = func(w http.ResponseWriter, r *http.Request) {
		<-release
		io.WriteString(w, `{"data":[]}`)
	}
	r := newRig(t, nil, u.URL)
	tg := r.target(u.URL)
	checked := make(chan Result, 1)
	go func() { checked <- r.p.Check(context.Background(), tg) }()
	<-u.seen // the check is at the upstream, hanging
	joined := make(chan struct{}, 1)
	r.p.joined = func() { joined <- struct{}{} }
	tested := make(chan Result, 1)
	go func() { tested <- r.p.Test(context.Background(), tg) }()
	<-joined
	close(release)
	a, b := <-checked, <-tested
	if u.models.Load() != 1 || u.chat.Load() != 0 {
		t.Fatalf("upstream saw %d model checks and %d completions, want 1 and 0", u.models.Load(), u.chat.Load())
	}
	if a != b || !a.OK || a.Kind != KindModels {
		t.Fatalf("results differ or failed: %+v / %+v", a, b)
	}
	// Nothing in flight now: a Test sends its completion.
	res := r.p.Test(context.Background(), tg)
	if !res.OK || res.Kind != KindCompletion || res.Model != "m-1-0613" || res.Status != 200 || u.chat.Load() != 1 {
		t.Fatalf("test: %+v (completions %d)", res, u.chat.Load())
	}
}

// A hanging upstream is cut at the timeout on the gateway clock; the
// endpoint cools and the next request goes to the other URL; a passing
// check later ends the cooldown early.
func TestTimeoutCoolsAndPassEndsCooldown(t *testing.T) {
	u0, u1 := newUpstream(t), newUpstream(t)
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	var hanging atomic.Bool
	hanging.Store(true)
	u0.onModels = func(w http.ResponseWriter, r *http.Request) {
		if hanging.Load() {
			select {
			case <-hang:
			case <-r.Context().Done():
			}
			return
		}
		io.WriteString(w, `{"data":[]}`)
	}
	r := newRig(t, nil, u0.URL, u1.URL)
	done := make(chan Result, 1)
	go func() { done <- r.p.Check(context.Background(), r.target(u0.URL)) }()
	<-u0.seen
	if !r.clk.WaitFor(DefaultTimeout, 5*time.Second) {
		t.Fatal("no timeout armed on the clock")
	}
	r.clk.Advance(DefaultTimeout)
	res := <-done
	if res.OK || res.Error != "timeout after 10s" || res.Status != 0 {
		t.Fatalf("hanging check: %+v", res)
	}
	if ep := r.endpoint(0); ep.State != "cooling" || ep.Probe == nil || ep.Probe.Error != "timeout after 10s" {
		t.Fatalf("endpoint after a timeout: %+v", ep)
	}
	if a, ok := r.table.NewPlan("m").Next(); !ok || a.BaseURL != u1.URL {
		t.Fatalf("the next request goes to %s, want the other URL %s", a.BaseURL, u1.URL)
	}
	hanging.Store(false)
	if res := r.p.Check(context.Background(), r.target(u0.URL)); !res.OK {
		t.Fatalf("second check: %+v", res)
	}
	if ep := r.endpoint(0); ep.State != "ok" || ep.CooldownUntil != nil {
		t.Fatalf("endpoint after a passing check: %+v", ep)
	}
	if a, _ := r.table.NewPlan("m").Next(); a.BaseURL != u0.URL || a.Probe {
		t.Fatalf("after the pass the next request goes to %s (half-open %v)", a.BaseURL, a.Probe)
	}
}

// Whatever the upstream echoes, the key reaches neither the result, the
// status nor the log.
func TestKeyNeverInResultsOrLogs(t *testing.T) {
	u := newUpstream(t)
	u.onChat = func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(403)
		io.WriteString(w, `{"error":{"message":"key `+testKey+` is refused (`+testKey[:20]+`…)"}}`)
	}
	u.onModels = func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		io.WriteString(w, `{"error":"upstream broke for `+testKey+`"}`)
	}
	r := newRig(t, nil, u.URL)
	res := r.p.Test(context.Background(), r.target(u.URL))
	if res.OK || res.Status != 403 || !strings.HasPrefix(res.Error, "http 403: key [REDACTED] is refused") || res.Key != route.Mask(testKey) {
		t.Fatalf("refused test: %+v", res)
	}
	// An auth refusal counts as the key refused.
	if ep := r.endpoint(0); ep.State != "cooling" || !ep.CooldownUntil.Equal(r.clk.Now().Add(route.AuthCooldown)) {
		t.Fatalf("endpoint after 403: %+v", ep)
	}
	res2 := r.p.Check(context.Background(), r.target(u.URL))
	out, _ := json.Marshal([]any{res, res2, r.table.Status()})
	for _, s := range []string{string(out), r.logs.String()} {
		if strings.Contains(s, "sk-secret") {
			t.Fatalf("key leaked: %s", s)
		}
	}
	if !strings.Contains(r.logs.String(), "health check failed") || !strings.Contains(string(out), "upstream broke for [REDACTED]") {
		t.Fatalf("logs %s\nresults %s", r.logs.String(), out)
	}
}

// No model to test with, an answer that is no completion, and a refused
// connection.
func TestTestFailures(t *testing.T) {
	u := newUpstream(t)
	u.onChat = func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"object":"error"}`) }
	r := newRig(t, nil, u.URL, "http://127.0.0.1:1")
	tg := r.target(u.URL)
	if res := r.p.Test(context.Background(), tg); res.OK || res.Status != 200 || res.Error != "the answer is not a completion in the backend's format" {
		t.Fatalf("bad answer: %+v", res)
	}
	tg.Test, tg.NoTest = nil, "no model to test with"
	if res := r.p.Test(context.Background(), tg); res.OK || res.Error != "no model to test with" {
		t.Fatalf("no model: %+v", res)
	}
	res := r.p.Test(context.Background(), r.target("http://127.0.0.1:1"))
	if res.OK || res.Error != "connection refused" {
		t.Fatalf("refused: %+v", res)
	}
	if ep := r.endpoint(1); ep.State != "cooling" {
		t.Fatalf("refused endpoint: %+v", ep)
	}
	all := r.p.TestAll(context.Background(), r.targets())
	if len(all) != 2 || all[0].BaseURL != u.URL || all[1].Error != "connection refused" {
		t.Fatalf("test all: %+v", all)
	}
}

// A check cut by Close (the gateway stopping) does not cool the endpoint.
func TestCloseCutsWithoutVerdict(t *testing.T) {
	u := newUpstream(t)
	u.onModels = func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	r := newRig(t, nil, u.URL)
	done := make(chan Result, 1)
	go func() { done <- r.p.Check(context.Background(), r.target(u.URL)) }()
	<-u.seen
	r.p.Close()
	res := <-done
	if res.OK || res.Error != "the gateway stopped before the check ended" {
		t.Fatalf("cut check: %+v", res)
	}
	if ep := r.endpoint(0); ep.State != "ok" || ep.CooldownUntil != nil {
		t.Fatalf("a cut check cooled the endpoint: %+v", ep)
	}
	r.p.Sync() // after Close: nothing is scheduled
	if n := r.clk.Pending(); n != 0 {
		t.Fatalf("%d timers after Close", n)
	}
}

// Run reads the targets again when the table's configuration changes,
// not at each request's outcome (the table signals those too: at a few
// thousand requests a second the schedule was rebuilt for each).
func TestRunResyncsOnConfigurationOnly(t *testing.T) {
	r := newRig(t, seq(0.5), "http://unused.invalid")
	reads := make(chan struct{}, 100)
	targets := r.p.o.Targets
	r.p.o.Targets = func() []Target { reads <- struct{}{}; return targets() }
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { r.p.Run(ctx); close(ran) }()
	defer func() { cancel(); <-ran }()
	wait := func(what string) {
		select {
		case <-reads:
		case <-time.After(5 * time.Second):
			t.Fatalf("no targets read %s", what)
		}
	}
	wait("at start")
	for range 50 {
		r.table.Events().Signal() // what each request's outcome does
	}
	r.table.SetEnabled("a", false) // a configuration change: read once more
	wait("at the configuration change")
	if n := len(reads); n != 0 {
		t.Fatalf("targets read %d more times: at request outcomes", n)
	}
}
