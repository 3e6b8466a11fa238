package convert

import (
	"encoding/json"
	"strings"
)

// repairJSON closes JSON that was cut off (tool arguments of an output that
// hit max tokens). It keeps the longest prefix that ends right after a
// complete value or an opening bracket, closes an unterminated string
// value, and appends the missing closing brackets: `{"a":1,"b":"hel`
// becomes `{"a":1,"b":"hel"}` and `{"a":[1,2` becomes `{"a":[1,2]}`. A
// dangling key is dropped. ok is false when the result is not valid JSON.
func repairJSON(s string) (string, bool) {
	var closers []byte // expected closing brackets, innermost last
	var wantKey []bool // per open container: an object expecting a key
	inString, escaped, isKey := false, false, false
	tokStart := -1 // start of the current bare token (number, literal)
	cut, cutDepth := -1, 0
	safe := func(at int) { cut, cutDepth = at, len(closers) }
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
				if !isKey {
					safe(i + 1)
				}
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			inString = true
			isKey = len(wantKey) > 0 && wantKey[len(wantKey)-1]
		case '{', '[':
			if c == '{' {
				closers = append(closers, '}')
			} else {
				closers = append(closers, ']')
			}
			wantKey = append(wantKey, c == '{')
			safe(i + 1)
		case '}', ']':
			if len(closers) == 0 || closers[len(closers)-1] != c {
				return "", false
			}
			closers, wantKey = closers[:len(closers)-1], wantKey[:len(wantKey)-1]
			safe(i + 1)
		case ':':
			if len(wantKey) > 0 {
				wantKey[len(wantKey)-1] = false
			}
		case ',':
			safe(i)
			if len(closers) > 0 && closers[len(closers)-1] == '}' {
				wantKey[len(wantKey)-1] = true
			}
		default:
			if tokStart < 0 {
				tokStart = i
			}
			continue
		}
		tokStart = -1
	}

	closeWith := func(prefix string, depth int) (string, bool) {
		var b strings.Builder
		b.WriteString(prefix)
		for i := depth - 1; i >= 0; i-- {
			b.WriteByte(closers[i])
		}
		out := b.String()
		return out, json.Valid([]byte(out))
	}
	if inString && !isKey {
		tail := s
		if escaped {
			tail = tail[:len(tail)-1]
		}
		if out, ok := closeWith(tail+`"`, len(closers)); ok {
			return out, true
		}
	}
	if !inString && tokStart >= 0 && isScalar(strings.TrimSpace(s[tokStart:])) {
		if out, ok := closeWith(s, len(closers)); ok {
			return out, true
		}
	}
	if cut >= 0 {
		return closeWith(s[:cut], cutDepth)
	}
	return "", false
}

// isScalar reports whether tok is a complete JSON number or literal.
func isScalar(tok string) bool {
	if tok == "" || tok[0] == '"' || tok[0] == '{' || tok[0] == '[' {
		return false
	}
	return json.Valid([]byte(tok))
}
