package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// fakeGemini speaks the Gemini API (generativelanguage v1beta) the way
// Gemini CLI uses it: POST /v1beta/models/{model}:streamGenerateContent?alt=sse,
// :generateContent, :countTokens, GET /v1beta/models.
type fakeGemini struct {
	sc  script
	key string // the x-goog-api-key the client must send
	rec recorder

	mu          sync.Mutex
	problems    []string
	toolResults []string // functionResponse.response values, as JSON
	n           int      // model turns answered (stream or not)
}

func (f *fakeGemini) problem(format string, a ...any) {
	f.mu.Lock()
	f.problems = append(f.problems, fmt.Sprintf(format, a...))
	f.mu.Unlock()
}

func (f *fakeGemini) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec, body := f.rec.add(r)
	if got := r.Header.Get("x-goog-api-key"); got != f.key && r.URL.Query().Get("key") != f.key {
		f.problem("%s %s: x-goog-api-key %q, want the client's key", r.Method, r.URL.Path, got)
	}
	path := r.URL.Path
	model, method, _ := strings.Cut(strings.TrimPrefix(path, "/v1beta/models/"), ":")
	switch {
	case r.Method == http.MethodGet && path == "/v1beta/models":
		f.rec.setStream(rec, writeJSON(w, 200, map[string]any{"models": []any{geminiModelInfo("gemini-2.5-flash")}}))
		return
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/v1beta/models/") && method == "":
		f.rec.setStream(rec, writeJSON(w, 200, geminiModelInfo(model)))
		return
	case r.Method == http.MethodPost && method == "countTokens":
		f.rec.setStream(rec, writeJSON(w, 200, map[string]any{"totalTokens": len(body) / 4}))
		return
	case r.Method == http.MethodPost && (method == "streamGenerateContent" || method == "generateContent"):
	default:
		f.problem("unexpected %s %s", r.Method, path)
		writeJSON(w, 404, map[string]any{"error": map[string]any{"code": 404, "status": "NOT_FOUND", "message": "no route " + r.Method + " " + path}})
		return
	}
	var req struct {
		Contents []struct {
			Role  string           `json:"role"`
			Parts []map[string]any `json:"parts"`
		} `json:"contents"`
		Tools []struct {
			FunctionDeclarations []struct{ Name string } `json:"functionDeclarations"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		f.problem("%s: body: %v", path, err)
		writeJSON(w, 400, map[string]any{"error": map[string]any{"code": 400, "status": "INVALID_ARGUMENT", "message": err.Error()}})
		return
	}
	result, found := "", false
	for _, c := range req.Contents {
		for _, p := range c.Parts {
			if fr, ok := p["functionResponse"].(map[string]any); ok {
				found = true
				result = jsonText(fr["response"])
			}
		}
	}
	declared := false
	for _, tl := range req.Tools {
		for _, d := range tl.FunctionDeclarations {
			declared = declared || d.Name == f.sc.tool
		}
	}
	f.mu.Lock()
	f.n++
	n := f.n
	if found {
		f.toolResults = append(f.toolResults, result)
	}
	f.mu.Unlock()

	usage := map[string]any{"promptTokenCount": 120, "candidatesTokenCount": 12, "thoughtsTokenCount": 4, "totalTokenCount": 136}
	chunk := func(parts []any, finish string) map[string]any {
		c := map[string]any{"content": map[string]any{"role": "model", "parts": parts}, "index": 0}
		out := map[string]any{"candidates": []any{c}, "modelVersion": model, "responseId": fmt.Sprintf("resp-%d", n)}
		if finish != "" {
			c["finishReason"] = finish
			out["usageMetadata"] = usage
		}
		return out
	}
	var chunks []map[string]any
	if found {
		a, b := split(f.sc.final)
		chunks = []map[string]any{chunk([]any{map[string]any{"text": a}}, ""), chunk([]any{map[string]any{"text": b}}, "STOP")}
	} else {
		if !declared {
			f.problem("request %d: tool %q not declared", n, f.sc.tool)
		}
		var args map[string]any
		json.Unmarshal([]byte(f.sc.args), &args)
		chunks = []map[string]any{
			chunk([]any{map[string]any{"text": "Running the command.", "thought": true}}, ""),
			chunk([]any{map[string]any{"functionCall": map[string]any{"name": f.sc.tool, "args": args}}}, "STOP"),
		}
	}
	if method == "generateContent" {
		var parts []any
		for _, c := range chunks {
			parts = append(parts, c["candidates"].([]any)[0].(map[string]any)["content"].(map[string]any)["parts"].([]any)...)
		}
		f.rec.setStream(rec, writeJSON(w, 200, chunk(parts, "STOP")))
		return
	}
	if r.URL.Query().Get("alt") != "sse" {
		f.problem("%s without alt=sse (the JSON-array stream form)", path)
	}
	s := newSSE(w)
	for _, c := range chunks {
		s.event("", c)
	}
	f.rec.setStream(rec, s.copy.String())
}

func geminiModelInfo(name string) map[string]any {
	return map[string]any{"name": "models/" + name, "displayName": name, "inputTokenLimit": 1048576, "outputTokenLimit": 65536,
		"supportedGenerationMethods": []string{"generateContent", "countTokens"}}
}
