package config

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseEmpty(t *testing.T) {
	for name, src := range map[string]string{
		"empty":    "",
		"comments": "# nothing here\n# at all\n",
		"null":     "~\n",
		"spaces":   "\n\n   \n",
	} {
		t.Run(name, func(t *testing.T) {
			c, err := Parse([]byte(src), "c.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c, Defaults()) {
				t.Errorf("Parse(%q) differs from Defaults()", src)
			}
		})
	}
}

func TestLoadMissingAndUnreadable(t *testing.T) {
	dir := t.TempDir()
	c, err := Load(filepath.Join(dir, "nope.yaml"))
	if err != nil || !reflect.DeepEqual(c, Defaults()) {
		t.Errorf("Load(missing) = %v, %v; want defaults", c, err)
	}
	if _, err := Load(dir); err == nil { // a directory cannot be read as a file
		t.Error("Load(dir) = nil error")
	}
	p := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(p, []byte("listen: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p); err == nil || !strings.HasPrefix(err.Error(), p+":") {
		t.Errorf("Load(broken) error = %v, want it to start with the path", err)
	}
}

func TestParseOverlay(t *testing.T) {
	src := `listen: 127.0.0.1:9999
body_limit_mb: 64
request_deadline: 300
first_byte_timeout: 30
stream_idle_timeout: 45
backends:
  - id: anyrouter
    enabled: false
    base_urls: [https://anyrouter.top/, " https://b.example/api "]
    timeout: 90
  - id: kiro
    priority: 7
    models: "claude+!haiku"
    aliases: {}
`
	c, err := Parse([]byte(src), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9999" || c.BodyLimitMB != 64 || c.RequestDeadline != 300*time.Second ||
		c.FirstByteTimeout != 30*time.Second || c.StreamIdleTimeout != 45*time.Second {
		t.Errorf("top level = %+v", c)
	}
	want := Defaults()
	want.Listen, want.BodyLimitMB = "127.0.0.1:9999", 64
	want.RequestDeadline, want.FirstByteTimeout, want.StreamIdleTimeout = 300*time.Second, 30*time.Second, 45*time.Second
	ar := want.Backend("anyrouter")
	ar.Enabled = false
	ar.BaseURLs = []string{"https://anyrouter.top", "https://b.example/api"} // trimmed, slash dropped
	ar.Timeout = 90 * time.Second
	k := want.Backend("kiro")
	k.Priority = 7
	k.Models = "claude+!haiku"
	k.Aliases = nil // replaced by the empty map, normalized to nil
	want.normalize()
	if !reflect.DeepEqual(c, want) {
		t.Errorf("overlay:\n got %+v\nwant %+v", c, want)
	}
	var ids []string
	for _, b := range c.Backends {
		ids = append(ids, b.ID)
	}
	if w := []string{"antigravity", "anyrouter", "copilot", "kiro"}; !slices.Equal(ids, w) {
		t.Errorf("order = %v, want %v", ids, w)
	}
}

func TestParseUserBackend(t *testing.T) {
	src := `backends:
  - id: my-vllm
    name: My vLLM
    format: openai
    base_urls: [http://127.0.0.1:9000/v1]
    models: "qwen"
    model_list: [qwen3-coder]
    aliases: {qwen: qwen3-coder}
    needs_key: false
    cache_breakpoints: false
    max_tokens_default: 4096
    timeout: 30
    stream_timeout: 300
    max_retries: 0
    priority: 5
  - id: claude-direct
    format: Anthropic
    base_urls: https://api.anthropic.com
  - id: second
    format: openai
    base_urls: [http://127.0.0.1:9001/v1]
    enabled: no
  - id: early
    format: openai
    base_urls: [http://127.0.0.1:9002/v1]
    priority: 2
`
	c, err := Parse([]byte(src), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := []Backend{{
		ID: "my-vllm", Name: "My vLLM", Priority: 5, Format: FormatOpenAI, Enabled: true,
		BaseURLs: []string{"http://127.0.0.1:9000/v1"}, Timeout: 30 * time.Second, StreamTimeout: 300 * time.Second,
		MaxRetries: 0, Models: "qwen", ModelList: []string{"qwen3-coder"}, Aliases: map[string]string{"qwen": "qwen3-coder"},
		MaxTokensDefault: 4096,
	}, {
		// Defaults of a user backend: name = id, after the last priority,
		// cache breakpoints on for anthropic.
		ID: "claude-direct", Name: "claude-direct", Priority: 6, Format: FormatAnthropic, Enabled: true,
		BaseURLs: []string{"https://api.anthropic.com"}, Timeout: 120 * time.Second, StreamTimeout: 600 * time.Second,
		MaxRetries: 1, Models: "*", CacheBreakpoints: true, MaxTokensDefault: 8192,
	}, {
		ID: "second", Name: "second", Priority: 7, Format: FormatOpenAI, Enabled: false,
		BaseURLs: []string{"http://127.0.0.1:9001/v1"}, Timeout: 120 * time.Second, StreamTimeout: 600 * time.Second,
		MaxRetries: 1, Models: "*", MaxTokensDefault: 8192,
	}, {
		ID: "early", Name: "early", Priority: 2, Format: FormatOpenAI, Enabled: true,
		BaseURLs: []string{"http://127.0.0.1:9002/v1"}, Timeout: 120 * time.Second, StreamTimeout: 600 * time.Second,
		MaxRetries: 1, Models: "*", MaxTokensDefault: 8192,
	}}
	for _, w := range want {
		if got := c.Backend(w.ID); got == nil || !reflect.DeepEqual(*got, w) {
			t.Errorf("backend %s:\n got %+v\nwant %+v", w.ID, got, w)
		}
	}
	var ids []string
	for _, b := range c.Backends {
		ids = append(ids, b.ID)
	}
	// Priority 2 twice: early sorts before kiro by id.
	if w := []string{"antigravity", "early", "kiro", "anyrouter", "copilot", "my-vllm", "claude-direct", "second"}; !slices.Equal(ids, w) {
		t.Errorf("order = %v, want %v", ids, w)
	}
}

func TestParsePresetFormatChangeResetsCacheDefault(t *testing.T) {
	c, err := Parse([]byte("backends:\n  - id: copilot\n    format: anthropic\n"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !c.Backend("copilot").CacheBreakpoints {
		t.Error("an anthropic-format backend should default to cache breakpoints")
	}
	c, err = Parse([]byte("backends:\n  - id: anyrouter\n    cache_breakpoints: false\n"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Backend("anyrouter").CacheBreakpoints {
		t.Error("cache_breakpoints: false was ignored")
	}
}

func TestParseAnchors(t *testing.T) {
	src := `x-urls: &urls [http://127.0.0.1:1/v1]
`
	if _, err := Parse([]byte(src), "c.yaml"); err == nil {
		t.Error("unknown top-level key with an anchor accepted")
	}
	src = `backends:
  - id: a
    format: openai
    base_urls: &u [http://127.0.0.1:1/v1]
  - id: b
    format: openai
    base_urls: *u
`
	c, err := Parse([]byte(src), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Backend("b").BaseURLs; !slices.Equal(got, []string{"http://127.0.0.1:1/v1"}) {
		t.Errorf("alias base_urls = %v", got)
	}
}

// TestParseErrors checks every error path, with its line. Each want entry
// must appear as one whole line of the joined error.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"bad format", "backends:\n  - id: anyrouter\n    format: antrhopic\n",
			[]string{`c.yaml:3: backends[0] (anyrouter).format: "antrhopic" is not a format; use "openai", "anthropic", "responses" or "gemini"`}},
		{"base_url typo", "backends:\n  - id: kiro\n    base_url: http://x\n",
			[]string{`c.yaml:3: backends[0] (kiro): unknown field "base_url"; did you mean "base_urls"?`}},
		{"near miss", "listen: 127.0.0.1:1\nbody_limt_mb: 3\n",
			[]string{`c.yaml:2: unknown field "body_limt_mb"; did you mean "body_limit_mb"?`}},
		{"backend field at top", "timeout: 5\n",
			[]string{`c.yaml:1: unknown field "timeout"; that is a backend's setting: move it under one of the backends`}},
		{"top field in backend", "backends:\n  - id: kiro\n    body_limit_mb: 5\n",
			[]string{`c.yaml:3: backends[0] (kiro): unknown field "body_limit_mb"; that is a top-level setting, not a backend's: move it out of backends`}},
		{"api_key in backend", "backends:\n  - id: anyrouter\n    api_key: secret\n",
			[]string{"c.yaml:3: backends[0] (anyrouter).api_key: API keys are never stored in the config file; put them in the OS keychain with `switchyard keys set anyrouter`, or set ANYROUTER_API_KEYS (comma-separated)"}},
		{"api_keys in user backend", "backends:\n  - id: my-x\n    format: openai\n    base_urls: [http://h/v1]\n    api_keys: [a]\n",
			[]string{"c.yaml:5: backends[0] (my-x).api_keys: API keys are never stored in the config file; put them in the OS keychain with `switchyard keys set my-x`, or set MY_X_API_KEYS (comma-separated)"}},
		{"key at top", "key: abc\n",
			[]string{"c.yaml:1: key: API keys are never stored in the config file; put them in the OS keychain with `switchyard keys set ID`, or set ID_API_KEYS (comma-separated)"}},
		{"timeout not a number", "backends:\n  - id: kiro\n    timeout: abc\n",
			[]string{`c.yaml:3: backends[0] (kiro).timeout: "abc" is not whole seconds; write a number, e.g. 120`}},
		{"timeout with unit", "request_deadline: 15m\n",
			[]string{`c.yaml:1: request_deadline: "15m" is not whole seconds; write a number, e.g. 120`}},
		{"timeout zero", "backends:\n  - id: kiro\n    stream_timeout: 0\n",
			[]string{`c.yaml:3: backends[0] (kiro).stream_timeout: 0 is out of range; use 1 to 86400 (whole seconds)`}},
		{"timeout huge", "first_byte_timeout: 99999999999\n",
			[]string{`c.yaml:1: first_byte_timeout: 99999999999 is out of range; use 1 to 86400 (whole seconds)`}},
		{"timeout negative", "stream_idle_timeout: -1\n",
			[]string{`c.yaml:1: stream_idle_timeout: -1 is out of range; use 1 to 86400 (whole seconds)`}},
		{"max_retries", "backends:\n  - id: copilot\n    max_retries: 9\n",
			[]string{`c.yaml:3: backends[0] (copilot).max_retries: 9 is out of range; use 0 to 5`}},
		{"max_retries float", "backends:\n  - id: copilot\n    max_retries: 1.5\n",
			[]string{`c.yaml:3: backends[0] (copilot).max_retries: "1.5" is not a whole number from 0 to 5`}},
		{"priority", "backends:\n  - id: copilot\n    priority: 0\n",
			[]string{`c.yaml:3: backends[0] (copilot).priority: 0 is out of range; use 1 or more (lower is tried first)`}},
		{"body limit low", "body_limit_mb: 0\n", []string{`c.yaml:1: body_limit_mb: 0 is out of range; use 1 to 1024 (MiB)`}},
		{"body limit high", "body_limit_mb: 2048\n", []string{`c.yaml:1: body_limit_mb: 2048 is out of range; use 1 to 1024 (MiB)`}},
		{"listen", "listen: localhost\n", []string{`c.yaml:1: listen: "localhost" is not host:port; use e.g. 127.0.0.1:7861`}},
		{"listen port", "listen: 127.0.0.1:99999\n", []string{`c.yaml:1: listen: "127.0.0.1:99999" is not host:port; use e.g. 127.0.0.1:7861`}},
		{"enabled", "backends:\n  - id: kiro\n    enabled: maybe\n",
			[]string{`c.yaml:3: backends[0] (kiro).enabled: "maybe": want true or false`}},
		{"no value", "backends:\n  - id: kiro\n    name:\n",
			[]string{`c.yaml:3: backends[0] (kiro).name: no value given; write one or remove the line`}},
		{"list expected", "backends:\n  - id: kiro\n    base_urls: {a: b}\n",
			[]string{`c.yaml:3: backends[0] (kiro).base_urls: want a list such as [a, b], not a mapping`}},
		{"map expected", "backends:\n  - id: kiro\n    aliases: [a, b]\n",
			[]string{`c.yaml:3: backends[0] (kiro).aliases: want a mapping such as {client-name: upstream-name}, not a list`}},
		{"backends not a list", "backends: kiro\n",
			[]string{`c.yaml:1: backends: want a list of backends (lines starting with '- id: ...'), not a single value ("kiro")`}},
		{"backend not a mapping", "backends:\n  - kiro\n",
			[]string{`c.yaml:2: backends[0]: want a mapping of backend settings (id: ..., base_urls: ...), not a single value ("kiro")`}},
		{"missing id", "backends:\n  - name: x\n    format: openai\n",
			[]string{`c.yaml:2: backends[0]: id is missing; use a preset's id (antigravity, kiro, anyrouter, copilot) to change it, or a new id for your own backend`}},
		{"duplicate id", "backends:\n  - id: kiro\n    enabled: false\n  - id: kiro\n    enabled: true\n",
			[]string{`c.yaml:4: backends[1] (kiro).id: "kiro" is used twice (first on line 2); ids must be unique`}},
		{"bad id", "backends:\n  - id: AnyRouter\n    format: anthropic\n    base_urls: [https://a.example]\n",
			[]string{`c.yaml:2: backends[0] (AnyRouter).id: "AnyRouter" may only use a-z, 0-9, '_' and '-'; did you mean "anyrouter"?`}},
		{"env prefix clash", "backends:\n  - id: my-x\n    format: openai\n    base_urls: [http://a/v1]\n  - id: my_x\n    format: openai\n    base_urls: [http://b/v1]\n",
			[]string{`c.yaml:5: backends[1] (my_x).id: "my-x" and "my_x" share the environment prefix MY_X_; rename one`}},
		{"user backend incomplete", "backends:\n  - id: mine\n    name: Mine\n",
			[]string{
				`c.yaml:2: backends[0] (mine).format: missing; use "openai", "anthropic", "responses" or "gemini"`,
				`c.yaml:2: backends[0] (mine).base_urls: at least one URL is required, e.g. [http://127.0.0.1:9000/v1]`,
			}},
		{"empty base_urls", "backends:\n  - id: kiro\n    base_urls: []\n",
			[]string{`c.yaml:3: backends[0] (kiro).base_urls: at least one URL is required, e.g. [http://127.0.0.1:9000/v1]`}},
		{"bad urls", "backends:\n  - id: kiro\n    base_urls:\n      - ftp://h/v1\n      - http://\n      - http://h/v1?x=1\n      - http://h/v1#f\n      - /v1\n      - http://h/v1\n      - http://h/v1/\n",
			[]string{
				`c.yaml:4: backends[0] (kiro).base_urls[0]: "ftp://h/v1" is not an http:// or https:// URL`,
				`c.yaml:5: backends[0] (kiro).base_urls[1]: "http://" has no host; give e.g. https://example.com/v1`,
				`c.yaml:6: backends[0] (kiro).base_urls[2]: "http://h/v1?…" must not have a query (?...)`,
				`c.yaml:7: backends[0] (kiro).base_urls[3]: "http://h/v1#…" must not have a fragment (#...)`,
				`c.yaml:8: backends[0] (kiro).base_urls[4]: "/v1" is not an http:// or https:// URL`,
				`c.yaml:10: backends[0] (kiro).base_urls[6]: "http://h/v1" is listed twice (also base_urls[5])`,
			}},
		{"url with credentials", "backends:\n  - id: kiro\n    base_urls: [\"https://user:hunter2@h/v1\"]\n",
			[]string{`c.yaml:3: backends[0] (kiro).base_urls[0]: "https://…@h/v1" must not hold a user name or password; keys go in the keychain (switchyard keys set ID) or ID_API_KEYS`}},
		{"bad rule", "backends:\n  - id: kiro\n    models: \"claude |\"\n",
			[]string{`c.yaml:3: backends[0] (kiro).models: model rule "claude |": empty alternative around '|'; write e.g. "claude | gemini+2.5", or "*" for any model`}},
		{"model list", "backends:\n  - id: kiro\n    model_list:\n      - a\n      - \"\"\n      - a\n",
			[]string{
				`c.yaml:5: backends[0] (kiro).model_list[1]: empty model name; remove it`,
				`c.yaml:6: backends[0] (kiro).model_list[2]: "a" is listed twice (also model_list[0])`,
			}},
		{"aliases", "backends:\n  - id: kiro\n    aliases:\n      a: a\n      b: \"\"\n      c: d\n      d: e\n      \"\": f\n",
			[]string{
				`c.yaml:4: backends[0] (kiro).aliases."a": maps the name to itself; remove it`,
				`c.yaml:5: backends[0] (kiro).aliases."b": empty upstream model name; give the name the upstream expects`,
				`c.yaml:6: backends[0] (kiro).aliases."c": points at "d", which is itself an alias; point straight at the upstream name "e"`,
				`c.yaml:3: backends[0] (kiro).aliases: an empty client model name (mapped to "f"); remove it`,
			}},
		{"duplicate alias", "backends:\n  - id: kiro\n    aliases:\n      a: b\n      a: c\n",
			[]string{`c.yaml:5: backends[0] (kiro).aliases."a": given twice (first on line 4); keep one`}},
		{"max tokens", "backends:\n  - id: anyrouter\n    max_tokens_default: 0\n",
			[]string{`c.yaml:3: backends[0] (anyrouter).max_tokens_default: 0 is out of range; use 1 or more, e.g. 8192`}},
		{"duplicate key", "listen: 127.0.0.1:1\nbody_limit_mb: 3\nlisten: 127.0.0.1:2\n",
			[]string{`c.yaml:3: listen: given twice (first on line 1); keep one`}},
		{"duplicate backend key", "backends:\n  - id: kiro\n    timeout: 1\n    timeout: 2\n",
			[]string{`c.yaml:4: backends[0] (kiro).timeout: given twice (first on line 3); keep one`}},
		{"top is a list", "- id: kiro\n",
			[]string{`c.yaml:1: the file must be a mapping of settings (listen: ..., backends: [...]), not a list`}},
		{"two documents", "listen: 127.0.0.1:1\n---\nlisten: 127.0.0.1:2\n",
			[]string{`c.yaml:2: only one YAML document is allowed; remove the second '---' and what follows`}},
		{"yaml syntax", "listen: 127.0.0.1:1\nbackends:\n  - id: kiro\n   enabled: false\n",
			[]string{`c.yaml:2: did not find expected '-' indicator`}},
		{"bare star", "backends:\n  - id: kiro\n    models: *\n",
			[]string{`c.yaml:3: did not find expected alphabetic or numeric character; quote a value that starts with '*' or '&', e.g. models: "*"`}},
		{"yaml unclosed", "backends: [\n", []string{`c.yaml:1: did not find expected node content`}},
		{"several, in line order", "body_limit_mb: 0\nbackends:\n  - id: anyrouter\n    format: x\n    timeout: 0\nlisten: nope\n",
			[]string{
				`c.yaml:1: body_limit_mb: 0 is out of range; use 1 to 1024 (MiB)`,
				`c.yaml:4: backends[0] (anyrouter).format: "x" is not a format; use "openai", "anthropic", "responses" or "gemini"`,
				`c.yaml:5: backends[0] (anyrouter).timeout: 0 is out of range; use 1 to 86400 (whole seconds)`,
				`c.yaml:6: listen: "nope" is not host:port; use e.g. 127.0.0.1:7861`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.src), "c.yaml")
			if err == nil {
				t.Fatalf("no error; config %+v", c)
			}
			if c != nil {
				t.Error("a config came back with the error")
			}
			got := strings.Split(err.Error(), "\n")
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("missing error line\n want %s\n  got %s", w, strings.Join(got, "\n      "))
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("%d error lines, want %d:\n%s", len(got), len(tt.want), err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Error("error echoes a password from a URL")
			}
			if tt.name == "several, in line order" && !slices.Equal(got, tt.want) {
				t.Errorf("errors not in line order:\n%s", err)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	if err := Defaults().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	c := Defaults()
	c.Backends[0].BaseURLs = []string{"http://127.0.0.1:7862/v1/"}
	c.Backends[1].Timeout = 0
	c.Backends[2].Format = "grpc"
	c.Backends = append(c.Backends, Backend{ID: "kiro", Name: "again"})
	c.Listen = ""
	err := c.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{
		`listen: "" is not host:port; use e.g. 127.0.0.1:7861`,
		`backends[0] (antigravity).base_urls[0]: "http://127.0.0.1:7862/v1/" ends with '/'; drop the trailing slash`,
		`backends[1] (kiro).timeout: 0 is out of range; use 1 to 86400 (whole seconds)`,
		`backends[2] (anyrouter).format: "grpc" is not a format; use "openai", "anthropic", "responses" or "gemini"`,
		`backends[4] (kiro).id: "kiro" is used twice (also backends[1]); ids must be unique`,
		`backends[4] (kiro).priority: 0 is out of range; use 1 or more (lower is tried first)`,
	} {
		if !slices.Contains(strings.Split(err.Error(), "\n"), w) {
			t.Errorf("missing %q in\n%s", w, err)
		}
	}
	// Sub-second timeouts are valid in memory (tests use them); Save rounds up.
	c = Defaults()
	c.Backends[0].Timeout = 50 * time.Millisecond
	if err := c.Validate(); err != nil {
		t.Errorf("sub-second timeout: %v", err)
	}
	c.Backends[0].Timeout = 25 * time.Hour
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "90000 is out of range") {
		t.Errorf("25h timeout: %v", err)
	}
	c.Backends[0].Timeout = -time.Millisecond
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "-1ms is out of range") {
		t.Errorf("negative timeout: %v", err)
	}
	c = Defaults()
	c.ProbeInterval = 5 * time.Second
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "probe_interval: 5 is out of range; use 10 to 86400") {
		t.Errorf("5s probe interval: %v", err)
	}
}

func TestParseProbe(t *testing.T) {
	c, err := Parse([]byte("probe_interval: 60\nbackends:\n  - id: kiro\n    probe: yes\n"), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.ProbeInterval != time.Minute || !c.Backend("kiro").Probe || c.Backend("copilot").Probe {
		t.Fatalf("probe_interval %v, kiro probe %v, copilot probe %v", c.ProbeInterval, c.Backend("kiro").Probe, c.Backend("copilot").Probe)
	}
	if d := Defaults(); d.ProbeInterval != 5*time.Minute || d.Backend("anyrouter").Probe {
		t.Fatalf("defaults: interval %v, probe on", d.ProbeInterval)
	}
	if _, err := Parse([]byte("backends:\n  - id: kiro\n    probes: true\n"), "config.yaml"); err == nil || !strings.Contains(err.Error(), `did you mean "probe"`) {
		t.Fatalf("misspelt probe: %v", err)
	}
}
