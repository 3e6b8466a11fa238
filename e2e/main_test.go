package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the captured request fixtures in testdata/ from the direct harness runs")

const (
	codexVersion  = "0.169.0"
	geminiVersion = "0.61.0"

	// toolCommand is what the scripted model asks the CLI's shell tool to
	// run. Its output, toolMarker, appears nowhere in the command itself, so
	// finding it in a tool result proves the CLI really ran the command.
	// (No $(...) or $((...)): Gemini CLI refuses any command substitution
	// syntax as "command injection" and never runs it.)
	toolCommand = "printf 'sy-tool-%s\\n' ok-42"
	toolMarker  = "sy-tool-ok-42"

	// clientTimeout bounds one CLI run; every test stays under 90 s.
	clientTimeout = 75 * time.Second
)

// tmpRoot holds what outlives one test: the switchyard binary.
var tmpRoot string

func TestMain(m *testing.M) {
	flag.Parse()
	var err error
	tmpRoot, err = os.MkdirTemp("", "switchyard-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmpRoot)
	os.Exit(code)
}

// repoRoot is the module root (the test runs in e2e/).
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(root, "go.mod")); err != nil || !bytes.Contains(b, []byte("module switchyard")) {
		t.Fatalf("e2e: %s is not the switchyard module root", root)
	}
	return root
}

// missing skips the test, or fails it under CI=true, where every client the
// tests drive must be installed (.ci/run installs them).
func missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: a missing client is a failure; .ci/run runs scripts/install-clients.sh)")
	}
	t.Skip(msg)
}

// clientBin finds an installed CLI: $SWITCHYARD_CLIENTS_BIN/name, else
// .cache/clients/node_modules/.bin/name (scripts/install-clients.sh).
func clientBin(t testing.TB, name string) string {
	t.Helper()
	dir := os.Getenv("SWITCHYARD_CLIENTS_BIN")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), ".cache", "clients", "node_modules", ".bin")
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		missing(t, fmt.Sprintf("%s CLI not installed (%s missing): run bash scripts/install-clients.sh", name, p))
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing(t, name+" CLI needs node on PATH, and there is none")
	}
	return p
}

func randHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// lockedBuffer collects a child process's output for the test log.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// baseEnv is the environment every child starts from: PATH (node, the
// shell) and a throwaway HOME and TMPDIR, nothing else of the caller's.
func baseEnv(home string) []string {
	tmp := filepath.Join(home, "tmp")
	os.MkdirAll(tmp, 0o700)
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"TMPDIR=" + tmp,
		"LANG=C.UTF-8",
		"TERM=dumb",
		"NO_COLOR=1",
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_STATE_HOME=" + filepath.Join(home, ".local", "state"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
	}
}

// cliResult is one finished CLI run.
type cliResult struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

// runCLI runs a client with a bounded time, stdin closed (Codex reads stdin
// when it is not a terminal: an open pipe would hang it).
func runCLI(t testing.TB, dir string, env []string, bin string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdin = nil
	cmd.WaitDelay = 3 * time.Second
	var out, errb lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := cliResult{stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		r.code = -1
		r.stderr += "\n(run error: " + err.Error() + ")"
	}
	if ctx.Err() != nil {
		r.stderr += fmt.Sprintf("\n(killed after %s)", clientTimeout)
	}
	t.Logf("%s %s: exit %d in %s", filepath.Base(bin), strings.Join(args[:min(2, len(args))], " "), r.code, r.took.Round(time.Millisecond))
	return r
}

// checkFinal asserts that the CLI exited 0 and printed the final marker.
func checkFinal(t testing.TB, r cliResult, final string) {
	t.Helper()
	if r.code != 0 || !strings.Contains(r.stdout, final) {
		t.Errorf("CLI exit %d, want 0 and %q on stdout\n--- stdout ---\n%s\n--- stderr ---\n%s", r.code, final, r.stdout, tail(r.stderr, 6000))
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
