package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The proof for `switchyard connect`: in a throwaway HOME whose tool
// config knows nothing of Switchyard, `switchyard connect TOOL` writes the
// tool's config, and the real CLI then answers through the gateway using
// only what connect wrote (no provider settings from the test, no key
// variable: the CLI flags below only pick the model and the approval
// mode). `--status` then says the tool is connected, and `--undo` puts the
// user's file back byte for byte.

// runSwitchyard runs the switchyard binary with the client's HOME.
func runSwitchyard(t *testing.T, home string, args ...string) string {
	t.Helper()
	cmd := exec.Command(switchyardBin(t), args...)
	cmd.Env = baseEnv(home)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("switchyard %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("switchyard %s:\n%s", strings.Join(args, " "), out)
	return string(out)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// connectedRE matches the --status line of a connected tool.
func connectedRE(tool string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(tool) + `\s+connected\s`)
}

// TestConnectCodex: `switchyard connect --model gpt-5-codex codex` turns a
// Codex config that talks to OpenAI into one that talks to the gateway;
// `codex exec --strict-config` (which refuses unknown keys) then runs its
// shell tool round trip through the gateway to a fake Anthropic upstream.
func TestConnectCodex(t *testing.T) {
	t.Parallel()
	bin := clientBin(t, "codex")
	sc := codexScript(t)
	up := &fakeUpstream{format: "anthropic", sc: sc, key: "sk-upstream-" + randHex(t, 8), clientKey: "sk-never-sent-" + randHex(t, 8)}
	g := startGateway(t, "anthropic", serve(t, up), up.key)

	home := t.TempDir()
	cfg := filepath.Join(home, ".codex", "config.toml")
	// The user's own Codex settings: OpenAI as the provider, a comment,
	// a table of their own. Nothing here points at Switchyard.
	orig := "# my Codex settings\nmodel_provider = \"openai\"   # straight to OpenAI\ncheck_for_update_on_startup = false\n\n[analytics]\nenabled = false\n"
	writeFile(t, cfg, orig)

	out := runSwitchyard(t, home, "connect", "--addr", strings.TrimPrefix(g.url, "http://"), "--model", codexModel, "codex")
	if !strings.Contains(out, "now points at "+g.url) {
		t.Fatalf("connect output:\n%s", out)
	}
	written := readFile(t, cfg)
	t.Logf("config.toml after connect:\n%s", written)
	if !strings.HasPrefix(written, "# my Codex settings\nmodel_provider = \"switchyard\"   # straight to OpenAI\n") ||
		!strings.Contains(written, "[analytics]\nenabled = false\n") {
		t.Errorf("connect did not keep the user's lines:\n%s", written)
	}
	if out := runSwitchyard(t, home, "connect", "--addr", strings.TrimPrefix(g.url, "http://"), "--model", codexModel, "codex"); !strings.Contains(out, "nothing changed") {
		t.Errorf("second connect: %s", out)
	}

	work := filepath.Join(home, "work")
	os.MkdirAll(work, 0o700)
	r := runCLI(t, work, baseEnv(home), bin, "exec", "--skip-git-repo-check", "--strict-config", "--ephemeral", "--color", "never",
		"--dangerously-bypass-approvals-and-sandbox",
		"Run the shell command `"+toolCommand+"`, then tell me what it printed.")
	checkFinal(t, r, sc.final)
	up.check(t)
	g.checkLog(t, up.key)

	if out := runSwitchyard(t, home, "connect", "--addr", strings.TrimPrefix(g.url, "http://"), "--status"); !connectedRE("codex").MatchString(out) {
		t.Errorf("status does not say codex is connected:\n%s", out)
	}
	runSwitchyard(t, home, "connect", "--undo", "codex")
	if got := readFile(t, cfg); got != orig {
		t.Errorf("after undo the config is not the user's original:\n%s", got)
	}
}

// TestConnectGemini: `switchyard connect gemini` writes API-key auth into
// the user's settings.json (with comments) and GOOGLE_GEMINI_BASE_URL plus a
// placeholder key into ~/.gemini/.env, which the CLI creates; `gemini -p`
// then runs its shell tool round trip through the gateway. The workspace
// is trusted the way a script does it (GEMINI_CLI_TRUST_WORKSPACE=true):
// Gemini CLI reads ~/.gemini/.env only in a trusted folder.
func TestConnectGemini(t *testing.T) {
	t.Parallel()
	bin := clientBin(t, "gemini")
	sc := geminiScript(t)
	up := &fakeUpstream{format: "anthropic", sc: sc, key: "sk-upstream-" + randHex(t, 8), clientKey: "gemini-never-sent-" + randHex(t, 8)}
	g := startGateway(t, "anthropic", serve(t, up), up.key)

	home := t.TempDir()
	settings := filepath.Join(home, ".gemini", "settings.json")
	orig := "{\n  // my Gemini CLI settings\n  \"ui\": {\"theme\": \"GitHub\"},\n  \"privacy\": {\"usageStatisticsEnabled\": false}\n}\n"
	writeFile(t, settings, orig)

	out := runSwitchyard(t, home, "connect", "--addr", strings.TrimPrefix(g.url, "http://"), "gemini")
	if !strings.Contains(out, "now points at "+g.url) || !strings.Contains(out, "created ~/.gemini/.env") {
		t.Fatalf("connect output:\n%s", out)
	}
	t.Logf("settings.json after connect:\n%s\n.env:\n%s", readFile(t, settings), readFile(t, filepath.Join(home, ".gemini", ".env")))

	work := filepath.Join(home, "work")
	os.MkdirAll(work, 0o700)
	env := append(baseEnv(home), "GEMINI_CLI_NO_RELAUNCH=true", "GEMINI_CLI_TRUST_WORKSPACE=true")
	r := runCLI(t, work, env, bin, "-m", geminiModel, "--approval-mode", "yolo", "--output-format", "text",
		"-p", "Run the shell command `"+toolCommand+"`, then tell me what it printed.")
	checkFinal(t, r, sc.final)
	up.check(t)
	g.checkLog(t, up.key)

	if out := runSwitchyard(t, home, "connect", "--addr", strings.TrimPrefix(g.url, "http://"), "--status"); !connectedRE("gemini").MatchString(out) {
		t.Errorf("status does not say gemini is connected:\n%s", out)
	}
	runSwitchyard(t, home, "connect", "--undo", "gemini")
	if got := readFile(t, settings); got != orig {
		t.Errorf("after undo settings.json is not the user's original:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(home, ".gemini", ".env")); !os.IsNotExist(err) {
		t.Errorf("the .env connect created is still there after undo (%v)", err)
	}
}

// TestConnectGeminiDirect: the same files, written by `switchyard connect
// gemini` for a server at another address, carry Gemini CLI's whole shell
// tool round trip to a Gemini API server (the fake one the direct harness
// uses) with the placeholder key connect wrote: what connect writes is all
// Gemini CLI needs, whatever serves the address.
func TestConnectGeminiDirect(t *testing.T) {
	t.Parallel()
	bin := clientBin(t, "gemini")
	f := &fakeGemini{sc: geminiScript(t), key: "switchyard"} // the placeholder connect writes
	url := serve(t, f)

	home := t.TempDir()
	out := runSwitchyard(t, home, "connect", "--addr", strings.TrimPrefix(url, "http://"), "gemini")
	if !strings.Contains(out, "created ~/.gemini/settings.json") || !strings.Contains(out, "created ~/.gemini/.env") {
		t.Fatalf("connect output:\n%s", out)
	}
	work := filepath.Join(home, "work")
	os.MkdirAll(work, 0o700)
	env := append(baseEnv(home), "GEMINI_CLI_NO_RELAUNCH=true", "GEMINI_CLI_TRUST_WORKSPACE=true")
	r := runCLI(t, work, env, bin, "-m", geminiModel, "--approval-mode", "yolo", "--output-format", "text",
		"-p", "Run the shell command `"+toolCommand+"`, then tell me what it printed.")
	checkFinal(t, r, f.sc.final)
	f.mu.Lock()
	problems, results, n := f.problems, f.toolResults, f.n
	f.mu.Unlock()
	for _, p := range problems {
		t.Error("fake Gemini server: " + p)
	}
	if n < 2 || len(results) != 1 || !strings.Contains(results[0], toolMarker) {
		t.Errorf("want 2 model requests, the second with a functionResponse holding %q; got %d, results %q\n%s", toolMarker, n, results, f.rec.summary())
	}
	runSwitchyard(t, home, "connect", "--undo", "gemini")
	for _, name := range []string{"settings.json", ".env"} {
		if _, err := os.Stat(filepath.Join(home, ".gemini", name)); !os.IsNotExist(err) {
			t.Errorf("~/.gemini/%s connect created is still there after undo (%v)", name, err)
		}
	}
}

// claudeVersion is the Claude Code that scripts/install-clients.sh pins.
const claudeVersion = "2.1.332"

// TestConnectClaudeCode: a Claude Code settings.json that talks to
// Anthropic (with unrelated settings of its own); `switchyard connect
// claude-code`; then `claude -p` — no login, no key or base URL from the
// test, only --allowedTools to let its Bash tool run unasked — runs its
// shell tool round trip through the gateway to a fake Anthropic upstream.
func TestConnectClaudeCode(t *testing.T) {
	t.Parallel()
	bin := clientBin(t, "claude")
	args, _ := json.Marshal(map[string]any{"command": toolCommand, "description": "print the e2e marker"})
	sc := script{tool: "Bash", args: string(args), final: "sy-final-" + randHex(t, 6)}
	up := &fakeUpstream{format: "anthropic", sc: sc, key: "sk-upstream-" + randHex(t, 8), clientKey: "sk-never-sent-" + randHex(t, 8)}
	g := startGateway(t, "anthropic", serve(t, up), up.key)

	home := t.TempDir()
	settings := filepath.Join(home, ".claude", "settings.json")
	orig := "{\n  \"includeCoAuthoredBy\": false,\n  \"env\": {\n    \"ANTHROPIC_BASE_URL\": \"https://api.anthropic.com\",\n    \"DISABLE_AUTOUPDATER\": \"1\"\n  }\n}\n"
	writeFile(t, settings, orig)
	out := runSwitchyard(t, home, "connect", "--addr", strings.TrimPrefix(g.url, "http://"), "claude-code")
	if !strings.Contains(out, "now points at "+g.url) {
		t.Fatalf("connect output:\n%s", out)
	}
	t.Logf("settings.json after connect:\n%s", readFile(t, settings))

	work := filepath.Join(home, "work")
	os.MkdirAll(work, 0o700)
	r := runCLI(t, work, baseEnv(home), bin, "--allowedTools", "Bash", "-p",
		"Run the shell command `"+toolCommand+"`, then tell me what it printed.")
	checkFinal(t, r, sc.final)
	up.check(t)
	g.checkLog(t, up.key)

	if out := runSwitchyard(t, home, "connect", "--addr", strings.TrimPrefix(g.url, "http://"), "--status"); !connectedRE("claude-code").MatchString(out) {
		t.Errorf("status does not say claude-code is connected:\n%s", out)
	}
	runSwitchyard(t, home, "connect", "--undo", "claude-code")
	if got := readFile(t, settings); got != orig {
		t.Errorf("after undo settings.json is not the user's original:\n%s", got)
	}
}
