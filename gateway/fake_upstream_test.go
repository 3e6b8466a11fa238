package gateway_test

// Scripted fake upstreams for the conversion end-to-end tests
// (convert_e2e_test.go): an Anthropic-format backend (POST /v1/messages,
// POST /v1/messages/count_tokens) and an OpenAI-format one
// (POST /v1/chat/completions), each answering in JSON or SSE as the request
// asks, plus a wire tap that captures the exact bytes the gateway sends to a
// client. They build on newUpstream (harness_test.go), which records every
// request.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchyard/gateway/convert/converttest"
)

// sseEv is one SSE event a fake sends. Name "" means a data-only event
// (OpenAI framing).
type sseEv struct{ Name, Data string }

// writeSSE answers 200 text/event-stream with evs, flushing after each and
// sleeping pace between them (pacing is the fake's behaviour on purpose).
func writeSSE(w http.ResponseWriter, evs []sseEv, pace time.Duration) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fl, _ := w.(http.Flusher)
	for i, ev := range evs {
		if i > 0 && pace > 0 {
			time.Sleep(pace)
		}
		io.WriteString(w, sseBytes(ev))
		if fl != nil {
			fl.Flush()
		}
	}
}

func sseBytes(ev sseEv) string {
	if ev.Name != "" {
		return "event: " + ev.Name + "\ndata: " + ev.Data + "\n\n"
	}
	return "data: " + ev.Data + "\n\n"
}

func wireOf(evs []sseEv) []byte {
	var b strings.Builder
	for _, ev := range evs {
		b.WriteString(sseBytes(ev))
	}
	return []byte(b.String())
}

// mustJSON marshals v; test data only.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// wantsStream reports the request body's "stream" flag.
func wantsStream(r *http.Request) bool {
	var b struct {
		Stream bool `json:"stream"`
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	json.Unmarshal(body, &b)
	return b.Stream
}

// turns serves the i-th request with hs[i]; the last one repeats.
func turns(hs ...http.HandlerFunc) http.HandlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		hs[min(i, len(hs)-1)](w, r)
	}
}

// httpError answers status with body and optional header pairs.
func httpError(code int, body string, hdr ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

// events answers with a fixed SSE script, whatever the request.
func events(pace time.Duration, evs ...sseEv) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { writeSSE(w, evs, pace) }
}

// ---- Anthropic-format fake ----

// anthropicFake serves an Anthropic-format backend: messages for
// POST /v1/messages, count for POST /v1/messages/count_tokens (nil: 404);
// any other path is a 404 in Anthropic's error shape, so a gateway posting
// to the wrong place fails the test.
func anthropicFake(t *testing.T, count, messages http.HandlerFunc) *upstream {
	t.Helper()
	return newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/messages" && messages != nil:
			messages(w, r)
		case r.Method == http.MethodPost && r.URL.Path == "/v1/messages/count_tokens" && count != nil:
			count(w, r)
		default:
			httpError(404, `{"type":"error","error":{"type":"not_found_error","message":"fake anthropic: no route `+r.Method+` `+r.URL.Path+`"}}`)(w, r)
		}
	})
}

type aUsage struct{ In, Out, CacheRead, CacheCreate int }

// aBlk is one content block of a scripted Anthropic answer. Frags are the
// stream deltas (text pieces, or partial_json pieces of a tool's input);
// joined they are the block's text / input JSON.
type aBlk struct {
	Kind     string // text | tool_use | thinking
	ID, Name string
	Frags    []string
}

func aText(frags ...string) aBlk { return aBlk{Kind: "text", Frags: frags} }
func aTool(id, name string, frags ...string) aBlk {
	return aBlk{Kind: "tool_use", ID: id, Name: name, Frags: frags}
}

// aReply is a scripted Anthropic answer, rendered as a Messages response or
// as the event stream that carries it.
type aReply struct {
	ID, Model string
	Blocks    []aBlk
	Stop      string
	Usage     aUsage
}

func (r aReply) usage(out int) map[string]any {
	return map[string]any{"input_tokens": r.Usage.In, "output_tokens": out,
		"cache_read_input_tokens": r.Usage.CacheRead, "cache_creation_input_tokens": r.Usage.CacheCreate}
}

func (r aReply) JSON() string {
	content := []any{}
	for _, b := range r.Blocks {
		joined := strings.Join(b.Frags, "")
		switch b.Kind {
		case "text":
			content = append(content, map[string]any{"type": "text", "text": joined})
		case "thinking":
			content = append(content, map[string]any{"type": "thinking", "thinking": joined, "signature": "sig"})
		case "tool_use":
			if joined == "" {
				joined = "{}"
			}
			content = append(content, map[string]any{"type": "tool_use", "id": b.ID, "name": b.Name, "input": json.RawMessage(joined)})
		}
	}
	return mustJSON(map[string]any{"id": r.ID, "type": "message", "role": "assistant", "model": r.Model,
		"content": content, "stop_reason": r.Stop, "stop_sequence": nil, "usage": r.usage(r.Usage.Out)})
}

// Events renders the stream: message_start, ping, each block as
// start/deltas/stop, message_delta, message_stop.
func (r aReply) Events() []sseEv {
	ev := func(name string, v map[string]any) sseEv {
		v["type"] = name
		return sseEv{name, mustJSON(v)}
	}
	out := []sseEv{ev("message_start", map[string]any{"message": map[string]any{"id": r.ID, "type": "message",
		"role": "assistant", "model": r.Model, "content": []any{}, "stop_reason": nil, "stop_sequence": nil, "usage": r.usage(1)}})}
	out = append(out, ev("ping", map[string]any{}))
	for i, b := range r.Blocks {
		var start map[string]any
		switch b.Kind {
		case "text":
			start = map[string]any{"type": "text", "text": ""}
		case "thinking":
			start = map[string]any{"type": "thinking", "thinking": ""}
		case "tool_use":
			start = map[string]any{"type": "tool_use", "id": b.ID, "name": b.Name, "input": map[string]any{}}
		}
		out = append(out, ev("content_block_start", map[string]any{"index": i, "content_block": start}))
		for _, f := range b.Frags {
			var d map[string]any
			switch b.Kind {
			case "text":
				d = map[string]any{"type": "text_delta", "text": f}
			case "thinking":
				d = map[string]any{"type": "thinking_delta", "thinking": f}
			case "tool_use":
				d = map[string]any{"type": "input_json_delta", "partial_json": f}
			}
			out = append(out, ev("content_block_delta", map[string]any{"index": i, "delta": d}))
		}
		if b.Kind == "thinking" {
			out = append(out, ev("content_block_delta", map[string]any{"index": i, "delta": map[string]any{"type": "signature_delta", "signature": "sig"}}))
		}
		out = append(out, ev("content_block_stop", map[string]any{"index": i}))
	}
	out = append(out, ev("message_delta", map[string]any{"delta": map[string]any{"stop_reason": r.Stop, "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": r.Usage.Out}}))
	out = append(out, ev("message_stop", map[string]any{}))
	return out
}

// answer serves the reply as JSON or as a stream, as the request asks.
func (r aReply) answer() http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		if wantsStream(req) {
			writeSSE(w, r.Events(), 0)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("request-id", "req_fake_"+r.ID)
		io.WriteString(w, r.JSON())
	}
}

func aErrorEvent(typ, msg string) sseEv {
	return sseEv{"error", mustJSON(map[string]any{"type": "error", "error": map[string]any{"type": typ, "message": msg}})}
}

// ---- OpenAI-format fake ----

// openAIFake serves an OpenAI-format backend whose base URL is URL+"/v1":
// POST /v1/chat/completions goes to chat; anything else is a 404.
func openAIFake(t *testing.T, chat http.HandlerFunc) *upstream {
	t.Helper()
	return newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/chat/completions" {
			chat(w, r)
			return
		}
		httpError(404, `{"error":{"message":"fake openai: no route `+r.Method+` `+r.URL.Path+`","type":"invalid_request_error"}}`)(w, r)
	})
}

// oCall is one scripted tool call; Frags are its argument fragments.
type oCall struct {
	ID, Name string
	Frags    []string
}

// oReply is a scripted OpenAI answer.
type oReply struct {
	ID, Model string
	Reasoning []string // reasoning_content fragments (DeepSeek-style), sent first
	Content   []string // text fragments
	Calls     []oCall
	Finish    string
	// Usage; Prompt == 0 means the upstream reports none.
	Prompt, Completion, Cached, CacheWrite int
}

func (r oReply) usage() map[string]any {
	if r.Prompt == 0 {
		return nil
	}
	u := map[string]any{"prompt_tokens": r.Prompt, "completion_tokens": r.Completion, "total_tokens": r.Prompt + r.Completion}
	if r.Cached > 0 || r.CacheWrite > 0 {
		d := map[string]any{"cached_tokens": r.Cached}
		if r.CacheWrite > 0 {
			d["cache_write_tokens"] = r.CacheWrite
		}
		u["prompt_tokens_details"] = d
	}
	return u
}

func (r oReply) JSON() string {
	msg := map[string]any{"role": "assistant", "content": nil}
	if len(r.Reasoning) > 0 {
		msg["reasoning_content"] = strings.Join(r.Reasoning, "")
	}
	if len(r.Content) > 0 {
		msg["content"] = strings.Join(r.Content, "")
	}
	if len(r.Calls) > 0 {
		var calls []any
		for _, c := range r.Calls {
			calls = append(calls, map[string]any{"id": c.ID, "type": "function", "function": map[string]any{"name": c.Name, "arguments": strings.Join(c.Frags, "")}})
		}
		msg["tool_calls"] = calls
	}
	v := map[string]any{"id": r.ID, "object": "chat.completion", "created": 1700000000, "model": r.Model,
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": r.Finish, "logprobs": nil}}}
	if u := r.usage(); u != nil {
		v["usage"] = u
	}
	return mustJSON(v)
}

func (r oReply) chunk(delta map[string]any, finish any) sseEv {
	return sseEv{"", mustJSON(map[string]any{"id": r.ID, "object": "chat.completion.chunk", "created": 1700000000, "model": r.Model,
		"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": nil}}})}
}

// Events renders the stream the way OpenAI sends it: a role chunk, content
// chunks, each tool call's head (id, type, name, arguments "") then one
// chunk per argument fragment, the finish chunk, a usage chunk with
// choices:[] when there is usage, and [DONE].
func (r oReply) Events() []sseEv {
	out := []sseEv{r.chunk(map[string]any{"role": "assistant", "content": ""}, nil)}
	out = append(out, r.body()...)
	out = append(out, r.tail()...)
	return out
}

// body is the content and tool-call chunks alone.
func (r oReply) body() []sseEv {
	var out []sseEv
	for _, c := range r.Reasoning {
		out = append(out, r.chunk(map[string]any{"reasoning_content": c}, nil))
	}
	for _, c := range r.Content {
		out = append(out, r.chunk(map[string]any{"content": c}, nil))
	}
	for i, c := range r.Calls {
		out = append(out, r.chunk(map[string]any{"tool_calls": []any{map[string]any{"index": i, "id": c.ID, "type": "function",
			"function": map[string]any{"name": c.Name, "arguments": ""}}}}, nil))
		for _, f := range c.Frags {
			out = append(out, r.chunk(map[string]any{"tool_calls": []any{map[string]any{"index": i, "function": map[string]any{"arguments": f}}}}, nil))
		}
	}
	return out
}

// tail is the finish chunk, the usage chunk and [DONE].
func (r oReply) tail() []sseEv {
	out := []sseEv{r.chunk(map[string]any{}, r.Finish)}
	if u := r.usage(); u != nil {
		out = append(out, sseEv{"", mustJSON(map[string]any{"id": r.ID, "object": "chat.completion.chunk", "created": 1700000000,
			"model": r.Model, "choices": []any{}, "usage": u})})
	}
	return append(out, sseEv{"", "[DONE]"})
}

func (r oReply) answer() http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		if wantsStream(req) {
			writeSSE(w, r.Events(), 0)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-request-id", "req_fake_"+r.ID)
		io.WriteString(w, r.JSON())
	}
}

func oErrorEvent(typ, msg string) sseEv {
	return sseEv{"", mustJSON(map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": nil}})}
}

// ---- wire tap ----

// wireTap is an http.Client for the SDKs that keeps a copy of every
// response body exactly as the gateway sent it. When the test ends, every
// event stream it saw is run through the invariant checker of its protocol.
type wireTap struct {
	mu   sync.Mutex
	caps []*capture
}

type capture struct {
	path, contentType string
	status            int
	reqHeader         http.Header // what the SDK sent to the gateway
	buf               bytes.Buffer
}

type tapBody struct {
	rc  io.ReadCloser
	c   *capture
	tap *wireTap
}

func (b *tapBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.tap.mu.Lock()
	b.c.buf.Write(p[:n])
	b.tap.mu.Unlock()
	return n, err
}

// Close drains what the client did not read, so the capture is the whole
// wire (the gateway always ends its responses).
func (b *tapBody) Close() error {
	io.Copy(io.Discard, readerFunc(b.Read))
	return b.rc.Close()
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func (tp *wireTap) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	c := &capture{path: req.URL.Path, contentType: resp.Header.Get("Content-Type"), status: resp.StatusCode, reqHeader: req.Header.Clone()}
	tp.mu.Lock()
	tp.caps = append(tp.caps, c)
	tp.mu.Unlock()
	resp.Body = &tapBody{rc: resp.Body, c: c, tap: tp}
	return resp, nil
}

// tapped is one captured response.
type tapped struct {
	path      string
	reqHeader http.Header
	wire      []byte
}

// streams returns the captured event streams, oldest first.
func (tp *wireTap) streams() []tapped {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	var out []tapped
	for _, c := range tp.caps {
		if strings.HasPrefix(c.contentType, "text/event-stream") {
			out = append(out, tapped{c.path, c.reqHeader, append([]byte(nil), c.buf.Bytes()...)})
		}
	}
	return out
}

// newWireTap returns a tap whose streams are checked at the end of t.
func newWireTap(t *testing.T) *wireTap {
	tp := &wireTap{}
	t.Cleanup(func() {
		for i, c := range tp.streams() {
			if err := checkWire(c.path, c.wire); err != nil {
				t.Errorf("stream %d the gateway sent on %s breaks the protocol invariants: %v\nwire:\n%s", i, c.path, err, c.wire)
			}
		}
	})
	return tp
}

func (tp *wireTap) client() *http.Client { return &http.Client{Transport: tp} }

// checkWire runs the invariant checker matching the route's protocol.
func checkWire(path string, wire []byte, opts ...converttest.CheckOption) error {
	switch {
	case strings.HasSuffix(path, "/chat/completions"):
		return converttest.CheckOpenAIStream(wire, opts...)
	case strings.HasSuffix(path, "/v1/messages"):
		return converttest.CheckAnthropicStream(wire, opts...)
	}
	return fmt.Errorf("no checker for %s", path)
}
