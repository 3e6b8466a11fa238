package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/param"
	oresponses "github.com/openai/openai-go/v3/responses"

	"switchyard/gateway/config"
	"switchyard/gateway/convert/converttest"
	"switchyard/gateway/responses/responsestest"
)

// respParams is a Responses request with one function tool.
func respParams(model string, input oresponses.ResponseInputParam) oresponses.ResponseNewParams {
	return oresponses.ResponseNewParams{
		Model:        model,
		Instructions: param.NewOpt("Be brief."),
		Input:        oresponses.ResponseNewParamsInputUnion{OfInputItemList: input},
		Tools: []oresponses.ToolUnionParam{{OfFunction: &oresponses.FunctionToolParam{Name: "get_weather",
			Parameters: map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}}}}},
	}
}

func userTurn(text string) oresponses.ResponseInputItemUnionParam {
	return oresponses.ResponseInputItemParamOfMessage(text, oresponses.EasyInputMessageRoleUser)
}

// The official openai-go Responses client, streaming and not, reaches an
// Anthropic backend and an OpenAI backend through /v1/responses, with a
// tool call round trip: the call comes back as a function_call item, its
// output goes up as a tool result (issue 13).
func TestResponsesClientThroughBothFormats(t *testing.T) {
	for _, format := range []config.Format{config.FormatAnthropic, config.FormatOpenAI} {
		t.Run(string(format), func(t *testing.T) {
			var up *upstream
			if format == config.FormatAnthropic {
				up = anthropicFake(t, nil, turns(
					aReply{ID: "msg_1", Model: "claude-x", Stop: "tool_use", Blocks: []aBlk{aText("Checking."), aTool("toolu_w1", "get_weather", `{"city":`, `"Paris"}`)}, Usage: aUsage{In: 30, Out: 9, CacheRead: 20}}.answer(),
					aReply{ID: "msg_2", Model: "claude-x", Stop: "end_turn", Blocks: []aBlk{aText("Sunny, ", "21 C.")}, Usage: aUsage{In: 40, Out: 5}}.answer(),
					aReply{ID: "msg_3", Model: "claude-x", Stop: "tool_use", Blocks: []aBlk{aTool("toolu_w2", "get_weather", `{"city":"Rome"}`)}, Usage: aUsage{In: 30, Out: 9}}.answer(),
					aReply{ID: "msg_4", Model: "claude-x", Stop: "end_turn", Blocks: []aBlk{aText("Rainy.")}, Usage: aUsage{In: 40, Out: 5}}.answer(),
				))
			} else {
				up = openAIFake(t, turns(
					oReply{Content: []string{"Checking."}, Prompt: 30, Completion: 9, Cached: 20, Calls: []oCall{{ID: "call_w1", Name: "get_weather", Frags: []string{`{"city":`, `"Paris"}`}}}, Finish: "tool_calls"}.answer(),
					oReply{Content: []string{"Sunny, ", "21 C."}, Prompt: 40, Completion: 5, Finish: "stop"}.answer(),
					oReply{Calls: []oCall{{ID: "call_w2", Name: "get_weather", Frags: []string{`{"city":"Rome"}`}}}, Finish: "tool_calls"}.answer(),
					oReply{Content: []string{"Rainy."}, Prompt: 40, Completion: 5, Finish: "stop"}.answer(),
				))
			}
			base := up.URL
			if format == config.FormatOpenAI {
				base += "/v1"
			}
			g := startGateway(t, []config.Backend{backend("b", 1, format, base)})
			client := g.openai()
			ctx := context.Background()

			// Non-streaming: the call, then the answer to its output.
			r1, err := client.Responses.New(ctx, respParams("claude-sonnet-4-5", oresponses.ResponseInputParam{userTurn("Weather in Paris?")}))
			if err != nil {
				t.Fatal(err)
			}
			var call *oresponses.ResponseOutputItemUnion
			for i := range r1.Output {
				if r1.Output[i].Type == "function_call" {
					call = &r1.Output[i]
				}
			}
			if call == nil || call.Name != "get_weather" || call.Arguments.OfString != `{"city":"Paris"}` || call.CallID == "" {
				t.Fatalf("no function_call item: %+v", r1.Output)
			}
			if r1.OutputText() != "Checking." || r1.Status != "completed" || r1.Usage.InputTokens == 0 {
				t.Fatalf("text %q status %q usage %+v", r1.OutputText(), r1.Status, r1.Usage)
			}
			input := oresponses.ResponseInputParam{userTurn("Weather in Paris?"),
				oresponses.ResponseInputItemParamOfFunctionCall(call.Arguments.OfString, call.CallID, call.Name),
				{OfFunctionCallOutput: &oresponses.ResponseInputItemFunctionCallOutputParam{CallID: param.NewOpt(call.CallID),
					Output: oresponses.ResponseInputItemFunctionCallOutputOutputUnionParam{OfString: param.NewOpt("sunny-21")}}}}
			r2, err := client.Responses.New(ctx, respParams("claude-sonnet-4-5", input))
			if err != nil {
				t.Fatal(err)
			}
			if r2.OutputText() != "Sunny, 21 C." {
				t.Fatalf("second turn text %q", r2.OutputText())
			}
			if second := string(up.requests()[1].Body); !strings.Contains(second, "sunny-21") || !strings.Contains(second, call.CallID) {
				t.Fatalf("the tool output did not reach the upstream: %s", second)
			}

			// Streaming, through the SDK's own event decoding.
			stream := client.Responses.NewStreaming(ctx, respParams("claude-sonnet-4-5", oresponses.ResponseInputParam{userTurn("And Rome?")}))
			var args, name string
			completed := false
			for stream.Next() {
				ev := stream.Current()
				switch ev.Type {
				case "response.output_item.done":
					if ev.Item.Type == "function_call" {
						args, name = ev.Item.Arguments.OfString, ev.Item.Name
					}
				case "response.completed":
					completed = true
				}
			}
			if err := stream.Err(); err != nil {
				t.Fatal(err)
			}
			if !completed || name != "get_weather" || args != `{"city":"Rome"}` {
				t.Fatalf("stream: completed %v call %s(%s)", completed, name, args)
			}
			// And on the wire, the raw stream passes the Responses checker.
			resp, body := g.post(t, "/v1/responses", `{"model":"claude-sonnet-4-5","stream":true,"input":"Rome again?"}`)
			if resp.StatusCode != 200 || resp.Header.Get("X-Switchyard-Backend") != "b" {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if err := responsestest.Check(body, responsestest.ValidArguments()); err != nil {
				t.Fatalf("%v\n%s", err, body)
			}
			if !strings.Contains(string(body), "Rainy.") {
				t.Fatalf("stream lacks the answer: %s", body)
			}
		})
	}
}

// Bad input is refused with 400 in the Responses error shape naming the
// field, and nothing reaches an upstream.
func TestResponsesBadInput(t *testing.T) {
	up := newUpstream(t, chatOK("a"))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL+"/v1")})
	for _, c := range []struct{ body, param string }{
		{`{"model":"m","input":[{"type":"mystery"}]}`, "input[0].type"},
		{`{"model":"m","input":[{"role":"user","content":[{"type":"input_audio"}]}]}`, "input[0].content[0].type"},
		{`{"model":"m","input":"hi","previous_response_id":"resp_1"}`, "previous_response_id"},
		{`{"model":"m","input":[{"role":"robot","content":"x"}]}`, "input[0].role"},
	} {
		resp, body := g.post(t, "/v1/responses", c.body)
		var e struct {
			Error struct{ Type, Message, Param string }
		}
		if resp.StatusCode != 400 || json.Unmarshal(body, &e) != nil || e.Error.Param != c.param || e.Error.Type != "invalid_request_error" {
			t.Fatalf("%s: %d %s", c.body, resp.StatusCode, body)
		}
	}
	// Through the SDK: a typed 400.
	_, err := g.openai().Responses.New(context.Background(), oresponses.ResponseNewParams{Model: "m",
		Input: oresponses.ResponseNewParamsInputUnion{OfString: param.NewOpt("hi")}, PreviousResponseID: param.NewOpt("resp_x")})
	var oe *openai.Error
	if !errors.As(err, &oe) || oe.StatusCode != 400 {
		t.Fatalf("SDK: %v", err)
	}
	if n := up.count.Load(); n != 0 {
		t.Fatalf("upstream saw %d requests", n)
	}
}

// A format: responses backend gets Responses requests untouched (but for
// the model alias and the key); Chat clients reach it converted.
func TestResponsesPassthrough(t *testing.T) {
	var got []byte
	rup := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		got, _ = json.Marshal(r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"resp_up","object":"response","created_at":1,"status":"completed","model":"gpt-5-codex","output":[{"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"from responses upstream","annotations":[]}]}],"usage":{"input_tokens":3,"output_tokens":4,"total_tokens":7,"input_tokens_details":{"cached_tokens":0},"output_tokens_details":{"reasoning_tokens":0}},"error":null,"incomplete_details":null,"parallel_tool_calls":true,"tools":[]}`))
	})
	cup := newUpstream(t, chatOK("chat"))
	rb := backend("r", 1, config.FormatResponses, rup.URL+"/v1")
	g := startGateway(t, []config.Backend{rb, backend("c", 2, config.FormatOpenAI, cup.URL+"/v1")},
		withEnv("R_API_KEYS", "sk-resp-upstream-key"))
	body := `{"model":"gpt-5-codex","input":"hi","store":false,"include":["reasoning.encrypted_content"]}`
	resp, out := g.post(t, "/v1/responses", body, "Authorization", "Bearer client-key")
	if resp.StatusCode != 200 || !strings.Contains(string(out), "from responses upstream") || resp.Header.Get("X-Switchyard-Backend") != "r" {
		t.Fatalf("%d %s", resp.StatusCode, out)
	}
	req := rup.requests()[0]
	if string(got) != `"/v1/responses"` || string(req.Body) != body || req.Auth != "Bearer sk-resp-upstream-key" {
		t.Fatalf("upstream got path %s auth %q body %s", got, req.Auth, req.Body)
	}
	// A Chat client reaches the responses backend through the hub.
	text, err := g.openai().Chat.Completions.New(context.Background(), chatParams("gpt-5-codex"), option.WithMaxRetries(0))
	if err != nil || text.Choices[0].Message.Content != "from responses upstream" || text.Usage.PromptTokens != 3 {
		t.Fatalf("chat client: %v %+v", err, text)
	}
	var up struct {
		Input []struct{ Role, Type string }
		Store *bool
	}
	if err := json.Unmarshal(rup.requests()[1].Body, &up); err != nil || len(up.Input) != 1 || up.Input[0].Role != "user" || up.Store == nil || *up.Store {
		t.Fatalf("converted request %s", rup.requests()[1].Body)
	}
	if n := cup.count.Load(); n != 0 {
		t.Fatalf("the chat backend saw %d requests", n)
	}
}

// What a converted backend cannot run is left out and said once in the
// log; when every backend fails the client gets a 503 in the Responses
// error shape naming each backend and why.
func TestResponsesDroppedAndAllDown(t *testing.T) {
	up := newUpstream(t, chatOK("a"))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL+"/v1")})
	resp, body := g.post(t, "/v1/responses", `{"model":"m","input":[{"role":"user","content":"hi"},{"type":"reasoning","summary":[],"encrypted_content":"x"}],"tools":[{"type":"web_search"}]}`)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	logs := g.logs.String()
	if strings.Count(logs, "left out what a converted backend cannot run") != 1 || !strings.Contains(logs, "web_search") || !strings.Contains(logs, "input[1] reasoning item") {
		t.Fatalf("log:\n%s", logs)
	}

	down := startGateway(t, []config.Backend{backend("x", 1, config.FormatOpenAI, deadURL(t)), backend("y", 2, config.FormatAnthropic, deadURL(t))})
	resp, body = down.post(t, "/v1/responses", `{"model":"m","input":"hi"}`)
	var e struct {
		Error struct{ Type, Message string }
	}
	if resp.StatusCode != 503 || json.Unmarshal(body, &e) != nil || !strings.Contains(e.Error.Message, "x: connection refused") || !strings.Contains(e.Error.Message, "y: connection refused") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

// respUpstreamStream is a Responses API event stream as an upstream sends
// it: reasoning summary, text, one function call, completion with usage.
const respUpstreamStream = `event: response.created
data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_up1","object":"response","created_at":1,"status":"in_progress","model":"gpt-5-codex","output":[]}}

event: response.output_item.added
data: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"msg_1","type":"message","status":"in_progress","role":"assistant","content":[]}}

event: response.output_text.delta
data: {"type":"response.output_text.delta","sequence_number":2,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Let me "}

event: response.output_text.delta
data: {"type":"response.output_text.delta","sequence_number":3,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"look."}

event: response.output_item.added
data: {"type":"response.output_item.added","sequence_number":4,"output_index":1,"item":{"id":"fc_1","type":"function_call","status":"in_progress","call_id":"call_up1","name":"get_weather","arguments":""}}

event: response.function_call_arguments.delta
data: {"type":"response.function_call_arguments.delta","sequence_number":5,"item_id":"fc_1","output_index":1,"delta":"{\"city\":"}

event: response.function_call_arguments.delta
data: {"type":"response.function_call_arguments.delta","sequence_number":6,"item_id":"fc_1","output_index":1,"delta":"\"Oslo\"}"}

event: response.completed
data: {"type":"response.completed","sequence_number":7,"response":{"id":"resp_up1","object":"response","created_at":1,"status":"completed","model":"gpt-5-codex","output":[],"usage":{"input_tokens":40,"input_tokens_details":{"cached_tokens":30},"output_tokens":12,"output_tokens_details":{"reasoning_tokens":4},"total_tokens":52}}}

`

// Chat and Anthropic clients stream from a format: responses backend
// through the hub: text, the tool call with its arguments, usage; the
// converted streams pass the Chat and Anthropic invariant checkers.
func TestResponsesBackendStreamsToChatAndAnthropic(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write([]byte(respUpstreamStream))
	})
	g := startGateway(t, []config.Backend{backend("r", 1, config.FormatResponses, up.URL+"/v1")})
	resp, body := g.post(t, "/v1/chat/completions", `{"model":"gpt-5-codex","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"weather?"}]}`)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if err := converttest.CheckOpenAIStream(body, converttest.WithUpstreamUsage(), converttest.WithCompleteToolArgs()); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	s := string(body)
	for _, want := range []string{`"content":"Let me "`, `"name":"get_weather"`, `"arguments":"\"Oslo\"}"`, `"finish_reason":"tool_calls"`, `"prompt_tokens":40`, `"cached_tokens":30`} {
		if !strings.Contains(s, want) {
			t.Fatalf("chat stream lacks %s:\n%s", want, s)
		}
	}
	resp, body = g.post(t, "/v1/messages", `{"model":"gpt-5-codex","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"weather?"}]}`)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if err := converttest.CheckAnthropicStream(body); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	s = string(body)
	for _, want := range []string{`"text":"Let me "`, `"name":"get_weather"`, `"stop_reason":"tool_use"`} {
		if !strings.Contains(s, want) {
			t.Fatalf("anthropic stream lacks %s:\n%s", want, s)
		}
	}
	var sent struct {
		Input  []map[string]any
		Stream bool
	}
	if err := json.Unmarshal(up.requests()[1].Body, &sent); err != nil || !sent.Stream || len(sent.Input) != 1 || up.requests()[1].Path != "/v1/responses" {
		t.Fatalf("upstream request %s %s", up.requests()[1].Path, up.requests()[1].Body)
	}
}

// A Responses client streaming from a format: responses backend gets the
// upstream's events untouched; a stream cut before response.completed
// ends with exactly one error event and no completion.
func TestResponsesPassthroughStream(t *testing.T) {
	cut := false
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		body := respUpstreamStream
		if cut {
			body = body[:strings.Index(body, "event: response.completed")]
		}
		w.Write([]byte(body))
	})
	g := startGateway(t, []config.Backend{backend("r", 1, config.FormatResponses, up.URL+"/v1")})
	req := `{"model":"gpt-5-codex","stream":true,"input":"weather?"}`
	resp, body := g.post(t, "/v1/responses", req)
	if resp.StatusCode != 200 || string(body) != respUpstreamStream {
		t.Fatalf("%d; the stream was not passed through untouched:\n%s", resp.StatusCode, body)
	}
	cut = true
	resp, body = g.post(t, "/v1/responses", req)
	s := string(body)
	if resp.StatusCode != 200 || strings.Count(s, "event: error") != 1 || strings.Contains(s, "response.completed") ||
		!strings.Contains(s, `"sequence_number":7`) {
		t.Fatalf("cut stream: %d\n%s", resp.StatusCode, s)
	}
}
