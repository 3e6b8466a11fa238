package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"switchyard/gateway"
	"switchyard/gateway/config"
)

// upstream is a real local HTTP server standing in for a backend. Its
// behaviour is a handler; it records every request it gets.
type upstream struct {
	*httptest.Server
	mu    sync.Mutex
	reqs  []recorded
	count atomic.Int64
}

type recorded struct {
	Path   string
	Query  string // RawQuery
	Auth   string // Authorization
	APIKey string // x-api-key
	Header http.Header
	Body   []byte
}

func newUpstream(t *testing.T, h http.HandlerFunc) *upstream {
	t.Helper()
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.reqs = append(u.reqs, recorded{Path: r.URL.Path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization"), APIKey: r.Header.Get("x-api-key"), Header: r.Header.Clone(), Body: body})
		u.mu.Unlock()
		u.count.Add(1)
		r.Body = io.NopCloser(bytes.NewReader(body))
		h(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) requests() []recorded {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]recorded(nil), u.reqs...)
}

// deadURL returns a base URL where nothing listens (connection refused).
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// chatOK answers a chat completion naming who answered.
func chatOK(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model  string `json:"model"`
			Stream bool   `json:"stream"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		if req.Stream {
			w.Header().Set("Content-Type", "text/event-stream")
			fl := w.(http.Flusher)
			for i, part := range []string{"hello ", "from ", name} {
				role := ""
				if i == 0 {
					role = `"role":"assistant",`
				}
				fmt.Fprintf(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":%q,\"choices\":[{\"index\":0,\"delta\":{%s\"content\":%q},\"finish_reason\":null}]}\n\n", req.Model, role, part)
				fl.Flush()
			}
			fmt.Fprintf(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":%q,\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n", req.Model)
			fmt.Fprint(w, "data: [DONE]\n\n")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":%q,"choices":[{"index":0,"message":{"role":"assistant","content":"hello from %s"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}`, req.Model, name)
	}
}

func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"error":{"message":"upstream says %d","type":"server_error"}}`, code)
	}
}

// onlyKey answers with ok when the bearer key is want, else 401.
func onlyKey(want string, ok http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+want && r.Header.Get("x-api-key") != want {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			io.WriteString(w, `{"error":{"message":"invalid api key","type":"authentication_error"}}`)
			return
		}
		ok(w, r)
	}
}

// hang waits until the request is cancelled, recording that it was.
func hang(cancelled chan<- struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		if cancelled != nil {
			select {
			case cancelled <- struct{}{}:
			default:
			}
		}
	}
}

// backend is a test backend definition.
func backend(id string, prio int, format config.Format, urls ...string) config.Backend {
	return config.Backend{
		ID: id, Name: strings.ToUpper(id[:1]) + id[1:], Priority: prio, Format: format, Enabled: true,
		BaseURLs: urls, Timeout: 5 * time.Second, StreamTimeout: 10 * time.Second, MaxRetries: 0,
		Models: "*", MaxTokensDefault: 1024,
	}
}

// gw is a running gateway on a real loopback listener.
type gw struct {
	*gateway.Server
	URL      string
	Addr     string
	logs     *syncBuffer
	stateDir string
	cfgPath  string
	stop     func()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type gwOpt func(*gateway.Options, *config.Config)

func withEnv(kv ...string) gwOpt {
	return func(o *gateway.Options, _ *config.Config) {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		o.Getenv = func(k string) string { return m[k] }
	}
}

func withStateDir(dir string) gwOpt {
	return func(o *gateway.Options, _ *config.Config) { o.StateDir = dir }
}

func withConfig(f func(*config.Config)) gwOpt {
	return func(_ *gateway.Options, c *config.Config) { f(c) }
}

func withKeys(ks gateway.KeyStore) gwOpt {
	return func(o *gateway.Options, _ *config.Config) { o.Keys = ks }
}

func startGateway(t *testing.T, backends []config.Backend, opts ...gwOpt) *gw {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.Listen = ln.Addr().String()
	cfg.Backends = backends
	cfg.FirstByteTimeout = 3 * time.Second
	cfg.StreamIdleTimeout = 3 * time.Second
	cfg.RequestDeadline = 30 * time.Second
	dir := t.TempDir()
	logs := &syncBuffer{}
	o := gateway.Options{
		ConfigPath: dir + "/config.yaml", StateDir: dir + "/state",
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Version: "test",
		ModelRefresh: -1, // no background list fetches: tests count upstream requests (models_test turns it on)
	}
	for _, f := range opts {
		f(&o, cfg)
	}
	o.Config = cfg
	s, err := gateway.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.Serve(ctx, ln, 2*time.Second)
		close(done)
	}()
	g := &gw{Server: s, URL: "http://" + ln.Addr().String(), Addr: ln.Addr().String(), logs: logs, stateDir: o.StateDir, cfgPath: o.ConfigPath}
	var once sync.Once
	g.stop = func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	t.Cleanup(g.stop)
	return g
}

func (g *gw) openai(opts ...option.RequestOption) *openai.Client {
	base := []option.RequestOption{option.WithBaseURL(g.URL + "/v1/"), option.WithAPIKey("client-key-must-not-leak"), option.WithMaxRetries(0)}
	c := openai.NewClient(append(base, opts...)...)
	return &c
}

func (g *gw) status(t *testing.T) gateway.Status {
	t.Helper()
	resp, err := http.Get(g.URL + "/api/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st gateway.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// post sends a raw request to the gateway.
func (g *gw) post(t *testing.T, path, body string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", g.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func chatParams(model string) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model:    model,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
	}
}
