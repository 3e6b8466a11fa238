package anthropicreq

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/convert"
	"switchyard/gateway/openai"
)

// addVectorSeeds adds the "input" of every golden vector of the
// conversion spec (package convert's testdata/vectors) as a fuzz seed:
// the Chat requests of the o2a-request vectors and, decoded as requests,
// the other kinds' inputs too.
func addVectorSeeds(f *testing.F) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("..", "testdata", "vectors", "*.in.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no vectors: %v", err)
	}
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		var in struct {
			Input json.RawMessage `json:"input"`
		}
		if err := json.Unmarshal(raw, &in); err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(in.Input))
	}
}

// FuzzRequestOToA: any body that decodes converts without panicking, to a
// request that marshals, or to an *Error.
func FuzzRequestOToA(f *testing.F) {
	addVectorSeeds(f)
	f.Add([]byte(`{"messages":[{"role":"tool","content":[{"type":"image_url"}]},{"role":"assistant","tool_calls":[{}],"thinking_blocks":[{"type":"thinking","signature":"s"}]}],"reasoning_effort":"low","max_tokens":-5}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var req openai.ChatRequest
		if json.Unmarshal(body, &req) != nil {
			return
		}
		for _, cache := range []bool{false, true} {
			out, err := RequestOToA(&req, RequestOptions{UpstreamModel: "claude-sonnet-4-5", CacheBreakpoints: cache})
			if err != nil {
				var ce *Error
				if !errors.As(err, &ce) || out != nil {
					t.Fatalf("err %v (%T), out %v", err, err, out)
				}
				continue
			}
			if _, err := json.Marshal(out); err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if cache && countCacheControl(out) > maxCacheBreakpoints && countCacheControlOpenAI(&req) <= maxCacheBreakpoints {
				t.Fatalf("%d cache breakpoints", countCacheControl(out))
			}
			checkAnthropicSequence(t, out)
		}
	})
}

// countCacheControlOpenAI counts the client's own cache_control marks.
func countCacheControlOpenAI(req *openai.ChatRequest) int {
	n := 0
	for _, t := range req.Tools {
		if len(t.CacheControl) > 0 {
			n++
		}
	}
	for _, m := range req.Messages {
		if len(m.CacheControl) > 0 {
			n++
		}
		for _, p := range m.Content.Parts {
			if len(p.CacheControl) > 0 {
				n++
			}
		}
	}
	return n
}

// checkAnthropicSequence asserts the §1.3 guarantees of an O->A request:
// starts with user, roles alternate, no empty message or text block, every
// tool_use is answered by the next message, tool_result only answers the
// previous message's calls.
func checkAnthropicSequence(t *testing.T, req *anthropic.MessagesRequest) {
	t.Helper()
	if len(req.Messages) == 0 || req.Messages[0].Role != "user" {
		t.Fatalf("first message %+v", req.Messages)
	}
	if req.MaxTokens <= 0 {
		t.Fatalf("max_tokens %d", req.MaxTokens)
	}
	if req.Thinking != nil && req.Thinking.BudgetTokens >= req.MaxTokens {
		t.Fatalf("budget %d >= max_tokens %d", req.Thinking.BudgetTokens, req.MaxTokens)
	}
	var calls map[string]bool
	for i, m := range req.Messages {
		if len(m.Content) == 0 {
			t.Fatalf("message %d empty", i)
		}
		if i > 0 && m.Role == req.Messages[i-1].Role {
			t.Fatalf("message %d repeats role %s", i, m.Role)
		}
		answered := map[string]bool{}
		next := map[string]bool{}
		for _, b := range m.Content {
			switch b.Type {
			case "text":
				if b.Text == nil || *b.Text == "" {
					t.Fatalf("message %d has an empty text block", i)
				}
			case "tool_use":
				if m.Role != "assistant" || convert.SanitizeToolID(b.ID) != b.ID || b.ID == "" {
					t.Fatalf("message %d: bad tool_use %+v", i, b)
				}
				next[b.ID] = true
			case "tool_result":
				if m.Role != "user" || !calls[b.ToolUseID] {
					t.Fatalf("message %d: tool_result %q answers no call of the previous turn", i, b.ToolUseID)
				}
				answered[b.ToolUseID] = true
			}
		}
		for id := range calls {
			if !answered[id] {
				t.Fatalf("message %d: call %q unanswered", i, id)
			}
		}
		calls = next
	}
	if len(req.Tools) == 0 && hasToolBlocks(req.Messages) {
		t.Fatal("tool blocks without tools")
	}
}
