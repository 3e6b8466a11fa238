package gateway

import (
	"crypto/subtle"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"

	"switchyard/gateway/dashboard"
	"switchyard/gateway/protocols"
)

// guard is the local-safety middleware (docs/hardening.md S1–S6, R2). It runs
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
type guard struct {
	next      http.Handler
	hosts     map[string]bool // allowed Host values, lower-case
	origins   map[string]bool // allowed Origin values, lower-case
	bodyLimit int64
	token     string
	sessions  *dashboard.Dashboard // dashboard sessions; nil = none
	refused   *refusals            // counts and logs every refusal; nil = none
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

func newGuard(next http.Handler, addr string, bodyLimit int64, token string) *guard {
	_, port, _ := net.SplitHostPort(addr)
	host, _, _ := net.SplitHostPort(addr)
	var extra []string
	if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsLoopback() && !ip.IsUnspecified()) {
		extra = append(extra, net.JoinHostPort(host, port))
	}
	g := &guard{next: next, hosts: allowedHosts(port, extra...), origins: map[string]bool{}, bodyLimit: bodyLimit, token: token}
	for h := range g.hosts {
		g.origins["http://"+h] = true
	}
	return g
}

// hostAllowed is the Host check, exposed for the fuzz test.
func (g *guard) hostAllowed(host string) bool {
	if host == "" || len(host) > 300 {
		return false
	}
	return g.hosts[strings.ToLower(host)]
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !g.hostAllowed(r.Host) {
		g.refuse(w, r, http.StatusForbidden, refuseHost, "forbidden: Host "+strconv.Quote(trunc(r.Host, 80))+" does not name this gateway (use 127.0.0.1 or localhost)")
		return
	}
	write := r.Method != http.MethodGet && r.Method != http.MethodHead
	if write {
		if sfs := r.Header.Get("Sec-Fetch-Site"); sfs == "cross-site" || sfs == "same-site" {
			g.refuse(w, r, http.StatusForbidden, refuseCrossOrigin, "forbidden: cross-site request")
			return
		}
		if o, ok := r.Header["Origin"]; ok && (len(o) != 1 || !g.origins[strings.ToLower(o[0])]) {
			g.refuse(w, r, http.StatusForbidden, refuseCrossOrigin, "forbidden: cross-origin request")
			return
		}
		if r.Method == http.MethodOptions {
			g.refuse(w, r, http.StatusForbidden, refusePreflight, "forbidden: CORS is not offered")
			return
		}
		if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || mt != "application/json" {
				g.refuse(w, r, http.StatusUnsupportedMediaType, refuseContentType, "unsupported media type: send Content-Type: application/json")
				return
			}
		}
		if r.ContentLength > g.bodyLimit {
			g.refuse(w, r, http.StatusRequestEntityTooLarge, refuseTooLarge, "request body too large: limit is "+strconv.FormatInt(g.bodyLimit>>20, 10)+" MiB (body_limit_mb)")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, g.bodyLimit)
		if strings.HasPrefix(r.URL.Path, "/api/") {
			if msg := g.apiWriteRefusal(r); msg != "" {
				g.refuse(w, r, http.StatusForbidden, refuseAPIWrite, msg)
				return
			}
			g.next.ServeHTTP(w, r)
			return
		}
	}
	if g.token != "" && r.URL.Path != "/healthz" && !(r.Method == http.MethodGet && !strings.HasPrefix(r.URL.Path, "/v1/") && !strings.HasPrefix(r.URL.Path, "/gateway/")) {
		if !g.tokenOK(r) {
			g.refuse(w, r, http.StatusUnauthorized, refuseToken, "unauthorized: this gateway needs its client token (SWITCHYARD_TOKEN) as Authorization: Bearer or x-api-key")
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
func (g *guard) apiWriteRefusal(r *http.Request) string {
	if g.token != "" && g.tokenOK(r) {
		return ""
	}
	switch g.sessions.CheckWrite(r) {
	case dashboard.SessionOK:
		return ""
	case dashboard.BadCSRF:
		return "forbidden: this request lacks the dashboard's X-CSRF-Token for its session; reload the dashboard"
	}
	msg := "forbidden: changing settings needs an unlocked dashboard: open the dashboard from the tray, or the link `switchyard serve` prints"
	if g.token != "" {
		msg += " (scripts: send the client token as Authorization: Bearer)"
	}
	return msg
}

func (g *guard) tokenOK(r *http.Request) bool {
	got := r.Header.Get("x-api-key")
	if a := r.Header.Get("Authorization"); got == "" && len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		got = a[7:]
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(g.token)) == 1
}

// refuse turns a request away before routing: the error in the shape of
// the protocol whose route was called (protocols.For), counted and logged by
// kind. Messages never echo a header value beyond the truncated Host.
func (g *guard) refuse(w http.ResponseWriter, r *http.Request, status int, kind, msg string) {
	g.refused.add(kind, r.Method, r.URL.Path, msg)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	protocols.WriteError(w, protocols.For(r), &protocols.Error{Status: status, Message: msg})
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
