package route

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"switchyard/gateway/clock/clocktest"
	"switchyard/gateway/modelrule"
)

// The table runs on the shared fake clock (clocktest): tests never sleep.
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func newTestTable(t testing.TB, specs ...BackendSpec) (*Table, *clocktest.Fake) {
	t.Helper()
	c := clocktest.New(t0)
	return NewTable(specs, c.Now), c
}

// spec is an enabled backend accepting every model.
func spec(id string, prio int, urls ...string) BackendSpec {
	return BackendSpec{ID: id, Name: strings.ToUpper(id), Priority: prio, Format: "openai", Enabled: true,
		BaseURLs: urls, Rule: modelrule.Any}
}

// urlsFor returns n base URLs for backend id: https://id0.example/v1, …
func urlsFor(id string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("https://%s%d.example/v1", id, i)
	}
	return out
}

// rawKey is key i of backend id. Every raw key contains "sk-secret-", which
// must never show up in any output; its last 4 characters (the mask) are
// "<i><id[0]>XY".
func rawKey(id string, i int) string {
	return fmt.Sprintf("sk-secret-%s-%d-material-%d%cXY", id, i, i, id[0])
}

func keysFor(id string, n int) []Secret {
	out := make([]Secret, n)
	for i := range out {
		out[i] = NewSecret(rawKey(id, i))
	}
	return out
}

func maskOf(id string, i int) string { return Mask(rawKey(id, i)) }

// label names an attempt as "id:uU:kK", with "*" appended for a probe.
func label(a Attempt) string {
	s := fmt.Sprintf("%s:u%d:k%d", a.Backend.ID, a.URLIndex, a.KeyIndex)
	if a.Probe {
		s += "*"
	}
	return s
}

// reasonOf is the reason string the tests report for a class.
func reasonOf(c Class) string {
	switch c {
	case OK:
		return ""
	case ClientFault:
		return "http 400"
	case Canceled:
		return "canceled"
	case Connect:
		return "connection refused"
	case Timeout:
		return "timeout"
	case Server:
		return "http 500"
	case Auth:
		return "http 401"
	case Quota:
		return "http 429"
	case NoModel:
		return "http 404"
	}
	return c.String()
}

// runResult is what a request did.
type runResult struct {
	trace    []string // attempt labels in order
	served   bool     // the loop ended on Finish (delivered to the client)
	last     Class
	attempts []Attempt
}

// runPlan drives p the way the gateway does; outcome decides each attempt.
func runPlan(t testing.TB, p *Plan, outcome func(a Attempt) (Class, time.Duration)) runResult {
	t.Helper()
	var r runResult
	for a, ok := p.Next(); ok; a, ok = p.Next() {
		if len(r.trace) > 100 {
			t.Fatalf("runaway plan: %v", r.trace)
		}
		if a.N != len(r.trace)+1 {
			t.Errorf("attempt %s has N=%d, want %d", label(a), a.N, len(r.trace)+1)
		}
		r.trace = append(r.trace, label(a))
		r.attempts = append(r.attempts, a)
		c, ra := outcome(a)
		r.last = c
		if p.Done(a, c, reasonOf(c), ra) == Finish {
			r.served = true
			break
		}
	}
	if p.Attempts() != len(r.trace) {
		t.Errorf("Attempts() = %d, want %d", p.Attempts(), len(r.trace))
	}
	return r
}

// byPair answers by the attempt's pair ("id:uU:kK"); pairs not listed answer OK.
func byPair(m map[string]Class) func(Attempt) (Class, time.Duration) {
	return func(a Attempt) (Class, time.Duration) {
		c, ok := m[fmt.Sprintf("%s:u%d:k%d", a.Backend.ID, a.URLIndex, a.KeyIndex)]
		if !ok {
			return OK, 0
		}
		return c, 0
	}
}

// inOrder answers the attempts with cs in order, then OK.
func inOrder(cs ...Class) func(Attempt) (Class, time.Duration) {
	i := 0
	return func(Attempt) (Class, time.Duration) {
		if i >= len(cs) {
			return OK, 0
		}
		i++
		return cs[i-1], 0
	}
}

func always(c Class) func(Attempt) (Class, time.Duration) {
	return func(Attempt) (Class, time.Duration) { return c, 0 }
}

// request runs one request for model against tb.
func request(t testing.TB, tb *Table, model string, outcome func(Attempt) (Class, time.Duration)) runResult {
	t.Helper()
	return runPlan(t, tb.NewPlan(model), outcome)
}

func statusOf(t testing.TB, tb *Table, id string) BackendStatus {
	t.Helper()
	for _, b := range tb.Status() {
		if b.ID == id {
			return b
		}
	}
	t.Fatalf("no backend %q in Status", id)
	return BackendStatus{}
}

func endpointOf(t testing.TB, tb *Table, id string, u, k int) EndpointStatus {
	t.Helper()
	b := statusOf(t, tb, id)
	for _, e := range b.Endpoints {
		if e.KeyIndex == k && strings.HasPrefix(e.BaseURL, fmt.Sprintf("https://%s%d.", id, u)) {
			return e
		}
	}
	t.Fatalf("no endpoint u%d k%d in %+v", u, k, b.Endpoints)
	return EndpointStatus{}
}

func eq[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
