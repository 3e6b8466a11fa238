package gateway_test

// Fault-injection suite (docs/hardening.md T1, F2, F3, F6, F8): scripted
// upstreams that fail in every way and phase we know of, each behind a
// healthy second backend, driven through the gateway by the official
// OpenAI and Anthropic SDKs and by a raw-HTTP Gemini API client (SSE and
// JSON-array streams); the upstreams speak OpenAI, Anthropic or Gemini.
// Helpers in this file are prefixed fx so they never collide with the
// other test files of the package.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	anthropic "github.com/anthropics/anthropic-sdk-go/v2"
	aoption "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/param"
	oresponses "github.com/openai/openai-go/v3/responses"

	"switchyard/gateway"
	"switchyard/gateway/config"
	"switchyard/gateway/convert/converttest"
	"switchyard/gateway/gemini"
	"switchyard/gateway/gemini/geminitest"
	"switchyard/gateway/responses/responsestest"
	"switchyard/gateway/sse"
)

// ---- options ----

// fxOpt sets any gateway option (KeepAlive, MaxInFlight, Now, Token…).
func fxOpt(f func(o *gateway.Options)) gwOpt {
	return func(o *gateway.Options, _ *config.Config) { f(o) }
}

// fxTimeouts sets the global stream timeouts.
func fxTimeouts(firstByte, idle time.Duration) gwOpt {
	return withConfig(func(c *config.Config) {
		c.FirstByteTimeout = firstByte
		c.StreamIdleTimeout = idle
	})
}

// ---- scripted upstream wire, in either format ----

// fxJS is a JSON string literal.
func fxJS(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// fxFormat tells the upstream format from the path the gateway called:
// /v1/messages is Anthropic, models/{model}:generateContent or
// :streamGenerateContent Gemini, /chat/completions OpenAI.
func fxFormat(r *http.Request) config.Format {
	switch p := r.URL.Path; {
	case strings.HasSuffix(p, "/v1/messages"):
		return config.FormatAnthropic
	case strings.HasSuffix(p, ":generateContent") || strings.HasSuffix(p, ":streamGenerateContent"):
		return config.FormatGemini
	}
	return config.FormatOpenAI
}

type fxReqInfo struct {
	Model  string `json:"model"`
	Stream bool   `json:"stream"`
}

// fxInfo reads the model and whether the call streams: from the body, or
// for Gemini from the path (models/{model}:streamGenerateContent).
func fxInfo(r *http.Request) fxReqInfo {
	var in fxReqInfo
	b, _ := io.ReadAll(r.Body)
	json.Unmarshal(b, &in)
	r.Body = io.NopCloser(bytes.NewReader(b))
	if fxFormat(r) == config.FormatGemini {
		action := r.URL.Path[strings.LastIndex(r.URL.Path, "/models/")+len("/models/"):]
		i := strings.LastIndex(action, ":")
		in.Model, in.Stream = action[:i], action[i+1:] == "streamGenerateContent"
	}
	return in
}

// fxGemChunk is one Gemini GenerateContentResponse (a whole answer, or
// one chunk of a stream) with the given parts; finish adds the
// finishReason and the usage that come with Gemini's last chunk.
func fxGemChunk(model, parts string, finish bool) string {
	s := `{"candidates":[{"content":{"role":"model","parts":[` + parts + `]}`
	if finish {
		s += `,"finishReason":"STOP"`
	}
	s += `,"index":0}]`
	if finish {
		s += `,"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":3,"totalTokenCount":8}`
	}
	return s + `,"modelVersion":` + fxJS(model) + `,"responseId":"fx1"}`
}

func fxGemText(text string) string { return `{"text":` + fxJS(text) + `}` }

// fxFraming is what a stream sends before any content: the role chunk
// (OpenAI), message_start + an empty text block (Anthropic), or a chunk
// without parts (Gemini has no framing events; this is the nearest thing:
// a chunk that carries no content).
func fxFraming(f config.Format, model string) string {
	switch f {
	case config.FormatAnthropic:
		return "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_fx1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":" + fxJS(model) +
			",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n" +
			"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
	case config.FormatGemini:
		return "data: " + fxGemChunk(model, "", false) + "\n\n"
	}
	return "data: {\"id\":\"chatcmpl-fx1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":" + fxJS(model) +
		",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n"
}

func fxTextEv(f config.Format, model, text string) string {
	switch f {
	case config.FormatAnthropic:
		return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":" + fxJS(text) + "}}\n\n"
	case config.FormatGemini:
		return "data: " + fxGemChunk(model, fxGemText(text), false) + "\n\n"
	}
	return "data: {\"id\":\"chatcmpl-fx1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":" + fxJS(model) +
		",\"choices\":[{\"index\":0,\"delta\":{\"content\":" + fxJS(text) + "},\"finish_reason\":null}]}\n\n"
}

// fxFinish ends a stream; a Gemini stream has no terminator: its last
// chunk carries the finishReason, then the body ends.
func fxFinish(f config.Format, model string) string {
	switch f {
	case config.FormatAnthropic:
		return "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
			"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":3}}\n\n" +
			"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
	case config.FormatGemini:
		return "data: " + fxGemChunk(model, "", true) + "\n\n"
	}
	return "data: {\"id\":\"chatcmpl-fx1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":" + fxJS(model) +
		",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n"
}

// fxFinishOnly is fxFinish without the stream's terminator ([DONE],
// message_stop); a Gemini stream has none, so for it the two are the same.
func fxFinishOnly(f config.Format, model string) string {
	s := strings.TrimSuffix(fxFinish(f, model), "data: [DONE]\n\n")
	return strings.TrimSuffix(s, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
}

func fxErrorEv(f config.Format, msg string) string {
	switch f {
	case config.FormatAnthropic:
		return "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":" + fxJS(msg) + "}}\n\n"
	case config.FormatGemini:
		return "data: " + fxGemError(503, msg) + "\n\n"
	}
	return "data: {\"error\":{\"message\":" + fxJS(msg) + ",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n"
}

// fxGemError is an error object in Google's shape.
func fxGemError(code int, msg string) string {
	return `{"error":{"code":` + fmt.Sprint(code) + `,"message":` + fxJS(msg) + `,"status":` + fxJS(gemini.StatusName(code)) + `}}`
}

// fxJSONAnswer is a complete non-streaming answer.
func fxJSONAnswer(f config.Format, model, text string) string {
	switch f {
	case config.FormatAnthropic:
		return `{"id":"msg_fx1","type":"message","role":"assistant","model":` + fxJS(model) + `,"content":[{"type":"text","text":` + fxJS(text) +
			`}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":3}}`
	case config.FormatGemini:
		return fxGemChunk(model, fxGemText(text), true)
	}
	return `{"id":"chatcmpl-fx1","object":"chat.completion","created":1,"model":` + fxJS(model) + `,"choices":[{"index":0,"message":{"role":"assistant","content":` +
		fxJS(text) + `},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}`
}

// fxWrite writes s and flushes.
func fxWrite(w http.ResponseWriter, s string) {
	io.WriteString(w, s)
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
}

func fxBeginSSE(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
}

// fxAnswer answers "hello from NAME" in the request's format, streaming or not.
func fxAnswer(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		in, wf := fxInfo(r), fxFormat(r)
		if !in.Stream {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, fxJSONAnswer(wf, in.Model, "hello from "+name))
			return
		}
		fxBeginSSE(w)
		fxWrite(w, fxFraming(wf, in.Model))
		for _, p := range []string{"hello ", "from ", name} {
			fxWrite(w, fxTextEv(wf, in.Model, p))
		}
		fxWrite(w, fxFinish(wf, in.Model))
	}
}

// fxHijack takes the raw connection, for faults below HTTP.
func fxHijack(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter) {
	c, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	return c, brw
}

// fxReset closes c with SO_LINGER 0: the peer gets a TCP RST.
func fxReset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}

const fxRawSSEHead = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n"

// fxUp is a scripted upstream that also records cancellations and can
// hold a mid-stream fault until the client has seen the text before it.
type fxUp struct {
	*upstream
	cancelled atomic.Int64
	cancelCh  chan struct{} // one value per cancellation seen
	gate      chan struct{}
	gateOnce  sync.Once
}

func fxNewUp(t *testing.T, mk func(u *fxUp) http.HandlerFunc) *fxUp {
	u := &fxUp{gate: make(chan struct{}), cancelCh: make(chan struct{}, 64)}
	h := mk(u)
	u.upstream = newUpstream(t, h)
	return u
}

// open lets a held mid-stream fault proceed.
func (u *fxUp) open() { u.gateOnce.Do(func() { close(u.gate) }) }

// hold waits for open (or ctx, or 5s).
func (u *fxUp) hold(ctx context.Context) {
	select {
	case <-u.gate:
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
	}
}

// waitCancel blocks until the gateway cancels the request, and records it.
func (u *fxUp) waitCancel(r *http.Request) {
	select {
	case <-r.Context().Done():
		u.cancelled.Add(1)
		u.cancelCh <- struct{}{}
	case <-time.After(10 * time.Second):
	}
}

// sawCancel waits (bounded) for the upstream to see a cancellation: the
// upstream's handler learns it on its own goroutine, after the client.
func (u *fxUp) sawCancel() bool {
	select {
	case <-u.cancelCh:
		return true
	case <-time.After(3 * time.Second):
		return false
	}
}

// fxEventually polls cond for up to d.
func fxEventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ---- clients ----

type fxProto int

const (
	fxOpenAI fxProto = iota
	fxAnthropic
	fxResponses   // openai-go's Responses client (POST /v1/responses)
	fxGemini      // the Gemini API over raw HTTP, streams as SSE (?alt=sse)
	fxGeminiArray // the same, streams as one JSON array (no alt=sse)
)

func (p fxProto) String() string {
	switch p {
	case fxAnthropic:
		return "anthropic-sdk"
	case fxResponses:
		return "openai-responses-sdk"
	case fxGemini:
		return "gemini-sse"
	case fxGeminiArray:
		return "gemini-array"
	}
	return "openai-sdk"
}

func (p fxProto) gemini() bool { return p == fxGemini || p == fxGeminiArray }

// geminiFormat is the stream form a Gemini client asks for.
func (p fxProto) geminiFormat() gemini.StreamFormat {
	if p == fxGeminiArray {
		return gemini.StreamFormatJSONArray
	}
	return gemini.StreamFormatSSE
}

// fxWire is one response as the client received it, byte for byte.
type fxWire struct {
	Status int
	Header http.Header
	mu     sync.Mutex
	body   bytes.Buffer
}

func (w *fxWire) Body() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.body.String()
}

// fxTap is a client transport that keeps a copy of every response.
type fxTap struct {
	rt    *http.Transport
	mu    sync.Mutex
	wires []*fxWire
}

func fxNewTap(t *testing.T) *fxTap {
	tr := &http.Transport{MaxIdleConnsPerHost: 32, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &fxTap{rt: tr}
}

type fxTapBody struct {
	rc io.ReadCloser
	w  *fxWire
}

func (b *fxTapBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.w.mu.Lock()
	b.w.body.Write(p[:n])
	b.w.mu.Unlock()
	return n, err
}

func (b *fxTapBody) Close() error { return b.rc.Close() }

func (tp *fxTap) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := tp.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	w := &fxWire{Status: resp.StatusCode, Header: resp.Header.Clone()}
	resp.Body = &fxTapBody{rc: resp.Body, w: w}
	tp.mu.Lock()
	tp.wires = append(tp.wires, w)
	tp.mu.Unlock()
	return resp, nil
}

func (tp *fxTap) client() *http.Client { return &http.Client{Transport: tp} }

func (tp *fxTap) all() []*fxWire {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return append([]*fxWire(nil), tp.wires...)
}

func (tp *fxTap) last() *fxWire {
	ws := tp.all()
	if len(ws) == 0 {
		return nil
	}
	return ws[len(ws)-1]
}

// fxResult is what a client got, as its SDK parsed it.
type fxResult struct {
	Text          string
	Err           error
	MessageStarts int // Anthropic streams: message_start events the SDK saw
	Elapsed       time.Duration
}

// fxAsk sends one request with the official SDK of protocol p. onText,
// if set, sees the accumulated text after each streamed delta.
func fxAsk(ctx context.Context, g *gw, hc *http.Client, p fxProto, stream bool, model, apiKey string, onText func(string)) fxResult {
	start := time.Now()
	var res fxResult
	var text strings.Builder
	add := func(s string) {
		if s == "" {
			return
		}
		text.WriteString(s)
		if onText != nil {
			onText(text.String())
		}
	}
	switch p {
	case fxOpenAI:
		c := openai.NewClient(option.WithBaseURL(g.URL+"/v1/"), option.WithAPIKey(apiKey), option.WithMaxRetries(0), option.WithHTTPClient(hc))
		params := openai.ChatCompletionNewParams{Model: model, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}}
		if !stream {
			resp, err := c.Chat.Completions.New(ctx, params)
			res.Err = err
			if err == nil && len(resp.Choices) > 0 {
				add(resp.Choices[0].Message.Content)
			}
			break
		}
		s := c.Chat.Completions.NewStreaming(ctx, params)
		for s.Next() {
			for _, ch := range s.Current().Choices {
				add(ch.Delta.Content)
			}
		}
		res.Err = s.Err()
		s.Close()
	case fxAnthropic:
		c := anthropic.NewClient(aoption.WithBaseURL(g.URL+"/"), aoption.WithAPIKey(apiKey), aoption.WithMaxRetries(0), aoption.WithHTTPClient(hc))
		params := anthropic.MessageNewParams{Model: anthropic.Model(model), MaxTokens: 64,
			Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))}}
		if !stream {
			msg, err := c.Messages.New(ctx, params)
			res.Err = err
			if err == nil {
				for _, b := range msg.Content {
					add(b.Text)
				}
			}
			break
		}
		s := c.Messages.NewStreaming(ctx, params)
		for s.Next() {
			ev := s.Current()
			switch ev.Type {
			case "message_start":
				res.MessageStarts++
			case "content_block_delta":
				add(ev.Delta.Text)
			}
		}
		res.Err = s.Err()
		s.Close()
	case fxResponses:
		fxAskResponses(ctx, g, hc, stream, model, apiKey, add, &res)
	case fxGemini, fxGeminiArray:
		fxAskGemini(ctx, g, hc, p.geminiFormat(), stream, model, apiKey, add, &res)
	}
	res.Text = text.String()
	res.Elapsed = time.Since(start)
	return res
}

// fxAskResponses asks through openai-go's Responses client. A
// response.failed (or error) event is what a Responses client such as
// Codex treats as the failure of a stream: it becomes res.Err.
func fxAskResponses(ctx context.Context, g *gw, hc *http.Client, stream bool, model, apiKey string, add func(string), res *fxResult) {
	c := openai.NewClient(option.WithBaseURL(g.URL+"/v1/"), option.WithAPIKey(apiKey), option.WithMaxRetries(0), option.WithHTTPClient(hc))
	params := oresponses.ResponseNewParams{Model: model, Input: oresponses.ResponseNewParamsInputUnion{OfString: param.NewOpt("hi")}}
	if !stream {
		resp, err := c.Responses.New(ctx, params)
		res.Err = err
		if err == nil {
			add(resp.OutputText())
		}
		return
	}
	s := c.Responses.NewStreaming(ctx, params)
	for s.Next() {
		ev := s.Current()
		switch ev.Type {
		case "response.created":
			res.MessageStarts++
		case "response.output_text.delta":
			add(ev.Delta)
		case "response.failed", "error":
			res.Err = fmt.Errorf("stream failed: %s", ev.RawJSON())
		}
	}
	if err := s.Err(); err != nil {
		res.Err = err
	}
	s.Close()
}

// fxAskGemini asks the Gemini API over raw HTTP, as Gemini CLI does: the
// key in x-goog-api-key, :generateContent, or :streamGenerateContent
// read chunk by chunk (SSE with ?alt=sse, else the elements of one JSON
// array as they arrive). An error object, as the body of a non-200 or as
// a chunk, is what a Gemini client takes for the failure: it becomes
// res.Err. The stream is read to its end either way, so that the tap has
// all of it.
func fxAskGemini(ctx context.Context, g *gw, hc *http.Client, format gemini.StreamFormat, stream bool, model, apiKey string, add func(string), res *fxResult) {
	method := ":generateContent"
	if stream {
		method = ":streamGenerateContent"
		if format == gemini.StreamFormatSSE {
			method += "?alt=sse"
		}
	}
	req, err := http.NewRequestWithContext(ctx, "POST", g.URL+"/v1beta/models/"+model+method,
		strings.NewReader(`{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`))
	if err != nil {
		res.Err = err
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-goog-api-key", apiKey)
	resp, err := hc.Do(req)
	if err != nil {
		res.Err = err
		return
	}
	defer resp.Body.Close()
	defer io.Copy(io.Discard, resp.Body)
	fail := func(err error) {
		if res.Err == nil {
			res.Err = err
		}
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		fail(fmt.Errorf("http %d: %s", resp.StatusCode, b))
		return
	}
	chunk := func(data []byte) {
		if e, ok := gemini.ParseError(data); ok {
			fail(fmt.Errorf("stream failed: %d %s: %s", e.Code, e.Status, e.Message))
			return
		}
		var r gemini.GenerateContentResponse
		if err := json.Unmarshal(data, &r); err != nil {
			fail(fmt.Errorf("not a GenerateContentResponse: %v: %s", err, data))
			return
		}
		for _, c := range r.Candidates {
			if c.Content == nil {
				continue
			}
			for _, p := range c.Content.Parts {
				if p.Text != nil && !p.Thought {
					add(*p.Text)
				}
			}
		}
	}
	switch {
	case !stream:
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			fail(err)
			return
		}
		chunk(b)
	case format == gemini.StreamFormatJSONArray:
		d := json.NewDecoder(resp.Body)
		if tok, err := d.Token(); err != nil || tok != json.Delim('[') {
			fail(fmt.Errorf("the stream is not a JSON array: %v %v", tok, err))
			return
		}
		for d.More() {
			var raw json.RawMessage
			if err := d.Decode(&raw); err != nil {
				fail(fmt.Errorf("array element: %w", err))
				return
			}
			chunk(raw)
		}
		if _, err := d.Token(); err != nil {
			fail(fmt.Errorf("the array is not closed: %w", err))
		}
	default:
		rd := sse.NewReader(resp.Body)
		for {
			ev, err := rd.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				fail(err)
				return
			}
			chunk(ev.Data)
		}
	}
}

// ---- SSE wire inspection ----

type fxEvent struct{ Name, Data string }

// fxEvents splits raw SSE into events; comments become events named ":".
func fxEvents(raw string) []fxEvent {
	var out []fxEvent
	var cur fxEvent
	has := false
	for _, line := range strings.Split(strings.ReplaceAll(raw, "\r\n", "\n"), "\n") {
		switch {
		case line == "":
			if has {
				out = append(out, cur)
			}
			cur, has = fxEvent{}, false
		case strings.HasPrefix(line, ":"):
			out = append(out, fxEvent{Name: ":", Data: strings.TrimSpace(line[1:])})
		case strings.HasPrefix(line, "event:"):
			cur.Name, has = strings.TrimSpace(line[6:]), true
		case strings.HasPrefix(line, "data:"):
			cur.Data, has = strings.TrimPrefix(line[5:], " "), true
		}
	}
	return out
}

// fxErrorEvents counts error events in a client stream of protocol p.
func fxErrorEvents(p fxProto, evs []fxEvent) int {
	n := 0
	for _, e := range evs {
		if p == fxAnthropic && e.Name == "error" || p == fxOpenAI && e.Name == "" && strings.HasPrefix(e.Data, `{"error"`) ||
			p == fxResponses && (e.Name == "response.failed" || e.Name == "error") ||
			p == fxGemini && e.Name == "" && strings.HasPrefix(e.Data, `{"error"`) {
			n++
		}
	}
	return n
}

// fxErrorCount counts error events (Gemini: error chunks) in a client
// stream of protocol p as it went over the wire.
func fxErrorCount(p fxProto, raw string) int {
	if p != fxGeminiArray {
		return fxErrorEvents(p, fxEvents(raw))
	}
	chunks, err := geminitest.Chunks([]byte(raw), p.geminiFormat())
	if err != nil { // not valid JSON (CheckStream says why): count the error objects in it
		return strings.Count(raw, `{"error":`)
	}
	n := 0
	for _, c := range chunks {
		if _, ok := gemini.ParseError(c); ok {
			n++
		}
	}
	return n
}

func fxCount(evs []fxEvent, pred func(fxEvent) bool) int {
	n := 0
	for _, e := range evs {
		if pred(e) {
			n++
		}
	}
	return n
}

// ---- the matrix ----

type fxPhase string

const (
	phConnect      fxPhase = "connect"
	phHeaders      fxPhase = "before-headers"
	phFirstContent fxPhase = "before-first-content"
	phMid          fxPhase = "mid-stream"
	phNone         fxPhase = "no-fault"
)

// fxFault is one way an upstream can fail.
type fxFault struct {
	name       string
	phase      fxPhase
	stream     bool // applies to streaming requests
	nonStream  bool // applies to non-streaming requests
	refused    bool // no listener at all
	wantCancel bool // the gateway must cancel the upstream request
	handler    func(u *fxUp) http.HandlerFunc
}

func fxFaults() []fxFault {
	statusFault := func(code int, hdr ...string) func(u *fxUp) http.HandlerFunc {
		return func(u *fxUp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				for i := 0; i+1 < len(hdr); i += 2 {
					w.Header().Set(hdr[i], hdr[i+1])
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(code)
				if fxFormat(r) == config.FormatGemini {
					io.WriteString(w, fxGemError(code, fmt.Sprintf("injected %d", code)))
					return
				}
				fmt.Fprintf(w, `{"error":{"message":"injected %d","type":"server_error"}}`, code)
			}
		}
	}
	return []fxFault{
		{name: "refused", phase: phConnect, stream: true, nonStream: true, refused: true},
		{name: "reset", phase: phHeaders, stream: true, nonStream: true, handler: func(u *fxUp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				c, _ := fxHijack(w)
				fxReset(c)
			}
		}},
		{name: "close", phase: phHeaders, stream: true, nonStream: true, handler: func(u *fxUp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				c, _ := fxHijack(w)
				c.Close()
			}
		}},
		{name: "http500", phase: phHeaders, stream: true, nonStream: true, handler: statusFault(500)},
		{name: "http502", phase: phHeaders, stream: true, nonStream: true, handler: statusFault(502)},
		{name: "http503", phase: phHeaders, stream: true, nonStream: true, handler: statusFault(503)},
		{name: "http429-retry-after", phase: phHeaders, stream: true, nonStream: true, handler: statusFault(429, "Retry-After", "2")},
		{name: "hang", phase: phHeaders, stream: true, nonStream: true, wantCancel: true, handler: func(u *fxUp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { u.waitCancel(r) }
		}},
		{name: "200-then-silence", phase: phFirstContent, stream: true, nonStream: true, wantCancel: true, handler: func(u *fxUp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				if fxInfo(r).Stream {
					fxBeginSSE(w)
				} else {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(200)
					w.(http.Flusher).Flush()
				}
				u.waitCancel(r)
			}
		}},
		{name: "framing-then-silence", phase: phFirstContent, stream: true, wantCancel: true, handler: func(u *fxUp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				in := fxInfo(r)
				fxBeginSSE(w)
				fxWrite(w, fxFraming(fxFormat(r), in.Model))
				u.waitCancel(r)
			}
		}},
		{name: "200-then-error-event", phase: phFirstContent, stream: true, handler: func(u *fxUp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				fxBeginSSE(w)
				fxWrite(w, fxErrorEv(fxFormat(r), "Overloaded"))
			}
		}},
		{name: "framing-then-error-event", phase: phFirstContent, stream: true, handler: func(u *fxUp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				in, wf := fxInfo(r), fxFormat(r)
				fxBeginSSE(w)
				fxWrite(w, fxFraming(wf, in.Model)+fxErrorEv(wf, "Overloaded"))
			}
		}},
		{name: "framing-then-clean-end", phase: phFirstContent, stream: true, handler: func(u *fxUp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { // the body ends cleanly, with no content
				in := fxInfo(r)
				fxBeginSSE(w)
				fxWrite(w, fxFraming(fxFormat(r), in.Model))
			}
		}},
		{name: "cut-after-N-bytes", phase: phFirstContent, stream: true, nonStream: true, handler: func(u *fxUp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				in, wf := fxInfo(r), fxFormat(r)
				c, brw := fxHijack(w)
				if in.Stream {
					next := fxTextEv(wf, in.Model, "never")
					brw.WriteString(fxRawSSEHead + fxFraming(wf, in.Model) + next[:len(next)/2])
				} else {
					body := fxJSONAnswer(wf, in.Model, "never")
					fmt.Fprintf(brw, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:len(body)/2])
				}
				brw.Flush()
				c.Close()
			}
		}},
		{name: "200-invalid-json", phase: phFirstContent, nonStream: true, handler: func(u *fxUp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"id":"x","choices":[`)
			}
		}},
		{name: "200-with-error-body", phase: phFirstContent, nonStream: true, handler: func(u *fxUp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				switch fxFormat(r) {
				case config.FormatAnthropic:
					io.WriteString(w, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`)
				case config.FormatGemini:
					io.WriteString(w, fxGemError(503, "Overloaded"))
				default:
					io.WriteString(w, `{"error":{"message":"upstream overloaded","type":"server_error","code":null}}`)
				}
			}
		}},
		{name: "200-with-foreign-error-body", phase: phFirstContent, nonStream: true, handler: func(u *fxUp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { // an OpenAI-shaped error, whatever the format
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"error":{"message":"overloaded","type":"server_error"}}`)
			}
		}},
		{name: "slow-drip", phase: phNone, stream: true, handler: func(u *fxUp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				in, wf := fxInfo(r), fxFormat(r)
				fxBeginSSE(w)
				time.Sleep(50 * time.Millisecond) // slow on purpose: the drip is the thing under test
				fxWrite(w, fxFraming(wf, in.Model))
				for i := 0; i < fxDripEvents; i++ {
					time.Sleep(50 * time.Millisecond)
					fxWrite(w, fxTextEv(wf, in.Model, fmt.Sprintf("d%d ", i)))
				}
				fxWrite(w, fxFinish(wf, in.Model))
			}
		}},
		{name: "error-event", phase: phMid, stream: true, handler: func(u *fxUp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				in, wf := fxInfo(r), fxFormat(r)
				fxBeginSSE(w)
				fxWrite(w, fxFraming(wf, in.Model)+fxTextEv(wf, in.Model, "partial "))
				u.hold(r.Context())
				fxWrite(w, fxErrorEv(wf, "Overloaded"))
			}
		}},
		{name: "cut-after-N-bytes", phase: phMid, stream: true, handler: func(u *fxUp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				in, wf := fxInfo(r), fxFormat(r)
				c, brw := fxHijack(w)
				brw.WriteString(fxRawSSEHead + fxFraming(wf, in.Model) + fxTextEv(wf, in.Model, "partial "))
				brw.Flush()
				u.hold(context.Background())
				next := fxTextEv(wf, in.Model, "never")
				brw.WriteString(next[:len(next)/2])
				brw.Flush()
				c.Close()
			}
		}},
		{name: "reset", phase: phMid, stream: true, handler: func(u *fxUp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				in, wf := fxInfo(r), fxFormat(r)
				c, brw := fxHijack(w)
				brw.WriteString(fxRawSSEHead + fxFraming(wf, in.Model) + fxTextEv(wf, in.Model, "partial "))
				brw.Flush()
				u.hold(context.Background())
				fxReset(c)
			}
		}},
		// A Gemini stream has no terminator: it is complete only when the
		// body ends cleanly after a chunk carrying finishReason. These two
		// break that rule from either side (and the other formats' streams
		// end without [DONE] / message_stop).
		{name: "clean-end-without-finish", phase: phMid, stream: true, handler: func(u *fxUp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				in, wf := fxInfo(r), fxFormat(r)
				fxBeginSSE(w)
				fxWrite(w, fxFraming(wf, in.Model)+fxTextEv(wf, in.Model, "partial "))
				u.hold(r.Context())
			}
		}},
		{name: "cut-after-finish", phase: phMid, stream: true, handler: func(u *fxUp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				in, wf := fxInfo(r), fxFormat(r)
				fxBeginSSE(w)
				fxWrite(w, fxFraming(wf, in.Model)+fxTextEv(wf, in.Model, "partial "))
				u.hold(r.Context())
				fxWrite(w, fxFinishOnly(wf, in.Model))
				panic(http.ErrAbortHandler) // the body ends uncleanly: no last chunk
			}
		}},
		{name: "silence-past-idle-timeout", phase: phMid, stream: true, wantCancel: true, handler: func(u *fxUp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				in, wf := fxInfo(r), fxFormat(r)
				fxBeginSSE(w)
				fxWrite(w, fxFraming(wf, in.Model)+fxTextEv(wf, in.Model, "partial "))
				u.waitCancel(r)
			}
		}},
	}
}

// fxCombo is a client protocol and the format of the backends behind it.
type fxCombo struct {
	client fxProto
	format config.Format
}

var fxCombos = []fxCombo{
	{fxOpenAI, config.FormatOpenAI},       // passthrough
	{fxAnthropic, config.FormatOpenAI},    // converted O -> A
	{fxAnthropic, config.FormatAnthropic}, // passthrough
	{fxOpenAI, config.FormatAnthropic},    // converted A -> O
	{fxResponses, config.FormatOpenAI},    // converted through the hub
	{fxResponses, config.FormatAnthropic}, // converted A -> hub -> Responses
	{fxGemini, config.FormatGemini},       // passthrough (gemini.PassStream)
	{fxGeminiArray, config.FormatGemini},  // passthrough, re-framed as one JSON array
	{fxGemini, config.FormatOpenAI},       // converted hub -> Gemini
	{fxGeminiArray, config.FormatOpenAI},  // the same, as one JSON array
	{fxGemini, config.FormatAnthropic},    // converted A -> hub -> Gemini
	{fxOpenAI, config.FormatGemini},       // converted Gemini -> hub
	{fxAnthropic, config.FormatGemini},    // converted Gemini -> hub -> A
	{fxResponses, config.FormatGemini},    // converted Gemini -> hub -> Responses
}

// passthrough reports a client whose backend speaks its own protocol.
func (c fxCombo) passthrough() bool {
	return c.client == fxOpenAI && c.format == config.FormatOpenAI || c.client == fxAnthropic && c.format == config.FormatAnthropic ||
		c.client.gemini() && c.format == config.FormatGemini
}

// Timeouts of the fault matrix: small on the faulty backend, so hangs
// resolve fast; the healthy one keeps roomy ones, so a loaded machine
// cannot make it miss them. An attempt's first-byte bound is
// min(first_byte_timeout, the backend's stream_timeout).
const (
	fxTight = 250 * time.Millisecond
	fxRoomy = 2 * time.Second
	// fxDripTimeout bounds the slow drip's first byte and its silences:
	// 12× the drip's 50 ms gaps (a loaded 2-core machine running -race
	// stalled a 50 ms gap past 250 ms), yet less than its 20 events take.
	fxDripTimeout = 600 * time.Millisecond
	fxDripEvents  = 20
)

// TestFaultMatrix runs every fault × phase × stream/non-stream × client
// protocol (× backend format), each with a healthy second backend, and
// checks what the client's SDK got and what each upstream saw:
//
//   - a fault before the first byte: a clean answer from the second
//     backend, byte-for-byte what it sent, one failover event;
//   - a fault after it: the text so far, then one error event the SDK
//     reports, no [DONE] / message_stop, one message_start, and the second
//     backend never called (no splicing);
//   - a slow drip (an event every 50ms, longer in all than the first-byte
//     and idle timeouts, fxDripTimeout) is never cut;
//   - hangs and silences: the faulty upstream sees its request cancelled;
//   - every Gemini client stream (SSE or JSON array, converted or passed
//     through) holds geminitest.CheckStream's invariants: one finishReason
//     last, or one error object last and nothing after it;
//   - no upstream ever sees the client's key.
func TestFaultMatrix(t *testing.T) {
	var cases, preFB, mid atomic.Int64
	t.Cleanup(func() {
		t.Logf("fault matrix: %d cases (%d pre-first-byte faults failed over cleanly, %d mid-stream faults ended with one error event)", cases.Load(), preFB.Load(), mid.Load())
	})
	for _, combo := range fxCombos {
		for _, f := range fxFaults() {
			for _, stream := range []bool{false, true} {
				if stream && !f.stream || !stream && !f.nonStream {
					continue
				}
				if !stream && combo.client == fxGeminiArray {
					continue // the array is a stream form: generateContent is fxGemini's
				}
				mode := "json"
				if stream {
					mode = "stream"
				}
				name := fmt.Sprintf("%s/%s-backend/%s/%s/%s", combo.client, combo.format, mode, f.phase, f.name)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					cases.Add(1)
					fxRunFault(t, combo, f, stream, &preFB, &mid)
				})
			}
		}
	}
}

func fxRunFault(t *testing.T, combo fxCombo, f fxFault, stream bool, preFB, mid *atomic.Int64) {
	var bad *fxUp
	badURL := ""
	if f.refused {
		badURL = deadURL(t)
	} else {
		bad = fxNewUp(t, f.handler)
		badURL = bad.URL
	}
	good := fxNewUp(t, func(*fxUp) http.HandlerFunc { return fxAnswer("spare") })
	b1 := backend("flaky", 1, combo.format, badURL)
	b2 := backend("spare", 2, combo.format, good.URL)
	var timeouts gwOpt
	switch f.phase {
	case phMid: // the idle timeout cuts the silent stream
		timeouts = fxTimeouts(fxRoomy, fxTight)
	case phNone: // the drip outlasts both stream timeouts in total
		timeouts = fxTimeouts(fxDripTimeout, fxDripTimeout)
	default: // the faulty backend's own call, first-byte and stream bounds
		b1.Timeout, b1.StreamTimeout = fxTight, fxTight
		timeouts = fxTimeouts(fxRoomy, fxRoomy)
	}
	g := startGateway(t, []config.Backend{b1, b2}, timeouts)
	tap := fxNewTap(t)

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	onText := func(acc string) {
		if acc == "partial " && bad != nil {
			bad.open() // the client has the first content: now inject the fault
		}
	}
	res := fxAsk(ctx, g, tap.client(), combo.client, stream, "fx-model", "client-key-must-not-leak", onText)
	w := tap.last()
	if w == nil {
		t.Fatalf("no response at all: %v", res.Err)
	}
	evs := fxEvents(w.Body())

	badCount := int64(0)
	if bad != nil {
		badCount = bad.count.Load()
	}
	switch f.phase {
	case phMid:
		mid.Add(1)
		if res.Err == nil {
			t.Fatalf("mid-stream %s: the SDK saw no error (text %q)\nwire:\n%s", f.name, res.Text, w.Body())
		}
		if res.Text != "partial " {
			t.Fatalf("text before the error = %q, want %q", res.Text, "partial ")
		}
		if n := good.count.Load(); n != 0 {
			t.Fatalf("the second backend was called %d times after the first byte: a spliced stream", n)
		}
		if badCount != 1 {
			t.Fatalf("faulty upstream got %d requests, want 1", badCount)
		}
		if n := fxErrorCount(combo.client, w.Body()); n != 1 {
			t.Fatalf("%d error events in the client stream, want exactly 1:\n%s", n, w.Body())
		}
		if combo.client == fxOpenAI && strings.Contains(w.Body(), "[DONE]") {
			t.Fatalf("a failed OpenAI stream must not end in [DONE]:\n%s", w.Body())
		}
		if combo.client == fxResponses && strings.Contains(w.Body(), "response.completed") {
			t.Fatalf("a failed Responses stream must not complete:\n%s", w.Body())
		}
		if combo.client == fxAnthropic {
			if res.MessageStarts != 1 || fxCount(evs, func(e fxEvent) bool { return e.Name == "message_stop" }) != 0 {
				t.Fatalf("message_start seen %d times (want 1), or message_stop present:\n%s", res.MessageStarts, w.Body())
			}
		}
		if got := w.Header.Get("X-Switchyard-Backend"); got != "flaky" {
			t.Fatalf("X-Switchyard-Backend %q", got)
		}
		fxCheckGemini(t, combo.client, w)
		fxCheckConverted(t, combo, w)
	case phNone: // slow drip: never cut
		want := ""
		for i := 0; i < fxDripEvents; i++ {
			want += fmt.Sprintf("d%d ", i)
		}
		if res.Err != nil || res.Text != want {
			t.Fatalf("slow drip: text %q err %v; want the whole stream", res.Text, res.Err)
		}
		if res.Elapsed < fxDripTimeout {
			t.Fatalf("slow drip took %v: the fake did not drip?", res.Elapsed)
		}
		if good.count.Load() != 0 || badCount != 1 {
			t.Fatalf("counts: flaky %d spare %d; want 1 and 0", badCount, good.count.Load())
		}
		fxCheckGemini(t, combo.client, w)
		fxCheckConverted(t, combo, w)
	default: // before the first byte: a clean answer from the second backend
		preFB.Add(1)
		if res.Err != nil {
			t.Fatalf("the client saw an error for a fault before the first byte: %v\nwire:\n%s", res.Err, w.Body())
		}
		if res.Text != "hello from spare" {
			t.Fatalf("text %q, want the second backend's answer", res.Text)
		}
		if w.Status != 200 || w.Header.Get("X-Switchyard-Backend") != "spare" || w.Header.Get("X-Switchyard-Attempts") != "2" {
			t.Fatalf("status %d backend %q attempts %q", w.Status, w.Header.Get("X-Switchyard-Backend"), w.Header.Get("X-Switchyard-Attempts"))
		}
		if stream {
			if fxErrorCount(combo.client, w.Body()) != 0 {
				t.Fatalf("error event in a failed-over stream:\n%s", w.Body())
			}
			fxCheckGemini(t, combo.client, w)
			fxCheckConverted(t, combo, w)
			if combo.client == fxAnthropic && res.MessageStarts != 1 {
				t.Fatalf("message_start seen %d times, want 1", res.MessageStarts)
			}
			if combo.client == fxOpenAI && fxCount(evs, func(e fxEvent) bool { return e.Data == "[DONE]" }) != 1 {
				t.Fatalf("want exactly one [DONE]:\n%s", w.Body())
			}
			if combo.client == fxResponses && (fxCount(evs, func(e fxEvent) bool { return e.Name == "response.created" }) != 1 ||
				fxCount(evs, func(e fxEvent) bool { return e.Name == "response.completed" }) != 1) {
				t.Fatalf("want one response.created and one response.completed:\n%s", w.Body())
			}
		}
		wantBad := int64(1)
		if f.refused {
			wantBad = 0
		}
		if badCount != wantBad || good.count.Load() != 1 {
			t.Fatalf("counts: flaky %d (want %d), spare %d (want 1)", badCount, wantBad, good.count.Load())
		}
		if combo.passthrough() {
			// Passthrough: the client gets exactly the bytes the second
			// backend sends to a direct caller.
			direct := fxDirect(t, good, combo.format, stream)
			if stream && combo.client == fxGeminiArray {
				direct = fxGeminiArrayOf(t, direct) // the same chunks, framed as the client asked
			}
			if w.Body() != direct {
				t.Fatalf("failed-over answer differs from the backend's own:\ngateway:\n%s\ndirect:\n%s", w.Body(), direct)
			}
		}
		st := g.status(t)
		if len(st.Failovers) != 1 || st.Failovers[0].From != "flaky" || st.Failovers[0].To != "spare" {
			t.Fatalf("failover events %+v", st.Failovers)
		}
		t.Logf("failover reason: %s", st.Failovers[0].Reason)
	}
	if f.wantCancel {
		if !bad.sawCancel() || bad.cancelled.Load() != 1 {
			t.Fatalf("the faulty upstream never saw its request cancelled")
		}
	}
	for _, u := range []*fxUp{bad, good} {
		if u == nil {
			continue
		}
		u.mu.Lock()
		for _, rq := range u.reqs {
			for name, v := range rq.Header {
				if strings.Contains(strings.Join(v, " "), "client-key-must-not-leak") {
					t.Errorf("the client's key reached an upstream in %s", name)
				}
			}
		}
		u.mu.Unlock()
	}
}

// fxCheckConverted runs a converted stream of the other clients through
// its protocol's checker.
func fxCheckConverted(t *testing.T, combo fxCombo, w *fxWire) {
	t.Helper()
	if combo.passthrough() {
		return
	}
	var err error
	switch combo.client {
	case fxOpenAI:
		err = converttest.CheckOpenAIStream([]byte(w.Body()))
	case fxAnthropic:
		err = converttest.CheckAnthropicStream([]byte(w.Body()))
	case fxResponses:
		err = responsestest.Check([]byte(w.Body()))
	}
	if err != nil {
		t.Fatalf("%s stream from a %s backend: %v\nwire:\n%s", combo.client, combo.format, err, w.Body())
	}
}

// fxCheckGemini runs a Gemini client's stream through
// geminitest.CheckStream and checks its Content-Type: text/event-stream
// for SSE, application/json for the JSON array.
func fxCheckGemini(t *testing.T, p fxProto, w *fxWire) {
	t.Helper()
	if !p.gemini() {
		return
	}
	if err := geminitest.CheckStream([]byte(w.Body()), p.geminiFormat()); err != nil {
		t.Fatalf("%s stream: %v\nwire:\n%s", p, err, w.Body())
	}
	want := "text/event-stream"
	if p == fxGeminiArray {
		want = "application/json"
	}
	if ct := w.Header.Get("Content-Type"); !strings.HasPrefix(ct, want) {
		t.Fatalf("%s stream: Content-Type %q, want %s", p, ct, want)
	}
}

// fxGeminiArrayOf re-frames a Gemini SSE stream as the JSON-array form
// (docs: `[{chunk}`, then `,\r\n{chunk}`, then `]`).
func fxGeminiArrayOf(t *testing.T, sseWire string) string {
	t.Helper()
	chunks, err := geminitest.Chunks([]byte(sseWire), gemini.StreamFormatSSE)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, c := range chunks {
		if i > 0 {
			b.WriteString(",\r\n")
		}
		b.Write(c)
	}
	b.WriteByte(']')
	return b.String()
}

// fxDirect calls an upstream directly, as the gateway would, and returns
// its raw answer.
func fxDirect(t *testing.T, u *fxUp, format config.Format, stream bool) string {
	t.Helper()
	path := "/chat/completions"
	body := fmt.Sprintf(`{"model":"fx-model","stream":%v,"max_tokens":64,"messages":[{"role":"user","content":"hi"}]}`, stream)
	switch format {
	case config.FormatAnthropic:
		path = "/v1/messages"
	case config.FormatGemini:
		path = gemini.Path("fx-model", stream)
		body = `{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`
	}
	resp, err := http.Post(u.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// ---- keep-alives and the idle timeout ----

// TestStreamKeepAliveDuringSilence: with KeepAlive 100ms, a stream that
// goes silent for 400ms after its first content gets keep-alives in the
// client's protocol (": keepalive" for OpenAI, "event: ping" for
// Anthropic), then completes; the SDKs skip them.
func TestStreamKeepAliveDuringSilence(t *testing.T) {
	for _, combo := range fxCombos[:3] {
		t.Run(fmt.Sprintf("%s/%s-backend", combo.client, combo.format), func(t *testing.T) {
			t.Parallel()
			up := fxNewUp(t, func(u *fxUp) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					in, wf := fxInfo(r), fxFormat(r)
					fxBeginSSE(w)
					fxWrite(w, fxFraming(wf, in.Model)+fxTextEv(wf, in.Model, "before "))
					time.Sleep(400 * time.Millisecond) // silent on purpose
					fxWrite(w, fxTextEv(wf, in.Model, "after"))
					fxWrite(w, fxFinish(wf, in.Model))
				}
			})
			g := startGateway(t, []config.Backend{backend("a", 1, combo.format, up.URL)},
				fxTimeouts(2*time.Second, 2*time.Second), fxOpt(func(o *gateway.Options) { o.KeepAlive = 100 * time.Millisecond }))
			tap := fxNewTap(t)
			res := fxAsk(context.Background(), g, tap.client(), combo.client, true, "m", "k", nil)
			if res.Err != nil || res.Text != "before after" {
				t.Fatalf("text %q err %v", res.Text, res.Err)
			}
			raw := tap.last().Body()
			evs := fxEvents(raw)
			// Keep-alives sit between the two content events.
			var kinds []string
			for _, e := range evs {
				switch {
				case e.Name == ":":
					kinds = append(kinds, "comment:"+e.Data)
				case e.Name == "ping":
					kinds = append(kinds, "ping")
				case strings.Contains(e.Data, `"before `):
					kinds = append(kinds, "before")
				case strings.Contains(e.Data, `"after"`):
					kinds = append(kinds, "after")
				}
			}
			want := "comment:keepalive"
			if combo.client == fxAnthropic {
				want = "ping"
			}
			n, between, seenBefore, seenAfter := 0, 0, false, false
			for _, k := range kinds {
				switch k {
				case "before":
					seenBefore = true
				case "after":
					seenAfter = true
				case want:
					n++
					if seenBefore && !seenAfter {
						between++
					}
				}
			}
			if between < 2 {
				t.Fatalf("want ≥2 %q keep-alives during the 400ms silence, got %d (sequence %v)\n%s", want, between, kinds, raw)
			}
			if combo.client == fxAnthropic && strings.Contains(raw, ": keepalive") || combo.client == fxOpenAI && strings.Contains(raw, "event: ping") {
				t.Fatalf("keep-alive of the wrong protocol:\n%s", raw)
			}
			t.Logf("%d keep-alives (%d during the silence)", n, between)
		})
	}
}

// TestStreamIdleTimeoutCuts: a stream silent longer than
// StreamIdleTimeout after its first content is ended with exactly one
// error event (keep-alives do not count as upstream activity), and the
// upstream request is cancelled.
func TestStreamIdleTimeoutCuts(t *testing.T) {
	for _, combo := range fxCombos[:3] {
		t.Run(fmt.Sprintf("%s/%s-backend", combo.client, combo.format), func(t *testing.T) {
			t.Parallel()
			up := fxNewUp(t, func(u *fxUp) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					in, wf := fxInfo(r), fxFormat(r)
					fxBeginSSE(w)
					fxWrite(w, fxFraming(wf, in.Model)+fxTextEv(wf, in.Model, "partial "))
					u.waitCancel(r)
				}
			})
			g := startGateway(t, []config.Backend{backend("a", 1, combo.format, up.URL)},
				fxTimeouts(2*time.Second, 300*time.Millisecond), fxOpt(func(o *gateway.Options) { o.KeepAlive = 100 * time.Millisecond }))
			tap := fxNewTap(t)
			res := fxAsk(context.Background(), g, tap.client(), combo.client, true, "m", "k", nil)
			raw := tap.last().Body()
			if res.Err == nil || res.Text != "partial " {
				t.Fatalf("text %q err %v; want the text so far and an error\n%s", res.Text, res.Err, raw)
			}
			if n := fxErrorEvents(combo.client, fxEvents(raw)); n != 1 {
				t.Fatalf("%d error events, want 1:\n%s", n, raw)
			}
			if res.Elapsed < 300*time.Millisecond || res.Elapsed > 3*time.Second {
				t.Fatalf("the idle cut came after %v, want about 300ms", res.Elapsed)
			}
			if !up.sawCancel() || up.cancelled.Load() != 1 {
				t.Fatal("upstream not cancelled")
			}
		})
	}
}

// TestClientAbortCancelLatency (F6, docs/hardening.md §6 figure 6): a client that goes away
// while the upstream has not answered yet (TTFB phase) or mid-stream gets
// its upstream request cancelled promptly, in both client protocols.
func TestClientAbortCancelLatency(t *testing.T) {
	type seen struct{ at time.Time }
	started := make(chan struct{}, 1)
	cancelled := make(chan seen, 1)
	up := fxNewUp(t, func(u *fxUp) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			in, wf := fxInfo(r), fxFormat(r)
			if in.Model == "mid" {
				fxBeginSSE(w)
				fxWrite(w, fxFraming(wf, in.Model)+fxTextEv(wf, in.Model, "partial "))
			}
			started <- struct{}{}
			select {
			case <-r.Context().Done():
				cancelled <- seen{time.Now()}
			case <-time.After(10 * time.Second):
				cancelled <- seen{}
			}
		}
	})
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL)})
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.Transport.(*http.Transport).CloseIdleConnections()
	const n = 20
	for _, phase := range []string{"ttfb", "mid"} {
		var lat []time.Duration
		for i := 0; i < n; i++ {
			path := "/v1/chat/completions"
			if i%2 == 1 {
				path = "/v1/messages"
			}
			ctx, cancel := context.WithCancel(context.Background())
			req, _ := http.NewRequestWithContext(ctx, "POST", g.URL+path,
				strings.NewReader(`{"model":"`+phase+`","stream":true,"max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`))
			req.Header.Set("Content-Type", "application/json")
			done := make(chan struct{})
			go func() {
				defer close(done)
				if resp, err := hc.Do(req); err == nil {
					io.Copy(io.Discard, resp.Body) // until the abort
					resp.Body.Close()
				}
			}()
			<-started
			at := time.Now()
			cancel()
			s := <-cancelled
			<-done
			if s.at.IsZero() {
				t.Fatalf("%s: the upstream request was never cancelled", phase)
			}
			lat = append(lat, s.at.Sub(at))
		}
		slices.Sort(lat)
		t.Logf("client abort (%s phase) → upstream cancelled: p50 %v, max %v over %d aborts", phase, lat[n/2], lat[n-1], n)
		if lat[n-1] > 250*time.Millisecond {
			t.Fatalf("%s: upstream cancelled %v after the client left", phase, lat[n-1])
		}
	}
	if st := g.status(t); st.Backends[0].Failures != 0 {
		t.Fatalf("client aborts counted as backend failures: %d", st.Backends[0].Failures)
	}
}
