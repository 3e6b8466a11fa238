package route

import "slices"

// Pin names the pair that served a session last, by identity: backend id,
// base URL and key fingerprint (Secret.Fingerprint; "" for a backend
// without keys). Package session keeps pins; the plan honours them.
type Pin struct {
	Backend string
	BaseURL string
	KeyFP   string
}

// NewSessionPlan is NewPlan for a request of a session pinned to pin:
// the pinned backend is tried first, starting from the pinned (URL, key)
// rather than its active pair, and the other candidates follow in the
// usual order (so a failure fails over as usual). A higher-priority
// backend that recovered is not tried first: the caller holds the pin
// while the upstream's prompt cache may still be warm.
//
// ok is false when the pin no longer names a pair this request may use
// (the backend was removed or disabled, no longer serves the model, or its
// URL or key is gone): the plan is then the usual one and the caller
// drops the pin.
func (t *Table) NewSessionPlan(model string, pin Pin) (p *Plan, ok bool) {
	p = &Plan{t: t, model: model}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.candidates(p)
	i := slices.IndexFunc(p.cands, func(b *backend) bool { return b.spec.ID == pin.Backend })
	if i < 0 {
		return p, false
	}
	b := p.cands[i]
	u, k, ok := b.pinPair(pin)
	if !ok {
		return p, false
	}
	copy(p.cands[1:i+1], p.cands[:i])
	p.cands[0] = b
	p.pinB, p.pinU, p.pinK = b, u, k
	return p, true
}

// pinPair finds pin's URL and key among b's (t.mu held).
func (b *backend) pinPair(pin Pin) (u, k int, ok bool) {
	u = slices.Index(b.spec.BaseURLs, pin.BaseURL)
	if u < 0 {
		return 0, 0, false
	}
	if len(b.keys) == 0 {
		return u, 0, pin.KeyFP == "" && !b.spec.NeedsKey
	}
	for i, key := range b.keys {
		if key.Fingerprint() == pin.KeyFP {
			return u, i, true
		}
	}
	return 0, 0, false
}

// PinChecker returns a test of whether a pin still names a configured pair
// of an enabled backend, from a snapshot of the table taken now: the
// gateway drops the pins it refuses after the backends or keys change.
func (t *Table) PinChecker() func(Pin) bool {
	valid := map[Pin]bool{}
	t.mu.Lock()
	for _, b := range t.backends {
		if !b.spec.Enabled {
			continue
		}
		fps := []string{""}
		if len(b.keys) > 0 {
			fps = fps[:0]
			for _, k := range b.keys {
				fps = append(fps, k.Fingerprint())
			}
		} else if b.spec.NeedsKey {
			continue
		}
		for _, u := range b.spec.BaseURLs {
			for _, fp := range fps {
				valid[Pin{b.spec.ID, u, fp}] = true
			}
		}
	}
	t.mu.Unlock()
	return func(p Pin) bool { return valid[p] }
}

// Generation counts changes of the table's configuration: backends,
// their enabled state and their keys (not health or counters). A reader
// that caches something derived from them compares it.
func (t *Table) Generation() uint64 { return t.gen.Load() }
