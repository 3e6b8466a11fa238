package gateway

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// SessionsView is the body of GET /api/sessions (docs/contract.md).
type SessionsView struct {
	Enabled   bool          `json:"enabled"`
	Count     int           `json:"count"`       // sessions held
	CacheTTLS int64         `json:"cache_ttl_s"` // sessions.cache_ttl
	IdleTTLS  int64         `json:"idle_ttl_s"`  // sessions.idle_ttl
	Sessions  []SessionView `json:"sessions"`    // most recent first, at most ?limit= (default 100, max 1000)
}

// SessionView is one session: its key is a hash (never a client's raw id),
// its pin a backend, URL and key fingerprint (never the key).
type SessionView struct {
	Key            string   `json:"key"`
	Protocol       string   `json:"protocol"`
	Source         string   `json:"source"` // header | prompt_cache_key | metadata.user_id | user | prefix
	Backend        string   `json:"backend"`
	BaseURL        string   `json:"base_url"`
	KeyFingerprint string   `json:"key_fingerprint"`
	Turns          int64    `json:"turns"`
	IdleS          float64  `json:"idle_s"`
	Holding        bool     `json:"holding"` // idle < cache_ttl: the pin wins over priority
	InputTokens    int64    `json:"input_tokens"`
	CacheRead      int64    `json:"cache_read_tokens"`
	CacheWrite     int64    `json:"cache_write_tokens"`
	CacheReadRatio *float64 `json:"cache_read_ratio"` // cache reads / all prompt tokens; null before any
}

// Sessions returns the sessions view, at most limit sessions.
func (s *Server) Sessions(limit int) SessionsView {
	cfg := s.config().Sessions
	v := SessionsView{Enabled: s.sessions != nil, CacheTTLS: int64(cfg.CacheTTL / time.Second), IdleTTLS: int64(cfg.IdleTTL / time.Second), Sessions: []SessionView{}}
	if s.sessions == nil {
		return v
	}
	s.prunePins()
	now := s.clock.Now()
	v.Count = s.sessions.Len()
	for _, in := range s.sessions.Snapshot(limit) {
		idle := now.Sub(in.LastUsed)
		sv := SessionView{
			Key: in.Key.String(), Protocol: in.Proto, Source: in.Source.String(),
			Backend: in.Pin.Backend, BaseURL: in.Pin.BaseURL, KeyFingerprint: in.Pin.KeyFP,
			Turns: in.Turns, IdleS: math.Round(idle.Seconds()*10) / 10, Holding: in.Pin.Backend != "" && idle < cfg.CacheTTL,
			InputTokens: in.Input, CacheRead: in.CacheRead, CacheWrite: in.CacheWrite,
		}
		if all := in.Input + in.CacheRead + in.CacheWrite; all > 0 {
			r := math.Round(float64(in.CacheRead)/float64(all)*1000) / 1000
			sv.CacheReadRatio = &r
		}
		v.Sessions = append(v.Sessions, sv)
	}
	return v
}

func (s *Server) handleSessions(c *gin.Context) {
	limit := 100
	if q := c.Query("limit"); q != "" {
		if n, err := strconv.Atoi(q); err == nil && n > 0 {
			limit = min(n, 1000)
		}
	}
	c.JSON(http.StatusOK, s.Sessions(limit))
}
