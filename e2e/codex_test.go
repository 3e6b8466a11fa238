package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// codexModel is the model Codex asks for; the gateway's fake backend takes it.
const codexModel = "gpt-5-codex"

// codexScript is the round trip Codex runs: its shell tool is exec_command
// ({"cmd": "..."}; Codex runs it with /bin/bash -lc).
func codexScript(t testing.TB) script {
	args, _ := json.Marshal(map[string]any{"cmd": toolCommand})
	return script{tool: "exec_command", args: string(args), final: "sy-final-" + randHex(t, 6)}
}

// codexConfig is ~/.codex/config.toml for a custom Responses provider at
// baseURL (ending in /v1), with approvals and the sandbox off (the tests
// run as root in a container and only talk to loopback fakes), no
// retries (a failure shows at once) and analytics, feedback, telemetry and
// the update check off.
func codexConfig(baseURL, keyEnv string) string {
	return fmt.Sprintf(`model = %q
model_provider = "switchyard"
approval_policy = "never"
sandbox_mode = "danger-full-access"
check_for_update_on_startup = false

[analytics]
enabled = false

[feedback]
enabled = false

[otel]
exporter = "none"

[model_providers.switchyard]
name = "Switchyard"
base_url = %q
wire_api = "responses"
env_key = %q
request_max_retries = 0
stream_max_retries = 0
stream_idle_timeout_ms = 60000
`, codexModel, baseURL, keyEnv)
}

// runCodex runs `codex exec` once in a fresh HOME against baseURL with key.
func runCodex(t testing.TB, bin, baseURL, key string) cliResult {
	t.Helper()
	home := t.TempDir()
	work := filepath.Join(home, "work")
	if err := os.MkdirAll(filepath.Join(home, ".codex"), 0o700); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(work, 0o700)
	if err := os.WriteFile(filepath.Join(home, ".codex", "config.toml"), []byte(codexConfig(baseURL, "SWITCHYARD_E2E_KEY")), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(baseEnv(home), "SWITCHYARD_E2E_KEY="+key)
	return runCLI(t, work, env, bin, "exec", "--skip-git-repo-check", "--strict-config", "--ephemeral", "--color", "never",
		"Run the shell command `"+toolCommand+"`, then tell me what it printed.")
}

// TestCodexHarnessDirect runs Codex CLI straight at the fake Responses
// server: the tool round trip and the fixtures are known good before the
// gateway has a Responses route.
func TestCodexHarnessDirect(t *testing.T) {
	t.Parallel()
	bin := clientBin(t, "codex")
	key := "sk-codex-client-" + randHex(t, 8)
	f := &fakeResponses{sc: codexScript(t), key: key}
	url := serve(t, f)
	r := runCodex(t, bin, url+"/v1", key)
	checkFinal(t, r, f.sc.final)
	f.mu.Lock()
	problems, results, n := f.problems, f.toolResults, f.n
	f.mu.Unlock()
	for _, p := range problems {
		t.Error("fake Responses server: " + p)
	}
	if n != 2 || len(results) != 1 || !strings.Contains(results[0], toolMarker) {
		t.Errorf("want 2 model requests, the second with a function_call_output holding %q; got %d, results %q\n%s", toolMarker, n, results, f.rec.summary())
	}
	if !t.Failed() {
		saveFixtures(t, "codex", f.rec.all(), key)
	}
}
