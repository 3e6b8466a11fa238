package gateway_test

// The canary-key run (docs/hardening.md K1, K3–K5, A1): every secret the
// gateway handles is a unique sk-canary-<random> value; after a
// representative run — upstream 400/401/404/429/500 errors, upstreams that
// echo the key they received in error bodies (also behind a 200) and in
// SSE error events before and after the first byte, count_tokens, the keys API, a keychain
// that fails or panics with the key in its message, a wrong client token —
// no canary may appear in anything the gateway produced: client responses
// (bodies and headers), /api/status, the dashboard page, the log, the
// config file, the state directory, the usage database (which must not
// hold prompt or completion text either).

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"switchyard/gateway"
	"switchyard/gateway/clock/clocktest"
	"switchyard/gateway/config"
	"switchyard/gateway/usage"
)

func fxCanaryKey(label string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return "sk-canary-" + label + "-" + hex.EncodeToString(b)
}

// fxKeyStore is an in-memory gateway.KeyStore. A key containing
// "fail-me" makes Add return an error that quotes the key, one containing
// "panic-me" makes it panic with the key in the panic value: keychain
// libraries are not trusted to keep secrets out of their errors.
type fxKeyStore struct {
	mu sync.Mutex
	m  map[string][]string
}

func (f *fxKeyStore) Keys(_ context.Context, id string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.m[id]...), nil
}

func (f *fxKeyStore) Add(_ context.Context, id, key string) (int, error) {
	switch {
	case strings.Contains(key, "panic-me"):
		panic("keychain backend crashed while storing " + key)
	case strings.Contains(key, "fail-me"):
		return 0, fmt.Errorf("keychain refused secret %q for %s", key, id)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[id] = append(f.m[id], key)
	return len(f.m[id]) - 1, nil
}

func (f *fxKeyStore) Delete(_ context.Context, id string, i int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i < 0 || i >= len(f.m[id]) {
		return fmt.Errorf("no such key %d", i)
	}
	f.m[id] = append(f.m[id][:i:i], f.m[id][i+1:]...)
	return nil
}

// fxEchoUp is an upstream that echoes the key it received into its errors
// (as some providers do), chosen by the requested model.
func fxEchoUp(t *testing.T, name string) *fxUp {
	return fxNewUp(t, func(u *fxUp) http.HandlerFunc {
		ok := fxAnswer(name)
		return func(w http.ResponseWriter, r *http.Request) {
			in, wf := fxInfo(r), fxFormat(r)
			key := r.Header.Get("x-api-key")
			if key == "" {
				key = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			}
			echo := "Incorrect API key provided: " + key + ". (key=" + key + ")"
			errBody := `{"error":{"message":` + fxJS(echo) + `,"type":"invalid_request_error","code":"invalid_api_key"}}`
			if wf == config.FormatAnthropic || strings.HasSuffix(r.URL.Path, "/count_tokens") {
				errBody = `{"type":"error","error":{"type":"authentication_error","message":` + fxJS(echo) + `}}`
			}
			fail := func(code int) {
				w.Header().Set("Content-Type", "application/json")
				if code == 429 {
					w.Header().Set("Retry-After", "1")
				}
				w.WriteHeader(code)
				io.WriteString(w, errBody)
			}
			if strings.HasSuffix(r.URL.Path, "/count_tokens") {
				fail(401)
				return
			}
			switch m := in.Model; {
			case strings.HasPrefix(m, "e") && len(m) == 4:
				code, _ := strconv.Atoi(m[1:])
				fail(code)
			case m == "sse-early" && in.Stream:
				fxBeginSSE(w)
				fxWrite(w, fxErrorEv(wf, echo))
			case m == "sse-mid" && in.Stream:
				fxBeginSSE(w)
				fxWrite(w, fxFraming(wf, in.Model)+fxTextEv(wf, in.Model, "partial "))
				fxWrite(w, fxErrorEv(wf, echo))
			case m == "j200": // a 200 whose body is an error quoting the key
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, errBody)
			case m == "sse-early" || m == "sse-mid":
				fail(500)
			default:
				ok(w, r)
			}
		}
	})
}

// fxLeaks returns where any canary (or any 8-character piece of its
// random part: prefix masking is a leak too) occurs in text. "…" plus the
// last 4 characters is the one allowed form.
func fxLeaks(canaries []string, where, text string) []string {
	var out []string
	for _, c := range canaries {
		secret := c[strings.LastIndex(c, "-")+1:]
		for i := 0; i+8 <= len(secret); i++ {
			if j := strings.Index(text, secret[i:i+8]); j >= 0 {
				out = append(out, fmt.Sprintf("%s: canary %s…%s found: …%s…", where, c[:10], c[len(c)-4:], fxSnippet(text, j)))
				break
			}
		}
	}
	return out
}

func fxSnippet(s string, i int) string {
	lo, hi := max(0, i-80), min(len(s), i+60)
	return s[lo:hi]
}

func TestCanaryKeysNeverLeak(t *testing.T) {
	keyA, keyB, keyC := fxCanaryKey("alpha"), fxCanaryKey("beta"), fxCanaryKey("gamma")
	token := fxCanaryKey("token")
	wrongToken := fxCanaryKey("wrongtoken")
	failKey, panicKey := fxCanaryKey("fail-me"), fxCanaryKey("panic-me")
	canaries := []string{keyA, keyB, keyC, token, wrongToken, failKey, panicKey}

	alpha, beta, gamma := fxEchoUp(t, "alpha"), fxEchoUp(t, "beta"), fxEchoUp(t, "gamma")
	clk := clocktest.New(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	ks := &fxKeyStore{m: map[string][]string{}}
	usageDir := t.TempDir()
	g := startGateway(t, []config.Backend{
		backend("alpha", 1, config.FormatOpenAI, alpha.URL),
		backend("beta", 2, config.FormatAnthropic, beta.URL),
		backend("gamma", 3, config.FormatOpenAI, gamma.URL),
	}, withEnv("ALPHA_API_KEYS", keyA, "GAMMA_API_KEYS", keyC), withKeys(ks),
		fxOpt(func(o *gateway.Options) { o.Clock = clk; o.Token = token }), withUsage(usageDir, usage.Options{}))

	tap := fxNewTap(t)
	hc := tap.client()
	raw := func(method, path, body string, hdr ...string) {
		req, _ := http.NewRequest(method, g.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		io.Copy(io.Discard, resp.Body)
		if strings.HasPrefix(path, "/api/") && method != "PUT" && method != "PATCH" && resp.StatusCode != 200 {
			t.Errorf("%s %s: %d: the check below would prove nothing for it", method, path, resp.StatusCode)
		}
		resp.Body.Close()
	}
	bearer := "Bearer " + token

	// Keys through the keys API: one stored, one the keychain refuses
	// quoting it, one it panics on.
	raw("PUT", "/api/backends/beta/keys", `{"key":"`+keyB+`"}`, "Authorization", bearer)
	raw("PUT", "/api/backends/beta/keys", `{"key":"`+failKey+`"}`, "Authorization", bearer)
	raw("PUT", "/api/backends/beta/keys", `{"key":"`+panicKey+`"}`, "Authorization", bearer)
	if got, _ := ks.Keys(context.Background(), "beta"); len(got) != 1 || got[0] != keyB {
		t.Fatalf("keychain holds %d keys for beta", len(got))
	}
	// A wrong client token, and a setting change that writes the config.
	raw("POST", "/v1/chat/completions", `{"model":"ok","messages":[{"role":"user","content":"hi"}]}`, "Authorization", "Bearer "+wrongToken)
	raw("PATCH", "/api/backends/gamma", `{"max_retries":0}`, "Authorization", bearer)

	models := []string{"ok", "e400", "e401", "e404", "e429", "e500", "j200", "sse-early", "sse-mid"}
	requests := 0
	for round := 0; round < 2; round++ {
		if round == 1 {
			g.SetEnabled("alpha", false) // beta (Anthropic format) answers first
		}
		for _, m := range models {
			for _, p := range []fxProto{fxOpenAI, fxAnthropic} {
				for _, stream := range []bool{false, true} {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					fxAsk(ctx, g, hc, p, stream, m, token, nil)
					cancel()
					requests++
					clk.Advance(48 * time.Hour) // every cooldown over: each request sees every backend
				}
			}
		}
		raw("POST", "/v1/messages/count_tokens", `{"model":"ok","messages":[{"role":"user","content":"hi"}]}`, "x-api-key", token)
		raw("POST", "/v1/chat/completions", `{"model":`, "Authorization", bearer) // malformed JSON
		raw("GET", "/v1/models", "", "Authorization", bearer)
		raw("GET", "/api/status", "")
		// The other read routes, and the Test of every endpoint (its
		// upstreams echo keys in their errors).
		for _, path := range []string{"/api/sessions", "/api/usage?group=key", "/api/usage.csv", "/api/usage/today", "/api/quota", "/api/connect", "/api/models", "/api/backends"} {
			raw("GET", path, "")
		}
		for _, id := range []string{"alpha", "beta", "gamma"} {
			raw("POST", "/api/backends/"+id+"/test", "{}", "Authorization", bearer)
		}
		raw("GET", "/", "")
		raw("GET", "/healthz", "")
	}
	g.SetEnabled("alpha", true)
	// Prompts and completions with text of their own, for the usage
	// database check below.
	promptText := "prompt-text-" + fxCanaryKey("prompt")[10:]
	raw("POST", "/v1/chat/completions", `{"model":"ok","messages":[{"role":"user","content":"`+promptText+`"}]}`, "Authorization", bearer)
	raw("POST", "/v1/messages", `{"model":"ok","max_tokens":9,"stream":true,"messages":[{"role":"user","content":"`+promptText+`"}]}`, "x-api-key", token)
	if err := g.UsageStore().Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := g.UsageStore().Stats(); st.Written < uint64(requests) {
		t.Fatalf("usage store wrote %d records for %d requests", st.Written, requests)
	}

	// The upstreams really got the canaries (else this test proves nothing).
	saw := func(u *fxUp, want string) bool {
		for _, r := range u.requests() {
			if r.Auth == "Bearer "+want || r.APIKey == want {
				return true
			}
		}
		return false
	}
	if !saw(alpha, keyA) || !saw(beta, keyB) || !saw(gamma, keyC) {
		t.Fatal("an upstream never received its canary key")
	}
	if !strings.Contains(g.logs.String(), "handler panic") {
		t.Fatal("the panicking keychain did not panic through the handler")
	}

	g.stop() // flush the state file
	var leaks []string
	responses := 0
	for i, w := range tap.all() {
		responses++
		var hb strings.Builder
		for k, vs := range w.Header {
			fmt.Fprintf(&hb, "%s: %s\n", k, strings.Join(vs, ", "))
		}
		leaks = append(leaks, fxLeaks(canaries, fmt.Sprintf("response %d (%d) headers", i, w.Status), hb.String())...)
		leaks = append(leaks, fxLeaks(canaries, fmt.Sprintf("response %d (%d) body", i, w.Status), w.Body())...)
	}
	leaks = append(leaks, fxLeaks(canaries, "gateway log", g.logs.String())...)
	files := 0
	usageFiles, usageReal := 0, false
	for _, dir := range []string{filepath.Dir(g.cfgPath), g.stateDir, usageDir} {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			b, _ := os.ReadFile(path)
			files++
			leaks = append(leaks, fxLeaks(canaries, path, string(b))...)
			if strings.HasPrefix(path, usageDir) {
				usageFiles++
				if strings.Contains(string(b), "gamma") && strings.Contains(string(b), "…"+keyC[len(keyC)-4:]) {
					usageReal = true // the scan reads the records' text: a stored prompt would be found
				}
				for _, text := range []string{promptText, "hello from", "hello ", "partial "} {
					if strings.Contains(string(b), text) {
						leaks = append(leaks, fmt.Sprintf("%s holds request or answer text %q", path, text))
					}
				}
			}
			return nil
		})
	}
	t.Logf("canary run: %d canaries, %d SDK requests, %d responses checked, %d log bytes, %d files; %d leaks",
		len(canaries), requests, responses, len(g.logs.String()), files, len(leaks))
	if files == 0 || usageFiles == 0 || !usageReal {
		t.Fatal("no config, state or usage file was written: nothing checked")
	}
	for _, l := range leaks {
		t.Error(l)
	}
}
