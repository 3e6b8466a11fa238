package gateway_test

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchyard/gateway/config"
)

// The request deadline bounds a whole client request: with a backend that
// hangs before its first byte the client gets 504 in its own protocol; with
// one that goes silent after the first byte the stream ends with exactly
// one error event (issue 15, item 6). Every other limit is set far beyond
// the deadline, so only the deadline can end these requests.
func TestRequestDeadline(t *testing.T) {
	const deadline = 400 * time.Millisecond
	longer := func(c *config.Config) {
		c.RequestDeadline = deadline
		c.FirstByteTimeout = 20 * time.Second
		c.StreamIdleTimeout = 20 * time.Second
	}
	for _, p := range []struct {
		name, path, body, shape string
		format                  config.Format
	}{
		{"openai", "/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"hi"}]%s}`, "openai", config.FormatOpenAI},
		{"anthropic", "/v1/messages", `{"model":"m","max_tokens":9,"messages":[{"role":"user","content":"hi"}]%s}`, "anthropic", config.FormatAnthropic},
	} {
		for _, stream := range []bool{false, true} {
			name := p.name + map[bool]string{false: "/json", true: "/stream"}[stream]
			extra := map[bool]string{false: "", true: `,"stream":true`}[stream]
			body := strings.Replace(p.body, "%s", extra, 1)

			t.Run(name+"/before first byte", func(t *testing.T) {
				up := newUpstream(t, hang(nil))
				b := backend("a", 1, p.format, upURL(up, p.format))
				b.Timeout, b.StreamTimeout = 20*time.Second, 20*time.Second
				g := startGateway(t, []config.Backend{b}, withConfig(longer))
				start := time.Now()
				resp, out := g.post(t, p.path, body)
				took := time.Since(start)
				if resp.StatusCode != 504 {
					t.Fatalf("status %d: %s", resp.StatusCode, out)
				}
				if got := shapeOf(out); got != p.shape {
					t.Fatalf("shape %s, want %s: %s", got, p.shape, out)
				}
				if !strings.Contains(string(out), "request_deadline") {
					t.Fatalf("the error does not name request_deadline: %s", out)
				}
				if took < deadline || took > deadline+2*time.Second {
					t.Fatalf("answered after %v, deadline %v", took, deadline)
				}
			})
			if !stream {
				continue
			}
			t.Run(name+"/after first byte", func(t *testing.T) {
				up := newUpstream(t, firstThenHang(p.format))
				b := backend("a", 1, p.format, upURL(up, p.format))
				b.Timeout, b.StreamTimeout = 20*time.Second, 20*time.Second
				g := startGateway(t, []config.Backend{b}, withConfig(longer))
				start := time.Now()
				resp, out := g.post(t, p.path, body)
				took := time.Since(start)
				if resp.StatusCode != 200 {
					t.Fatalf("status %d: %s", resp.StatusCode, out)
				}
				s := string(out)
				if !strings.Contains(s, "early words") {
					t.Fatalf("first content lost: %s", s)
				}
				errs := 0
				sc := bufio.NewScanner(strings.NewReader(s))
				for sc.Scan() {
					l := sc.Text()
					if p.shape == "anthropic" && l == "event: error" || p.shape == "openai" && strings.HasPrefix(l, `data: {"error"`) {
						errs++
					}
				}
				if errs != 1 || strings.Contains(s, "[DONE]") || strings.Contains(s, "message_stop") {
					t.Fatalf("want exactly one error event and no terminator, got %d:\n%s", errs, s)
				}
				if took < deadline || took > deadline+2*time.Second {
					t.Fatalf("ended after %v, deadline %v", took, deadline)
				}
			})
		}
	}
}

func upURL(u *upstream, f config.Format) string {
	if f == config.FormatOpenAI {
		return u.URL + "/v1"
	}
	return u.URL
}

// firstThenHang streams one content event in the backend's protocol, then
// stays silent until the request is cancelled.
func firstThenHang(f config.Format) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		if f == config.FormatOpenAI {
			w.Write([]byte(`data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"early words"},"finish_reason":null}]}` + "\n\n"))
		} else {
			w.Write([]byte("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n" +
				"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n" +
				"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"early words\"}}\n\n"))
		}
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
}
