package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"switchyard/gateway/config"
)

// shapeOf names the error shape of a body: "openai"
// ({"error":{"message","type"}}), "anthropic" ({"type":"error",
// "error":{"type","message"}}), "gemini" ({"error":{"code","message",
// "status"}}), or "?" with the body.
func shapeOf(body []byte) string {
	var b struct {
		Type  *string `json:"type"`
		Error *struct {
			Type    *string `json:"type"`
			Message string  `json:"message"`
			Code    any     `json:"code"`
			Status  *string `json:"status"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &b) != nil || b.Error == nil || b.Error.Message == "" {
		return "?"
	}
	switch {
	case b.Type != nil && *b.Type == "error" && b.Error.Type != nil:
		return "anthropic"
	case b.Type == nil && b.Error.Status != nil:
		if _, ok := b.Error.Code.(float64); ok {
			return "gemini"
		}
	case b.Type == nil && b.Error.Type != nil:
		return "openai"
	}
	return "?"
}

// Every refusal the guard or the router makes, on every route family,
// comes back in that family's error shape, is counted in /api/status by
// kind, and leaves a log line (issue 15, items 2–4).
func TestRefusalsSpeakTheRoutesProtocol(t *testing.T) {
	up := newUpstream(t, chatOK("a"))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL+"/v1")},
		withConfig(func(c *config.Config) { c.BodyLimitMB = 1 }))
	families := []struct{ path, shape string }{
		{"/v1/chat/completions", "openai"},
		{"/gateway/v1/chat/completions", "openai"},
		{"/v1/messages", "anthropic"},
		{"/v1/messages/count_tokens", "anthropic"},
		{"/v1/responses", "openai"}, // the Responses error envelope is OpenAI's
		{"/v1beta/models/gemini-2.5-pro:generateContent", "gemini"},
	}
	refusals := []struct {
		name, kind string
		status     int
		req        func(r *http.Request)
	}{
		{"foreign host", "host", 403, func(r *http.Request) { r.Host = "rebind.example:80" }},
		{"cross-site", "cross_origin", 403, func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") }},
		{"null origin", "cross_origin", 403, func(r *http.Request) { r.Header.Set("Origin", "null") }},
		{"text/plain", "content_type", 415, func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }},
		{"too large", "body_too_large", 413, func(r *http.Request) {
			big := `{"model":"m","x":"` + strings.Repeat("a", 1<<20) + `"}`
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(big)), int64(len(big))
		}},
		{"preflight", "preflight", 403, func(r *http.Request) { r.Method = http.MethodOptions }},
	}
	for _, f := range families {
		for _, rf := range refusals {
			t.Run(rf.name+" "+f.path, func(t *testing.T) {
				req, _ := http.NewRequest(http.MethodPost, g.URL+f.path, strings.NewReader(`{"model":"m","messages":[]}`))
				req.Header.Set("Content-Type", "application/json")
				rf.req(req)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != rf.status {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, rf.status, body)
				}
				if got := shapeOf(body); got != f.shape {
					t.Fatalf("shape %s, want %s: %s", got, f.shape, body)
				}
				if resp.Header.Get("Access-Control-Allow-Origin") != "" {
					t.Fatal("CORS header on a refusal")
				}
			})
		}
	}
	if up.count.Load() != 0 {
		t.Fatalf("upstream saw %d requests", up.count.Load())
	}
	st := g.status(t)
	n := int64(len(families))
	for _, kind := range []string{"host", "content_type", "body_too_large", "preflight"} {
		if st.Refusals[kind] != n {
			t.Errorf("refusals[%s] = %d, want %d (all: %v)", kind, st.Refusals[kind], n, st.Refusals)
		}
	}
	if st.Refusals["cross_origin"] != 2*n {
		t.Errorf("refusals[cross_origin] = %d, want %d", st.Refusals["cross_origin"], 2*n)
	}
	logs := g.logs.String()
	for _, kind := range []string{"host", "cross_origin", "content_type", "body_too_large", "preflight"} {
		if !strings.Contains(logs, `msg="request refused" kind=`+kind) {
			t.Errorf("no log line for kind %s", kind)
		}
	}
	// Rate-limited: far fewer lines than refusals.
	if lines := strings.Count(logs, "request refused"); lines > 10 {
		t.Errorf("%d refusal log lines for %d refusals: not rate-limited", lines, 6*n)
	}
}

// An unknown route says so (code not_found, never model_not_found), in
// the caller's protocol where the path tells it, and lists what is served.
func TestUnknownRouteSaysSo(t *testing.T) {
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, deadURL(t))})
	cases := []struct{ method, path, shape string }{
		{"POST", "/v1/nonexistent", "openai"},
		{"POST", "/v1/messages/bogus", "anthropic"},
		{"POST", "/v1beta/models/x:nothing", "gemini"},
		{"GET", "/nothing/here", "openai"},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, g.URL+c.path, strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Fatalf("%s %s: status %d", c.method, c.path, resp.StatusCode)
		}
		if got := shapeOf(body); got != c.shape {
			t.Fatalf("%s %s: shape %s, want %s: %s", c.method, c.path, got, c.shape, body)
		}
		s := string(body)
		if strings.Contains(s, "model_not_found") {
			t.Fatalf("%s: says model_not_found: %s", c.path, s)
		}
		if !strings.Contains(s, "no route "+c.method+" "+c.path) || !strings.Contains(s, "POST /v1/chat/completions") || !strings.Contains(s, "POST /v1/messages") {
			t.Fatalf("%s: message does not name the route and what is served: %s", c.path, s)
		}
		if c.shape == "openai" && !strings.Contains(s, `"code":"not_found"`) {
			t.Fatalf("%s: code is not not_found: %s", c.path, s)
		}
	}
	if st := g.status(t); st.Refusals["not_found"] != int64(len(cases)) {
		t.Fatalf("refusals %v", st.Refusals)
	}
	if !strings.Contains(g.logs.String(), `msg="request refused" kind=not_found`) {
		t.Fatal("no log line for the unknown route")
	}
}

// Anthropic clients told to use a base URL ending in /v1 call
// /v1/v1/messages: it works like /v1/messages (issue 15, item 7).
func TestAnthropicDoubleV1(t *testing.T) {
	up := anthropicFake(t, nil, aReply{Blocks: []aBlk{aText("hello")}}.answer())
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatAnthropic, up.URL)})
	resp, body := g.post(t, "/v1/v1/messages", `{"model":"claude-x","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "hello") {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	resp, body = g.post(t, "/v1/v1/messages/count_tokens", `{"model":"claude-x","messages":[{"role":"user","content":"hi"}]}`)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "input_tokens") {
		t.Fatalf("count_tokens: status %d: %s", resp.StatusCode, body)
	}
}
