package protocols

import (
	"context"
	"io"
	"strings"
	"testing"

	"switchyard/gateway/config"
	"switchyard/gateway/route"
)

// The Test completion in each format: its path, auth header, a bounded
// answer, and the answering model read back from a real answer's shape.
func TestTestRequestPerFormat(t *testing.T) {
	key := route.NewSecret("sk-secret-check-1234")
	for _, c := range []struct {
		f                 config.Format
		path, auth, bound string
		answer, wantModel string
	}{
		{config.FormatOpenAI, "/chat/completions", "Authorization", `"max_tokens":8`,
			`{"id":"c1","object":"chat.completion","model":"gpt-x-0613","choices":[{"index":0,"message":{"role":"assistant","content":"OK"},"finish_reason":"stop"}]}`, "gpt-x-0613"},
		{config.FormatAnthropic, "/v1/messages", "x-api-key", `"max_tokens":8`,
			`{"id":"m1","type":"message","role":"assistant","model":"claude-y-2025","content":[{"type":"text","text":"OK"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":1}}`, "claude-y-2025"},
		{config.FormatResponses, "/responses", "Authorization", `"max_output_tokens":16`,
			`{"id":"resp_1","object":"response","status":"completed","model":"gpt-r-1","output":[{"type":"message","id":"msg_1","role":"assistant","status":"completed","content":[{"type":"output_text","text":"OK"}]}]}`, "gpt-r-1"},
		{config.FormatGemini, "/models/gem-z:generateContent", "x-goog-api-key", `"maxOutputTokens":8`,
			`{"candidates":[{"content":{"role":"model","parts":[{"text":"OK"}]},"finishReason":"STOP"}],"modelVersion":"gem-z-001"}`, "gem-z-001"},
	} {
		model := map[config.Format]string{config.FormatGemini: "gem-z"}[c.f]
		if model == "" {
			model = "m-" + string(c.f)
		}
		req, err := TestRequest(context.Background(), c.f, "http://up.example/v1", key, model)
		if err != nil {
			t.Fatalf("%s: %v", c.f, err)
		}
		body, _ := io.ReadAll(req.Body)
		if req.Method != "POST" || req.URL.Path != "/v1"+c.path || !strings.Contains(req.Header.Get(c.auth), key.Reveal()) ||
			!strings.Contains(string(body), TestPrompt) || !strings.Contains(string(body), c.bound) || strings.Contains(string(body), `"stream":true`) {
			t.Errorf("%s: %s %s auth %q body %s", c.f, req.Method, req.URL, req.Header.Get(c.auth), body)
		}
		if c.f != config.FormatGemini && !strings.Contains(string(body), `"model":"`+model+`"`) {
			t.Errorf("%s: body names no model: %s", c.f, body)
		}
		if m, ok := TestAnswer(c.f, []byte(c.answer)); !ok || m != c.wantModel {
			t.Errorf("%s: answer read as %q %v", c.f, m, ok)
		}
		if _, ok := TestAnswer(c.f, []byte(`{"error":{"message":"nope"}}`)); ok {
			t.Errorf("%s: an error object read as an answer", c.f)
		}
		mreq, err := ModelsRequest(context.Background(), c.f, "http://up.example/v1", key)
		if err != nil || mreq.Method != "GET" || !strings.HasPrefix(mreq.URL.Path, "/v1/") || !strings.Contains(mreq.Header.Get(c.auth), key.Reveal()) {
			t.Errorf("%s: models request %v %v", c.f, mreq, err)
		}
	}
	if _, err := TestRequest(context.Background(), "grpc", "http://x", route.Secret{}, "m"); err == nil {
		t.Error("a format without adapter built a request")
	}
}
