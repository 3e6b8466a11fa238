package route

import (
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"switchyard/gateway/modelrule"
)

// BackendSpec is the static description of a backend, built by the gateway
// from its config. Format is opaque to route.
type BackendSpec struct {
	ID, Name   string
	Priority   int
	Format     string
	Enabled    bool
	BaseURLs   []string
	Rule       modelrule.Rule
	Aliases    map[string]string
	NeedsKey   bool
	MaxRetries int

	// Attempt limits, resolved from the configuration once when the spec
	// is built: Timeout bounds a non-streaming attempt, StreamTimeout a
	// stream, FirstByteTimeout the wait for a stream's first event (never
	// over StreamTimeout), StreamIdleTimeout a committed stream's silence.
	Timeout, StreamTimeout, FirstByteTimeout, StreamIdleTimeout time.Duration
	// Request conversion settings for this backend.
	MaxTokensDefault int
	CacheBreakpoints bool
}

// UpstreamModel is the model to ask the backend for: the alias target of
// model, or model itself when it has no alias. An empty alias target
// means no alias. Every path that names a model upstream uses this one
// lookup.
func (b *BackendSpec) UpstreamModel(model string) string {
	if m := b.Aliases[model]; m != "" {
		return m
	}
	return model
}

// Cooldown bounds (per (URL, key) pair, by error class).
var (
	// TransientBase is the first cooldown after a connect/timeout/5xx
	// failure; it doubles with each consecutive failure up to TransientMax.
	TransientBase = 5 * time.Second
	TransientMax  = 5 * time.Minute
	// QuotaDefault is the cooldown after 402/429 without Retry-After.
	QuotaDefault = 60 * time.Second
	// AuthCooldown is how long a refused key is skipped; the key list
	// changing (a new key set) clears it at once.
	AuthCooldown = 24 * time.Hour
)

// health is the passive health of one (URL, key) pair.
type health struct {
	fails   int       // consecutive failures
	until   time.Time // cooling until
	lastErr string
	probing bool // a probe request is in flight after the cooldown ended
	class   Class
}

type backend struct {
	spec     BackendSpec
	keys     []Secret
	activeU  int
	activeK  int
	health   map[pairID]*health
	probes   map[pairID]Probe // the last health check of each pair (probe.go)
	requests int64
	failures int64
	// quota is each key's quota level by fingerprint (SetKeyQuota);
	// a key not in it has quota.
	quota map[string]KeyQuota
}

// pairID identifies a pair by URL and key fingerprint, so health survives
// key-list reordering and is dropped when a key goes away.
type pairID struct {
	url string
	fp  string
}

// Table holds every backend's routing state. It is safe for concurrent use.
type Table struct {
	mu       sync.Mutex
	backends []*backend // priority order
	now      func() time.Time
	events   *Events
	lastOK   string        // id of the backend that answered last
	gen      atomic.Uint64 // Generation
}

// LastAnswered returns the id of the backend that answered most recently
// ("" before the first answer).
func (t *Table) LastAnswered() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lastOK
}

// NewTable returns a table over specs (sorted by priority, stable).
func NewTable(specs []BackendSpec, now func() time.Time) *Table {
	if now == nil {
		now = time.Now
	}
	t := &Table{now: now, events: NewEvents(50)}
	t.SetBackends(specs)
	return t
}

// Events returns the failover event log (and change signal).
func (t *Table) Events() *Events { return t.events }

// Now returns the table's clock reading.
func (t *Table) Now() time.Time { return t.now() }

// SetBackends replaces the static specs (config reload, PATCH), keeping the
// runtime state of backends that still exist.
func (t *Table) SetBackends(specs []BackendSpec) {
	t.mu.Lock()
	old := map[string]*backend{}
	for _, b := range t.backends {
		old[b.spec.ID] = b
	}
	nb := make([]*backend, 0, len(specs))
	for _, s := range specs {
		s.BaseURLs = slices.Clone(s.BaseURLs)
		b := old[s.ID]
		if b == nil {
			b = &backend{health: map[pairID]*health{}}
		}
		if !slices.Equal(b.spec.BaseURLs, s.BaseURLs) && b.activeU < len(b.spec.BaseURLs) {
			// Keep the active URL if it is still listed.
			cur := b.spec.BaseURLs[b.activeU]
			b.activeU = max(0, slices.Index(s.BaseURLs, cur))
		}
		b.spec = s
		if b.activeU >= len(s.BaseURLs) {
			b.activeU = 0
		}
		nb = append(nb, b)
	}
	slices.SortStableFunc(nb, func(a, b *backend) int { return a.spec.Priority - b.spec.Priority })
	t.backends = nb
	t.gen.Add(1)
	t.mu.Unlock()
	t.events.signal()
}

// SetKeys replaces a backend's keys (from the environment or the keychain).
// The active key is followed by identity; health of removed keys is
// dropped, and a key that comes back after removal starts fresh.
func (t *Table) SetKeys(id string, keys []Secret) {
	t.mu.Lock()
	b := t.find(id)
	if b == nil {
		t.mu.Unlock()
		return
	}
	if secretsEqual(b.keys, keys) {
		t.mu.Unlock()
		return
	}
	var activeFP string
	if b.activeK < len(b.keys) {
		activeFP = b.keys[b.activeK].Fingerprint()
	}
	b.keys = slices.Clone(keys)
	b.activeK = 0
	live := map[string]bool{}
	for i, k := range keys {
		fp := k.Fingerprint()
		live[fp] = true
		if fp == activeFP {
			b.activeK = i
		}
	}
	for p := range b.health {
		if !live[p.fp] {
			delete(b.health, p)
		}
	}
	for p := range b.probes {
		if !live[p.fp] {
			delete(b.probes, p)
		}
	}
	t.gen.Add(1)
	for fp := range b.quota {
		if !live[fp] {
			delete(b.quota, fp)
		}
	}
	t.mu.Unlock()
	t.events.signal()
}

func secretsEqual(a, b []Secret) bool {
	return slices.EqualFunc(a, b, func(x, y Secret) bool { return x.Reveal() == y.Reveal() })
}

// KeyQuota is what a key's balance says for rotation.
type KeyQuota int

// The quota levels, in rotation order.
const (
	QuotaOK    KeyQuota = iota // has quota, or unknown
	QuotaLow                   // below quota_low: tried after the keys with quota
	QuotaEmpty                 // nothing left, or its balance was refused: tried last, even when active
)

// SetKeyQuota sets the quota level of backend id's key with this
// fingerprint. A low key is ordered after the keys with quota when the
// backend rotates, but an active low key stays active (rotation keeps the
// key where it can); only an empty or refused key is moved off. It reports
// whether the level changed.
func (t *Table) SetKeyQuota(id, fingerprint string, q KeyQuota) bool {
	t.mu.Lock()
	b := t.find(id)
	changed := false
	if b != nil {
		if b.quota == nil {
			b.quota = map[string]KeyQuota{}
		}
		changed = b.quota[fingerprint] != q
		if q == QuotaOK {
			delete(b.quota, fingerprint)
		} else {
			b.quota[fingerprint] = q
		}
	}
	t.mu.Unlock()
	if changed {
		t.events.signal()
	}
	return changed
}

// SetEnabled enables or disables a backend at run time. It reports false
// for an unknown id.
func (t *Table) SetEnabled(id string, on bool) bool {
	t.mu.Lock()
	b := t.find(id)
	if b != nil && b.spec.Enabled != on {
		b.spec.Enabled = on
		t.gen.Add(1)
	}
	t.mu.Unlock()
	if b != nil {
		t.events.signal()
	}
	return b != nil
}

func (t *Table) find(id string) *backend {
	for _, b := range t.backends {
		if b.spec.ID == id {
			return b
		}
	}
	return nil
}

// Active is a backend's remembered working pair, persisted across restarts
// by URL and key fingerprint (never the key).
type Active struct {
	BaseURL        string `json:"base_url"`
	KeyFingerprint string `json:"key_fingerprint,omitempty"`
}

// ActivePairs returns every backend's active pair, for persistence.
func (t *Table) ActivePairs() map[string]Active {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[string]Active{}
	for _, b := range t.backends {
		if len(b.spec.BaseURLs) == 0 {
			continue
		}
		a := Active{BaseURL: b.spec.BaseURLs[b.activeU]}
		if b.activeK < len(b.keys) {
			a.KeyFingerprint = b.keys[b.activeK].Fingerprint()
		}
		out[b.spec.ID] = a
	}
	return out
}

// ActiveEndpoint returns backend id's active pair with its key, for calls
// outside a plan (the model list); ok is false for an unknown or disabled
// backend, or one that needs a key and has none.
func (t *Table) ActiveEndpoint(id string) (baseURL string, key Secret, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.find(id)
	if b == nil || !b.spec.Enabled || len(b.spec.BaseURLs) == 0 || b.spec.NeedsKey && len(b.keys) == 0 {
		return "", Secret{}, false
	}
	if b.activeK < len(b.keys) {
		key = b.keys[b.activeK]
	}
	return b.spec.BaseURLs[b.activeU], key, true
}

// Keys returns backend id's active base URL and every key, for calls
// outside a plan that ask about each key (the quota reads); ok as for
// ActiveEndpoint. A backend without keys gives one empty Secret.
func (t *Table) Keys(id string) (baseURL string, keys []Secret, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.find(id)
	if b == nil || !b.spec.Enabled || len(b.spec.BaseURLs) == 0 || b.spec.NeedsKey && len(b.keys) == 0 {
		return "", nil, false
	}
	keys = slices.Clone(b.keys)
	if len(keys) == 0 {
		keys = []Secret{{}}
	}
	return b.spec.BaseURLs[b.activeU], keys, true
}

// RestoreActive sets active pairs saved by ActivePairs; unknown URLs or
// keys are ignored. Call it after SetKeys.
func (t *Table) RestoreActive(m map[string]Active) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, a := range m {
		b := t.find(id)
		if b == nil {
			continue
		}
		if i := slices.Index(b.spec.BaseURLs, a.BaseURL); i >= 0 {
			b.activeU = i
		}
		for i, k := range b.keys {
			if a.KeyFingerprint != "" && k.Fingerprint() == a.KeyFingerprint {
				b.activeK = i
			}
		}
	}
}

// EndpointStatus is one (URL, key) pair in Status.
type EndpointStatus struct {
	BaseURL       string     `json:"base_url"`
	Key           string     `json:"key"` // masked: "…D5xY", "" for none
	KeyIndex      int        `json:"key_index"`
	State         string     `json:"state"` // ok | cooling | failing
	CooldownUntil *time.Time `json:"cooldown_until"`
	LastError     *string    `json:"last_error"`
	// Probe is the pair's last health check (periodic or Test), null
	// before the first.
	Probe *Probe `json:"probe"`
}

// ActiveStatus is the active pair in Status.
type ActiveStatus struct {
	BaseURL  string `json:"base_url"`
	Key      string `json:"key"`
	KeyIndex int    `json:"key_index"`
}

// BackendStatus is one backend in Status.
type BackendStatus struct {
	ID             string           `json:"id"`
	Name           string           `json:"name"`
	Priority       int              `json:"priority"`
	Format         string           `json:"format"`
	Enabled        bool             `json:"enabled"`
	State          string           `json:"state"` // ok | cooling | failing | needs_key | disabled
	ActiveEndpoint *ActiveStatus    `json:"active_endpoint"`
	Endpoints      []EndpointStatus `json:"endpoints"`
	ModelsRule     string           `json:"models_rule"`
	Requests       int64            `json:"requests"`
	Failures       int64            `json:"failures"`
}

// Status returns a snapshot of every backend, in priority order.
func (t *Table) Status() []BackendStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	out := make([]BackendStatus, 0, len(t.backends))
	for _, b := range t.backends {
		bs := BackendStatus{
			ID: b.spec.ID, Name: b.spec.Name, Priority: b.spec.Priority, Format: b.spec.Format,
			Enabled: b.spec.Enabled, ModelsRule: b.spec.Rule.String(),
			Requests: b.requests, Failures: b.failures, Endpoints: []EndpointStatus{},
		}
		keys := b.keys
		if len(keys) == 0 {
			keys = []Secret{{}}
		}
		okCount, coolCount := 0, 0
		for ki, k := range keys {
			for _, u := range b.spec.BaseURLs {
				es := EndpointStatus{BaseURL: u, Key: k.Mask(), KeyIndex: ki, State: "ok"}
				if p, ok := b.probes[pairID{u, k.Fingerprint()}]; ok {
					es.Probe = &p
				}
				if h := b.health[pairID{u, k.Fingerprint()}]; h != nil {
					if h.lastErr != "" {
						e := h.lastErr
						es.LastError = &e
					}
					switch {
					case now.Before(h.until):
						es.State = "cooling"
						u := h.until.UTC()
						es.CooldownUntil = &u
					case h.fails > 0:
						es.State = "failing"
					}
				}
				switch es.State {
				case "ok":
					okCount++
				case "cooling":
					coolCount++
				}
				bs.Endpoints = append(bs.Endpoints, es)
			}
		}
		if (len(b.keys) > 0 || !b.spec.NeedsKey) && len(b.spec.BaseURLs) > 0 {
			a := &ActiveStatus{BaseURL: b.spec.BaseURLs[b.activeU], KeyIndex: b.activeK}
			if b.activeK < len(b.keys) {
				a.Key = b.keys[b.activeK].Mask()
			}
			bs.ActiveEndpoint = a
		}
		switch {
		case !b.spec.Enabled:
			bs.State = "disabled"
		case b.spec.NeedsKey && len(b.keys) == 0:
			bs.State = "needs_key"
		case okCount > 0:
			bs.State = "ok"
		case coolCount > 0:
			bs.State = "cooling"
		default:
			bs.State = "failing"
		}
		out = append(out, bs)
	}
	return out
}

// Host returns the host[:port] of a base URL for display and logs.
func Host(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return baseURL
	}
	return u.Host
}
