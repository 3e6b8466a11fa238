package route

import (
	"slices"
	"time"
)

// Probe is the last health check of one endpoint (base URL × key): the
// periodic check (kind "models", a GET of the backend's model list) or a
// Test (kind "completion", one tiny real completion). It is shown in
// Status with its time; it never holds the key.
type Probe struct {
	Kind      string    `json:"kind"`            // "models" | "completion"
	OK        bool      `json:"ok"`              // the upstream answered as it should
	Status    int       `json:"status"`          // the upstream's HTTP status; 0 when none
	LatencyMS int64     `json:"latency_ms"`      // request sent → answer read
	Model     string    `json:"model,omitempty"` // the model that answered (a completion)
	Error     string    `json:"error,omitempty"` // why it failed, key-free
	At        time.Time `json:"at"`              // when it finished
}

// ProbeResult records a health check of backend id's pair (baseURL, the
// key whose fingerprint is fp; "" for none) and feeds it to the pair's
// health as a request's outcome would, with class c:
//
//   - OK ends the pair's cooldown at once (its failure count too): the
//     next request may use it again.
//   - Connect, Timeout, Server, Auth and Quota cool the pair by the same
//     rules as a failed request (an auth refusal counts as the key
//     refused); retryAfter is the upstream's Retry-After (0 if none).
//   - ClientFault, NoModel and Canceled say nothing of the pair's health
//     (the tested model is missing, the check was cut short): recorded
//     only.
//
// A probe is not a client request: it changes neither the request counts
// nor the active pair. ProbeResult reports false, recording nothing, when
// the pair is not (or no longer) one of the backend's.
func (t *Table) ProbeResult(id, baseURL, fp string, p Probe, c Class, retryAfter time.Duration) bool {
	t.mu.Lock()
	b := t.find(id)
	ok := b != nil && slices.Contains(b.spec.BaseURLs, baseURL) && b.hasKey(fp)
	if ok {
		pid := pairID{baseURL, fp}
		if b.probes == nil {
			b.probes = map[pairID]Probe{}
		}
		p.At = p.At.UTC()
		b.probes[pid] = p
		switch c {
		case OK:
			delete(b.health, pid)
		case Connect, Timeout, Server, Auth, Quota:
			t.cool(b, pid, c, p.Error, retryAfter)
		}
	}
	t.mu.Unlock()
	if ok {
		t.events.signal()
	}
	return ok
}

// hasKey reports whether fp is one of b's keys ("" when b has none).
func (b *backend) hasKey(fp string) bool {
	if len(b.keys) == 0 {
		return fp == ""
	}
	for _, k := range b.keys {
		if k.Fingerprint() == fp {
			return true
		}
	}
	return false
}

// ProbeEndpoint is one pair a health check can reach: base URL and key.
type ProbeEndpoint struct {
	BaseURL string
	Key     Secret
}

// Endpoints returns backend id's pairs (every base URL × every key, or
// the URLs alone when it has no key), with the backend's spec; ok is
// false for an unknown backend.
func (t *Table) Endpoints(id string) (spec BackendSpec, eps []ProbeEndpoint, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.find(id)
	if b == nil {
		return BackendSpec{}, nil, false
	}
	keys := b.keys
	if len(keys) == 0 {
		keys = []Secret{{}}
	}
	for _, k := range keys {
		for _, u := range b.spec.BaseURLs {
			eps = append(eps, ProbeEndpoint{BaseURL: u, Key: k})
		}
	}
	return b.spec, eps, true
}
