package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// geminiModel is the model Gemini CLI is told to use (-m). Without -m it
// picks "auto" and first asks a routing classifier (a non-streaming
// generateContent on a flash-lite model) which model to use.
const geminiModel = "gemini-2.5-flash"

// geminiScript is the round trip Gemini CLI runs: its shell tool is
// run_shell_command ({"command": "...", "description": "..."}), offered only
// in yolo mode (or after approval); read-only tools such as read_file
// ({"file_path"}) are offered in every mode.
func geminiScript(t testing.TB) script {
	args, _ := json.Marshal(map[string]any{"command": toolCommand, "description": "print the e2e marker"})
	return script{tool: "run_shell_command", args: string(args), final: "sy-final-" + randHex(t, 6)}
}

// geminiSettings is ~/.gemini/settings.json: API-key auth (0.61 refuses an
// env-only setup), no telemetry, usage statistics, update checks, IDE
// integration, folder-trust prompt, retries or loop detection.
const geminiSettings = `{
  "security": {
    "auth": {"selectedType": "gemini-api-key"},
    "folderTrust": {"enabled": false}
  },
  "general": {
    "enableAutoUpdate": false,
    "enableAutoUpdateNotification": false,
    "retryFetchErrors": false,
    "maxAttempts": 1
  },
  "privacy": {"usageStatisticsEnabled": false},
  "telemetry": {"enabled": false},
  "ide": {"enabled": false, "hasSeenNudge": true},
  "model": {"disableLoopDetection": true}
}
`

// runGemini runs `gemini -p` once in a fresh HOME against baseURL (the
// server root; the CLI adds /v1beta/...) with key.
func runGemini(t testing.TB, bin, baseURL, key string) cliResult {
	t.Helper()
	home := t.TempDir()
	work := filepath.Join(home, "work")
	if err := os.MkdirAll(filepath.Join(home, ".gemini"), 0o700); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(work, 0o700)
	if err := os.WriteFile(filepath.Join(home, ".gemini", "settings.json"), []byte(geminiSettings), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(baseEnv(home),
		"GEMINI_API_KEY="+key,
		"GOOGLE_GEMINI_BASE_URL="+baseURL,
		"GEMINI_CLI_NO_RELAUNCH=true", // no second node process for a bigger heap
	)
	return runCLI(t, work, env, bin, "-m", geminiModel, "--approval-mode", "yolo", "--output-format", "text",
		"-p", "Run the shell command `"+toolCommand+"`, then tell me what it printed.")
}

// TestGeminiHarnessDirect runs Gemini CLI straight at the fake Gemini
// server: the tool round trip and the fixtures are known good before the
// gateway has the Gemini routes.
func TestGeminiHarnessDirect(t *testing.T) {
	t.Parallel()
	bin := clientBin(t, "gemini")
	key := "gemini-client-" + randHex(t, 8)
	f := &fakeGemini{sc: geminiScript(t), key: key}
	url := serve(t, f)
	r := runGemini(t, bin, url, key)
	checkFinal(t, r, f.sc.final)
	f.mu.Lock()
	problems, results, n := f.problems, f.toolResults, f.n
	f.mu.Unlock()
	for _, p := range problems {
		t.Error("fake Gemini server: " + p)
	}
	if n != 2 || len(results) != 1 || !strings.Contains(results[0], toolMarker) {
		t.Errorf("want 2 model requests, the second with a functionResponse holding %q; got %d, results %q\n%s", toolMarker, n, results, f.rec.summary())
	}
	if !t.Failed() {
		saveFixtures(t, "gemini", f.rec.all(), key)
	}
}
