package openai

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// randChatRequest builds a request with every optional field set or not,
// strings from pool and numbers from the generator.
func randChatRequest(r *rand.Rand, pool []string) *ChatRequest {
	s := func() string { return pool[r.IntN(len(pool))] }
	maybe := func() bool { return r.IntN(2) == 0 }
	ip := func() *int {
		if maybe() {
			return nil
		}
		v := r.IntN(2000) - 10
		return &v
	}
	fp := func() *float64 {
		if maybe() {
			return nil
		}
		v := [...]float64{0, 0.7, 1, -2.5, 1e-7, 3e21, 123456789.125, r.Float64()}[r.IntN(8)]
		return &v
	}
	bp := func() *bool {
		if maybe() {
			return nil
		}
		v := maybe()
		return &v
	}
	raw := func() json.RawMessage {
		return [...]json.RawMessage{nil, json.RawMessage(`"auto"`), json.RawMessage(`{"type":"object","properties":{"a":{"type":"string"}}}`),
			json.RawMessage(` { "x" : "<&>" } `), json.RawMessage(`null`), json.RawMessage(`{}`)}[r.IntN(6)]
	}
	content := func() Content {
		switch r.IntN(4) {
		case 0:
			return Content{}
		case 1:
			return TextContent(s())
		case 2:
			return Content{Parts: []ContentPart{}}
		}
		var parts []ContentPart
		for range 1 + r.IntN(3) {
			p := ContentPart{Type: s(), Text: s(), Refusal: s(), CacheControl: raw()}
			if maybe() {
				p.ImageURL = &ImageURL{URL: s(), Detail: s()}
			}
			if maybe() {
				p.File = &File{FileData: s(), FileID: s(), Filename: s()}
			}
			parts = append(parts, p)
		}
		return Content{Parts: parts}
	}
	req := &ChatRequest{Model: s(), MaxTokens: ip(), MaxCompletionTokens: ip(), Temperature: fp(), TopP: fp(), TopK: ip(),
		Stream: maybe(), N: ip(), User: s(), ToolChoice: raw(), ParallelToolCalls: bp(), ReasoningEffort: s(), ResponseFormat: raw()}
	if maybe() {
		req.Stop = Strings{s(), s()}
	}
	if maybe() {
		req.StreamOptions = &StreamOptions{IncludeUsage: maybe()}
	}
	for range r.IntN(3) {
		req.Tools = append(req.Tools, Tool{Type: s(), Function: FunctionDef{Name: s(), Description: s(), Parameters: raw(), Strict: bp()}, CacheControl: raw()})
	}
	if n := r.IntN(4); n > 0 || maybe() {
		req.Messages = []Message{}
		for range n {
			m := Message{Role: s(), Content: content(), Name: s(), ToolCallID: s(), ReasoningContent: s(), Refusal: s(), Reasoning: s(), CacheControl: raw()}
			for range r.IntN(3) {
				m.ToolCalls = append(m.ToolCalls, ToolCall{Index: ip(), ID: s(), Type: s(), Function: FunctionCall{Name: s(), Arguments: s()}})
			}
			for range r.IntN(2) {
				m.ThinkingBlocks = append(m.ThinkingBlocks, ThinkingBlock{Type: s(), Thinking: s(), Signature: s(), Data: s()})
			}
			req.Messages = append(req.Messages, m)
		}
	}
	return req
}

var encodePool = []string{"", "", "gpt-4.1", "user", "a<b>&c \"q\" \\ \n\t\x01 é ✓ \u2028 \xff", `{"a":1}`, "call_1"}

func checkAppendChatRequest(t *testing.T, req *ChatRequest) {
	t.Helper()
	want, werr := json.Marshal(req)
	got, ok := AppendChatRequest(nil, req)
	if ok != (werr == nil) || ok && !bytes.Equal(got, want) {
		t.Fatalf("\n got %s (%v)\nwant %s (%v)", got, ok, want, werr)
	}
}

// TestAppendChatRequest: the hand encoder writes what encoding/json writes.
func TestAppendChatRequest(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		checkAppendChatRequest(t, randChatRequest(r, encodePool))
	}
	nan := math.NaN()
	checkAppendChatRequest(t, &ChatRequest{Temperature: &nan})
	checkAppendChatRequest(t, &ChatRequest{ToolChoice: json.RawMessage(`{"a":`)})
	checkAppendChatRequest(t, &ChatRequest{})
}

// FuzzAppendChatRequest: the same for requests made from any strings.
func FuzzAppendChatRequest(f *testing.F) {
	f.Add(uint64(1), "x", "<y>")
	f.Fuzz(func(t *testing.T, seed uint64, a, b string) {
		r := rand.New(rand.NewPCG(seed, seed>>7))
		checkAppendChatRequest(t, randChatRequest(r, []string{"", a, b, a + b}))
	})
}

// TestAppendUsage: AppendUsage writes json.Marshal's bytes for usages of
// every shape (details absent, zero, set; the LiteLLM extras).
func TestAppendUsage(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := func() int { return [...]int{0, 1, 7, 12345, -3, 1 << 40}[r.IntN(6)] }
	for i := 0; i < 2000; i++ {
		u := Usage{PromptTokens: n(), CompletionTokens: n(), TotalTokens: n()}
		if r.IntN(2) == 0 {
			u.PromptTokensDetails = &PromptTokensDetails{CachedTokens: n(), CacheWriteTokens: n()}
		}
		if r.IntN(2) == 0 {
			u.CompletionTokensDetails = &CompletionTokensDetails{ReasoningTokens: n()}
		}
		if r.IntN(2) == 0 {
			v := n()
			u.CacheCreationInputTokens = &v
		}
		if r.IntN(2) == 0 {
			v := n()
			u.CacheReadInputTokens = &v
		}
		want, _ := json.Marshal(&u)
		if got := AppendUsage([]byte("x"), &u); string(got) != "x"+string(want) {
			t.Fatalf("AppendUsage(%+v):\n got %s\nwant %s", u, got[1:], want)
		}
	}
}
