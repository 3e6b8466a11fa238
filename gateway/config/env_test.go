package config

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// env turns a map into a getenv function.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestApplyEnv(t *testing.T) {
	in := Defaults()
	in.Backends = append(in.Backends, Backend{
		ID: "my-vllm", Name: "My vLLM", Priority: 9, Format: FormatOpenAI, Enabled: true,
		BaseURLs: []string{"http://127.0.0.1:9000/v1"}, Timeout: time.Minute, StreamTimeout: time.Hour,
		MaxRetries: 1, Models: "*", MaxTokensDefault: 8192,
	})
	before := in.Clone()

	out, keys, err := ApplyEnv(in, env(map[string]string{
		"SWITCHYARD_ADDR":          " 127.0.0.1:9999 ",
		"ANYROUTER_BASE_URLS":      "https://a.example/, ,https://b.example",
		"ANYROUTER_API_KEYS":       " k1 , ,k2,",
		"ANYROUTER_TIMEOUT":        "30",
		"ANYROUTER_STREAM_TIMEOUT": "90",
		"ANYROUTER_MAX_RETRIES":    "0",
		"KIRO_ENABLED":             "no",
		"COPILOT_ENABLED":          "",
		"MY_VLLM_API_KEYS":         "local",
		"MY_VLLM_ENABLED":          "0",
		"ANTIGRAVITY_API_KEYS":     " , ",
		"ANTIGRAVITY_PRIORITY":     "99", // not an override: ignored
		"UNKNOWN_API_KEYS":         "x",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, before) {
		t.Fatal("ApplyEnv modified its input")
	}
	if out == in || &out.Backends[0] == &in.Backends[0] {
		t.Fatal("ApplyEnv must return a clone")
	}
	if out.Listen != "127.0.0.1:9999" {
		t.Errorf("Listen = %q", out.Listen)
	}
	ar := out.Backend("anyrouter")
	if !slices.Equal(ar.BaseURLs, []string{"https://a.example", "https://b.example"}) ||
		ar.Timeout != 30*time.Second || ar.StreamTimeout != 90*time.Second || ar.MaxRetries != 0 {
		t.Errorf("anyrouter = %+v", ar)
	}
	if out.Backend("kiro").Enabled || !out.Backend("copilot").Enabled || out.Backend("my-vllm").Enabled {
		t.Error("ENABLED overrides wrong")
	}
	if out.Backend("antigravity").Priority != 1 {
		t.Error("ANTIGRAVITY_PRIORITY is not an override")
	}
	wantKeys := map[string][]string{"anyrouter": {"k1", "k2"}, "my-vllm": {"local"}}
	if !reflect.DeepEqual(keys, wantKeys) {
		t.Errorf("keys = %v, want %v", keys, wantKeys)
	}
	// Untouched backends are equal to the input's.
	if !reflect.DeepEqual(*out.Backend("antigravity"), *in.Backend("antigravity")) {
		t.Error("antigravity changed without overrides")
	}
}

func TestApplyEnvNothingSet(t *testing.T) {
	in := Defaults()
	out, keys, err := ApplyEnv(in, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Error("no overrides, yet the config changed")
	}
	if keys == nil || len(keys) != 0 {
		t.Errorf("keys = %#v, want an empty non-nil map", keys)
	}
}

func TestApplyEnvEnabledValues(t *testing.T) {
	for v, want := range map[string]bool{
		"true": true, "TRUE": true, "1": true, "yes": true, "Yes": true,
		"false": false, "0": false, "no": false, "False": false,
	} {
		in := Defaults()
		in.Backend("kiro").Enabled = !want
		out, _, err := ApplyEnv(in, env(map[string]string{"KIRO_ENABLED": v}))
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if out.Backend("kiro").Enabled != want {
			t.Errorf("KIRO_ENABLED=%q gave %v", v, !want)
		}
	}
}

func TestApplyEnvSortsByPriority(t *testing.T) {
	// Overrides cannot change priority, but the result is always sorted,
	// even when the input was not.
	in := Defaults()
	slices.Reverse(in.Backends)
	out, _, err := ApplyEnv(in, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if out.Backends[0].ID != "antigravity" || in.Backends[0].ID != "copilot" {
		t.Errorf("order: out %s first, in %s first", out.Backends[0].ID, in.Backends[0].ID)
	}
}

func TestApplyEnvErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"timeout word", map[string]string{"ANYROUTER_TIMEOUT": "abc"},
			[]string{`ANYROUTER_TIMEOUT="abc": want whole seconds, e.g. 120`}},
		{"timeout unit", map[string]string{"KIRO_STREAM_TIMEOUT": "10m"},
			[]string{`KIRO_STREAM_TIMEOUT="10m": want whole seconds, e.g. 600`}},
		{"timeout zero", map[string]string{"KIRO_TIMEOUT": "0"},
			[]string{`KIRO_TIMEOUT="0": want whole seconds from 1 to 86400, e.g. 120`}},
		{"timeout huge", map[string]string{"KIRO_TIMEOUT": "86401"},
			[]string{`KIRO_TIMEOUT="86401": want whole seconds from 1 to 86400, e.g. 120`}},
		{"retries", map[string]string{"COPILOT_MAX_RETRIES": "6"},
			[]string{`COPILOT_MAX_RETRIES="6": want a whole number from 0 to 5, e.g. 1`}},
		{"retries word", map[string]string{"COPILOT_MAX_RETRIES": "many"},
			[]string{`COPILOT_MAX_RETRIES="many": want a whole number from 0 to 5, e.g. 1`}},
		{"enabled", map[string]string{"ANTIGRAVITY_ENABLED": "maybe"},
			[]string{`ANTIGRAVITY_ENABLED="maybe": want true or false (also 1/0, yes/no)`}},
		{"addr", map[string]string{"SWITCHYARD_ADDR": "7861"},
			[]string{`SWITCHYARD_ADDR="7861": want host:port, e.g. 127.0.0.1:7861`}},
		{"urls empty list", map[string]string{"KIRO_BASE_URLS": " , ,"},
			[]string{`KIRO_BASE_URLS=", ,": want a comma-separated list of http(s) URLs, e.g. https://a.example,https://b.example`}},
		{"urls bad", map[string]string{"KIRO_BASE_URLS": "http://ok/v1,ftp://x,https://u:pw@h/v1"},
			[]string{
				`KIRO_BASE_URLS: "ftp://x" is not an http:// or https:// URL`,
				`KIRO_BASE_URLS: "https://…@h/v1" must not hold a user name or password; keys go in the keychain (switchyard keys set ID) or ID_API_KEYS`,
			}},
		{"urls duplicate", map[string]string{"KIRO_BASE_URLS": "http://a/v1,http://a/v1/"},
			[]string{
				`after environment overrides: backends[1] (kiro).base_urls[1]: "http://a/v1" is listed twice (also base_urls[0])`,
			}},
		{"all reported, keys never echoed", map[string]string{
			"ANYROUTER_TIMEOUT": "x", "ANYROUTER_API_KEYS": "sk-canary-secret", "KIRO_ENABLED": "2",
		}, []string{
			`ANYROUTER_TIMEOUT="x": want whole seconds, e.g. 120`,
			`KIRO_ENABLED="2": want true or false (also 1/0, yes/no)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Defaults()
			before := in.Clone()
			out, keys, err := ApplyEnv(in, env(tt.env))
			if err == nil {
				t.Fatalf("no error; got %+v", out)
			}
			if out != nil || keys != nil {
				t.Error("a config or keys came back with the error")
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
			if strings.Contains(err.Error(), "canary") || strings.Contains(err.Error(), "pw@") {
				t.Error("an error echoes a secret")
			}
			if !reflect.DeepEqual(in, before) {
				t.Error("ApplyEnv modified its input")
			}
		})
	}
}
