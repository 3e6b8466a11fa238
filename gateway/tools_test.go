package gateway_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"switchyard/connect"
	"switchyard/gateway"
	"switchyard/gateway/config"
)

// withTools gives the gateway tool setup over a temporary home folder:
// the tools' files under home, the undo record under home/state.
func withTools(home string) gwOpt {
	return func(o *gateway.Options, c *config.Config) {
		url := "http://" + c.Listen
		o.ToolSetup = func() (*connect.Setup, error) {
			return &connect.Setup{Home: home, GatewayURL: url, StateDir: filepath.Join(home, "state")}, nil
		}
	}
}

// claudeSettings is a user's Claude Code settings, with a comment and a
// setting of their own that setup must keep.
const claudeSettings = `{
  // mine
  "model": "opus",
  "env": {"FOO": "bar"}
}
`

type toolsBody struct {
	GatewayURL string `json:"gateway_url"`
	Home       string `json:"home"`
	Tools      []struct {
		ID        string   `json:"id"`
		Name      string   `json:"name"`
		Files     []string `json:"files"`
		Connected bool     `json:"connected"`
		Undo      bool     `json:"undo"`
		Error     string   `json:"error"`
	} `json:"tools"`
}

func (g *gw) tools(t *testing.T) toolsBody {
	t.Helper()
	resp, body := g.do(t, "GET", "/api/connect", "", nil, "")
	if resp.StatusCode != 200 {
		t.Fatalf("GET /api/connect: %d %s", resp.StatusCode, body)
	}
	var tb toolsBody
	if err := json.Unmarshal(body, &tb); err != nil {
		t.Fatal(err)
	}
	return tb
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestConnectAPI: GET /api/connect lists the tools and their state;
// POST /api/connect/{tool} sets one up and undoes it exactly.
func TestConnectAPI(t *testing.T) {
	home := t.TempDir()
	g := startGateway(t, nil, withTools(home))
	settings := filepath.Join(home, ".claude", "settings.json")
	writeFile(t, settings, claudeSettings)

	tb := g.tools(t)
	if tb.GatewayURL != g.URL || tb.Home != home {
		t.Errorf("gateway_url, home = %q, %q, want %q, %q", tb.GatewayURL, tb.Home, g.URL, home)
	}
	if len(tb.Tools) != len(connect.Tools()) {
		t.Fatalf("%d tools, want %d", len(tb.Tools), len(connect.Tools()))
	}
	cc := tb.Tools[0]
	if cc.ID != "claude-code" || cc.Name != "Claude Code" || cc.Connected || cc.Undo || cc.Error != "" ||
		len(cc.Files) != 1 || cc.Files[0] != settings {
		t.Fatalf("claude-code before setup: %+v", cc)
	}

	cookie, csrf := g.session(t)
	resp, body := g.do(t, "POST", "/api/connect/claude-code", `{"action":"apply"}`, cookie, csrf)
	if resp.StatusCode != 200 {
		t.Fatalf("apply: %d %s", resp.StatusCode, body)
	}
	var res struct {
		Tool struct {
			Connected, Undo bool
		} `json:"tool"`
		Result struct {
			Changed bool `json:"changed"`
			Files   []struct {
				Path, Action, Backup string
			} `json:"files"`
		} `json:"result"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	if !res.Tool.Connected || !res.Tool.Undo || !res.Result.Changed || len(res.Result.Files) != 1 ||
		res.Result.Files[0].Action != "updated" || res.Result.Files[0].Backup == "" {
		t.Fatalf("apply answered %s", body)
	}
	got := readText(t, settings)
	for _, want := range []string{"// mine", `"model": "opus"`, `"FOO": "bar"`, `"ANTHROPIC_BASE_URL": "` + g.URL + `"`} {
		if !strings.Contains(got, want) {
			t.Errorf("settings.json after setup lacks %s:\n%s", want, got)
		}
	}
	if readText(t, res.Result.Files[0].Backup) != claudeSettings {
		t.Error("the backup is not the file as it was")
	}
	if cc := g.tools(t).Tools[0]; !cc.Connected || !cc.Undo {
		t.Errorf("claude-code after setup: %+v", cc)
	}

	resp, body = g.do(t, "POST", "/api/connect/claude-code", `{"action":"undo"}`, cookie, csrf)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"restored"`) {
		t.Fatalf("undo: %d %s", resp.StatusCode, body)
	}
	if got := readText(t, settings); got != claudeSettings {
		t.Errorf("after undo settings.json is\n%s\nwant it byte for byte as before:\n%s", got, claudeSettings)
	}
	if cc := g.tools(t).Tools[0]; cc.Connected || cc.Undo {
		t.Errorf("claude-code after undo: %+v", cc)
	}

	// Wrong requests: unknown tool, unknown action.
	if resp, body := g.do(t, "POST", "/api/connect/vim", `{"action":"apply"}`, cookie, csrf); resp.StatusCode != 404 ||
		!strings.Contains(string(body), `"message"`) {
		t.Errorf("unknown tool: %d %s", resp.StatusCode, body)
	}
	if resp, body := g.do(t, "POST", "/api/connect/codex", `{"action":"remove"}`, cookie, csrf); resp.StatusCode != 400 {
		t.Errorf("unknown action: %d %s", resp.StatusCode, body)
	}
}

// TestConnectAPIBrokenFile: a config file that does not parse shows as
// the tool's error, and setting it up fails with 422, the file untouched.
func TestConnectAPIBrokenFile(t *testing.T) {
	home := t.TempDir()
	g := startGateway(t, nil, withTools(home))
	path := filepath.Join(home, ".codex", "config.toml")
	broken := "model = \"gpt-5\"\n[model_providers\n"
	writeFile(t, path, broken)

	var codex struct{ Error string }
	for _, tl := range g.tools(t).Tools {
		if tl.ID == "codex" {
			codex.Error = tl.Error
			if tl.Connected {
				t.Error("a broken codex config shows as connected")
			}
		}
	}
	if !strings.Contains(codex.Error, path) {
		t.Errorf("codex error = %q, want it to name %s", codex.Error, path)
	}
	cookie, csrf := g.session(t)
	resp, body := g.do(t, "POST", "/api/connect/codex", `{"action":"apply"}`, cookie, csrf)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), "does not parse") ||
		!strings.Contains(string(body), "config.toml") {
		t.Errorf("apply over a broken file: %d %s", resp.StatusCode, body)
	}
	if got := readText(t, path); got != broken {
		t.Errorf("the broken file was changed:\n%s", got)
	}
	if m, _ := filepath.Glob(filepath.Join(home, ".codex", "*.bak")); len(m) != 0 {
		t.Errorf("backups of a file left untouched: %v", m)
	}

	// A broken file holding a key: the key never reaches an answer.
	canary := "sk-ant-" + randHex(16)
	claude := filepath.Join(home, ".claude", "settings.json")
	writeFile(t, claude, `{"env": {"ANTHROPIC_AUTH_TOKEN": "`+canary+`" "X": 1}}`)
	_, list := g.do(t, "GET", "/api/connect", "", nil, "")
	resp, body = g.do(t, "POST", "/api/connect/claude-code", `{"action":"apply"}`, cookie, csrf)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(list), "settings.json:1:") {
		t.Errorf("apply over a broken settings.json: %d %s (list %s)", resp.StatusCode, body, list)
	}
	for _, b := range [][]byte{list, body, []byte(g.logs.String())} {
		if strings.Contains(string(b), canary) || strings.Contains(string(b), canary[:16]) {
			t.Fatalf("the key in a broken file reached an answer or the log: %s", b)
		}
	}
}

// TestConnectAPIWriteRule: setting a tool up is a write: refused without
// the session, without its CSRF token and from another origin, and the
// file stays as it was each time.
func TestConnectAPIWriteRule(t *testing.T) {
	home := t.TempDir()
	g := startGateway(t, nil, withTools(home))
	settings := filepath.Join(home, ".claude", "settings.json")
	writeFile(t, settings, claudeSettings)
	cookie, csrf := g.session(t)
	for _, c := range []struct {
		name   string
		cookie *http.Cookie
		csrf   string
		hdr    []string
	}{
		{"no session", nil, "", nil},
		{"no CSRF token", cookie, "", nil},
		{"a wrong CSRF token", cookie, "x" + csrf, nil},
		{"a foreign Origin", cookie, csrf, []string{"Origin", "http://evil.example"}},
		{"a cross-site fetch", cookie, csrf, []string{"Sec-Fetch-Site", "cross-site"}},
	} {
		resp, body := g.do(t, "POST", "/api/connect/claude-code", `{"action":"apply"}`, c.cookie, c.csrf, c.hdr...)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d %s, want 403", c.name, resp.StatusCode, body)
		}
		if got := readText(t, settings); got != claudeSettings {
			t.Fatalf("%s: the file was written:\n%s", c.name, got)
		}
	}
	// A form post (not JSON) is refused too.
	if resp, _ := g.do(t, "POST", "/api/connect/claude-code", `action=apply`, cookie, csrf, "Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("form post: %d, want 415", resp.StatusCode)
	}
	if got := readText(t, settings); got != claudeSettings {
		t.Fatalf("form post: the file was written:\n%s", got)
	}
	// Without tool setup there are no tools, and nothing to post to.
	g2 := startGateway(t, nil)
	if resp, body := g2.do(t, "GET", "/api/connect", "", nil, ""); resp.StatusCode != 200 || string(body) != `{"tools":[]}` {
		t.Errorf("GET /api/connect without tool setup: %d %s", resp.StatusCode, body)
	}
	c2, csrf2 := g2.session(t)
	if resp, _ := g2.do(t, "POST", "/api/connect/claude-code", `{"action":"apply"}`, c2, csrf2); resp.StatusCode != 404 {
		t.Errorf("POST /api/connect/claude-code without tool setup: %d, want 404", resp.StatusCode)
	}
}
