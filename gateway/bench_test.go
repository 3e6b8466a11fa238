package gateway

// Benchmarks of the proxy path (issue "Performance: a gateway nobody can
// measure"). Every end-to-end scenario has sub-benchmarks measured in the
// same run, over loopback, in this process, one request per op:
//
//	direct       the client talks to the fake upstream itself
//	floor        through a bare httputil.ReverseProxy (FlushInterval -1,
//	             tuned transport): the least any Go proxy costs
//	switchyard   through the gateway (guard, gin, routing, relay, logging)
//	passthrough  (Convert*) the same upstream answer relayed to a client
//	             of the upstream's own protocol, so switchyard − passthrough
//	             is what conversion adds
//
// What matters is the difference to direct and its ratio to the floor's,
// never the absolute ns/op, which includes the client and the upstream.
// allocs/op counts the whole process (client, upstream, proxy): the
// difference to direct is what the proxy allocates. Streams also report
// ns/event. The machine is shared and noisy: run the benchmarks several
// times, alternating, and read medians:
//
//	go test -c -o /tmp/gw.test ./gateway
//	cd gateway && for i in 1 2 3 4 5; do /tmp/gw.test -test.run XXX -test.bench 'Passthrough|Convert' -test.benchmem; done | go run ../cmd/loadtest medians
//
// BenchmarkHandler runs the gateway's handler alone (canned upstream
// transport, a writer that keeps nothing: no sockets), the clean signal
// for profiling:
//
//	go test -run XXX -bench 'Handler/openai-json' -cpuprofile cpu.out ./gateway/
//	go tool pprof -top gateway.test cpu.out
//
// BenchmarkRouter (gin against http.ServeMux) and BenchmarkRoutingFields
// (reading model/stream, and the alias rewrite) measure single steps.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"switchyard/gateway/config"
	"switchyard/gateway/passthrough"
	"switchyard/gateway/protocols"
)

// ---- payloads ----

// The small chat completion of docs/performance.md: a ~280 B answer, or a
// stream of 7 SSE events (~1.1 kB).
const benchOpenAIJSON = `{"id":"chatcmpl-bench0000000000000000000001","object":"chat.completion","created":1747900000,"model":"gpt-4.1-2025-04-14","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29}}`

const benchAnthropicJSON = `{"id":"msg_01BenchBenchBenchBench0001","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Hello! How can I help you today?"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":19,"output_tokens":10}}`

func benchOpenAIStream() []string {
	const head = `{"id":"chatcmpl-bench0000000000000000000001","object":"chat.completion.chunk","created":1747900000,"model":"gpt-4.1-2025-04-14","system_fingerprint":"fp_bench","choices":[{"index":0,"delta":`
	evs := []string{head + `{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`}
	for _, p := range []string{"Hello!", " How can", " I help you", " today?"} {
		evs = append(evs, head+`{"content":`+strconv.Quote(p)+`},"logprobs":null,"finish_reason":null}]}`)
	}
	evs = append(evs, head+`{},"logprobs":null,"finish_reason":"stop"}]}`, "[DONE]")
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = "data: " + e + "\n\n"
	}
	return out
}

func benchAnthropicStream() []string {
	evs := [][2]string{
		{"message_start", `{"type":"message_start","message":{"id":"msg_01BenchBenchBenchBench0001","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":19,"output_tokens":1}}}`},
		{"content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`},
		{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello! How can"}}`},
		{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" I help you today?"}}`},
		{"content_block_stop", `{"type":"content_block_stop","index":0}`},
		{"message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":10}}`},
		{"message_stop", `{"type":"message_stop"}`},
	}
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = "event: " + e[0] + "\ndata: " + e[1] + "\n\n"
	}
	return out
}

// benchFileStream loads one of the convert package's 200-event streams
// (text, thinking and tool calls), one string per event.
func benchFileStream(tb testing.TB, name string) []string {
	b, err := os.ReadFile("convert/streamconv/testdata/stream/bench/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, ev := range strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n\n") {
		if strings.TrimSpace(ev) != "" {
			out = append(out, strings.TrimLeft(ev, "\n")+"\n\n")
		}
	}
	return out
}

const (
	benchOpenAIReq    = `{"model":"gpt-4.1","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":256,"temperature":0.7%s}`
	benchAnthropicReq = `{"model":"claude-sonnet-4-5","max_tokens":256,"system":"You are a helpful assistant.","messages":[{"role":"user","content":"Say hello in one short sentence."}],"temperature":0.7%s}`
	benchGeminiReq    = `{"systemInstruction":{"parts":[{"text":"You are a helpful assistant."}]},"contents":[{"role":"user","parts":[{"text":"Say hello in one short sentence."}]}],"generationConfig":{"maxOutputTokens":256,"temperature":0.7}}`
	benchResponsesReq = `{"model":"claude-sonnet-4-5","instructions":"You are a helpful assistant.","input":[{"role":"user","content":[{"type":"input_text","text":"Say hello in one short sentence."}]}],"max_output_tokens":256,"temperature":0.7,"store":false%s}`
)

func benchReq(tmpl, model string, stream bool) string {
	s := ""
	if stream {
		s = `,"stream":true`
	}
	b := strings.Replace(tmpl, "%s", s, 1)
	if model != "" {
		b = strings.Replace(b, `"model":"gpt-4.1"`, `"model":"`+model+`"`, 1)
		b = strings.Replace(b, `"model":"claude-sonnet-4-5"`, `"model":"`+model+`"`, 1)
	}
	return b
}

// ---- the fake upstream ----

// benchAnswers is what a fake upstream answers on one path.
type benchAnswers struct {
	json   string
	stream []string // one element per event, each flushed on its own
}

// benchUpstream serves canned answers: OpenAI format on
// /v1/chat/completions, Anthropic on /v1/messages. The request's
// "stream":true picks the stream.
func benchUpstream(tb testing.TB, openai, anthropic benchAnswers) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		a := openai
		if strings.HasSuffix(r.URL.Path, "/messages") {
			a = anthropic
		}
		benchAnswer(w, a, bytes.Contains(body, []byte(`"stream":true`)))
	}))
	tb.Cleanup(srv.Close)
	return srv
}

func benchAnswer(w http.ResponseWriter, a benchAnswers, stream bool) {
	if !stream {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(a.json)))
		io.WriteString(w, a.json)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	fl := w.(http.Flusher)
	for _, ev := range a.stream {
		io.WriteString(w, ev)
		fl.Flush()
	}
}

// ---- the three targets ----

// benchFloor is the bare reverse proxy: the least any Go proxy costs.
func benchFloor(tb testing.TB, upstream string) *httptest.Server {
	u, _ := url.Parse(upstream)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.FlushInterval = -1
	rp.Transport = &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second, DisableCompression: true}
	// The body is read before proxying, as any gateway must (routing,
	// failover replay): passed straight through, fast SSE replies end in
	// "unexpected EOF" now and then (golang/go#40747, docs/performance.md).
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		rp.ServeHTTP(w, r)
	}))
	tb.Cleanup(func() {
		srv.Close()
		rp.Transport.(*http.Transport).CloseIdleConnections()
	})
	return srv
}

// benchBackends: model names with "gpt" go to an OpenAI-format backend,
// names with "claude" to an Anthropic-format one, both on upstream.
func benchBackends(upstream string) []config.Backend {
	mk := func(id string, f config.Format, base, models string) config.Backend {
		return config.Backend{ID: id, Name: id, Priority: 1, Format: f, Enabled: true, BaseURLs: []string{base},
			Timeout: 30 * time.Second, StreamTimeout: 60 * time.Second, Models: models, MaxTokensDefault: 1024}
	}
	return []config.Backend{
		mk("bench-openai", config.FormatOpenAI, upstream+"/v1", "gpt"),
		mk("bench-anthropic", config.FormatAnthropic, upstream, "claude"),
	}
}

// benchLogger logs as `switchyard serve` does (text, info level), to
// /dev/null so that the write syscall is part of the cost.
func benchLogger(tb testing.TB) *slog.Logger {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// benchGateway starts a gateway on a loopback listener in front of
// upstream and returns its base URL.
func benchGateway(tb testing.TB, upstream string, log *slog.Logger) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.Listen = ln.Addr().String()
	cfg.Backends = benchBackends(upstream)
	dir := tb.TempDir()
	s, err := New(Options{Config: cfg, StateDir: dir, Logger: log, Version: "bench"})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.Serve(ctx, ln, time.Second)
		close(done)
	}()
	tb.Cleanup(func() {
		cancel()
		<-done
	})
	return "http://" + ln.Addr().String()
}

// ---- the client ----

type benchClient struct {
	c *http.Client
}

func newBenchClient(tb testing.TB) *benchClient {
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second, DisableCompression: true}
	tb.Cleanup(tr.CloseIdleConnections)
	return &benchClient{c: &http.Client{Transport: tr}}
}

// do sends one request and reads the whole answer.
func (c *benchClient) do(tb testing.TB, url, body string) int {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		tb.Fatalf("%s: status %d, err %v", url, resp.StatusCode, err)
	}
	return int(n)
}

// benchTarget is one sub-benchmark: where to send which body.
type benchTarget struct {
	name string
	url  string
	body string
}

// runTargets runs each target as a sub-benchmark, one request per op;
// events > 0 adds per-event metrics.
func runTargets(b *testing.B, events int, targets []benchTarget) {
	for _, t := range targets {
		b.Run(t.name, func(b *testing.B) {
			c := newBenchClient(b)
			n := c.do(b, t.url, t.body) // warm the connections
			b.SetBytes(int64(n))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				c.do(b, t.url, t.body)
			}
			if events > 0 {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
			}
		})
	}
}

// ---- end-to-end benchmarks ----

type benchEnv struct {
	up, floor, gw string
}

func newBenchEnv(b *testing.B, openai, anthropic benchAnswers) benchEnv {
	up := benchUpstream(b, openai, anthropic)
	return benchEnv{up: up.URL, floor: benchFloor(b, up.URL).URL, gw: benchGateway(b, up.URL, benchLogger(b))}
}

func BenchmarkPassthroughOpenAI(b *testing.B) {
	stream := benchOpenAIStream()
	e := newBenchEnv(b, benchAnswers{json: benchOpenAIJSON, stream: stream}, benchAnswers{})
	for _, st := range []bool{false, true} {
		name, events := "json", 0
		if st {
			name, events = "stream", len(stream)
		}
		body := benchReq(benchOpenAIReq, "", st)
		b.Run(name, func(b *testing.B) {
			runTargets(b, events, []benchTarget{
				{"direct", e.up + "/v1/chat/completions", body},
				{"floor", e.floor + "/v1/chat/completions", body},
				{"switchyard", e.gw + "/v1/chat/completions", body},
			})
		})
	}
}

func BenchmarkPassthroughAnthropic(b *testing.B) {
	stream := benchAnthropicStream()
	e := newBenchEnv(b, benchAnswers{}, benchAnswers{json: benchAnthropicJSON, stream: stream})
	for _, st := range []bool{false, true} {
		name, events := "json", 0
		if st {
			name, events = "stream", len(stream)
		}
		body := benchReq(benchAnthropicReq, "", st)
		b.Run(name, func(b *testing.B) {
			runTargets(b, events, []benchTarget{
				{"direct", e.up + "/v1/messages", body},
				{"floor", e.floor + "/v1/messages", body},
				{"switchyard", e.gw + "/v1/messages", body},
			})
		})
	}
}

// BenchmarkConvertOToA is an OpenAI client in front of an Anthropic-format
// backend; BenchmarkConvertAToO the reverse. Beside direct and the floor,
// "passthrough" relays the very same upstream answer to a client of the
// upstream's own protocol, so convert − passthrough is what conversion adds.
// The stream is the convert package's 200-event bench stream (thinking,
// text, tool calls).
func BenchmarkConvertOToA(b *testing.B) {
	a200 := benchFileStream(b, "a2o-200.sse") // an Anthropic upstream stream
	e := newBenchEnv(b, benchAnswers{}, benchAnswers{json: benchAnthropicJSON, stream: a200})
	for _, st := range []bool{false, true} {
		name, events := "json", 0
		if st {
			name, events = "stream200", len(a200)
		}
		native := benchReq(benchAnthropicReq, "", st)
		conv := benchReq(benchOpenAIReq, "claude-sonnet-4-5", st)
		b.Run(name, func(b *testing.B) {
			runTargets(b, events, []benchTarget{
				{"direct", e.up + "/v1/messages", native},
				{"floor", e.floor + "/v1/messages", native},
				{"passthrough", e.gw + "/v1/messages", native},
				{"switchyard", e.gw + "/v1/chat/completions", conv},
			})
		})
	}
}

func BenchmarkConvertAToO(b *testing.B) {
	o200 := benchFileStream(b, "o2a-200.sse") // an OpenAI upstream stream
	e := newBenchEnv(b, benchAnswers{json: benchOpenAIJSON, stream: o200}, benchAnswers{})
	for _, st := range []bool{false, true} {
		name, events := "json", 0
		if st {
			name, events = "stream200", len(o200)
		}
		native := benchReq(benchOpenAIReq, "", st)
		conv := benchReq(benchAnthropicReq, "gpt-4.1", st)
		b.Run(name, func(b *testing.B) {
			runTargets(b, events, []benchTarget{
				{"direct", e.up + "/v1/chat/completions", native},
				{"floor", e.floor + "/v1/chat/completions", native},
				{"passthrough", e.gw + "/v1/chat/completions", native},
				{"switchyard", e.gw + "/v1/messages", conv},
			})
		})
	}
}

// ---- the handler alone ----

// benchTransport answers every upstream call from memory.
type benchTransport struct {
	openai, anthropic benchAnswers
	joined            map[*string]string // stream bodies, joined once
}

func newBenchTransport(openai, anthropic benchAnswers) *benchTransport {
	t := &benchTransport{openai: openai, anthropic: anthropic, joined: map[*string]string{}}
	for _, a := range []benchAnswers{openai, anthropic} {
		if len(a.stream) > 0 {
			t.joined[&a.stream[0]] = strings.Join(a.stream, "")
		}
	}
	return t
}

func (t *benchTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	a := t.openai
	if strings.HasSuffix(r.URL.Path, "/messages") {
		a = t.anthropic
	}
	resp := &http.Response{StatusCode: 200, Header: http.Header{}, Request: r, ProtoMajor: 1, ProtoMinor: 1}
	if bytes.Contains(body, []byte(`"stream":true`)) {
		resp.Header.Set("Content-Type", "text/event-stream")
		resp.Body = io.NopCloser(strings.NewReader(t.joined[&a.stream[0]]))
	} else {
		resp.Header.Set("Content-Type", "application/json")
		resp.Body = io.NopCloser(strings.NewReader(a.json))
	}
	return resp, nil
}

// benchServer builds a gateway (not listening) answered by benchTransport.
func benchServer(tb testing.TB, log *slog.Logger, openai, anthropic benchAnswers) *Server {
	cfg := config.Defaults()
	cfg.Listen = "127.0.0.1:7861"
	cfg.Backends = benchBackends("http://127.0.0.1:9")
	s, err := New(Options{Config: cfg, Logger: log, Version: "bench", Transport: newBenchTransport(openai, anthropic)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// benchRecorder is a minimal ResponseWriter + Flusher that keeps nothing.
type benchRecorder struct {
	h    http.Header
	code int
	n    int
}

func (r *benchRecorder) Header() http.Header         { return r.h }
func (r *benchRecorder) WriteHeader(code int)        { r.code = code }
func (r *benchRecorder) Write(p []byte) (int, error) { r.n += len(p); return len(p), nil }
func (r *benchRecorder) Flush()                      {}

func benchServe(tb testing.TB, h http.Handler, path, body string) int {
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:7861"+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = "127.0.0.1:40000"
	w := &benchRecorder{h: http.Header{}, code: 200}
	h.ServeHTTP(w, req)
	if w.code != 200 {
		tb.Fatalf("%s: status %d", path, w.code)
	}
	return w.n
}

// BenchmarkHandler is the gateway's own cost per request: guard, gin,
// routing, prepare, relay, logging; no sockets. The access log goes, as in
// `switchyard serve`, through a text handler to a file (/dev/null):
// log=buffered formats the same lines into a buffer (no write(2) per
// line), log=off discards them, to see what the log costs.
func BenchmarkHandler(b *testing.B) {
	oa := benchAnswers{json: benchOpenAIJSON, stream: benchOpenAIStream()}
	an := benchAnswers{json: benchAnthropicJSON, stream: benchAnthropicStream()}
	a200 := benchAnswers{json: benchAnthropicJSON, stream: benchFileStream(b, "a2o-200.sse")}
	o200 := benchAnswers{json: benchOpenAIJSON, stream: benchFileStream(b, "o2a-200.sse")}
	cases := []struct {
		name      string
		oa, an    benchAnswers
		path      string
		body      string
		events    int
		logToggle bool
	}{
		{"openai-json", oa, an, "/v1/chat/completions", benchReq(benchOpenAIReq, "", false), 0, true},
		{"openai-stream", oa, an, "/v1/chat/completions", benchReq(benchOpenAIReq, "", true), len(oa.stream), true},
		{"anthropic-json", oa, an, "/v1/messages", benchReq(benchAnthropicReq, "", false), 0, false},
		{"anthropic-stream", oa, an, "/v1/messages", benchReq(benchAnthropicReq, "", true), len(an.stream), false},
		{"o2a-json", oa, an, "/v1/chat/completions", benchReq(benchOpenAIReq, "claude-sonnet-4-5", false), 0, false},
		{"a2o-json", oa, an, "/v1/messages", benchReq(benchAnthropicReq, "gpt-4.1", false), 0, false},
		{"anthropic-stream200", oa, a200, "/v1/messages", benchReq(benchAnthropicReq, "", true), len(a200.stream), false},
		{"o2a-stream200", oa, a200, "/v1/chat/completions", benchReq(benchOpenAIReq, "claude-sonnet-4-5", true), len(a200.stream), false},
		{"openai-stream200", o200, an, "/v1/chat/completions", benchReq(benchOpenAIReq, "", true), len(o200.stream), false},
		{"a2o-stream200", o200, an, "/v1/messages", benchReq(benchAnthropicReq, "gpt-4.1", true), len(o200.stream), false},
		// A Responses client (Codex CLI) in front of an Anthropic or an
		// OpenAI backend: compare with anthropic-*/openai-* (same upstream
		// answer) for what the Responses conversion adds.
		{"r2a-json", oa, an, "/v1/responses", benchReq(benchResponsesReq, "", false), 0, false},
		{"r2a-stream", oa, an, "/v1/responses", benchReq(benchResponsesReq, "", true), len(an.stream), false},
		{"r2o-json", oa, an, "/v1/responses", benchReq(benchResponsesReq, "gpt-4.1", false), 0, false},
		{"r2o-stream", oa, an, "/v1/responses", benchReq(benchResponsesReq, "gpt-4.1", true), len(oa.stream), false},
		// A Gemini API client (Gemini CLI) in front of each: the model is
		// in the path, the stream form in the query.
		{"g2a-json", oa, an, "/v1beta/models/claude-sonnet-4-5:generateContent", benchGeminiReq, 0, false},
		{"g2a-stream", oa, an, "/v1beta/models/claude-sonnet-4-5:streamGenerateContent?alt=sse", benchGeminiReq, len(an.stream), false},
		{"g2o-json", oa, an, "/v1beta/models/gpt-4.1:generateContent", benchGeminiReq, 0, false},
		{"g2o-stream", oa, an, "/v1beta/models/gpt-4.1:streamGenerateContent?alt=sse", benchGeminiReq, len(oa.stream), false},
	}
	for _, c := range cases {
		logs := []string{"log=text"}
		if c.logToggle {
			logs = append(logs, "log=buffered", "log=off")
		}
		for _, lg := range logs {
			name := c.name
			if c.logToggle {
				name += "/" + lg
			}
			b.Run(name, func(b *testing.B) {
				log := benchLogger(b)
				switch lg {
				case "log=off":
					log = slog.New(slog.DiscardHandler)
				case "log=buffered": // what batching the writes would save
					bw := bufio.NewWriterSize(io.Discard, 64<<10)
					log = slog.New(slog.NewTextHandler(bw, &slog.HandlerOptions{Level: slog.LevelInfo}))
				}
				s := benchServer(b, log, c.oa, c.an)
				h := s.Handler()
				b.SetBytes(int64(benchServe(b, h, c.path, c.body)))
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					benchServe(b, h, c.path, c.body)
				}
				if c.events > 0 {
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*c.events), "ns/event")
				}
			})
		}
	}
}

// BenchmarkRouter is gin's dispatch against http.ServeMux for the hot
// routes, with a handler that does nothing: what the router alone costs.
func BenchmarkRouter(b *testing.B) {
	nop := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.Use(func(c *gin.Context) { c.Next() }) // like recoverer
	e.HandleMethodNotAllowed = true
	for _, p := range []string{"/v1", "/gateway/v1"} {
		e.POST(p+"/chat/completions", func(c *gin.Context) { nop(c.Writer, c.Request) })
		e.GET(p+"/models", func(c *gin.Context) { nop(c.Writer, c.Request) })
	}
	e.POST("/v1/messages", func(c *gin.Context) { nop(c.Writer, c.Request) })
	e.GET("/healthz", func(c *gin.Context) { nop(c.Writer, c.Request) })
	mux := http.NewServeMux()
	for _, p := range []string{"/v1", "/gateway/v1"} {
		mux.HandleFunc("POST "+p+"/chat/completions", nop)
		mux.HandleFunc("GET "+p+"/models", nop)
	}
	mux.HandleFunc("POST /v1/messages", nop)
	mux.HandleFunc("GET /healthz", nop)
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:7861/v1/chat/completions", nil)
	for _, r := range []struct {
		name string
		h    http.Handler
	}{{"gin", e}, {"servemux", mux}} {
		b.Run(r.name, func(b *testing.B) {
			w := &benchRecorder{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				r.h.ServeHTTP(w, req)
			}
		})
	}
}

// BenchmarkRoutingFields is the read of model/stream from a request body:
// a small chat request and an agent-sized one (~200 kB of history).
func BenchmarkRoutingFields(b *testing.B) {
	small := []byte(benchReq(benchOpenAIReq, "", true))
	var msgs []map[string]any
	for i := 0; len(mustMarshal(msgs)) < 200<<10; i++ {
		msgs = append(msgs, map[string]any{"role": "user", "content": strings.Repeat("lorem ipsum \"dolor\" sit amet, é ünïcode ✓ ", 20)},
			map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{"id": "call_" + strconv.Itoa(i), "type": "function",
				"function": map[string]any{"name": "read_file", "arguments": `{"path":"src/main.go","lines":[1,2,3]}`}}}})
	}
	big := mustMarshal(map[string]any{"messages": msgs, "tools": []any{map[string]any{"type": "function"}}, "model": "gpt-4.1", "stream": true, "stream_options": map[string]any{"include_usage": true}})
	for _, c := range []struct {
		name string
		body []byte
	}{{"small", small}, {"200kB", big}} {
		b.Run(c.name+"/unmarshal", func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				var f passthrough.Fields
				if err := json.Unmarshal(c.body, &f); err != nil || f.Model == "" {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/scan", func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				if f, ok := passthrough.ScanFields(c.body); !ok || f.Model == "" {
					b.Fatal("scan failed")
				}
			}
		})
		b.Run(c.name+"/withModel", func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := protocols.WithModel(c.body, "gpt-4.1-2025-04-14"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/valid", func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				if !json.Valid(c.body) {
					b.Fatal("invalid")
				}
			}
		})
	}
}

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// BenchmarkConvertResponses is a Responses API client (Codex CLI) in front
// of an Anthropic-format backend, beside an Anthropic client getting the
// same upstream answer untouched ("passthrough"): the difference is what
// the Responses conversion adds, request and answer.
func BenchmarkConvertResponses(b *testing.B) {
	stream := benchAnthropicStream()
	e := newBenchEnv(b, benchAnswers{}, benchAnswers{json: benchAnthropicJSON, stream: stream})
	for _, st := range []bool{false, true} {
		name, events := "json", 0
		if st {
			name, events = "stream", len(stream)
		}
		b.Run(name, func(b *testing.B) {
			runTargets(b, events, []benchTarget{
				{"passthrough", e.gw + "/v1/messages", benchReq(benchAnthropicReq, "", st)},
				{"switchyard", e.gw + "/v1/responses", benchReq(benchResponsesReq, "", st)},
			})
		})
	}
}
