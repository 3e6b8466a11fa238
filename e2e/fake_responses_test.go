package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// script is the scripted model every fake plays: its first answer calls the
// CLI's own tool with args; once a request carries that tool's result it
// answers with the final text.
type script struct {
	tool  string // the CLI's tool name, as the CLI declares it
	args  string // the call's arguments, a JSON object
	final string // sy-final-<random>
}

// split cuts s in two, so that every fake streams a value in two deltas.
func split(s string) (string, string) { return s[:len(s)/2], s[len(s)/2:] }

// fakeResponses speaks the OpenAI Responses API the way Codex CLI uses it:
// POST /v1/responses (streaming and not) and GET /v1/models.
type fakeResponses struct {
	sc  script
	key string // the bearer token the client must send
	rec recorder

	mu          sync.Mutex
	problems    []string
	toolResults []string // function_call_output outputs, in order
	n           int
}

func (f *fakeResponses) problem(format string, a ...any) {
	f.mu.Lock()
	f.problems = append(f.problems, fmt.Sprintf(format, a...))
	f.mu.Unlock()
}

func (f *fakeResponses) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec, body := f.rec.add(r)
	if got := r.Header.Get("Authorization"); got != "Bearer "+f.key {
		f.problem("%s %s: Authorization %q, want the client's key", r.Method, r.URL.Path, got)
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/models":
		f.rec.setStream(rec, writeJSON(w, 200, map[string]any{"object": "list", "data": []any{
			map[string]any{"id": "gpt-5-codex", "object": "model", "owned_by": "switchyard-e2e"}}}))
		return
	case r.Method != http.MethodPost || r.URL.Path != "/v1/responses":
		f.problem("unexpected %s %s", r.Method, r.URL.Path)
		http.Error(w, "no route "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		return
	}
	var req struct {
		Model  string            `json:"model"`
		Stream bool              `json:"stream"`
		Input  json.RawMessage   `json:"input"`
		Tools  []json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		f.problem("POST /v1/responses: body: %v", err)
		writeJSON(w, 400, map[string]any{"error": map[string]any{"type": "invalid_request_error", "message": err.Error()}})
		return
	}
	var items []map[string]any
	json.Unmarshal(req.Input, &items) // input may also be a plain string: then no tool result
	result, found := "", false
	for _, it := range items {
		if it["type"] == "function_call_output" {
			found = true
			result = jsonText(it["output"])
		}
	}
	declared := false
	for _, raw := range req.Tools {
		var tl struct{ Type, Name string }
		json.Unmarshal(raw, &tl)
		declared = declared || (tl.Type == "function" && tl.Name == f.sc.tool)
	}
	f.mu.Lock()
	f.n++
	n := f.n
	if found {
		f.toolResults = append(f.toolResults, result)
	}
	f.mu.Unlock()

	var item map[string]any
	if found {
		item = map[string]any{"id": fmt.Sprintf("msg_%d", n), "type": "message", "status": "completed", "role": "assistant",
			"content": []any{map[string]any{"type": "output_text", "text": f.sc.final, "annotations": []any{}}}}
	} else {
		if !declared {
			f.problem("request %d: tool %q not declared", n, f.sc.tool)
		}
		item = map[string]any{"id": fmt.Sprintf("fc_%d", n), "type": "function_call", "status": "completed",
			"call_id": fmt.Sprintf("call_sy%d", n), "name": f.sc.tool, "arguments": f.sc.args}
	}
	resp := map[string]any{"id": fmt.Sprintf("resp_%d", n), "object": "response", "created_at": time.Now().Unix(),
		"status": "completed", "model": req.Model, "output": []any{item},
		"usage": map[string]any{"input_tokens": 120, "input_tokens_details": map[string]any{"cached_tokens": 0},
			"output_tokens": 12, "output_tokens_details": map[string]any{"reasoning_tokens": 0}, "total_tokens": 132}}
	if !req.Stream {
		f.rec.setStream(rec, writeJSON(w, 200, resp))
		return
	}
	s := newSSE(w)
	writeResponsesStream(s, resp, item)
	f.rec.setStream(rec, s.copy.String())
}

// writeResponsesStream writes the full Responses event sequence for one
// output item, the way OpenAI streams it (and the way a gateway should):
// created, in_progress, output_item.added, the content or argument deltas,
// output_item.done, completed; sequence_number increases from 0.
func writeResponsesStream(s *sseWriter, resp, item map[string]any) {
	seq := 0
	ev := func(typ string, fields map[string]any) {
		fields["type"] = typ
		fields["sequence_number"] = seq
		seq++
		s.event(typ, fields)
	}
	started := map[string]any{}
	for k, v := range resp {
		started[k] = v
	}
	started["status"], started["output"], started["usage"] = "in_progress", []any{}, nil
	ev("response.created", map[string]any{"response": started})
	ev("response.in_progress", map[string]any{"response": started})
	id := item["id"]
	switch item["type"] {
	case "message":
		text := item["content"].([]any)[0].(map[string]any)["text"].(string)
		ev("response.output_item.added", map[string]any{"output_index": 0, "item": map[string]any{
			"id": id, "type": "message", "status": "in_progress", "role": "assistant", "content": []any{}}})
		ev("response.content_part.added", map[string]any{"item_id": id, "output_index": 0, "content_index": 0,
			"part": map[string]any{"type": "output_text", "text": "", "annotations": []any{}}})
		a, b := split(text)
		for _, d := range []string{a, b} {
			ev("response.output_text.delta", map[string]any{"item_id": id, "output_index": 0, "content_index": 0, "delta": d, "logprobs": []any{}})
		}
		ev("response.output_text.done", map[string]any{"item_id": id, "output_index": 0, "content_index": 0, "text": text, "logprobs": []any{}})
		ev("response.content_part.done", map[string]any{"item_id": id, "output_index": 0, "content_index": 0,
			"part": map[string]any{"type": "output_text", "text": text, "annotations": []any{}}})
	case "function_call":
		args := item["arguments"].(string)
		ev("response.output_item.added", map[string]any{"output_index": 0, "item": map[string]any{
			"id": id, "type": "function_call", "status": "in_progress", "call_id": item["call_id"], "name": item["name"], "arguments": ""}})
		a, b := split(args)
		for _, d := range []string{a, b} {
			ev("response.function_call_arguments.delta", map[string]any{"item_id": id, "output_index": 0, "delta": d})
		}
		ev("response.function_call_arguments.done", map[string]any{"item_id": id, "output_index": 0, "arguments": args})
	}
	ev("response.output_item.done", map[string]any{"output_index": 0, "item": item})
	ev("response.completed", map[string]any{"response": resp})
}

// jsonText is v as text: a string as it is, anything else as JSON.
func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// containsAny reports whether s contains any of the needles.
func containsAny(s string, needles ...string) bool {
	for _, n := range needles {
		if n != "" && strings.Contains(s, n) {
			return true
		}
	}
	return false
}
