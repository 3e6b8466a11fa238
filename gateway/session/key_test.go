package session

import (
	"strings"
	"testing"

	"switchyard/gateway/jscan"
)

// scanSpans reads a body's top level as the routing reader does
// (passthrough.ScanFields, which protocols' tests cover end to end).
func scanSpans(b []byte) Spans {
	var sp Spans
	var s jscan.Scanner
	s.Reset(b)
	s.Object()
	for first := true; ; {
		key, _, more := s.Member(&first)
		if !more {
			break
		}
		switch string(key) {
		case "prompt_cache_key":
			sp.ScanExplicit(&s, PromptCacheKey)
		case "user":
			sp.ScanExplicit(&s, User)
		case "metadata":
			sp.ScanMetadata(&s)
		case "system", "instructions", "systemInstruction":
			sp.ScanSystem(&s)
		case "messages", "input", "contents":
			sp.ScanTurns(&s)
		default:
			s.Skip()
		}
	}
	if !s.Done() {
		panic("bad JSON in test: " + string(b))
	}
	return sp
}

func derive(ns uint64, header, body string) (Key, Source) {
	sp := scanSpans([]byte(body))
	return Derive(ns, header, []byte(body), &sp)
}

func TestDeriveSources(t *testing.T) {
	ns := Namespace("OpenAI Chat", "", "m")
	for _, c := range []struct {
		name, header, body string
		want               Source
	}{
		{"header wins", "sess-1", `{"prompt_cache_key":"pk","messages":[{"role":"user","content":"hi"}]}`, Header},
		{"prompt_cache_key over user", "", `{"user":"u1","prompt_cache_key":"pk","messages":[{"role":"user","content":"hi"}]}`, PromptCacheKey},
		{"metadata.user_id", "", `{"metadata":{"other":1,"user_id":"user_x_session_y"},"messages":[{"role":"user","content":"hi"}]}`, MetadataUserID},
		{"user", "", `{"user":"u1","messages":[{"role":"user","content":"hi"}]}`, User},
		{"prefix", "", `{"system":"be brief","messages":[{"role":"user","content":"hi"}]}`, Prefix},
		{"responses string input", "", `{"instructions":"x","input":"hi"}`, Prefix},
		{"no user turn", "", `{"messages":[{"role":"system","content":"x"}]}`, None},
		{"non-string id ignored", "", `{"user":7,"messages":[{"role":"user","content":"hi"}]}`, Prefix},
	} {
		k, src := derive(ns, c.header, c.body)
		if src != c.want || (src == None) != (k == 0) {
			t.Errorf("%s: key %v source %v, want source %v", c.name, k, src, c.want)
		}
	}
}

func TestDerivePrefixFollowsTheConversation(t *testing.T) {
	ns := Namespace("OpenAI Chat", "", "m")
	turn1 := `{"model":"m","messages":[{"role":"system","content":"you code"},{"role":"user","content":"fix the bug"}]}`
	turn2 := `{"model":"m","stream":true,"messages":[{"role":"system","content":"you code"},{"role":"user","content":"fix the bug"},{"role":"assistant","content":"done"},{"role":"user","content":"thanks"}]}`
	other := `{"model":"m","messages":[{"role":"system","content":"you code"},{"role":"user","content":"write a test"}]}`
	k1, _ := derive(ns, "", turn1)
	k2, _ := derive(ns, "", turn2)
	k3, _ := derive(ns, "", other)
	if k1 != k2 {
		t.Error("two turns of one conversation have different keys")
	}
	if k1 == k3 {
		t.Error("a different first user turn has the same key")
	}
	// The system prompt counts too.
	k4, _ := derive(ns, "", `{"system":"other","messages":[{"role":"user","content":"fix the bug"}]}`)
	k5, _ := derive(ns, "", `{"system":"you code","messages":[{"role":"user","content":"fix the bug"}]}`)
	if k4 == k5 {
		t.Error("a different system prompt has the same key")
	}
	// Namespaces keep tools and models apart.
	for _, other := range []uint64{Namespace("OpenAI Chat", "Bearer other", "m"), Namespace("Anthropic Messages", "", "m"), Namespace("OpenAI Chat", "", "m2")} {
		if k, _ := derive(other, "", turn1); k == k1 {
			t.Error("the same conversation under another namespace has the same key")
		}
	}
	// The same explicit id in two sources is two keys.
	a, _ := derive(ns, "", `{"user":"x","messages":[]}`)
	b, _ := derive(ns, "", `{"prompt_cache_key":"x","messages":[]}`)
	if a == b || a == 0 {
		t.Errorf("user and prompt_cache_key \"x\": keys %v and %v", a, b)
	}
}

func TestKeyString(t *testing.T) {
	if got := Key(0xabc).String(); got != "0000000000000abc" {
		t.Fatalf("Key.String = %q", got)
	}
}

// A long system prompt is sampled: its length and both ends count.
func TestDeriveSamplesLongPrompts(t *testing.T) {
	ns := Namespace("Anthropic Messages", "", "m")
	long := func(mid, end string) string {
		return `{"system":"` + strings.Repeat("a", 3000) + mid + strings.Repeat("b", 3000) + end + `","messages":[{"role":"user","content":"hi"}]}`
	}
	base, _ := derive(ns, "", long("x", "."))
	if k, _ := derive(ns, "", long("y", ".")); k != base {
		t.Error("a change in the unsampled middle changed the key")
	}
	if k, _ := derive(ns, "", long("x", "!")); k == base {
		t.Error("a change at the end kept the key")
	}
	if k, _ := derive(ns, "", long("xy", ".")); k == base {
		t.Error("a change of length kept the key")
	}
}
