package convert

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/convert/converttest"
	"switchyard/gateway/openai"
)

// a2o decodes an Anthropic request body and converts it.
func a2o(t *testing.T, body, model string) (*openai.ChatRequest, ToolNames) {
	t.Helper()
	var req anthropic.MessagesRequest
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatalf("decode: %v", err)
	}
	out, names, err := RequestAToO(&req, RequestOptions{UpstreamModel: model})
	if err != nil {
		t.Fatalf("RequestAToO: %v", err)
	}
	return out, names
}

func TestRequestAToOFields(t *testing.T) {
	tests := []struct {
		name, model, body, want string
	}{
		{"system string", "gpt-4o", `{"system":"be brief","messages":[{"role":"user","content":"hi"}]}`,
			`{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]}`},
		{"empty system dropped", "gpt-4o", `{"system":[{"type":"text","text":""}],"messages":[{"role":"user","content":"hi"}]}`,
			`{"messages":[{"role":"user","content":"hi"}]}`},
		{"several texts joined", "gpt-4o", `{"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":""},{"type":"text","text":"b","cache_control":{"type":"ephemeral"}}]}]}`,
			`{"messages":[{"role":"user","content":"a\n\nb"}]}`},
		{"assistant texts concatenated, thinking dropped", "gpt-4o", `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"s"},{"type":"redacted_thinking","data":"x"},{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}`,
			`{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"ab"}]}`},
		{"thinking-only assistant dropped", "gpt-4o", `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"s"}]}]}`,
			`{"messages":[{"role":"user","content":"q"}]}`},
		{"image url and document", "gpt-4o", `{"messages":[{"role":"user","content":[
			{"type":"image","source":{"type":"url","url":"https://x/a.png"}},
			{"type":"document","title":"r.pdf","source":{"type":"base64","media_type":"application/pdf","data":"JVBE"}},
			{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBF"}},
			{"type":"document","source":{"type":"text","media_type":"text/plain","data":"plain doc"}},
			{"type":"document","source":{"type":"url","url":"https://x/d.pdf"}},
			{"type":"text","text":"summarize"}]}]}`,
			`{"messages":[{"role":"user","content":[
			{"type":"image_url","image_url":{"url":"https://x/a.png"}},
			{"type":"file","file":{"file_data":"data:application/pdf;base64,JVBE","filename":"r.pdf"}},
			{"type":"file","file":{"file_data":"data:application/pdf;base64,JVBF","filename":"document.pdf"}},
			{"type":"text","text":"plain doc"},
			{"type":"text","text":"Document: https://x/d.pdf"},
			{"type":"text","text":"summarize"}]}]}`},
		{"tool_choice auto/any/none", "gpt-4o", `{"tools":[{"name":"f","input_schema":{"type":"object","properties":{}}}],"tool_choice":{"type":"any"},"messages":[{"role":"user","content":"hi"}]}`,
			`{"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{}}}}],"tool_choice":"required","messages":[{"role":"user","content":"hi"}]}`},
		{"tool_choice none", "gpt-4o", `{"tools":[{"name":"f"}],"tool_choice":{"type":"none"},"messages":[{"role":"user","content":"hi"}]}`,
			`{"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{}}}}],"tool_choice":"none","messages":[{"role":"user","content":"hi"}]}`},
		{"auto with disable parallel", "gpt-4o", `{"tools":[{"name":"f","input_schema":{"type":"object","properties":{}}}],"tool_choice":{"type":"auto","disable_parallel_tool_use":true},"messages":[{"role":"user","content":"hi"}]}`,
			`{"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{}}}}],"tool_choice":"auto","parallel_tool_calls":false,"messages":[{"role":"user","content":"hi"}]}`},
		{"server tools dropped, with their tool_choice", "gpt-4o", `{"tools":[{"type":"web_search_20250305","name":"web_search","max_uses":5},{"type":"bash_20250124","name":"bash"}],"tool_choice":{"type":"auto","disable_parallel_tool_use":true},"messages":[{"role":"user","content":"hi"}]}`,
			`{"messages":[{"role":"user","content":"hi"}]}`},
		{"custom type tool kept, cache_control dropped", "gpt-4o", `{"tools":[{"type":"custom","name":"f","description":"d","input_schema":{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]},"cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"hi"}]}`,
			`{"tools":[{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}}}],"messages":[{"role":"user","content":"hi"}]}`},
		{"sampling passed, top_k dropped", "gpt-4o", `{"temperature":0.3,"top_p":0.8,"top_k":4,"messages":[{"role":"user","content":"hi"}]}`,
			`{"temperature":0.3,"top_p":0.8,"messages":[{"role":"user","content":"hi"}]}`},
		{"thinking ignored for non-reasoning model", "gpt-4o", `{"thinking":{"type":"enabled","budget_tokens":10000},"messages":[{"role":"user","content":"hi"}]}`,
			`{"messages":[{"role":"user","content":"hi"}]}`},
		{"o3 high", "o3-mini", `{"max_tokens":100,"thinking":{"type":"enabled","budget_tokens":10000},"messages":[{"role":"user","content":"hi"}]}`,
			`{"max_completion_tokens":100,"reasoning_effort":"high","messages":[{"role":"user","content":"hi"}]}`},
		{"o4 low", "openai/o4-mini", `{"thinking":{"type":"enabled","budget_tokens":1024},"messages":[{"role":"user","content":"hi"}]}`,
			`{"reasoning_effort":"low","messages":[{"role":"user","content":"hi"}]}`},
		{"gpt-5 minimal", "gpt-5-mini", `{"thinking":{"type":"enabled","budget_tokens":500},"messages":[{"role":"user","content":"hi"}]}`,
			`{"reasoning_effort":"minimal","messages":[{"role":"user","content":"hi"}]}`},
		{"adaptive with effort", "gpt-5", `{"thinking":{"type":"adaptive"},"output_config":{"effort":"low"},"messages":[{"role":"user","content":"hi"}]}`,
			`{"reasoning_effort":"low","messages":[{"role":"user","content":"hi"}]}`},
		{"adaptive default", "gpt-5", `{"thinking":{"type":"adaptive"},"messages":[{"role":"user","content":"hi"}]}`,
			`{"reasoning_effort":"medium","messages":[{"role":"user","content":"hi"}]}`},
		{"disabled", "gpt-5", `{"thinking":{"type":"disabled"},"messages":[{"role":"user","content":"hi"}]}`,
			`{"messages":[{"role":"user","content":"hi"}]}`},
		{"tool_result is_error, empty and nested text", "gpt-4o", `{"messages":[{"role":"user","content":"q"},
			{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{}},{"type":"tool_use","id":"t2","name":"f"},{"type":"tool_use","id":"t3","name":"f","input":{"a":[1, 2]}}]},
			{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","is_error":true,"content":"boom"},{"type":"tool_result","tool_use_id":"t2"},
			  {"type":"tool_result","tool_use_id":"t3","content":[{"type":"text","text":"x"},{"type":"text","text":"y"}]}]}]}`,
			`{"messages":[{"role":"user","content":"q"},
			{"role":"assistant","content":null,"tool_calls":[{"id":"t1","type":"function","function":{"name":"f","arguments":"{}"}},{"id":"t2","type":"function","function":{"name":"f","arguments":"{}"}},{"id":"t3","type":"function","function":{"name":"f","arguments":"{\"a\":[1,2]}"}}]},
			{"role":"tool","tool_call_id":"t1","content":"boom"},{"role":"tool","tool_call_id":"t2","content":""},{"role":"tool","tool_call_id":"t3","content":"x\n\ny"}]}`},
		{"missing and orphan tool results", "gpt-4o", `{"messages":[{"role":"user","content":"q"},
			{"role":"assistant","content":[{"type":"text","text":"run"},{"type":"tool_use","id":"t1","name":"f","input":{}}]},
			{"role":"user","content":"never mind"},
			{"role":"assistant","content":"ok"},
			{"role":"user","content":[{"type":"tool_result","tool_use_id":"t9","content":"late"},{"type":"text","text":"next"}]}]}`,
			`{"messages":[{"role":"user","content":"q"},
			{"role":"assistant","content":"run","tool_calls":[{"id":"t1","type":"function","function":{"name":"f","arguments":"{}"}}]},
			{"role":"tool","tool_call_id":"t1","content":"no result was provided for this tool call"},
			{"role":"user","content":"never mind"},
			{"role":"assistant","content":"ok"},
			{"role":"user","content":"late"},
			{"role":"user","content":"next"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := a2o(t, tt.body, tt.model)
			var want map[string]any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			want["model"] = tt.model
			wb, _ := json.Marshal(want)
			converttest.AssertJSON(t, "request", got, string(wb))
		})
	}
}

func TestToolNameRenameAndRestore(t *testing.T) {
	long := strings.Repeat("a", 64)
	tests := []struct {
		name    string
		renamed bool
	}{
		{"Bash", false},
		{"mcp__server__tool-1", false},
		{long, false},
		{long + "b", true},
		{"my.tool", true},
		{"tool with spaces", true},
		{"ツール", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names := ToolNames{}
			up := names.Upstream(tt.name)
			if again := (ToolNames{}).Upstream(tt.name); again != up {
				t.Errorf("not deterministic: %q then %q", up, again)
			}
			if (up != tt.name) != tt.renamed {
				t.Fatalf("upstream(%q) = %q, renamed = %v", tt.name, up, up != tt.name)
			}
			if len(up) > 64 || SanitizeToolID(up) != up {
				t.Errorf("upstream name %q is not a valid OpenAI name", up)
			}
			if tt.renamed {
				if len(names) != 1 || names[up] != tt.name {
					t.Errorf("reverse map %v", names)
				}
				want := SanitizeToolID(tt.name)
				want = want[:min(len(want), 55)] + "_" + sha256Hex(tt.name)[:8]
				if up != want {
					t.Errorf("upstream(%q) = %q, want %q", tt.name, up, want)
				}
			} else if len(names) != 0 {
				t.Errorf("reverse map %v for an unchanged name", names)
			}
			if got := names.Client(up); got != tt.name {
				t.Errorf("Client(%q) = %q, want %q", up, got, tt.name)
			}
		})
	}
	// Full loop: request rename, response restore.
	body := `{"tools":[{"name":"my.tool","input_schema":{"type":"object","properties":{}}}],"messages":[{"role":"user","content":"go"}]}`
	req, names := a2o(t, body, "gpt-4o")
	up := req.Tools[0].Function.Name
	resp := ResponseOToA(&openai.ChatResponse{ID: "x", Choices: []openai.Choice{{Message: openai.Message{Role: "assistant",
		ToolCalls: []openai.ToolCall{{ID: "c", Type: "function", Function: openai.FunctionCall{Name: up, Arguments: "{}"}}}}}}}, "m", names)
	if resp.Content[0].Name != "my.tool" {
		t.Errorf("restored name %q", resp.Content[0].Name)
	}
	// Without renames the map is nil.
	if _, names := a2o(t, `{"tools":[{"name":"ok"}],"messages":[{"role":"user","content":"go"}]}`, "gpt-4o"); names != nil {
		t.Errorf("names = %v, want nil", names)
	}
}

func TestRequestAToOUnknownFieldsTolerated(t *testing.T) {
	body := `{"model":"claude","max_tokens":10,"messages":[{"role":"user","content":[{"type":"text","text":"hi","citations":null,"zzz":1},
		{"type":"search_result","source":"x","title":"t","content":[]},{"type":"container_upload","file_id":"f"}]}],
		"betas":["x"],"thinking":{"type":"enabled","budget_tokens":2000,"display":"summarized"},"stream":false}`
	got, _ := a2o(t, body, "qwen3")
	converttest.AssertJSON(t, "request", got, `{"model":"qwen3","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
