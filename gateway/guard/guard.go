// Package guard is the gateway's local-safety middleware (docs/hardening.md
// S1–S6, R2) and the count of what it and the router turn away (Refusals,
// shown in /api/status as refusals, and logged, rate-limited). It knows
// neither gin nor the gateway: the gateway hands it the error renderer
// (Options.Render, the error in the called protocol's shape) and the
// dashboard's session check (Sessions).
package guard

import (
	"crypto/subtle"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// Guard is the local-safety middleware (docs/hardening.md S1–S6, R2). It runs
// before routing, for every request:
//
//   - Host must name this listener exactly: 127.0.0.1:PORT, localhost:PORT
//     or [::1]:PORT (case-insensitive), else 403. This defeats DNS
//     rebinding, where an attacker's name resolves to 127.0.0.1.
//   - A request that is not GET/HEAD (a write) is refused with 403 when it
//     comes from a browser page of another origin: Sec-Fetch-Site
//     cross-site or same-site, or an Origin that is not this listener
//     (including "Origin: null" from sandboxed frames and file://).
//   - Writes must be Content-Type: application/json (415 otherwise): HTML
//     forms and no-cors fetches cannot send that without a preflight, and
//     preflights are refused (no CORS headers, ever).
//   - Bodies are limited (413 before buffering).
//   - Writes under /api/ (settings, keys) need the dashboard's session
//     cookie plus the X-CSRF-Token bound to it, or the client token when
//     one is configured; else 403 (apiWriteRefusal). In-process callers
//     (the tray calls Server.SetEnabled) do not pass through here.
//   - With a client token configured, every other route except /healthz
//     and the read-only dashboard needs it (Authorization: Bearer or
//     x-api-key).
type Guard struct {
	next      http.Handler
	hosts     map[string]bool // allowed Host values, lower-case
	origins   map[string]bool // allowed Origin values, lower-case
	bodyLimit int64
	token     string
	sessions  Sessions  // dashboard sessions; nil = none
	refused   *Refusals // counts and logs every refusal; nil = none
	render    func(w http.ResponseWriter, r *http.Request, status int, msg string)
}

// Options configure a Guard.
type Options struct {
	// Addr is the listen address (HOST:PORT) whose names the Host and
	// Origin checks accept.
	Addr string
	// BodyLimit is the largest request body, in bytes.
	BodyLimit int64
	// Token, when set, is the client token (SWITCHYARD_TOKEN).
	Token string
	// Sessions is the dashboard's session and CSRF check for writes under
	// /api/; nil = no session is ever live.
	Sessions Sessions
	// Refusals counts and logs every refusal; nil = none.
	Refusals *Refusals
	// Render writes a refusal's error in the shape of the protocol whose
	// route was called (the gateway's writeError); nil = plain text.
	Render func(w http.ResponseWriter, r *http.Request, status int, msg string)
}

// Session is the dashboard's verdict on a write's session cookie and
// X-CSRF-Token.
type Session int

const (
	NoSession Session = iota // no cookie, or not a live session
	BadCSRF                  // live session, X-CSRF-Token missing or wrong
	SessionOK                // live session and its CSRF token
)

// Sessions is what the guard needs of the dashboard: its check of a write
// under /api/ (the dashboard's launch-link sessions and their CSRF tokens).
type Sessions interface {
	CheckWrite(r *http.Request) Session
}

// allowedHosts lists the Host values naming a listener on port.
func allowedHosts(port string, extra ...string) map[string]bool {
	m := map[string]bool{
		"127.0.0.1:" + port: true,
		"localhost:" + port: true,
		"[::1]:" + port:     true,
	}
	for _, h := range extra {
		m[strings.ToLower(h)] = true
	}
	return m
}

// New returns the guard in front of next.
func New(next http.Handler, o Options) *Guard {
	g := &Guard{next: next, bodyLimit: o.BodyLimit, token: o.Token, sessions: o.Sessions, refused: o.Refusals, render: o.Render}
	if g.render == nil {
		g.render = func(w http.ResponseWriter, _ *http.Request, status int, msg string) { http.Error(w, msg, status) }
	}
	g.SetAddr(o.Addr)
	return g
}

// SetAddr sets the listener address the Host and Origin checks name: the
// configured one, or the one the system picked for port 0. Call it before
// serving (it is not synchronised with requests).
func (g *Guard) SetAddr(addr string) {
	host, port, _ := net.SplitHostPort(addr)
	var extra []string
	if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsLoopback() && !ip.IsUnspecified()) {
		extra = append(extra, net.JoinHostPort(host, port))
	}
	g.hosts, g.origins = allowedHosts(port, extra...), map[string]bool{}
	for h := range g.hosts {
		g.origins["http://"+h] = true
	}
}

// hostAllowed is the Host check, exposed for the fuzz test.
func (g *Guard) hostAllowed(host string) bool {
	if host == "" || len(host) > 300 {
		return false
	}
	return g.hosts[strings.ToLower(host)]
}

func (g *Guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !g.hostAllowed(r.Host) {
		g.refuse(w, r, http.StatusForbidden, RefuseHost, "forbidden: Host "+strconv.Quote(trunc(r.Host, 80))+" does not name this gateway (use 127.0.0.1 or localhost)")
		return
	}
	write := r.Method != http.MethodGet && r.Method != http.MethodHead
	if write {
		if sfs := r.Header.Get("Sec-Fetch-Site"); sfs == "cross-site" || sfs == "same-site" {
			g.refuse(w, r, http.StatusForbidden, RefuseCrossOrigin, "forbidden: cross-site request")
			return
		}
		if o, ok := r.Header["Origin"]; ok && (len(o) != 1 || !g.origins[strings.ToLower(o[0])]) {
			g.refuse(w, r, http.StatusForbidden, RefuseCrossOrigin, "forbidden: cross-origin request")
			return
		}
		if r.Method == http.MethodOptions {
			g.refuse(w, r, http.StatusForbidden, RefusePreflight, "forbidden: CORS is not offered")
			return
		}
		if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || mt != "application/json" {
				g.refuse(w, r, http.StatusUnsupportedMediaType, RefuseContentType, "unsupported media type: send Content-Type: application/json")
				return
			}
		}
		if r.ContentLength > g.bodyLimit {
			g.refuse(w, r, http.StatusRequestEntityTooLarge, RefuseTooLarge, "request body too large: limit is "+strconv.FormatInt(g.bodyLimit>>20, 10)+" MiB (body_limit_mb)")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, g.bodyLimit)
		if strings.HasPrefix(r.URL.Path, "/api/") {
			if msg := g.apiWriteRefusal(r); msg != "" {
				g.refuse(w, r, http.StatusForbidden, RefuseAPIWrite, msg)
				return
			}
			g.next.ServeHTTP(w, r)
			return
		}
	}
	if g.token != "" && r.URL.Path != "/healthz" && !(r.Method == http.MethodGet && !strings.HasPrefix(r.URL.Path, "/v1/") && !strings.HasPrefix(r.URL.Path, "/gateway/")) {
		if !g.tokenOK(r) {
			g.refuse(w, r, http.StatusUnauthorized, RefuseToken, "unauthorized: this gateway needs its client token (SWITCHYARD_TOKEN) as Authorization: Bearer or x-api-key")
			return
		}
	}
	g.next.ServeHTTP(w, r)
}

// apiWriteRefusal is the rule for writes under /api/ (PATCH, PUT, DELETE,
// POST): allowed with a live dashboard session cookie (HttpOnly,
// SameSite=Strict, from a launch link) plus its X-CSRF-Token, or with the
// client token when one is configured. It returns "" when allowed, else
// the reason, which never echoes what was sent.
func (g *Guard) apiWriteRefusal(r *http.Request) string {
	if g.token != "" && g.tokenOK(r) {
		return ""
	}
	check := NoSession
	if g.sessions != nil {
		check = g.sessions.CheckWrite(r)
	}
	switch check {
	case SessionOK:
		return ""
	case BadCSRF:
		return "forbidden: this request lacks the dashboard's X-CSRF-Token for its session; reload the dashboard"
	}
	msg := "forbidden: changing settings needs an unlocked dashboard: open the dashboard from the tray, or the link `switchyard serve` prints"
	if g.token != "" {
		msg += " (scripts: send the client token as Authorization: Bearer)"
	}
	return msg
}

func (g *Guard) tokenOK(r *http.Request) bool {
	got := r.Header.Get("x-api-key")
	if a := r.Header.Get("Authorization"); got == "" && len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		got = a[7:]
	}
	if got == "" && strings.HasPrefix(r.URL.Path, "/v1") {
		// Gemini API clients send their key as x-goog-api-key or ?key=
		// (never logged: logs carry the path only).
		if got = r.Header.Get("x-goog-api-key"); got == "" {
			got = r.URL.Query().Get("key")
		}
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(g.token)) == 1
}

// refuse turns a request away before routing: the error in the shape of
// the protocol whose route was called (Options.Render), counted and logged
// by kind. Messages never echo a header value beyond the truncated Host.
func (g *Guard) refuse(w http.ResponseWriter, r *http.Request, status int, kind, msg string) {
	g.refused.Add(kind, r.Method, r.URL.Path, msg)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	g.render(w, r, status, msg)
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
