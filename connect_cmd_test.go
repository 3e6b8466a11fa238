package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"switchyard/connect"
)

func TestParseConnectFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want connectFlags
		err  string
	}{
		{args: []string{"codex"}, want: connectFlags{tool: "codex"}},
		{args: []string{"--undo", "codex"}, want: connectFlags{tool: "codex", undo: true}},
		{args: []string{"codex", "--undo", "--addr", "127.0.0.1:9000"}, want: connectFlags{tool: "codex", undo: true, addr: "127.0.0.1:9000"}},
		{args: []string{"--model", "gpt-5-codex", "codex", "--config", "c.yaml"}, want: connectFlags{tool: "codex", model: "gpt-5-codex", configPath: "c.yaml"}},
		{args: []string{"--status"}, want: connectFlags{status: true}},
		{args: nil, err: "which tool"},
		{args: []string{"codex", "gemini"}, err: "one tool at a time"},
		{args: []string{"--status", "codex"}, err: "takes no tool"},
		{args: []string{"--status", "--undo"}, err: "do not go together"},
	} {
		f, err := parseConnectFlags(c.args, &bytes.Buffer{})
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil || *f != c.want {
			t.Errorf("%q: %+v %v, want %+v", c.args, f, err, c.want)
		}
	}
}

func TestGatewayURL(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:7861": "http://127.0.0.1:7861",
		"0.0.0.0:7861":   "http://127.0.0.1:7861",
		"[::]:7861":      "http://[::1]:7861",
		"[::1]:9000":     "http://[::1]:9000",
		"localhost:80":   "http://localhost:80",
	} {
		if got := gatewayURL(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

// TestRunConnect drives the command as a user would: connect, connect
// again, status, undo; a broken file; an unknown tool.
func TestRunConnect(t *testing.T) {
	home := t.TempDir()
	setup := func(f *connectFlags) (*connect.Setup, error) {
		return &connect.Setup{Home: home, GatewayURL: gatewayURL("127.0.0.1:7861"), Model: f.model,
			StateDir: filepath.Join(home, "state"), Getenv: func(string) string { return "" }}, nil
	}
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := runConnect(args, setup, &out, &errb)
		return code, out.String(), errb.String()
	}
	cfg := filepath.Join(home, ".codex", "config.toml")
	os.MkdirAll(filepath.Dir(cfg), 0o700)
	orig := "# mine\nmodel_provider = \"openai\"\n"
	os.WriteFile(cfg, []byte(orig), 0o600)

	code, out, errs := run("codex")
	if code != 0 || !strings.Contains(out, "Codex CLI now points at http://127.0.0.1:7861.") ||
		!strings.Contains(out, "updated ~/.codex/config.toml") || !strings.Contains(out, `model_provider = "switchyard" (was "openai")`) ||
		!strings.Contains(out, "backup: ~/.codex/config.toml.switchyard-") || !strings.Contains(out, "switchyard connect --undo codex") {
		t.Errorf("connect: %d\n%s%s", code, out, errs)
	}
	if code, out, _ = run("codex"); code != 0 || !strings.Contains(out, "already points at") {
		t.Errorf("again: %d\n%s", code, out)
	}
	if code, out, _ = run("--status"); code != 0 || !regexpMatch(`codex\s+connected\s+~/.codex/config.toml`, out) ||
		!regexpMatch(`gemini\s+not connected`, out) {
		t.Errorf("status: %d\n%s", code, out)
	}
	if code, out, _ = run("--undo", "codex"); code != 0 || !strings.Contains(out, "restored ~/.codex/config.toml byte for byte") {
		t.Errorf("undo: %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(cfg); string(b) != orig {
		t.Errorf("after undo:\n%s", b)
	}
	if code, out, _ = run("--undo", "codex"); code != 0 || !strings.Contains(out, "nothing to undo") {
		t.Errorf("undo again: %d\n%s", code, out)
	}

	os.WriteFile(cfg, []byte("model_provider = \n"), 0o600)
	if code, _, errs = run("codex"); code != 1 || !strings.Contains(errs, "config.toml:1:") || !strings.Contains(errs, "untouched") {
		t.Errorf("broken file: %d %s", code, errs)
	}
	if code, _, errs = run("vim"); code != 2 || !strings.Contains(errs, `unknown tool "vim"`) || !strings.Contains(errs, "claude-code") {
		t.Errorf("unknown tool: %d %s", code, errs)
	}
	if code, _, errs = run(); code != 2 || !strings.Contains(errs, "usage: switchyard connect") {
		t.Errorf("no tool: %d %s", code, errs)
	}
}

func regexpMatch(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }
