package anthropicreq

import (
	"encoding/json"
	"testing"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/convert"
	"switchyard/gateway/convert/converttest"
	"switchyard/gateway/openai"
)

// Round trips through both request converters: RequestOToA here and
// convert.RequestAToO.

// TestRoundTripOToAToO checks that an OpenAI request converted to Anthropic
// and back keeps its meaning.
func TestRoundTripOToAToO(t *testing.T) {
	body := `{"model":"gpt-4o","max_tokens":300,"temperature":0.4,"stop":["END"],"stream":true,"user":"u1",
		"tools":[{"type":"function","function":{"name":"weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
		"tool_choice":{"type":"function","function":{"name":"weather"}},"parallel_tool_calls":false,
		"messages":[{"role":"system","content":"sys"},{"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAA"}}]},
		{"role":"assistant","content":"checking","tool_calls":[{"id":"c1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}},{"id":"c2","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Rome\"}"}}]},
		{"role":"tool","tool_call_id":"c1","content":"sunny"},{"role":"tool","tool_call_id":"c2","content":"rain"},
		{"role":"assistant","content":"Paris is sunny, Rome rainy."},{"role":"user","content":"thanks"}]}`
	var orig openai.ChatRequest
	if err := json.Unmarshal([]byte(body), &orig); err != nil {
		t.Fatal(err)
	}
	a, err := RequestOToA(&orig, RequestOptions{UpstreamModel: "claude-sonnet-4-5"})
	if err != nil {
		t.Fatal(err)
	}
	back, names, err := convert.RequestAToO(a, RequestOptions{UpstreamModel: "gpt-4o"})
	if err != nil || names != nil {
		t.Fatalf("RequestAToO: %v, names %v", err, names)
	}
	converttest.AssertJSON(t, "round trip", back, `{"model":"gpt-4o","max_tokens":300,"temperature":0.4,"stop":["END"],"stream":true,
		"stream_options":{"include_usage":true},"user":"u1",
		"tools":[{"type":"function","function":{"name":"weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
		"tool_choice":{"type":"function","function":{"name":"weather"}},"parallel_tool_calls":false,
		"messages":[{"role":"system","content":"sys"},{"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAA"}}]},
		{"role":"assistant","content":"checking","tool_calls":[{"id":"c1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}},{"id":"c2","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Rome\"}"}}]},
		{"role":"tool","tool_call_id":"c1","content":"sunny"},{"role":"tool","tool_call_id":"c2","content":"rain"},
		{"role":"assistant","content":"Paris is sunny, Rome rainy."},{"role":"user","content":"thanks"}]}`)
}

// TestRoundTripAToOToA checks the other direction.
func TestRoundTripAToOToA(t *testing.T) {
	body := `{"model":"claude","max_tokens":512,"system":"sys","stop_sequences":["X"],"temperature":0.2,"metadata":{"user_id":"abc"},
		"tools":[{"name":"ls","input_schema":{"type":"object","properties":{"p":{"type":"string"}}}}],"tool_choice":{"type":"any"},
		"messages":[{"role":"user","content":"list"},
		{"role":"assistant","content":[{"type":"text","text":"ok"},{"type":"tool_use","id":"toolu_1","name":"ls","input":{"p":"/"}}]},
		{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"bin"},{"type":"text","text":"and?"}]}]}`
	var orig anthropic.MessagesRequest
	if err := json.Unmarshal([]byte(body), &orig); err != nil {
		t.Fatal(err)
	}
	o, names, err := convert.RequestAToO(&orig, RequestOptions{UpstreamModel: "gpt-4o"})
	if err != nil {
		t.Fatal(err)
	}
	back, err := RequestOToA(o, RequestOptions{UpstreamModel: "claude"})
	if err != nil || names != nil {
		t.Fatalf("RequestOToA: %v, names %v", err, names)
	}
	converttest.AssertJSON(t, "round trip", back, `{"model":"claude","max_tokens":512,"system":[{"type":"text","text":"sys"}],"stop_sequences":["X"],"temperature":0.2,
		"metadata":{"user_id":"abc"},
		"tools":[{"name":"ls","input_schema":{"type":"object","properties":{"p":{"type":"string"}}}}],"tool_choice":{"type":"any"},
		"messages":[{"role":"user","content":[{"type":"text","text":"list"}]},
		{"role":"assistant","content":[{"type":"text","text":"ok"},{"type":"tool_use","id":"toolu_1","name":"ls","input":{"p":"/"}}]},
		{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"bin"}]},{"type":"text","text":"and?"}]}]}`)
}
