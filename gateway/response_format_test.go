package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"switchyard/gateway/config"
)

// An OpenAI client's response_format json_schema reaches an Anthropic
// backend as a forced tool, and the answer comes back as a JSON message
// (streamed or not), with a header saying what was approximated; the
// log says it once (issue 15, item 5: it used to be dropped silently).
func TestResponseFormatThroughAnthropic(t *testing.T) {
	reply := aReply{ID: "msg_rf", Model: "claude-x", Stop: "tool_use",
		Blocks: []aBlk{aTool("toolu_rf", "weather", `{"city":`, `"Paris","temp":21}`)}, Usage: aUsage{In: 10, Out: 5}}
	up := anthropicFake(t, nil, reply.answer())
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatAnthropic, up.URL)})
	schema := map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}, "temp": map[string]any{"type": "number"}}, "required": []string{"city", "temp"}}
	params := openai.ChatCompletionNewParams{
		Model:    "claude-sonnet-4-5",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("weather in Paris as JSON")},
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
			JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: "weather", Schema: schema}}},
	}
	var httpResp *http.Response
	resp, err := g.openai().Chat.Completions.New(context.Background(), params, option.WithResponseInto(&httpResp))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		City string
		Temp float64
	}
	if err := json.Unmarshal([]byte(resp.Choices[0].Message.Content), &got); err != nil || got.City != "Paris" || got.Temp != 21 {
		t.Fatalf("content %q: %v", resp.Choices[0].Message.Content, err)
	}
	if resp.Choices[0].FinishReason != "stop" || len(resp.Choices[0].Message.ToolCalls) != 0 {
		t.Fatalf("finish %q tool calls %v", resp.Choices[0].FinishReason, resp.Choices[0].Message.ToolCalls)
	}
	if h := httpResp.Header.Get("X-Switchyard-Approximated"); h != "response_format=json_schema->tool" {
		t.Fatalf("X-Switchyard-Approximated %q", h)
	}
	var sent struct {
		Tools      []struct{ Name string }
		ToolChoice struct{ Type, Name string } `json:"tool_choice"`
	}
	if err := json.Unmarshal(up.requests()[0].Body, &sent); err != nil {
		t.Fatal(err)
	}
	if len(sent.Tools) != 1 || sent.Tools[0].Name != "weather" || sent.ToolChoice.Type != "tool" || sent.ToolChoice.Name != "weather" {
		t.Fatalf("upstream request: %s", up.requests()[0].Body)
	}

	stream := g.openai().Chat.Completions.NewStreaming(context.Background(), params)
	var text strings.Builder
	finish := ""
	for stream.Next() {
		for _, c := range stream.Current().Choices {
			text.WriteString(c.Delta.Content)
			if len(c.Delta.ToolCalls) > 0 {
				t.Fatal("a tool call reached the client")
			}
			if c.FinishReason != "" {
				finish = c.FinishReason
			}
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(text.String()), &got); err != nil || got.City != "Paris" || finish != "stop" {
		t.Fatalf("streamed %q finish %q: %v", text.String(), finish, err)
	}
	if n := strings.Count(g.logs.String(), "request approximated"); n != 2 {
		t.Fatalf("%d approximation log lines for 2 requests", n)
	}
}
