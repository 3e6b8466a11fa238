package gateway_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"switchyard/gateway/config"
)

func TestPriorityOrderAndHeaders(t *testing.T) {
	a := newUpstream(t, chatOK("a"))
	b := newUpstream(t, chatOK("b"))
	g := startGateway(t, []config.Backend{
		backend("second", 2, config.FormatOpenAI, b.URL),
		backend("first", 1, config.FormatOpenAI, a.URL),
	})
	var raw *http.Response
	resp, err := g.openai().Chat.Completions.New(context.Background(), chatParams("gpt-4o"), option.WithResponseInto(&raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Choices[0].Message.Content; got != "hello from a" {
		t.Fatalf("content = %q, want the priority-1 backend's answer", got)
	}
	if hdr := raw.Header; hdr.Get("X-Switchyard-Backend") != "first" || hdr.Get("X-Switchyard-Attempts") != "1" {
		t.Fatalf("headers: backend=%q attempts=%q", hdr.Get("X-Switchyard-Backend"), hdr.Get("X-Switchyard-Attempts"))
	}
	if b.count.Load() != 0 {
		t.Fatalf("second backend got %d requests, want 0", b.count.Load())
	}
}

func TestFailoverOn5xx(t *testing.T) {
	for _, code := range []int{500, 502, 503} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			bad := newUpstream(t, status(code))
			good := newUpstream(t, chatOK("good"))
			g := startGateway(t, []config.Backend{
				backend("antigravity", 1, config.FormatOpenAI, bad.URL),
				backend("copilot", 4, config.FormatOpenAI, good.URL),
			})
			resp, err := g.openai().Chat.Completions.New(context.Background(), chatParams("claude-sonnet-4-5"))
			if err != nil {
				t.Fatal(err)
			}
			if resp.Choices[0].Message.Content != "hello from good" {
				t.Fatalf("content %q", resp.Choices[0].Message.Content)
			}
			if bad.count.Load() != 1 {
				t.Fatalf("bad backend got %d requests, want 1 (max_retries 0)", bad.count.Load())
			}
			st := g.status(t)
			if len(st.Failovers) != 1 {
				t.Fatalf("failovers = %+v, want 1", st.Failovers)
			}
			f := st.Failovers[0]
			if f.From != "antigravity" || f.To != "copilot" || !strings.HasPrefix(f.Reason, "http "+itoa(code)) || f.Model != "claude-sonnet-4-5" {
				t.Fatalf("failover event %+v", f)
			}
		})
	}
}

func TestRetrySameThenRotate(t *testing.T) {
	bad := newUpstream(t, status(500))
	good := newUpstream(t, chatOK("good"))
	b := backend("a", 1, config.FormatOpenAI, bad.URL, good.URL)
	b.MaxRetries = 1
	g := startGateway(t, []config.Backend{b})
	if _, err := g.openai().Chat.Completions.New(context.Background(), chatParams("m")); err != nil {
		t.Fatal(err)
	}
	if bad.count.Load() != 2 {
		t.Fatalf("a 500 should be retried once on the same pair (max_retries 1): got %d tries", bad.count.Load())
	}
}

func TestURLRotationKeepsKey(t *testing.T) {
	good := newUpstream(t, chatOK("mirror"))
	g := startGateway(t, []config.Backend{backend("anyr", 1, config.FormatOpenAI, deadURL(t), good.URL)},
		withEnv("ANYR_API_KEYS", "key-one-aaaa,key-two-bbbb"))
	resp, err := g.openai().Chat.Completions.New(context.Background(), chatParams("m"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Choices[0].Message.Content != "hello from mirror" {
		t.Fatal(resp.Choices[0].Message.Content)
	}
	reqs := good.requests()
	if len(reqs) != 1 || reqs[0].Auth != "Bearer key-one-aaaa" {
		t.Fatalf("mirror should get the same (first) key after a connection error; got %+v", reqs)
	}
	st := g.status(t)
	ae := st.Backends[0].ActiveEndpoint
	if ae == nil || ae.BaseURL != good.URL || ae.Key != "…aaaa" {
		t.Fatalf("active endpoint %+v, want mirror with key …aaaa", ae)
	}
	if len(st.Failovers) != 1 || st.Failovers[0].From != "anyr" || st.Failovers[0].To != "anyr" || st.Failovers[0].Reason != "connection refused" {
		t.Fatalf("failovers %+v", st.Failovers)
	}
}

func TestKeyRotationOn401StickyAndPersisted(t *testing.T) {
	up := newUpstream(t, onlyKey("key-two-bbbb", chatOK("ok")))
	state := t.TempDir()
	g := startGateway(t, []config.Backend{backend("anyr", 1, config.FormatOpenAI, up.URL)},
		withEnv("ANYR_API_KEYS", "key-one-aaaa,key-two-bbbb"), withStateDir(state))
	if _, err := g.openai().Chat.Completions.New(context.Background(), chatParams("m")); err != nil {
		t.Fatal(err)
	}
	reqs := up.requests()
	if len(reqs) != 2 || reqs[0].Auth != "Bearer key-one-aaaa" || reqs[1].Auth != "Bearer key-two-bbbb" {
		t.Fatalf("want key one refused then key two: %+v", authOf(reqs))
	}
	// The working pair sticks for the next request.
	if _, err := g.openai().Chat.Completions.New(context.Background(), chatParams("m")); err != nil {
		t.Fatal(err)
	}
	if reqs = up.requests(); len(reqs) != 3 || reqs[2].Auth != "Bearer key-two-bbbb" {
		t.Fatalf("second request should go straight to key two: %v", authOf(reqs))
	}
	// ... and across a restart.
	g.stop()
	g2 := startGateway(t, []config.Backend{backend("anyr", 1, config.FormatOpenAI, up.URL)},
		withEnv("ANYR_API_KEYS", "key-one-aaaa,key-two-bbbb"), withStateDir(state))
	if _, err := g2.openai().Chat.Completions.New(context.Background(), chatParams("m")); err != nil {
		t.Fatal(err)
	}
	if reqs = up.requests(); len(reqs) != 4 || reqs[3].Auth != "Bearer key-two-bbbb" {
		t.Fatalf("after restart the request should start at key two: %v", authOf(reqs))
	}
	if st := g2.status(t); len(st.Failovers) == 0 {
		t.Fatal("failovers did not survive the restart")
	}
	b, _ := os.ReadFile(state + "/state.json")
	if strings.Contains(string(b), "key-two-bbbb") || strings.Contains(string(b), "key-one-aaaa") {
		t.Fatal("state file holds a key")
	}
}

func authOf(rs []recorded) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Auth)
	}
	return out
}

func TestModelRuleSkipsBackendWithoutRequest(t *testing.T) {
	any := newUpstream(t, chatOK("anyrouter"))
	cop := newUpstream(t, chatOK("copilot"))
	ar := backend("anyrouter", 3, config.FormatOpenAI, any.URL)
	ar.Models = "claude | gemini+2.5 | gpt-5+codex"
	g := startGateway(t, []config.Backend{ar, backend("copilot", 4, config.FormatOpenAI, cop.URL)})
	resp, err := g.openai().Chat.Completions.New(context.Background(), chatParams("gpt-4o"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Choices[0].Message.Content != "hello from copilot" || any.count.Load() != 0 {
		t.Fatalf("gpt-4o must skip anyrouter without a request (got %d)", any.count.Load())
	}
	resp, err = g.openai().Chat.Completions.New(context.Background(), chatParams("gpt-5-codex"))
	if err != nil || resp.Choices[0].Message.Content != "hello from anyrouter" {
		t.Fatalf("gpt-5-codex should reach anyrouter: %v", err)
	}
}

func TestAllDown503NamesEveryBackend(t *testing.T) {
	b500 := newUpstream(t, status(500))
	g := startGateway(t, []config.Backend{
		backend("antigravity", 1, config.FormatOpenAI, deadURL(t)),
		backend("kiro", 2, config.FormatOpenAI, b500.URL),
	})
	_, err := g.openai().Chat.Completions.New(context.Background(), chatParams("claude-x"))
	var apierr *openai.Error
	if !errors.As(err, &apierr) {
		t.Fatalf("want an API error, got %v", err)
	}
	if apierr.StatusCode != 503 {
		t.Fatalf("status %d, want 503", apierr.StatusCode)
	}
	msg := apierr.Message
	for _, want := range []string{"antigravity: connection refused", "kiro: http 500"} {
		if !strings.Contains(msg, want) {
			t.Fatalf("503 message %q does not name %q", msg, want)
		}
	}
}

func TestMalformedJSON400NoUpstream(t *testing.T) {
	up := newUpstream(t, chatOK("x"))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL)})
	resp, body := g.post(t, "/v1/chat/completions", `{"model":"m","messages":[`)
	if resp.StatusCode != 400 || !strings.Contains(string(body), "malformed JSON") {
		t.Fatalf("got %d %s", resp.StatusCode, body)
	}
	if up.count.Load() != 0 {
		t.Fatal("malformed request reached the upstream")
	}
}

func TestUpstream400NotFailedOver(t *testing.T) {
	bad := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		w.Write([]byte(`{"error":{"message":"prompt is too long","type":"invalid_request_error"}}`))
	})
	other := newUpstream(t, chatOK("other"))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, bad.URL), backend("b", 2, config.FormatOpenAI, other.URL)})
	_, err := g.openai().Chat.Completions.New(context.Background(), chatParams("m"))
	var apierr *openai.Error
	if !errors.As(err, &apierr) || apierr.StatusCode != 400 || !strings.Contains(apierr.Message, "prompt is too long") {
		t.Fatalf("want the upstream 400 back, got %v", err)
	}
	if other.count.Load() != 0 {
		t.Fatal("a 400 must not fail over")
	}
	if st := g.status(t); len(st.Failovers) != 0 {
		t.Fatalf("a 400 is not a failover: %+v", st.Failovers)
	}
}

func TestHangingBackendFailsOverWithinTimeout(t *testing.T) {
	cancelled := make(chan struct{}, 1)
	h := newUpstream(t, hang(cancelled))
	good := newUpstream(t, chatOK("good"))
	hb := backend("hang", 1, config.FormatOpenAI, h.URL)
	hb.Timeout = 300 * time.Millisecond
	g := startGateway(t, []config.Backend{hb, backend("good", 2, config.FormatOpenAI, good.URL)})
	start := time.Now()
	resp, err := g.openai().Chat.Completions.New(context.Background(), chatParams("m"))
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	if resp.Choices[0].Message.Content != "hello from good" {
		t.Fatal(resp.Choices[0].Message.Content)
	}
	if el < 300*time.Millisecond || el > 2*time.Second {
		t.Fatalf("failover took %v, want about the 300ms timeout", el)
	}
	select {
	case <-cancelled:
	case <-time.After(2 * time.Second):
		t.Fatal("the hanging upstream call was not cancelled")
	}
	if st := g.status(t); !strings.HasPrefix(st.Failovers[0].Reason, "timeout") {
		t.Fatalf("reason %q", st.Failovers[0].Reason)
	}
}

func TestClientAuthNeverForwarded(t *testing.T) {
	up := newUpstream(t, chatOK("x"))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL)}, withEnv("A_API_KEYS", "backend-key-1234"))
	if _, err := g.openai().Chat.Completions.New(context.Background(), chatParams("m")); err != nil {
		t.Fatal(err)
	}
	r := up.requests()[0]
	if r.Auth != "Bearer backend-key-1234" {
		t.Fatalf("upstream auth %q", r.Auth)
	}
	for k, v := range r.Header {
		if strings.Contains(strings.Join(v, " "), "client-key-must-not-leak") {
			t.Fatalf("client key forwarded in %s", k)
		}
	}
}

func TestNoKeyNoAuthHeader(t *testing.T) {
	up := newUpstream(t, chatOK("x"))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL)})
	if _, err := g.openai().Chat.Completions.New(context.Background(), chatParams("m")); err != nil {
		t.Fatal(err)
	}
	if r := up.requests()[0]; r.Auth != "" {
		t.Fatalf("a keyless local backend got Authorization %q", r.Auth)
	}
}

func TestAliasApplied(t *testing.T) {
	up := newUpstream(t, chatOK("x"))
	b := backend("a", 1, config.FormatOpenAI, up.URL)
	b.Aliases = map[string]string{"claude-sonnet-4.5": "claude-sonnet-4-5-20250929"}
	g := startGateway(t, []config.Backend{b})
	if _, err := g.openai().Chat.Completions.New(context.Background(), chatParams("claude-sonnet-4.5")); err != nil {
		t.Fatal(err)
	}
	if body := string(up.requests()[0].Body); !strings.Contains(body, `"model":"claude-sonnet-4-5-20250929"`) {
		t.Fatalf("upstream body %s", body)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
