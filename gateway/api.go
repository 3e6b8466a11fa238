package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"switchyard/gateway/config"
	"switchyard/gateway/dashboard"
	"switchyard/gateway/route"
)

// Status is the body of GET /api/status (docs/contract.md). The tray and the
// dashboard read this same state; they keep no copy of their own.
type Status struct {
	Addr    string `json:"addr"`
	Version string `json:"version"`
	// ActiveBackend is the backend that answered last ("" before any).
	ActiveBackend string           `json:"active_backend"`
	Backends      []BackendStatus  `json:"backends"`
	Failovers     []route.Failover `json:"failovers"`
	// Refusals counts requests turned away before routing, by kind (host,
	// cross_origin, preflight, content_type, body_too_large, api_write,
	// token, not_found, method, shed); absent when there were none.
	Refusals map[string]int64 `json:"refusals,omitempty"`
}

// BackendStatus is route's backend status plus where its keys come from.
type BackendStatus struct {
	route.BackendStatus
	KeySource string `json:"key_source"` // "env" | "keychain" | ""
}

// Status returns the current state snapshot.
func (s *Server) Status() Status {
	rs := s.table.Status()
	bs := make([]BackendStatus, len(rs))
	for i, b := range rs {
		bs[i] = BackendStatus{BackendStatus: b, KeySource: s.keys.sourceOf(b.ID)}
	}
	return Status{Addr: s.addr, Version: s.opts.Version, ActiveBackend: s.table.LastAnswered(), Backends: bs, Failovers: s.table.Events().Recent(), Refusals: s.refused.snapshot()}
}

// Subscribe returns a coalesced change signal for status consumers.
func (s *Server) Subscribe() (<-chan struct{}, func()) { return s.table.Events().Subscribe() }

func (s *Server) handleStatus(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, s.Status())
}

// patchBackend is the body of PATCH /api/backends/{id}: non-secret settings.
type patchBackend struct {
	Enabled       *bool              `json:"enabled"`
	Priority      *int               `json:"priority"`
	BaseURLs      []string           `json:"base_urls"`
	Timeout       *int               `json:"timeout"`
	StreamTimeout *int               `json:"stream_timeout"`
	MaxRetries    *int               `json:"max_retries"`
	Models        *string            `json:"models"`
	Aliases       *map[string]string `json:"aliases"`
}

func (s *Server) handlePatchBackend(c *gin.Context) {
	id := c.Param("id")
	var p patchBackend
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		writeError(c.Writer, protoOpenAI, &apiError{Status: 400, Message: "invalid settings: " + jsonErr(err)})
		return
	}
	err := s.UpdateBackend(id, func(b *config.Backend) {
		if p.Enabled != nil {
			b.Enabled = *p.Enabled
		}
		if p.Priority != nil {
			b.Priority = *p.Priority
		}
		if p.BaseURLs != nil {
			b.BaseURLs = p.BaseURLs
		}
		if p.Timeout != nil {
			b.Timeout = time.Duration(*p.Timeout) * time.Second
		}
		if p.StreamTimeout != nil {
			b.StreamTimeout = time.Duration(*p.StreamTimeout) * time.Second
		}
		if p.MaxRetries != nil {
			b.MaxRetries = *p.MaxRetries
		}
		if p.Models != nil {
			b.Models = *p.Models
		}
		if p.Aliases != nil {
			b.Aliases = *p.Aliases
		}
	})
	if err != nil {
		writeError(c.Writer, protoOpenAI, apiErrorOf(err))
		return
	}
	s.handleStatus(c)
}

var errUnknownBackend = errors.New("unknown backend")

func apiErrorOf(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	if errors.Is(err, errUnknownBackend) {
		return &apiError{Status: 404, Message: err.Error()}
	}
	return &apiError{Status: 400, Message: err.Error()}
}

// SetEnabled enables or disables a backend and saves the config.
func (s *Server) SetEnabled(id string, on bool) error {
	return s.UpdateBackend(id, func(b *config.Backend) { b.Enabled = on })
}

// UpdateBackend edits one backend's file config, validates it as a config
// file is validated, saves it atomically, and applies it at once (the next
// request sees it). Environment overrides keep winning over the file.
func (s *Server) UpdateBackend(id string, edit func(*config.Backend)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.fileCfg.Clone()
	b := next.Backend(id)
	if b == nil {
		return errUnknownBackend
	}
	edit(b)
	if err := next.Validate(); err != nil {
		return &apiError{Status: 400, Message: err.Error()}
	}
	eff, _, err := config.ApplyEnv(next, s.opts.Getenv)
	if err != nil {
		return &apiError{Status: 400, Message: err.Error()}
	}
	if s.opts.ConfigPath != "" {
		if err := next.Save(s.opts.ConfigPath); err != nil {
			return &apiError{Status: 500, Message: "saving config: " + err.Error()}
		}
	}
	s.fileCfg, s.cfg = next, eff
	s.table.SetBackends(specs(eff))
	return nil
}

// putKeys is the body of PUT /api/backends/{id}/keys.
type putKeys struct {
	Key  string   `json:"key"`
	Keys []string `json:"keys"`
}

// handlePutKeys adds keys to the keychain. Write-only: the answer is the
// status, where keys appear masked.
func (s *Server) handlePutKeys(c *gin.Context) {
	id := c.Param("id")
	if s.backendConfig(id) == nil {
		writeError(c.Writer, protoOpenAI, &apiError{Status: 404, Message: "unknown backend " + strconv.Quote(id)})
		return
	}
	if s.opts.Keys == nil {
		writeError(c.Writer, protoOpenAI, &apiError{Status: 503, Message: "no OS keychain is available; set " + config.EnvPrefix(id) + "_API_KEYS in the environment instead"})
		return
	}
	var p putKeys
	body, err := io.ReadAll(c.Request.Body)
	if err == nil {
		err = json.Unmarshal(body, &p)
	}
	if err != nil {
		writeError(c.Writer, protoOpenAI, &apiError{Status: 400, Message: "invalid body: want {\"key\":\"…\"} or {\"keys\":[…]}"})
		return
	}
	keys := p.Keys
	if p.Key != "" {
		keys = append(keys, p.Key)
	}
	if len(keys) == 0 {
		writeError(c.Writer, protoOpenAI, &apiError{Status: 400, Message: "no key given"})
		return
	}
	for _, k := range keys {
		if strings.TrimSpace(k) == "" {
			writeError(c.Writer, protoOpenAI, &apiError{Status: 400, Message: "empty key"})
			return
		}
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 10*time.Second)
	defer cancel()
	for _, k := range keys {
		if _, err := s.opts.Keys.Add(ctx, id, strings.TrimSpace(k)); err != nil {
			// A keychain error may quote the secret it was given.
			msg := err.Error()
			for _, k := range keys {
				msg = strings.ReplaceAll(msg, strings.TrimSpace(k), "[REDACTED]")
			}
			writeError(c.Writer, protoOpenAI, &apiError{Status: 503, Message: "storing the key: " + dashboard.Scrub(msg)})
			return
		}
	}
	s.keys.load(ctx, s.backendIDs())
	s.handleStatus(c)
}

// handleDeleteKey removes one keychain key by index.
func (s *Server) handleDeleteKey(c *gin.Context) {
	id := c.Param("id")
	idx, err := strconv.Atoi(c.Param("index"))
	if err != nil || idx < 0 {
		writeError(c.Writer, protoOpenAI, &apiError{Status: 400, Message: "key index must be a number ≥ 0"})
		return
	}
	if s.backendConfig(id) == nil {
		writeError(c.Writer, protoOpenAI, &apiError{Status: 404, Message: "unknown backend " + strconv.Quote(id)})
		return
	}
	if s.opts.Keys == nil {
		writeError(c.Writer, protoOpenAI, &apiError{Status: 503, Message: "no OS keychain is available"})
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 10*time.Second)
	defer cancel()
	if err := s.opts.Keys.Delete(ctx, id, idx); err != nil {
		status := 503
		if strings.Contains(err.Error(), "no such key") {
			status = 404
		}
		writeError(c.Writer, protoOpenAI, &apiError{Status: status, Message: "removing the key: " + err.Error()})
		return
	}
	s.keys.load(ctx, s.backendIDs())
	s.handleStatus(c)
}

// dashHost is what the dashboard reads of the server (dashboard.Host).
type dashHost struct{ s *Server }

func (h dashHost) Config() *config.Config               { return h.s.config() }
func (h dashHost) Status() any                          { return h.s.Status() }
func (h dashHost) Subscribe() (<-chan struct{}, func()) { return h.s.Subscribe() }

// NewLaunchURL returns a link that opens the dashboard with editing
// unlocked: http://ADDR/?launch=TOKEN, where TOKEN is a fresh random
// 128-bit token that works once, within 10 minutes. The tray opens one on
// each click; `switchyard serve` prints one at start.
func (s *Server) NewLaunchURL() string {
	host, port, err := net.SplitHostPort(s.addr)
	if err == nil {
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
			host = "127.0.0.1"
		}
		return "http://" + net.JoinHostPort(host, port) + "/?launch=" + s.dash.NewLaunchToken()
	}
	return "http://" + s.addr + "/?launch=" + s.dash.NewLaunchToken()
}
