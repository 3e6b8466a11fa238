package gemini

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// randResponse builds a response with every optional field set or not,
// strings from a pool that holds what encoding/json escapes.
func randResponse(r *rand.Rand) *GenerateContentResponse {
	pool := []string{"", "a", "Hello, world", "<b>&amp;</b>", "caf\u00e9 \U0001F600", "line\nbreak\t\"q\"\\", "\u2028\u2029", "\x00\x1f", "\xff\xfe bad utf-8"}
	raws := []string{"", `{}`, `{"a":1}`, ` { "b" : [1, 2, {"c":null}] } `, `"<x>"`, `[]`, `null`, `{"s":"\u2028&"}`, `1.5e3`}
	s := func() string { return pool[r.IntN(len(pool))] }
	raw := func() json.RawMessage {
		v := raws[r.IntN(len(raws))]
		if v == "" {
			return nil
		}
		return json.RawMessage(v)
	}
	n := func() int { return [...]int{0, 1, 42, -1, 1 << 33}[r.IntN(5)] }
	part := func() Part {
		var p Part
		switch r.IntN(6) {
		case 0:
			t := s()
			p.Text = &t
			p.Thought = r.IntN(2) == 0
		case 1:
			p.InlineData = &Blob{MimeType: s(), Data: s()}
		case 2:
			p.FileData = &FileData{MimeType: s(), FileURI: s()}
		case 3:
			p.FunctionCall = &FunctionCall{ID: s(), Name: s(), Args: raw()}
		case 4:
			p.FunctionResponse = &FunctionResponse{ID: s(), Name: s(), Response: raw()}
		case 5:
			p.ExecutableCode, p.CodeExecutionResult = raw(), raw()
		}
		p.ThoughtSignature = s()
		return p
	}
	resp := &GenerateContentResponse{ModelVersion: s(), ResponseID: s()}
	for range r.IntN(3) {
		c := Candidate{FinishReason: s(), FinishMessage: s(), Index: n(), SafetyRatings: raw()}
		if r.IntN(4) > 0 {
			c.Content = &Content{Role: s()}
			if r.IntN(5) > 0 {
				c.Content.Parts = []Part{}
				for range r.IntN(4) {
					c.Content.Parts = append(c.Content.Parts, part())
				}
			}
		}
		resp.Candidates = append(resp.Candidates, c)
	}
	if r.IntN(3) == 0 {
		resp.Candidates = []Candidate{} // empty, not nil: omitted all the same
	}
	if r.IntN(3) == 0 {
		resp.PromptFeedback = &PromptFeedback{BlockReason: s()}
	}
	if r.IntN(2) == 0 {
		resp.UsageMetadata = &UsageMetadata{PromptTokenCount: n(), CandidatesTokenCount: n(), CachedContentTokenCount: n(),
			ThoughtsTokenCount: n(), ToolUsePromptTokenCount: n(), TotalTokenCount: n()}
	}
	return resp
}

// TestAppendResponseMatchesMarshal: AppendResponse writes json.Marshal's
// bytes, and fails where Marshal fails (an invalid raw value).
func TestAppendResponseMatchesMarshal(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		resp := randResponse(r)
		want, werr := json.Marshal(resp)
		got, ok := AppendResponse([]byte("x"), resp)
		if ok != (werr == nil) {
			t.Fatalf("%+v: ok %v, Marshal error %v", resp, ok, werr)
		}
		if ok && string(got) != "x"+string(want) {
			t.Fatalf("AppendResponse:\n got %s\nwant %s", got[1:], want)
		}
	}
	bad := &GenerateContentResponse{Candidates: []Candidate{{SafetyRatings: json.RawMessage(`{"a":`)}}}
	if _, ok := AppendResponse(nil, bad); ok {
		t.Error("an invalid raw value was written")
	}
}
