package guard

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
}

// TestGuardVectors is the security table: Host, Origin, Sec-Fetch-Site,
// content type, preflight, body size and token vectors.
func TestGuardVectors(t *testing.T) {
	g := New(okHandler(), Options{Addr: "127.0.0.1:7861", BodyLimit: 1 << 20})
	tg := New(okHandler(), Options{Addr: "127.0.0.1:7861", BodyLimit: 1 << 20, Token: "tok-0123456789abcdef"})
	json := "application/json"
	cases := []struct {
		name                     string
		g                        *Guard
		method, host, ct, origin string
		hdr                      map[string]string
		bodyLen                  int
		want                     int
	}{
		{"loopback ip", g, "POST", "127.0.0.1:7861", json, "", nil, 2, 204},
		{"localhost", g, "POST", "localhost:7861", json, "", nil, 2, 204},
		{"LOCALHOST case", g, "GET", "LOCALHOST:7861", "", "", nil, 0, 204},
		{"ipv6 loopback", g, "GET", "[::1]:7861", "", "", nil, 0, 204},
		{"rebinding name", g, "GET", "rebind.test:7861", "", "", nil, 0, 403},
		{"empty host", g, "GET", "", "", "", nil, 0, 403},
		{"port only", g, "GET", ":7861", "", "", nil, 0, 403},
		{"0.0.0.0", g, "GET", "0.0.0.0:7861", "", "", nil, 0, 403},
		{"trailing dot", g, "GET", "localhost.:7861", "", "", nil, 0, 403},
		{"suffix attack", g, "GET", "localhost.evil.com:7861", "", "", nil, 0, 403},
		{"prefix attack", g, "GET", "evil127.0.0.1:7861", "", "", nil, 0, 403},
		{"wrong port", g, "GET", "127.0.0.1:7862", "", "", nil, 0, 403},
		{"no port", g, "GET", "127.0.0.1", "", "", nil, 0, 403},
		{"other loopback", g, "GET", "127.0.0.2:7861", "", "", nil, 0, 403},
		{"decimal ip", g, "GET", "2130706433:7861", "", "", nil, 0, 403},
		{"short ip", g, "GET", "127.1:7861", "", "", nil, 0, 403},
		{".local", g, "GET", "myhost.local:7861", "", "", nil, 0, 403},
		{"foreign origin write", g, "POST", "127.0.0.1:7861", json, "https://evil.example", nil, 2, 403},
		{"null origin write", g, "POST", "127.0.0.1:7861", json, "null", nil, 2, 403},
		{"own origin write", g, "POST", "127.0.0.1:7861", json, "http://127.0.0.1:7861", nil, 2, 204},
		{"own origin other spelling", g, "POST", "127.0.0.1:7861", json, "http://localhost:7861", nil, 2, 204},
		{"origin other port", g, "POST", "127.0.0.1:7861", json, "http://127.0.0.1:9000", nil, 2, 403},
		{"https own host", g, "POST", "127.0.0.1:7861", json, "https://127.0.0.1:7861", nil, 2, 403},
		{"cross-site fetch", g, "POST", "127.0.0.1:7861", json, "", map[string]string{"Sec-Fetch-Site": "cross-site"}, 2, 403},
		{"same-site fetch", g, "POST", "127.0.0.1:7861", json, "", map[string]string{"Sec-Fetch-Site": "same-site"}, 2, 403},
		{"same-origin fetch", g, "POST", "127.0.0.1:7861", json, "", map[string]string{"Sec-Fetch-Site": "same-origin"}, 2, 204},
		{"foreign origin GET ok", g, "GET", "127.0.0.1:7861", "", "https://evil.example", nil, 0, 204},
		{"preflight", g, "OPTIONS", "127.0.0.1:7861", "", "https://evil.example", map[string]string{"Access-Control-Request-Method": "POST"}, 0, 403},
		{"preflight no origin", g, "OPTIONS", "127.0.0.1:7861", "", "", nil, 0, 403},
		{"text/plain CSRF", g, "POST", "127.0.0.1:7861", "text/plain", "", nil, 2, 415},
		{"form CSRF", g, "POST", "127.0.0.1:7861", "application/x-www-form-urlencoded", "", nil, 2, 415},
		{"no content type", g, "POST", "127.0.0.1:7861", "", "", nil, 2, 415},
		{"json with charset", g, "POST", "127.0.0.1:7861", "application/json; charset=utf-8", "", nil, 2, 204},
		{"body over limit", g, "POST", "127.0.0.1:7861", json, "", nil, 2 << 20, 413},
		{"token missing", tg, "POST", "127.0.0.1:7861", json, "", nil, 2, 401},
		{"token bearer", tg, "POST", "127.0.0.1:7861", json, "", map[string]string{"Authorization": "Bearer tok-0123456789abcdef"}, 2, 204},
		{"token x-api-key", tg, "POST", "127.0.0.1:7861", json, "", map[string]string{"x-api-key": "tok-0123456789abcdef"}, 2, 204},
		{"token wrong", tg, "POST", "127.0.0.1:7861", json, "", map[string]string{"Authorization": "Bearer nope"}, 2, 401},
		{"token healthz free", tg, "GET", "127.0.0.1:7861", "", "", nil, 0, 204},
		{"token x-goog-api-key", tg, "POST", "127.0.0.1:7861", json, "", map[string]string{"x-goog-api-key": "tok-0123456789abcdef"}, 2, 204},
		{"token ?key=", tg, "POST", "127.0.0.1:7861", json, "", nil, 2, 204},
		{"token ?key= wrong", tg, "POST", "127.0.0.1:7861", json, "", nil, 2, 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body *strings.Reader
			body = strings.NewReader(strings.Repeat("x", c.bodyLen))
			path := "/v1/chat/completions"
			switch c.name {
			case "token healthz free":
				path = "/healthz"
			case "token ?key=":
				path = "/v1beta/models/m:generateContent?key=tok-0123456789abcdef"
			case "token ?key= wrong":
				path = "/v1beta/models/m:generateContent?key=nope"
			}
			r := httptest.NewRequest(c.method, path, body)
			r.Host = c.host
			if c.ct != "" {
				r.Header.Set("Content-Type", c.ct)
			}
			if c.origin != "" {
				r.Header.Set("Origin", c.origin)
			}
			for k, v := range c.hdr {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			c.g.ServeHTTP(w, r)
			if w.Code != c.want {
				t.Fatalf("got %d, want %d (%s)", w.Code, c.want, w.Body.String())
			}
			if w.Header().Get("Access-Control-Allow-Origin") != "" {
				t.Fatal("CORS header emitted")
			}
			if c.name == "token wrong" && strings.Contains(w.Body.String(), "nope") {
				t.Fatal("refusal echoes the token sent")
			}
		})
	}
}

// refHostAllowed is a tiny independent reference for the Host check: the
// exact three spellings of this listener, case-insensitive.
func refHostAllowed(host, port string) bool {
	h, p, err := net.SplitHostPort(host)
	if err != nil || p != port || strings.ContainsAny(host, " \t") {
		return false
	}
	switch strings.ToLower(h) {
	case "127.0.0.1", "localhost", "::1":
		return strings.EqualFold(host, "127.0.0.1:"+port) || strings.EqualFold(host, "localhost:"+port) || host == "[::1]:"+port
	}
	return false
}

func FuzzHostCheck(f *testing.F) {
	for _, s := range []string{"127.0.0.1:7861", "localhost:7861", "[::1]:7861", "LOCALHOST:7861", "localhost.:7861", "[::1%lo]:7861", "127.1:7861", "2130706433:7861", "", ":7861", "[::ffff:127.0.0.1]:7861", "localhost:07861"} {
		f.Add(s)
	}
	g := New(okHandler(), Options{Addr: "127.0.0.1:7861", BodyLimit: 1 << 20})
	f.Fuzz(func(t *testing.T, host string) {
		if got, want := g.hostAllowed(host), refHostAllowed(host, "7861"); got != want {
			t.Fatalf("hostAllowed(%q) = %v, reference says %v", host, got, want)
		}
	})
}
