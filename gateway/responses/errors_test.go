package responses

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestErrorShape(t *testing.T) {
	b := AppendError(nil, 400, "", "", "bad input", "input[3].type")
	var e struct {
		Error struct{ Type, Code, Message, Param string }
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	if e.Error.Type != "invalid_request_error" || e.Error.Param != "input[3].type" || e.Error.Message != "bad input" || e.Error.Code == "" {
		t.Fatalf("%s", b)
	}
	d, ok := ParseError([]byte(`{"error":{"type":"server_error","code":"boom","message":"it broke"}}`))
	if !ok || d.Code != "boom" || d.Message != "it broke" {
		t.Fatalf("%+v %v", d, ok)
	}
	if _, ok := ParseError([]byte(`not json`)); ok {
		t.Fatal("parsed garbage")
	}
}

// TestIDs: fixed ids are deterministic, random ones have the shape and
// do not repeat.
func TestIDs(t *testing.T) {
	a, b := NewIDs("resp_x"), NewIDs("resp_x")
	if a.Response != "resp_x" || a.Next("msg_") != b.Next("msg_") {
		t.Fatal("fixed ids are not deterministic")
	}
	seen := map[string]bool{}
	for range 1000 {
		g := NewIDs("")
		for _, id := range []string{g.Response, g.Next("fc_")} {
			if len(id) < 27 || seen[id] {
				t.Fatalf("id %q (repeated: %v)", id, seen[id])
			}
			for _, c := range id[len(id)-24:] {
				if !strings.ContainsRune(base62, c) {
					t.Fatalf("id %q", id)
				}
			}
			seen[id] = true
		}
	}
}
