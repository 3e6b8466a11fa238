package anthropicreq

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/convert"
	"switchyard/gateway/convert/converttest"
	"switchyard/gateway/convert/streamconv"
	"switchyard/gateway/openai"
	"switchyard/gateway/sse"
)

const weatherSchema = `{"type":"object","properties":{"city":{"type":"string"},"temp":{"type":"number"}},"required":["city","temp"]}`

func o2aNotes(t *testing.T, body string) (*anthropic.MessagesRequest, Notes, error) {
	t.Helper()
	var req openai.ChatRequest
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatal(err)
	}
	return RequestOToAWithNotes(&req, RequestOptions{})
}

// response_format json_schema without tools of the client's own becomes one
// forced tool whose input schema is the schema (issue 15, item 5: it was
// dropped silently before).
func TestResponseFormatSchemaToForcedTool(t *testing.T) {
	out, notes, err := o2aNotes(t, `{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"weather?"}],
		"response_format":{"type":"json_schema","json_schema":{"name":"weather report","schema":`+weatherSchema+`,"strict":true}}}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tools) != 1 || out.Tools[0].Name != "weather_report" || !jsonEq(out.Tools[0].InputSchema, weatherSchema) {
		t.Fatalf("tools %+v", out.Tools)
	}
	if out.ToolChoice == nil || out.ToolChoice.Type != "tool" || out.ToolChoice.Name != "weather_report" {
		t.Fatalf("tool_choice %+v", out.ToolChoice)
	}
	if notes.JSONTool != "weather_report" || len(notes.Approximated) != 1 || notes.Approximated[0] != "response_format=json_schema->tool" {
		t.Fatalf("notes %+v", notes)
	}
}

// json_object, and json_schema beside the client's own tools, become an
// instruction in the system prompt (with the schema when there is one).
func TestResponseFormatInstruction(t *testing.T) {
	out, notes, err := o2aNotes(t, `{"model":"claude-sonnet-4-5","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}],
		"response_format":{"type":"json_object"}}`)
	if err != nil {
		t.Fatal(err)
	}
	sys := systemText(out)
	if !strings.HasPrefix(sys, "Be brief.") || !strings.Contains(sys, jsonInstruction) || len(out.Tools) != 0 {
		t.Fatalf("system %q tools %v", sys, out.Tools)
	}
	if notes.JSONTool != "" || len(notes.Approximated) != 1 || notes.Approximated[0] != "response_format=json_object->instruction" {
		t.Fatalf("notes %+v", notes)
	}

	out, notes, err = o2aNotes(t, `{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}],
		"tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{}}}}],
		"response_format":{"type":"json_schema","json_schema":{"name":"w","schema":`+weatherSchema+`}}}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tools) != 1 || out.Tools[0].Name != "lookup" || !strings.Contains(systemText(out), `"required":["city","temp"]`) {
		t.Fatalf("tools %+v system %q", out.Tools, systemText(out))
	}
	if notes.JSONTool != "" || notes.Approximated[0] != "response_format=json_schema->instruction" {
		t.Fatalf("notes %+v", notes)
	}

	_, _, err = o2aNotes(t, `{"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"xml"}}`)
	var ce *Error
	if !errors.As(err, &ce) || ce.Param != "response_format.type" {
		t.Fatalf("unknown type: %v", err)
	}
}

func systemText(r *anthropic.MessagesRequest) string {
	var b strings.Builder
	for _, s := range r.System {
		if s.Text != nil {
			b.WriteString(*s.Text)
		}
	}
	return b.String()
}

func jsonEq(a json.RawMessage, b string) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xj, _ := json.Marshal(x)
	yj, _ := json.Marshal(y)
	return bytes.Equal(xj, yj)
}

// The forced tool's answer comes back to the OpenAI client as a JSON
// message with finish_reason stop, not a tool call: non-streaming ...
func TestJSONToolAnswerIsText(t *testing.T) {
	stop := "tool_use"
	resp := &anthropic.Response{ID: "msg_1", Model: "claude", StopReason: &stop, Content: []anthropic.Block{
		{Type: "tool_use", ID: "toolu_1", Name: "weather_report", Input: json.RawMessage(`{"city":"Paris","temp":21}`)}}}
	JSONToolAsText(resp, "weather_report")
	out := convert.ResponseAToO(resp, "gpt-4o", 1)
	m := out.Choices[0].Message
	if len(m.ToolCalls) != 0 || m.Content.Text == nil || !jsonEq(json.RawMessage(*m.Content.Text), `{"city":"Paris","temp":21}`) {
		t.Fatalf("message %+v", m)
	}
	if *out.Choices[0].FinishReason != "stop" {
		t.Fatalf("finish %s", *out.Choices[0].FinishReason)
	}
}

// ... and streaming: the tool's input_json_delta fragments arrive as
// content deltas, and the stream still passes the invariant checker.
func TestJSONToolStreamIsText(t *testing.T) {
	in := "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n" +
		"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"weather_report\",\"input\":{}}}\n\n" +
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \\\"Par\"}}\n\n" +
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"is\\\", \\\"temp\\\": 21}\"}}\n\n" +
		"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
		"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":9}}\n\n" +
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
	c := streamconv.NewAToOStream(streamconv.StreamOptions{JSONTool: "weather_report", IncludeUsage: true, MessageID: "chatcmpl-x"})
	r := sse.NewReader(strings.NewReader(in))
	var out []byte
	for {
		ev, err := r.Next()
		if err == io.EOF {
			out = c.End(out, nil).Out
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = c.Event(out, ev).Out
	}
	if err := converttest.CheckOpenAIStream(out); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var text strings.Builder
	finish := ""
	r = sse.NewReader(bytes.NewReader(out))
	for {
		ev, err := r.Next()
		if err != nil || string(ev.Data) == "[DONE]" {
			break
		}
		var ch openai.Chunk
		if err := json.Unmarshal(ev.Data, &ch); err != nil {
			t.Fatal(err)
		}
		for _, c := range ch.Choices {
			if len(c.Delta.ToolCalls) > 0 {
				t.Fatalf("tool call reached the client: %s", ev.Data)
			}
			if c.Delta.Content != nil {
				text.WriteString(*c.Delta.Content)
			}
			if c.FinishReason != nil {
				finish = *c.FinishReason
			}
		}
	}
	if !jsonEq(json.RawMessage(text.String()), `{"city":"Paris","temp":21}`) || finish != "stop" {
		t.Fatalf("text %q finish %q\n%s", text.String(), finish, out)
	}
}
