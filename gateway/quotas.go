package gateway

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"switchyard/gateway/config"
	"switchyard/gateway/quota"
	"switchyard/gateway/route"
)

// KeyStatus is one key of a backend in /api/status: its mask and, for a
// backend whose relay serves a billing endpoint, its balance (null when
// unknown: no billing endpoint, or not read yet).
type KeyStatus struct {
	Key      string         `json:"key"` // masked: "…ab12", "" for none
	KeyIndex int            `json:"key_index"`
	Quota    *quota.Balance `json:"quota"`
}

// quotaState is the gateway's side of the key balances: the store and
// the masks of the keys it reads (a balance is keyed by fingerprint).
type quotaState struct {
	store *quota.Store
	mu    sync.Mutex
	masks map[string]string // backend + "\x00" + fingerprint -> mask
}

func (s *Server) newQuota() *quotaState {
	q := &quotaState{store: quota.New(s.client, s.clock, s.log), masks: map[string]string{}}
	q.store.SetThreshold(threshold(s.config()))
	q.store.OnChange = s.quotaChanged
	return q
}

// threshold is quota_low in effect (Validate has checked it).
func threshold(c *config.Config) quota.Threshold {
	t, err := quota.ParseThreshold(c.QuotaLow)
	if err != nil {
		return quota.DefaultThreshold
	}
	return t
}

// quotaTargets are every key of the enabled backends whose quota kind is
// set, each at the backend's active URL. The key is sent as a bearer
// token, as new-api and copilot-api read it, whatever the backend's
// format.
func (s *Server) quotaTargets() []quota.Target {
	var out []quota.Target
	for _, b := range s.config().Backends {
		if b.Quota == config.QuotaNone {
			continue
		}
		base, keys, ok := s.table.Keys(b.ID)
		if !ok {
			continue
		}
		for _, k := range keys {
			t := quota.Target{Backend: b.ID, Key: k.Fingerprint(), Kind: quota.Kind(b.Quota), BaseURL: base}
			if !k.Empty() {
				t.Auth = func(h http.Header) { h.Set("Authorization", "Bearer "+k.Reveal()) }
			}
			s.quota.mu.Lock()
			s.quota.masks[b.ID+"\x00"+t.Key] = k.Mask()
			s.quota.mu.Unlock()
			out = append(out, t)
		}
	}
	return out
}

func (q *quotaState) mask(backend, fp string) string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.masks[backend+"\x00"+fp]
}

// quotaChanged applies a key's new balance: its place in the rotation
// (low keys after keys with quota, empty or refused keys last), a status
// signal, and a notification when it turned low or refused.
func (s *Server) quotaChanged(backend, fp string, old, now quota.Balance) {
	level := route.QuotaOK
	switch {
	case now.Empty || now.Refused:
		level = route.QuotaEmpty
	case now.Low:
		level = route.QuotaLow
	}
	if !s.table.SetKeyQuota(backend, fp, level) {
		s.table.Events().Signal() // the numbers changed: /api/status readers refresh
	}
	key := s.quota.mask(backend, fp)
	switch {
	case now.Refused && !old.Refused:
		s.alert(backend, keyName(key)+" refused by the billing endpoint")
	case now.Low && !old.Low:
		s.alert(backend, keyName(key)+": "+Left(now))
	}
}

func keyName(mask string) string {
	if mask == "" {
		return "quota"
	}
	return "key " + mask
}

// Left says what a balance has left: "$0.40 left", "12 requests left",
// "unlimited", "unknown".
func Left(b quota.Balance) string {
	switch {
	case !b.Known():
		return "unknown"
	case b.Unlimited:
		return "unlimited"
	case b.Unit == quota.USD:
		return "$" + strconv.FormatFloat(b.Remaining, 'f', 2, 64) + " left"
	}
	n := strconv.FormatFloat(b.Remaining, 'f', -1, 64)
	if b.Unit == "" {
		return n + " left"
	}
	return n + " " + b.Unit + " left"
}

// keyStatuses lists backend id's keys with their balances.
func (s *Server) keyStatuses(id string, kind config.QuotaKind) []KeyStatus {
	_, keys, ok := s.table.Keys(id)
	out := []KeyStatus{}
	if !ok {
		return out
	}
	for i, k := range keys {
		ks := KeyStatus{Key: k.Mask(), KeyIndex: i}
		if kind != config.QuotaNone {
			if b, ok := s.quota.store.Get(id, k.Fingerprint()); ok {
				ks.Quota = &b
			}
		}
		out = append(out, ks)
	}
	return out
}

// quotaKindOf is a backend's quota kind as /api/status names it.
func quotaKindOf(b *config.Backend) string {
	if b == nil || b.Quota == config.QuotaNone {
		return string(quota.None)
	}
	return string(b.Quota)
}

// runQuota reads the balances at start and every quota_interval until ctx
// ends (Options.QuotaRefresh < 0: never by itself).
func (s *Server) runQuota(ctx context.Context) {
	period := s.opts.QuotaRefresh
	if period < 0 {
		return
	}
	if period == 0 {
		period = s.config().QuotaInterval
	}
	if period <= 0 {
		period = config.DefaultQuotaInterval
	}
	s.quota.store.Run(ctx, period, s.quotaTargets)
}

// RefreshQuota reads every key's balance now (the dashboard's refresh).
func (s *Server) RefreshQuota(ctx context.Context) map[string][]KeyStatus {
	ts := s.quotaTargets()
	s.quota.store.Forget(ts)
	s.quota.store.Refresh(ctx, ts)
	return s.quotaSnapshot()
}

func (s *Server) quotaSnapshot() map[string][]KeyStatus {
	out := map[string][]KeyStatus{}
	for _, b := range s.config().Backends {
		if b.Quota != config.QuotaNone {
			out[b.ID] = s.keyStatuses(b.ID, b.Quota)
		}
	}
	return out
}

// handleQuota serves GET /api/quota (each key's balance, by backend) and
// POST /api/quota/refresh (read now; an /api write).
func (s *Server) handleQuota(c *gin.Context) {
	if c.Request.Method == http.MethodPost {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 30*time.Second)
		defer cancel()
		c.JSON(http.StatusOK, s.RefreshQuota(ctx))
		return
	}
	c.JSON(http.StatusOK, s.quotaSnapshot())
}

// QuotaWarnings are the tray's warning lines, one per low or empty key:
// "AnyRouter key …ab12: $0.40 left".
func QuotaWarnings(st Status) []string {
	var out []string
	for _, b := range st.Backends {
		if !b.Enabled {
			continue
		}
		name := b.Name
		if name == "" {
			name = b.ID
		}
		for _, k := range b.Keys {
			if k.Quota == nil || !k.Quota.Low && !k.Quota.Empty {
				continue
			}
			out = append(out, strings.TrimSpace(name+" "+keyName(k.Key)+": "+Left(*k.Quota)))
		}
	}
	return out
}
