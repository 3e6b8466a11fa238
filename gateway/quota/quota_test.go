package quota

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchyard/gateway/clock/clocktest"
)

const testKey = "sk-quota-test-SECRET-ab12"

// fakeNewAPI is a new-api relay's billing pair: per bearer token, the
// subscription's hard limit and the usage in cents; an unknown token gets
// new-api's 401.
type fakeNewAPI struct {
	mu     sync.Mutex
	tokens map[string][2]float64 // token -> {hard_limit_usd, total_usage cents}
	paths  []string
	auth   []string // every Authorization header seen
	status int      // when set, every answer has this status
	body   string   // when set, every answer is this body
}

func (f *fakeNewAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paths = append(f.paths, r.URL.Path)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	if f.status != 0 {
		w.WriteHeader(f.status)
		w.Write([]byte(f.body))
		return
	}
	tok, ok := f.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if !ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":{"message":"无效的令牌 (request id: x)","type":"new_api_error"}}`))
		return
	}
	switch r.URL.Path {
	case "/v1/dashboard/billing/subscription":
		w.Write([]byte(`{"object":"billing_subscription","has_payment_method":true,"soft_limit_usd":` + ftoa(tok[0]) +
			`,"hard_limit_usd":` + ftoa(tok[0]) + `,"system_hard_limit_usd":` + ftoa(tok[0]) + `,"access_until":0}`))
	case "/v1/dashboard/billing/usage":
		w.Write([]byte(`{"object":"list","total_usage":` + ftoa(tok[1]) + `}`))
	default:
		http.NotFound(w, r)
	}
}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func bearer(key string) func(http.Header) {
	return func(h http.Header) { h.Set("Authorization", "Bearer "+key) }
}

func newStore(t *testing.T) (*Store, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	return New(http.DefaultClient, clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), slog.New(slog.NewTextHandler(&logs, nil))), &logs
}

func TestNewAPI(t *testing.T) {
	f := &fakeNewAPI{tokens: map[string][2]float64{
		testKey:    {10, 960},    // $10 granted, $9.60 used: $0.40 left
		"sk-rich":  {50, 500},    // $45 left
		"sk-unlim": {1e8, 12345}, // unlimited
		"sk-broke": {5, 500},     // nothing left
	}}
	up := httptest.NewServer(f)
	defer up.Close()
	s, logs := newStore(t)
	s.SetThreshold(Threshold{Amount: 1}) // $1
	var changes atomic.Int32
	s.OnChange = func(backend, key string, old, now Balance) { changes.Add(1) }
	targets := []Target{
		{Backend: "anyrouter", Key: "fp-low", Kind: NewAPI, BaseURL: up.URL, Auth: bearer(testKey)},
		{Backend: "anyrouter", Key: "fp-rich", Kind: NewAPI, BaseURL: up.URL + "/v1", Auth: bearer("sk-rich")},
		{Backend: "anyrouter", Key: "fp-unlim", Kind: NewAPI, BaseURL: up.URL, Auth: bearer("sk-unlim")},
		{Backend: "anyrouter", Key: "fp-broke", Kind: NewAPI, BaseURL: up.URL, Auth: bearer("sk-broke")},
		{Backend: "anyrouter", Key: "fp-bad", Kind: NewAPI, BaseURL: up.URL, Auth: bearer("sk-revoked")},
		{Backend: "kiro", Key: "", Kind: None, BaseURL: up.URL},
	}
	s.Refresh(context.Background(), targets)

	low, _ := s.Get("anyrouter", "fp-low")
	if low.Remaining != 0.4 || low.Limit != 10 || low.Used != 9.6 || low.Unit != USD || !low.Low || low.Empty || low.Unlimited || low.Error != "" || !low.Known() {
		t.Errorf("low key: %+v", low)
	}
	rich, _ := s.Get("anyrouter", "fp-rich")
	if rich.Remaining != 45 || rich.Low || rich.Empty {
		t.Errorf("rich key (base URL with /v1): %+v", rich)
	}
	unl, _ := s.Get("anyrouter", "fp-unlim")
	if !unl.Unlimited || unl.Low || unl.Empty || unl.Used != 123.45 {
		t.Errorf("unlimited key: %+v", unl)
	}
	broke, _ := s.Get("anyrouter", "fp-broke")
	if broke.Remaining != 0 || !broke.Empty || !broke.Low {
		t.Errorf("empty key: %+v", broke)
	}
	bad, _ := s.Get("anyrouter", "fp-bad")
	if !bad.Refused || bad.Known() || bad.Error != "the key was refused (http 401)" || bad.Low || bad.Empty {
		t.Errorf("refused key: %+v", bad)
	}
	if _, ok := s.Get("kiro", ""); ok {
		t.Error("a backend without a billing kind was asked")
	}
	if got := len(s.Backend("anyrouter")); got != 5 {
		t.Errorf("%d anyrouter balances, want 5", got)
	}
	if changes.Load() != 5 {
		t.Errorf("OnChange called %d times, want 5", changes.Load())
	}
	f.mu.Lock()
	for i, p := range f.paths {
		if p != "/v1/dashboard/billing/subscription" && p != "/v1/dashboard/billing/usage" {
			t.Errorf("asked %s", p)
		}
		if !strings.HasPrefix(f.auth[i], "Bearer sk-") {
			t.Errorf("request %d without the key as bearer: %q", i, f.auth[i])
		}
	}
	f.mu.Unlock()
	if strings.Contains(logs.String(), "sk-") {
		t.Errorf("a key reached the log:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "refused") {
		t.Errorf("the refused key is not logged:\n%s", logs.String())
	}

	// A failed read keeps the last numbers and says why.
	f.mu.Lock()
	f.status, f.body = 500, `{"error":{"message":"获取配额失败","type":"upstream_error"}}`
	f.mu.Unlock()
	s.Refresh(context.Background(), targets[:1])
	low2, _ := s.Get("anyrouter", "fp-low")
	if low2.Remaining != 0.4 || low2.Error != "the billing endpoint answered http 500" || !low2.Low || !low2.Fetched.Equal(low.Fetched) {
		t.Errorf("after a failed read: %+v", low2)
	}
	// A relay without the endpoint, and one answering something else.
	f.mu.Lock()
	f.status, f.body = 404, ""
	f.mu.Unlock()
	s.Refresh(context.Background(), targets[1:2])
	if b, _ := s.Get("anyrouter", "fp-rich"); !strings.Contains(b.Error, "404") {
		t.Errorf("404: %+v", b)
	}
	f.mu.Lock()
	f.status, f.body = 200, `{"object":"list","data":[]}`
	f.mu.Unlock()
	s.Refresh(context.Background(), targets[1:2])
	if b, _ := s.Get("anyrouter", "fp-rich"); !strings.Contains(b.Error, "not new-api") {
		t.Errorf("foreign answer: %+v", b)
	}
}

func TestCopilot(t *testing.T) {
	var body atomic.Value
	body.Store(`{"access_type_sku":"free_limited_copilot","copilot_plan":"individual","quota_reset_date":"2026-02-01",
	 "quota_snapshots":{"chat":{"entitlement":0,"remaining":0,"unlimited":true,"percent_remaining":100,"quota_id":"chat"},
	 "completions":{"entitlement":0,"remaining":0,"unlimited":true,"quota_id":"completions"},
	 "premium_interactions":{"entitlement":300,"overage_count":0,"overage_permitted":false,"percent_remaining":4,"quota_id":"premium_interactions","quota_remaining":12,"remaining":12,"unlimited":false}}}`)
	var paths []string
	var mu sync.Mutex
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		if r.URL.Path != "/usage" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(body.Load().(string)))
	}))
	defer up.Close()
	s, _ := newStore(t) // 5 %
	tg := []Target{{Backend: "copilot", Kind: Copilot, BaseURL: up.URL + "/v1"}}
	s.Refresh(context.Background(), tg)
	b, _ := s.Get("copilot", "")
	if b.Remaining != 12 || b.Limit != 300 || b.Used != 288 || b.Unit != Requests || !b.Low || b.Empty || b.Error != "" {
		t.Errorf("copilot: %+v", b)
	}
	body.Store(`{"quota_snapshots":{"premium_interactions":{"entitlement":0,"remaining":0,"unlimited":true}}}`)
	s.Refresh(context.Background(), tg)
	if b, _ := s.Get("copilot", ""); !b.Unlimited || b.Low || b.Empty {
		t.Errorf("copilot unlimited: %+v", b)
	}
	body.Store(`{"error":"not logged in"}`)
	s.Refresh(context.Background(), tg)
	if b, _ := s.Get("copilot", ""); !strings.Contains(b.Error, "premium_interactions") || !b.Unlimited {
		t.Errorf("copilot error keeps the last numbers: %+v", b)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range paths {
		if p != "/usage" {
			t.Errorf("asked %s, want /usage", p)
		}
	}
}

// TestOneInFlight: a refresh asked while a key's read is in flight waits
// for that read instead of sending a second one.
func TestOneInFlight(t *testing.T) {
	var n atomic.Int32
	entered, release := make(chan struct{}, 4), make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		entered <- struct{}{}
		<-release
		w.Write([]byte(`{"quota_snapshots":{"premium_interactions":{"entitlement":300,"remaining":200}}}`))
	}))
	defer up.Close()
	s, _ := newStore(t)
	tg := []Target{{Backend: "copilot", Kind: Copilot, BaseURL: up.URL}}
	done := make(chan struct{}, 2)
	go func() { s.Refresh(context.Background(), tg); done <- struct{}{} }()
	<-entered
	go func() { s.Refresh(context.Background(), tg); done <- struct{}{} }()
	// The second refresh must be waiting, not asking: give it the time to
	// (wrongly) reach the server, then release.
	select {
	case <-entered:
		t.Fatal("a second read of the same key went out while one was in flight")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	<-done
	<-done
	if n.Load() != 1 {
		t.Errorf("%d reads, want 1", n.Load())
	}
	if b, _ := s.Get("copilot", ""); b.Remaining != 200 {
		t.Errorf("balance %+v", b)
	}
}

// TestRunPeriod: Run reads at start and again only when the period has
// passed on the clock.
func TestRunPeriod(t *testing.T) {
	var n atomic.Int32
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Write([]byte(`{"quota_snapshots":{"premium_interactions":{"entitlement":300,"remaining":200}}}`))
	}))
	defer up.Close()
	clk := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := New(http.DefaultClient, clk, slog.New(slog.DiscardHandler))
	read := make(chan struct{}, 4)
	s.OnChange = func(string, string, Balance, Balance) { read <- struct{}{} }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.Run(ctx, 10*time.Minute, func() []Target { return []Target{{Backend: "copilot", Kind: Copilot, BaseURL: up.URL}} })
		close(done)
	}()
	<-read
	if !clk.WaitFor(10*time.Minute, 5*time.Second) {
		t.Fatal("Run did not wait for its period")
	}
	if n.Load() != 1 {
		t.Fatalf("%d reads at start, want 1", n.Load())
	}
	clk.Advance(9 * time.Minute)
	if n.Load() != 1 {
		t.Fatalf("read again before the period")
	}
	clk.Advance(time.Minute)
	select {
	case <-read:
	case <-time.After(5 * time.Second):
		t.Fatal("no read after one period")
	}
	if n.Load() != 2 {
		t.Fatalf("%d reads after one period, want 2", n.Load())
	}
	cancel()
	<-done
}

func TestParseThreshold(t *testing.T) {
	for in, want := range map[string]Threshold{"1": {1, false}, "0.5": {0.5, false}, "5%": {5, true}, " 10 % ": {10, true}} {
		got, err := ParseThreshold(in)
		if err != nil || got != want {
			t.Errorf("%q: %+v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "x", "-1", "101%", "5 USD"} {
		if _, err := ParseThreshold(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
	pct := Threshold{Amount: 5, Percent: true}
	now := time.Now()
	if !pct.IsLow(Balance{Remaining: 4, Limit: 100, Fetched: now}) || pct.IsLow(Balance{Remaining: 5, Limit: 100, Fetched: now}) {
		t.Error("5% of 100")
	}
	if pct.IsLow(Balance{Remaining: 0, Fetched: now}) {
		t.Error("a percentage without a limit is not low")
	}
	if pct.IsLow(Balance{Remaining: 1, Limit: 100}) {
		t.Error("an unread balance is not low")
	}
}
