package gateway_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"switchyard/gateway"
	"switchyard/gateway/clock"
	"switchyard/gateway/clock/clocktest"
	"switchyard/gateway/config"
)

const wantCSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// ---- harness additions ----

// fakeKeys is an in-memory gateway.KeyStore.
type fakeKeys struct {
	mu sync.Mutex
	m  map[string][]string
}

func newFakeKeys() *fakeKeys { return &fakeKeys{m: map[string][]string{}} }

func (f *fakeKeys) Keys(_ context.Context, id string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.m[id]...), nil
}

func (f *fakeKeys) Add(_ context.Context, id, key string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[id] = append(f.m[id], key)
	return len(f.m[id]) - 1, nil
}

func (f *fakeKeys) Delete(_ context.Context, id string, i int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i < 0 || i >= len(f.m[id]) {
		return fmt.Errorf("no such key %d for %s", i, id)
	}
	f.m[id] = append(f.m[id][:i:i], f.m[id][i+1:]...)
	return nil
}

func (f *fakeKeys) list(id string) []string {
	k, _ := f.Keys(context.Background(), id)
	return k
}

func withClock(c clock.Clock) gwOpt {
	return func(o *gateway.Options, _ *config.Config) { o.Clock = c }
}

func withToken(tok string) gwOpt {
	return func(o *gateway.Options, _ *config.Config) { o.Token = tok }
}

func withKeepalive(d time.Duration) gwOpt {
	return func(o *gateway.Options, _ *config.Config) { o.EventsKeepalive = d }
}

// noFollow does not follow redirects, so tests see the launch exchange.
var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// session opens a dashboard session as a browser does: it follows a launch
// link, keeps the cookie, and asks /api/session for the CSRF token.
func (g *gw) session(t *testing.T) (*http.Cookie, string) {
	t.Helper()
	resp, err := noFollow.Get(g.NewLaunchURL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("launch link: %d, want 303", resp.StatusCode)
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "switchyard_session" {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatal("launch link set no session cookie")
	}
	_, body := g.do(t, "GET", "/api/session", "", cookie, "")
	var info struct {
		Editable bool   `json:"editable"`
		CSRF     string `json:"csrf"`
	}
	if err := json.Unmarshal(body, &info); err != nil || !info.Editable || info.CSRF == "" {
		t.Fatalf("/api/session with a fresh cookie: %s (%v)", body, err)
	}
	return &http.Cookie{Name: cookie.Name, Value: cookie.Value}, info.CSRF
}

// do sends a request with an optional session cookie and CSRF token, plus
// header pairs ("Host" sets the Host).
func (g *gw) do(t *testing.T, method, path, body string, cookie *http.Cookie, csrf string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, g.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// eventStream reads /api/events in the background.
type eventStream struct {
	resp   *http.Response
	mu     sync.Mutex
	raw    strings.Builder
	closed bool
	wake   chan struct{}
}

type sseEvent struct {
	Name, Data string
}

func (g *gw) events(t *testing.T) *eventStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", g.URL+"/api/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		cancel()
		t.Fatalf("/api/events: %d", resp.StatusCode)
	}
	es := &eventStream{resp: resp, wake: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			es.mu.Lock()
			es.raw.Write(buf[:n])
			if err != nil {
				es.closed = true
			}
			es.mu.Unlock()
			select {
			case es.wake <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
		<-done
	})
	return es
}

func (es *eventStream) text() string {
	es.mu.Lock()
	defer es.mu.Unlock()
	return es.raw.String()
}

// waitUntil waits (without sleeping blindly) until cond holds for the
// events read so far.
func (es *eventStream) waitUntil(t *testing.T, what string, cond func([]sseEvent, string) bool) []sseEvent {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		raw := es.text()
		evs := parseSSE(raw)
		if cond(evs, raw) {
			return evs
		}
		es.mu.Lock()
		closed := es.closed
		es.mu.Unlock()
		if closed {
			t.Fatalf("event stream ended while waiting for %s; got:\n%s", what, tail(raw, 3000))
		}
		select {
		case <-es.wake:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s; got:\n%s", what, tail(raw, 3000))
		}
	}
}

func (es *eventStream) waitFor(t *testing.T, substr string) {
	t.Helper()
	es.waitUntil(t, fmt.Sprintf("%q", substr), func(_ []sseEvent, raw string) bool { return strings.Contains(raw, substr) })
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// parseSSE splits a stream into events; comments become events named ":".
func parseSSE(raw string) []sseEvent {
	var out []sseEvent
	sc := bufio.NewScanner(strings.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var cur sseEvent
	var has bool
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if has {
				out = append(out, cur)
			}
			cur, has = sseEvent{}, false
		case strings.HasPrefix(line, ":"):
			out = append(out, sseEvent{Name: ":", Data: strings.TrimSpace(line[1:])})
		case strings.HasPrefix(line, "event: "):
			cur.Name, has = line[7:], true
		case strings.HasPrefix(line, "data: "):
			cur.Data, has = line[6:], true
		}
	}
	return out
}

func named(evs []sseEvent, name string) []sseEvent {
	var out []sseEvent
	for _, e := range evs {
		if e.Name == name {
			out = append(out, e)
		}
	}
	return out
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// ---- tests ----

func TestDashboardPageAndHeaders(t *testing.T) {
	up := newUpstream(t, chatOK("a"))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL)})

	resp, body := g.do(t, "GET", "/", "", nil, "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for h, want := range map[string]string{
		"Content-Security-Policy": wantCSP,
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("GET / %s = %q, want %q", h, got, want)
		}
	}
	page := string(body)
	if !strings.Contains(page, `<script type="module" src="/assets/app.js"></script>`) || !strings.Contains(page, `href="/assets/app.css"`) {
		t.Fatal("index.html does not load /assets/app.js and app.css")
	}
	// Nothing from elsewhere and nothing inline that the CSP would have to allow.
	if strings.Contains(page, "http") || regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]`).MatchString(page) || strings.Contains(page, "style=") {
		t.Fatal("index.html references another origin or has inline script/style")
	}

	for name, ctype := range map[string]string{"app.js": "text/javascript", "ui.js": "text/javascript", "chart.js": "text/javascript",
		"connect.js": "text/javascript", "app.css": "text/css", "icon.svg": "image/svg+xml"} {
		resp, body := g.do(t, "GET", "/assets/"+name, "", nil, "")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), ctype) {
			t.Fatalf("/assets/%s: %d %q", name, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if resp.Header.Get("Content-Security-Policy") != wantCSP || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("/assets/%s lacks CSP/nosniff: %v", name, resp.Header)
		}
		if strings.Contains(string(body), "https://") || strings.Contains(string(body), "url(http") {
			t.Errorf("/assets/%s loads something from another origin", name)
		}
		etag := resp.Header.Get("ETag")
		if etag == "" {
			t.Fatalf("/assets/%s has no ETag", name)
		}
		if resp, _ := g.do(t, "GET", "/assets/"+name, "", nil, "", "If-None-Match", etag); resp.StatusCode != 304 {
			t.Errorf("/assets/%s revalidation: %d, want 304", name, resp.StatusCode)
		}
	}
	for _, p := range []string{"/assets/nope.js", "/assets/index.html", "/assets/", "/assets/%2e%2e/go.mod", "/assets/../dashboard.go"} {
		if resp, _ := g.do(t, "GET", p, "", nil, ""); resp.StatusCode == 200 {
			t.Errorf("GET %s: 200, want a refusal", p)
		}
	}
	// The page is guarded like everything else: a rebinding Host is refused.
	if resp, _ := g.do(t, "GET", "/", "", nil, "", "Host", "rebind.test:"+strings.Split(g.Addr, ":")[1]); resp.StatusCode != 403 {
		t.Fatalf("GET / with a foreign Host: %d, want 403", resp.StatusCode)
	}
	// Read-only data needs no session.
	for _, p := range []string{"/api/status", "/api/backends", "/api/session"} {
		if resp, _ := g.do(t, "GET", p, "", nil, ""); resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s without a session: %d %q", p, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	}
}

func TestDashboardLaunchLink(t *testing.T) {
	clk := clocktest.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	up := newUpstream(t, chatOK("a"))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL)}, withClock(clk))

	link := g.NewLaunchURL()
	m := regexp.MustCompile(`^http://([^/]+)/\?launch=([A-Z2-7]{26,})$`).FindStringSubmatch(link)
	if m == nil || m[1] != g.Addr {
		t.Fatalf("NewLaunchURL() = %q, want http://%s/?launch=TOKEN", link, g.Addr)
	}
	token := m[2]
	if other := g.NewLaunchURL(); other == link {
		t.Fatal("two launch links are the same")
	}

	get := func(u string) (*http.Response, string) {
		resp, err := noFollow.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, _ := get(link)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("launch: %d Location %q, want 303 to /", resp.StatusCode, resp.Header.Get("Location"))
	}
	setCookie := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"switchyard_session=", "Path=/", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(setCookie, want) {
			t.Errorf("Set-Cookie %q lacks %q", setCookie, want)
		}
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("launch response headers: %v", resp.Header)
	}
	cookie := resp.Cookies()[0]
	if cookie.Value == token || len(cookie.Value) < 26 {
		t.Fatalf("session id %q: want a fresh random value", cookie.Value)
	}

	refused := func(name, u string) {
		t.Helper()
		resp, body := get(u)
		if resp.StatusCode != 403 || resp.Header.Get("Set-Cookie") != "" {
			t.Fatalf("%s: %d Set-Cookie %q, want 403 and no cookie", name, resp.StatusCode, resp.Header.Get("Set-Cookie"))
		}
		if !strings.Contains(body, "expired or was already used") || resp.Header.Get("Content-Security-Policy") != wantCSP {
			t.Fatalf("%s: page %q / CSP %q", name, body, resp.Header.Get("Content-Security-Policy"))
		}
	}
	refused("reused link", link)
	refused("unknown token", g.URL+"/?launch=AAAAAAAAAAAAAAAAAAAAAAAAAA")
	refused("empty token", g.URL+"/?launch=")

	expiring := g.NewLaunchURL()
	fresh := g.NewLaunchURL()
	clk.Advance(9 * time.Minute)
	if resp, _ := get(fresh); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("link used after 9 minutes: %d, want 303", resp.StatusCode)
	}
	clk.Advance(61 * time.Second)
	refused("expired link", expiring)

	// The session works; the other session's cookie was not disturbed.
	_, body := g.do(t, "GET", "/api/session", "", cookie, "")
	if !strings.Contains(string(body), `"editable":true`) {
		t.Fatalf("session after launch: %s", body)
	}
	// No token, session id or CSRF token in the logs.
	_, csrf := g.session(t)
	for _, secret := range []string{token, cookie.Value, csrf} {
		if strings.Contains(g.logs.String(), secret) {
			t.Fatal("a launch token, session id or CSRF token reached the log")
		}
	}
}

func TestDashboardSessionEndpoint(t *testing.T) {
	up := newUpstream(t, chatOK("a"))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL)}, withKeys(newFakeKeys()))
	type info struct {
		Editable      bool    `json:"editable"`
		CSRF          *string `json:"csrf"`
		Ended         bool    `json:"ended"`
		TokenRequired bool    `json:"token_required"`
		Keychain      bool    `json:"keychain"`
	}
	read := func(c *http.Cookie) info {
		t.Helper()
		resp, body := g.do(t, "GET", "/api/session", "", c, "")
		var i info
		if err := json.Unmarshal(body, &i); err != nil || resp.StatusCode != 200 {
			t.Fatalf("/api/session: %d %s", resp.StatusCode, body)
		}
		return i
	}
	if i := read(nil); i.Editable || i.CSRF != nil || i.Ended || i.TokenRequired || !i.Keychain {
		t.Fatalf("no cookie: %+v, want read-only, no csrf", i)
	}
	if i := read(&http.Cookie{Name: "switchyard_session", Value: "FORGEDFORGEDFORGEDFORGEDFO"}); i.Editable || i.CSRF != nil || !i.Ended {
		t.Fatalf("unknown cookie: %+v, want read-only and ended", i)
	}
	c1, csrf1 := g.session(t)
	c2, csrf2 := g.session(t)
	if csrf1 == csrf2 || c1.Value == c2.Value {
		t.Fatal("two sessions share an id or CSRF token")
	}
	if i := read(c1); !i.Editable || i.CSRF == nil || *i.CSRF != csrf1 {
		t.Fatalf("session 1: %+v; the CSRF token must stay bound to its session", i)
	}
}

// TestDashboardWriteRule: mutating /api/* needs a session cookie plus its
// CSRF token, or the client token; everything else is refused with 403
// and changes nothing.
func TestDashboardWriteRule(t *testing.T) {
	up := newUpstream(t, chatOK("a"))
	keys := newFakeKeys()
	keys.m["a"] = []string{"sk-seed-key-00000001"}
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL), backend("b", 2, config.FormatOpenAI, up.URL)}, withKeys(keys))
	c1, csrf1 := g.session(t)
	_, csrf2 := g.session(t)
	own := "http://" + g.Addr
	port := strings.Split(g.Addr, ":")[1]
	forged := &http.Cookie{Name: "switchyard_session", Value: "FORGEDFORGEDFORGEDFORGEDFO"}

	writes := []struct{ method, path, body string }{
		{"PATCH", "/api/backends/a", `{"enabled":false}`},
		{"PUT", "/api/backends/a/keys", `{"key":"sk-attacker-key-0000"}`},
		{"DELETE", "/api/backends/a/keys/0", ""},
	}
	refusals := []struct {
		name   string
		cookie *http.Cookie
		csrf   string
		hdr    []string
		want   string
	}{
		{"no cookie", nil, "", nil, "open the dashboard from the tray"},
		{"csrf without cookie", nil, csrf1, nil, "open the dashboard from the tray"},
		{"cookie without csrf", c1, "", nil, "X-CSRF-Token"},
		{"cookie with wrong csrf", c1, "WRONGWRONGWRONGWRONGWRONGW", nil, "X-CSRF-Token"},
		{"csrf of another session", c1, csrf2, nil, "X-CSRF-Token"},
		{"forged cookie", forged, csrf1, nil, "open the dashboard from the tray"},
		{"foreign origin", c1, csrf1, []string{"Origin", "https://evil.example"}, "cross-origin"},
		{"null origin", c1, csrf1, []string{"Origin", "null"}, "cross-origin"},
		{"cross-site fetch", c1, csrf1, []string{"Sec-Fetch-Site", "cross-site"}, "cross-site"},
		{"rebinding host", c1, csrf1, []string{"Host", "rebind.test:" + port}, "Host"},
		{"bearer without a configured token", nil, "", []string{"Authorization", "Bearer anything"}, "open the dashboard"},
	}
	for _, w := range writes {
		for _, r := range refusals {
			resp, body := g.do(t, w.method, w.path, w.body, r.cookie, r.csrf, r.hdr...)
			if resp.StatusCode != 403 || !strings.Contains(string(body), r.want) {
				t.Errorf("%s %s, %s: %d %s; want 403 mentioning %q", w.method, w.path, r.name, resp.StatusCode, body, r.want)
			}
		}
	}
	st := g.status(t)
	if !st.Backends[0].Enabled || len(keys.list("a")) != 1 || keys.list("a")[0] != "sk-seed-key-00000001" {
		t.Fatalf("a refused write changed something: enabled=%v keys=%d", st.Backends[0].Enabled, len(keys.list("a")))
	}

	// With the session, its CSRF token and a same-origin browser's headers: allowed.
	for _, w := range writes {
		resp, body := g.do(t, w.method, w.path, w.body, c1, csrf1, "Origin", own, "Sec-Fetch-Site", "same-origin")
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s with session: %d %s", w.method, w.path, resp.StatusCode, body)
		}
	}
	if g.status(t).Backends[0].Enabled || len(keys.list("a")) != 1 || keys.list("a")[0] != "sk-attacker-key-0000" {
		t.Fatalf("session writes did not apply: keys=%v", len(keys.list("a")))
	}
	// In-process callers (the tray) are not subject to the rule.
	if err := g.SetEnabled("a", true); err != nil {
		t.Fatal(err)
	}

	// With a client token configured, it works instead of a session.
	const tok = "client-token-0123456789abcdef"
	tg := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL)}, withToken(tok))
	resp, body := tg.do(t, "PATCH", "/api/backends/a", `{"enabled":false}`, nil, "")
	if resp.StatusCode != 403 || !strings.Contains(string(body), "Authorization: Bearer") {
		t.Fatalf("token gateway, no auth: %d %s", resp.StatusCode, body)
	}
	resp, body = tg.do(t, "PATCH", "/api/backends/a", `{"enabled":false}`, nil, "", "Authorization", "Bearer wrong-token-value")
	if resp.StatusCode != 403 || strings.Contains(string(body), "wrong-token-value") {
		t.Fatalf("token gateway, wrong token: %d %s", resp.StatusCode, body)
	}
	if resp, body := tg.do(t, "PATCH", "/api/backends/a", `{"enabled":false}`, nil, "", "Authorization", "Bearer "+tok); resp.StatusCode != 200 {
		t.Fatalf("token gateway, right token: %d %s", resp.StatusCode, body)
	}
	tc, tcsrf := tg.session(t)
	if resp, body := tg.do(t, "PATCH", "/api/backends/a", `{"enabled":true}`, tc, tcsrf); resp.StatusCode != 200 {
		t.Fatalf("token gateway, session: %d %s", resp.StatusCode, body)
	}
	for _, p := range []string{"/", "/api/status", "/api/session", "/assets/app.js"} {
		if resp, _ := tg.do(t, "GET", p, "", nil, ""); resp.StatusCode != 200 {
			t.Errorf("token gateway, GET %s without token: %d, want the read-only view", p, resp.StatusCode)
		}
	}
	if resp, _ := tg.do(t, "POST", "/v1/chat/completions", `{"model":"m","messages":[]}`, tc, tcsrf); resp.StatusCode != 401 {
		t.Errorf("token gateway: a dashboard session must not open the proxy routes (got %d)", resp.StatusCode)
	}
}

// TestDashboardKeyCanaryNeverShown puts a canary key in through the API and
// looks for it everywhere the dashboard and its API can show something.
func TestDashboardKeyCanaryNeverShown(t *testing.T) {
	canary := "sk-canary-" + randHex(16)
	last4 := canary[len(canary)-4:]
	// a echoes the key it got in a 500 error body (an upstream that leaks);
	// b answers. Both need the key, which proves it was really used.
	leaky := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(500)
		fmt.Fprintf(w, `{"error":{"message":"backend broke, your header was %s","type":"server_error"}}`, r.Header.Get("Authorization"))
	})
	good := newUpstream(t, onlyKey(canary, chatOK("b")))
	keys := newFakeKeys()
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, leaky.URL), backend("b", 2, config.FormatOpenAI, good.URL)}, withKeys(keys))
	es := g.events(t)
	es.waitFor(t, "event: history")

	cookie, csrf := g.session(t)
	var bodies []string
	for _, id := range []string{"a", "b"} {
		resp, body := g.do(t, "PUT", "/api/backends/"+id+"/keys", `{"key":"`+canary+`"}`, cookie, csrf)
		if resp.StatusCode != 200 || !strings.Contains(string(body), "…"+last4) {
			t.Fatalf("PUT key: %d %s; want the status with …%s", resp.StatusCode, body, last4)
		}
		bodies = append(bodies, string(body))
		if k := keys.list(id); len(k) != 1 || k[0] != canary {
			t.Fatalf("key for %s not stored: %d keys", id, len(k))
		}
	}
	resp, body := g.post(t, "/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`)
	if resp.StatusCode != 200 || len(leaky.requests()) == 0 || leaky.requests()[0].Auth != "Bearer "+canary {
		t.Fatalf("chat: %d %s; the upstreams must have received the key", resp.StatusCode, body)
	}
	bodies = append(bodies, string(body))
	es.waitFor(t, "event: request")
	es.waitUntil(t, "a status event with the failover", func(evs []sseEvent, _ string) bool {
		for _, e := range named(evs, "status") {
			if strings.Contains(e.Data, `"from":"a"`) {
				return true
			}
		}
		return false
	})
	for _, p := range []string{"/api/status", "/api/backends", "/api/session", "/", "/assets/app.js", "/v1/models"} {
		_, b := g.do(t, "GET", p, "", cookie, "")
		bodies = append(bodies, string(b))
	}
	st := g.status(t)
	var last string
	for _, ep := range st.Backends[0].Endpoints {
		if ep.LastError != nil {
			last = *ep.LastError
		}
	}
	if last == "" || st.Backends[0].Endpoints[0].Key != "…"+last4 {
		t.Fatalf("backend a should show its failing endpoint with a masked key: %+v", st.Backends[0].Endpoints)
	}
	_, delBody := g.do(t, "DELETE", "/api/backends/b/keys/0", "", cookie, csrf)
	bodies = append(bodies, string(delBody))

	g.stop() // flush the state file
	files := map[string]string{}
	for _, dir := range []string{filepath.Dir(g.cfgPath), g.stateDir} {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(p)
				files[p] = string(b)
			}
			return nil
		})
	}
	places := map[string]string{"events": es.text(), "log": g.logs.String()}
	for i, b := range bodies {
		places[fmt.Sprintf("response %d", i)] = b
	}
	for p, b := range files {
		places[p] = b
	}
	for where, text := range places {
		if strings.Contains(text, canary) || strings.Contains(text, canary[:20]) {
			t.Errorf("the key appears in %s", where)
		}
	}
	if !strings.Contains(es.text(), "…"+last4) {
		t.Error("the events never showed the masked key")
	}
}

func TestDashboardEventsStream(t *testing.T) {
	a := newUpstream(t, status(500))
	b := newUpstream(t, chatOK("b"))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, a.URL), backend("b", 2, config.FormatOpenAI, b.URL)},
		withKeepalive(40*time.Millisecond))
	es := g.events(t)
	if ct := es.resp.Header.Get("Content-Type"); ct != "text/event-stream" || es.resp.Header.Get("Cache-Control") != "no-store" || es.resp.Header.Get("X-Accel-Buffering") != "no" {
		t.Fatalf("event stream headers: %v", es.resp.Header)
	}
	evs := es.waitUntil(t, "the opening events", func(evs []sseEvent, _ string) bool { return len(named(evs, "history")) > 0 })
	var order []string
	for _, e := range evs {
		if e.Name != ":" {
			order = append(order, e.Name)
		}
	}
	if strings.Join(order[:3], ",") != "settings,status,history" {
		t.Fatalf("opening events %v, want settings, status, history", order)
	}
	var st gateway.Status
	if err := json.Unmarshal([]byte(named(evs, "status")[0].Data), &st); err != nil || len(st.Backends) != 2 || st.Addr != g.Addr {
		t.Fatalf("status event is not the /api/status body: %v %+v", err, st)
	}

	resp, body := g.post(t, "/v1/chat/completions", `{"model":"gpt-x","messages":[{"role":"user","content":"hi"}]}`)
	if resp.StatusCode != 200 {
		t.Fatalf("chat: %d %s", resp.StatusCode, body)
	}
	evs = es.waitUntil(t, "a request event and a status with the failover", func(evs []sseEvent, _ string) bool {
		if len(named(evs, "request")) == 0 {
			return false
		}
		for _, e := range named(evs, "status") {
			if strings.Contains(e.Data, `"from":"a","to":"b"`) {
				return true
			}
		}
		return false
	})
	var rec struct {
		Seq        uint64    `json:"seq"`
		Time       time.Time `json:"time"`
		Model      string    `json:"model"`
		Backend    string    `json:"backend"`
		Endpoint   string    `json:"endpoint"`
		Status     int       `json:"status"`
		Attempts   int       `json:"attempts"`
		DurationMS *int64    `json:"duration_ms"`
	}
	if err := json.Unmarshal([]byte(named(evs, "request")[0].Data), &rec); err != nil {
		t.Fatal(err)
	}
	bu, _ := url.Parse(b.URL)
	if rec.Seq != 1 || rec.Model != "gpt-x" || rec.Backend != "b" || rec.Endpoint != bu.Host || rec.Status != 200 || rec.Attempts != 2 ||
		rec.DurationMS == nil || time.Since(rec.Time) > time.Minute {
		t.Fatalf("request event %+v", rec)
	}
	es.waitUntil(t, "a keepalive comment", func(evs []sseEvent, _ string) bool {
		for _, e := range evs {
			if e.Name == ":" && e.Data == "keepalive" {
				return true
			}
		}
		return false
	})

	// Coalescing: a storm of changes yields at most ~4 status events a second.
	before := len(named(es.waitUntil(t, "", func([]sseEvent, string) bool { return true }), "status"))
	start := time.Now()
	tick := time.NewTicker(time.Millisecond)
	n := 0
	for time.Since(start) < 600*time.Millisecond {
		<-tick.C
		g.Table().SetEnabled("a", n%2 == 0)
		n++
	}
	tick.Stop()
	g.Table().SetEnabled("a", true)
	elapsed := time.Since(start)
	evs = es.waitUntil(t, "the final status", func(evs []sseEvent, _ string) bool {
		s := named(evs, "status")
		return strings.Contains(s[len(s)-1].Data, `"id":"a","name":"A","priority":1,"format":"openai","enabled":true`)
	})
	got := len(named(evs, "status")) - before
	if max := int(elapsed/(250*time.Millisecond)) + 3; got > max || got < 2 {
		t.Fatalf("%d changes in %v gave %d status events, want 2..%d", n, elapsed, got, max)
	}
}

func TestDashboardHistoryKeepsLast200(t *testing.T) {
	up := newUpstream(t, chatOK("a"))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL)})
	for i := 0; i < 205; i++ {
		if resp, body := g.post(t, "/v1/chat/completions", `{"model":"m-`+fmt.Sprint(i)+`","messages":[{"role":"user","content":"hi"}]}`); resp.StatusCode != 200 {
			t.Fatalf("chat %d: %d %s", i, resp.StatusCode, body)
		}
	}
	es := g.events(t)
	evs := es.waitUntil(t, "history", func(evs []sseEvent, _ string) bool { return len(named(evs, "history")) > 0 })
	var h struct {
		Requests []struct {
			Seq   uint64 `json:"seq"`
			Model string `json:"model"`
		} `json:"requests"`
		Activity []struct {
			Backend string `json:"backend"`
			OK      int    `json:"ok"`
		} `json:"activity"`
	}
	if err := json.Unmarshal([]byte(named(evs, "history")[0].Data), &h); err != nil {
		t.Fatal(err)
	}
	if len(h.Requests) != 200 || h.Requests[0].Seq != 205 || h.Requests[0].Model != "m-204" || h.Requests[199].Seq != 6 {
		t.Fatalf("history: %d requests, first %+v", len(h.Requests), h.Requests[0])
	}
	ok := 0
	for _, p := range h.Activity {
		if p.Backend == "a" {
			ok += p.OK
		}
	}
	if ok != 205 {
		t.Fatalf("activity counts %d answered requests for a, want 205", ok)
	}
}

// TestDashboardStreamsEndOnShutdown: an open dashboard must not hold up
// the drain.
func TestDashboardStreamsEndOnShutdown(t *testing.T) {
	up := newUpstream(t, chatOK("a"))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL)})
	es := g.events(t)
	es.waitFor(t, "event: history")
	done := make(chan struct{})
	start := time.Now()
	go func() {
		g.stop()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(1500 * time.Millisecond): // the drain allows 2 s
		t.Fatal("shutdown waited for the open event stream")
	}
	t.Logf("stopped in %v", time.Since(start))
}
