package gateway_test

// A bounded soak (docs/hardening.md §6 figures 1 and 6, F7): a few thousand
// mixed requests through three backends whose upstreams fail at random
// before the first byte, with random client aborts. Not -short.

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchyard/gateway"
	"switchyard/gateway/clock"
	"switchyard/gateway/config"
)

// fxChaosTransport is the gateway's upstream transport with connection
// refusals injected: a chosen fraction of attempts to the flaky hosts is
// sent to a port where nothing listens, so the kernel refuses it.
type fxChaosTransport struct {
	inner   *http.Transport
	flaky   map[string]bool
	dead    string
	p       float64
	refused atomic.Int64
}

func (c *fxChaosTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if c.flaky[req.URL.Host] && rand.Float64() < c.p {
		c.refused.Add(1)
		r2 := req.Clone(req.Context())
		r2.URL.Host = c.dead
		r2.Host = ""
		return c.inner.RoundTrip(r2)
	}
	return c.inner.RoundTrip(req)
}

func (c *fxChaosTransport) CloseIdleConnections() { c.inner.CloseIdleConnections() }

// fxFastClock runs the routing clock 1000× fast, so cooldowns (5s → 5ms)
// end during the soak and the faulty backends keep being tried.
type fxFastClock struct {
	start time.Time
}

func (c fxFastClock) Now() time.Time { return c.start.Add(time.Since(c.start) * 1000) }

// AfterFunc keeps the real pace: only cooldowns run fast.
func (c fxFastClock) AfterFunc(d time.Duration, f func()) clock.Timer {
	return clock.Real.AfterFunc(d, f)
}

// fxSoakFaults counts what the flaky upstreams injected.
type fxSoakFaults struct {
	http500, reset, errAfter200, hang, http429, closed atomic.Int64
}

func (f *fxSoakFaults) total() int64 {
	return f.http500.Load() + f.reset.Load() + f.errAfter200.Load() + f.hang.Load() + f.http429.Load() + f.closed.Load()
}

// fxFlaky answers like fxAnswer, except that a fraction p of attempts
// fail before the first byte in one of six ways.
func fxFlaky(name string, p float64, f *fxSoakFaults) func(*fxUp) http.HandlerFunc {
	return func(u *fxUp) http.HandlerFunc {
		ok := fxAnswer(name)
		return func(w http.ResponseWriter, r *http.Request) {
			if rand.Float64() >= p {
				ok(w, r)
				return
			}
			in, wf := fxInfo(r), fxFormat(r)
			switch rand.IntN(6) {
			case 0:
				f.http500.Add(1)
				status(500)(w, r)
			case 1:
				f.reset.Add(1)
				c, _ := fxHijack(w)
				fxReset(c)
			case 2:
				f.errAfter200.Add(1)
				if in.Stream {
					fxBeginSSE(w)
					fxWrite(w, fxFraming(wf, in.Model)+fxErrorEv(wf, "Overloaded"))
				} else {
					w.Header().Set("Content-Type", "application/json")
					io.WriteString(w, `{"error":{"message":"overloaded","type":"server_error"}}`)
				}
			case 3:
				f.hang.Add(1)
				select { // hangs past the gateway's timeouts (300ms / 1s), briefly
				case <-r.Context().Done():
					u.cancelled.Add(1)
				case <-time.After(5 * time.Second):
				}
			case 4:
				f.http429.Add(1)
				w.Header().Set("Retry-After", "1")
				status(429)(w, r)
			default:
				f.closed.Add(1)
				c, _ := fxHijack(w)
				c.Close()
			}
		}
	}
}

type fxSoakStats struct {
	requests, ok, aborted, lost int64
	attempts, refused           int64
	faults                      *fxSoakFaults
	cancelled                   int64
	latencies                   []time.Duration
	byBackend                   map[string]int64
	wall                        time.Duration
	firstLost                   string
}

// TestSoakFailoverUnderFaults: 16 workers send mixed requests (stream and
// not, OpenAI and Anthropic SDKs) for a bounded time through three
// backends; two of them fail ~30% of attempts before the first byte
// (refused, 500, reset, close, 200-then-error, hang, 429), the third is
// always healthy; ~5% of requests are aborted by the client. Every request
// not aborted must get a clean 200 with the right content, and goroutines
// and file descriptors must return to baseline.
func TestSoakFailoverUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("soak: not in -short")
	}
	runtime.GC()
	g0, fd0 := runtime.NumGoroutine(), fxOpenFDs()
	var st fxSoakStats
	t.Run("load", func(t *testing.T) { st = fxSoak(t, 10*time.Second, 4000) })
	if t.Failed() {
		return
	}
	// Everything the load created is closed: goroutines and fds come back.
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	g1, fd1 := 0, 0
	back := fxEventually(5*time.Second, func() bool {
		g1, fd1 = runtime.NumGoroutine(), fxOpenFDs()
		return g1 <= g0+5 && fd1 <= fd0+5
	})

	slices.Sort(st.latencies)
	pct := func(p float64) time.Duration {
		if len(st.latencies) == 0 {
			return 0
		}
		return st.latencies[min(len(st.latencies)-1, int(float64(len(st.latencies))*p))]
	}
	f := st.faults
	t.Logf("soak: %d requests in %v (%.0f req/s), 16 workers; %d ok, %d aborted by the client, %d lost",
		st.requests, st.wall.Round(time.Millisecond), float64(st.requests)/st.wall.Seconds(), st.ok, st.aborted, st.lost)
	t.Logf("soak: %d upstream attempts = %.2f attempts/request; faults injected %d (refused %d, 500 %d, reset %d, close %d, 200-then-error %d, hang %d, 429 %d); hung attempts cancelled %d",
		st.attempts, float64(st.attempts)/float64(st.requests), f.total()+st.refused, st.refused, f.http500.Load(), f.reset.Load(), f.closed.Load(), f.errAfter200.Load(), f.hang.Load(), f.http429.Load(), st.cancelled)
	t.Logf("soak: answered by %v; latency of ok requests p50 %v p90 %v p99 %v max %v",
		st.byBackend, pct(0.50).Round(time.Microsecond*100), pct(0.90).Round(time.Microsecond*100), pct(0.99).Round(time.Microsecond*100), pct(1).Round(time.Millisecond))
	t.Logf("soak: goroutines %d before, %d after; open fds %d before, %d after", g0, g1, fd0, fd1)
	if st.lost != 0 {
		t.Errorf("%d requests lost although a healthy backend was always there; first: %s", st.lost, st.firstLost)
	}
	if st.requests < 1000 {
		t.Errorf("only %d requests in the soak", st.requests)
	}
	if f.total()+st.refused < 100 {
		t.Errorf("only %d faults injected: the soak did not exercise failover", f.total()+st.refused)
	}
	if !back {
		t.Errorf("goroutines %d → %d, fds %d → %d: not back to baseline (+5)", g0, g1, fd0, fd1)
	}
}

func fxSoak(t *testing.T, budget time.Duration, maxRequests int64) fxSoakStats {
	faults := &fxSoakFaults{}
	u1 := fxNewUp(t, fxFlaky("b1", 0.25, faults))
	u2 := fxNewUp(t, fxFlaky("b2", 0.25, faults))
	u3 := fxNewUp(t, func(*fxUp) http.HandlerFunc { return fxAnswer("b3") })
	chaos := &fxChaosTransport{
		inner: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true},
		flaky: map[string]bool{fxHostOf(u1.URL): true, fxHostOf(u2.URL): true},
		dead:  fxHostOf(deadURL(t)),
		p:     0.07,
	}
	t.Cleanup(chaos.CloseIdleConnections)
	b1 := backend("b1", 1, config.FormatOpenAI, u1.URL)
	b1.MaxRetries = 1
	b1.Timeout = 300 * time.Millisecond
	b2 := backend("b2", 2, config.FormatAnthropic, u2.URL)
	b2.Timeout = 300 * time.Millisecond
	b3 := backend("b3", 3, config.FormatOpenAI, u3.URL)
	// The first-byte timeout is global: 1s keeps the always-healthy b3
	// clear of it on a loaded machine; non-stream hangs on b1/b2 resolve
	// at their 300ms call timeout, stream hangs at 1s.
	g := startGateway(t, []config.Backend{b1, b2, b3}, fxTimeouts(time.Second, 2*time.Second),
		fxOpt(func(o *gateway.Options) { o.Clock = fxFastClock{start: time.Now()}; o.Transport = chaos }),
		withStateDir(t.TempDir()), withoutSessions()) // failover per request: every worker sends the same conversation
	ct := &http.Transport{MaxIdleConnsPerHost: 32, DisableCompression: true}
	t.Cleanup(ct.CloseIdleConnections)
	hc := &http.Client{Transport: ct}

	var (
		mu    sync.Mutex
		st    = fxSoakStats{faults: faults, byBackend: map[string]int64{}}
		n     atomic.Int64
		wg    sync.WaitGroup
		start = time.Now()
	)
	deadline := start.Add(budget)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && n.Add(1) <= maxRequests {
				p, stream := fxProto(rand.IntN(2)), rand.IntN(2) == 0
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				abort := rand.Float64() < 0.05
				if abort {
					d := time.Duration(rand.IntN(30)) * time.Millisecond
					time.AfterFunc(d, cancel)
				}
				res := fxAsk(ctx, g, hc, p, stream, "soak-model", "k", nil)
				aborted := ctx.Err() == context.Canceled
				cancel()
				mu.Lock()
				st.requests++
				switch {
				case aborted:
					st.aborted++
				case res.Err == nil && strings.HasPrefix(res.Text, "hello from b") && len(res.Text) == len("hello from b1"):
					st.ok++
					st.byBackend[res.Text[len("hello from "):]]++
					st.latencies = append(st.latencies, res.Elapsed)
				default:
					st.lost++
					if st.firstLost == "" {
						st.firstLost = fmt.Sprintf("%s stream=%v: text %q err %v", p, stream, res.Text, res.Err)
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	st.wall = time.Since(start)
	st.refused = chaos.refused.Load()
	st.attempts = u1.count.Load() + u2.count.Load() + u3.count.Load() + st.refused
	st.cancelled = u1.cancelled.Load() + u2.cancelled.Load()
	return st
}
