package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/openai/openai-go/v3"

	"switchyard/gateway/config"
	"switchyard/gateway/convert/converttest"
	"switchyard/gateway/gemini"
	"switchyard/gateway/gemini/geminitest"
)

const geminiUpKey = "AIza-upstream-key-1234"

// fakeGeminiAPI is a Gemini API backend: generateContent and
// streamGenerateContent?alt=sse under {base}/models/{model}:…, the key in
// x-goog-api-key. It thinks, then calls get_weather when the request
// declares tools and holds no functionResponse yet, else answers text,
// with usage (cached and thought tokens).
func fakeGeminiAPI(t *testing.T) *upstream {
	return newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("x-goog-api-key") != geminiUpKey {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":{"code":401,"message":"API key not valid","status":"UNAUTHENTICATED"}}`)
			return
		}
		var req gemini.GenerateContentRequest
		json.NewDecoder(r.Body).Decode(&req)
		answered := false
		for _, c := range req.Contents {
			for _, p := range c.Parts {
				answered = answered || p.FunctionResponse != nil
			}
		}
		parts := `{"text":"Weighing the question.","thought":true},{"text":"hello from gemini"}`
		finish := "STOP"
		if len(req.Tools) > 0 && !answered {
			parts = `{"text":"Weighing the question.","thought":true},{"functionCall":{"id":"fc_1","name":"get_weather","args":{"city":"Oslo"}}}`
		}
		usage := `"usageMetadata":{"promptTokenCount":40,"candidatesTokenCount":7,"cachedContentTokenCount":30,"thoughtsTokenCount":3,"totalTokenCount":50}`
		if strings.HasSuffix(r.URL.Path, ":generateContent") {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"candidates":[{"content":{"role":"model","parts":[%s]},"finishReason":%q,"index":0}],%s,"modelVersion":"gemini-2.5-pro","responseId":"resp-1"}`, parts, finish, usage)
			return
		}
		if r.URL.Query().Get("alt") != "sse" {
			t.Errorf("stream without alt=sse: %s?%s", r.URL.Path, r.URL.RawQuery)
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		var ps []json.RawMessage
		json.Unmarshal([]byte("["+parts+"]"), &ps)
		for i, p := range ps {
			fin := ""
			if i == len(ps)-1 { // as Gemini does: finish and usage on the last chunk
				fin = fmt.Sprintf(`,"finishReason":%q}],%s`, finish, usage)
			} else {
				fin = "}]"
			}
			fmt.Fprintf(w, "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[%s]},\"index\":0%s,\"modelVersion\":\"gemini-2.5-pro\",\"responseId\":\"resp-1\"}\n\n", p, fin)
			fl.Flush()
		}
	})
}

func geminiBackend(url string) config.Backend {
	b := backend("g", 1, config.FormatGemini, url+"/v1beta")
	b.Aliases = map[string]string{"gemini-pro": "gemini-2.5-pro"}
	return b
}

// A format: gemini backend serves OpenAI, Anthropic and Gemini clients,
// streaming and not, with tools and thinking; the request reaches it on
// its own path with its own key, the alias applied.
func TestGeminiBackendServesEveryClient(t *testing.T) {
	up := fakeGeminiAPI(t)
	g := startGateway(t, []config.Backend{geminiBackend(up.URL)}, withEnv("G_API_KEYS", geminiUpKey))
	ctx := context.Background()

	t.Run("openai-go", func(t *testing.T) {
		p := chatParams("gemini-pro")
		p.Tools = []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(openai.FunctionDefinitionParam{
			Name: "get_weather", Parameters: openai.FunctionParameters{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}}})}
		resp, err := g.openai().Chat.Completions.New(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		tc := resp.Choices[0].Message.ToolCalls
		if len(tc) != 1 || tc[0].Function.Name != "get_weather" || tc[0].Function.Arguments != `{"city":"Oslo"}` || resp.Choices[0].FinishReason != "tool_calls" {
			t.Fatalf("tool call %+v finish %s", tc, resp.Choices[0].FinishReason)
		}
		if resp.Usage.PromptTokens != 40 || resp.Usage.PromptTokensDetails.CachedTokens != 30 {
			t.Fatalf("usage %+v", resp.Usage)
		}
		last := up.requests()[len(up.requests())-1]
		if last.Path != "/v1beta/models/gemini-2.5-pro:generateContent" || last.Header.Get("Authorization") != "" {
			t.Fatalf("upstream got %s (Authorization %q)", last.Path, last.Header.Get("Authorization"))
		}
		st := g.openai().Chat.Completions.NewStreaming(ctx, chatParams("gemini-pro"))
		var text strings.Builder
		for st.Next() {
			if c := st.Current(); len(c.Choices) > 0 {
				text.WriteString(c.Choices[0].Delta.Content)
			}
		}
		if st.Err() != nil || text.String() != "hello from gemini" {
			t.Fatalf("stream: %q %v", text.String(), st.Err())
		}
	})

	t.Run("anthropic-sdk", func(t *testing.T) {
		msg, err := g.claude(nil).Messages.New(ctx, anthropic.MessageNewParams{Model: "gemini-pro", MaxTokens: 100,
			Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))}})
		if err != nil {
			t.Fatal(err)
		}
		var text string
		for _, b := range msg.Content {
			text += b.Text
		}
		if text != "hello from gemini" || msg.Usage.CacheReadInputTokens != 30 {
			t.Fatalf("message %q usage %+v", text, msg.Usage)
		}
		resp, body := g.post(t, "/v1/messages", `{"model":"gemini-pro","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi"}]}`)
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		if err := converttest.CheckAnthropicStream(body); err != nil || !strings.Contains(string(body), "hello from gemini") || !strings.Contains(string(body), `"thinking":"Weighing the question."`) {
			t.Fatalf("%v\n%s", err, body)
		}
	})

	t.Run("gemini passthrough", func(t *testing.T) {
		const req = `{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`
		resp, body := g.post(t, "/v1beta/models/gemini-pro:generateContent?key=client-secret-key", req)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"text":"hello from gemini"`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		last := up.requests()[len(up.requests())-1]
		if string(last.Body) != req || last.Path != "/v1beta/models/gemini-2.5-pro:generateContent" || last.Query != "" {
			t.Fatalf("not passed through untouched: %s?%s %s", last.Path, last.Query, last.Body)
		}
		for _, form := range []struct {
			query  string
			format gemini.StreamFormat
			ctype  string
		}{{"?alt=sse", gemini.StreamFormatSSE, "text/event-stream"}, {"", gemini.StreamFormatJSONArray, "application/json"}} {
			resp, body := g.post(t, "/v1beta/models/gemini-pro:streamGenerateContent"+form.query, req, "x-goog-api-key", "client-secret-key")
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != form.ctype {
				t.Fatalf("%q: %d %s %s", form.query, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			if err := geminitest.CheckStream(body, form.format); err != nil || !strings.Contains(string(body), "hello from gemini") {
				t.Fatalf("%q: %v\n%s", form.query, err, body)
			}
		}
		for _, r := range up.requests() {
			if strings.Contains(r.Query+fmt.Sprint(r.Header), "client-secret-key") {
				t.Fatalf("the client's key reached the upstream: %s?%s", r.Path, r.Query)
			}
		}
		if strings.Contains(g.logs.String(), "client-secret-key") {
			t.Fatal("the client's key is in the log")
		}
	})
}

// A Gemini client reaches OpenAI- and Anthropic-format backends through
// the hub: answer, SSE and JSON-array streams, each stream a valid
// Gemini stream; countTokens and the model list answer locally.
func TestGeminiClientToOtherBackends(t *testing.T) {
	up := newUpstream(t, chatOK("openai"))
	b := backend("o", 1, config.FormatOpenAI, up.URL)
	b.ModelList = []string{"gemini-2.5-flash"}
	g := startGateway(t, []config.Backend{b})
	const req = `{"systemInstruction":{"parts":[{"text":"be brief"}]},"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"maxOutputTokens":64,"temperature":0.2}}`
	resp, body := g.post(t, "/v1beta/models/gemini-2.5-flash:generateContent", req)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"text":"hello from openai"`) || !strings.Contains(string(body), `"finishReason":"STOP"`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var sent struct {
		Model     string
		MaxTokens int `json:"max_tokens"`
		Messages  []struct{ Role string }
	}
	json.Unmarshal(up.requests()[0].Body, &sent)
	if sent.Model != "gemini-2.5-flash" || sent.MaxTokens != 64 || len(sent.Messages) != 2 || sent.Messages[0].Role != "system" {
		t.Fatalf("hub request %s", up.requests()[0].Body)
	}
	for _, form := range []struct {
		query  string
		format gemini.StreamFormat
	}{{"?alt=sse", gemini.StreamFormatSSE}, {"", gemini.StreamFormatJSONArray}} {
		resp, body := g.post(t, "/v1/models/gemini-2.5-flash:streamGenerateContent"+form.query, req)
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		if err := geminitest.CheckStream(body, form.format); err != nil || !strings.Contains(string(body), "from ") {
			t.Fatalf("%q: %v\n%s", form.query, err, body)
		}
	}
	resp, body = g.post(t, "/v1beta/models/gemini-2.5-flash:countTokens", `{"contents":[{"role":"user","parts":[{"text":"hello there, how are you today?"}]}]}`)
	var ct struct{ TotalTokens int }
	if json.Unmarshal(body, &ct); resp.StatusCode != 200 || ct.TotalTokens <= 0 || len(up.requests()) != 3 {
		t.Fatalf("countTokens %d %s (%d upstream requests)", resp.StatusCode, body, len(up.requests()))
	}
	r, err := http.Get(g.URL + "/v1beta/models")
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Models []struct{ Name string } }
	json.NewDecoder(r.Body).Decode(&list)
	r.Body.Close()
	if len(list.Models) != 1 || list.Models[0].Name != "models/gemini-2.5-flash" {
		t.Fatalf("models %+v", list)
	}
	for path, want := range map[string]int{"/v1beta/models/gemini-2.5-flash": 200, "/v1beta/models/nope": 404} {
		r, err := http.Get(g.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != want {
			t.Fatalf("GET %s: %d", path, r.StatusCode)
		}
	}
}

// Bad Gemini input gets 400 in Google's shape naming the field, and no
// upstream is called.
func TestGeminiBadInput(t *testing.T) {
	up := newUpstream(t, chatOK("x"))
	g := startGateway(t, []config.Backend{backend("o", 1, config.FormatOpenAI, up.URL)})
	for _, c := range []struct{ path, body, want string }{
		{"/v1beta/models/m:generateContent", `{"contents":[{"role":"user","parts":[{"videoMetadata":{}}]}]}`, "contents[0].parts[0]"},
		{"/v1beta/models/:generateContent", `{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`, "model"},
		{"/v1beta/models/m:generateContent", `{"contents":[`, "malformed JSON"},
		{"/v1beta/models/m:streamGenerateContent?alt=sse", `{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"candidateCount":2}}`, "candidateCount"},
	} {
		resp, body := g.post(t, c.path, c.body)
		var e struct {
			Error struct {
				Code    int
				Message string
				Status  string
			}
		}
		if json.Unmarshal(body, &e); resp.StatusCode != 400 || e.Error.Code != 400 || e.Error.Status != "INVALID_ARGUMENT" || !strings.Contains(e.Error.Message, c.want) {
			t.Fatalf("%s %s: %d %s", c.path, c.body, resp.StatusCode, body)
		}
	}
	if n := len(up.requests()); n != 0 {
		t.Fatalf("%d requests reached the upstream", n)
	}
}

// A Gemini backend that fails before the first byte is failed over
// invisibly; one that cuts its stream after it ends the Gemini client's
// stream with exactly one error chunk.
func TestGeminiFailoverAndCut(t *testing.T) {
	bad := newUpstream(t, status(500))
	good := fakeGeminiAPI(t)
	b2 := geminiBackend(good.URL)
	b2.ID, b2.Priority = "g2", 2
	g := startGateway(t, []config.Backend{geminiBackend(bad.URL), b2}, withEnv("G_API_KEYS", geminiUpKey, "G2_API_KEYS", geminiUpKey))
	resp, body := g.post(t, "/v1beta/models/gemini-pro:streamGenerateContent?alt=sse", `{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`)
	if resp.StatusCode != 200 || resp.Header.Get("X-Switchyard-Backend") != "g2" || geminitest.CheckStream(body, gemini.StreamFormatSSE) != nil {
		t.Fatalf("%d %s %s", resp.StatusCode, resp.Header.Get("X-Switchyard-Backend"), body)
	}
	cut := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"partial\"}]},\"index\":0}]}\n\n")
	})
	for _, q := range []string{"?alt=sse", ""} {
		// A fresh gateway each time: the cut puts the backend in cooldown.
		g = startGateway(t, []config.Backend{geminiBackend(cut.URL), b2}, withEnv("G_API_KEYS", geminiUpKey, "G2_API_KEYS", geminiUpKey))
		resp, body = g.post(t, "/v1beta/models/gemini-pro:streamGenerateContent"+q, `{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`)
		s := string(body)
		if resp.StatusCode != 200 || !strings.Contains(s, "partial") || strings.Count(s, `"error"`) != 1 || strings.Contains(s, "hello from gemini") {
			t.Fatalf("%q: cut stream %d\n%s", q, resp.StatusCode, s)
		}
		if q == "" && !json.Valid(body) {
			t.Fatalf("the cut JSON-array stream is not valid JSON:\n%s", s)
		}
	}
}
