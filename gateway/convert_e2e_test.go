package gateway_test

// End-to-end conversion tests: an official SDK client talks to a real
// gateway on loopback, in front of a scripted upstream of the OTHER
// protocol (fake_upstream_test.go).
//
//   Matrix A: openai-go client    -> gateway -> Anthropic-format backend
//   Matrix B: anthropic-sdk-go    -> gateway -> OpenAI-format backend
//
// Every SDK call goes through a wire tap; every event stream the gateway
// sends is run through converttest.CheckOpenAIStream / CheckAnthropicStream when
// the test ends. Some tests also read the raw bytes with a plain http client.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	aoption "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"switchyard/gateway/config"
	"switchyard/gateway/convert/converttest"
	"switchyard/gateway/sse"
)

const (
	anthKey   = "anth-backend-key-1234"
	oaiKey    = "oai-backend-key-5678"
	clientKey = "client-key-must-not-leak" // what both SDK clients send
	model     = "claude-sonnet-4-5"
)

// ---- helpers ----

// claude returns an anthropic-sdk-go client for the gateway, through tp.
func (g *gw) claude(tp *wireTap, opts ...aoption.RequestOption) *anthropic.Client {
	base := []aoption.RequestOption{aoption.WithoutEnvironmentDefaults(), aoption.WithBaseURL(g.URL),
		aoption.WithAPIKey(clientKey), aoption.WithMaxRetries(0)}
	if tp != nil {
		base = append(base, aoption.WithHTTPClient(tp.client()))
	}
	c := anthropic.NewClient(append(base, opts...)...)
	return &c
}

// oai returns an openai-go client for the gateway, through tp.
func (g *gw) oai(tp *wireTap) *openai.Client {
	return g.openai(option.WithHTTPClient(tp.client()))
}

func anthBackend(id string, prio int, up *upstream) config.Backend {
	return backend(id, prio, config.FormatAnthropic, up.URL)
}

// oaiBackend's base URL carries the version prefix, as the contract says.
func oaiBackend(id string, prio int, up *upstream) config.Backend {
	return backend(id, prio, config.FormatOpenAI, up.URL+"/v1")
}

// bodyOf decodes a recorded upstream request body.
func bodyOf(t *testing.T, r recorded) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("upstream got a non-JSON body: %v: %s", err, r.Body)
	}
	return m
}

// jsonEq fails unless got and want are the same JSON value.
func jsonEq(t *testing.T, what string, got any, want string) {
	t.Helper()
	gb, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	json.Unmarshal(gb, &g)
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON for %s: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s:\n got  %s\n want %s", what, gb, mustJSON(w))
	}
}

// parseJSON decodes s into a generic value, failing the test on bad JSON.
func parseJSON(t *testing.T, what, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s is not valid JSON: %v: %q", what, err, s)
	}
	return v
}

// noLeak fails if the client's key reached the upstream anywhere.
func noLeak(t *testing.T, r recorded) {
	t.Helper()
	for k, v := range r.Header {
		if strings.Contains(strings.Join(v, " "), clientKey) {
			t.Fatalf("client key forwarded upstream in header %s", k)
		}
	}
	if bytes.Contains(r.Body, []byte(clientKey)) {
		t.Fatal("client key forwarded upstream in the body")
	}
}

// wantAnthropicUpstream asserts a converted request to an Anthropic backend:
// right path, the backend's key as x-api-key, anthropic-version 2023-06-01,
// no Authorization, no client key.
func wantAnthropicUpstream(t *testing.T, r recorded) {
	t.Helper()
	if r.Path != "/v1/messages" || r.APIKey != anthKey || r.Auth != "" || r.Header.Get("anthropic-version") != "2023-06-01" {
		t.Fatalf("upstream request: path %q x-api-key %q Authorization %q anthropic-version %q", r.Path, r.APIKey, r.Auth, r.Header.Get("anthropic-version"))
	}
	noLeak(t, r)
}

// wantOpenAIUpstream asserts a converted request to an OpenAI backend.
func wantOpenAIUpstream(t *testing.T, r recorded) {
	t.Helper()
	if r.Path != "/v1/chat/completions" || r.Auth != "Bearer "+oaiKey || r.APIKey != "" {
		t.Fatalf("upstream request: path %q Authorization %q x-api-key %q", r.Path, r.Auth, r.APIKey)
	}
	if v := r.Header.Get("anthropic-version") + r.Header.Get("anthropic-beta"); v != "" {
		t.Fatalf("Anthropic headers forwarded to an OpenAI backend: %q", v)
	}
	noLeak(t, r)
}

// events parses an SSE wire into events.
func parseEvents(t *testing.T, wire []byte) []sseEv {
	t.Helper()
	rd := sse.NewReader(bytes.NewReader(wire))
	var out []sseEv
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("malformed SSE from the gateway: %v\n%s", err, wire)
		}
		out = append(out, sseEv{ev.Name, string(ev.Data)})
	}
}

// oaiChunks decodes the data of every event but [DONE].
func oaiChunks(t *testing.T, evs []sseEv) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, ev := range evs {
		if ev.Data == "[DONE]" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(ev.Data), &m); err != nil {
			t.Fatalf("chunk is not JSON: %q", ev.Data)
		}
		out = append(out, m)
	}
	return out
}

// rawStream posts body to the gateway with a plain http client and returns
// the response and every byte of it.
func rawStream(t *testing.T, g *gw, path, body string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	return g.post(t, path, body, hdr...)
}

var weatherTool = openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
	Name: "get_weather", Description: openai.String("Current weather for a city"),
	Parameters: shared.FunctionParameters{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}, "required": []string{"city"}},
})

var timeTool = openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
	Name: "get_time", Description: openai.String("Local time in a zone"),
	Parameters: shared.FunctionParameters{"type": "object", "properties": map[string]any{"tz": map[string]any{"type": "string"}}, "required": []string{"tz"}},
})

func anthTool(name, desc string, props map[string]any, required ...string) anthropic.ToolUnionParam {
	return anthropic.ToolUnionParam{OfTool: &anthropic.ToolParam{Name: name, Description: anthropic.String(desc),
		InputSchema: anthropic.ToolInputSchemaParam{Properties: props, Required: required}}}
}

var anthWeather = anthTool("get_weather", "Current weather for a city", map[string]any{"city": map[string]any{"type": "string"}}, "city")
var anthTime = anthTool("get_time", "Local time in a zone", map[string]any{"tz": map[string]any{"type": "string"}}, "tz")

func userMsg(text string) anthropic.MessageParam {
	return anthropic.NewUserMessage(anthropic.NewTextBlock(text))
}

// collectOpenAI drains an openai-go stream into an accumulator, checking
// each chunk is accepted, and returns it with the stream's error.
func collectOpenAI(t *testing.T, s interface {
	Next() bool
	Current() openai.ChatCompletionChunk
	Err() error
	Close() error
}) (*openai.ChatCompletionAccumulator, []openai.ChatCompletionChunk, error) {
	t.Helper()
	defer s.Close()
	acc := &openai.ChatCompletionAccumulator{}
	var chunks []openai.ChatCompletionChunk
	for s.Next() {
		ch := s.Current()
		chunks = append(chunks, ch)
		if !acc.AddChunk(ch) {
			t.Fatalf("the SDK accumulator rejected chunk %d: %s", len(chunks)-1, ch.RawJSON())
		}
	}
	return acc, chunks, s.Err()
}

// collectAnthropic drains an anthropic-sdk-go stream into Message.Accumulate.
func collectAnthropic(t *testing.T, s interface {
	Next() bool
	Current() anthropic.MessageStreamEventUnion
	Err() error
	Close() error
}) (*anthropic.Message, []anthropic.MessageStreamEventUnion, error) {
	t.Helper()
	defer s.Close()
	msg := &anthropic.Message{}
	var evs []anthropic.MessageStreamEventUnion
	for s.Next() {
		ev := s.Current()
		evs = append(evs, ev)
		if err := msg.Accumulate(ev); err != nil {
			t.Fatalf("Message.Accumulate rejected event %d (%s): %v", len(evs)-1, ev.Type, err)
		}
	}
	return msg, evs, s.Err()
}

func textOf(m *anthropic.Message) string {
	var b strings.Builder
	for _, c := range m.Content {
		if c.Type == "text" {
			b.WriteString(c.Text)
		}
	}
	return b.String()
}

func failoverReasons(t *testing.T, g *gw) []string {
	t.Helper()
	var out []string
	for _, f := range g.status(t).Failovers {
		out = append(out, f.From+"->"+f.To+": "+f.Reason)
	}
	return out
}

// ======================================================================
// Matrix A: OpenAI client -> Anthropic-format backend
// ======================================================================

func TestConvE2E_OToA_Text(t *testing.T) {
	up := anthropicFake(t, nil, aReply{ID: "msg_01txt", Model: "claude-upstream", Blocks: []aBlk{aText("Hello", " there")},
		Stop: "end_turn", Usage: aUsage{In: 10, Out: 5}}.answer())
	g := startGateway(t, []config.Backend{anthBackend("anth", 1, up)}, withEnv("ANTH_API_KEYS", anthKey))
	var raw *http.Response
	resp, err := g.oai(newWireTap(t)).Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:    model,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("Be brief."), openai.UserMessage("hi")},
	}, option.WithResponseInto(&raw))
	if err != nil {
		t.Fatal(err)
	}
	// docs/conversion.md §4: the upstream's request id is echoed as x-request-id to an OpenAI client.
	if got := raw.Header.Get("x-request-id"); got != "req_fake_msg_01txt" {
		t.Fatalf("x-request-id %q, want the upstream's request-id", got)
	}
	if resp.ID != "chatcmpl-msg_01txt" || resp.Object != "chat.completion" || resp.Model != model {
		t.Fatalf("id %q object %q model %q", resp.ID, resp.Object, resp.Model)
	}
	if len(resp.Choices) != 1 || resp.Choices[0].Message.Content != "Hello there" || resp.Choices[0].FinishReason != "stop" {
		t.Fatalf("choices %s", mustJSON(resp.Choices))
	}
	if u := resp.Usage; u.PromptTokens != 10 || u.CompletionTokens != 5 || u.TotalTokens != 15 {
		t.Fatalf("usage %+v", u)
	}
	reqs := up.requests()
	if len(reqs) != 1 {
		t.Fatalf("upstream got %d requests", len(reqs))
	}
	wantAnthropicUpstream(t, reqs[0])
	b := bodyOf(t, reqs[0])
	jsonEq(t, "upstream system", b["system"], `[{"type":"text","text":"Be brief."}]`)
	jsonEq(t, "upstream messages", b["messages"], `[{"role":"user","content":[{"type":"text","text":"hi"}]}]`)
	if b["model"] != model || b["max_tokens"] != float64(1024) || b["stream"] == true {
		t.Fatalf("upstream model %v max_tokens %v stream %v (want the backend's max_tokens_default 1024, no stream)", b["model"], b["max_tokens"], b["stream"])
	}
}

func TestConvE2E_OToA_StreamText(t *testing.T) {
	reply := aReply{ID: "msg_02str", Model: "claude-upstream", Blocks: []aBlk{aText("Hel", "lo", " world")},
		Stop: "end_turn", Usage: aUsage{In: 20, Out: 7, CacheRead: 100, CacheCreate: 30}}
	up := anthropicFake(t, nil, reply.answer())
	g := startGateway(t, []config.Backend{anthBackend("anth", 1, up)}, withEnv("ANTH_API_KEYS", anthKey))

	t.Run("sdk with include_usage", func(t *testing.T) {
		params := chatParams(model)
		params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
		acc, chunks, err := collectOpenAI(t, g.oai(newWireTap(t)).Chat.Completions.NewStreaming(context.Background(), params))
		if err != nil {
			t.Fatal(err)
		}
		if c := acc.Choices[0]; c.Message.Content != "Hello world" || c.FinishReason != "stop" {
			t.Fatalf("content %q finish %q", c.Message.Content, c.FinishReason)
		}
		last := chunks[len(chunks)-1]
		if len(last.Choices) != 0 || last.Usage.PromptTokens != 150 || last.Usage.CompletionTokens != 7 ||
			last.Usage.TotalTokens != 157 || last.Usage.PromptTokensDetails.CachedTokens != 100 {
			t.Fatalf("the last chunk should be the usage chunk (prompt 20+100+30, cached 100): %s", last.RawJSON())
		}
		for _, ch := range chunks {
			if ch.ID != "chatcmpl-msg_02str" || ch.Model != model {
				t.Fatalf("chunk id %q model %q", ch.ID, ch.Model)
			}
		}
		r := up.requests()[len(up.requests())-1]
		wantAnthropicUpstream(t, r)
		if b := bodyOf(t, r); b["stream"] != true || b["stream_options"] != nil {
			t.Fatalf("upstream stream %v stream_options %v", b["stream"], b["stream_options"])
		}
	})

	for _, usage := range []bool{true, false} {
		name := "raw without include_usage"
		body := `{"model":"` + model + `","stream":true,"messages":[{"role":"user","content":"hi"}]}`
		if usage {
			name = "raw with include_usage"
			body = `{"model":"` + model + `","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`
		}
		t.Run(name, func(t *testing.T) {
			resp, wire := rawStream(t, g, "/v1/chat/completions", body, "Authorization", "Bearer "+clientKey)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") ||
				resp.Header.Get("Cache-Control") != "no-cache" || resp.Header.Get("X-Accel-Buffering") != "no" {
				t.Fatalf("status %d headers %v", resp.StatusCode, resp.Header)
			}
			var opts []converttest.CheckOption
			if usage {
				opts = append(opts, converttest.WithUpstreamUsage())
			}
			if err := converttest.CheckOpenAIStream(wire, opts...); err != nil {
				t.Fatalf("%v\n%s", err, wire)
			}
			evs := parseEvents(t, wire)
			if evs[len(evs)-1].Data != "[DONE]" {
				t.Fatalf("stream does not end in [DONE]:\n%s", wire)
			}
			var text strings.Builder
			usageChunks := 0
			for _, c := range oaiChunks(t, evs) {
				if u, ok := c["usage"]; ok && u != nil {
					usageChunks++
					jsonEq(t, "usage chunk choices", c["choices"], `[]`)
				}
				for _, ch := range c["choices"].([]any) {
					if s, ok := ch.(map[string]any)["delta"].(map[string]any)["content"].(string); ok {
						text.WriteString(s)
					}
				}
			}
			if text.String() != "Hello world" {
				t.Fatalf("text %q", text.String())
			}
			if want := map[bool]int{true: 1, false: 0}[usage]; usageChunks != want {
				t.Fatalf("%d usage chunks, want %d (include_usage %v)", usageChunks, want, usage)
			}
		})
	}
}

func TestConvE2E_OToA_ToolCall(t *testing.T) {
	up := anthropicFake(t, nil, aReply{ID: "msg_03tool", Model: "claude-upstream",
		Blocks: []aBlk{aText("Let me check."), aTool("toolu_01W", "get_weather", `{"city":"Paris"}`)},
		Stop:   "tool_use", Usage: aUsage{In: 50, Out: 20}}.answer())
	g := startGateway(t, []config.Backend{anthBackend("anth", 1, up)}, withEnv("ANTH_API_KEYS", anthKey))
	params := chatParams(model)
	params.Tools = []openai.ChatCompletionToolUnionParam{weatherTool}
	params.ToolChoice = openai.ChatCompletionToolChoiceOptionUnionParam{OfAuto: openai.String("required")}
	resp, err := g.oai(newWireTap(t)).Chat.Completions.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	c := resp.Choices[0]
	if c.FinishReason != "tool_calls" || c.Message.Content != "Let me check." || len(c.Message.ToolCalls) != 1 {
		t.Fatalf("choice %s", mustJSON(c))
	}
	tc := c.Message.ToolCalls[0]
	if tc.ID != "toolu_01W" || tc.Type != "function" || tc.Function.Name != "get_weather" {
		t.Fatalf("tool call %s", mustJSON(tc))
	}
	jsonEq(t, "arguments", parseJSON(t, "arguments", tc.Function.Arguments), `{"city":"Paris"}`)
	r := up.requests()[0]
	wantAnthropicUpstream(t, r)
	b := bodyOf(t, r)
	jsonEq(t, "upstream tools", b["tools"], `[{"name":"get_weather","description":"Current weather for a city",
		"input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]`)
	jsonEq(t, "upstream tool_choice", b["tool_choice"], `{"type":"any"}`)
}

func TestConvE2E_OToA_ParallelToolsStream(t *testing.T) {
	reply := aReply{ID: "msg_04par", Model: "claude-upstream", Stop: "tool_use", Usage: aUsage{In: 30, Out: 40},
		Blocks: []aBlk{
			aText("Checking ", "both."),
			aTool("toolu_A1", "get_weather", "", `{"ci`, `ty": "Par`, `is"}`), // Anthropic opens with an empty partial_json
			aTool("toolu_B2", "get_time", `{"tz":`, ` "Europe/Rome"}`),
		}}
	up := anthropicFake(t, nil, reply.answer())
	g := startGateway(t, []config.Backend{anthBackend("anth", 1, up)}, withEnv("ANTH_API_KEYS", anthKey))

	t.Run("sdk accumulator", func(t *testing.T) {
		params := chatParams(model)
		params.Tools = []openai.ChatCompletionToolUnionParam{weatherTool, timeTool}
		acc, chunks, err := collectOpenAI(t, g.oai(newWireTap(t)).Chat.Completions.NewStreaming(context.Background(), params))
		if err != nil {
			t.Fatal(err)
		}
		c := acc.Choices[0]
		if c.FinishReason != "tool_calls" || c.Message.Content != "Checking both." || len(c.Message.ToolCalls) != 2 {
			t.Fatalf("accumulated %s", mustJSON(c))
		}
		want := []struct{ id, name, args string }{{"toolu_A1", "get_weather", `{"city":"Paris"}`}, {"toolu_B2", "get_time", `{"tz":"Europe/Rome"}`}}
		for i, w := range want {
			tc := c.Message.ToolCalls[i]
			if tc.ID != w.id || tc.Function.Name != w.name {
				t.Fatalf("tool call %d: %s", i, mustJSON(tc))
			}
			jsonEq(t, "arguments of "+w.name, parseJSON(t, "arguments", tc.Function.Arguments), w.args)
		}
		// As the SDK saw them: tool indices 0 and 1 (not the block
		// indices 1 and 2), the id on the first chunk of each call only.
		heads := map[int64]string{}
		for _, ch := range chunks {
			for _, ch := range ch.Choices {
				for _, tc := range ch.Delta.ToolCalls {
					if tc.Index != 0 && tc.Index != 1 {
						t.Fatalf("tool call index %d", tc.Index)
					}
					if tc.ID != "" {
						if _, dup := heads[tc.Index]; dup {
							t.Fatalf("second head chunk for call %d", tc.Index)
						}
						heads[tc.Index] = tc.ID
					} else if _, ok := heads[tc.Index]; !ok {
						t.Fatalf("fragment for call %d before its head", tc.Index)
					}
				}
			}
		}
		if heads[0] != "toolu_A1" || heads[1] != "toolu_B2" {
			t.Fatalf("heads %v", heads)
		}
	})

	t.Run("raw", func(t *testing.T) {
		resp, wire := rawStream(t, g, "/v1/chat/completions", `{"model":"`+model+`","stream":true,"messages":[{"role":"user","content":"hi"}],
			"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}},{"type":"function","function":{"name":"get_time","parameters":{"type":"object"}}}]}`)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, wire)
		}
		if err := converttest.CheckOpenAIStream(wire, converttest.WithCompleteToolArgs()); err != nil {
			t.Fatalf("%v\n%s", err, wire)
		}
		for _, c := range oaiChunks(t, parseEvents(t, wire)) {
			for _, ch := range c["choices"].([]any) {
				d := ch.(map[string]any)["delta"].(map[string]any)
				tcs, _ := d["tool_calls"].([]any)
				for _, tc := range tcs {
					m := tc.(map[string]any)
					fn, _ := m["function"].(map[string]any)
					if _, head := m["id"]; !head && fn["arguments"] == "" {
						t.Fatalf("an empty input_json_delta became a chunk (vector 36): %s", mustJSON(c))
					}
				}
			}
		}
	})
}

func TestConvE2E_OToA_ToolResultRoundTrip(t *testing.T) {
	first := aReply{ID: "msg_05a", Model: "claude-upstream", Stop: "tool_use", Usage: aUsage{In: 40, Out: 30},
		Blocks: []aBlk{aText("Let me check."), aTool("toolu_A1", "get_weather", `{"city":"Paris"}`), aTool("toolu_B2", "get_time", `{"tz":"Europe/Rome"}`)}}
	second := aReply{ID: "msg_05b", Model: "claude-upstream", Stop: "end_turn", Usage: aUsage{In: 80, Out: 9},
		Blocks: []aBlk{aText("Sunny, 21C; it is 14:05 in Rome.")}}
	up := anthropicFake(t, nil, turns(first.answer(), second.answer()))
	g := startGateway(t, []config.Backend{anthBackend("anth", 1, up)}, withEnv("ANTH_API_KEYS", anthKey))
	c := g.oai(newWireTap(t))
	params := chatParams(model)
	params.Messages = []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Weather in Paris and time in Rome?")}
	params.Tools = []openai.ChatCompletionToolUnionParam{weatherTool, timeTool}
	r1, err := c.Chat.Completions.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	calls := r1.Choices[0].Message.ToolCalls
	if len(calls) != 2 {
		t.Fatalf("first answer %s", mustJSON(r1))
	}
	params.Messages = append(params.Messages, r1.Choices[0].Message.ToParam(),
		openai.ToolMessage("sunny, 21C", calls[0].ID), openai.ToolMessage("14:05", calls[1].ID), openai.UserMessage("Summarise."))
	r2, err := c.Chat.Completions.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Choices[0].Message.Content != "Sunny, 21C; it is 14:05 in Rome." {
		t.Fatalf("second answer %s", mustJSON(r2))
	}
	reqs := up.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d upstream requests", len(reqs))
	}
	wantAnthropicUpstream(t, reqs[1])
	// Anthropic shape: tool_use blocks with parsed input in the assistant
	// turn, then ONE user message with both tool_results first (vector 4).
	// A tool_result's content may be the string or one text block holding
	// it (the converter sends the block form; both are valid Anthropic).
	jsonEq(t, "second upstream request's messages", textBlockResults(bodyOf(t, reqs[1])["messages"]), `[
		{"role":"user","content":[{"type":"text","text":"Weather in Paris and time in Rome?"}]},
		{"role":"assistant","content":[{"type":"text","text":"Let me check."},
			{"type":"tool_use","id":"toolu_A1","name":"get_weather","input":{"city":"Paris"}},
			{"type":"tool_use","id":"toolu_B2","name":"get_time","input":{"tz":"Europe/Rome"}}]},
		{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_A1","content":[{"type":"text","text":"sunny, 21C"}]},
			{"type":"tool_result","tool_use_id":"toolu_B2","content":[{"type":"text","text":"14:05"}]},
			{"type":"text","text":"Summarise."}]}]`)
}

// textBlockResults rewrites string tool_result contents in Anthropic
// messages as the equivalent one-text-block array.
func textBlockResults(msgs any) any {
	ms, _ := msgs.([]any)
	for _, m := range ms {
		blocks, _ := m.(map[string]any)["content"].([]any)
		for _, b := range blocks {
			if bm, _ := b.(map[string]any); bm["type"] == "tool_result" {
				if s, ok := bm["content"].(string); ok {
					bm["content"] = []any{map[string]any{"type": "text", "text": s}}
				}
			}
		}
	}
	return msgs
}

func TestConvE2E_OToA_UsageWithCache(t *testing.T) {
	reply := aReply{ID: "msg_06use", Model: "claude-upstream", Blocks: []aBlk{aText("ok")}, Stop: "end_turn",
		Usage: aUsage{In: 200, Out: 50, CacheRead: 800, CacheCreate: 100}}
	up := anthropicFake(t, nil, reply.answer())
	g := startGateway(t, []config.Backend{anthBackend("anth", 1, up)}, withEnv("ANTH_API_KEYS", anthKey))
	check := func(t *testing.T, u openai.CompletionUsage) {
		t.Helper()
		// vector 25: prompt = input + cache_read + cache_creation
		if u.PromptTokens != 1100 || u.CompletionTokens != 50 || u.TotalTokens != 1150 || u.PromptTokensDetails.CachedTokens != 800 {
			t.Fatalf("usage %s", u.RawJSON())
		}
	}
	t.Run("json", func(t *testing.T) {
		resp, err := g.oai(newWireTap(t)).Chat.Completions.New(context.Background(), chatParams(model))
		if err != nil {
			t.Fatal(err)
		}
		check(t, resp.Usage)
	})
	t.Run("stream", func(t *testing.T) {
		params := chatParams(model)
		params.StreamOptions.IncludeUsage = openai.Bool(true)
		_, chunks, err := collectOpenAI(t, g.oai(newWireTap(t)).Chat.Completions.NewStreaming(context.Background(), params))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ch := range chunks {
			if ch.JSON.Usage.Valid() && ch.Usage.TotalTokens > 0 {
				n++
				check(t, ch.Usage)
			}
		}
		if n != 1 {
			t.Fatalf("%d chunks with usage, want 1", n)
		}
	})
}

func TestConvE2E_OToA_ErrorBeforeFirstContent(t *testing.T) {
	start := aReply{ID: "msg_bad", Model: "claude-upstream"}.Events()[0]
	variants := map[string][]sseEv{
		"error first":              {aErrorEvent("overloaded_error", "Overloaded")},
		"message_start then error": {start, {"ping", `{"type":"ping"}`}, aErrorEvent("overloaded_error", "Overloaded")},
		"empty text block then error": {start, {"content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`},
			aErrorEvent("api_error", "Internal server error")},
	}
	backup := aReply{ID: "msg_good", Model: "claude-upstream", Blocks: []aBlk{aText("from ", "backup")}, Stop: "end_turn", Usage: aUsage{In: 5, Out: 2}}
	for name, evs := range variants {
		for _, via := range []string{"sdk", "raw"} {
			t.Run(name+"/"+via, func(t *testing.T) {
				bad := anthropicFake(t, nil, events(0, evs...))
				good := anthropicFake(t, nil, backup.answer())
				g := startGateway(t, []config.Backend{anthBackend("bad", 1, bad), anthBackend("good", 2, good)}, withEnv("BAD_API_KEYS", anthKey, "GOOD_API_KEYS", anthKey))
				var text string
				if via == "sdk" {
					acc, _, err := collectOpenAI(t, g.oai(newWireTap(t)).Chat.Completions.NewStreaming(context.Background(), chatParams(model)))
					if err != nil {
						t.Fatalf("the client must see a clean stream from the second backend: %v", err)
					}
					text = acc.Choices[0].Message.Content
				} else {
					resp, wire := rawStream(t, g, "/v1/chat/completions", `{"model":"`+model+`","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
					if resp.StatusCode != 200 || resp.Header.Get("X-Switchyard-Backend") != "good" {
						t.Fatalf("status %d backend %q", resp.StatusCode, resp.Header.Get("X-Switchyard-Backend"))
					}
					if err := converttest.CheckOpenAIStream(wire); err != nil {
						t.Fatalf("%v\n%s", err, wire)
					}
					if bytes.Contains(wire, []byte("Overloaded")) || bytes.Contains(wire, []byte("Internal server error")) {
						t.Fatalf("the failed attempt leaked into the client stream:\n%s", wire)
					}
					for _, c := range oaiChunks(t, parseEvents(t, wire)) {
						for _, ch := range c["choices"].([]any) {
							s, _ := ch.(map[string]any)["delta"].(map[string]any)["content"].(string)
							text += s
						}
					}
				}
				if text != "from backup" {
					t.Fatalf("text %q", text)
				}
				if bad.count.Load() != 1 || good.count.Load() != 1 {
					t.Fatalf("bad %d good %d requests", bad.count.Load(), good.count.Load())
				}
				if fs := failoverReasons(t, g); len(fs) != 1 || !strings.HasPrefix(fs[0], "bad->good: ") {
					t.Fatalf("failovers %q", fs)
				}
			})
		}
	}

	t.Run("single backend", func(t *testing.T) {
		bad := anthropicFake(t, nil, events(0, start, aErrorEvent("overloaded_error", "Overloaded")))
		g := startGateway(t, []config.Backend{anthBackend("anth", 1, bad)}, withEnv("ANTH_API_KEYS", anthKey))
		_, chunks, err := collectOpenAI(t, g.oai(newWireTap(t)).Chat.Completions.NewStreaming(context.Background(), chatParams(model)))
		var apierr *openai.Error
		if !errors.As(err, &apierr) || len(chunks) != 0 {
			t.Fatalf("want an HTTP API error and no chunks, got %v (%d chunks)", err, len(chunks))
		}
		if apierr.StatusCode != 503 || apierr.Type != "server_error" || !strings.Contains(apierr.Message, "anth") || !strings.Contains(apierr.Message, "Overloaded") {
			t.Fatalf("status %d type %q message %q", apierr.StatusCode, apierr.Type, apierr.Message)
		}
	})
}

func TestConvE2E_OToA_ErrorMidStream(t *testing.T) {
	head := aReply{ID: "msg_mid", Model: "claude-upstream", Blocks: []aBlk{aText("partial ", "answer")}, Stop: "end_turn"}.Events()
	head = head[:5] // message_start, ping, content_block_start, 2 deltas
	variants := map[string]struct {
		tail       []sseEv
		typ, inMsg string
	}{
		"error event": {[]sseEv{aErrorEvent("overloaded_error", "Overloaded mid-stream")}, "overloaded_error", "Overloaded mid-stream"},
		"cut":         {nil, "server_error", "ended prematurely"},
	}
	for name, v := range variants {
		for _, via := range []string{"sdk", "raw"} {
			t.Run(name+"/"+via, func(t *testing.T) {
				bad := anthropicFake(t, nil, events(0, append(append([]sseEv{}, head...), v.tail...)...))
				other := anthropicFake(t, nil, aReply{ID: "msg_other", Blocks: []aBlk{aText("spliced")}, Stop: "end_turn"}.answer())
				g := startGateway(t, []config.Backend{anthBackend("bad", 1, bad), anthBackend("other", 2, other)}, withEnv("BAD_API_KEYS", anthKey, "OTHER_API_KEYS", anthKey))
				if via == "sdk" {
					acc, chunks, err := collectOpenAI(t, g.oai(newWireTap(t)).Chat.Completions.NewStreaming(context.Background(), chatParams(model)))
					if err == nil || !strings.Contains(err.Error(), v.inMsg) {
						t.Fatalf("stream.Err() = %v, want an error naming %q", err, v.inMsg)
					}
					if got := acc.Choices[0].Message.Content; got != "partial answer" {
						t.Fatalf("text before the error %q", got)
					}
					for _, ch := range chunks {
						if len(ch.Choices) > 0 && ch.Choices[0].FinishReason != "" {
							t.Fatalf("a failed stream got a finish_reason: %s", ch.RawJSON())
						}
					}
				} else {
					resp, wire := rawStream(t, g, "/v1/chat/completions", `{"model":"`+model+`","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
					if resp.StatusCode != 200 {
						t.Fatalf("status %d", resp.StatusCode)
					}
					if err := converttest.CheckOpenAIStream(wire); err != nil {
						t.Fatalf("%v\n%s", err, wire)
					}
					evs := parseEvents(t, wire)
					var last struct {
						Error *struct{ Message, Type string } `json:"error"`
					}
					json.Unmarshal([]byte(evs[len(evs)-1].Data), &last)
					if last.Error == nil || last.Error.Type != v.typ || !strings.Contains(last.Error.Message, v.inMsg) {
						t.Fatalf("last event %q, want an error object of type %s", evs[len(evs)-1].Data, v.typ)
					}
					if bytes.Contains(wire, []byte("[DONE]")) {
						t.Fatalf("[DONE] after an error:\n%s", wire)
					}
				}
				if other.count.Load() != 0 {
					t.Fatal("a second backend was called after the first byte")
				}
			})
		}
	}
}

func TestConvE2E_OToA_HTTPErrors(t *testing.T) {
	okReply := aReply{ID: "msg_ok", Model: "claude-upstream", Blocks: []aBlk{aText("fine")}, Stop: "end_turn", Usage: aUsage{In: 3, Out: 1}}
	t.Run("429 with Retry-After fails over", func(t *testing.T) {
		bad := anthropicFake(t, nil, httpError(429, `{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`, "Retry-After", "7"))
		good := anthropicFake(t, nil, okReply.answer())
		g := startGateway(t, []config.Backend{anthBackend("bad", 1, bad), anthBackend("good", 2, good)}, withEnv("BAD_API_KEYS", anthKey, "GOOD_API_KEYS", anthKey))
		resp, err := g.oai(newWireTap(t)).Chat.Completions.New(context.Background(), chatParams(model))
		if err != nil || resp.Choices[0].Message.Content != "fine" {
			t.Fatalf("%v %v", err, resp)
		}
		if bad.count.Load() != 1 || good.count.Load() != 1 {
			t.Fatalf("bad %d good %d", bad.count.Load(), good.count.Load())
		}
		if fs := failoverReasons(t, g); len(fs) != 1 || !strings.HasPrefix(fs[0], "bad->good: http 429") {
			t.Fatalf("failovers %q", fs)
		}
		ep := g.status(t).Backends[0].Endpoints[0]
		if ep.CooldownUntil == nil || time.Until(*ep.CooldownUntil) < 4*time.Second || time.Until(*ep.CooldownUntil) > 8*time.Second {
			t.Fatalf("cooldown %v, want Retry-After's 7s", ep.CooldownUntil)
		}
	})
	t.Run("400 returned in OpenAI shape", func(t *testing.T) {
		bad := anthropicFake(t, nil, httpError(400, `{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 250000 tokens > 200000 maximum"}}`))
		good := anthropicFake(t, nil, okReply.answer())
		g := startGateway(t, []config.Backend{anthBackend("bad", 1, bad), anthBackend("good", 2, good)}, withEnv("BAD_API_KEYS", anthKey, "GOOD_API_KEYS", anthKey))
		_, err := g.oai(newWireTap(t)).Chat.Completions.New(context.Background(), chatParams(model))
		var apierr *openai.Error
		if !errors.As(err, &apierr) || apierr.StatusCode != 400 || apierr.Type != "invalid_request_error" ||
			apierr.Message != "prompt is too long: 250000 tokens > 200000 maximum" {
			t.Fatalf("got %v", err)
		}
		resp, body := g.post(t, "/v1/chat/completions", `{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`)
		var shape struct {
			Error map[string]any `json:"error"`
		}
		if resp.StatusCode != 400 || json.Unmarshal(body, &shape) != nil || shape.Error == nil {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		for _, k := range []string{"message", "type", "param", "code"} {
			if _, ok := shape.Error[k]; !ok {
				t.Fatalf("OpenAI error without %q: %s", k, body)
			}
		}
		if good.count.Load() != 0 || len(failoverReasons(t, g)) != 0 {
			t.Fatal("a 400 must not fail over")
		}
	})
	t.Run("all failing is 503", func(t *testing.T) {
		b1 := anthropicFake(t, nil, httpError(500, `{"type":"error","error":{"type":"api_error","message":"Internal server error"}}`))
		b2 := anthropicFake(t, nil, httpError(529, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`))
		g := startGateway(t, []config.Backend{anthBackend("anth1", 1, b1), anthBackend("anth2", 2, b2)}, withEnv("ANTH1_API_KEYS", anthKey, "ANTH2_API_KEYS", anthKey))
		_, err := g.oai(newWireTap(t)).Chat.Completions.New(context.Background(), chatParams(model))
		var apierr *openai.Error
		if !errors.As(err, &apierr) || apierr.StatusCode != 503 || apierr.Type != "server_error" ||
			!strings.Contains(apierr.Message, "anth1: http 500") || !strings.Contains(apierr.Message, "anth2: http 529") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestConvE2E_OToA_Alias(t *testing.T) {
	reply := aReply{ID: "msg_alias", Model: "claude-sonnet-4-5-20250929", Blocks: []aBlk{aText("aliased")}, Stop: "end_turn", Usage: aUsage{In: 3, Out: 1}}
	up := anthropicFake(t, nil, reply.answer())
	b := anthBackend("anth", 1, up)
	b.Aliases = map[string]string{"sonnet": "claude-sonnet-4-5-20250929"}
	g := startGateway(t, []config.Backend{b}, withEnv("ANTH_API_KEYS", anthKey))
	c := g.oai(newWireTap(t))
	resp, err := c.Chat.Completions.New(context.Background(), chatParams("sonnet"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Model != "sonnet" {
		t.Fatalf("the client should see its own model name, got %q", resp.Model)
	}
	_, chunks, err := collectOpenAI(t, c.Chat.Completions.NewStreaming(context.Background(), chatParams("sonnet")))
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range chunks {
		if ch.Model != "sonnet" {
			t.Fatalf("chunk model %q", ch.Model)
		}
	}
	for i, r := range up.requests() {
		if m := bodyOf(t, r)["model"]; m != "claude-sonnet-4-5-20250929" {
			t.Fatalf("upstream request %d model %v", i, m)
		}
	}
}

// ======================================================================
// Matrix B: Anthropic client -> OpenAI-format backend
// ======================================================================

func TestConvE2E_AToO_Text(t *testing.T) {
	up := openAIFake(t, oReply{ID: "chatcmpl-b1", Model: "gpt-upstream", Content: []string{"Hello there"}, Finish: "stop", Prompt: 12, Completion: 3}.answer())
	g := startGateway(t, []config.Backend{oaiBackend("oai", 1, up)}, withEnv("OAI_API_KEYS", oaiKey))
	var raw *http.Response
	msg, err := g.claude(newWireTap(t)).Messages.New(context.Background(), anthropic.MessageNewParams{
		MaxTokens: 256, Model: model,
		System:   []anthropic.TextBlockParam{{Text: "Be brief."}},
		Messages: []anthropic.MessageParam{userMsg("hi")},
	}, aoption.WithResponseInto(&raw))
	if err != nil {
		t.Fatal(err)
	}
	// docs/conversion.md §4: the upstream's request id is echoed as request-id to an Anthropic client.
	if got := raw.Header.Get("request-id"); got != "req_fake_chatcmpl-b1" {
		t.Fatalf("request-id %q, want the upstream's x-request-id", got)
	}
	if msg.ID != "msg_chatcmpl-b1" || msg.Type != "message" || msg.Role != "assistant" || msg.Model != model {
		t.Fatalf("message %s", msg.RawJSON())
	}
	if len(msg.Content) != 1 || msg.Content[0].Type != "text" || msg.Content[0].Text != "Hello there" || msg.StopReason != "end_turn" {
		t.Fatalf("message %s", msg.RawJSON())
	}
	if u := msg.Usage; u.InputTokens != 12 || u.OutputTokens != 3 || u.CacheReadInputTokens != 0 || u.CacheCreationInputTokens != 0 ||
		!u.JSON.CacheReadInputTokens.Valid() || !u.JSON.CacheCreationInputTokens.Valid() {
		t.Fatalf("usage %s (both cache fields must be present)", u.RawJSON())
	}
	r := up.requests()[0]
	wantOpenAIUpstream(t, r)
	b := bodyOf(t, r)
	jsonEq(t, "upstream messages", b["messages"], `[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}]`)
	if b["model"] != model || b["max_tokens"] != float64(256) || b["stream"] == true || b["stream_options"] != nil {
		t.Fatalf("upstream body %s", r.Body)
	}
}

func TestConvE2E_AToO_StreamText(t *testing.T) {
	reply := oReply{ID: "chatcmpl-b2", Model: "gpt-upstream", Content: []string{"Hel", "lo", " world"}, Finish: "stop", Prompt: 1000, Cached: 800, Completion: 50}
	up := openAIFake(t, reply.answer())
	g := startGateway(t, []config.Backend{oaiBackend("oai", 1, up)}, withEnv("OAI_API_KEYS", oaiKey))
	params := anthropic.MessageNewParams{MaxTokens: 256, Model: model, Messages: []anthropic.MessageParam{userMsg("hi")}}

	t.Run("sdk", func(t *testing.T) {
		msg, evs, err := collectAnthropic(t, g.claude(newWireTap(t)).Messages.NewStreaming(context.Background(), params))
		if err != nil {
			t.Fatal(err)
		}
		if textOf(msg) != "Hello world" || len(msg.Content) != 1 || msg.StopReason != "end_turn" || msg.ID != "msg_chatcmpl-b2" || msg.Model != model {
			t.Fatalf("message %s", mustJSON(msg))
		}
		// vector 33/43: message_start has a non-zero input estimate and both cache fields 0
		if evs[0].Type != "message_start" || evs[0].Message.Usage.InputTokens < 1 ||
			!evs[0].Message.Usage.JSON.CacheReadInputTokens.Valid() || !evs[0].Message.Usage.JSON.CacheCreationInputTokens.Valid() {
			t.Fatalf("first event %s", evs[0].RawJSON())
		}
		// vector 25: input excludes the 800 cached tokens
		if u := msg.Usage; u.InputTokens != 200 || u.CacheReadInputTokens != 800 || u.CacheCreationInputTokens != 0 || u.OutputTokens != 50 {
			t.Fatalf("usage as the SDK accumulated it %+v", u)
		}
		r := up.requests()[len(up.requests())-1]
		wantOpenAIUpstream(t, r)
		b := bodyOf(t, r)
		if b["stream"] != true {
			t.Fatalf("upstream stream %v", b["stream"])
		}
		jsonEq(t, "upstream stream_options (vector 20)", b["stream_options"], `{"include_usage":true}`)
	})

	t.Run("raw", func(t *testing.T) {
		resp, wire := rawStream(t, g, "/v1/messages", `{"model":"`+model+`","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"hi"}]}`,
			"x-api-key", clientKey, "anthropic-version", "2023-06-01")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("status %d headers %v", resp.StatusCode, resp.Header)
		}
		if err := converttest.CheckAnthropicStream(wire, converttest.WithUpstreamUsage()); err != nil {
			t.Fatalf("%v\n%s", err, wire)
		}
		var names []string
		for _, ev := range parseEvents(t, wire) {
			if ev.Name != "ping" {
				names = append(names, ev.Name)
			}
		}
		want := "message_start content_block_start content_block_delta content_block_delta content_block_delta content_block_stop message_delta message_stop"
		if strings.Join(names, " ") != want {
			t.Fatalf("events %v\nwant   %s", names, want)
		}
	})
}

func TestConvE2E_AToO_ToolCall(t *testing.T) {
	up := openAIFake(t, oReply{ID: "chatcmpl-b3", Model: "gpt-upstream", Calls: []oCall{{"call_W1", "get_weather", []string{`{"city":"Paris"}`}}},
		Finish: "tool_calls", Prompt: 40, Completion: 10}.answer())
	g := startGateway(t, []config.Backend{oaiBackend("oai", 1, up)}, withEnv("OAI_API_KEYS", oaiKey))
	msg, err := g.claude(newWireTap(t)).Messages.New(context.Background(), anthropic.MessageNewParams{
		MaxTokens: 256, Model: model, Messages: []anthropic.MessageParam{userMsg("Weather in Paris?")},
		Tools:      []anthropic.ToolUnionParam{anthWeather},
		ToolChoice: anthropic.ToolChoiceUnionParam{OfAny: &anthropic.ToolChoiceAnyParam{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// No empty text block (clients echo it back and get a 400), one tool_use.
	if len(msg.Content) != 1 || msg.StopReason != "tool_use" {
		t.Fatalf("message %s", msg.RawJSON())
	}
	tu := msg.Content[0]
	if tu.Type != "tool_use" || tu.ID != "call_W1" || tu.Name != "get_weather" {
		t.Fatalf("block %s", tu.RawJSON())
	}
	jsonEq(t, "tool input", parseJSON(t, "input", string(tu.Input)), `{"city":"Paris"}`)
	r := up.requests()[0]
	wantOpenAIUpstream(t, r)
	b := bodyOf(t, r)
	jsonEq(t, "upstream tools", b["tools"], `[{"type":"function","function":{"name":"get_weather","description":"Current weather for a city",
		"parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]`)
	jsonEq(t, "upstream tool_choice", b["tool_choice"], `"required"`)
}

func TestConvE2E_AToO_ParallelToolsStream(t *testing.T) {
	reply := oReply{ID: "chatcmpl-b4", Model: "gpt-upstream", Content: []string{"Checking."}, Finish: "tool_calls", Prompt: 40, Completion: 20,
		Calls: []oCall{{"call_A", "get_weather", []string{`{"ci`, `ty":"Pa`, `ris"}`}}, {"call_B", "get_time", []string{`{"tz":`, `"Europe/Rome"}`}}}}
	up := openAIFake(t, reply.answer())
	g := startGateway(t, []config.Backend{oaiBackend("oai", 1, up)}, withEnv("OAI_API_KEYS", oaiKey))
	params := anthropic.MessageNewParams{MaxTokens: 256, Model: model, Messages: []anthropic.MessageParam{userMsg("Paris weather, Rome time?")},
		Tools: []anthropic.ToolUnionParam{anthWeather, anthTime}}

	t.Run("sdk accumulate", func(t *testing.T) {
		msg, evs, err := collectAnthropic(t, g.claude(newWireTap(t)).Messages.NewStreaming(context.Background(), params))
		if err != nil {
			t.Fatal(err)
		}
		if msg.StopReason != "tool_use" || len(msg.Content) != 3 || msg.Content[0].Type != "text" || msg.Content[0].Text != "Checking." {
			t.Fatalf("message %s", mustJSON(msg))
		}
		want := []struct{ id, name, input string }{{"call_A", "get_weather", `{"city":"Paris"}`}, {"call_B", "get_time", `{"tz":"Europe/Rome"}`}}
		for i, w := range want {
			b := msg.Content[i+1]
			if b.Type != "tool_use" || b.ID != w.id || b.Name != w.name {
				t.Fatalf("block %d: %s", i+1, mustJSON(b))
			}
			jsonEq(t, "input of "+w.name, parseJSON(t, "input", string(b.Input)), w.input)
		}
		var starts []int64
		for _, ev := range evs {
			if ev.Type == "content_block_start" {
				starts = append(starts, ev.Index)
			}
		}
		if !reflect.DeepEqual(starts, []int64{0, 1, 2}) {
			t.Fatalf("block starts %v", starts)
		}
	})
	t.Run("raw", func(t *testing.T) {
		resp, wire := rawStream(t, g, "/v1/messages", `{"model":"`+model+`","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"go"}],
			"tools":[{"name":"get_weather","input_schema":{"type":"object"}},{"name":"get_time","input_schema":{"type":"object"}}]}`, "x-api-key", clientKey)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, wire)
		}
		if err := converttest.CheckAnthropicStream(wire, converttest.WithCompleteToolArgs(), converttest.WithUpstreamUsage()); err != nil {
			t.Fatalf("%v\n%s", err, wire)
		}
	})
}

func TestConvE2E_AToO_ToolResultRoundTrip(t *testing.T) {
	first := oReply{ID: "chatcmpl-b5a", Model: "gpt-upstream", Content: []string{"Checking."}, Finish: "tool_calls", Prompt: 40, Completion: 20,
		Calls: []oCall{{"call_A", "get_weather", []string{`{"city": "Paris"}`}}, {"call_B", "get_time", []string{`{"tz":"Europe/Rome"}`}}}}
	second := oReply{ID: "chatcmpl-b5b", Model: "gpt-upstream", Content: []string{"Sunny; 14:05."}, Finish: "stop", Prompt: 90, Completion: 5}
	up := openAIFake(t, turns(first.answer(), second.answer()))
	g := startGateway(t, []config.Backend{oaiBackend("oai", 1, up)}, withEnv("OAI_API_KEYS", oaiKey))
	c := g.claude(newWireTap(t))
	params := anthropic.MessageNewParams{MaxTokens: 256, Model: model, Messages: []anthropic.MessageParam{userMsg("Paris weather, Rome time?")},
		Tools: []anthropic.ToolUnionParam{anthWeather, anthTime}}
	m1, err := c.Messages.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	if len(m1.Content) != 3 || m1.StopReason != "tool_use" {
		t.Fatalf("first answer %s", m1.RawJSON())
	}
	params.Messages = append(params.Messages, m1.ToParam(), anthropic.NewUserMessage(
		anthropic.NewToolResultBlock(m1.Content[1].ID, "sunny, 21C", false),
		anthropic.NewToolResultBlock(m1.Content[2].ID, "14:05", false),
		anthropic.NewTextBlock("Summarise.")))
	m2, err := c.Messages.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	if textOf(m2) != "Sunny; 14:05." || m2.StopReason != "end_turn" {
		t.Fatalf("second answer %s", m2.RawJSON())
	}
	reqs := up.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d upstream requests", len(reqs))
	}
	wantOpenAIUpstream(t, reqs[1])
	// OpenAI shape: assistant tool_calls with compact-JSON arguments, then
	// one role:tool message per result, then the user's text (vector 15/16).
	jsonEq(t, "second upstream request's messages", bodyOf(t, reqs[1])["messages"], `[
		{"role":"user","content":"Paris weather, Rome time?"},
		{"role":"assistant","content":"Checking.","tool_calls":[
			{"id":"call_A","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
			{"id":"call_B","type":"function","function":{"name":"get_time","arguments":"{\"tz\":\"Europe/Rome\"}"}}]},
		{"role":"tool","tool_call_id":"call_A","content":"sunny, 21C"},
		{"role":"tool","tool_call_id":"call_B","content":"14:05"},
		{"role":"user","content":"Summarise."}]`)
}

func TestConvE2E_AToO_UsageWithCache(t *testing.T) {
	reply := oReply{ID: "chatcmpl-b6", Model: "gpt-upstream", Content: []string{"ok"}, Finish: "stop", Prompt: 1000, Cached: 800, CacheWrite: 100, Completion: 50}
	up := openAIFake(t, reply.answer())
	g := startGateway(t, []config.Backend{oaiBackend("oai", 1, up)}, withEnv("OAI_API_KEYS", oaiKey))
	params := anthropic.MessageNewParams{MaxTokens: 256, Model: model, Messages: []anthropic.MessageParam{userMsg("hi")}}
	check := func(t *testing.T, u anthropic.Usage) {
		t.Helper()
		// input = prompt - cache_read - cache_creation
		if u.InputTokens != 100 || u.CacheReadInputTokens != 800 || u.CacheCreationInputTokens != 100 || u.OutputTokens != 50 {
			t.Fatalf("usage in %d cache_read %d cache_creation %d out %d", u.InputTokens, u.CacheReadInputTokens, u.CacheCreationInputTokens, u.OutputTokens)
		}
	}
	t.Run("json", func(t *testing.T) {
		msg, err := g.claude(newWireTap(t)).Messages.New(context.Background(), params)
		if err != nil {
			t.Fatal(err)
		}
		check(t, msg.Usage)
	})
	t.Run("stream", func(t *testing.T) {
		msg, evs, err := collectAnthropic(t, g.claude(newWireTap(t)).Messages.NewStreaming(context.Background(), params))
		if err != nil {
			t.Fatal(err)
		}
		check(t, msg.Usage)
		for _, ev := range evs {
			if ev.Type == "message_delta" && (ev.Usage.CacheReadInputTokens != 800 || ev.Usage.InputTokens != 100) {
				t.Fatalf("message_delta usage %s", ev.Usage.RawJSON())
			}
		}
	})
}

func TestConvE2E_AToO_ErrorBeforeFirstContent(t *testing.T) {
	role := oReply{ID: "chatcmpl-bad", Model: "gpt-upstream"}.Events()[0]
	variants := map[string][]sseEv{
		"error first":           {oErrorEvent("server_error", "upstream overloaded")},
		"role chunk then error": {role, oErrorEvent("server_error", "upstream overloaded")},
	}
	backup := oReply{ID: "chatcmpl-good", Model: "gpt-upstream", Content: []string{"from ", "backup"}, Finish: "stop", Prompt: 5, Completion: 2}
	params := anthropic.MessageNewParams{MaxTokens: 256, Model: model, Messages: []anthropic.MessageParam{userMsg("hi")}}
	for name, evs := range variants {
		for _, via := range []string{"sdk", "raw"} {
			t.Run(name+"/"+via, func(t *testing.T) {
				bad := openAIFake(t, events(0, evs...))
				good := openAIFake(t, backup.answer())
				g := startGateway(t, []config.Backend{oaiBackend("bad", 1, bad), oaiBackend("good", 2, good)}, withEnv("BAD_API_KEYS", oaiKey, "GOOD_API_KEYS", oaiKey))
				if via == "sdk" {
					msg, _, err := collectAnthropic(t, g.claude(newWireTap(t)).Messages.NewStreaming(context.Background(), params))
					if err != nil {
						t.Fatalf("the client must see a clean stream from the second backend: %v", err)
					}
					if textOf(msg) != "from backup" || msg.StopReason != "end_turn" {
						t.Fatalf("message %s", mustJSON(msg))
					}
				} else {
					resp, wire := rawStream(t, g, "/v1/messages", `{"model":"`+model+`","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"hi"}]}`, "x-api-key", clientKey)
					if resp.StatusCode != 200 || resp.Header.Get("X-Switchyard-Backend") != "good" {
						t.Fatalf("status %d backend %q", resp.StatusCode, resp.Header.Get("X-Switchyard-Backend"))
					}
					if err := converttest.CheckAnthropicStream(wire, converttest.WithUpstreamUsage()); err != nil {
						t.Fatalf("%v\n%s", err, wire)
					}
					if bytes.Contains(wire, []byte("overloaded")) || bytes.Count(wire, []byte("event: message_start")) != 1 {
						t.Fatalf("the failed attempt leaked into the client stream:\n%s", wire)
					}
				}
				if bad.count.Load() != 1 || good.count.Load() != 1 {
					t.Fatalf("bad %d good %d requests", bad.count.Load(), good.count.Load())
				}
				if fs := failoverReasons(t, g); len(fs) != 1 || !strings.HasPrefix(fs[0], "bad->good: ") {
					t.Fatalf("failovers %q", fs)
				}
			})
		}
	}

	t.Run("single backend", func(t *testing.T) {
		bad := openAIFake(t, events(0, role, oErrorEvent("server_error", "upstream overloaded")))
		g := startGateway(t, []config.Backend{oaiBackend("oai", 1, bad)}, withEnv("OAI_API_KEYS", oaiKey))
		_, evs, err := collectAnthropic(t, g.claude(newWireTap(t)).Messages.NewStreaming(context.Background(), params))
		var apierr *anthropic.Error
		if !errors.As(err, &apierr) || len(evs) != 0 {
			t.Fatalf("want an HTTP API error and no events, got %v (%d events)", err, len(evs))
		}
		if apierr.StatusCode != 503 || apierr.Type() != "overloaded_error" || !strings.Contains(apierr.Message, "oai") || !strings.Contains(apierr.Message, "upstream overloaded") {
			t.Fatalf("status %d type %q message %q", apierr.StatusCode, apierr.Type(), apierr.Message)
		}
	})
}

func TestConvE2E_AToO_ErrorMidStream(t *testing.T) {
	r := oReply{ID: "chatcmpl-mid", Model: "gpt-upstream", Content: []string{"partial ", "answer"}}
	head := append([]sseEv{r.Events()[0]}, r.body()...)
	variants := map[string]struct {
		tail       []sseEv
		typ, inMsg string
	}{
		"error event": {[]sseEv{oErrorEvent("server_error", "boom mid-stream")}, "api_error", "boom mid-stream"},
		"cut":         {nil, "api_error", "stream truncated"},
	}
	params := anthropic.MessageNewParams{MaxTokens: 256, Model: model, Messages: []anthropic.MessageParam{userMsg("hi")}}
	for name, v := range variants {
		for _, via := range []string{"sdk", "raw"} {
			t.Run(name+"/"+via, func(t *testing.T) {
				bad := openAIFake(t, events(0, append(append([]sseEv{}, head...), v.tail...)...))
				other := openAIFake(t, oReply{ID: "chatcmpl-other", Content: []string{"spliced"}, Finish: "stop"}.answer())
				g := startGateway(t, []config.Backend{oaiBackend("bad", 1, bad), oaiBackend("other", 2, other)}, withEnv("BAD_API_KEYS", oaiKey, "OTHER_API_KEYS", oaiKey))
				if via == "sdk" {
					msg, evs, err := collectAnthropic(t, g.claude(newWireTap(t)).Messages.NewStreaming(context.Background(), params))
					var apierr *anthropic.Error
					if !errors.As(err, &apierr) || string(apierr.Type()) != v.typ || !strings.Contains(apierr.Message, v.inMsg) {
						t.Fatalf("stream.Err() = %v, want an API error %s naming %q", err, v.typ, v.inMsg)
					}
					if textOf(msg) != "partial answer" {
						t.Fatalf("text before the error %q", textOf(msg))
					}
					for _, ev := range evs {
						if ev.Type == "message_delta" || ev.Type == "message_stop" {
							t.Fatalf("%s after an upstream error", ev.Type)
						}
					}
				} else {
					resp, wire := rawStream(t, g, "/v1/messages", `{"model":"`+model+`","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"hi"}]}`, "x-api-key", clientKey)
					if resp.StatusCode != 200 {
						t.Fatalf("status %d", resp.StatusCode)
					}
					if err := converttest.CheckAnthropicStream(wire); err != nil {
						t.Fatalf("%v\n%s", err, wire)
					}
					evs := parseEvents(t, wire)
					last := evs[len(evs)-1]
					var body struct {
						Type  string `json:"type"`
						Error *struct{ Type, Message string }
					}
					json.Unmarshal([]byte(last.Data), &body)
					if last.Name != "error" || body.Type != "error" || body.Error == nil || body.Error.Type != v.typ || !strings.Contains(body.Error.Message, v.inMsg) {
						t.Fatalf("last event %s %s", last.Name, last.Data)
					}
					if bytes.Contains(wire, []byte("message_stop")) || bytes.Contains(wire, []byte("message_delta")) {
						t.Fatalf("message_delta/message_stop after an error:\n%s", wire)
					}
				}
				if other.count.Load() != 0 {
					t.Fatal("a second backend was called after the first byte")
				}
			})
		}
	}
}

func TestConvE2E_AToO_HTTPErrors(t *testing.T) {
	okReply := oReply{ID: "chatcmpl-ok", Model: "gpt-upstream", Content: []string{"fine"}, Finish: "stop", Prompt: 3, Completion: 1}
	params := anthropic.MessageNewParams{MaxTokens: 256, Model: model, Messages: []anthropic.MessageParam{userMsg("hi")}}
	t.Run("429 with Retry-After fails over", func(t *testing.T) {
		bad := openAIFake(t, httpError(429, `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`, "Retry-After", "7"))
		good := openAIFake(t, okReply.answer())
		g := startGateway(t, []config.Backend{oaiBackend("bad", 1, bad), oaiBackend("good", 2, good)}, withEnv("BAD_API_KEYS", oaiKey, "GOOD_API_KEYS", oaiKey))
		msg, err := g.claude(newWireTap(t)).Messages.New(context.Background(), params)
		if err != nil || textOf(msg) != "fine" {
			t.Fatalf("%v %v", err, msg)
		}
		if bad.count.Load() != 1 || good.count.Load() != 1 {
			t.Fatalf("bad %d good %d", bad.count.Load(), good.count.Load())
		}
		if fs := failoverReasons(t, g); len(fs) != 1 || !strings.HasPrefix(fs[0], "bad->good: http 429") {
			t.Fatalf("failovers %q", fs)
		}
		ep := g.status(t).Backends[0].Endpoints[0]
		if ep.CooldownUntil == nil || time.Until(*ep.CooldownUntil) < 4*time.Second || time.Until(*ep.CooldownUntil) > 8*time.Second {
			t.Fatalf("cooldown %v, want Retry-After's 7s", ep.CooldownUntil)
		}
	})
	t.Run("400 returned in Anthropic shape", func(t *testing.T) {
		bad := openAIFake(t, httpError(400, `{"error":{"message":"This model's maximum context length is 128000 tokens.","type":"invalid_request_error","code":"context_length_exceeded"}}`))
		good := openAIFake(t, okReply.answer())
		g := startGateway(t, []config.Backend{oaiBackend("bad", 1, bad), oaiBackend("good", 2, good)}, withEnv("BAD_API_KEYS", oaiKey, "GOOD_API_KEYS", oaiKey))
		_, err := g.claude(newWireTap(t)).Messages.New(context.Background(), params)
		var apierr *anthropic.Error
		if !errors.As(err, &apierr) || apierr.StatusCode != 400 || apierr.Type() != "invalid_request_error" ||
			apierr.Message != "This model's maximum context length is 128000 tokens." {
			t.Fatalf("got %v", err)
		}
		resp, body := g.post(t, "/v1/messages", `{"model":"`+model+`","max_tokens":256,"messages":[{"role":"user","content":"hi"}]}`, "x-api-key", clientKey)
		if resp.StatusCode != 400 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		jsonEq(t, "error body", parseJSON(t, "body", string(body)), `{"type":"error","error":{"type":"invalid_request_error","message":"This model's maximum context length is 128000 tokens."}}`)
		if good.count.Load() != 0 || len(failoverReasons(t, g)) != 0 {
			t.Fatal("a 400 must not fail over")
		}
	})
	t.Run("all failing is 503", func(t *testing.T) {
		b1 := openAIFake(t, httpError(500, `{"error":{"message":"oops","type":"server_error"}}`))
		b2 := openAIFake(t, httpError(502, `bad gateway`))
		g := startGateway(t, []config.Backend{oaiBackend("oai1", 1, b1), oaiBackend("oai2", 2, b2)}, withEnv("OAI1_API_KEYS", oaiKey, "OAI2_API_KEYS", oaiKey))
		_, err := g.claude(newWireTap(t)).Messages.New(context.Background(), params)
		var apierr *anthropic.Error
		if !errors.As(err, &apierr) || apierr.StatusCode != 503 || apierr.Type() != "overloaded_error" {
			t.Fatalf("got %v", err)
		}
		resp, body := g.post(t, "/v1/messages", `{"model":"`+model+`","max_tokens":256,"messages":[{"role":"user","content":"hi"}]}`, "x-api-key", clientKey)
		var shape struct {
			Type  string            `json:"type"`
			Error map[string]string `json:"error"`
		}
		if resp.StatusCode != 503 || json.Unmarshal(body, &shape) != nil || shape.Type != "error" || shape.Error["type"] != "overloaded_error" ||
			!strings.Contains(shape.Error["message"], "oai1: http 500") || !strings.Contains(shape.Error["message"], "oai2: http 502") {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
}

func TestConvE2E_AToO_Alias(t *testing.T) {
	up := openAIFake(t, oReply{ID: "chatcmpl-alias", Model: "gpt-4o-2024-08-06", Content: []string{"aliased"}, Finish: "stop", Prompt: 3, Completion: 1}.answer())
	b := oaiBackend("oai", 1, up)
	b.Aliases = map[string]string{"claude-haiku-4-5": "gpt-4o-2024-08-06"}
	g := startGateway(t, []config.Backend{b}, withEnv("OAI_API_KEYS", oaiKey))
	c := g.claude(newWireTap(t))
	params := anthropic.MessageNewParams{MaxTokens: 256, Model: "claude-haiku-4-5", Messages: []anthropic.MessageParam{userMsg("hi")}}
	msg, err := c.Messages.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Model != "claude-haiku-4-5" {
		t.Fatalf("the client should see its own model name, got %q", msg.Model)
	}
	sm, _, err := collectAnthropic(t, c.Messages.NewStreaming(context.Background(), params))
	if err != nil || sm.Model != "claude-haiku-4-5" {
		t.Fatalf("stream: %v model %q", err, sm.Model)
	}
	for i, r := range up.requests() {
		if m := bodyOf(t, r)["model"]; m != "gpt-4o-2024-08-06" {
			t.Fatalf("upstream request %d model %v", i, m)
		}
	}
}

// ======================================================================
// Same protocol, count_tokens, tolerance, and a Claude Code tool loop
// ======================================================================

func TestConvE2E_AnthropicPassthrough(t *testing.T) {
	reply := aReply{ID: "msg_pass", Model: "claude-upstream", Blocks: []aBlk{aText("pass", "through")}, Stop: "end_turn", Usage: aUsage{In: 9, Out: 2}}
	up := anthropicFake(t, nil, reply.answer())
	b := anthBackend("anth", 1, up)
	b.Aliases = map[string]string{"sonnet": "claude-sonnet-4-5-20250929"}
	g := startGateway(t, []config.Backend{b}, withEnv("ANTH_API_KEYS", anthKey))
	// Odd spacing and key order, an unknown field: must reach the upstream byte for byte.
	body := `{"model":"` + model + `",  "max_tokens": 64,"messages":[{"role":"user","content":"hi"}],"metadata":{"user_id":"u-1"},"context_management":{"edits":[]}}`
	last := func() recorded { rs := up.requests(); return rs[len(rs)-1] }

	t.Run("x-api-key and anthropic-beta", func(t *testing.T) {
		beta := "prompt-caching-2024-07-31,fine-grained-tool-streaming-2025-05-14"
		resp, got := g.post(t, "/v1/messages", body, "x-api-key", clientKey, "anthropic-version", "2023-06-01", "anthropic-beta", beta)
		if resp.StatusCode != 200 || string(got) != reply.JSON() {
			t.Fatalf("%d: the response should pass through unchanged:\n got  %s\n want %s", resp.StatusCode, got, reply.JSON())
		}
		r := last()
		if string(r.Body) != body {
			t.Fatalf("body changed on the way:\n got  %s\n want %s", r.Body, body)
		}
		if r.Path != "/v1/messages" || r.APIKey != anthKey || r.Auth != "" || r.Header.Get("anthropic-beta") != beta || r.Header.Get("anthropic-version") != "2023-06-01" {
			t.Fatalf("path %q x-api-key %q Authorization %q beta %q version %q", r.Path, r.APIKey, r.Auth, r.Header.Get("anthropic-beta"), r.Header.Get("anthropic-version"))
		}
		noLeak(t, r)
	})
	t.Run("Bearer, no version, ?beta=true", func(t *testing.T) {
		resp, got := g.post(t, "/v1/messages?beta=true", body, "Authorization", "Bearer "+clientKey)
		if resp.StatusCode != 200 || string(got) != reply.JSON() {
			t.Fatalf("%d %s", resp.StatusCode, got)
		}
		r := last()
		if r.APIKey != anthKey || r.Auth != "" || r.Header.Get("anthropic-version") != "2023-06-01" || string(r.Body) != body {
			t.Fatalf("x-api-key %q Authorization %q version %q body %s", r.APIKey, r.Auth, r.Header.Get("anthropic-version"), r.Body)
		}
		noLeak(t, r)
	})
	t.Run("alias", func(t *testing.T) {
		resp, _ := g.post(t, "/v1/messages", strings.Replace(body, model, "sonnet", 1), "x-api-key", clientKey)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		want := parseJSON(t, "body", body).(map[string]any)
		want["model"] = "claude-sonnet-4-5-20250929"
		jsonEq(t, "aliased body", parseJSON(t, "upstream body", string(last().Body)), mustJSON(want))
	})
	t.Run("stream via SDK", func(t *testing.T) {
		tp := newWireTap(t)
		msg, _, err := collectAnthropic(t, g.claude(tp, aoption.WithHeader("anthropic-beta", "interleaved-thinking-2025-05-14")).Messages.NewStreaming(context.Background(),
			anthropic.MessageNewParams{MaxTokens: 64, Model: model, Messages: []anthropic.MessageParam{userMsg("hi")}}))
		if err != nil || textOf(msg) != "passthrough" {
			t.Fatalf("%v %q", err, textOf(msg))
		}
		ss := tp.streams()
		if len(ss) != 1 || !bytes.Equal(ss[0].wire, wireOf(reply.Events())) {
			t.Fatalf("the stream should pass through event for event:\n got  %s\n want %s", ss[0].wire, wireOf(reply.Events()))
		}
		r := last()
		sent := ss[0].reqHeader
		if sent.Get("Authorization") == "" || r.Auth != "" || r.APIKey != anthKey {
			t.Fatalf("client Authorization %q; upstream Authorization %q x-api-key %q", sent.Get("Authorization"), r.Auth, r.APIKey)
		}
		if r.Header.Get("anthropic-beta") != "interleaved-thinking-2025-05-14" || r.Header.Get("anthropic-version") != sent.Get("anthropic-version") {
			t.Fatalf("beta %q version %q (client sent %q)", r.Header.Get("anthropic-beta"), r.Header.Get("anthropic-version"), sent.Get("anthropic-version"))
		}
		noLeak(t, r)
	})
}

func TestConvE2E_CountTokens(t *testing.T) {
	short := anthropic.MessageCountTokensParams{Model: model, Messages: []anthropic.MessageParam{userMsg("hello")}}
	long := anthropic.MessageCountTokensParams{Model: model, Messages: []anthropic.MessageParam{userMsg(strings.Repeat("The quick brown fox jumps over the lazy dog. ", 40))}}

	t.Run("OpenAI backend: local estimate", func(t *testing.T) {
		up := openAIFake(t, oReply{ID: "x", Content: []string{"x"}, Finish: "stop"}.answer())
		g := startGateway(t, []config.Backend{oaiBackend("oai", 1, up)}, withEnv("OAI_API_KEYS", oaiKey))
		c := g.claude(newWireTap(t))
		n1, err := c.Messages.CountTokens(context.Background(), short)
		if err != nil {
			t.Fatal(err)
		}
		n2, err := c.Messages.CountTokens(context.Background(), long)
		if err != nil {
			t.Fatal(err)
		}
		if n1.InputTokens < 1 || n2.InputTokens <= n1.InputTokens+100 {
			t.Fatalf("estimates %d (short) and %d (400 words): not an estimate of the input", n1.InputTokens, n2.InputTokens)
		}
		resp, body := g.post(t, "/v1/messages/count_tokens?beta=true", `{"model":"`+model+`","messages":[{"role":"user","content":"hello there"}]}`, "Authorization", "Bearer "+clientKey)
		var got struct {
			InputTokens *int `json:"input_tokens"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil || got.InputTokens == nil || *got.InputTokens < 1 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		if up.count.Load() != 0 {
			t.Fatalf("count_tokens reached the OpenAI backend %d times", up.count.Load())
		}
	})
	t.Run("Anthropic backend: passed through", func(t *testing.T) {
		up := anthropicFake(t, httpError(200, `{"input_tokens":4242}`), nil)
		g := startGateway(t, []config.Backend{anthBackend("anth", 1, up)}, withEnv("ANTH_API_KEYS", anthKey))
		n, err := g.claude(newWireTap(t)).Messages.CountTokens(context.Background(), short)
		if err != nil || n.InputTokens != 4242 {
			t.Fatalf("%v %+v", err, n)
		}
		body := `{"model":"` + model + `", "messages":[{"role":"user","content":"hello there"}]}`
		resp, got := g.post(t, "/v1/messages/count_tokens?beta=true", body, "x-api-key", clientKey, "anthropic-beta", "token-counting-2024-11-01")
		if resp.StatusCode != 200 || string(got) != `{"input_tokens":4242}` {
			t.Fatalf("%d %s", resp.StatusCode, got)
		}
		rs := up.requests()
		r := rs[len(rs)-1]
		if r.Path != "/v1/messages/count_tokens" || r.APIKey != anthKey || r.Auth != "" || string(r.Body) != body || r.Header.Get("anthropic-beta") != "token-counting-2024-11-01" {
			t.Fatalf("upstream path %q x-api-key %q Authorization %q beta %q body %s", r.Path, r.APIKey, r.Auth, r.Header.Get("anthropic-beta"), r.Body)
		}
		noLeak(t, r)
	})
}

func TestConvE2E_UnknownTopLevelFieldsTolerated(t *testing.T) {
	t.Run("Anthropic client, OpenAI backend (vector 22)", func(t *testing.T) {
		up := openAIFake(t, oReply{ID: "chatcmpl-u", Model: "gpt-upstream", Content: []string{"ok"}, Finish: "stop", Prompt: 3, Completion: 1}.answer())
		g := startGateway(t, []config.Backend{oaiBackend("oai", 1, up)}, withEnv("OAI_API_KEYS", oaiKey))
		resp, body := g.post(t, "/v1/messages", `{"model":"`+model+`","max_tokens":64,"messages":[{"role":"user","content":"hi"}],
			"context_management":{"edits":[{"type":"clear_tool_uses_20250919"}]},"output_config":{"effort":"high"},"some_future_field":{"x":1}}`, "x-api-key", clientKey)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"text":"ok"`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		b := bodyOf(t, up.requests()[0])
		for _, k := range []string{"context_management", "output_config", "some_future_field"} {
			if _, ok := b[k]; ok {
				t.Fatalf("%s forwarded to the OpenAI backend: %s", k, up.requests()[0].Body)
			}
		}
	})
	t.Run("OpenAI client, Anthropic backend", func(t *testing.T) {
		up := anthropicFake(t, nil, aReply{ID: "msg_u", Model: "claude-upstream", Blocks: []aBlk{aText("ok")}, Stop: "end_turn", Usage: aUsage{In: 3, Out: 1}}.answer())
		g := startGateway(t, []config.Backend{anthBackend("anth", 1, up)}, withEnv("ANTH_API_KEYS", anthKey))
		resp, body := g.post(t, "/v1/chat/completions", `{"model":"`+model+`","messages":[{"role":"user","content":"hi"}],
			"prompt_cache_key":"k1","verbosity":"low","some_future_field":{"x":1}}`)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"content":"ok"`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		b := bodyOf(t, up.requests()[0])
		for _, k := range []string{"prompt_cache_key", "verbosity", "some_future_field"} {
			if _, ok := b[k]; ok {
				t.Fatalf("%s forwarded to the Anthropic backend: %s", k, up.requests()[0].Body)
			}
		}
	})
}

// TestConvE2E_ClaudeCodeToolLoop drives what Claude Code does against an
// OpenAI-format backend: streaming, tools, a tool_use, the tool_result sent
// back, the final answer.
func TestConvE2E_ClaudeCodeToolLoop(t *testing.T) {
	turn1 := oReply{ID: "chatcmpl-cc1", Model: "gpt-upstream", Reasoning: []string{"The user wants ", "a listing."},
		Content: []string{"I'll list ", "the files."}, Finish: "tool_calls", Prompt: 900, Cached: 600, Completion: 30,
		Calls: []oCall{{"call_bash_1", "Bash", []string{`{"command":`, `"ls -la"`, `,"description":"List files"}`}}}}
	turn2 := oReply{ID: "chatcmpl-cc2", Model: "gpt-upstream", Content: []string{"There is one file: ", "file.txt."}, Finish: "stop", Prompt: 950, Cached: 900, Completion: 12}
	up := openAIFake(t, turns(turn1.answer(), turn2.answer()))
	g := startGateway(t, []config.Backend{oaiBackend("oai", 1, up)}, withEnv("OAI_API_KEYS", oaiKey))
	c := g.claude(newWireTap(t), aoption.WithHeader("anthropic-beta", "claude-code-20250219,fine-grained-tool-streaming-2025-05-14"))
	bash := anthTool("Bash", "Executes a given bash command", map[string]any{
		"command": map[string]any{"type": "string"}, "description": map[string]any{"type": "string"}}, "command")
	read := anthTool("Read", "Reads a file", map[string]any{"file_path": map[string]any{"type": "string"}}, "file_path")
	params := anthropic.MessageNewParams{
		MaxTokens: 32000, Model: model,
		System: []anthropic.TextBlockParam{{Text: "You are Claude Code, Anthropic's official CLI for Claude."},
			{Text: "Working directory: /tmp/x", CacheControl: anthropic.NewCacheControlEphemeralParam()}},
		Messages: []anthropic.MessageParam{userMsg("What files are here?")},
		Tools:    []anthropic.ToolUnionParam{bash, read},
		Metadata: anthropic.MetadataParam{UserID: anthropic.String("user_abc_account_def_session_123")},
		Thinking: anthropic.ThinkingConfigParamOfEnabled(4096),
	}
	m1, _, err := collectAnthropic(t, c.Messages.NewStreaming(context.Background(), params))
	if err != nil {
		t.Fatal(err)
	}
	// thinking -> text -> tool_use, as §3.2 orders them
	if m1.StopReason != "tool_use" || len(m1.Content) != 3 || m1.Content[0].Type != "thinking" || m1.Content[0].Thinking != "The user wants a listing." ||
		m1.Content[1].Type != "text" || m1.Content[1].Text != "I'll list the files." || m1.Content[2].Type != "tool_use" {
		t.Fatalf("turn 1 %s", mustJSON(m1))
	}
	tu := m1.Content[2]
	if tu.ID != "call_bash_1" || tu.Name != "Bash" {
		t.Fatalf("tool_use %s", mustJSON(tu))
	}
	jsonEq(t, "Bash input", parseJSON(t, "input", string(tu.Input)), `{"command":"ls -la","description":"List files"}`)
	if m1.Usage.InputTokens != 300 || m1.Usage.CacheReadInputTokens != 600 {
		t.Fatalf("turn 1 usage %+v", m1.Usage)
	}

	params.Messages = append(params.Messages, m1.ToParam(), anthropic.NewUserMessage(anthropic.NewToolResultBlock(tu.ID, "total 0\nfile.txt", false)))
	m2, _, err := collectAnthropic(t, c.Messages.NewStreaming(context.Background(), params))
	if err != nil {
		t.Fatal(err)
	}
	if textOf(m2) != "There is one file: file.txt." || m2.StopReason != "end_turn" || len(m2.Content) != 1 {
		t.Fatalf("turn 2 %s", mustJSON(m2))
	}

	reqs := up.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d upstream requests", len(reqs))
	}
	for _, r := range reqs {
		wantOpenAIUpstream(t, r) // anthropic-beta is not forwarded to an OpenAI backend
		b := bodyOf(t, r)
		if b["stream"] != true {
			t.Fatal("upstream call not streamed")
		}
		jsonEq(t, "stream_options", b["stream_options"], `{"include_usage":true}`)
		jsonEq(t, "tools", b["tools"], `[
			{"type":"function","function":{"name":"Bash","description":"Executes a given bash command","parameters":{"type":"object","properties":{"command":{"type":"string"},"description":{"type":"string"}},"required":["command"]}}},
			{"type":"function","function":{"name":"Read","description":"Reads a file","parameters":{"type":"object","properties":{"file_path":{"type":"string"}},"required":["file_path"]}}}]`)
		if b["user"] != "user_abc_account_def_session_123" {
			t.Fatalf("metadata.user_id -> user: %v", b["user"])
		}
	}
	// The replayed (unsigned) thinking block is dropped, not sent as text.
	jsonEq(t, "turn 2 upstream messages", bodyOf(t, reqs[1])["messages"], `[
		{"role":"system","content":"You are Claude Code, Anthropic's official CLI for Claude.\n\nWorking directory: /tmp/x"},
		{"role":"user","content":"What files are here?"},
		{"role":"assistant","content":"I'll list the files.","tool_calls":[{"id":"call_bash_1","type":"function","function":{"name":"Bash","arguments":"{\"command\":\"ls -la\",\"description\":\"List files\"}"}}]},
		{"role":"tool","tool_call_id":"call_bash_1","content":"total 0\nfile.txt"}]`)
}

// TestConvE2E_ConvertedStreamsFlowAsSent asserts timing through both
// converters: the upstream sends one text delta every 150ms and records
// when; each must reach the SDK before the next one is sent.
func TestConvE2E_ConvertedStreamsFlowAsSent(t *testing.T) {
	const n, pace = 4, 150 * time.Millisecond
	parts := []string{"one ", "two ", "three ", "four"}
	lagsOK := func(t *testing.T, lags []time.Duration) {
		t.Helper()
		if len(lags) != n {
			t.Fatalf("%d content deltas reached the client, want %d", len(lags), n)
		}
		for i, l := range lags {
			if l > 100*time.Millisecond {
				t.Fatalf("delta %d reached the client %v after the upstream sent it: buffered, not streamed (lags %v)", i, l, lags)
			}
		}
	}

	t.Run("Anthropic upstream to OpenAI client", func(t *testing.T) {
		sent := make(chan time.Time, n)
		evs := aReply{ID: "msg_paced", Model: "claude-upstream", Blocks: []aBlk{aText(parts...)}, Stop: "end_turn", Usage: aUsage{In: 3, Out: 4}}.Events()
		up := anthropicFake(t, nil, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			fl := w.(http.Flusher)
			for _, ev := range evs {
				io.WriteString(w, sseBytes(ev))
				fl.Flush()
				if ev.Name == "content_block_delta" {
					sent <- time.Now()
					time.Sleep(pace) // the upstream is slow on purpose: the thing under test
				}
			}
		})
		g := startGateway(t, []config.Backend{anthBackend("anth", 1, up)}, withEnv("ANTH_API_KEYS", anthKey))
		s := g.oai(newWireTap(t)).Chat.Completions.NewStreaming(context.Background(), chatParams(model))
		defer s.Close()
		var lags []time.Duration
		var text strings.Builder
		for s.Next() {
			ch := s.Current()
			if len(ch.Choices) == 0 || ch.Choices[0].Delta.Content == "" {
				continue
			}
			lags = append(lags, time.Since(<-sent))
			text.WriteString(ch.Choices[0].Delta.Content)
		}
		if err := s.Err(); err != nil || text.String() != strings.Join(parts, "") {
			t.Fatalf("%v %q", err, text.String())
		}
		lagsOK(t, lags)
	})

	t.Run("OpenAI upstream to Anthropic client", func(t *testing.T) {
		sent := make(chan time.Time, n)
		reply := oReply{ID: "chatcmpl-paced", Model: "gpt-upstream", Content: parts, Finish: "stop", Prompt: 3, Completion: 4}
		up := openAIFake(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			fl := w.(http.Flusher)
			io.WriteString(w, sseBytes(reply.Events()[0]))
			for _, ev := range reply.body() {
				io.WriteString(w, sseBytes(ev))
				fl.Flush()
				sent <- time.Now()
				time.Sleep(pace) // the upstream is slow on purpose: the thing under test
			}
			for _, ev := range reply.tail() {
				io.WriteString(w, sseBytes(ev))
			}
		})
		g := startGateway(t, []config.Backend{oaiBackend("oai", 1, up)}, withEnv("OAI_API_KEYS", oaiKey))
		s := g.claude(newWireTap(t)).Messages.NewStreaming(context.Background(), anthropic.MessageNewParams{MaxTokens: 64, Model: model, Messages: []anthropic.MessageParam{userMsg("hi")}})
		defer s.Close()
		var lags []time.Duration
		var text strings.Builder
		for s.Next() {
			ev := s.Current()
			if ev.Type != "content_block_delta" || ev.Delta.Type != "text_delta" {
				continue
			}
			lags = append(lags, time.Since(<-sent))
			text.WriteString(ev.Delta.Text)
		}
		if err := s.Err(); err != nil || text.String() != strings.Join(parts, "") {
			t.Fatalf("%v %q", err, text.String())
		}
		lagsOK(t, lags)
	})
}

// TestConvE2E_AToO_LongToolNameRestored: an MCP-style tool name longer than
// OpenAI's 64-character limit is renamed for the upstream (vector 23) and
// restored in what the Anthropic client gets, in JSON and in streams, and
// the name in the replayed history is renamed again.
func TestConvE2E_AToO_LongToolNameRestored(t *testing.T) {
	long := "mcp__github-enterprise-server__search_repositories_by_topic_and_language_v2" // 76 chars
	var upName string
	answer := func() http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var req struct {
				Stream bool `json:"stream"`
				Tools  []struct {
					Function struct{ Name string } `json:"function"`
				} `json:"tools"`
			}
			body, _ := io.ReadAll(r.Body)
			json.Unmarshal(body, &req)
			if len(req.Tools) != 1 {
				httpError(400, `{"error":{"message":"want one tool","type":"invalid_request_error"}}`)(w, r)
				return
			}
			upName = req.Tools[0].Function.Name
			reply := oReply{ID: "chatcmpl-long", Model: "gpt-upstream", Finish: "tool_calls", Prompt: 10, Completion: 5,
				Calls: []oCall{{"call_L", upName, []string{`{"q":`, `"go"}`}}}}
			if bytes.Contains(body, []byte(`"role":"tool"`)) {
				reply = oReply{ID: "chatcmpl-long2", Model: "gpt-upstream", Content: []string{"done"}, Finish: "stop", Prompt: 10, Completion: 1}
			}
			if req.Stream {
				writeSSE(w, reply.Events(), 0)
			} else {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, reply.JSON())
			}
		}
	}
	tool := anthTool(long, "Search repositories", map[string]any{"q": map[string]any{"type": "string"}}, "q")
	for _, stream := range []bool{false, true} {
		t.Run(map[bool]string{false: "json", true: "stream"}[stream], func(t *testing.T) {
			up := openAIFake(t, answer())
			g := startGateway(t, []config.Backend{oaiBackend("oai", 1, up)}, withEnv("OAI_API_KEYS", oaiKey))
			c := g.claude(newWireTap(t))
			params := anthropic.MessageNewParams{MaxTokens: 64, Model: model, Messages: []anthropic.MessageParam{userMsg("find go repos")}, Tools: []anthropic.ToolUnionParam{tool}}
			var m *anthropic.Message
			var err error
			if stream {
				m, _, err = collectAnthropic(t, c.Messages.NewStreaming(context.Background(), params))
			} else {
				m, err = c.Messages.New(context.Background(), params)
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(upName) > 64 || upName == long || !strings.HasPrefix(long, upName[:55]) {
				t.Fatalf("upstream tool name %q (%d chars): want the 55-char prefix + _ + 8 hex", upName, len(upName))
			}
			if len(m.Content) != 1 || m.Content[0].Type != "tool_use" || m.Content[0].Name != long {
				t.Fatalf("the client should see its own tool name %q: %s", long, mustJSON(m.Content))
			}
			jsonEq(t, "input", parseJSON(t, "input", string(m.Content[0].Input)), `{"q":"go"}`)
			params.Messages = append(params.Messages, m.ToParam(), anthropic.NewUserMessage(anthropic.NewToolResultBlock(m.Content[0].ID, "3 repos", false)))
			if _, err := c.Messages.New(context.Background(), params); err != nil {
				t.Fatal(err)
			}
			reqs := up.requests()
			var second struct {
				Messages []struct {
					ToolCalls []struct {
						Function struct{ Name string } `json:"function"`
					} `json:"tool_calls"`
				} `json:"messages"`
			}
			json.Unmarshal(reqs[len(reqs)-1].Body, &second)
			if len(second.Messages) != 3 || len(second.Messages[1].ToolCalls) != 1 || second.Messages[1].ToolCalls[0].Function.Name != upName {
				t.Fatalf("the replayed tool call should carry the upstream name %q: %s", upName, reqs[len(reqs)-1].Body)
			}
		})
	}
}

// TestConvE2E_OToA_RequestFaultNoUpstream: a request the Anthropic API
// cannot express (n:2, vector 12) is the client's fault: 400 in OpenAI
// shape with param "n", and no upstream call.
func TestConvE2E_OToA_RequestFaultNoUpstream(t *testing.T) {
	up := anthropicFake(t, nil, aReply{ID: "msg_x", Blocks: []aBlk{aText("x")}, Stop: "end_turn"}.answer())
	g := startGateway(t, []config.Backend{anthBackend("anth", 1, up)}, withEnv("ANTH_API_KEYS", anthKey))
	params := chatParams(model)
	params.N = openai.Int(2)
	_, err := g.oai(newWireTap(t)).Chat.Completions.New(context.Background(), params)
	var apierr *openai.Error
	if !errors.As(err, &apierr) || apierr.StatusCode != 400 || apierr.Type != "invalid_request_error" || apierr.Param != "n" {
		t.Fatalf("got %v", err)
	}
	if up.count.Load() != 0 {
		t.Fatal("the request reached the upstream")
	}
}

// TestConvE2E_UsageVariants: usage placements real upstreams use.
func TestConvE2E_UsageVariants(t *testing.T) {
	t.Run("Anthropic message_delta with cumulative input and cache counts", func(t *testing.T) {
		r := aReply{ID: "msg_cum", Model: "claude-upstream", Blocks: []aBlk{aText("ok")}, Stop: "end_turn", Usage: aUsage{In: 0, Out: 9}}
		evs := r.Events()
		// message_start reports nothing yet; message_delta reports it all (newer API).
		evs[len(evs)-2] = sseEv{"message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},` +
			`"usage":{"input_tokens":40,"cache_read_input_tokens":500,"cache_creation_input_tokens":60,"output_tokens":9}}`}
		up := anthropicFake(t, nil, events(0, evs...))
		g := startGateway(t, []config.Backend{anthBackend("anth", 1, up)}, withEnv("ANTH_API_KEYS", anthKey))
		params := chatParams(model)
		params.StreamOptions.IncludeUsage = openai.Bool(true)
		_, chunks, err := collectOpenAI(t, g.oai(newWireTap(t)).Chat.Completions.NewStreaming(context.Background(), params))
		if err != nil {
			t.Fatal(err)
		}
		u := chunks[len(chunks)-1].Usage
		if u.PromptTokens != 600 || u.CompletionTokens != 9 || u.TotalTokens != 609 || u.PromptTokensDetails.CachedTokens != 500 {
			t.Fatalf("usage %s, want prompt 40+500+60", u.RawJSON())
		}
	})
	t.Run("OpenAI usage on the finish chunk", func(t *testing.T) {
		r := oReply{ID: "chatcmpl-fin", Model: "gpt-upstream", Content: []string{"ok"}}
		evs := append(r.Events()[:2:2],
			sseEv{"", `{"id":"chatcmpl-fin","object":"chat.completion.chunk","created":1,"model":"gpt-upstream","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],` +
				`"usage":{"prompt_tokens":70,"completion_tokens":4,"total_tokens":74,"prompt_tokens_details":{"cached_tokens":64}}}`},
			sseEv{"", "[DONE]"})
		up := openAIFake(t, events(0, evs...))
		g := startGateway(t, []config.Backend{oaiBackend("oai", 1, up)}, withEnv("OAI_API_KEYS", oaiKey))
		m, _, err := collectAnthropic(t, g.claude(newWireTap(t)).Messages.NewStreaming(context.Background(),
			anthropic.MessageNewParams{MaxTokens: 64, Model: model, Messages: []anthropic.MessageParam{userMsg("hi")}}))
		if err != nil {
			t.Fatal(err)
		}
		if u := m.Usage; u.InputTokens != 6 || u.CacheReadInputTokens != 64 || u.OutputTokens != 4 || textOf(m) != "ok" {
			t.Fatalf("usage %+v text %q", u, textOf(m))
		}
	})
}

// TestConvE2E_SilentUpstream: an upstream that goes quiet before its first
// content is a failed attempt (first-byte timeout -> next backend); one
// that goes quiet after it ends the client's stream with an error event
// (idle timeout), and no second backend is called.
func TestConvE2E_SilentUpstream(t *testing.T) {
	short := withConfig(func(c *config.Config) {
		c.FirstByteTimeout = 300 * time.Millisecond
		c.StreamIdleTimeout = 300 * time.Millisecond
	})
	params := anthropic.MessageNewParams{MaxTokens: 64, Model: model, Messages: []anthropic.MessageParam{userMsg("hi")}}
	quiet := func(evs ...sseEv) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			for _, ev := range evs {
				io.WriteString(w, sseBytes(ev))
			}
			w.(http.Flusher).Flush()
			<-r.Context().Done() // silent until the gateway gives up: the thing under test
		}
	}
	r := oReply{ID: "chatcmpl-q", Model: "gpt-upstream", Content: []string{"half "}}

	t.Run("before first content: fails over", func(t *testing.T) {
		bad := openAIFake(t, quiet(r.Events()[0]))
		good := openAIFake(t, oReply{ID: "chatcmpl-g", Model: "gpt-upstream", Content: []string{"from backup"}, Finish: "stop", Prompt: 3, Completion: 2}.answer())
		g := startGateway(t, []config.Backend{oaiBackend("bad", 1, bad), oaiBackend("good", 2, good)}, withEnv("BAD_API_KEYS", oaiKey, "GOOD_API_KEYS", oaiKey), short)
		start := time.Now()
		m, _, err := collectAnthropic(t, g.claude(newWireTap(t)).Messages.NewStreaming(context.Background(), params))
		if err != nil || textOf(m) != "from backup" {
			t.Fatalf("%v %q", err, textOf(m))
		}
		if el := time.Since(start); el < 300*time.Millisecond || el > 2*time.Second {
			t.Fatalf("failover took %v, want about the 300ms first-byte timeout", el)
		}
		if fs := failoverReasons(t, g); len(fs) != 1 || !strings.Contains(fs[0], "no first event") {
			t.Fatalf("failovers %q", fs)
		}
	})
	t.Run("after first content: error event, no failover", func(t *testing.T) {
		bad := openAIFake(t, quiet(append([]sseEv{r.Events()[0]}, r.body()...)...))
		other := openAIFake(t, oReply{ID: "chatcmpl-o", Content: []string{"spliced"}, Finish: "stop"}.answer())
		g := startGateway(t, []config.Backend{oaiBackend("bad", 1, bad), oaiBackend("other", 2, other)}, withEnv("BAD_API_KEYS", oaiKey, "OTHER_API_KEYS", oaiKey), short)
		m, evs, err := collectAnthropic(t, g.claude(newWireTap(t)).Messages.NewStreaming(context.Background(), params))
		var apierr *anthropic.Error
		if !errors.As(err, &apierr) || textOf(m) != "half " {
			t.Fatalf("want an in-stream API error after %q, got %v (text %q)", "half ", err, textOf(m))
		}
		if evs[len(evs)-1].Type == "message_stop" || other.count.Load() != 0 {
			t.Fatalf("last event %s, other backend %d requests", evs[len(evs)-1].Type, other.count.Load())
		}
	})
}
