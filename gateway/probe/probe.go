// Package probe health-checks the backends' endpoints (base URL × key)
// outside client requests. For backends with probe: true it sends a cheap
// check, the GET of the backend's model list, to each endpoint every
// probe_interval (jittered ±10 %, so endpoints do not fire together); on
// demand (the dashboard's Test button, the tray's "Test all backends") it
// sends one tiny real completion. Never more than one check is in flight
// per endpoint: a Test asked while one runs joins it and gets its result.
// Every check is bounded (10 s) and timed on the gateway's clock.
//
// Each result feeds the endpoint's health in the route table
// (route.Table.ProbeResult: a failure cools the endpoint as a failed
// request would, a pass ends its cooldown early) and is kept there with
// its time for /api/status. The package knows no format: the gateway's
// Targets build the requests (protocols.ModelsRequest, TestRequest) and
// read the answer. Results and logs never hold a key: errors are short,
// and anything the upstream echoes is scrubbed of the key.
package probe

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"switchyard/gateway/clock"
	"switchyard/gateway/route"
)

// Kinds of check.
const (
	KindModels     = "models"     // GET of the model list (periodic)
	KindCompletion = "completion" // one tiny completion (Test)
)

// DefaultTimeout bounds one check.
const DefaultTimeout = 10 * time.Second

// Target is one endpoint and how to check it.
type Target struct {
	Backend string
	BaseURL string
	Key     route.Secret
	// Periodic: the backend has probe: true (and is enabled): the
	// endpoint gets the models check every interval.
	Periodic bool
	// Check builds the periodic check (GET of the model list).
	Check func(ctx context.Context) (*http.Request, error)
	// Test builds the Test completion; nil when there is none, and NoTest
	// says why (no model to test with).
	Test   func(ctx context.Context) (*http.Request, error)
	NoTest string
	// Answer reads a Test's answer: the model that answered; ok false
	// when the body is not a completion.
	Answer func(body []byte) (model string, ok bool)
}

func (t Target) id() string { return t.Backend + "\x00" + t.BaseURL + "\x00" + t.Key.Fingerprint() }

// Result is one endpoint's check as the API and the tray show it.
type Result struct {
	Backend string `json:"backend"`
	BaseURL string `json:"base_url"`
	Key     string `json:"key"` // masked, "" for none
	route.Probe
}

// Options configure a Prober.
type Options struct {
	Client *http.Client
	Clock  clock.Clock // nil = the system clock
	Table  *route.Table
	Log    *slog.Logger // nil = discard
	// Targets lists every endpoint of every backend, read at each
	// rescheduling (config and key changes) and each Test.
	Targets func() []Target
	// Interval is the periodic check's period (probe_interval).
	Interval func() time.Duration
	Timeout  time.Duration  // one check's bound; 0 = DefaultTimeout
	Rand     func() float64 // jitter source in [0,1); nil = math/rand/v2
}

// Prober runs the checks. Create it with New; Run schedules the periodic
// ones.
type Prober struct {
	o    Options
	base context.Context // ends when Close is called: checks are cut
	stop context.CancelFunc

	mu       sync.Mutex
	inflight map[string]*call
	sched    map[string]*entry // periodic endpoints and their timers

	joined func() // tests: called when a caller joins a check in flight
}

type call struct {
	done chan struct{}
	res  Result
}

type entry struct {
	t     Target
	timer clock.Timer
}

// New returns a prober; nothing runs until Run or a Test.
func New(o Options) *Prober {
	o.Clock = clock.Or(o.Clock)
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Client == nil {
		o.Client = http.DefaultClient
	}
	base, stop := context.WithCancel(context.Background())
	return &Prober{o: o, base: base, stop: stop, inflight: map[string]*call{}, sched: map[string]*entry{}}
}

// Jitter returns the wait before an endpoint's next periodic check:
// interval ±10 %.
func (p *Prober) Jitter(interval time.Duration) time.Duration {
	return time.Duration(float64(interval) * (0.9 + 0.2*p.o.Rand()))
}

// Run schedules the periodic checks and keeps the schedule in step with
// the table (backends, keys, settings) until ctx ends; then it stops
// the timers and cuts the checks in flight.
func (p *Prober) Run(ctx context.Context) {
	ch, cancel := p.o.Table.Events().Subscribe()
	defer cancel()
	gen := p.o.Table.Generation()
	p.Sync()
	for {
		select {
		case <-ctx.Done():
			p.Close()
			return
		case <-ch:
			// The table signals every request's outcome too; the schedule
			// changes only with its configuration (backends, enabled
			// state, keys: Generation), which is rare.
			if g := p.o.Table.Generation(); g != gen {
				gen = g
				p.Sync()
			}
		}
	}
}

// Close stops the periodic checks and cuts those in flight.
func (p *Prober) Close() {
	p.stop()
	p.mu.Lock()
	for id, e := range p.sched {
		e.timer.Stop()
		delete(p.sched, id)
	}
	p.mu.Unlock()
}

// Sync reads the targets and (re)arms the periodic checks: a new
// periodic endpoint's first check comes one jittered interval from now;
// an endpoint no longer periodic (probe off, backend disabled, key
// removed) loses its timer.
func (p *Prober) Sync() {
	if p.base.Err() != nil {
		return
	}
	want := map[string]Target{}
	for _, t := range p.o.Targets() {
		if t.Periodic && t.Check != nil {
			want[t.id()] = t
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, e := range p.sched {
		if _, ok := want[id]; !ok {
			e.timer.Stop()
			delete(p.sched, id)
		}
	}
	for id, t := range want {
		if e := p.sched[id]; e != nil {
			e.t = t // the newest request builders
			continue
		}
		e := &entry{t: t}
		e.timer = p.o.Clock.AfterFunc(p.Jitter(p.o.Interval()), func() { p.fire(id, e) })
		p.sched[id] = e
	}
}

// fire runs a periodic check and arms the next one, unless the endpoint
// left the schedule meanwhile.
func (p *Prober) fire(id string, e *entry) {
	p.mu.Lock()
	if p.sched[id] != e {
		p.mu.Unlock()
		return
	}
	t := e.t
	p.mu.Unlock()
	p.run(context.Background(), t, KindModels)
	p.mu.Lock()
	if p.sched[id] == e && p.base.Err() == nil {
		e.timer = p.o.Clock.AfterFunc(p.Jitter(p.o.Interval()), func() { p.fire(id, e) })
	}
	p.mu.Unlock()
}

// Check runs the models check of t now (or joins the one in flight).
func (p *Prober) Check(ctx context.Context, t Target) Result { return p.run(ctx, t, KindModels) }

// Test sends t's Test completion now, or joins the check in flight on
// the endpoint and returns its result.
func (p *Prober) Test(ctx context.Context, t Target) Result { return p.run(ctx, t, KindCompletion) }

// TestAll tests every target at once and returns the results in the
// targets' order.
func (p *Prober) TestAll(ctx context.Context, ts []Target) []Result {
	out := make([]Result, len(ts))
	var wg sync.WaitGroup
	for i, t := range ts {
		wg.Go(func() { out[i] = p.Test(ctx, t) })
	}
	wg.Wait()
	return out
}

// run is the one-in-flight rule: the first caller starts the check in
// its own goroutine (a caller that leaves does not cut it for the
// others), everyone waits for it or for their own ctx.
func (p *Prober) run(ctx context.Context, t Target, kind string) Result {
	id := t.id()
	p.mu.Lock()
	c := p.inflight[id]
	if c != nil && p.joined != nil {
		p.joined()
	}
	if c == nil {
		c = &call{done: make(chan struct{})}
		p.inflight[id] = c
		go func() {
			c.res = p.do(t, kind)
			p.mu.Lock()
			delete(p.inflight, id)
			p.mu.Unlock()
			close(c.done)
		}()
	}
	p.mu.Unlock()
	select {
	case <-c.done:
		return c.res
	case <-ctx.Done():
		r := result(t, kind)
		r.Error = "the check was left before it ended"
		r.At = p.o.Clock.Now().UTC()
		return r
	}
}

func result(t Target, kind string) Result {
	return Result{Backend: t.Backend, BaseURL: t.BaseURL, Key: t.Key.Mask(), Probe: route.Probe{Kind: kind}}
}

// do sends one check and records it in the table.
func (p *Prober) do(t Target, kind string) Result {
	r := result(t, kind)
	class, retryAfter := p.send(t, kind, &r)
	if p.base.Err() != nil && !r.OK {
		// Cut by Close (the gateway is stopping): no verdict on the
		// endpoint.
		class, r.Error = route.Canceled, "the gateway stopped before the check ended"
	}
	r.At = p.o.Clock.Now().UTC()
	r.Error = scrub(r.Error, t.Key)
	r.Model = scrub(r.Model, t.Key)
	p.o.Table.ProbeResult(t.Backend, t.BaseURL, t.Key.Fingerprint(), r.Probe, class, retryAfter)
	if !r.OK {
		p.o.Log.Info("health check failed", "backend", t.Backend, "endpoint", endpoint(t), "kind", kind, "status", r.Status, "err", r.Error)
	} else {
		p.o.Log.Debug("health check passed", "backend", t.Backend, "endpoint", endpoint(t), "kind", kind, "latency_ms", r.LatencyMS)
	}
	return r
}

func endpoint(t Target) string {
	s := route.Host(t.BaseURL)
	if m := t.Key.Mask(); m != "" {
		s += " key " + m
	}
	return s
}

// send makes the request and fills r; it returns the outcome's class for
// the table and the upstream's Retry-After.
func (p *Prober) send(t Target, kind string, r *Result) (route.Class, time.Duration) {
	build := t.Check
	if kind == KindCompletion {
		build = t.Test
		if build == nil {
			r.Error = t.NoTest
			if r.Error == "" {
				r.Error = "nothing to test with"
			}
			return route.ClientFault, 0 // says nothing of the endpoint's health
		}
	}
	if build == nil {
		r.Error = "this backend's format has no model list to check"
		return route.ClientFault, 0
	}
	ctx, cancel := context.WithCancel(p.base)
	defer cancel()
	timer := p.o.Clock.AfterFunc(p.o.Timeout, cancel)
	defer timer.Stop()
	req, err := build(ctx)
	if err != nil {
		r.Error = "building the request: " + err.Error()
		return route.ClientFault, 0
	}
	start := p.o.Clock.Now()
	resp, err := p.o.Client.Do(req)
	if err != nil {
		class := route.Classify(nil, 0, err)
		if ctx.Err() != nil {
			class = route.Timeout
		}
		r.LatencyMS = p.o.Clock.Now().Sub(start).Milliseconds()
		r.Error = reason(class, err, p.o.Timeout)
		return class, 0
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	r.LatencyMS = p.o.Clock.Now().Sub(start).Milliseconds()
	r.Status = resp.StatusCode
	if err != nil {
		class := route.Server
		if ctx.Err() != nil {
			class = route.Timeout
		}
		r.Error = reason(class, err, p.o.Timeout)
		return class, 0
	}
	class := route.Classify(nil, resp.StatusCode, nil)
	if class != route.OK {
		r.Error = "http " + strconv.Itoa(resp.StatusCode)
		if m := upstreamMessage(body); m != "" {
			r.Error += ": " + m
		}
		return class, retryAfterOf(resp.Header.Get("Retry-After"))
	}
	if kind == KindCompletion {
		model, ok := t.Answer(body)
		if !ok {
			r.Error = "the answer is not a completion in the backend's format"
			return route.Server, 0
		}
		r.Model = model
	}
	r.OK = true
	return route.OK, 0
}

// reason is a transport failure in a few key-free words (the error's
// text names the URL, not needed here).
func reason(c route.Class, err error, timeout time.Duration) string {
	switch c {
	case route.Timeout:
		return "timeout after " + timeout.String()
	case route.Connect:
		var s string
		switch {
		case strings.Contains(err.Error(), "connection refused"):
			s = "connection refused"
		case strings.Contains(err.Error(), "no such host"):
			s = "no such host"
		case strings.Contains(err.Error(), "certificate"), strings.Contains(err.Error(), "tls"):
			s = "TLS handshake failed"
		default:
			s = "cannot connect"
		}
		return s
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "EOF") {
		return "connection closed before the answer"
	}
	return "the connection failed"
}

// upstreamMessage is the message of an upstream error body in any of
// the formats' shapes ({"error":{"message"}}, {"error":"…"},
// {"message"}), trimmed; "" when there is none.
func upstreamMessage(body []byte) string {
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	msg := e.Message
	var inner struct {
		Message string `json:"message"`
	}
	var s string
	switch {
	case json.Unmarshal(e.Error, &inner) == nil && inner.Message != "":
		msg = inner.Message
	case json.Unmarshal(e.Error, &s) == nil && s != "":
		msg = s
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if r := []rune(msg); len(r) > 160 {
		msg = string(r[:160]) + "…"
	}
	return msg
}

// scrub removes the key from s, whole or in any long part an upstream
// might echo ("invalid key sk-…").
func scrub(s string, key route.Secret) string {
	k := key.Reveal()
	if k == "" || s == "" {
		return s
	}
	s = strings.ReplaceAll(s, k, "[REDACTED]")
	if len(k) >= 16 {
		// An echo cut short or masked at one end still holds a long run.
		for _, part := range []string{k[:len(k)/2], k[len(k)/2:]} {
			s = strings.ReplaceAll(s, part, "[REDACTED]")
		}
	}
	return s
}

func retryAfterOf(v string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}
