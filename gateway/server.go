// Package gateway is Switchyard's HTTP server: the gin engine and its
// routes behind the local-safety guard (gateway/guard), the attempt loop
// that carries a request through route's plan to the upstreams (converting
// protocols on the way), the status API, and the one place that renders
// errors in the caller's protocol. It is the only package importing gin.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"switchyard/connect"
	"switchyard/gateway/clock"
	"switchyard/gateway/config"
	"switchyard/gateway/dashboard"
	"switchyard/gateway/guard"
	"switchyard/gateway/keysource"
	"switchyard/gateway/modellist"
	"switchyard/gateway/modelrule"
	"switchyard/gateway/probe"
	"switchyard/gateway/protocols"
	"switchyard/gateway/route"
	"switchyard/gateway/session"
	"switchyard/gateway/statefile"
	"switchyard/gateway/usage"
	"switchyard/notify"
)

// Options configure a Server.
type Options struct {
	// Config is the configuration as stored in the file (no environment
	// overrides): PATCH edits it and saves it to ConfigPath.
	Config     *config.Config
	ConfigPath string // "" = settings changes are not persisted
	// Getenv supplies ID_* overrides (os.Getenv in main; nil = none).
	Getenv func(string) string
	// Keys is the OS keychain; nil = keys only from ID_API_KEYS.
	Keys KeyStore
	// StateDir holds recent failovers and active pairs; "" = not persisted.
	StateDir string
	Logger   *slog.Logger
	Version  string
	// Token, when set, is required from clients (SWITCHYARD_TOKEN).
	Token string
	// Clock reads the time and runs every timer of the gateway (tests
	// inject clocktest.Fake); nil = the system clock.
	Clock clock.Clock
	// Transport overrides the upstream transport (tests); nil = a shared,
	// tuned *http.Transport.
	Transport http.RoundTripper
	// EventsKeepalive is the interval of ": keepalive" comments on the
	// dashboard's event stream (tests); 0 = 25s.
	EventsKeepalive time.Duration
	// KeepAlive is how long a started stream may stay silent before the
	// client gets a keep-alive; 0 = 15s.
	KeepAlive time.Duration
	// MaxInFlight bounds concurrent proxied requests; past it clients get
	// 503 with Retry-After at once instead of queueing (hardening R3).
	// 0 = 4096 (a desktop never gets near it; it is a guard, not a queue).
	MaxInFlight int
	// ModelRefresh is how often the backends' model lists are fetched
	// (also at start); 0 = 30 minutes, < 0 = never (tests).
	ModelRefresh time.Duration
	// ProbeRand is the jitter source of the periodic health checks, in
	// [0,1) (tests pin it); nil = random.
	ProbeRand func() float64
	// QuotaRefresh is how often key balances are read (also at start);
	// 0 = the config's quota_interval, < 0 = only on demand (tests).
	QuotaRefresh time.Duration
	// Notifier shows desktop notifications (notify.New in main) when the
	// config's notifications is on; nil = none.
	Notifier notify.Notifier
	// ToolSetup builds the setup that points the user's tools (Claude
	// Code, Codex, …) at this gateway, for the dashboard's Connect tab
	// and the tray (main builds it as for `switchyard connect`); called
	// at each use, so the URL follows the listener. nil = no tool setup.
	ToolSetup func() (*connect.Setup, error)
	// ReadHeaderTimeout bounds how long a client may take to send its
	// request headers (slowloris, hardening R1); 0 = 10s.
	ReadHeaderTimeout time.Duration
	// UsageDB is the usage database's path (config.UsageDBPath() in main);
	// "" = no usage accounting, whatever the config says.
	UsageDB string
	// UsageOptions tune the usage store (tests: queue size, time zone);
	// retention, prices, logger and clock come from the config and the
	// server.
	UsageOptions usage.Options
	// OnUsage, when set, gets each request's usage record once it is
	// queued for the store (accounting on only): the hook for per-session
	// accounting and for tests.
	OnUsage func(usage.Record)
}

// KeyStore is what the gateway needs of the OS keychain (keystore.Store
// satisfies it): keysource.Store.
type KeyStore = keysource.Store

// Server is the gateway. Create it with New, serve it with Serve.
type Server struct {
	opts    Options
	clock   clock.Clock
	log     *slog.Logger
	table   *route.Table
	keys    *keysource.Cache
	client  *http.Client
	handler http.Handler
	guard   *guard.Guard
	state   *statefile.File

	mu      sync.RWMutex
	fileCfg *config.Config // as on disk
	cfg     *config.Config // effective: file + environment

	slots chan struct{} // proxied requests in flight (R3)
	addr  string
	dash  *dashboard.Dashboard
	// models are the backends' fetched model lists (models.go).
	models *modellist.Store
	// probes are the endpoints' health checks (probe_api.go).
	probes *probe.Prober
	// quota holds the keys' balances (quotas.go); alerts coalesces
	// desktop notifications (alerts.go), nil without a Notifier.
	quota  *quotaState
	alerts *notify.Coalescer

	refused *guard.Refusals
	tools   *toolSetup // nil without Options.ToolSetup

	// sessions is session affinity's store (nil when sessions.enabled is
	// false); pinGen the table generation its pins were last checked at.
	sessions *session.Store
	pinGen   atomic.Uint64
	// acct is the usage database (usage_api.go), nil when accounting is
	// off; usageWarn says why it is off or that the file was moved aside.
	acct      *usage.Store
	usageWarn string
}

// New builds a server from opts. It reads keys (bounded by a timeout) and
// restores persisted state, but does not listen.
func New(opts Options) (*Server, error) {
	if opts.Config == nil {
		opts.Config = config.Defaults()
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	opts.Clock = clock.Or(opts.Clock)
	if opts.KeepAlive <= 0 {
		opts.KeepAlive = 15 * time.Second
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = 4096
	}
	if opts.ReadHeaderTimeout <= 0 {
		opts.ReadHeaderTimeout = 10 * time.Second
	}
	eff, envKeys, err := config.ApplyEnv(opts.Config, opts.Getenv)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, log: opts.Logger, fileCfg: opts.Config.Clone(), cfg: eff, slots: make(chan struct{}, opts.MaxInFlight)}
	s.clock = opts.Clock
	s.refused = guard.NewRefusals(s.log, s.clock.Now)
	s.table = route.NewTable(specs(eff), s.clock.Now)
	if eff.Sessions.Enabled {
		s.sessions = session.New(session.Options{Max: eff.Sessions.Max, IdleTTL: eff.Sessions.IdleTTL, Now: s.clock.Now})
	}
	s.keys = keysource.New(keysource.Options{Store: opts.Keys, Env: envKeys, Table: s.table, Log: s.log, Now: s.clock.Now, Timeout: 5 * time.Second})
	s.keys.Load(context.Background(), s.backendIDs())
	if opts.StateDir != "" {
		s.state = statefile.New(opts.StateDir, s.table, s.log, s.clock)
		s.state.Restore()
	}
	rt := opts.Transport
	if rt == nil {
		rt = newTransport()
	}
	s.client = &http.Client{Transport: rt, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	s.addr = eff.Listen
	s.models = s.newModelLists()
	s.probes = s.newProber()
	s.quota = s.newQuota()
	if opts.Notifier != nil {
		s.alerts = notify.NewCoalescer(opts.Notifier, s.clock)
	}
	s.openUsage(eff)
	var con dashboard.Connector
	if opts.ToolSetup != nil {
		s.tools = &toolSetup{s: s, setup: opts.ToolSetup}
		con = s.tools
	}
	s.dash = dashboard.New(dashHost{s}, dashHost{s}, dashboard.Options{
		Now: s.clock.Now, Getenv: opts.Getenv, Logger: s.log, TokenRequired: opts.Token != "", Keychain: opts.Keys != nil,
		EventsKeepalive: opts.EventsKeepalive, Connector: con,
		WriteError: func(w http.ResponseWriter, status int, msg string) {
			protocols.WriteError(w, protocols.OpenAI, &protocols.Error{Status: status, Message: msg})
		},
	})
	s.guard = guard.New(s.routes(), guard.Options{
		Addr: eff.Listen, BodyLimit: int64(eff.BodyLimitMB) << 20, Token: opts.Token, Sessions: dashSessions{s.dash}, Refusals: s.refused,
		Render: func(w http.ResponseWriter, r *http.Request, status int, msg string) {
			protocols.WriteError(w, protocols.For(r), &protocols.Error{Status: status, Message: msg})
		},
	})
	s.handler = s.guard
	return s, nil
}

// Listening tells the server the listener it will serve on: with a
// configured port 0 (any free port), the address it got becomes the one
// the Host and Origin checks, /api/status and the launch link name. Call
// it before serving (Serve does).
func (s *Server) Listening(ln net.Listener) {
	if _, port, _ := net.SplitHostPort(s.addr); port != "0" {
		return
	}
	s.addr = ln.Addr().String()
	s.guard.SetAddr(s.addr)
}

// dashSessions is the dashboard's write check as the guard reads it.
type dashSessions struct{ d *dashboard.Dashboard }

func (s dashSessions) CheckWrite(r *http.Request) guard.Session {
	switch s.d.CheckWrite(r) {
	case dashboard.SessionOK:
		return guard.SessionOK
	case dashboard.BadCSRF:
		return guard.BadCSRF
	}
	return guard.NoSession
}

// newTransport is the one shared upstream transport: connection reuse
// with enough idle connections per host for a busy IDE, HTTP/2 where
// offered, and bounded connect/TLS/header waits.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   5 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		// No gzip: we stream SSE through and must not wait for a
		// decompressor's buffer.
		DisableCompression: true,
	}
}

func specs(c *config.Config) []route.BackendSpec {
	out := make([]route.BackendSpec, 0, len(c.Backends))
	for _, b := range c.Backends {
		rule, err := modelrule.Parse(b.Models)
		if err != nil {
			rule = modelrule.Any // Validate has already rejected bad rules
		}
		out = append(out, route.BackendSpec{
			ID: b.ID, Name: b.Name, Priority: b.Priority, Format: string(b.Format), Enabled: b.Enabled,
			BaseURLs: b.BaseURLs, Rule: rule, Aliases: b.Aliases, NeedsKey: b.NeedsKey, MaxRetries: b.MaxRetries,
			Timeout: b.Timeout, StreamTimeout: b.StreamTimeout, FirstByteTimeout: min(c.FirstByteTimeout, b.StreamTimeout),
			StreamIdleTimeout: c.StreamIdleTimeout, MaxTokensDefault: b.MaxTokensDefault, CacheBreakpoints: b.CacheBreakpoints,
		})
	}
	return out
}

func (s *Server) backendIDs() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := make([]string, len(s.cfg.Backends))
	for i, b := range s.cfg.Backends {
		ids[i] = b.ID
	}
	return ids
}

// config returns the effective configuration (read-only).
func (s *Server) config() *config.Config {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cfg
}

// backendConfig returns the effective config of one backend.
func (s *Server) backendConfig(id string) *config.Backend {
	return s.config().Backend(id)
}

// Handler returns the server's HTTP handler (guard, then gin routes).
func (s *Server) Handler() http.Handler { return s.handler }

// Table returns the routing table (tray and tests read its state).
func (s *Server) Table() *route.Table { return s.table }

// Addr returns the configured listen address.
func (s *Server) Addr() string { return s.addr }

func (s *Server) routes() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.Use(s.recoverer)
	e.HandleMethodNotAllowed = true
	e.NoRoute(s.handleNoRoute)
	e.NoMethod(func(c *gin.Context) {
		r := c.Request
		s.refused.Add(guard.RefuseMethod, r.Method, r.URL.Path, "method not allowed")
		protocols.WriteError(c.Writer, protocols.For(r), &protocols.Error{Status: 405, Type: "invalid_request_error", Code: "method_not_allowed",
			Message: "method " + r.Method + " not allowed on " + r.URL.Path + "; this gateway serves " + servedRoutes})
	})
	for _, p := range protocols.Clients {
		h := s.handleProxy(p)
		if p == protocols.Gemini {
			h = s.geminiAction(h)
		}
		for _, path := range p.Routes {
			e.POST(path, h)
		}
	}
	for _, p := range []string{"/v1", "/gateway/v1"} {
		e.GET(p+"/models", s.handleModels)
	}
	e.GET("/v1beta/models", s.handleGeminiModels)
	e.GET("/v1beta/models/:action", s.handleGeminiModel)
	// Anthropic clients whose base URL ends in /v1 (as some docs say) call
	// /v1/v1/messages: serve them too rather than a puzzling 404.
	for _, p := range []string{"/v1", "/v1/v1"} {
		e.POST(p+"/messages/count_tokens", s.handleCountTokens)
	}
	e.POST("/api/backends/:id/test", s.handleTest)
	e.GET("/api/models", s.handleModelLists)
	e.POST("/api/models/refresh", s.handleModelLists)
	e.GET("/api/sessions", s.handleSessions)
	e.GET("/api/quota", s.handleQuota)
	e.POST("/api/quota/refresh", s.handleQuota)
	e.GET("/api/usage", s.handleUsage)
	e.GET("/api/usage.csv", s.handleUsageCSV)
	e.GET("/api/usage/today", s.handleUsageToday)
	e.GET("/healthz", s.handleHealth)
	e.HEAD("/healthz", s.handleHealth)
	s.dash.Routes(e) // GET /, /assets/…, /api/status, /api/session, /api/backends, /api/events; the /api writes
	return e
}

// servedRoutes is what an unknown route's error lists.
const servedRoutes = "POST /v1/chat/completions, POST /v1/responses, GET /v1/models (also under /gateway/v1), POST /v1/messages, POST /v1/messages/count_tokens, POST /v1beta/models/{model}:generateContent|streamGenerateContent|countTokens (also under /v1), GET /v1beta/models, GET /healthz, GET /api/status and the dashboard at /"

// handleNoRoute answers an unknown route: 404 with code not_found (never
// model_not_found, which clients show as a missing model), in the caller's
// protocol where the path tells it, listing what is served.
func (s *Server) handleNoRoute(c *gin.Context) {
	r := c.Request
	s.refused.Add(guard.RefuseNotFound, r.Method, r.URL.Path, "no route")
	msg := "no route " + r.Method + " " + trunc(r.URL.Path, 120) + "; this gateway serves " + servedRoutes
	protocols.WriteError(c.Writer, protocols.For(r), &protocols.Error{Status: 404, Code: "not_found", Message: msg})
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// recoverer turns a handler panic into a 500 without echoing the panic
// (which could carry request data) to the client.
func (s *Server) recoverer(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			// The panic text may quote what was being handled (a key being
			// stored): log it through the secret filter.
			s.log.Error("handler panic", "path", c.Request.URL.Path, "panic", dashboard.Scrub(fmt.Sprint(v)))
			if !c.Writer.Written() {
				protocols.WriteError(c.Writer, protocols.For(c.Request), &protocols.Error{Status: 500, Message: "internal error in switchyard"})
			}
		}
	}()
	c.Next()
}

// Serve serves on ln until ctx is done, then drains: in-flight requests
// (streams included) get up to drain to finish before connections close.
func (s *Server) Serve(ctx context.Context, ln net.Listener, drain time.Duration) error {
	s.Listening(ln)
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		ReadTimeout:       0, // bodies are bounded by size; see handlers' read deadline
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    64 << 10,
		// No WriteTimeout: it would cut long streams. Each request is
		// bounded by config.RequestDeadline instead.
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	hs.RegisterOnShutdown(s.dash.CloseStreams) // open dashboards must not hold up the drain
	// The notifications' baseline is taken before serving: no change is missed.
	aw := s.newAlertWatch()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	mctx, mcancel := context.WithCancel(ctx)
	mdone := make(chan struct{})
	go func() {
		var wg sync.WaitGroup
		wg.Add(3)
		go func() { defer wg.Done(); s.runQuota(mctx) }()
		go func() { defer wg.Done(); s.watchAlerts(mctx, aw) }()
		go func() { defer wg.Done(); s.probes.Run(mctx) }()
		s.runModelLists(mctx)
		wg.Wait()
		close(mdone)
	}()
	defer func() { mcancel(); <-mdone }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	err := hs.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		hs.Close()
		err = nil
	}
	<-errc
	s.Close()
	return err
}

// Close flushes persisted state and waits for background work.
func (s *Server) Close() {
	s.keys.Wait()
	if t, ok := s.client.Transport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
	if s.state != nil {
		s.state.Close()
	}
	if s.alerts != nil {
		s.alerts.Stop()
	}
	if s.acct != nil {
		s.acct.Close() // writes what is queued
	}
}
