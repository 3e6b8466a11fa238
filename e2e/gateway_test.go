package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// switchyardBin builds the switchyard binary once per test run (CGO off,
// as .ci/run's cross-compile step, so its build cache is reused).
func switchyardBin(t testing.TB) string {
	t.Helper()
	root := repoRoot(t)
	buildOnce.Do(func() {
		builtBin = filepath.Join(tmpRoot, "switchyard")
		start := time.Now()
		cmd := exec.Command("go", "build", "-o", builtBin, ".")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
		t.Logf("built switchyard in %s", time.Since(start).Round(time.Millisecond))
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// gatewayProc is a running `switchyard serve`.
type gatewayProc struct {
	url string
	out *lockedBuffer
}

// gatewayConfig enables only the fake backend: the four presets are off,
// and its model rule takes the two CLIs' models and nothing else (so a
// probe with another model never reaches the upstream).
func gatewayConfig(format, upstream string) string {
	base := upstream
	switch format {
	case "openai":
		base += "/v1"
	case "gemini":
		base += "/v1beta"
	}
	return fmt.Sprintf(`body_limit_mb: 32
first_byte_timeout: 30
backends:
  - id: antigravity
    enabled: false
  - id: kiro
    enabled: false
  - id: anyrouter
    enabled: false
  - id: copilot
    enabled: false
  - id: fake
    name: Fake %[1]s upstream
    format: %[1]s
    base_urls: [%[2]s]
    models: "codex | gemini | claude"
    needs_key: true
    priority: 1
    max_retries: 0
`, format, base)
}

// startGateway runs `switchyard serve` on a free loopback port with a
// throwaway HOME and XDG dirs, the upstream key only in FAKE_API_KEYS, and
// waits for /healthz.
func startGateway(t testing.TB, format, upstream, upKey string) *gatewayProc {
	t.Helper()
	bin := switchyardBin(t)
	home := t.TempDir()
	cfg := filepath.Join(home, "config.yaml")
	if err := os.WriteFile(cfg, []byte(gatewayConfig(format, upstream)), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(baseEnv(home), "FAKE_API_KEYS="+upKey)
	var lastErr error
	for range 3 { // a port picked free can be taken before serve binds it
		addr := freePort(t)
		out := &lockedBuffer{}
		cmd := exec.Command(bin, "serve", "--addr", addr, "--config", cfg)
		cmd.Env, cmd.Stdout, cmd.Stderr = env, out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		g := &gatewayProc{url: "http://" + addr, out: out}
		if lastErr = waitHealthy(g.url, done, 20*time.Second); lastErr == nil {
			t.Cleanup(func() {
				cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-done:
				case <-time.After(10 * time.Second):
					cmd.Process.Kill()
					<-done
				}
				if t.Failed() {
					t.Logf("--- switchyard serve output ---\n%s", tail(out.String(), 8000))
				}
			})
			return g
		}
		cmd.Process.Kill()
		<-done
		lastErr = fmt.Errorf("%v\n%s", lastErr, tail(out.String(), 4000))
	}
	t.Fatalf("switchyard serve did not come up: %v", lastErr)
	return nil
}

func freePort(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitHealthy polls GET /healthz until 200, the process exits or the deadline.
func waitHealthy(url string, exited <-chan struct{}, within time.Duration) error {
	deadline := time.Now().Add(within)
	c := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		if resp, err := c.Get(url + "/healthz"); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("switchyard serve exited before /healthz answered")
		case <-tick.C:
		}
	}
	return fmt.Errorf("/healthz not 200 within %s", within)
}

// checkLog asserts that no key appears in the gateway's output.
func (g *gatewayProc) checkLog(t testing.TB, keys ...string) {
	t.Helper()
	if containsAny(g.out.String(), keys...) {
		t.Errorf("a key appears in switchyard serve's output")
	}
}

var upstreamFormats = []string{"anthropic", "openai"}

// TestCodexThroughGateway runs Codex CLI through switchyard serve
// (POST /v1/responses) to a fake Anthropic and a fake OpenAI upstream.
func TestCodexThroughGateway(t *testing.T) {
	t.Parallel()
	bin := clientBin(t, "codex")
	for _, format := range upstreamFormats {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			sc := codexScript(t)
			clientKey := "sk-codex-client-" + randHex(t, 8)
			up := &fakeUpstream{format: format, sc: sc, key: "sk-upstream-" + randHex(t, 8), clientKey: clientKey}
			g := startGateway(t, format, serve(t, up), up.key)
			r := runCodex(t, bin, g.url+"/v1", clientKey)
			checkFinal(t, r, sc.final)
			// Codex logs this, and then drops the text, when a stream's
			// delta arrives for an item it was not given (item content/summary
			// arrays missing once made it so).
			if strings.Contains(r.stderr, "without active item") {
				t.Errorf("codex complained about the event stream:\n%s", tail(r.stderr, 3000))
			}
			up.check(t)
			g.checkLog(t, clientKey, up.key)
		})
	}
}

// TestGeminiThroughGateway runs Gemini CLI through switchyard serve
// (POST /v1beta/models/{model}:streamGenerateContent?alt=sse) to a fake
// Anthropic and a fake OpenAI upstream (converted), including the tool
// round trip.
func TestGeminiThroughGateway(t *testing.T) {
	t.Parallel()
	bin := clientBin(t, "gemini")
	for _, format := range upstreamFormats {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			sc := geminiScript(t)
			clientKey := "gemini-client-" + randHex(t, 8)
			up := &fakeUpstream{format: format, sc: sc, key: "sk-upstream-" + randHex(t, 8), clientKey: clientKey}
			g := startGateway(t, format, serve(t, up), up.key)
			r := runGemini(t, bin, g.url, clientKey)
			checkFinal(t, r, sc.final)
			up.check(t)
			g.checkLog(t, clientKey, up.key)
		})
	}
}

// TestGeminiPassthroughGateway runs Gemini CLI through switchyard serve to
// a fake Gemini API backend (format: gemini): the requests pass untouched
// but for the key, which is the backend's own, never the client's.
func TestGeminiPassthroughGateway(t *testing.T) {
	t.Parallel()
	bin := clientBin(t, "gemini")
	clientKey, upKey := "gemini-client-"+randHex(t, 8), "gemini-upstream-"+randHex(t, 8)
	f := &fakeGemini{sc: geminiScript(t), key: upKey}
	g := startGateway(t, "gemini", serve(t, f), upKey)
	r := runGemini(t, bin, g.url, clientKey)
	checkFinal(t, r, f.sc.final)
	f.mu.Lock()
	problems, results, n := f.problems, f.toolResults, f.n
	f.mu.Unlock()
	for _, p := range problems {
		t.Error("fake Gemini backend: " + p)
	}
	if n != 2 || len(results) != 1 || !strings.Contains(results[0], toolMarker) {
		t.Errorf("want 2 model requests, the second with a functionResponse holding %q; got %d, results %q\n%s", toolMarker, n, results, f.rec.summary())
	}
	for _, rq := range f.rec.all() {
		if strings.Contains(rq.Query, clientKey) || strings.Contains(rq.Query, "key=") {
			t.Errorf("the client's key (or a key= query) reached the backend: %s?%s", rq.Path, rq.Query)
		}
	}
	g.checkLog(t, clientKey, upKey)
}
