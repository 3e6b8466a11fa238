package responses

import (
	"encoding/json"
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
