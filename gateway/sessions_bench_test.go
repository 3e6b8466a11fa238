package gateway

import (
	"fmt"
	"log/slog"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"switchyard/gateway/config"
	"switchyard/gateway/protocols"
	"switchyard/gateway/route"
)

// BenchmarkAffinityHandler is the whole handler (as BenchmarkHandler's
// anthropic-json) from 32 clients at once, each request a turn of one of
// 1000 conversations with an 8 kB system prompt, with session affinity on
// and off: the difference is what affinity adds per request (key
// derivation, pin lookup, pinned plan, pin update with the key's
// fingerprint). The store alone: session.BenchmarkAffinity.
func BenchmarkAffinityHandler(b *testing.B) {
	sys := strings.Repeat("You are a careful coding agent. ", 256)
	bodies := make([]string, 1000)
	for i := range bodies {
		bodies[i] = fmt.Sprintf(`{"model":"claude-sonnet-4-5","max_tokens":256,"system":%q,"messages":[{"role":"user","content":"task %d"},{"role":"assistant","content":"ok"},{"role":"user","content":"go on"}]}`, sys, i)
	}
	an := benchAnswers{json: benchAnthropicJSON, stream: benchAnthropicStream()}
	oa := benchAnswers{json: benchOpenAIJSON, stream: benchOpenAIStream()}
	for _, on := range []bool{true, false} {
		b.Run(fmt.Sprintf("sessions=%v", on), func(b *testing.B) {
			cfg := config.Defaults()
			cfg.Listen = "127.0.0.1:7861"
			cfg.Backends = benchBackends("http://127.0.0.1:9")
			cfg.Sessions.Enabled = on
			s, err := New(Options{Config: cfg, Logger: slog.New(slog.DiscardHandler), Version: "bench", Transport: newBenchTransport(oa, an)})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(s.Close)
			h := s.Handler()
			var next atomic.Int64
			b.SetParallelism(32 / max(1, runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(7919))
				for pb.Next() {
					i++
					benchServe(b, h, "/v1/messages", bodies[i%len(bodies)])
				}
			})
		})
	}
}

// BenchmarkAffinitySteps is the part of a request that affinity changes,
// from 32 clients at once over 1000 conversations (8 kB system prompt):
// sessions=true derives the key, looks up the pin, makes the pinned plan,
// runs its first attempt to OK and moves the pin (with the key's
// fingerprint); sessions=false makes the usual plan and runs its first
// attempt to OK. The difference is affinity's cost per request, measured
// without the noise of the whole handler (BenchmarkAffinityHandler).
func BenchmarkAffinitySteps(b *testing.B) {
	sys := strings.Repeat("You are a careful coding agent. ", 256)
	for _, on := range []bool{true, false} {
		b.Run(fmt.Sprintf("sessions=%v", on), func(b *testing.B) {
			cfg := config.Defaults()
			cfg.Listen = "127.0.0.1:7861"
			cfg.Backends = benchBackends("http://127.0.0.1:9")
			cfg.Sessions.Enabled = on
			s, err := New(Options{Config: cfg, Logger: slog.New(slog.DiscardHandler), Version: "bench", Getenv: func(k string) string {
				if strings.HasSuffix(k, "_API_KEYS") {
					return "sk-bench-key-0000,sk-bench-key-1111"
				}
				return ""
			}})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(s.Close)
			ins := make([]protocols.Inbound, 1000)
			for i := range ins {
				body := fmt.Sprintf(`{"model":"claude-sonnet-4-5","max_tokens":256,"system":%q,"messages":[{"role":"user","content":"task %d"},{"role":"assistant","content":"ok"},{"role":"user","content":"go on"}]}`, sys, i)
				r := httptest.NewRequest("POST", "/v1/messages", strings.NewReader(body))
				in, aerr := protocols.Read(httptest.NewRecorder(), r, protocols.Anthropic)
				if aerr != nil {
					b.Fatal(aerr.Message)
				}
				ins[i] = *in
			}
			ttl := cfg.Sessions.CacheTTL
			var next atomic.Int64
			b.SetParallelism(32 / max(1, runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(7919))
				for pb.Next() {
					i++
					in := ins[i%len(ins)] // a fresh copy: the key is derived per request
					sess := s.sessionOf(&in)
					p := s.planFor(&in, sess, ttl)
					a, ok := p.Next()
					if !ok {
						b.Fatal("no attempt")
					}
					rec := &record{plan: p, a: a, sess: sess}
					rec.done(outcome{class: route.OK})
				}
			})
		})
	}
}
