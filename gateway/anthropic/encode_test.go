package anthropic

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// randMessagesRequest builds a request with every optional field set or
// not, strings from pool.
func randMessagesRequest(r *rand.Rand, pool []string) *MessagesRequest {
	s := func() string { return pool[r.IntN(len(pool))] }
	maybe := func() bool { return r.IntN(2) == 0 }
	sp := func() *string {
		if maybe() {
			return nil
		}
		v := s()
		return &v
	}
	raw := func() json.RawMessage {
		return [...]json.RawMessage{nil, json.RawMessage(`{"type":"ephemeral"}`), json.RawMessage(`{"type":"object","properties":{}}`),
			json.RawMessage(` { "x" : "<&>" } `), json.RawMessage(`null`)}[r.IntN(5)]
	}
	var blocks func(depth int) []Block
	blocks = func(depth int) []Block {
		if r.IntN(5) == 0 {
			return nil
		}
		out := []Block{}
		for range r.IntN(3) {
			b := Block{Type: s(), Text: sp(), Thinking: sp(), Signature: sp(), Data: s(), Title: s(), ID: s(), Name: s(),
				Input: raw(), ToolUseID: s(), IsError: maybe(), CacheControl: raw()}
			if maybe() {
				b.Source = &Source{Type: s(), MediaType: s(), Data: s(), URL: s()}
			}
			if depth < 2 && maybe() {
				c := Content(blocks(depth + 1))
				b.Content = &c
			}
			out = append(out, b)
		}
		return out
	}
	req := &MessagesRequest{Model: s(), MaxTokens: r.IntN(5000), System: blocks(1), Stream: maybe(), OutputConfig: raw()}
	if maybe() {
		req.Messages = []Message{}
		for range r.IntN(3) {
			req.Messages = append(req.Messages, Message{Role: s(), Content: blocks(0)})
		}
	}
	if maybe() {
		req.Metadata = &Metadata{UserID: s()}
	}
	if maybe() {
		req.StopSequences = []string{s(), s()}
	}
	if maybe() {
		v := [...]float64{0, 0.7, 1, 1e-7, 2e21, r.Float64()}[r.IntN(6)]
		req.Temperature = &v
	}
	if maybe() {
		v := r.Float64()
		req.TopP = &v
	}
	if maybe() {
		v := r.IntN(100)
		req.TopK = &v
	}
	for range r.IntN(3) {
		req.Tools = append(req.Tools, Tool{Type: s(), Name: s(), Description: s(), InputSchema: raw(), CacheControl: raw()})
	}
	if maybe() {
		req.ToolChoice = &ToolChoice{Type: s(), Name: s(), DisableParallelToolUse: maybe()}
	}
	if maybe() {
		req.Thinking = &Thinking{Type: s(), BudgetTokens: r.IntN(3) * 1024}
	}
	return req
}

var encodePool = []string{"", "", "claude-x", "user", "a<b>&c \"q\" \\ \n\t\x01 é ✓ \u2028 \xff", `{"a":1}`}

func checkAppendMessagesRequest(t *testing.T, req *MessagesRequest) {
	t.Helper()
	want, werr := json.Marshal(req)
	got, ok := AppendMessagesRequest(nil, req)
	if ok != (werr == nil) || ok && !bytes.Equal(got, want) {
		t.Fatalf("\n got %s (%v)\nwant %s (%v)", got, ok, want, werr)
	}
}

// TestAppendMessagesRequest: the hand encoder writes what encoding/json
// writes.
func TestAppendMessagesRequest(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		checkAppendMessagesRequest(t, randMessagesRequest(r, encodePool))
	}
	inf := math.Inf(1)
	checkAppendMessagesRequest(t, &MessagesRequest{TopP: &inf})
	checkAppendMessagesRequest(t, &MessagesRequest{OutputConfig: json.RawMessage(`{`)})
	checkAppendMessagesRequest(t, &MessagesRequest{})
}

// FuzzAppendMessagesRequest: the same for requests made from any strings.
func FuzzAppendMessagesRequest(f *testing.F) {
	f.Add(uint64(1), "x", "<y>")
	f.Fuzz(func(t *testing.T, seed uint64, a, b string) {
		r := rand.New(rand.NewPCG(seed, seed>>7))
		checkAppendMessagesRequest(t, randMessagesRequest(r, []string{"", a, b, a + b}))
	})
}
