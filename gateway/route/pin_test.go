package route

import (
	"slices"
	"testing"
)

// runPinned runs a plan where every attempt fails with class c but those
// listed in ok, and returns the attempts' labels.
func runPinned(p *Plan, ok ...string) []string {
	var out []string
	for a, more := p.Next(); more; a, more = p.Next() {
		l := label(a)
		out = append(out, l)
		c := Server
		if slices.Contains(ok, l) {
			c = OK
		}
		if p.Done(a, c, reasonOf(c), 0) == Finish {
			break
		}
	}
	return out
}

func TestSessionPlanStartsAtThePin(t *testing.T) {
	tb, _ := newTestTable(t, spec("a", 1, urlsFor("a", 2)...), spec("b", 2, urlsFor("b", 2)...), spec("c", 3, urlsFor("c", 1)...))
	tb.SetKeys("b", keysFor("b", 2))
	pin := Pin{Backend: "b", BaseURL: urlsFor("b", 2)[1], KeyFP: keysFor("b", 2)[1].Fingerprint()}
	p, ok := tb.NewSessionPlan("m", pin)
	if !ok {
		t.Fatal("a valid pin refused")
	}
	if got := p.Candidates(); !slices.Equal(got, []string{"b", "a", "c"}) {
		t.Fatalf("candidates %v, want the pinned backend first, then priority order", got)
	}
	// The pinned pair first (not b's active u0:k0); then b's other pairs,
	// then the others in priority order: a failure fails over as usual.
	got := runPinned(p, "c:u0:k0")
	want := []string{"b:u1:k1", "b:u0:k1", "b:u0:k0", "b:u1:k0", "a:u0:k0", "a:u1:k0", "c:u0:k0"}
	if !slices.Equal(got, want) {
		t.Fatalf("attempts %v, want %v", got, want)
	}
	// An unpinned plan is unchanged: a (priority 1) first.
	if got := tb.NewPlan("m").Candidates(); got[0] != "a" {
		t.Fatalf("NewPlan candidates %v", got)
	}
}

func TestSessionPlanRefusesAGonePin(t *testing.T) {
	tb, _ := newTestTable(t, spec("a", 1, urlsFor("a", 1)...), spec("b", 2, urlsFor("b", 2)...))
	tb.SetKeys("b", keysFor("b", 2))
	good := Pin{Backend: "b", BaseURL: urlsFor("b", 2)[0], KeyFP: keysFor("b", 2)[1].Fingerprint()}
	noKey := Pin{Backend: "a", BaseURL: urlsFor("a", 1)[0]}
	for name, c := range map[string]struct {
		pin   Pin
		valid bool
	}{
		"good": {good, true}, "keyless backend": {noKey, true},
		"unknown backend": {Pin{Backend: "z", BaseURL: good.BaseURL, KeyFP: good.KeyFP}, false},
		"unknown url":     {Pin{Backend: "b", BaseURL: "https://gone.example", KeyFP: good.KeyFP}, false},
		"unknown key":     {Pin{Backend: "b", BaseURL: good.BaseURL, KeyFP: "000000000000"}, false},
	} {
		p, ok := tb.NewSessionPlan("m", c.pin)
		if ok != c.valid || ok != tb.PinChecker()(c.pin) {
			t.Errorf("%s: NewSessionPlan ok=%v, PinChecker %v; want %v", name, ok, tb.PinChecker()(c.pin), c.valid)
		}
		if !ok && p.Candidates()[0] != "a" {
			t.Errorf("%s: a refused pin changed the order: %v", name, p.Candidates())
		}
	}
	g := tb.Generation()
	tb.SetKeys("b", keysFor("b", 1)) // key 1 removed
	if tb.Generation() == g {
		t.Error("SetKeys did not move the generation")
	}
	if _, ok := tb.NewSessionPlan("m", good); ok || tb.PinChecker()(good) {
		t.Error("a pin on a removed key still valid")
	}
	pin0 := Pin{Backend: "b", BaseURL: urlsFor("b", 2)[1], KeyFP: keysFor("b", 1)[0].Fingerprint()}
	if !tb.PinChecker()(pin0) {
		t.Fatal("pin on a kept key refused")
	}
	specs := []BackendSpec{spec("a", 1, urlsFor("a", 1)...), spec("b", 2, urlsFor("b", 1)...)} // URL 1 removed
	tb.SetBackends(specs)
	if _, ok := tb.NewSessionPlan("m", pin0); ok || tb.PinChecker()(pin0) {
		t.Error("a pin on a removed URL still valid")
	}
	pin00 := Pin{Backend: "b", BaseURL: urlsFor("b", 1)[0], KeyFP: keysFor("b", 1)[0].Fingerprint()}
	g = tb.Generation()
	tb.SetEnabled("b", false)
	if tb.Generation() == g {
		t.Error("SetEnabled did not move the generation")
	}
	if _, ok := tb.NewSessionPlan("m", pin00); ok || tb.PinChecker()(pin00) {
		t.Error("a pin on a disabled backend still valid")
	}
}
