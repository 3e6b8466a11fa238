package doc

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// Obj is an object whose keys keep the order they are written in: what
// connect adds to a file appears in this order.
type Obj []Field

// Field is one key and value of an Obj. It is an unnamed struct type so
// that Obj literals can be written {{"key", value}} in other packages.
type Field = struct {
	K string
	V any
}

// Plain turns a value connect writes (Obj, []any, []string, string, bool)
// into the shape a decoded file has: map[string]any, []any, string, bool.
func Plain(v any) any {
	switch x := v.(type) {
	case Obj:
		m := make(map[string]any, len(x))
		for _, f := range x {
			m[f.K] = Plain(f.V)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Plain(e)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	}
	return v
}

// Equal compares two decoded values. Numbers compare by value whatever
// their Go type (json.Number, int64, float64, int); everything else must
// be deeply equal.
func Equal(a, b any) bool {
	if fa, ok := number(a); ok {
		fb, ok := number(b)
		return ok && fa == fb
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !Equal(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, !math.IsNaN(x)
	}
	return 0, false
}

// Lookup walks path through nested maps. ok is false when a key is
// missing; err names the first step that is not an object.
func Lookup(root any, path []string) (v any, ok bool, err error) {
	cur := root
	for i, k := range path {
		m, isMap := cur.(map[string]any)
		if !isMap {
			return nil, false, fmt.Errorf("%s is %s, not an object", ShowPath(path[:i]), KindOf(cur))
		}
		next, has := m[k]
		if !has {
			return nil, false, nil
		}
		cur = next
	}
	return cur, true, nil
}

// WithSet returns a copy of root with path set to v (plain), creating
// missing objects: what a correct text edit must decode to.
func WithSet(root map[string]any, path []string, v any) map[string]any {
	out := Shallow(root)
	cur := out
	for _, k := range path[:len(path)-1] {
		next, _ := cur[k].(map[string]any)
		next = Shallow(next)
		cur[k] = next
		cur = next
	}
	cur[path[len(path)-1]] = v
	return out
}

// WithDeleted returns a copy of root without path.
func WithDeleted(root map[string]any, path []string) map[string]any {
	out := Shallow(root)
	cur := out
	for _, k := range path[:len(path)-1] {
		next, ok := cur[k].(map[string]any)
		if !ok {
			return out
		}
		next = Shallow(next)
		cur[k] = next
		cur = next
	}
	delete(cur, path[len(path)-1])
	return out
}

func Shallow(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// IsEmpty reports whether a container holds nothing (an empty object or
// array, or a YAML key with no value).
func IsEmpty(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	case nil:
		return true
	}
	return false
}

func KindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case nil:
		return "empty (null)"
	}
	if _, ok := number(v); ok {
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}

// ShowPath renders a key path for messages: env.ANTHROPIC_BASE_URL;
// the top level is "the top level".
func ShowPath(path []string) string {
	if len(path) == 0 {
		return "the top level"
	}
	parts := make([]string, len(path))
	for i, k := range path {
		if k == "" || strings.ContainsAny(k, ". \"'[]") {
			parts[i] = strconv.Quote(k)
		} else {
			parts[i] = k
		}
	}
	return strings.Join(parts, ".")
}

// ShowValue renders a value for messages, short.
func ShowValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 80 {
		s = s[:77] + "…"
	}
	return s
}

//END
