package route

import (
	"slices"
	"strings"
	"time"
)

// MaxAttempts caps upstream attempts per client request, whatever the
// number of backends, URLs and keys: one pass over the candidates, bounded.
const MaxAttempts = 16

// Attempt is one upstream try chosen by a Plan.
type Attempt struct {
	Backend  BackendSpec
	BaseURL  string
	Key      Secret
	URLIndex int
	KeyIndex int
	N        int  // 1-based attempt number within the request
	Probe    bool // the pair's cooldown just ended: this attempt is its probe
}

// Endpoint names the attempt's pair for logs and events (never the key).
func (a Attempt) Endpoint() string {
	s := Host(a.BaseURL)
	if m := a.Key.Mask(); m != "" {
		s += " key " + m
	}
	return s
}

// Tried is one backend's part in a request, for the 503 message.
type Tried struct {
	ID     string
	Reason string
}

// Plan walks the candidates of one request. Use it as:
//
//	p := table.NewPlan(model)
//	for a, ok := p.Next(); ok; a, ok = p.Next() {
//		class, reason := try(a)
//		if p.Done(a, class, reason, retryAfter) == Finish { … deliver; break }
//	}
//	// exhausted: 503 with p.Summary()
type Plan struct {
	t     *Table
	model string
	cands []*backend
	ci    int
	// per current backend
	keys     []Secret
	tried    map[[2]int]bool
	deadKeys map[int]bool
	// last attempt and decision
	last        Attempt
	hasLast     bool
	lastAct     Action
	lastReason  string
	retriesLeft int

	// pinned session (NewSessionPlan): the backend first, from this pair
	pinB       *backend
	pinU, pinK int

	attempts       int
	ignoreCooldown bool
	outcomes       []Tried
}

// NewPlan returns the plan for a request for model: enabled backends in
// priority order whose rule matches. Backends that need a key and have
// none are noted (Summary) and skipped without a request.
func (t *Table) NewPlan(model string) *Plan {
	p := &Plan{t: t, model: model}
	t.mu.Lock()
	t.candidates(p)
	t.mu.Unlock()
	return p
}

// candidates fills p's candidates and notes (t.mu held).
func (t *Table) candidates(p *Plan) {
	model := p.model
	for _, b := range t.backends {
		if !b.spec.Enabled {
			continue
		}
		if !b.spec.Rule.Match(model) {
			continue
		}
		if b.spec.NeedsKey && len(b.keys) == 0 {
			p.outcomes = append(p.outcomes, Tried{b.spec.ID, "needs a key"})
			continue
		}
		if len(b.spec.BaseURLs) == 0 {
			p.outcomes = append(p.outcomes, Tried{b.spec.ID, "no base URL"})
			continue
		}
		p.cands = append(p.cands, b)
	}
}

// Candidates returns the ids of the backends the plan may try, in order.
func (p *Plan) Candidates() []string {
	ids := make([]string, len(p.cands))
	for i, b := range p.cands {
		ids[i] = b.spec.ID
	}
	return ids
}

// Attempts returns the number of attempts handed out so far.
func (p *Plan) Attempts() int { return p.attempts }

// Next returns the next attempt, or false when the request has nowhere
// left to go.
func (p *Plan) Next() (Attempt, bool) {
	if p.attempts >= MaxAttempts {
		p.fellThrough()
		return Attempt{}, false
	}
	t := p.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if p.hasLast && p.lastAct == RetrySame {
		p.retriesLeft--
		a := p.last
		p.attempts++
		a.N = p.attempts
		a.Probe = false
		p.last = a
		return a, true
	}
	for {
		if p.ci >= len(p.cands) {
			if p.attempts == 0 && !p.ignoreCooldown && len(p.cands) > 0 {
				// Everything is cooling down: never leave the request with no
				// candidate at all (a backend may have come back), but do not
				// hammer an outage either: one attempt per backend, on the
				// pair whose cooldown ends first, with no retry.
				p.ignoreCooldown = true
				p.ci = 0
				p.resetBackend()
				continue
			}
			p.fellThrough()
			return Attempt{}, false
		}
		b := p.cands[p.ci]
		if p.keys == nil {
			p.keys = b.keys
			if len(p.keys) == 0 {
				p.keys = []Secret{{}}
			}
		}
		if p.hasLast && p.last.Backend.ID == b.spec.ID && (p.lastAct == NextBackend || p.ignoreCooldown) {
			p.advance()
			continue
		}
		u, k, probe, ok := p.pick(b)
		if !ok {
			p.advance()
			continue
		}
		p.tried[[2]int{u, k}] = true
		p.attempts++
		a := Attempt{
			Backend: b.spec, BaseURL: b.spec.BaseURLs[u], Key: p.keys[k],
			URLIndex: u, KeyIndex: k, N: p.attempts, Probe: probe,
		}
		if p.hasLast {
			p.recordFall(a) // events has its own lock
		}
		p.last, p.hasLast = a, true
		p.lastAct = Finish
		p.retriesLeft = b.spec.MaxRetries
		if probe || p.ignoreCooldown && b.health[pairID{a.BaseURL, a.Key.Fingerprint()}] != nil {
			// Half-open: one probe, not a burst on a sick pair. The same for
			// a pair tried only because everything is cooling: it is known
			// down, so a same-pair retry would only double the load of an
			// outage (retry storm).
			p.retriesLeft = 0
		}
		return a, true
	}
}

func (p *Plan) advance() {
	p.ci++
	p.resetBackend()
}

func (p *Plan) resetBackend() {
	p.keys = nil
	p.tried = map[[2]int]bool{}
	p.deadKeys = map[int]bool{}
}

// pick chooses the next pair of b by the last decision (t.mu held).
func (p *Plan) pick(b *backend) (u, k int, probe, ok bool) {
	if p.tried == nil {
		p.resetBackend()
		p.keys = b.keys
		if len(p.keys) == 0 {
			p.keys = []Secret{{}}
		}
	}
	nu, nk := len(b.spec.BaseURLs), len(p.keys)
	startU, startK := b.activeU%nu, b.activeK%nk
	if b == p.pinB && p.pinU < nu && p.pinK < nk {
		startU, startK = p.pinU, p.pinK // the session's pair, not the backend's active one
	}
	sameBackend := p.hasLast && p.last.Backend.ID == b.spec.ID
	var order [][2]int
	switch {
	case sameBackend && p.lastAct == NextURL:
		// Same key, the following URLs; then other keys from this URL.
		lu, lk := p.last.URLIndex, p.last.KeyIndex
		for i := 1; i <= nu; i++ {
			order = append(order, [2]int{(lu + i) % nu, lk})
		}
		for j := 1; j < nk; j++ {
			for i := 0; i < nu; i++ {
				order = append(order, [2]int{(lu + i) % nu, (lk + j) % nk})
			}
		}
	case sameBackend && p.lastAct == NextKey:
		lu, lk := p.last.URLIndex, p.last.KeyIndex
		p.deadKeys[lk] = true
		for j := 1; j < nk; j++ {
			for i := 0; i < nu; i++ {
				order = append(order, [2]int{(lu + i) % nu, (lk + j) % nk})
			}
		}
	default:
		for j := 0; j < nk; j++ {
			for i := 0; i < nu; i++ {
				order = append(order, [2]int{(startU + i) % nu, (startK + j) % nk})
			}
		}
	}
	// The key in use keeps its place when it is merely low: the active key
	// on a fresh pass, the same key when moving to the next URL.
	keep := startK
	switch {
	case sameBackend && p.lastAct == NextURL:
		keep = p.last.KeyIndex
	case sameBackend && p.lastAct == NextKey:
		keep = -1
	}
	p.byQuota(b, order, keep)
	now := p.t.now()
	if p.ignoreCooldown {
		// Everything is cooling: the pair whose cooldown ends first.
		best, bestUntil, found := [2]int{}, time.Time{}, false
		for _, c := range order {
			if p.tried[c] || p.deadKeys[c[1]] {
				continue
			}
			var until time.Time
			if h := b.health[pairID{b.spec.BaseURLs[c[0]], p.keys[c[1]].Fingerprint()}]; h != nil {
				until = h.until
			}
			if !found || until.Before(bestUntil) {
				best, bestUntil, found = c, until, true
			}
		}
		return best[0], best[1], false, found
	}
	for _, c := range order {
		if p.tried[c] || p.deadKeys[c[1]] {
			continue
		}
		h := b.health[pairID{b.spec.BaseURLs[c[0]], p.keys[c[1]].Fingerprint()}]
		if h == nil {
			return c[0], c[1], false, true
		}
		if now.Before(h.until) {
			continue // cooling down
		}
		if h.fails > 0 {
			if h.probing {
				continue // someone else is probing it
			}
			h.probing = true
			return c[0], c[1], true, true
		}
		return c[0], c[1], false, true
	}
	return 0, 0, false, false
}

// byQuota reorders the pairs of order (stably) so keys with quota come
// before low keys and low keys before empty ones. The key keep (-1: none)
// counts as having quota unless it is empty: a key in use is not moved
// off just because it is low (t.mu held).
func (p *Plan) byQuota(b *backend, order [][2]int, keep int) {
	if len(b.quota) == 0 {
		return
	}
	level := func(k int) KeyQuota {
		q := b.quota[p.keys[k].Fingerprint()]
		if k == keep && q == QuotaLow {
			return QuotaOK
		}
		return q
	}
	slices.SortStableFunc(order, func(x, y [2]int) int { return int(level(x[1])) - int(level(y[1])) })
}

// Done reports an attempt's outcome, updates health, counters and the
// active pair, and returns what to do next (see Decide).
// retryAfter is the upstream's Retry-After (0 if none).
func (p *Plan) Done(a Attempt, c Class, reason string, retryAfter time.Duration) Action {
	act := Decide(c, p.retriesLeft)
	t := p.t
	t.mu.Lock()
	b := t.find(a.Backend.ID)
	if b != nil {
		id := pairID{a.BaseURL, a.Key.Fingerprint()}
		h := b.health[id]
		switch c {
		case OK:
			b.requests++
			delete(b.health, id)
			b.activeU, b.activeK = a.URLIndex, a.KeyIndex
			t.lastOK = b.spec.ID
		case ClientFault:
			b.requests++
			if h != nil {
				h.probing = false
			}
		case Canceled, NoModel:
			// Not the pair's health: the client left, or this backend lacks
			// this one model (it answered; other models are fine).
			if h != nil {
				h.probing = false
			}
			if c == NoModel {
				b.requests++
				b.failures++
			}
		default:
			b.requests++
			b.failures++
			t.cool(b, id, c, reason, retryAfter)
		}
	}
	t.mu.Unlock()
	t.events.signal()
	p.lastAct = act
	p.lastReason = reason
	if c != OK && c != ClientFault && c != Canceled {
		p.setOutcome(a.Backend.ID, reason)
	}
	return act
}

// cool records a failure of class c on pair id of b and starts its
// cooldown by the class's rule (t.mu held): transient failures back off
// from TransientBase, doubling up to TransientMax; a quota refusal waits
// Retry-After or QuotaDefault (at most an hour); a refused key
// AuthCooldown. Requests and probes share it.
func (t *Table) cool(b *backend, id pairID, c Class, reason string, retryAfter time.Duration) {
	h := b.health[id]
	if h == nil {
		h = &health{}
		b.health[id] = h
	}
	h.probing = false
	h.fails++
	h.lastErr = reason
	h.class = c
	now := t.now()
	switch c {
	case Connect, Timeout, Server:
		d := TransientBase << min(h.fails-1, 10)
		h.until = now.Add(min(d, TransientMax))
	case Quota:
		d := retryAfter
		if d <= 0 {
			d = QuotaDefault
		}
		h.until = now.Add(min(d, time.Hour))
	case Auth:
		h.until = now.Add(AuthCooldown)
	}
}

func (p *Plan) setOutcome(id, reason string) {
	for i := range p.outcomes {
		if p.outcomes[i].ID == id {
			p.outcomes[i].Reason = reason
			return
		}
	}
	p.outcomes = append(p.outcomes, Tried{id, reason})
}

// recordFall adds a failover event for moving from the last attempt to a.
func (p *Plan) recordFall(a Attempt) {
	p.t.events.Add(Failover{
		Time: p.t.now().UTC(), Model: p.model,
		From: p.last.Backend.ID, To: a.Backend.ID, Reason: p.lastReason,
		FromEndpoint: p.last.Endpoint(), ToEndpoint: a.Endpoint(),
	})
}

// fellThrough records the final fall when the last attempt failed and
// nothing is left.
func (p *Plan) fellThrough() {
	if !p.hasLast || p.lastAct == Finish {
		return
	}
	p.t.events.Add(Failover{
		Time: p.t.now().UTC(), Model: p.model,
		From: p.last.Backend.ID, To: "", Reason: p.lastReason,
		FromEndpoint: p.last.Endpoint(),
	})
	p.hasLast = false
}

// Summary explains, per backend, why the request could not be served:
// "antigravity: connection refused; anyrouter: needs a key". It also names
// the model when no backend's rule matched.
func (p *Plan) Summary() string {
	if len(p.outcomes) == 0 {
		return "no enabled backend accepts model " + quote(p.model)
	}
	// Name the backends in priority order, whatever order they failed in.
	pos := map[string]int{}
	p.t.mu.Lock()
	for i, b := range p.t.backends {
		pos[b.spec.ID] = i
	}
	p.t.mu.Unlock()
	outs := slices.Clone(p.outcomes)
	slices.SortStableFunc(outs, func(a, b Tried) int { return pos[a.ID] - pos[b.ID] })
	parts := make([]string, len(outs))
	for i, o := range outs {
		parts[i] = o.ID + ": " + o.Reason
	}
	return strings.Join(parts, "; ")
}

func quote(s string) string { return "\"" + s + "\"" }
