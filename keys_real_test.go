package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"switchyard/gateway"
	"switchyard/gateway/config"
	"switchyard/keystore"
)

// realKeychain returns a Store on a reachable Secret Service, skipping the
// test where there is none (failing it under CI=true). Run the suite with
// scripts/test.sh to get a private gnome-keyring.
func realKeychain(t *testing.T) *keystore.Store {
	t.Helper()
	missing := func(why string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("no Secret Service (CI=true: a failure, not a skip): %s", why)
		}
		t.Skipf("no Secret Service: %s; run the tests with `bash scripts/test.sh` (needs dbus-daemon and gnome-keyring)", why)
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		missing("DBUS_SESSION_BUS_ADDRESS is not set")
	}
	if err := keystore.New(3 * time.Second).Probe(context.Background()); err != nil {
		missing(err.Error())
	}
	return keystore.New(15 * time.Second)
}

// TestKeysEndToEndRealKeychain: `switchyard keys set` stores keys in the
// real Secret Service; a running gateway reading that keychain sends the
// first key to the backend, rotates to the second on a 401, and the key
// never shows up in the command's output, the status JSON, the logs or the
// config file; `keys rm` removes it and the gateway sees that at once
// through the API.
func TestKeysEndToEndRealKeychain(t *testing.T) {
	store := realKeychain(t)
	ctx := context.Background()
	id := "sytest" + strings.ToLower(rand.Text()[:8])
	canary := "sk-canary-" + rand.Text()
	k1, k2 := canary+"-one1", canary+"-two2"
	t.Cleanup(func() { store.Replace(context.Background(), id, nil) })

	var out, errb bytes.Buffer
	d := keysDeps{Store: store, BackendIDs: []string{id}, Stdin: strings.NewReader(k1 + "\n" + k2 + "\n"),
		Stdout: &out, Stderr: &errb, IsTerminal: func() bool { return false }}
	if code := runKeys(ctx, []string{"set", id}, d); code != 0 {
		t.Fatalf("keys set: exit %d: %s", code, errb.String())
	}
	d.Stdin = strings.NewReader("")
	if code := runKeys(ctx, []string{"list", id}, d); code != 0 {
		t.Fatalf("keys list: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "…one1") || !strings.Contains(out.String(), "…two2") || !strings.Contains(out.String(), "keychain") {
		t.Fatalf("keys list output lacks the masked keys and source:\n%s", out.String())
	}

	// A backend that accepts only the second key.
	var mu sync.Mutex
	var seen []string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer "+k2 {
			w.WriteHeader(401)
			io.WriteString(w, `{"error":{"message":"bad key","type":"authentication_error"}}`)
			return
		}
		io.WriteString(w, `{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}`)
	}))
	defer up.Close()

	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.Listen = ln.Addr().String()
	cfg.Backends = []config.Backend{{ID: id, Name: "Test", Priority: 1, Format: config.FormatOpenAI, Enabled: true,
		BaseURLs: []string{up.URL}, Timeout: 5 * time.Second, StreamTimeout: 5 * time.Second, Models: "*", NeedsKey: true, MaxTokensDefault: 1024}}
	var logs bytes.Buffer
	var logMu sync.Mutex
	gw, err := gateway.New(gateway.Options{Config: cfg, ConfigPath: filepath.Join(dir, "config.yaml"), StateDir: filepath.Join(dir, "state"), ModelRefresh: -1,
		Keys: store, Logger: slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, nil)), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { gw.Serve(sctx, ln, time.Second); close(done) }()
	defer func() { stop(); <-done }()
	base := "http://" + ln.Addr().String()

	resp, err := http.Post(base+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("chat: %d %s", resp.StatusCode, body)
	}
	mu.Lock()
	got := append([]string(nil), seen...)
	mu.Unlock()
	if len(got) != 2 || got[0] != "Bearer "+k1 || got[1] != "Bearer "+k2 {
		t.Fatalf("upstream saw %d requests; want key one then key two from the keychain", len(got))
	}
	// The attempt is recorded before its answer is written: the status
	// names the working pair by the time the client has the answer.
	st := gw.Status()
	if st.Backends[0].KeySource != "keychain" || st.Backends[0].ActiveEndpoint == nil || st.Backends[0].ActiveEndpoint.Key != "…two2" {
		t.Fatalf("status: source %q active key %q", st.Backends[0].KeySource, st.Backends[0].ActiveEndpoint.Key)
	}

	// Remove every key through the command; the API reload shows needs_key.
	if code := runKeys(ctx, []string{"rm", id}, d); code != 0 {
		t.Fatalf("keys rm: exit %d: %s", code, errb.String())
	}
	if keys, _ := store.Keys(ctx, id); len(keys) != 0 {
		t.Fatalf("keys left after rm: %d", len(keys))
	}

	// The canary: nowhere beyond its last four characters.
	sresp, _ := http.Get(base + "/api/status")
	sbody, _ := io.ReadAll(sresp.Body)
	sresp.Body.Close()
	stop()
	<-done
	cfgBytes, _ := os.ReadFile(filepath.Join(dir, "config.yaml"))
	state, _ := os.ReadFile(filepath.Join(dir, "state", "state.json"))
	logMu.Lock()
	logText := logs.String()
	logMu.Unlock()
	for name, text := range map[string]string{"keys output": out.String() + errb.String(), "chat response": string(body),
		"status": string(sbody), "logs": logText, "config": string(cfgBytes), "state": string(state)} {
		if strings.Contains(text, canary) {
			t.Errorf("the key leaked into the %s", name)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
