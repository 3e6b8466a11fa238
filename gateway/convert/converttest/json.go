package converttest

import (
	"encoding/json"
	"reflect"
	"testing"
)

// JSONOf marshals v and parses it back into any, for semantic comparison.
func JSONOf(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// AssertJSON reports an error unless got, marshaled, is the same JSON
// value as want (key order and spacing aside).
func AssertJSON(t testing.TB, what string, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %s: %v", what, err)
	}
	if g := JSONOf(t, got); !reflect.DeepEqual(g, w) {
		gb, _ := json.Marshal(got)
		t.Errorf("%s:\n got %s\nwant %s", what, gb, want)
	}
}
