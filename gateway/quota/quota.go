// Package quota reads each backend key's remaining balance from the
// billing endpoint its relay serves: new-api / one-api relays (AnyRouter is
// one) answer the OpenAI-compatible GET /v1/dashboard/billing/subscription
// and /v1/dashboard/billing/usage with the key as bearer; copilot-api
// answers GET /usage with GitHub's quota snapshots. Anything else is
// unknown and is never asked.
//
// Balances are fetched when the gateway starts, at most every
// quota_interval (10 minutes by default) and on demand, one fetch in
// flight per (backend, key). The key travels only in the Authorization
// header the target sets; it is never logged, stored or returned (a
// balance is keyed by the key's fingerprint).
package quota

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"switchyard/gateway/clock"
)

// Kind is how a backend's balance is read.
type Kind string

// The kinds of billing endpoint.
const (
	// NewAPI is new-api / one-api's OpenAI-compatible billing pair.
	NewAPI Kind = "newapi"
	// Copilot is copilot-api's GET /usage.
	Copilot Kind = "copilot"
	// None: the balance is unknown and never fetched.
	None Kind = "none"
)

// Units of a balance.
const (
	USD      = "USD"
	Requests = "requests"
)

// Balance is one key's quota as last read.
type Balance struct {
	// Remaining is what is left, in Unit; Limit the total granted (0 when
	// the endpoint gives none); Used what has been spent.
	Remaining float64   `json:"remaining"`
	Limit     float64   `json:"limit"`
	Used      float64   `json:"used"`
	Unit      string    `json:"unit"`                   // "USD" or "requests"
	Unlimited bool      `json:"unlimited,omitempty"`    // the relay grants this key unlimited quota
	Low       bool      `json:"low,omitempty"`          // below quota_low (never when unlimited or unknown)
	Empty     bool      `json:"empty,omitempty"`        // nothing left
	Refused   bool      `json:"refused,omitempty"`      // the billing endpoint refused the key (401/403)
	Until     int64     `json:"access_until,omitempty"` // unix seconds the key expires (new-api), 0 = never
	Fetched   time.Time `json:"fetched,omitzero"`       // when the numbers above were read
	Tried     time.Time `json:"tried,omitzero"`         // the last attempt
	Error     string    `json:"error,omitempty"`        // the last attempt's failure; the numbers stay
}

// Known reports whether the balance holds numbers that were read.
func (b Balance) Known() bool { return !b.Fetched.IsZero() }

// Threshold is quota_low: a key is low below Amount (in the balance's own
// unit) or, when Percent is set, below that share of its limit.
type Threshold struct {
	Amount  float64
	Percent bool
}

// DefaultThreshold is 5 % of the key's limit.
var DefaultThreshold = Threshold{Amount: 5, Percent: true}

// ParseThreshold reads quota_low: "1" (an amount in the balance's unit,
// USD or requests) or "5%".
func ParseThreshold(s string) (Threshold, error) {
	s = strings.TrimSpace(s)
	pct := strings.HasSuffix(s, "%")
	n, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
	if err != nil || n < 0 || pct && n > 100 {
		return Threshold{}, fmt.Errorf("%q: want an amount such as 1 (USD or requests) or a share of the limit such as 5%%", s)
	}
	return Threshold{Amount: n, Percent: pct}, nil
}

// IsLow reports whether b is below t. An unlimited or unread balance is
// never low; a percentage needs a limit.
func (t Threshold) IsLow(b Balance) bool {
	if !b.Known() || b.Unlimited {
		return false
	}
	if t.Percent {
		return b.Limit > 0 && b.Remaining < b.Limit*t.Amount/100
	}
	return b.Remaining < t.Amount
}

// Target is one (backend, key) to read.
type Target struct {
	Backend string
	Key     string // the key's fingerprint ("" for a backend without a key); never the key
	Kind    Kind
	// BaseURL is the backend's base URL; a trailing /v1 is dropped and
	// the endpoint's own path appended.
	BaseURL string
	// Auth sets the key on a request's headers (Authorization: Bearer);
	// nil for a backend without a key.
	Auth func(http.Header)
}

type id struct{ backend, key string }

// Store holds the balances. It is safe for concurrent use.
type Store struct {
	client *http.Client
	clock  clock.Clock
	log    *slog.Logger
	// OnChange, when set before the first Refresh, is called after a
	// key's balance was read or failed, with the balance before and
	// after (outside the store's lock).
	OnChange func(backend, key string, old, now Balance)

	mu        sync.Mutex
	threshold Threshold
	balances  map[id]Balance
	inflight  map[id]chan struct{}
}

// New returns an empty store.
func New(client *http.Client, clk clock.Clock, log *slog.Logger) *Store {
	return &Store{client: client, clock: clock.Or(clk), log: log, threshold: DefaultThreshold,
		balances: map[id]Balance{}, inflight: map[id]chan struct{}{}}
}

// SetThreshold changes quota_low; the next read applies it.
func (s *Store) SetThreshold(t Threshold) {
	s.mu.Lock()
	s.threshold = t
	s.mu.Unlock()
}

// Get returns a key's balance.
func (s *Store) Get(backend, key string) (Balance, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.balances[id{backend, key}]
	return b, ok
}

// Backend returns every known balance of one backend, by key fingerprint.
func (s *Store) Backend(backend string) map[string]Balance {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]Balance{}
	for k, b := range s.balances {
		if k.backend == backend {
			out[k.key] = b
		}
	}
	return out
}

// Forget drops the balances of targets not in keep (a key or backend removed).
func (s *Store) Forget(keep []Target) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.balances {
		if !slices.ContainsFunc(keep, func(t Target) bool { return t.Backend == k.backend && t.Key == k.key }) {
			delete(s.balances, k)
		}
	}
}

// fetchTimeout bounds one key's read.
const fetchTimeout = 15 * time.Second

// Refresh reads every target at once and waits for all of them. A key
// whose read is already in flight is not asked twice: Refresh waits for
// that read instead.
func (s *Store) Refresh(ctx context.Context, targets []Target) {
	var wg sync.WaitGroup
	for _, t := range targets {
		if t.Kind != NewAPI && t.Kind != Copilot {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.fetch(ctx, t)
		}()
	}
	wg.Wait()
}

func (s *Store) fetch(ctx context.Context, t Target) {
	k := id{t.Backend, t.Key}
	s.mu.Lock()
	if ch, busy := s.inflight[k]; busy {
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
		}
		return
	}
	done := make(chan struct{})
	s.inflight[k] = done
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.inflight, k)
		s.mu.Unlock()
		close(done)
	}()

	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	var read Balance
	var err error
	switch t.Kind {
	case NewAPI:
		read, err = s.newAPI(ctx, t)
	case Copilot:
		read, err = s.copilot(ctx, t)
	}
	now := s.clock.Now()
	s.mu.Lock()
	old := s.balances[k]
	b := old
	b.Tried = now
	if err != nil {
		b.Error = err.Error() // the last numbers stay
		var re refusedError
		b.Refused = errors.As(err, &re)
	} else {
		read.Tried, read.Fetched = now, now
		b = read
	}
	b.Low = s.threshold.IsLow(b)
	b.Empty = b.Known() && !b.Unlimited && b.Remaining <= 0
	s.balances[k] = b
	s.mu.Unlock()
	if err != nil {
		// Never the key: the backend id and the reason only.
		s.log.Info("quota not read", "backend", t.Backend, "err", b.Error)
	}
	if s.OnChange != nil {
		s.OnChange(t.Backend, t.Key, old, b)
	}
}

// Run refreshes now and then every period until ctx ends; targets is
// read at each refresh.
func (s *Store) Run(ctx context.Context, period time.Duration, targets func() []Target) {
	for {
		ts := targets()
		s.Forget(ts)
		s.Refresh(ctx, ts)
		tick := make(chan struct{})
		t := s.clock.AfterFunc(period, func() { close(tick) })
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-tick:
		}
	}
}

// root drops a trailing /v1 from a base URL: the billing endpoints hang
// off the relay's root.
func root(base string) string {
	base = strings.TrimRight(base, "/")
	return strings.TrimSuffix(base, "/v1")
}

// get GETs url with the target's auth and returns the body of a 200.
func (s *Store) get(ctx context.Context, t Target, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fetchError("bad base URL")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "switchyard")
	if t.Auth != nil {
		t.Auth(req.Header)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fetchError("no answer in time")
		}
		return nil, fetchError("cannot reach the billing endpoint")
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fetchError("reading the answer failed")
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, refusedError(resp.StatusCode)
	case resp.StatusCode == http.StatusNotFound:
		return nil, fetchError("this relay has no billing endpoint (http 404)")
	case resp.StatusCode != http.StatusOK:
		return nil, fetchError("the billing endpoint answered http " + strconv.Itoa(resp.StatusCode))
	}
	return body, nil
}

type fetchError string

func (e fetchError) Error() string { return string(e) }

// refusedError is a 401/403 from the billing endpoint: the key is refused.
type refusedError int

func (e refusedError) Error() string {
	return "the key was refused (http " + strconv.Itoa(int(e)) + ")"
}
