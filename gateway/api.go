package gateway

import (
	"context"
	"errors"
	"net"

	"switchyard/gateway/config"
	"switchyard/gateway/protocols"
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
	// Usage is usage accounting's state: on or off, records dropped, and a
	// warning when the database was moved aside or cannot be opened.
	Usage UsageStatus `json:"usage"`
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
		bs[i] = BackendStatus{BackendStatus: b, KeySource: s.keys.SourceOf(b.ID)}
	}
	return Status{Addr: s.addr, Version: s.opts.Version, ActiveBackend: s.table.LastAnswered(), Backends: bs, Failovers: s.table.Events().Recent(), Refusals: s.refused.Snapshot(), Usage: s.usageStatus()}
}

// Subscribe returns a coalesced change signal for status consumers.
func (s *Server) Subscribe() (<-chan struct{}, func()) { return s.table.Events().Subscribe() }

var errUnknownBackend = errors.New("unknown backend")

func apiErrorOf(err error) *protocols.Error {
	var ae *protocols.Error
	if errors.As(err, &ae) {
		return ae
	}
	if errors.Is(err, errUnknownBackend) {
		return &protocols.Error{Status: 404, Message: err.Error()}
	}
	return &protocols.Error{Status: 400, Message: err.Error()}
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
		return &protocols.Error{Status: 400, Message: err.Error()}
	}
	eff, _, err := config.ApplyEnv(next, s.opts.Getenv)
	if err != nil {
		return &protocols.Error{Status: 400, Message: err.Error()}
	}
	if s.opts.ConfigPath != "" {
		if err := next.Save(s.opts.ConfigPath); err != nil {
			return &protocols.Error{Status: 500, Message: "saving config: " + err.Error()}
		}
	}
	s.fileCfg, s.cfg = next, eff
	s.table.SetBackends(specs(eff))
	return nil
}

// dashHost is the server as the dashboard sees it (dashboard.Host and
// dashboard.Writer).
type dashHost struct{ s *Server }

func (h dashHost) UpdateBackend(id string, edit func(*config.Backend)) error {
	if err := h.s.UpdateBackend(id, edit); err != nil {
		return apiErrorOf(err)
	}
	return nil
}

func (h dashHost) HasBackend(id string) bool  { return h.s.backendConfig(id) != nil }
func (h dashHost) JSONError(err error) string { return protocols.JSONErr(err) }

func (h dashHost) AddKey(ctx context.Context, id, key string) error {
	_, err := h.s.opts.Keys.Add(ctx, id, key)
	return err
}

func (h dashHost) DeleteKey(ctx context.Context, id string, index int) error {
	return h.s.opts.Keys.Delete(ctx, id, index)
}

func (h dashHost) ReloadKeys(ctx context.Context) { h.s.keys.Load(ctx, h.s.backendIDs()) }

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
