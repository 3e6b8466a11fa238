// Package dashboard is the gateway's web dashboard and settings API: its
// static files, the launch-link → session-cookie exchange and CSRF tokens
// (the gateway's guard applies the write rule with CheckWrite), the
// status and settings reads, the settings and key writes (writes.go), the
// Server-Sent Events feed, the in-process log of finished requests
// that feeds it, and one-click tool setup (connect.go). It sees the
// gateway only through small interfaces, Host (the configuration in
// effect, a status snapshot, its change events), Writer (settings and key
// writes) and Connector (tool setup), and renders errors
// through the gateway's one renderer (Options.WriteError).
//
// Routes (all behind the guard):
//
//	GET /                  index.html; with ?launch=TOKEN: the one-time
//	                       launch token becomes a session cookie, then 303 to /
//	GET /assets/{file}     app.js, sessions.js, app.css, icon.svg, …
//	GET /api/session       {"editable":bool,"csrf":"…",…}; csrf only with a session
//	GET /api/backends      non-secret settings per backend (what PATCH edits)
//	GET /api/events        SSE: settings, status, history, request; keepalives
//	GET /api/connect       the tools setup can point at the gateway; POST
//	                       /api/connect/{tool} sets one up or undoes it (connect.go)
package dashboard

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"switchyard/assets"
	"switchyard/gateway/config"
	"switchyard/gateway/route"
)

const (
	// dashboardCSP allows only this origin's files: no inline script or
	// style, no framing, no forms posting anywhere.
	dashboardCSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

	sessionCookie = "switchyard_session"
	csrfHeader    = "X-CSRF-Token"

	launchTTL       = 10 * time.Minute // a launch link works once, within this
	maxLaunchTokens = 16               // outstanding links; the oldest goes first
	maxSessions     = 32               // live sessions; the oldest goes first

	requestLogSize   = 200                    // finished requests kept for the feed
	activityMinutes  = 60                     // per-minute counts kept for the chart
	statusEvery      = 250 * time.Millisecond // at most ~4 status events a second
	defaultKeepalive = 25 * time.Second
	sseWriteTimeout  = 10 * time.Second // a stuck reader is dropped
)

// Host is what the dashboard reads of the gateway.
type Host interface {
	// Config is the configuration in effect (file plus environment); a
	// new pointer after each change.
	Config() *config.Config
	// Status is the /api/status snapshot (any JSON value).
	Status() any
	// Subscribe wakes the returned channel when the status changes.
	Subscribe() (<-chan struct{}, func())
}

// Options configure a Dashboard.
type Options struct {
	Now    func() time.Time    // nil = time.Now
	Getenv func(string) string // names the env overrides in effect; nil = none
	Logger *slog.Logger
	// TokenRequired and Keychain are shown by GET /api/session.
	TokenRequired, Keychain bool
	// EventsKeepalive is the interval of ": keepalive" comments on the
	// event stream; 0 = 25s.
	EventsKeepalive time.Duration
	// WriteError renders an error (the gateway's one error renderer).
	WriteError func(w http.ResponseWriter, status int, msg string)
	// Connector sets up the user's tools (the Connect tab, connect.go);
	// nil = /api/connect answers 404.
	Connector Connector
}

// Dashboard is the dashboard's state. Create it with New.
type Dashboard struct {
	host      Host
	writer    Writer
	opts      Options
	sessions  *sessions
	requests  *requestLog
	files     map[string]staticFile
	keepalive time.Duration

	closing   chan struct{} // closed on shutdown: event streams end
	closeOnce sync.Once
}

// New returns a dashboard that reads host and writes settings and keys
// through w.
func New(host Host, w Writer, opts Options) *Dashboard {
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	d := &Dashboard{
		host:      host,
		writer:    w,
		opts:      opts,
		sessions:  newSessions(opts.Now),
		requests:  newRequestLog(),
		files:     loadStatic(assets.Dashboard),
		keepalive: opts.EventsKeepalive,
		closing:   make(chan struct{}),
	}
	if d.keepalive <= 0 {
		d.keepalive = defaultKeepalive
	}
	return d
}

// Routes adds the dashboard's routes: its page and files, its reads and
// the settings and key writes (writes.go).
func (d *Dashboard) Routes(e *gin.Engine) {
	d.writeRoutes(e)
	d.connectRoutes(e)
	e.GET("/", d.serveIndex)
	e.GET("/assets/*file", d.serveAsset)
	e.GET("/api/session", d.handleSession)
	e.GET("/api/backends", d.handleBackends)
	e.GET("/api/events", d.handleEvents)
}

// CloseStreams ends every open event stream (server shutdown), so a
// dashboard tab left open does not hold up the drain.
func (d *Dashboard) CloseStreams() { d.closeOnce.Do(func() { close(d.closing) }) }

// NewLaunchToken returns a fresh one-time launch token (for the link
// http://ADDR/?launch=TOKEN): at least 128 random bits, working once,
// within 10 minutes.
func (d *Dashboard) NewLaunchToken() string { return d.sessions.newLaunchToken() }

// CheckWrite reports whether r carries a live session cookie and the CSRF
// token bound to that session. A nil *Dashboard knows no session.
func (d *Dashboard) CheckWrite(r *http.Request) SessionCheck {
	if d == nil {
		return NoSession
	}
	return d.sessions.check(r)
}

// ---- static files ----

type staticFile struct {
	body  []byte
	ctype string
	etag  string
}

func loadStatic(fsys fs.FS) map[string]staticFile {
	types := map[string]string{
		".html": "text/html; charset=utf-8",
		".js":   "text/javascript; charset=utf-8",
		".css":  "text/css; charset=utf-8",
		".svg":  "image/svg+xml",
		".png":  "image/png",
	}
	out := map[string]staticFile{}
	fs.WalkDir(fsys, ".", func(name string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		ct, ok := types[path.Ext(name)]
		if !ok {
			return nil
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[name] = staticFile{body: b, ctype: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	return out
}

// setPageHeaders sets the headers every dashboard document and file gets.
func setPageHeaders(h http.Header) {
	h.Set("Content-Security-Policy", dashboardCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}

// serveIndex serves GET /. A ?launch=TOKEN query is exchanged for a session
// cookie and dropped from the address bar by a redirect; a used, expired
// or unknown token gets a 403 page and no cookie.
func (d *Dashboard) serveIndex(c *gin.Context) {
	w, r := c.Writer, c.Request
	setPageHeaders(w.Header())
	w.Header().Set("Cache-Control", "no-store")
	if q := r.URL.Query(); q.Has("launch") {
		id, ok := d.sessions.redeem(q.Get("launch"))
		if !ok {
			d.opts.Logger.Warn("dashboard launch link refused (used, expired or unknown)")
			d.launchRefused(c)
			return
		}
		// Replace (not add to) a session this browser already had.
		for _, old := range r.CookiesNamed(sessionCookie) {
			d.sessions.revoke(old.Value)
		}
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		d.opts.Logger.Info("dashboard session opened")
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	f, ok := d.files["index.html"]
	if !ok {
		d.opts.WriteError(w, http.StatusInternalServerError, "dashboard files missing from this build")
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(f.body))
}

const launchRefusedPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Link expired · Switchyard</title><link rel="icon" href="/assets/icon.svg"><link rel="stylesheet" href="/assets/app.css"></head>
<body class="plain"><main class="notice"><img src="/assets/icon.svg" alt="" width="40" height="40">
<h1>This dashboard link has expired or was already used</h1>
<p>Each link unlocks editing once, within 10 minutes. Open the dashboard again from the Switchyard tray menu, or use a new link from <code>switchyard serve</code>.</p>
<p><a class="btn" href="/">Open the dashboard read-only</a></p></main></body></html>
`

func (d *Dashboard) launchRefused(c *gin.Context) {
	c.Data(http.StatusForbidden, "text/html; charset=utf-8", []byte(launchRefusedPage))
}

// serveAsset serves GET /assets/{file} from the embedded files.
func (d *Dashboard) serveAsset(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("file"), "/")
	f, ok := d.files[name]
	if !ok || name == "index.html" {
		d.opts.WriteError(c.Writer, http.StatusNotFound, "no such dashboard file")
		return
	}
	h := c.Writer.Header()
	setPageHeaders(h)
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", "no-cache") // revalidate: files change with the binary
	h.Set("ETag", f.etag)
	http.ServeContent(c.Writer, c.Request, name, time.Time{}, bytes.NewReader(f.body))
}

// ---- sessions ----

// sessions holds the outstanding launch tokens and the live dashboard
// sessions, in memory only (a restart ends them). Tokens are kept as
// SHA-256 hashes, so lookups do not compare secrets byte by byte.
type sessions struct {
	now    func() time.Time
	mu     sync.Mutex
	launch map[[32]byte]time.Time // token hash → expiry
	live   map[[32]byte]*session  // session id hash → session
	seq    uint64
}

type session struct {
	csrf string // bound to this session; sent back as X-CSRF-Token
	seq  uint64 // age, for eviction
}

func newSessions(now func() time.Time) *sessions {
	if now == nil {
		now = time.Now
	}
	return &sessions{now: now, launch: map[[32]byte]time.Time{}, live: map[[32]byte]*session{}}
}

func hashToken(t string) [32]byte { return sha256.Sum256([]byte("switchyard-dashboard:" + t)) }

// newLaunchToken returns a fresh one-time token (at least 128 random bits).
func (a *sessions) newLaunchToken() string {
	tok := rand.Text()
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	for h, exp := range a.launch {
		if !now.Before(exp) {
			delete(a.launch, h)
		}
	}
	for len(a.launch) >= maxLaunchTokens {
		var oldest [32]byte
		var first time.Time
		for h, exp := range a.launch {
			if first.IsZero() || exp.Before(first) {
				oldest, first = h, exp
			}
		}
		delete(a.launch, oldest)
	}
	a.launch[hashToken(tok)] = now.Add(launchTTL)
	return tok
}

// redeem spends a launch token: it works once, before it expires. It
// returns a new session's id (its CSRF token is fetched with the cookie).
func (a *sessions) redeem(tok string) (id string, ok bool) {
	if tok == "" || len(tok) > 200 {
		return "", false
	}
	h := hashToken(tok)
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	exp, found := a.launch[h]
	delete(a.launch, h)
	if !found || !now.Before(exp) {
		return "", false
	}
	for len(a.live) >= maxSessions {
		var oldest [32]byte
		var min uint64
		for k, s := range a.live {
			if min == 0 || s.seq < min {
				oldest, min = k, s.seq
			}
		}
		delete(a.live, oldest)
	}
	id = rand.Text()
	a.seq++
	a.live[hashToken(id)] = &session{csrf: rand.Text(), seq: a.seq}
	return id, true
}

func (a *sessions) revoke(id string) {
	a.mu.Lock()
	delete(a.live, hashToken(id))
	a.mu.Unlock()
}

// session returns the request's live session, or nil. It reports whether
// a session cookie was sent at all (a stale one, say after a restart).
func (a *sessions) session(r *http.Request) (s *session, sent bool) {
	if a == nil {
		return nil, false
	}
	for _, c := range r.CookiesNamed(sessionCookie) {
		sent = true
		if c.Value == "" || len(c.Value) > 200 {
			continue
		}
		a.mu.Lock()
		s = a.live[hashToken(c.Value)]
		a.mu.Unlock()
		if s != nil {
			return s, true
		}
	}
	return nil, sent
}

// SessionCheck is the outcome of checking a write for a dashboard session.
type SessionCheck int

const (
	NoSession SessionCheck = iota // no cookie, or not a live session
	BadCSRF                       // live session, X-CSRF-Token missing or wrong
	SessionOK                     // live session and its CSRF token
)

// check reports whether r carries a live session cookie and the CSRF token
// bound to that session. A nil *sessions knows no session.
func (a *sessions) check(r *http.Request) SessionCheck {
	s, _ := a.session(r)
	if s == nil {
		return NoSession
	}
	got := r.Header.Get(csrfHeader)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) != 1 {
		return BadCSRF
	}
	return SessionOK
}

// sessionInfo is the body of GET /api/session.
type sessionInfo struct {
	Editable bool   `json:"editable"`
	CSRF     string `json:"csrf,omitempty"`
	// Ended: a session cookie was sent but is no longer valid (restart).
	Ended bool `json:"ended,omitempty"`
	// TokenRequired: clients must send the client token (SWITCHYARD_TOKEN).
	TokenRequired bool `json:"token_required"`
	// Keychain: keys can be added here (an OS keychain is available).
	Keychain bool `json:"keychain"`
}

func (d *Dashboard) handleSession(c *gin.Context) {
	s, sent := d.sessions.session(c.Request)
	info := sessionInfo{Editable: s != nil, Ended: s == nil && sent, TokenRequired: d.opts.TokenRequired, Keychain: d.opts.Keychain}
	if s != nil {
		info.CSRF = s.csrf
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, info)
}

// ---- settings ----

// backendSettings is one backend's non-secret settings as in effect (file
// plus environment): what the dashboard shows and PATCH edits.
type backendSettings struct {
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	Format        string            `json:"format"`
	Priority      int               `json:"priority"`
	Enabled       bool              `json:"enabled"`
	BaseURLs      []string          `json:"base_urls"`
	Timeout       int               `json:"timeout"`        // seconds
	StreamTimeout int               `json:"stream_timeout"` // seconds
	MaxRetries    int               `json:"max_retries"`
	Models        string            `json:"models"`
	Aliases       map[string]string `json:"aliases"`
	ModelList     []string          `json:"model_list"`
	NeedsKey      bool              `json:"needs_key"`
	Probe         bool              `json:"probe"` // periodic health check on
	// Env maps a setting to the environment variable that sets it now
	// (editing it in the file would change nothing while that is set).
	Env map[string]string `json:"env,omitempty"`
}

type settingsBody struct {
	Backends []backendSettings `json:"backends"`
}

func (d *Dashboard) settings(cfg *config.Config) settingsBody {
	getenv := d.opts.Getenv
	out := settingsBody{Backends: make([]backendSettings, 0, len(cfg.Backends))}
	for _, b := range cfg.Backends {
		bs := backendSettings{
			ID: b.ID, Name: b.Name, Format: string(b.Format), Priority: b.Priority, Enabled: b.Enabled,
			BaseURLs: b.BaseURLs, Timeout: int(b.Timeout / time.Second), StreamTimeout: int(b.StreamTimeout / time.Second),
			MaxRetries: b.MaxRetries, Models: b.Models, Aliases: b.Aliases, ModelList: b.ModelList, NeedsKey: b.NeedsKey,
			Probe: b.Probe,
		}
		if bs.BaseURLs == nil {
			bs.BaseURLs = []string{}
		}
		if bs.Aliases == nil {
			bs.Aliases = map[string]string{}
		}
		if bs.ModelList == nil {
			bs.ModelList = []string{}
		}
		for field, suffix := range map[string]string{
			"base_urls": config.EnvBaseURLs, "timeout": config.EnvTimeout, "stream_timeout": config.EnvStreamTimeout,
			"max_retries": config.EnvMaxRetries, "enabled": config.EnvEnabled,
		} {
			name := config.EnvPrefix(b.ID) + "_" + suffix
			if strings.TrimSpace(getenv(name)) != "" {
				if bs.Env == nil {
					bs.Env = map[string]string{}
				}
				bs.Env[field] = name
			}
		}
		out.Backends = append(out.Backends, bs)
	}
	return out
}

func (d *Dashboard) handleBackends(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, d.settings(d.host.Config()))
}

// ---- request log ----

// requestEntry is one finished proxied request as recorded on the hot
// path: plain values only, turned into JSON off the request path.
type requestEntry struct {
	seq      uint64
	end      time.Time
	dur      time.Duration
	model    string
	stream   bool
	backend  string
	baseURL  string
	status   int
	attempts int
	note     string
}

// requestLog keeps the last requestLogSize finished requests, per-minute
// counts per backend for the last hour, and wakes subscribers. Recording
// is a lock, a few stores and non-blocking sends: no formatting, no
// allocation once warm.
type requestLog struct {
	mu      sync.Mutex
	ring    [requestLogSize]requestEntry
	seq     uint64 // entries recorded so far; ring[(seq-1)%size] is the newest
	minutes [activityMinutes]minuteCounts
	subs    map[chan struct{}]struct{}
}

type minuteCounts struct {
	minute int64 // Unix minute this slot holds
	counts map[string]okErr
}

type okErr struct{ ok, err int }

func newRequestLog() *requestLog { return &requestLog{subs: map[chan struct{}]struct{}{}} }

// RequestDone records a finished proxied request for the feed: a lock, a
// few stores and non-blocking sends (the gateway calls it per request).
// baseURL is the endpoint's (only its host is shown); note is scrubbed.
func (d *Dashboard) RequestDone(model string, stream bool, backend, baseURL string, status, attempts int, start time.Time, note string) {
	if d == nil {
		return
	}
	end := time.Now()
	d.requests.add(requestEntry{end: end, dur: end.Sub(start), model: model, stream: stream, backend: backend,
		baseURL: baseURL, status: status, attempts: attempts, note: note})
}

func (l *requestLog) add(e requestEntry) {
	l.mu.Lock()
	l.seq++
	e.seq = l.seq
	l.ring[(l.seq-1)%requestLogSize] = e
	if e.backend != "" && e.status != 499 {
		m := e.end.Unix() / 60
		slot := &l.minutes[m%activityMinutes]
		if slot.minute != m {
			slot.minute = m
			clear(slot.counts)
		}
		if slot.counts == nil {
			slot.counts = map[string]okErr{}
		}
		c := slot.counts[e.backend]
		if e.status < 400 {
			c.ok++
		} else {
			c.err++
		}
		slot.counts[e.backend] = c
	}
	for ch := range l.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	l.mu.Unlock()
}

func (l *requestLog) subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	l.mu.Lock()
	l.subs[ch] = struct{}{}
	l.mu.Unlock()
	return ch, func() {
		l.mu.Lock()
		delete(l.subs, ch)
		l.mu.Unlock()
	}
}

// since returns the entries recorded after seq, oldest first, and the
// newest seq.
func (l *requestLog) since(seq uint64) ([]requestEntry, uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	first := seq + 1
	if l.seq >= requestLogSize && first < l.seq-requestLogSize+1 {
		first = l.seq - requestLogSize + 1
	}
	var out []requestEntry
	for n := first; n <= l.seq; n++ {
		out = append(out, l.ring[(n-1)%requestLogSize])
	}
	return out, l.seq
}

// activityPoint is one backend's count in one minute.
type activityPoint struct {
	Minute  int64  `json:"minute"` // Unix time / 60
	Backend string `json:"backend"`
	OK      int    `json:"ok"`
	Err     int    `json:"err"`
}

func (l *requestLog) activity(now time.Time) []activityPoint {
	cur := now.Unix() / 60
	out := []activityPoint{}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, slot := range l.minutes {
		if slot.minute <= cur-activityMinutes || slot.minute > cur {
			continue
		}
		for b, c := range slot.counts {
			out = append(out, activityPoint{Minute: slot.minute, Backend: b, OK: c.ok, Err: c.err})
		}
	}
	return out
}

// requestRecord is a finished request in the feed (SSE event "request").
// It never holds a key: the endpoint is a host, the note is scrubbed.
type requestRecord struct {
	Seq        uint64    `json:"seq"`
	Time       time.Time `json:"time"`
	Model      string    `json:"model"`
	Stream     bool      `json:"stream"`
	Backend    string    `json:"backend"`
	Endpoint   string    `json:"endpoint"`
	Status     int       `json:"status"`
	Attempts   int       `json:"attempts"`
	DurationMS int64     `json:"duration_ms"`
	Note       string    `json:"note,omitempty"`
}

func (e requestEntry) record() requestRecord {
	r := requestRecord{Seq: e.seq, Time: e.end.UTC(), Model: trunc(e.model, 120), Stream: e.stream, Backend: e.backend,
		Status: e.status, Attempts: e.attempts, DurationMS: e.dur.Milliseconds(), Note: Scrub(trunc(e.note, 300))}
	if e.baseURL != "" {
		r.Endpoint = route.Host(e.baseURL)
	}
	return r
}

// secretish matches what looks like a credential in free text (upstream
// error messages): bearer tokens, sk-/AIza-style keys, key= parameters.
// Upstream reasons are already redacted against the key in use; this is
// the second net for the dashboard feed.
var secretish = regexp.MustCompile(`(?i)(bearer\s+|x-api-key[:=]\s*|[?&](?:api_?)?key=)[^\s&"',;]+|\b(?:sk|rk|pk)-[A-Za-z0-9_\-]{8,}|\bAIza[0-9A-Za-z_\-]{20,}`)

// Scrub replaces what looks like a credential in free text with
// [REDACTED] (for logs and the feed).
func Scrub(s string) string {
	if s == "" {
		return s
	}
	return secretish.ReplaceAllStringFunc(s, func(m string) string {
		if sub := secretish.FindStringSubmatch(m); sub != nil && sub[1] != "" {
			return sub[1] + "[REDACTED]"
		}
		return "[REDACTED]"
	})
}

// history is the first event of a stream: the recent requests (newest
// first) and the hour's per-minute counts, so a page (re)loaded mid-way
// shows the same as one that was open all along.
type history struct {
	Requests []requestRecord `json:"requests"`
	Activity []activityPoint `json:"activity"`
}

// ---- events ----

// sseWriter writes events to one client, each flushed at once, each write
// bounded by a deadline. After the first error it writes nothing more.
type sseWriter struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	err error
}

func (sw *sseWriter) write(b []byte) {
	if sw.err != nil {
		return
	}
	_ = sw.rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
	_, sw.err = sw.w.Write(b)
}

func (sw *sseWriter) event(name string, v any) {
	data, err := json.Marshal(v) // one line: JSON escapes newlines
	if err != nil {
		sw.err = err
		return
	}
	b := make([]byte, 0, len(name)+len(data)+16)
	b = append(b, "event: "...)
	b = append(b, name...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	b = append(b, "\n\n"...)
	sw.write(b)
}

func (sw *sseWriter) flush() {
	if sw.err == nil {
		sw.err = sw.rc.Flush()
	}
}

// handleEvents serves GET /api/events, a Server-Sent Events stream:
//
//	settings  the non-secret settings (at start and after each change)
//	status    the full /api/status body, at start and on change, at most
//	          every 250 ms (changes in between are coalesced)
//	history   at start: recent requests and the hour's counts
//	request   one finished proxied request
//
// and a ": keepalive" comment every 25 s. Nothing in it is secret: keys
// appear only as "…last4".
func (d *Dashboard) handleEvents(c *gin.Context) {
	s := d.host
	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	h.Set("X-Content-Type-Options", "nosniff")
	c.Writer.WriteHeader(http.StatusOK)
	sw := &sseWriter{w: c.Writer, rc: http.NewResponseController(c.Writer)}

	statusCh, cancelStatus := s.Subscribe()
	defer cancelStatus()
	reqCh, cancelReq := d.requests.subscribe()
	defer cancelReq()

	sw.write([]byte("retry: 2000\n\n"))
	cfg := s.Config()
	sw.event("settings", d.settings(cfg))
	sw.event("status", s.Status())
	entries, lastSeq := d.requests.since(0)
	hist := history{Requests: make([]requestRecord, len(entries)), Activity: d.requests.activity(time.Now())}
	for i, e := range entries {
		hist.Requests[len(entries)-1-i] = e.record()
	}
	sw.event("history", hist)
	sw.flush()
	lastStatus := time.Now()

	keep := time.NewTicker(d.keepalive)
	defer keep.Stop()
	var pending <-chan time.Time // a coalesced status event is due
	sendStatus := func() {
		if now := s.Config(); now != cfg {
			cfg = now
			sw.event("settings", d.settings(cfg))
		}
		sw.event("status", s.Status())
		sw.flush()
		lastStatus = time.Now()
	}
	ctx := c.Request.Context()
	for sw.err == nil {
		select {
		case <-ctx.Done():
			return
		case <-d.closing:
			return
		case <-statusCh:
			if pending == nil {
				if wait := statusEvery - time.Since(lastStatus); wait > 0 {
					pending = time.After(wait)
				} else {
					sendStatus()
				}
			}
		case <-pending:
			pending = nil
			sendStatus()
		case <-reqCh:
			var es []requestEntry
			es, lastSeq = d.requests.since(lastSeq)
			for _, e := range es {
				sw.event("request", e.record())
			}
			sw.flush()
		case <-keep.C:
			sw.write([]byte(": keepalive\n\n"))
			sw.flush()
		}
	}
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
