package gateway_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchyard/gateway/config"
)

// codexBin finds the pinned Codex CLI that scripts/install-clients.sh
// installs; without it the test skips, except under CI=true.
func codexBin(t *testing.T) string {
	t.Helper()
	p, _ := filepath.Abs("../.cache/clients/node_modules/.bin/codex")
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Codex CLI missing at %s: run scripts/install-clients.sh (npm)", p)
		}
		t.Skipf("Codex CLI missing at %s: run scripts/install-clients.sh (needs npm)", p)
	}
	return p
}

// runCodex runs `codex exec PROMPT` against the gateway with an isolated
// HOME and a provider that speaks the Responses API to Switchyard.
func runCodex(t *testing.T, bin, gwURL, prompt string) (string, error) {
	t.Helper()
	home := t.TempDir()
	codexHome := filepath.Join(home, ".codex")
	os.MkdirAll(codexHome, 0o700)
	cfg := fmt.Sprintf(`model = "claude-sonnet-4-5"
model_provider = "switchyard"
model_reasoning_effort = "low"
[model_providers.switchyard]
name = "Switchyard"
base_url = "%s/v1"
wire_api = "responses"
env_key = "SWITCHYARD_CLIENT_KEY"
request_max_retries = 0
stream_max_retries = 0
`, gwURL)
	if err := os.WriteFile(filepath.Join(codexHome, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "exec", "--skip-git-repo-check", "-s", "danger-full-access", "-C", work, prompt)
	cmd.Env = []string{"HOME=" + home, "CODEX_HOME=" + codexHome, "PATH=" + os.Getenv("PATH"),
		"SWITCHYARD_CLIENT_KEY=client-key-not-for-upstream", "NO_COLOR=1", "RUST_LOG=error"}
	cmd.Stdin = nil
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// scriptedAgent answers like a model driving a tool loop: while no tool
// result with marker has come back, it calls tool with args; then it
// answers final. It serves either backend format.
func scriptedAgent(format config.Format, tool, args, marker, final string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		done := bytes.Contains(body, []byte(marker))
		if format == config.FormatAnthropic {
			reply := aReply{ID: "msg_tool", Model: "claude-x", Stop: "tool_use", Blocks: []aBlk{aTool("toolu_sy1", tool, args)}, Usage: aUsage{In: 50, Out: 10, CacheRead: 30}}
			if done {
				reply = aReply{ID: "msg_final", Model: "claude-x", Stop: "end_turn", Blocks: []aBlk{aText(final)}, Usage: aUsage{In: 80, Out: 5, CacheRead: 50}}
			}
			reply.answer()(w, r)
			return
		}
		reply := oReply{Calls: []oCall{{ID: "call_sy1", Name: tool, Frags: []string{args}}}, Finish: "tool_calls", Prompt: 50, Completion: 10, Cached: 30}
		if done {
			reply = oReply{Content: []string{final}, Finish: "stop", Prompt: 80, Completion: 5, Cached: 50}
		}
		reply.answer()(w, r)
	}
}

// The real Codex CLI (pinned, npm @openai/codex) runs `codex exec` through
// Switchyard's /v1/responses to a fake Anthropic-format and a fake
// OpenAI-format backend: the backend asks for Codex's own shell tool,
// Codex runs it, sends the output back, and prints the final answer. The
// upstream only ever sees the backend's key (issue 13).
func TestCodexCLI(t *testing.T) {
	bin := codexBin(t)
	for _, format := range []config.Format{config.FormatAnthropic, config.FormatOpenAI} {
		t.Run(string(format), func(t *testing.T) {
			final := fmt.Sprintf("sy-final-%d", time.Now().UnixNano())
			h := scriptedAgent(format, "exec_command", `{"cmd":"echo sy-tool-$((40+2))"}`, "sy-tool-42", final)
			var up *upstream
			base := ""
			if format == config.FormatAnthropic {
				up = anthropicFake(t, nil, h)
				base = up.URL
			} else {
				up = openAIFake(t, h)
				base = up.URL + "/v1"
			}
			g := startGateway(t, []config.Backend{backend("fake", 1, format, base)}, withEnv("FAKE_API_KEYS", "sk-upstream-only-key"))
			out, err := runCodex(t, bin, g.URL, "Run the check and report.")
			if err != nil {
				t.Fatalf("codex exec: %v\n%s\ngateway log:\n%s", err, out, g.logs.String())
			}
			if !strings.Contains(out, final) {
				t.Fatalf("codex did not print the final answer %q:\n%s", final, out)
			}
			reqs := up.requests()
			if len(reqs) < 2 {
				t.Fatalf("%d upstream requests, want the tool call and the answer to its output", len(reqs))
			}
			sawOutput := false
			for _, r := range reqs {
				if bytes.Contains(r.Body, []byte("sy-tool-42")) {
					sawOutput = true
				}
				if k := r.APIKey + r.Auth; !strings.Contains(k, "sk-upstream-only-key") || strings.Contains(k, "client-key") {
					t.Fatalf("upstream saw credentials %q", k)
				}
			}
			if !sawOutput {
				t.Fatal("the shell tool's output never reached the upstream")
			}
			if strings.Contains(out, "without active item") {
				t.Fatalf("codex complained about the event stream:\n%s", out)
			}
		})
	}
}
