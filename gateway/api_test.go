package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"switchyard/gateway/config"
)

func TestHealthzModelsStatus(t *testing.T) {
	up := newUpstream(t, chatOK("x"))
	a := backend("a", 1, config.FormatOpenAI, up.URL)
	a.ModelList = []string{"m1", "m2"}
	b := backend("b", 2, config.FormatOpenAI, up.URL)
	b.ModelList = []string{"m2", "m3"}
	b.Aliases = map[string]string{"m3-short": "m3"}
	c := backend("c", 3, config.FormatOpenAI, up.URL)
	c.ModelList = []string{"hidden"}
	c.Enabled = false
	g := startGateway(t, []config.Backend{a, b, c})

	resp, err := http.Get(g.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok" || resp.Header.Get("X-Switchyard-Version") != "test" {
		t.Fatalf("healthz: %d %q %v", resp.StatusCode, body, resp.Header)
	}

	page, err := g.openai().Models.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range page.Data {
		ids = append(ids, m.ID)
	}
	if strings.Join(ids, ",") != "m1,m2,m3,m3-short" {
		t.Fatalf("models %v: want the union of enabled backends", ids)
	}
	resp, _ = http.Get(g.URL + "/gateway/v1/models")
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatal("/gateway/v1/models", resp.StatusCode)
	}

	resp, _ = http.Get(g.URL + "/api/status")
	var raw map[string]any
	json.NewDecoder(resp.Body).Decode(&raw)
	resp.Body.Close()
	for _, k := range []string{"addr", "version", "backends", "failovers"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("status lacks %q: %v", k, raw)
		}
	}
	b0 := raw["backends"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "name", "priority", "format", "enabled", "active_endpoint", "endpoints", "models_rule", "requests", "failures"} {
		if _, ok := b0[k]; !ok {
			t.Fatalf("backend status lacks %q: %v", k, b0)
		}
	}
	ep := b0["endpoints"].([]any)[0].(map[string]any)
	for _, k := range []string{"base_url", "key", "state", "cooldown_until", "last_error"} {
		if _, ok := ep[k]; !ok {
			t.Fatalf("endpoint status lacks %q: %v", k, ep)
		}
	}
}

func TestPatchBackendPersists(t *testing.T) {
	a := newUpstream(t, chatOK("a"))
	b := newUpstream(t, chatOK("b"))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, a.URL), backend("b", 2, config.FormatOpenAI, b.URL)})
	resp, body := g.patch(t, "/api/backends/a", `{"enabled":false}`)
	if resp.StatusCode != 200 {
		t.Fatalf("patch: %d %s", resp.StatusCode, body)
	}
	r, err := g.openai().Chat.Completions.New(t.Context(), chatParams("m"))
	if err != nil || r.Choices[0].Message.Content != "hello from b" {
		t.Fatalf("disabled backend still used: %v", err)
	}
	if a.count.Load() != 0 {
		t.Fatal("disabled backend got a request")
	}
	cfg, err := config.Load(g.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Backend("a").Enabled {
		t.Fatal("the toggle was not saved to config.yaml")
	}
	if fi, _ := os.Stat(g.cfgPath); fi.Mode().Perm() != 0o600 {
		t.Fatalf("config mode %v", fi.Mode().Perm())
	}
	for _, tc := range []struct {
		path, body string
		want       int
	}{
		{"/api/backends/nope", `{"enabled":true}`, 404},
		{"/api/backends/a", `{"enabled":"yes"}`, 400},
		{"/api/backends/a", `{"max_retries":99}`, 400},
		{"/api/backends/a", `{"api_key":"x"}`, 400},
	} {
		resp, body := g.patch(t, tc.path, tc.body)
		if resp.StatusCode != tc.want {
			t.Errorf("PATCH %s %s: %d %s, want %d", tc.path, tc.body, resp.StatusCode, body, tc.want)
		}
	}
}

// patch sends a settings change as the dashboard does: with a session
// cookie and its CSRF token (dashboard_test.go).
func (g *gw) patch(t *testing.T, path, body string) (*http.Response, []byte) {
	t.Helper()
	cookie, csrf := g.session(t)
	return g.do(t, "PATCH", path, body, cookie, csrf)
}
