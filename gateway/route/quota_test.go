package route

import (
	"testing"
	"time"
)

// TestKeyQuotaOrdering follows issue #16: a key below quota_low is tried
// after the keys with quota, an empty key after those, but the active key
// stays active while it is merely low; only an empty (or refused) key
// moves.
func TestKeyQuotaOrdering(t *testing.T) {
	tb, clk := buildTable(t, be{id: "a", prio: 1, urls: 2, keys: 4})
	fp := func(i int) string { return NewSecret(rawKey("a", i)).Fingerprint() }

	// k1 low: the fallback order after the active k0 is k2, k3, then k1.
	if !tb.SetKeyQuota("a", fp(1), QuotaLow) {
		t.Fatal("SetKeyQuota reported no change")
	}
	if tb.SetKeyQuota("a", fp(1), QuotaLow) {
		t.Fatal("setting the same level again reported a change")
	}
	r := request(t, tb, "m", byPair(map[string]Class{"a:u0:k0": Auth, "a:u0:k2": Auth, "a:u0:k3": Auth}))
	if !eq(r.trace, []string{"a:u0:k0", "a:u0:k2", "a:u0:k3", "a:u0:k1"}) {
		t.Fatalf("low key not last: %v", r.trace)
	}
	// k1 answered and is active now. Low, it stays active: the next
	// request starts there, and a transient error keeps the key (next URL).
	if a := statusOf(t, tb, "a").ActiveEndpoint; a.KeyIndex != 1 {
		t.Fatalf("active %+v", a)
	}
	r = request(t, tb, "m", byPair(map[string]Class{"a:u0:k1": Server}))
	if !eq(r.trace, []string{"a:u0:k1", "a:u1:k1"}) {
		t.Fatalf("an active low key was moved off: %v", r.trace)
	}
	// Empty, it moves: the keys with quota first, then the low one,
	// then it.
	tb.SetKeyQuota("a", fp(1), QuotaEmpty)
	tb.SetKeyQuota("a", fp(2), QuotaLow)
	// (u0,k2) is still cooling from the refusal above.
	r = request(t, tb, "m", byPair(map[string]Class{"a:u1:k3": Quota, "a:u1:k0": Auth, "a:u1:k2": Server}))
	if !eq(r.trace, []string{"a:u1:k3", "a:u1:k0", "a:u1:k2", "a:u1:k1"}) {
		t.Fatalf("empty active key not moved last: %v", r.trace)
	}
	// Back to quota: the plain rotation order again.
	for i := range 4 {
		tb.SetKeyQuota("a", fp(i), QuotaOK)
	}
	// (k2 would be last if it were still low; its pair is probed since
	// its cooldown ended.)
	clk.Advance(25 * time.Hour)
	r = request(t, tb, "m", byPair(map[string]Class{"a:u1:k1": Auth}))
	if !eq(r.trace, []string{"a:u1:k1", "a:u1:k2*"}) {
		t.Fatalf("after the quota came back: %v", r.trace)
	}
	// A key that goes away takes its level with it.
	tb.SetKeyQuota("a", fp(3), QuotaEmpty)
	tb.SetKeys("a", keysFor("a", 3))
	tb.mu.Lock()
	n := len(tb.find("a").quota)
	tb.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d quota levels kept for removed keys", n)
	}
	if tb.SetKeyQuota("nope", "x", QuotaLow) {
		t.Fatal("an unknown backend changed")
	}
}

func TestKeys(t *testing.T) {
	tb, _ := buildTable(t, be{id: "a", prio: 1, urls: 2, keys: 2}, be{id: "b", prio: 2, urls: 1}, be{id: "c", prio: 3, urls: 1, needsKey: true}, be{id: "d", prio: 4, urls: 1, disabled: true})
	base, keys, ok := tb.Keys("a")
	if !ok || base != urlsFor("a", 1)[0] || len(keys) != 2 || keys[1].Reveal() != rawKey("a", 1) {
		t.Errorf("a: %v %d %v", base, len(keys), ok)
	}
	if _, keys, ok := tb.Keys("b"); !ok || len(keys) != 1 || keys[0].Reveal() != "" {
		t.Errorf("b (no key): %d %v", len(keys), ok)
	}
	for _, id := range []string{"c", "d", "nope"} {
		if _, _, ok := tb.Keys(id); ok {
			t.Errorf("%s: ok", id)
		}
	}
}
