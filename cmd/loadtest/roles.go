package main

// The child-process roles: the fake upstream, the floor (a bare
// httputil.ReverseProxy) and the gateway. Each listens on 127.0.0.1:0,
// prints "READY <addr>" on stdout, and exits when its stdin closes (so a
// killed parent never leaves children behind) or on SIGTERM.

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"switchyard/gateway"
	"switchyard/gateway/config"
)

// The small chat completion of docs/performance.md: a ~280 B answer, or a
// stream of 7 SSE events (~1.1 kB).
const upstreamJSON = `{"id":"chatcmpl-bench0000000000000000000001","object":"chat.completion","created":1747900000,"model":"gpt-4.1-2025-04-14","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29}}`

const chunkHead = `{"id":"chatcmpl-bench0000000000000000000001","object":"chat.completion.chunk","created":1747900000,"model":"gpt-4.1-2025-04-14","system_fingerprint":"fp_bench","choices":[{"index":0,"delta":`

func chunk(delta, finish string) []byte {
	return []byte("data: " + chunkHead + delta + `,"logprobs":null,"finish_reason":` + finish + "}]}\n\n")
}

var (
	roleChunk   = chunk(`{"role":"assistant","content":""}`, "null")
	finishChunk = chunk(`{}`, `"stop"`)
	doneEvent   = []byte("data: [DONE]\n\n")
)

// The Anthropic answers: the same text, ~280 B as JSON, 7 events as a
// stream.
const upstreamMsgJSON = `{"id":"msg_01BenchBenchBenchBench0001","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Hello! How can I help you today?"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":19,"output_tokens":10}}`

func upstreamMsgStream() [][]byte {
	evs := [][2]string{
		{"message_start", `{"type":"message_start","message":{"id":"msg_01BenchBenchBenchBench0001","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":19,"output_tokens":1}}}`},
		{"content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`},
		{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello! How can"}}`},
		{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" I help you today?"}}`},
		{"content_block_stop", `{"type":"content_block_stop","index":0}`},
		{"message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":10}}`},
		{"message_stop", `{"type":"message_stop"}`},
	}
	out := make([][]byte, len(evs))
	for i, e := range evs {
		out[i] = []byte("event: " + e[0] + "\ndata: " + e[1] + "\n\n")
	}
	return out
}

func upstreamStream() [][]byte {
	evs := [][]byte{roleChunk}
	for _, p := range []string{"Hello!", " How can", " I help you", " today?"} {
		evs = append(evs, chunk(`{"content":`+strconv.Quote(p)+`}`, "null"))
	}
	return append(evs, finishChunk, doneEvent)
}

// serveRole runs h on a loopback listener until stdin closes or a signal.
func serveRole(h http.Handler) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	go srv.Serve(ln)
	fmt.Printf("READY %s\n", ln.Addr())
	waitForEnd()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
}

// waitForEnd returns when stdin reaches EOF (the parent is gone or done)
// or a SIGTERM/SIGINT arrives.
func waitForEnd() {
	done := make(chan struct{}, 2)
	go func() {
		io.Copy(io.Discard, bufio.NewReader(os.Stdin))
		done <- struct{}{}
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		done <- struct{}{}
	}()
	<-done
}

// runUpstream is the fake OpenAI upstream. A model name containing
// "-long" asks for the long stream: one role chunk, then -long-events
// content chunks -long-interval apart, each carrying its send time in
// Unix nanoseconds as its content, then the finish and [DONE].
func runUpstream(args []string) {
	fs := flag.NewFlagSet("upstream", flag.ExitOnError)
	longEvents := fs.Int("long-events", 50, "content events in a long stream")
	longInterval := fs.Duration("long-interval", 100*time.Millisecond, "time between long-stream events")
	fs.Parse(args)
	short, msgShort := upstreamStream(), upstreamMsgStream()
	serveRole(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		anthropic := strings.HasSuffix(r.URL.Path, "/messages")
		if !bytes.Contains(body, []byte(`"stream":true`)) {
			answer := upstreamJSON
			if anthropic {
				answer = upstreamMsgJSON
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
			io.WriteString(w, answer)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		fl := w.(http.Flusher)
		if anthropic || !bytes.Contains(body, []byte(`-long"`)) {
			evs := short
			if anthropic {
				evs = msgShort
			}
			for _, ev := range evs {
				w.Write(ev)
				fl.Flush()
			}
			return
		}
		w.Write(roleChunk)
		fl.Flush()
		start := time.Now()
		buf := make([]byte, 0, 512)
		for i := 1; i <= *longEvents; i++ {
			next := start.Add(time.Duration(i) * *longInterval)
			select {
			case <-time.After(time.Until(next)):
			case <-r.Context().Done():
				return
			}
			buf = append(buf[:0], "data: "...)
			buf = append(buf, chunkHead...)
			buf = append(buf, `{"content":"`...)
			buf = strconv.AppendInt(buf, time.Now().UnixNano(), 10)
			buf = append(buf, `"},"logprobs":null,"finish_reason":null}]}`+"\n\n"...)
			if _, err := w.Write(buf); err != nil {
				return
			}
			fl.Flush()
		}
		w.Write(finishChunk)
		w.Write(doneEvent)
		fl.Flush()
	}))
}

// runFloor is the floor: a bare httputil.ReverseProxy with FlushInterval
// -1 and a tuned transport. It reads the (small) request body before
// proxying, as every gateway must anyway: passing it straight through ends
// fast SSE replies in "unexpected EOF" now and then (golang/go#40747).
func runFloor(args []string) {
	fs := flag.NewFlagSet("floor", flag.ExitOnError)
	upstream := fs.String("upstream", "", "upstream base URL")
	fs.Parse(args)
	u, err := url.Parse(*upstream)
	if err != nil || *upstream == "" {
		fatal(fmt.Errorf("floor: -upstream: %v", err))
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.FlushInterval = -1
	rp.Transport = &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        2048,
		MaxIdleConnsPerHost: 2048,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	rp.ErrorLog = nil
	serveRole(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 32<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		rp.ServeHTTP(w, r)
	}))
}

// gatewayEnv is the environment that points the stock configuration at
// the fake upstream: the "copilot" preset (OpenAI format, model rule "*")
// and the "anyrouter" one (Anthropic format, rule "claude | …", with a
// dummy key since it needs one) have the upstream as their base URL; the
// other presets are off. So "gpt-4.1" goes to copilot and
// "claude-sonnet-4-5-20250929" (which no alias renames) to anyrouter. The
// same variables drive a real `switchyard serve` (-gateway PATH).
func gatewayEnv(upstream string) map[string]string {
	return map[string]string{
		"COPILOT_BASE_URLS":   upstream + "/v1",
		"ANYROUTER_BASE_URLS": upstream,
		"ANYROUTER_API_KEYS":  "sk-loadtest-dummy-key",
		"ANTIGRAVITY_ENABLED": "false",
		"KIRO_ENABLED":        "false",
	}
}

// runGateway is Switchyard as `switchyard serve` builds it (stock config
// plus environment overrides, a text logger at info level on stderr, a
// state directory), minus the OS keychain probe: the keychain is absent
// here, which serve handles the same way (keys from the environment only).
func runGateway(args []string) {
	fs := flag.NewFlagSet("gateway", flag.ExitOnError)
	upstream := fs.String("upstream", "", "upstream base URL")
	stateDir := fs.String("state", "", "state directory")
	maxInFlight := fs.Int("max-in-flight", 0, "gateway.Options.MaxInFlight (0 = the gateway's default)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the gateway process to this file")
	usageDB := fs.String("usage-db", "", "usage accounting's database (\"\" = accounting off)")
	fs.Parse(args)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fatal(err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatal(err)
	}
	env := gatewayEnv(*upstream)
	env[config.EnvAddr] = ln.Addr().String()
	getenv := func(k string) string { return env[k] }
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s, err := gateway.New(gateway.Options{Config: config.Defaults(), Getenv: getenv, StateDir: *stateDir,
		Logger: log, Version: "loadtest", MaxInFlight: *maxInFlight, UsageDB: *usageDB})
	if err != nil {
		fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln, 5*time.Second) }()
	fmt.Printf("READY %s\n", ln.Addr())
	waitForEnd()
	cancel()
	<-done
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loadtest:", strings.TrimSpace(err.Error()))
	os.Exit(1)
}
