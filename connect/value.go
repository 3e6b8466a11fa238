package connect

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// obj is an object whose keys keep the order they are written in: what
// connect adds to a file appears in this order.
type obj []field

type field struct {
	k string
	v any
}

// plain turns a value connect writes (obj, []any, []string, string, bool)
// into the shape a decoded file has: map[string]any, []any, string, bool.
func plain(v any) any {
	switch x := v.(type) {
	case obj:
		m := make(map[string]any, len(x))
		for _, f := range x {
			m[f.k] = plain(f.v)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
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

// equal compares two decoded values. Numbers compare by value whatever
// their Go type (json.Number, int64, float64, int); everything else must
// be deeply equal.
func equal(a, b any) bool {
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
			if !ok || !equal(v, w) {
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
			if !equal(x[i], y[i]) {
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

// lookup walks path through nested maps. ok is false when a key is
// missing; err names the first step that is not an object.
func lookup(root any, path []string) (v any, ok bool, err error) {
	cur := root
	for i, k := range path {
		m, isMap := cur.(map[string]any)
		if !isMap {
			return nil, false, fmt.Errorf("%s is %s, not an object", showPath(path[:i]), kindOf(cur))
		}
		next, has := m[k]
		if !has {
			return nil, false, nil
		}
		cur = next
	}
	return cur, true, nil
}

// withSet returns a copy of root with path set to v (plain), creating
// missing objects: what a correct text edit must decode to.
func withSet(root map[string]any, path []string, v any) map[string]any {
	out := shallow(root)
	cur := out
	for _, k := range path[:len(path)-1] {
		next, _ := cur[k].(map[string]any)
		next = shallow(next)
		cur[k] = next
		cur = next
	}
	cur[path[len(path)-1]] = v
	return out
}

// withDeleted returns a copy of root without path.
func withDeleted(root map[string]any, path []string) map[string]any {
	out := shallow(root)
	cur := out
	for _, k := range path[:len(path)-1] {
		next, ok := cur[k].(map[string]any)
		if !ok {
			return out
		}
		next = shallow(next)
		cur[k] = next
		cur = next
	}
	delete(cur, path[len(path)-1])
	return out
}

func shallow(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// isEmpty reports whether a container holds nothing (an empty object or
// array, or a YAML key with no value).
func isEmpty(v any) bool {
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

func kindOf(v any) string {
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

// showPath renders a key path for messages: env.ANTHROPIC_BASE_URL;
// the top level is "the top level".
func showPath(path []string) string {
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

// showValue renders a value for messages, short.
func showValue(v any) string {
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

// secretish reports whether a setting's name suggests it holds a
// credential: its old value is never printed.
func secretish(path []string) bool {
	if len(path) == 0 {
		return false
	}
	k := strings.ToUpper(path[len(path)-1])
	for _, w := range []string{"KEY", "TOKEN", "SECRET", "PASSWORD", "AUTH"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}
