package gateway_test

// Cooldowns, retry bounds, overload shedding and the local-attack
// defences, end to end over real loopback sockets (docs/hardening.md F4, F5,
// R1–R3, S2–S6).

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"

	"switchyard/gateway"
	"switchyard/gateway/clock/clocktest"
	"switchyard/gateway/config"
	"switchyard/gateway/route"
	"switchyard/gateway/usage"
)

// ---- helpers ----

// fxDials counts the gateway's outbound connection attempts per address.
type fxDials struct {
	mu sync.Mutex
	n  map[string]int
}

func (d *fxDials) get(addr string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n[addr]
}

// fxCountingTransport is an upstream transport whose dialer counts every
// connection attempt (refused ones included).
func fxCountingTransport(t *testing.T) (*http.Transport, *fxDials) {
	d := &fxDials{n: map[string]int{}}
	dialer := &net.Dialer{Timeout: 2 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			d.mu.Lock()
			d.n[addr]++
			d.mu.Unlock()
			return dialer.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 16,
		DisableCompression:  true,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return tr, d
}

func fxHostOf(u string) string { return strings.TrimPrefix(u, "http://") }

func fxBackendStatus(t *testing.T, st gateway.Status, id string) gateway.BackendStatus {
	t.Helper()
	for _, b := range st.Backends {
		if b.ID == id {
			return b
		}
	}
	t.Fatalf("no backend %q in status", id)
	return gateway.BackendStatus{}
}

// fxModal is an upstream whose behaviour can be switched at run time.
type fxModal struct {
	*fxUp
	mode atomic.Int32 // 0 answer, 1 = 429 Retry-After 2, 2 = 503
}

func fxNewModal(t *testing.T, name string) *fxModal {
	m := &fxModal{}
	m.fxUp = fxNewUp(t, func(*fxUp) http.HandlerFunc {
		ok := fxAnswer(name)
		return func(w http.ResponseWriter, r *http.Request) {
			switch m.mode.Load() {
			case 1:
				w.Header().Set("Retry-After", "2")
				status(429)(w, r)
			case 2:
				status(503)(w, r)
			default:
				ok(w, r)
			}
		}
	})
	return m
}

func fxChat(t *testing.T, g *gw, stream bool) (string, error) {
	t.Helper()
	res := fxAsk(context.Background(), g, http.DefaultClient, fxOpenAI, stream, "m", "k", nil)
	return res.Text, res.Err
}

// ---- cooldowns ----

// TestCooldownEndToEnd: a dead backend (connection refused) is tried once,
// then gets 0 connection attempts for its cooldown while /api/status shows
// it cooling with cooldown_until; when the cooldown ends exactly one probe
// goes out (even under concurrent requests); once it answers again it is
// back in rotation. A 429 with Retry-After: 2 cools the pair for exactly
// 2s. When every backend is cooling, the request is still tried.
func TestCooldownEndToEnd(t *testing.T) {
	clk := clocktest.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	tr, dials := fxCountingTransport(t)
	aURL := deadURL(t)
	aAddr := fxHostOf(aURL)
	b := fxNewModal(t, "b")
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, aURL), backend("b", 2, config.FormatOpenAI, b.URL)},
		fxOpt(func(o *gateway.Options) { o.Clock = clk; o.Transport = tr }))

	// 1. Tried once, refused, answered by b.
	if text, err := fxChat(t, g, false); err != nil || text != "hello from b" {
		t.Fatalf("first request: %q %v", text, err)
	}
	if n := dials.get(aAddr); n != 1 {
		t.Fatalf("dials to the dead backend: %d, want 1", n)
	}
	ep := fxBackendStatus(t, g.status(t), "a").Endpoints[0]
	if ep.State != "cooling" || ep.CooldownUntil == nil || !ep.CooldownUntil.Equal(clk.Now().Add(route.TransientBase)) ||
		ep.LastError == nil || *ep.LastError != "connection refused" {
		t.Fatalf("dead endpoint in status: %+v", ep)
	}
	if st := fxBackendStatus(t, g.status(t), "a"); st.State != "cooling" {
		t.Fatalf("backend state %q, want cooling", st.State)
	}

	// 2. During the cooldown: skipped without a connection attempt.
	for i := 0; i < 6; i++ {
		if text, err := fxChat(t, g, i%2 == 0); err != nil || text != "hello from b" {
			t.Fatalf("request during cooldown: %q %v", text, err)
		}
		clk.Advance(route.TransientBase / 10)
	}
	if n := dials.get(aAddr); n != 1 {
		t.Fatalf("the cooling backend got %d new connection attempts, want 0", n-1)
	}

	// 3. Cooldown over: 8 concurrent requests send exactly one probe.
	clk.Advance(route.TransientBase)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := fxAsk(context.Background(), g, http.DefaultClient, fxOpenAI, false, "m", "k", nil)
			if res.Err != nil || res.Text != "hello from b" {
				errs <- fmt.Errorf("%q %v", res.Text, res.Err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := dials.get(aAddr); n != 2 {
		t.Fatalf("connection attempts after the cooldown: %d, want exactly one probe", n-1)
	}
	ep = fxBackendStatus(t, g.status(t), "a").Endpoints[0]
	if ep.State != "cooling" || ep.CooldownUntil == nil || !ep.CooldownUntil.Equal(clk.Now().Add(2*route.TransientBase)) {
		t.Fatalf("a failed probe should double the cooldown: %+v", ep)
	}

	// 4. The backend comes back: after the cooldown one probe, then it
	//    serves again (it has priority).
	ln, err := net.Listen("tcp", aAddr)
	if err != nil {
		t.Skipf("cannot reopen the dead port to revive the backend: %v", err)
	}
	var aCount atomic.Int64
	var aMode atomic.Int32 // as fxModal.mode
	a := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		aCount.Add(1)
		switch aMode.Load() {
		case 1:
			w.Header().Set("Retry-After", "2")
			status(429)(w, r)
		case 2:
			status(503)(w, r)
		default:
			fxAnswer("a")(w, r)
		}
	}))
	a.Listener.Close()
	a.Listener = ln
	a.Start()
	t.Cleanup(a.Close)
	if text, _ := fxChat(t, g, false); text != "hello from b" || aCount.Load() != 0 {
		t.Fatalf("still cooling: got %q, a saw %d requests", text, aCount.Load())
	}
	clk.Advance(2 * route.TransientBase)
	if text, err := fxChat(t, g, true); err != nil || text != "hello from a" || aCount.Load() != 1 {
		t.Fatalf("probe after recovery: %q %v (a saw %d)", text, err, aCount.Load())
	}
	// The outcome is recorded before the answer's last bytes leave.
	if ep2 := fxBackendStatus(t, g.status(t), "a").Endpoints[0]; ep2.State != "ok" || ep2.CooldownUntil != nil {
		t.Fatalf("recovered endpoint %+v", ep2)
	}

	// 5. 429 with Retry-After: 2 cools the pair for 2s, not the default.
	aMode.Store(1)
	if text, err := fxChat(t, g, false); err != nil || text != "hello from b" {
		t.Fatalf("429: %q %v", text, err)
	}
	ep = fxBackendStatus(t, g.status(t), "a").Endpoints[0]
	if ep.State != "cooling" || ep.CooldownUntil == nil || !ep.CooldownUntil.Equal(clk.Now().Add(2*time.Second)) {
		t.Fatalf("after 429 Retry-After 2: %+v (now %v)", ep, clk.Now())
	}
	aMode.Store(0)
	before := aCount.Load()
	clk.Advance(time.Second)
	if text, _ := fxChat(t, g, false); text != "hello from b" || aCount.Load() != before {
		t.Fatalf("1s into a 2s Retry-After: %q, a saw %d new requests", text, aCount.Load()-before)
	}
	clk.Advance(time.Second + time.Millisecond)
	if text, _ := fxChat(t, g, false); text != "hello from a" || aCount.Load() != before+1 {
		t.Fatalf("after Retry-After: %q, a saw %d new requests", text, aCount.Load()-before)
	}
	if fxBackendStatus(t, g.status(t), "a").Endpoints[0].State != "ok" {
		t.Fatal("the answered probe was not recorded")
	}

	// 6. Every backend cooling: the request is still tried, in order.
	aMode.Store(2)
	b.mode.Store(2)
	if _, err := fxChat(t, g, false); err == nil {
		t.Fatal("all backends 503: want an error")
	}
	st := g.status(t)
	for _, id := range []string{"a", "b"} {
		if s := fxBackendStatus(t, st, id); s.State != "cooling" {
			t.Fatalf("%s: %q, want cooling", id, s.State)
		}
	}
	b.mode.Store(0)
	a0, b0 := aCount.Load(), b.count.Load()
	if text, err := fxChat(t, g, false); err != nil || text != "hello from b" {
		t.Fatalf("all cooling: %q %v; want the request tried anyway", text, err)
	}
	if aCount.Load()-a0 != 1 || b.count.Load()-b0 != 1 {
		t.Fatalf("all cooling: a %d, b %d new requests; want 1 and 1", aCount.Load()-a0, b.count.Load()-b0)
	}
}

// ---- retry bounds and overload ----

// TestNoRetryStormWhenAllDown: every backend answers 503. Each client
// request makes at most one attempt per (URL, key) pair — including while
// everything is cooling and requests are tried anyway — with max_retries
// 0 and with the default max_retries 1 (whose same-pair retry is for a
// blip on a healthy pair, not for one already known down).
func TestNoRetryStormWhenAllDown(t *testing.T) {
	for _, retries := range []int{0, 1} {
		t.Run(fmt.Sprintf("max_retries=%d", retries), func(t *testing.T) {
			var ups []*fxUp
			mk := func() *fxUp {
				u := fxNewUp(t, func(*fxUp) http.HandlerFunc { return status(503) })
				ups = append(ups, u)
				return u
			}
			a := backend("a", 1, config.FormatOpenAI, mk().URL, mk().URL) // 2 URLs × 2 keys
			bb := backend("b", 2, config.FormatAnthropic, mk().URL)
			c := backend("c", 3, config.FormatOpenAI, mk().URL)
			for _, x := range []*config.Backend{&a, &bb, &c} {
				x.MaxRetries = retries
			}
			const pairs = 6
			g := startGateway(t, []config.Backend{a, bb, c}, withEnv("A_API_KEYS", "key-a-1111,key-a-2222"))
			total := func() int64 {
				var n int64
				for _, u := range ups {
					n += u.count.Load()
				}
				return n
			}
			const n = 24
			maxPer, first := int64(0), int64(0)
			for i := 0; i < n; i++ {
				before := total()
				res := fxAsk(context.Background(), g, http.DefaultClient, fxProto(i%2), i%3 == 0, "m", "k", nil)
				if res.Err == nil {
					t.Fatal("all down: want an error")
				}
				d := total() - before
				if i == 0 {
					first = d
					continue
				}
				maxPer = max(maxPer, d)
			}
			// A burst of 16 concurrent requests while everything cools.
			before := total()
			var wg sync.WaitGroup
			for i := 0; i < 16; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					fxAsk(context.Background(), g, http.DefaultClient, fxOpenAI, false, "m", "k", nil)
				}()
			}
			wg.Wait()
			burst := total() - before
			ratio := float64(total()) / float64(n+16)
			t.Logf("all backends 503, %d pairs, max_retries %d: first request %d attempts, later ≤ %d per request, burst of 16: %d attempts; overall %.2f attempts/request",
				pairs, retries, first, maxPer, burst, ratio)
			if first > int64(pairs*(1+retries)) {
				t.Fatalf("first request: %d attempts > %d pairs × %d tries", first, pairs, 1+retries)
			}
			if maxPer > pairs || burst > 16*pairs {
				t.Fatalf("a request made %d attempts (burst %d): more than one per pair (%d)", maxPer, burst, pairs)
			}
		})
	}
}

// TestMaxInFlightShedsFast: past MaxInFlight, requests get 503 (an
// overloaded_error for Anthropic clients) with Retry-After at once, and
// never reach an upstream.
func TestMaxInFlightShedsFast(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 4)
	up := fxNewUp(t, func(*fxUp) http.HandlerFunc {
		ok := fxAnswer("slow")
		return func(w http.ResponseWriter, r *http.Request) {
			entered <- struct{}{}
			<-release
			ok(w, r)
		}
	})
	var releaseOnce sync.Once
	free := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(free) // runs before the upstream's Close, even after a failure
	recorded := make(chan usage.Record, 64)
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL)}, fxOpt(func(o *gateway.Options) { o.MaxInFlight = 2 }),
		withUsage(t.TempDir(), usage.Options{}), onUsage(recorded))
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if text, err := fxChat(t, g, false); err != nil || text != "hello from slow" {
				t.Errorf("in-flight request: %q %v", text, err)
			}
		}()
	}
	<-entered
	<-entered
	var lat []time.Duration
	for i := 0; i < 20; i++ {
		path := "/v1/chat/completions"
		if i%2 == 1 {
			path = "/v1/messages"
		}
		start := time.Now()
		resp, body := g.post(t, path, `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`)
		lat = append(lat, time.Since(start))
		if resp.StatusCode != 503 && resp.StatusCode != 529 || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "limit") {
			t.Fatalf("overflow on %s: %d Retry-After=%q %s", path, resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
		want := map[string]string{"/v1/chat/completions": "openai", "/v1/messages": "anthropic"}[path]
		if got := shapeOf(body); got != want {
			t.Fatalf("overflow on %s in %s shape: %s", path, got, body)
		}
	}
	if n := g.status(t).Refusals["shed"]; n != 20 {
		t.Fatalf("refusals[shed] = %d, want 20", n)
	}
	// Through the SDK: a typed 503.
	_, err := fxChat(t, g, false)
	var oe *openai.Error
	if !errors.As(err, &oe) || oe.StatusCode != 503 {
		t.Fatalf("SDK error %v, want a 503", err)
	}
	if n := up.count.Load(); n != 2 {
		t.Fatalf("upstream saw %d requests, want only the 2 in flight", n)
	}
	free()
	wg.Wait()
	// Usage accounting records the shed requests too: 21 failures, 2 answers.
	shed, ok := 0, 0
	for range 23 {
		switch r := <-recorded; {
		case r.Status == 503 && r.Attempts == 0 && r.Backend == "":
			shed++
		case r.Status == 200:
			ok++
		}
	}
	if shed != 21 || ok != 2 {
		t.Errorf("usage records: %d shed, %d answered; want 21 and 2", shed, ok)
	}
	slices.Sort(lat)
	t.Logf("overflow answered in p50 %v, max %v (20 requests, MaxInFlight 2)", lat[len(lat)/2], lat[len(lat)-1])
	if lat[len(lat)/2] > 50*time.Millisecond || lat[len(lat)-1] > 500*time.Millisecond {
		t.Fatalf("shedding is slow: p50 %v max %v", lat[len(lat)/2], lat[len(lat)-1])
	}
}

// ---- local safety over a real socket ----

// fxRaw sends raw request bytes on a fresh connection and reads the answer.
func fxRaw(t *testing.T, addr, raw string) (*http.Response, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	// Write while reading: the server may answer (413) and close before
	// it has read a large body, so write errors are expected there.
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		io.WriteString(c, raw)
	}()
	defer func() { c.Close(); <-wrote }()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func fxRawPost(host, path, ctype, body string, hdr ...string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "POST %s HTTP/1.1\r\nHost: %s\r\n", path, host)
	if ctype != "" {
		fmt.Fprintf(&sb, "Content-Type: %s\r\n", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		fmt.Fprintf(&sb, "%s: %s\r\n", hdr[i], hdr[i+1])
	}
	fmt.Fprintf(&sb, "Content-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
	return sb.String()
}

// fxCanary is a listener that must never be contacted.
type fxCanary struct {
	net.Listener
	hits atomic.Int64
	done chan struct{}
}

func fxNewCanary(t *testing.T) *fxCanary {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &fxCanary{Listener: ln, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			c.hits.Add(1)
			conn.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-c.done })
	return c
}

// TestLocalSafetyOverSocket runs the browser-attack vectors of
// docs/contract.md "Local safety" against a real listener, and checks that the
// upstream saw nothing of the refused ones.
func TestLocalSafetyOverSocket(t *testing.T) {
	oUp := fxNewUp(t, func(*fxUp) http.HandlerFunc { return fxAnswer("openai-backend") })
	aUp := fxNewUp(t, func(*fxUp) http.HandlerFunc { return fxAnswer("anthropic-backend") })
	g := startGateway(t, []config.Backend{
		backend("o", 1, config.FormatOpenAI, oUp.URL),
		backend("an", 2, config.FormatAnthropic, aUp.URL),
	}, withEnv("O_API_KEYS", "sk-configured-openai-key-0001", "AN_API_KEYS", "sk-configured-anthropic-key-0002"),
		withConfig(func(c *config.Config) { c.BodyLimitMB = 1 }))
	_, port, _ := net.SplitHostPort(g.Addr)
	chat := `{"model":"m","messages":[{"role":"user","content":"hi"}]}`
	big := `{"model":"m","pad":"` + strings.Repeat("x", 2<<20) + `"}`
	upTotal := func() int64 { return oUp.count.Load() + aUp.count.Load() }

	refused := []struct {
		name, raw string
		want      int
	}{
		{"rebinding Host", fxRawPost("rebind.test:"+port, "/v1/chat/completions", "application/json", chat), 403},
		{"rebinding Host GET models", "GET /v1/models HTTP/1.1\r\nHost: rebind.test:" + port + "\r\nConnection: close\r\n\r\n", 403},
		{"empty Host", fxRawPost("", "/v1/chat/completions", "application/json", chat), 403},
		{"0.0.0.0 Host", fxRawPost("0.0.0.0:"+port, "/v1/chat/completions", "application/json", chat), 403},
		{"suffix Host", fxRawPost("localhost.evil.com:"+port, "/v1/chat/completions", "application/json", chat), 403},
		{"trailing-dot Host", fxRawPost("LOCALHOST.:"+port, "/v1/chat/completions", "application/json", chat), 403},
		{"foreign Origin", fxRawPost(g.Addr, "/v1/chat/completions", "application/json", chat, "Origin", "https://evil.example"), 403},
		{"Origin null", fxRawPost(g.Addr, "/v1/messages", "application/json", chat, "Origin", "null"), 403},
		{"Sec-Fetch-Site cross-site", fxRawPost(g.Addr, "/v1/chat/completions", "application/json", chat, "Sec-Fetch-Site", "cross-site"), 403},
		{"text/plain CSRF", fxRawPost(g.Addr, "/v1/chat/completions", "text/plain", chat), 415},
		{"form CSRF", fxRawPost(g.Addr, "/v1/messages", "application/x-www-form-urlencoded", "a=b"), 415},
		{"preflight", "OPTIONS /v1/chat/completions HTTP/1.1\r\nHost: " + g.Addr + "\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\nConnection: close\r\n\r\n", 403},
		{"body over the limit", fxRawPost(g.Addr, "/v1/chat/completions", "application/json", `{"model":"m","pad":"`+strings.Repeat("x", 2<<20)+`"}`), 413},
		{"body over the limit, chunked", "POST /v1/messages HTTP/1.1\r\nHost: " + g.Addr + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
			fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(big), big), 413},
	}
	for _, v := range refused {
		t.Run(v.name, func(t *testing.T) {
			resp, body := fxRaw(t, g.Addr, v.raw)
			if resp.StatusCode != v.want {
				t.Fatalf("got %d, want %d: %s", resp.StatusCode, v.want, body)
			}
			for k := range resp.Header {
				if strings.HasPrefix(strings.ToLower(k), "access-control-") {
					t.Fatalf("CORS header %s on a refusal", k)
				}
			}
		})
	}
	if n := upTotal(); n != 0 {
		t.Fatalf("refused requests reached an upstream %d times", n)
	}

	t.Run("client-chosen upstream ignored", func(t *testing.T) {
		canary := fxNewCanary(t)
		base := "http://" + canary.Addr().String()
		for _, path := range []string{"/v1/chat/completions", "/v1/messages"} {
			body := `{"model":"m","max_tokens":5,"api_base":"` + base + `","base_url":"` + base + `/v1","messages":[{"role":"user","content":"hi"}]}`
			resp, out := g.post(t, path, body, "X-Api-Base", base, "X-Base-URL", base, "X-Forwarded-Host", canary.Addr().String())
			if resp.StatusCode != 200 || !strings.Contains(string(out), "hello from openai-backend") {
				t.Fatalf("%s: %d %s; want the configured backend's answer", path, resp.StatusCode, out)
			}
		}
		if n := canary.hits.Load(); n != 0 {
			t.Fatalf("the canary listener named in the request was contacted %d times", n)
		}
		if oUp.count.Load() != 2 {
			t.Fatalf("configured backend saw %d requests, want 2", oUp.count.Load())
		}
	})

	t.Run("client credentials never forwarded", func(t *testing.T) {
		secrets := []string{"client-bearer-9f8e7d", "client-xapikey-6c5b4a", "client-apikey-3a2b1c", "client-cookie-0d0e0f"}
		hdr := []string{"Authorization", "Bearer " + secrets[0], "x-api-key", secrets[1], "api-key", secrets[2], "Cookie", "session=" + secrets[3]}
		for _, id := range []string{"o", "an"} {
			g.SetEnabled("o", id == "o")
			for _, path := range []string{"/v1/chat/completions", "/v1/messages"} {
				resp, out := g.post(t, path, `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`, hdr...)
				if resp.StatusCode != 200 {
					t.Fatalf("%s via %s: %d %s", path, id, resp.StatusCode, out)
				}
			}
		}
		g.SetEnabled("o", true)
		check := func(u *fxUp, wantAuth, wantKey string) {
			reqs := u.requests()
			if len(reqs) < 2 {
				t.Fatalf("upstream saw %d requests", len(reqs))
			}
			for _, r := range reqs {
				for k, vs := range r.Header {
					for _, s := range secrets {
						if strings.Contains(strings.Join(vs, " "), s) {
							t.Fatalf("client credential reached the upstream in %s", k)
						}
					}
				}
				if r.Auth != wantAuth || r.APIKey != wantKey || r.Header.Get("api-key") != "" || r.Header.Get("Cookie") != "" {
					t.Fatalf("upstream auth: Authorization %q x-api-key %q api-key %q cookie %q", r.Auth, r.APIKey, r.Header.Get("api-key"), r.Header.Get("Cookie"))
				}
			}
		}
		check(oUp, "Bearer sk-configured-openai-key-0001", "")
		check(aUp, "", "sk-configured-anthropic-key-0002")
	})
}

// fxOpenFDs counts this process's open file descriptors (Linux).
func fxOpenFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// TestSlowlorisHeadersClosed (R1): 200 connections that send one header
// byte every 100ms are closed by ReadHeaderTimeout (500ms here) within a
// second of it, while a normal request still answers quickly; file
// descriptors return to baseline.
func TestSlowlorisHeadersClosed(t *testing.T) {
	const conns, rht = 200, 500 * time.Millisecond
	up := fxNewUp(t, func(*fxUp) http.HandlerFunc { return fxAnswer("a") })
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL)}, fxOpt(func(o *gateway.Options) { o.ReadHeaderTimeout = rht }))
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.Transport.(*http.Transport).CloseIdleConnections()
	legit := func() time.Duration {
		start := time.Now()
		res := fxAsk(context.Background(), g, hc, fxOpenAI, false, "m", "k", nil)
		if res.Err != nil || res.Text != "hello from a" {
			t.Errorf("normal request during the attack: %q %v", res.Text, res.Err)
		}
		return time.Since(start)
	}
	legit() // warm up
	var base []time.Duration
	for i := 0; i < 10; i++ {
		base = append(base, legit())
	}
	fd0 := fxOpenFDs()

	header := "POST /v1/chat/completions HTTP/1.1\r\nHost: " + g.Addr + "\r\nContent-Type: application/json\r\nX-Padding: " + strings.Repeat("a", 200) + "\r\n"
	closedAfter := make([]time.Duration, conns)
	var wg sync.WaitGroup
	for i := 0; i < conns; i++ {
		// Timed from before the dial: the server's header timer starts at
		// its accept, which cannot come earlier (a start taken later, in
		// the goroutine, lagged it by ~200 ms on a loaded machine).
		start := time.Now()
		c, err := net.Dial("tcp", g.Addr)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func(i int, c net.Conn, start time.Time) {
			defer wg.Done()
			defer c.Close()
			buf := make([]byte, 512)
			for j := 0; ; j++ {
				if _, err := c.Write([]byte{header[j%len(header)]}); err != nil {
					break
				}
				c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
				_, err := c.Read(buf)
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					if time.Since(start) > 10*time.Second {
						break
					}
					continue // still open: send the next byte
				}
				break // EOF or reset: the server closed it
			}
			closedAfter[i] = time.Since(start)
		}(i, c, start)
	}
	var during []time.Duration
	for i := 0; i < 5; i++ {
		during = append(during, legit())
	}
	wg.Wait()
	slices.Sort(closedAfter)
	slices.Sort(base)
	slices.Sort(during)
	fd1 := -1
	fxEventually(3*time.Second, func() bool { fd1 = fxOpenFDs(); return fd1 <= fd0+5 })
	t.Logf("%d slow-header sockets: closed after p50 %v, max %v (ReadHeaderTimeout %v); normal request p50 %v before, %v max during; fds %d -> %d",
		conns, closedAfter[conns/2], closedAfter[conns-1], rht, base[len(base)/2], during[len(during)-1], fd0, fd1)
	if closedAfter[0] < rht-100*time.Millisecond {
		t.Fatalf("a socket was closed after %v, before ReadHeaderTimeout", closedAfter[0])
	}
	if closedAfter[conns-1] > rht+time.Second {
		t.Fatalf("a slow-header socket stayed open %v, want ≤ ReadHeaderTimeout + 1s", closedAfter[conns-1])
	}
	if during[len(during)-1] > time.Second {
		t.Fatalf("a normal request took %v during the attack", during[len(during)-1])
	}
	if fd0 >= 0 && fd1 > fd0+5 {
		t.Fatalf("open fds %d after the attack, %d before", fd1, fd0)
	}
}
