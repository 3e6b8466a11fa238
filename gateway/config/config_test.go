package config

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/adrg/xdg"

	"switchyard/gateway/modelrule"
)

func TestDefaults(t *testing.T) {
	c := Defaults()
	if c.Listen != "127.0.0.1:7861" || c.BodyLimitMB != 32 || c.RequestDeadline != 15*time.Minute ||
		c.FirstByteTimeout != 60*time.Second || c.StreamIdleTimeout != 120*time.Second {
		t.Errorf("top-level defaults = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Defaults().Validate() = %v", err)
	}
	var ids []string
	for _, b := range c.Backends {
		ids = append(ids, b.ID)
	}
	if want := []string{"antigravity", "kiro", "anyrouter", "copilot"}; !slices.Equal(ids, want) {
		t.Fatalf("backend order = %v, want %v", ids, want)
	}
}

func TestPresets(t *testing.T) {
	type want struct {
		name     string
		priority int
		format   Format
		urls     []string
		models   string
		needsKey bool
		cache    bool
	}
	tests := map[string]want{
		"antigravity": {"Antigravity", 1, FormatOpenAI, []string{"http://127.0.0.1:7862/antigravity/v1"},
			"gemini+2.5 | gemini+3 | claude+sonnet | claude+opus | gpt-oss", false, false},
		"kiro": {"Kiro Gateway", 2, FormatOpenAI, []string{"http://127.0.0.1:8000/v1"}, "claude", false, false},
		"anyrouter": {"AnyRouter", 3, FormatAnthropic, []string{
			"https://anyrouter.top", "https://pmpjfbhq.cn-nb1.rainapp.top", "https://a-ocnfniawgw.cn-shanghai.fcapp.run",
		}, "claude | gemini+2.5 | gpt-5+codex", true, true},
		"copilot": {"Copilot", 4, FormatOpenAI, []string{"http://127.0.0.1:4141/v1"}, "*", false, false},
	}
	c := Defaults()
	if len(c.Backends) != len(tests) {
		t.Fatalf("%d backends, want %d", len(c.Backends), len(tests))
	}
	for id, w := range tests {
		t.Run(id, func(t *testing.T) {
			b := c.Backend(id)
			if b == nil {
				t.Fatal("missing")
			}
			if b.Name != w.name || b.Priority != w.priority || b.Format != w.format ||
				!slices.Equal(b.BaseURLs, w.urls) || b.Models != w.models || b.NeedsKey != w.needsKey ||
				b.CacheBreakpoints != w.cache {
				t.Errorf("got %+v, want %+v", b, w)
			}
			if !b.Enabled || b.Timeout != 120*time.Second || b.StreamTimeout != 600*time.Second ||
				b.MaxRetries != 1 || b.MaxTokensDefault != 8192 {
				t.Errorf("shared defaults wrong: %+v", b)
			}
			// Everything advertised, and every alias a client may send, must
			// reach this backend through its own rule.
			rule := modelrule.MustParse(b.Models)
			if len(b.ModelList) == 0 {
				t.Error("empty model list")
			}
			for _, m := range b.ModelList {
				if !rule.Match(m) {
					t.Errorf("model_list entry %q does not match rule %q", m, b.Models)
				}
			}
			for k, v := range b.Aliases {
				if !rule.Match(k) {
					t.Errorf("alias %q does not match rule %q", k, b.Models)
				}
				if k == v {
					t.Errorf("alias %q maps to itself", k)
				}
			}
		})
	}
}

func TestAnyRouterAliases(t *testing.T) {
	a := Defaults().Backend("anyrouter").Aliases
	want := map[string]string{
		"claude-sonnet-4.5": "claude-sonnet-4-5-20250929", "claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
		"claude-opus-4.5": "claude-opus-4-5-20251101", "claude-opus-4-5": "claude-opus-4-5-20251101",
		"claude-haiku-4.5": "claude-haiku-4-5-20251001", "claude-haiku-4-5": "claude-haiku-4-5-20251001",
		"claude-sonnet-4": "claude-sonnet-4-20250514",
		"claude-opus-4.1": "claude-opus-4-1-20250805", "claude-opus-4-1": "claude-opus-4-1-20250805",
	}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("anyrouter aliases = %v, want %v", a, want)
	}
}

func TestPresetRules(t *testing.T) {
	tests := []struct {
		backend, model string
		want           bool
	}{
		{"anyrouter", "claude-sonnet-4-5", true},
		{"anyrouter", "CLAUDE-3", true},
		{"anyrouter", "gemini-2.5-pro", true},
		{"anyrouter", "gemini-3-pro", false},
		{"anyrouter", "gpt-5-codex", true},
		{"anyrouter", "gpt-5", false},
		{"anyrouter", "gpt-4o", false},
		{"antigravity", "gemini-3-pro-preview", true},
		{"antigravity", "claude-sonnet-4-5", true},
		{"antigravity", "claude-haiku-4-5", false},
		{"antigravity", "gpt-oss-120b-medium", true},
		{"antigravity", "gpt-5", false},
		{"kiro", "claude-haiku-4-5", true},
		{"kiro", "gemini-2.5-pro", false},
		{"copilot", "anything-at-all", true},
	}
	c := Defaults()
	for _, tt := range tests {
		r, err := modelrule.Parse(c.Backend(tt.backend).Models)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Match(tt.model); got != tt.want {
			t.Errorf("%s rule on %q = %v, want %v", tt.backend, tt.model, got, tt.want)
		}
	}
}

func TestPresetsAreFreshCopies(t *testing.T) {
	a := Presets()
	a[0].BaseURLs[0] = "http://changed"
	a[0].Aliases["x"] = "y"
	a[0].ModelList[0] = "changed"
	b := Presets()
	if b[0].BaseURLs[0] == "http://changed" || b[0].Aliases["x"] == "y" || b[0].ModelList[0] == "changed" {
		t.Error("Presets shares memory between calls")
	}
}

func TestClone(t *testing.T) {
	c := Defaults()
	n := c.Clone()
	if !reflect.DeepEqual(c, n) {
		t.Fatal("clone differs")
	}
	n.Listen = "x"
	n.Backends[0].BaseURLs[0] = "x"
	n.Backends[0].ModelList[0] = "x"
	n.Backends[0].Aliases["new"] = "x"
	n.Backends[1].Enabled = false
	n.Backends = append(n.Backends, Backend{ID: "more"})
	if !reflect.DeepEqual(c, Defaults()) {
		t.Error("changing the clone changed the original")
	}
	if (&Config{}).Clone().Backends != nil {
		t.Error("nil Backends should stay nil")
	}
}

func TestBackendLookup(t *testing.T) {
	c := Defaults()
	b := c.Backend("kiro")
	if b == nil || b.ID != "kiro" {
		t.Fatalf("Backend(kiro) = %v", b)
	}
	b.Enabled = false
	if c.Backends[1].Enabled {
		t.Error("Backend should point into the config")
	}
	if c.Backend("nope") != nil {
		t.Error("Backend(nope) should be nil")
	}
}

func TestEnvPrefix(t *testing.T) {
	for id, want := range map[string]string{
		"anyrouter": "ANYROUTER", "my-vllm": "MY_VLLM", "a_b-c9": "A_B_C9",
	} {
		if got := EnvPrefix(id); got != want {
			t.Errorf("EnvPrefix(%q) = %q, want %q", id, got, want)
		}
	}
}

// reloadXDG points adrg/xdg at env, restoring it after the test. The
// cleanup is registered before t.Setenv so it runs after the env is back.
func reloadXDG(t *testing.T, env map[string]string) {
	t.Cleanup(xdg.Reload)
	for k, v := range env {
		t.Setenv(k, v)
	}
	xdg.Reload()
}

func TestDefaultPath(t *testing.T) {
	dir := t.TempDir()
	reloadXDG(t, map[string]string{"XDG_CONFIG_HOME": dir})
	p, err := DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "switchyard", "config.yaml"); p != want {
		t.Errorf("DefaultPath() = %q, want %q", p, want)
	}
	// Load of the (missing) default path gives the defaults.
	c, err := Load(p)
	if err != nil || !reflect.DeepEqual(c, Defaults()) {
		t.Errorf("Load(missing) = %v, %v", c, err)
	}
}

func TestStateDir(t *testing.T) {
	dir := t.TempDir()
	reloadXDG(t, map[string]string{"XDG_STATE_HOME": dir})
	p, err := StateDir()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "switchyard"); p != want {
		t.Errorf("StateDir() = %q, want %q", p, want)
	}
	fi, err := os.Stat(p)
	if err != nil || !fi.IsDir() {
		t.Fatalf("state dir not created: %v", err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700 {
		t.Errorf("state dir mode = %v, want 0700", fi.Mode().Perm())
	}
}

// TestNoKeysInSource guards "no API key ships in the source".
func TestNoKeysInSource(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"sk-ant-", "sk-proj-", "\"sk-"} {
			if strings.Contains(string(data), bad) {
				t.Errorf("%s contains %q: no API key may ship in the source", f, bad)
			}
		}
	}
}
