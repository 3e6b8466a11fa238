package anthropicreq

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/convert"
	"switchyard/gateway/convert/converttest"
	"switchyard/gateway/openai"
)

// o2a decodes an OpenAI request body and converts it, failing on error.
func o2a(t *testing.T, body string, opt RequestOptions) *anthropic.MessagesRequest {
	t.Helper()
	out, err := o2aErr(t, body, opt)
	if err != nil {
		t.Fatalf("RequestOToA: %v", err)
	}
	return out
}

func o2aErr(t *testing.T, body string, opt RequestOptions) (*anthropic.MessagesRequest, error) {
	t.Helper()
	var req openai.ChatRequest
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if opt.UpstreamModel == "" {
		opt.UpstreamModel = "claude-sonnet-4-20250514"
	}
	return RequestOToA(&req, opt)
}

func TestRequestOToAErrors(t *testing.T) {
	tests := []struct {
		name, body, param, msg string
	}{
		{"n", `{"n":3,"messages":[{"role":"user","content":"hi"}]}`, "n", "n=3"},
		{"no messages", `{"messages":[]}`, "messages", "at least one"},
		{"input_audio", `{"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AA","format":"wav"}}]}]}`, "messages[0].content[0]", "audio"},
		{"web_search tool", `{"tools":[{"type":"function","function":{"name":"f"}},{"type":"web_search_preview"}],"messages":[{"role":"user","content":"hi"}]}`, "tools[1].type", "web_search_preview"},
		{"tool without name", `{"tools":[{"type":"function","function":{}}],"messages":[{"role":"user","content":"hi"}]}`, "tools[0].function.name", "required"},
		{"image bad scheme", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x/y.png"}}]}]}`, "messages[0].content[0]", "data: URL or an http"},
		{"image not base64", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,AAA"}}]}]}`, "messages[0].content[0]", "base64"},
		{"image svg", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/svg+xml;base64,AAA"}}]}]}`, "messages[0].content[0]", "image/svg+xml"},
		{"file_id", `{"messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"file-123"}}]}]}`, "messages[0].content[0]", "file_id"},
		{"file type", `{"messages":[{"role":"user","content":[{"type":"file","file":{"file_data":"data:application/zip;base64,UEs="}}]}]}`, "messages[0].content[0]", "application/zip"},
		{"unknown role", `{"messages":[{"role":"function","name":"f","content":"x"}]}`, "messages[0].role", "function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := o2aErr(t, tt.body, RequestOptions{})
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v (%T), out = %v; want *Error", err, err, out)
			}
			if out != nil {
				t.Errorf("out = %v, want nil with an error", out)
			}
			if ce.Param != tt.param || !strings.Contains(ce.Message, tt.msg) {
				t.Errorf("Error{%q, %q}, want param %q and message containing %q", ce.Param, ce.Message, tt.param, tt.msg)
			}
		})
	}
}

func TestRequestOToAUnknownFieldsTolerated(t *testing.T) {
	body := `{"model":"gpt-4o","messages":[
		{"role":"system","content":"s","future":1},
		{"role":"user","name":"bob","content":[{"type":"text","text":"hi","extra":{"a":1}},{"type":"refusal","refusal":"no"},{"type":"some_future_part"}],"audio":null}],
		"seed":1,"logprobs":true,"top_logprobs":2,"logit_bias":{"1":2},"presence_penalty":0.5,"frequency_penalty":0.1,
		"store":true,"metadata":{"a":"b"},"service_tier":"auto","modalities":["text"],"prediction":{"type":"content","content":"x"},
		"response_format":{"type":"json_object"},"stream_options":{"include_usage":true},"n":1,"brand_new_field":[1,2]}`
	got := o2a(t, body, RequestOptions{})
	converttest.AssertJSON(t, "request", got, `{"model":"claude-sonnet-4-20250514","max_tokens":8192,
		"system":[{"type":"text","text":"s\n\n`+jsonInstruction+`"}],
		"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}`)
}

func TestRequestOToASequence(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{
			name: "system anywhere, empty dropped, parts become blocks",
			body: `{"messages":[{"role":"user","content":"a"},{"role":"system","content":""},
				{"role":"developer","content":[{"type":"text","text":"d1"},{"type":"text","text":""},{"type":"text","text":"d2","cache_control":{"type":"ephemeral"}}]}]}`,
			want: `{"system":[{"type":"text","text":"d1"},{"type":"text","text":"d2","cache_control":{"type":"ephemeral"}}],
				"messages":[{"role":"user","content":[{"type":"text","text":"a"}]}]}`,
		},
		{
			name: "leading assistant gets a continue turn",
			body: `{"messages":[{"role":"system","content":"s"},{"role":"assistant","content":"Hello!"},{"role":"user","content":"hi"}]}`,
			want: `{"system":[{"type":"text","text":"s"}],"messages":[
				{"role":"user","content":[{"type":"text","text":"(continue)"}]},
				{"role":"assistant","content":[{"type":"text","text":"Hello!"}]},
				{"role":"user","content":[{"type":"text","text":"hi"}]}]}`,
		},
		{
			name: "only system messages",
			body: `{"messages":[{"role":"system","content":"summarize the weather"}]}`,
			want: `{"system":[{"type":"text","text":"summarize the weather"}],"messages":[
				{"role":"user","content":[{"type":"text","text":"(continue)"}]}]}`,
		},
		{
			name: "empty messages dropped and neighbours merged",
			body: `{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":""},{"role":"user","content":[{"type":"text","text":"b"}]},
				{"role":"assistant","content":null},{"role":"assistant","content":"x"},{"role":"user","content":""}]}`,
			want: `{"messages":[
				{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},
				{"role":"assistant","content":[{"type":"text","text":"x"}]}]}`,
		},
		{
			name: "whitespace-only prefill dropped",
			body: `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"  \n"}]}`,
			want: `{"messages":[{"role":"user","content":[{"type":"text","text":"q"}]}]}`,
		},
		{
			name: "assistant text parts, refusal and name dropped",
			body: `{"messages":[{"role":"user","content":"q"},{"role":"assistant","name":"bot","refusal":"r","content":[{"type":"text","text":"p1"},{"type":"refusal","refusal":"no"},{"type":"text","text":"p2"}]},{"role":"user","content":"more"}]}`,
			want: `{"messages":[{"role":"user","content":[{"type":"text","text":"q"}]},
				{"role":"assistant","content":[{"type":"text","text":"p1"},{"type":"text","text":"p2"}]},
				{"role":"user","content":[{"type":"text","text":"more"}]}]}`,
		},
		{
			name: "tool results answered, missing one synthesized, user text after",
			body: `{"tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"q"},
				{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}},{"id":"b","type":"function","function":{"name":"f","arguments":"{}"}}]},
				{"role":"user","content":"hurry"},{"role":"tool","tool_call_id":"a","content":[{"type":"text","text":"r1"},{"type":"text","text":"r2"}]}]}`,
			want: `{"tools":[{"name":"f","input_schema":{"type":"object","properties":{}}}],"messages":[{"role":"user","content":[{"type":"text","text":"q"}]},
				{"role":"assistant","content":[{"type":"tool_use","id":"a","name":"f","input":{}},{"type":"tool_use","id":"b","name":"f","input":{}}]},
				{"role":"user","content":[
					{"type":"tool_result","tool_use_id":"a","content":[{"type":"text","text":"r1"},{"type":"text","text":"r2"}]},
					{"type":"tool_result","tool_use_id":"b","is_error":true,"content":[{"type":"text","text":"no result was provided for this tool call"}]},
					{"type":"text","text":"hurry"}]}]}`,
		},
		{
			name: "orphan tool result becomes content, empty tool content omitted",
			body: `{"tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"q"},
				{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}}]},
				{"role":"tool","tool_call_id":"a","content":""},{"role":"tool","tool_call_id":"zzz","content":"stray"}]}`,
			want: `{"tools":[{"name":"f","input_schema":{"type":"object","properties":{}}}],"messages":[{"role":"user","content":[{"type":"text","text":"q"}]},
				{"role":"assistant","content":[{"type":"tool_use","id":"a","name":"f","input":{}}]},
				{"role":"user","content":[{"type":"tool_result","tool_use_id":"a"},{"type":"text","text":"stray"}]}]}`,
		},
		{
			name: "calls without ids paired in order",
			body: `{"tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"q"},
				{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"f","arguments":"{}"}},{"type":"function","function":{"name":"f","arguments":"{\"x\":1}"}}]},
				{"role":"tool","content":"one"},{"role":"tool","content":"two"}]}`,
			want: `{"tools":[{"name":"f","input_schema":{"type":"object","properties":{}}}],"messages":[{"role":"user","content":[{"type":"text","text":"q"}]},
				{"role":"assistant","content":[{"type":"tool_use","id":"toolu_missing_1_0","name":"f","input":{}},{"type":"tool_use","id":"toolu_missing_1_1","name":"f","input":{"x":1}}]},
				{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_missing_1_0","content":[{"type":"text","text":"one"}]},
					{"type":"tool_result","tool_use_id":"toolu_missing_1_1","content":[{"type":"text","text":"two"}]}]}]}`,
		},
		{
			name: "tool history without tools gets a placeholder tool",
			body: `{"messages":[{"role":"user","content":"q"},
				{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"gone","arguments":"{}"}}]},
				{"role":"tool","tool_call_id":"a","content":"r"},{"role":"user","content":"thanks"}],"tool_choice":"required","parallel_tool_calls":false}`,
			want: `{"tools":[{"name":"noop","description":"Placeholder: the conversation history contains tool calls but no tools are available. Do not call this tool.","input_schema":{"type":"object","properties":{}}}],
				"tool_choice":{"type":"none"},
				"messages":[{"role":"user","content":[{"type":"text","text":"q"}]},
				{"role":"assistant","content":[{"type":"tool_use","id":"a","name":"gone","input":{}}]},
				{"role":"user","content":[{"type":"tool_result","tool_use_id":"a","content":[{"type":"text","text":"r"}]},{"type":"text","text":"thanks"}]}]}`,
		},
		{
			name: "final assistant with tool calls is answered",
			body: `{"tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"q"},
				{"role":"assistant","content":"calling ","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}}]}]}`,
			want: `{"tools":[{"name":"f","input_schema":{"type":"object","properties":{}}}],"messages":[{"role":"user","content":[{"type":"text","text":"q"}]},
				{"role":"assistant","content":[{"type":"text","text":"calling "},{"type":"tool_use","id":"a","name":"f","input":{}}]},
				{"role":"user","content":[{"type":"tool_result","tool_use_id":"a","is_error":true,"content":[{"type":"text","text":"no result was provided for this tool call"}]}]}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := o2a(t, tt.body, RequestOptions{})
			var want map[string]any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			want["model"] = "claude-sonnet-4-20250514"
			want["max_tokens"] = float64(8192)
			b, _ := json.Marshal(want)
			converttest.AssertJSON(t, "request", got, string(b))
		})
	}
}

func TestRequestOToAFields(t *testing.T) {
	tests := []struct {
		name, model, body, want string
	}{
		{"tool_choice function", "", `{"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"f"}}}`,
			`{"tools":[{"name":"f","input_schema":{"type":"object","properties":{}}}],"tool_choice":{"type":"tool","name":"f"}}`},
		{"tool_choice auto + parallel false", "", `{"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"auto","parallel_tool_calls":false}`,
			`{"tools":[{"name":"f","input_schema":{"type":"object","properties":{}}}],"tool_choice":{"type":"auto","disable_parallel_tool_use":true}}`},
		{"tool_choice none + parallel false", "", `{"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"none","parallel_tool_calls":false}`,
			`{"tools":[{"name":"f","input_schema":{"type":"object","properties":{}}}],"tool_choice":{"type":"none"}}`},
		{"tool_choice without tools dropped", "", `{"tool_choice":"required","parallel_tool_calls":false}`, `{}`},
		{"unknown tool_choice ignored", "", `{"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"allowed_tools"}}`,
			`{"tools":[{"name":"f","input_schema":{"type":"object","properties":{}}}]}`},
		{"schema without type, strict dropped", "", `{"tools":[{"type":"function","function":{"name":"f","description":"d","strict":true,"parameters":{"properties":{"a":{"type":"string"}}}}}]}`,
			`{"tools":[{"name":"f","description":"d","input_schema":{"type":"object","properties":{"a":{"type":"string"}}}}]}`},
		{"tool cache_control kept", "", `{"tools":[{"type":"function","function":{"name":"f","parameters":null},"cache_control":{"type":"ephemeral"}}]}`,
			`{"tools":[{"name":"f","input_schema":{"type":"object","properties":{}},"cache_control":{"type":"ephemeral"}}]}`},
		{"negative temperature", "", `{"temperature":-1}`, `{"temperature":0}`},
		{"top_p and top_k pass", "", `{"top_p":0.5,"top_k":5,"temperature":0.5}`, `{"top_p":0.5,"top_k":5,"temperature":0.5}`},
		{"exclusive sampling opus 4.1", "claude-opus-4-1-20250805", `{"top_p":0.5,"temperature":0.5}`, `{"temperature":0.5}`},
		{"top_p alone kept on exclusive model", "claude-sonnet-4-5", `{"top_p":0.5}`, `{"top_p":0.5}`},
		{"stop array mixed", "", `{"stop":["a"," ","b"]}`, `{"stop_sequences":["a","b"]}`},
		{"stream", "", `{"stream":true,"stream_options":{"include_usage":true}}`, `{"stream":true}`},
		{"opaque user", "", `{"user":"user-8f3a"}`, `{"metadata":{"user_id":"user-8f3a"}}`},
		{"email user hashed", "", `{"user":"bob@example.com"}`,
			`{"metadata":{"user_id":"` + sha256Hex("bob@example.com") + `"}}`},
		{"phone user hashed", "", `{"user":"+1 (555) 010-9999"}`,
			`{"metadata":{"user_id":"` + sha256Hex("+1 (555) 010-9999") + `"}}`},
		{"max_tokens clamped to model max", "claude-3-haiku-20240307", `{"max_tokens":100000}`, `{"max_tokens":4096}`},
		{"default clamped to model max", "claude-3-5-haiku-20241022", `{}`, `{"max_tokens":8192}`},
		{"opus 4 clamp", "claude-opus-4-20250514", `{"max_completion_tokens":50000}`, `{"max_tokens":32000}`},
		{"unknown model not clamped", "claude-opus-9", `{"max_tokens":500000}`, `{"max_tokens":500000}`},
		{"zero max_tokens uses default", "", `{"max_tokens":0}`, `{}`},
		{"reasoning none", "", `{"reasoning_effort":"none"}`, `{}`},
		{"reasoning minimal", "", `{"reasoning_effort":"minimal"}`, `{}`},
		{"reasoning low keeps big max_tokens, keeps top_p 0.95", "", `{"reasoning_effort":"low","max_tokens":3000,"top_p":0.95,"top_k":3,"temperature":1}`,
			`{"max_tokens":3000,"thinking":{"type":"enabled","budget_tokens":1024},"top_p":0.95}`},
		{"reasoning medium drops low top_p, downgrades tool", "", `{"reasoning_effort":"medium","top_p":0.9,"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"f"}},"parallel_tool_calls":false}`,
			`{"thinking":{"type":"enabled","budget_tokens":2048},"tools":[{"name":"f","input_schema":{"type":"object","properties":{}}}],"tool_choice":{"type":"auto","disable_parallel_tool_use":true}}`},
		{"reasoning under model max", "claude-3-7-sonnet-20250219", `{"reasoning_effort":"high","max_tokens":63000}`,
			`{"max_tokens":63000,"thinking":{"type":"enabled","budget_tokens":4096}}`},
		{"reasoning bump clamped, budget shrinks", "claude-3-haiku-20240307", `{"reasoning_effort":"high","max_tokens":2000}`,
			`{"max_tokens":4096,"thinking":{"type":"enabled","budget_tokens":4095}}`},
		{"reasoning equal budget", "", `{"reasoning_effort":"low","max_tokens":1024}`,
			`{"max_tokens":2048,"thinking":{"type":"enabled","budget_tokens":1024}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body map[string]any
			if err := json.Unmarshal([]byte(tt.body), &body); err != nil {
				t.Fatal(err)
			}
			body["messages"] = []any{map[string]any{"role": "user", "content": "hi"}}
			b, _ := json.Marshal(body)
			got := o2a(t, string(b), RequestOptions{UpstreamModel: tt.model})
			var want map[string]any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if tt.model == "" {
				tt.model = "claude-sonnet-4-20250514"
			}
			want["model"] = tt.model
			if _, ok := want["max_tokens"]; !ok {
				want["max_tokens"] = float64(8192)
			}
			want["messages"] = []any{map[string]any{"role": "user", "content": []any{map[string]any{"type": "text", "text": "hi"}}}}
			wb, _ := json.Marshal(want)
			converttest.AssertJSON(t, "request", got, string(wb))
		})
	}
}

func TestRequestOToAToolIDs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"call_abc-123", "call_abc-123"},
		{"functions.Bash:0", "functions_Bash_0"},
		{"tool call/1", "tool_call_1"},
		{"ид", "__"},
		{"a\x00b", "a_b"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := convert.SanitizeToolID(tt.in); got != tt.want {
			t.Errorf("convert.SanitizeToolID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	id := convert.NewToolID()
	if len(id) != len("toolu_")+24 || !strings.HasPrefix(id, "toolu_") || convert.SanitizeToolID(id) != id {
		t.Errorf("convert.NewToolID() = %q", id)
	}
	if convert.NewToolID() == id {
		t.Error("NewToolID repeated an id")
	}
}

func TestRequestOToAMedia(t *testing.T) {
	tests := []struct {
		name, part, want string
	}{
		{"jpg alias", `{"type":"image_url","image_url":{"url":"data:image/jpg;base64,/9j/"}}`,
			`{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/"}}`},
		{"upper-case data URL", `{"type":"image_url","image_url":{"url":"DATA:IMAGE/WEBP;BASE64,UklG"}}`,
			`{"type":"image","source":{"type":"base64","media_type":"image/webp","data":"UklG"}}`},
		{"gif url", `{"type":"image_url","image_url":{"url":"http://example.com/a.gif"}}`,
			`{"type":"image","source":{"type":"url","url":"http://example.com/a.gif"}}`},
		{"pdf file", `{"type":"file","file":{"file_data":"data:application/pdf;base64,JVBERi0=","filename":"a.pdf"}}`,
			`{"type":"document","title":"a.pdf","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="}}`},
		{"bare base64 file is a pdf", `{"type":"file","file":{"file_data":"JVBERi0="}}`,
			`{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="}}`},
		{"text file", `{"type":"file","file":{"file_data":"data:text/plain;base64,aGVsbG8=","filename":"n.txt"}}`,
			`{"type":"document","title":"n.txt","source":{"type":"text","media_type":"text/plain","data":"hello"}}`},
		{"image as file", `{"type":"file","file":{"file_data":"data:image/png;base64,AAA"}}`,
			`{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAA"}}`},
		{"part cache_control kept", `{"type":"image_url","image_url":{"url":"https://x/y.png"},"cache_control":{"type":"ephemeral"}}`,
			`{"type":"image","source":{"type":"url","url":"https://x/y.png"},"cache_control":{"type":"ephemeral"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := o2a(t, `{"messages":[{"role":"user","content":[`+tt.part+`]}]}`, RequestOptions{})
			converttest.AssertJSON(t, "block", got.Messages[0].Content[0], tt.want)
		})
	}
	// Images in system messages are dropped (system is text only).
	got := o2a(t, `{"messages":[{"role":"system","content":[{"type":"text","text":"s"},{"type":"image_url","image_url":{"url":"data:image/bmp;base64,AA"}}]},{"role":"user","content":"hi"}]}`, RequestOptions{})
	converttest.AssertJSON(t, "system", got.System, `[{"type":"text","text":"s"}]`)
	// Images in tool results are kept.
	got = o2a(t, `{"tools":[{"type":"function","function":{"name":"shot"}}],"messages":[{"role":"user","content":"q"},
		{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"shot","arguments":""}}]},
		{"role":"tool","tool_call_id":"a","content":[{"type":"image_url","image_url":{"url":"https://x/s.png"}}]}]}`, RequestOptions{})
	converttest.AssertJSON(t, "tool result", got.Messages[2].Content[0],
		`{"type":"tool_result","tool_use_id":"a","content":[{"type":"image","source":{"type":"url","url":"https://x/s.png"}}]}`)
}

// thinkingHistory is a tool loop whose assistant turn carries the given
// thinking_blocks (JSON) and reasoning_content.
func thinkingHistory(blocks string, closed bool) string {
	tail := ""
	if closed {
		tail = `,{"role":"assistant","content":"It is sunny."},{"role":"user","content":"and tomorrow?"}`
	}
	return `{"reasoning_effort":"medium","temperature":0.5,"max_tokens":1000,"tool_choice":"required",
		"tools":[{"type":"function","function":{"name":"weather"}}],"messages":[{"role":"user","content":"weather?"},
		{"role":"assistant","content":null,"reasoning_content":"unsigned chain of thought","thinking_blocks":` + blocks + `,
		 "tool_calls":[{"id":"c1","type":"function","function":{"name":"weather","arguments":"{}"}}]},
		{"role":"tool","tool_call_id":"c1","content":"sunny"}` + tail + `]}`
}

func TestRequestOToAThinking(t *testing.T) {
	t.Run("signed tool loop keeps thinking", func(t *testing.T) {
		got := o2a(t, thinkingHistory(`[{"type":"thinking","thinking":"plan","signature":"SIG"},{"type":"thinking","thinking":"x","signature":""},{"type":"redacted_thinking","data":"ENC"}]`, false), RequestOptions{})
		converttest.AssertJSON(t, "thinking", got.Thinking, `{"type":"enabled","budget_tokens":2048}`)
		if got.MaxTokens != 3048 || got.Temperature != nil {
			t.Errorf("max_tokens %d, temperature %v; want 3048 (1000 + budget) and none", got.MaxTokens, got.Temperature)
		}
		converttest.AssertJSON(t, "tool_choice", got.ToolChoice, `{"type":"auto"}`)
		converttest.AssertJSON(t, "assistant", got.Messages[1], `{"role":"assistant","content":[
			{"type":"thinking","thinking":"plan","signature":"SIG"},
			{"type":"redacted_thinking","data":"ENC"},
			{"type":"tool_use","id":"c1","name":"weather","input":{}}]}`)
	})
	t.Run("unsigned tool loop drops thinking", func(t *testing.T) {
		got := o2a(t, thinkingHistory(`[]`, false), RequestOptions{})
		if got.Thinking != nil {
			t.Errorf("thinking = %+v, want none", got.Thinking)
		}
		// Without thinking nothing else is adjusted.
		if got.MaxTokens != 1000 || got.Temperature == nil || *got.Temperature != 0.5 {
			t.Errorf("max_tokens %d, temperature %v; want 1000 and 0.5", got.MaxTokens, got.Temperature)
		}
		converttest.AssertJSON(t, "tool_choice", got.ToolChoice, `{"type":"any"}`)
		converttest.AssertJSON(t, "assistant", got.Messages[1], `{"role":"assistant","content":[{"type":"tool_use","id":"c1","name":"weather","input":{}}]}`)
	})
	t.Run("closed loop keeps thinking without signatures", func(t *testing.T) {
		got := o2a(t, thinkingHistory(`[]`, true), RequestOptions{})
		converttest.AssertJSON(t, "thinking", got.Thinking, `{"type":"enabled","budget_tokens":2048}`)
		for _, m := range got.Messages {
			for _, b := range m.Content {
				if b.Type == "thinking" {
					t.Errorf("unexpected thinking block %+v", b)
				}
			}
		}
	})
	t.Run("thinking blocks dropped when thinking is off", func(t *testing.T) {
		body := strings.Replace(thinkingHistory(`[{"type":"thinking","thinking":"plan","signature":"SIG"}]`, false), `"reasoning_effort":"medium",`, "", 1)
		got := o2a(t, body, RequestOptions{})
		if got.Thinking != nil || got.Messages[1].Content[0].Type != "tool_use" {
			t.Errorf("thinking %+v, assistant %+v", got.Thinking, got.Messages[1].Content)
		}
	})
	t.Run("text prefill disables thinking", func(t *testing.T) {
		got := o2a(t, `{"reasoning_effort":"high","messages":[{"role":"user","content":"q"},{"role":"assistant","content":"A:"}]}`, RequestOptions{})
		if got.Thinking != nil {
			t.Errorf("thinking = %+v with a prefill", got.Thinking)
		}
	})
	t.Run("response thinking_blocks round trip", func(t *testing.T) {
		sig := "SIG"
		th := "plan"
		text := "let me look"
		resp := convert.ResponseAToO(&anthropic.Response{ID: "msg_1", Content: []anthropic.Block{
			{Type: "thinking", Thinking: &th, Signature: &sig},
			{Type: "text", Text: &text},
			{Type: "tool_use", ID: "toolu_1", Name: "weather", Input: json.RawMessage(`{"d":1}`)},
		}}, "m", 1)
		msg := resp.Choices[0].Message
		req := &openai.ChatRequest{ReasoningEffort: "low", Tools: []openai.Tool{{Type: "function", Function: openai.FunctionDef{Name: "weather"}}},
			Messages: []openai.Message{
				{Role: "user", Content: openai.TextContent("q")},
				msg,
				{Role: "tool", ToolCallID: "toolu_1", Content: openai.TextContent("ok")},
			}}
		out, err := RequestOToA(req, RequestOptions{UpstreamModel: "claude-sonnet-4-5"})
		if err != nil {
			t.Fatal(err)
		}
		if out.Thinking == nil {
			t.Fatal("thinking dropped although the turn was signed")
		}
		converttest.AssertJSON(t, "assistant", out.Messages[1], `{"role":"assistant","content":[
			{"type":"thinking","thinking":"plan","signature":"SIG"},
			{"type":"text","text":"let me look"},
			{"type":"tool_use","id":"toolu_1","name":"weather","input":{"d":1}}]}`)
	})
}

func TestRequestOToACacheBreakpoints(t *testing.T) {
	const conv = `"tools":[{"type":"function","function":{"name":"a"}},{"type":"function","function":{"name":"b"}%s}],
		"messages":[{"role":"system","content":"s1"},{"role":"system","content":"s2"%s},
		{"role":"user","content":"u1"},{"role":"assistant","content":"a1"},
		{"role":"user","content":[{"type":"text","text":"u2"%s}]},{"role":"assistant","content":"a2"},
		{"role":"user","content":[{"type":"text","text":"u3a"},{"type":"text","text":"u3b"%s}]}]`
	cc := `,"cache_control":{"type":"ephemeral"}`
	fill := func(tool, sys, u2, u3 bool) string {
		pick := func(b bool) any {
			if b {
				return cc
			}
			return ""
		}
		return "{" + fmt.Sprintf(conv, pick(tool), pick(sys), pick(u2), pick(u3)) + "}"
	}
	type marks struct{ tool, sys, u1, u2, u3 bool }
	tests := []struct {
		name   string
		body   string
		on     bool
		want   marks
		client int
	}{
		{"off keeps nothing extra", fill(false, false, false, false), false, marks{}, 0},
		{"off keeps the client's", fill(true, false, false, true), false, marks{tool: true, u3: true}, 2},
		{"on, none from client", fill(false, false, false, false), true, marks{tool: true, sys: true, u2: true, u3: true}, 0},
		{"on, client marked system and last user", fill(false, true, false, true), true, marks{tool: true, sys: true, u2: true, u3: true}, 2},
		{"on, client marked tool and previous user", fill(true, false, true, false), true, marks{tool: true, sys: true, u2: true, u3: true}, 2},
		{"on, client marked three", fill(true, true, true, false), true, marks{tool: true, sys: true, u2: true, u3: true}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := o2a(t, tt.body, RequestOptions{CacheBreakpoints: tt.on})
			has := func(b []byte) bool { return len(b) > 0 }
			m := marks{
				tool: has(got.Tools[1].CacheControl),
				sys:  has(got.System[1].CacheControl),
				u1:   has(got.Messages[0].Content[0].CacheControl),
				u2:   has(got.Messages[2].Content[0].CacheControl),
				u3:   has(got.Messages[4].Content[1].CacheControl),
			}
			if m != tt.want {
				t.Errorf("marks = %+v, want %+v", m, tt.want)
			}
			if n := countCacheControl(got); n > maxCacheBreakpoints {
				t.Errorf("%d breakpoints, max %d", n, maxCacheBreakpoints)
			}
			if has(got.Tools[0].CacheControl) || has(got.System[0].CacheControl) || has(got.Messages[4].Content[0].CacheControl) {
				t.Error("breakpoint on a block that is not last")
			}
		})
	}
	t.Run("client's four elsewhere leave no room", func(t *testing.T) {
		body := `{"messages":[{"role":"user","content":[{"type":"text","text":"a"` + cc + `},{"type":"text","text":"b"` + cc + `},{"type":"text","text":"c"` + cc + `},{"type":"text","text":"d"` + cc + `},{"type":"text","text":"e"}]}],
			"tools":[{"type":"function","function":{"name":"f"}}]}`
		got := o2a(t, body, RequestOptions{CacheBreakpoints: true})
		if n := countCacheControl(got); n != 4 {
			t.Errorf("%d breakpoints, want the client's 4", n)
		}
		if len(got.Messages[0].Content[4].CacheControl) > 0 || len(got.Tools[0].CacheControl) > 0 {
			t.Error("added a fifth breakpoint")
		}
	})
	t.Run("priority when only two are left", func(t *testing.T) {
		body := `{"tools":[{"type":"function","function":{"name":"f"},"cache_control":{"type":"ephemeral"}}],
			"messages":[{"role":"system","content":"s"},{"role":"user","content":"u1"},{"role":"assistant","content":"a1"},
			{"role":"user","content":"u2"},{"role":"assistant","content":"a2"},
			{"role":"user","content":"u3","cache_control":{"type":"ephemeral"}}]}`
		got := o2a(t, body, RequestOptions{CacheBreakpoints: true})
		// Client: tool + u3 (message-level). Added: u2, then system.
		if len(got.Messages[2].Content[0].CacheControl) == 0 || len(got.System[0].CacheControl) == 0 {
			t.Errorf("u2/system not marked: %+v", got)
		}
		if len(got.Messages[0].Content[0].CacheControl) > 0 {
			t.Error("u1 marked")
		}
		if n := countCacheControl(got); n != 4 {
			t.Errorf("%d breakpoints, want 4", n)
		}
	})
	t.Run("tool results count", func(t *testing.T) {
		body := `{"tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"q"},
			{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}}]},
			{"role":"tool","tool_call_id":"a","content":[{"type":"text","text":"r"` + cc + `}]}]}`
		got := o2a(t, body, RequestOptions{CacheBreakpoints: true})
		if n := countCacheControl(got); n != 4 {
			t.Errorf("%d breakpoints, want 4 (1 client + last user + first user + tool)", n)
		}
	})
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
