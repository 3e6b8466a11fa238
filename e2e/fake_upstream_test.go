package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeUpstream is a backend behind the gateway: Anthropic Messages
// (POST /v1/messages) or OpenAI Chat Completions (POST /v1/chat/completions),
// streaming or not as the gateway asks, playing the same script as the
// direct fakes. Like the real APIs it refuses a tool result whose id does
// not answer a tool call of the previous assistant turn.
type fakeUpstream struct {
	format    string // "anthropic" | "openai"
	sc        script
	key       string // the configured upstream key: the only one allowed
	clientKey string // the CLI's key: must never arrive
	rec       recorder

	mu          sync.Mutex
	problems    []string
	toolResults []string
	n           int
	streamed    int
}

func (f *fakeUpstream) problem(format string, a ...any) {
	f.mu.Lock()
	f.problems = append(f.problems, fmt.Sprintf(format, a...))
	f.mu.Unlock()
}

func (f *fakeUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec, body := f.rec.add(r)
	where := r.Method + " " + r.URL.Path
	for name, vs := range r.Header {
		for _, v := range vs {
			if strings.Contains(v, f.clientKey) {
				f.problem("%s: the client's key reached the upstream in header %s", where, name)
			}
		}
	}
	if strings.Contains(string(body), f.clientKey) {
		f.problem("%s: the client's key reached the upstream in the body", where)
	}
	auth, xkey := r.Header.Get("Authorization"), r.Header.Get("x-api-key")
	switch f.format {
	case "anthropic":
		if xkey != f.key || (auth != "" && auth != "Bearer "+f.key) {
			f.problem("%s: x-api-key %q, Authorization %q: want exactly the configured key", where, redactKey(xkey), redactKey(auth))
		}
	default:
		if auth != "Bearer "+f.key || (xkey != "" && xkey != f.key) {
			f.problem("%s: Authorization %q, x-api-key %q: want exactly the configured key", where, redactKey(auth), redactKey(xkey))
		}
	}
	if r.Method == http.MethodGet && r.URL.Path == "/v1/models" {
		f.rec.setStream(rec, writeJSON(w, 200, map[string]any{"object": "list", "data": []any{
			map[string]any{"id": codexModel, "object": "model"}, map[string]any{"id": geminiModel, "object": "model"}}}))
		return
	}
	want := map[string]string{"anthropic": "/v1/messages", "openai": "/v1/chat/completions"}[f.format]
	if r.Method != http.MethodPost || r.URL.Path != want {
		f.problem("unexpected %s", where)
		http.Error(w, "no route "+where, http.StatusNotFound)
		return
	}
	var req struct {
		Model    string            `json:"model"`
		Stream   bool              `json:"stream"`
		Messages []json.RawMessage `json:"messages"`
		Tools    []json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		f.problem("%s: body: %v", where, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	declared := false
	for _, raw := range req.Tools {
		var tl struct {
			Name     string
			Function struct{ Name string }
		}
		json.Unmarshal(raw, &tl)
		declared = declared || tl.Name == f.sc.tool || tl.Function.Name == f.sc.tool
	}
	var found bool
	var result string
	var err error
	if f.format == "anthropic" {
		result, found, err = anthropicToolResult(req.Messages)
	} else {
		result, found, err = openaiToolResult(req.Messages)
	}
	if err != nil {
		f.problem("%s: %v", where, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.n++
	n := f.n
	if found {
		f.toolResults = append(f.toolResults, result)
	}
	if req.Stream {
		f.streamed++
	}
	f.mu.Unlock()
	if !found && !declared {
		f.problem("request %d: tool %q not among the tools the gateway sent", n, f.sc.tool)
	}
	var out string
	if f.format == "anthropic" {
		out = f.answerAnthropic(w, req.Model, req.Stream, !found, n)
	} else {
		out = f.answerOpenAI(w, req.Model, req.Stream, !found, n)
	}
	f.rec.setStream(rec, out)
}

func redactKey(s string) string {
	if len(s) > 12 {
		return s[:8] + "…"
	}
	return s
}

// anthropicToolResult finds the last tool_result and checks that every
// tool_result answers a tool_use of the assistant message before it.
func anthropicToolResult(msgs []json.RawMessage) (string, bool, error) {
	type block struct {
		Type      string          `json:"type"`
		ID        string          `json:"id"`
		ToolUseID string          `json:"tool_use_id"`
		Content   json.RawMessage `json:"content"`
	}
	var result string
	found := false
	prevUses := map[string]bool{}
	for i, raw := range msgs {
		var m struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return "", false, fmt.Errorf("messages[%d]: %v", i, err)
		}
		var blocks []block
		json.Unmarshal(m.Content, &blocks) // a string content has no blocks
		uses := map[string]bool{}
		for _, b := range blocks {
			switch b.Type {
			case "tool_use":
				uses[b.ID] = true
			case "tool_result":
				if !prevUses[b.ToolUseID] {
					return "", false, fmt.Errorf("messages[%d]: tool_result %q answers no tool_use of the previous message", i, b.ToolUseID)
				}
				found = true
				var s string
				if json.Unmarshal(b.Content, &s) != nil {
					s = string(b.Content)
				}
				result = s
			}
		}
		prevUses = uses
	}
	return result, found, nil
}

// openaiToolResult finds the last tool message and checks that its
// tool_call_id answers a tool call of an earlier assistant message.
func openaiToolResult(msgs []json.RawMessage) (string, bool, error) {
	var result string
	found := false
	calls := map[string]bool{}
	for i, raw := range msgs {
		var m struct {
			Role       string          `json:"role"`
			Content    json.RawMessage `json:"content"`
			ToolCallID string          `json:"tool_call_id"`
			ToolCalls  []struct {
				ID string `json:"id"`
			} `json:"tool_calls"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return "", false, fmt.Errorf("messages[%d]: %v", i, err)
		}
		for _, c := range m.ToolCalls {
			calls[c.ID] = true
		}
		if m.Role == "tool" {
			if !calls[m.ToolCallID] {
				return "", false, fmt.Errorf("messages[%d]: tool_call_id %q answers no earlier tool call", i, m.ToolCallID)
			}
			found = true
			var s string
			if json.Unmarshal(m.Content, &s) != nil {
				s = string(m.Content)
			}
			result = s
		}
	}
	return result, found, nil
}

// answerAnthropic answers a Messages request: a short text and the tool
// call, or the final text; streamed as Anthropic streams, or whole.
func (f *fakeUpstream) answerAnthropic(w http.ResponseWriter, model string, stream, callTool bool, n int) string {
	id := fmt.Sprintf("msg_sy%d", n)
	toolID := fmt.Sprintf("toolu_sy%d", n)
	usage := map[string]any{"input_tokens": 120, "output_tokens": 12, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}
	if !stream {
		content := []any{map[string]any{"type": "text", "text": f.sc.final}}
		stop := "end_turn"
		if callTool {
			var input any
			json.Unmarshal([]byte(f.sc.args), &input)
			content = []any{map[string]any{"type": "text", "text": "Running the command."},
				map[string]any{"type": "tool_use", "id": toolID, "name": f.sc.tool, "input": input}}
			stop = "tool_use"
		}
		return writeJSON(w, 200, map[string]any{"id": id, "type": "message", "role": "assistant", "model": model,
			"content": content, "stop_reason": stop, "stop_sequence": nil, "usage": usage})
	}
	s := newSSE(w)
	s.event("message_start", map[string]any{"type": "message_start", "message": map[string]any{"id": id, "type": "message",
		"role": "assistant", "model": model, "content": []any{}, "stop_reason": nil, "stop_sequence": nil,
		"usage": map[string]any{"input_tokens": 120, "output_tokens": 1, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}}})
	text := func(index int, t string) {
		s.event("content_block_start", map[string]any{"type": "content_block_start", "index": index, "content_block": map[string]any{"type": "text", "text": ""}})
		a, b := split(t)
		for _, d := range []string{a, b} {
			s.event("content_block_delta", map[string]any{"type": "content_block_delta", "index": index, "delta": map[string]any{"type": "text_delta", "text": d}})
		}
		s.event("content_block_stop", map[string]any{"type": "content_block_stop", "index": index})
	}
	stop := "end_turn"
	if callTool {
		text(0, "Running the command.")
		s.event("content_block_start", map[string]any{"type": "content_block_start", "index": 1, "content_block": map[string]any{
			"type": "tool_use", "id": toolID, "name": f.sc.tool, "input": map[string]any{}}})
		a, b := split(f.sc.args)
		for _, d := range []string{a, b} {
			s.event("content_block_delta", map[string]any{"type": "content_block_delta", "index": 1, "delta": map[string]any{"type": "input_json_delta", "partial_json": d}})
		}
		s.event("content_block_stop", map[string]any{"type": "content_block_stop", "index": 1})
		stop = "tool_use"
	} else {
		text(0, f.sc.final)
	}
	s.event("message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": stop, "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": 12}})
	s.event("message_stop", map[string]any{"type": "message_stop"})
	return s.copy.String()
}

// answerOpenAI answers a Chat Completions request: the tool call or the
// final text; streamed in chunks (arguments split, usage last, [DONE]), or
// whole.
func (f *fakeUpstream) answerOpenAI(w http.ResponseWriter, model string, stream, callTool bool, n int) string {
	id := fmt.Sprintf("chatcmpl-sy%d", n)
	callID := fmt.Sprintf("call_sy%d", n)
	created := time.Now().Unix()
	usage := map[string]any{"prompt_tokens": 120, "completion_tokens": 12, "total_tokens": 132,
		"prompt_tokens_details": map[string]any{"cached_tokens": 0}}
	if !stream {
		msg := map[string]any{"role": "assistant", "content": f.sc.final}
		finish := "stop"
		if callTool {
			msg = map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{
				"id": callID, "type": "function", "function": map[string]any{"name": f.sc.tool, "arguments": f.sc.args}}}}
			finish = "tool_calls"
		}
		return writeJSON(w, 200, map[string]any{"id": id, "object": "chat.completion", "created": created, "model": model,
			"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}}, "usage": usage})
	}
	s := newSSE(w)
	chunk := func(delta map[string]any, finish any) {
		s.event("", map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}})
	}
	chunk(map[string]any{"role": "assistant", "content": ""}, nil)
	finish := "stop"
	if callTool {
		chunk(map[string]any{"tool_calls": []any{map[string]any{"index": 0, "id": callID, "type": "function",
			"function": map[string]any{"name": f.sc.tool, "arguments": ""}}}}, nil)
		a, b := split(f.sc.args)
		for _, d := range []string{a, b} {
			chunk(map[string]any{"tool_calls": []any{map[string]any{"index": 0, "function": map[string]any{"arguments": d}}}}, nil)
		}
		finish = "tool_calls"
	} else {
		a, b := split(f.sc.final)
		for _, d := range []string{a, b} {
			chunk(map[string]any{"content": d}, nil)
		}
	}
	chunk(map[string]any{}, finish)
	s.event("", map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": []any{}, "usage": usage})
	s.raw("data: [DONE]\n\n")
	return s.copy.String()
}

// check asserts the round trip as the upstream saw it: no problems, the
// tool result with the marker in a later request, a bounded request count.
func (f *fakeUpstream) check(t testing.TB) {
	t.Helper()
	f.mu.Lock()
	problems, results, n, streamed := f.problems, f.toolResults, f.n, f.streamed
	f.mu.Unlock()
	for _, p := range problems {
		t.Errorf("fake %s upstream: %s", f.format, p)
	}
	ok := false
	for _, r := range results {
		ok = ok || strings.Contains(r, toolMarker)
	}
	if n < 2 || n > 4 || !ok {
		t.Errorf("fake %s upstream: want 2 model requests (a few more at most), a later one carrying the tool result with %q; got %d, tool results %q\n%s",
			f.format, toolMarker, n, results, f.rec.summary())
	}
	t.Logf("fake %s upstream: %d model requests, %d streamed", f.format, n, streamed)
}
