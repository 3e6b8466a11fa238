package protocols

import (
	"net/http/httptest"
	"strings"
	"testing"

	"switchyard/gateway/session"
)

// readKey reads a request as the handler does and derives its session key.
func readKey(t *testing.T, p *Client, path, body string, hdr ...string) (session.Key, session.Source) {
	t.Helper()
	r := httptest.NewRequest("POST", path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	in, aerr := Read(httptest.NewRecorder(), r, p)
	if aerr != nil {
		t.Fatalf("Read(%s): %s", path, aerr.Message)
	}
	return in.SessionKey()
}

// Every client protocol gets a session key: its explicit id where it has
// one, the session headers, else the hash of its system prompt and first
// user turn, which later turns of the conversation share and another
// first turn does not.
func TestSessionKeyPerProtocol(t *testing.T) {
	const gem = "/v1beta/models/gemini-2.5-pro:generateContent"
	for _, c := range []struct {
		name     string
		p        *Client
		path     string
		explicit string // a body with an explicit id
		src      session.Source
		turn1    string // first request of a conversation
		turn3    string // a later one
		other    string // another conversation (different first user turn)
	}{
		{"chat", OpenAI, "/v1/chat/completions",
			`{"model":"m","prompt_cache_key":"conv-1","user":"u","messages":[{"role":"user","content":"a"}]}`, session.PromptCacheKey,
			`{"model":"m","messages":[{"role":"system","content":"sys"},{"role":"user","content":"fix it"}]}`,
			`{"model":"m","stream":true,"messages":[{"role":"system","content":"sys"},{"role":"user","content":"fix it"},{"role":"assistant","content":"ok"},{"role":"user","content":"more"}]}`,
			`{"model":"m","messages":[{"role":"system","content":"sys"},{"role":"user","content":"other"}]}`},
		{"anthropic", Anthropic, "/v1/messages",
			`{"model":"m","max_tokens":5,"metadata":{"user_id":"user_ab_account__session_c1"},"messages":[{"role":"user","content":"a"}]}`, session.MetadataUserID,
			`{"model":"m","max_tokens":5,"system":[{"type":"text","text":"sys"}],"messages":[{"role":"user","content":"fix it"}]}`,
			`{"model":"m","max_tokens":5,"system":[{"type":"text","text":"sys"}],"messages":[{"role":"user","content":"fix it"},{"role":"assistant","content":"ok"},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"x"}]}]}`,
			`{"model":"m","max_tokens":5,"system":[{"type":"text","text":"sys"}],"messages":[{"role":"user","content":"other"}]}`},
		{"responses", Responses, "/v1/responses",
			`{"model":"m","prompt_cache_key":"019a-uuid","input":"a"}`, session.PromptCacheKey,
			`{"model":"m","instructions":"sys","input":[{"type":"message","role":"user","content":"fix it"}]}`,
			`{"model":"m","instructions":"sys","input":[{"type":"message","role":"user","content":"fix it"},{"type":"message","role":"assistant","content":"ok"},{"type":"function_call_output","call_id":"c","output":"x"}]}`,
			`{"model":"m","instructions":"sys","input":[{"type":"message","role":"user","content":"other"}]}`},
		{"gemini", Gemini, gem,
			`{"contents":[{"role":"user","parts":[{"text":"a"}]}]}`, session.Prefix, // no explicit id in the Gemini API
			`{"systemInstruction":{"parts":[{"text":"sys"}]},"contents":[{"role":"user","parts":[{"text":"fix it"}]}]}`,
			`{"systemInstruction":{"parts":[{"text":"sys"}]},"contents":[{"role":"user","parts":[{"text":"fix it"}]},{"role":"model","parts":[{"text":"ok"}]},{"role":"user","parts":[{"text":"more"}]}]}`,
			`{"systemInstruction":{"parts":[{"text":"sys"}]},"contents":[{"role":"user","parts":[{"text":"other"}]}]}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, src := readKey(t, c.p, c.path, c.explicit); src != c.src {
				t.Errorf("explicit id: source %v, want %v", src, c.src)
			}
			k1, src := readKey(t, c.p, c.path, c.turn1)
			if src != session.Prefix || k1 == 0 {
				t.Fatalf("turn 1: key %v source %v, want a prefix hash", k1, src)
			}
			if k3, _ := readKey(t, c.p, c.path, c.turn3); k3 != k1 {
				t.Error("a later turn of the conversation has another key")
			}
			if ko, _ := readKey(t, c.p, c.path, c.other); ko == k1 {
				t.Error("another first user turn has the same key")
			}
			for _, h := range []string{"session_id", "x-session-id"} {
				kh, src := readKey(t, c.p, c.path, c.turn1, h, "codex-session-1")
				if src != session.Header || kh == k1 {
					t.Errorf("%s header: source %v (key %v)", h, src, kh)
				}
			}
			// Two tools (client tokens) never share a session.
			if kt, _ := readKey(t, c.p, c.path, c.turn1, "Authorization", "Bearer tool-b"); kt == k1 {
				t.Error("another client token has the same key")
			}
		})
	}
	// And two protocols never do, for the same explicit id.
	a, _ := readKey(t, OpenAI, "/v1/chat/completions", `{"model":"m","prompt_cache_key":"p","messages":[]}`)
	b, _ := readKey(t, Responses, "/v1/responses", `{"model":"m","prompt_cache_key":"p","input":"x"}`)
	if a == b {
		t.Error("Chat and Responses requests with one prompt_cache_key share a key")
	}
}
