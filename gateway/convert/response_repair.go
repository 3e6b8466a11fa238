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
	var r repairScan
	if !r.scan(s) {
		return "", false
	}
	if r.inString && !r.isKey {
		tail := s
		if r.escaped {
			tail = tail[:len(tail)-1]
		}
		if out, ok := r.closeWith(tail+`"`, len(r.closers)); ok {
			return out, true
		}
	}
	if !r.inString && r.tokStart >= 0 && isScalar(strings.TrimSpace(s[r.tokStart:])) {
		if out, ok := r.closeWith(s, len(r.closers)); ok {
			return out, true
		}
	}
	if r.cut >= 0 {
		return r.closeWith(s[:r.cut], r.cutDepth)
	}
	return "", false
}

// repairScan is repairJSON's pass over the cut-off text: where it stands
// at the end (inside a string, a key, a bare token) and the last safe cut.
type repairScan struct {
	closers  []byte // expected closing brackets, innermost last
	wantKey  []bool // per open container: an object expecting a key
	inString bool
	escaped  bool // the string's last byte was a backslash
	isKey    bool // the string (open or last) is a key
	tokStart int  // start of the current bare token (number, literal), -1 none
	cut      int  // the longest prefix ending after a complete value or an opening bracket, -1 none
	cutDepth int  // len(closers) at cut
}

// scan reads s; it reports false for a closing bracket that does not
// match.
func (r *repairScan) scan(s string) bool {
	r.tokStart, r.cut = -1, -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if r.inString {
			r.stringByte(c, i)
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			r.inString = true
			r.isKey = len(r.wantKey) > 0 && r.wantKey[len(r.wantKey)-1]
		case '{', '[', '}', ']':
			if !r.bracket(c, i) {
				return false
			}
		case ':':
			if len(r.wantKey) > 0 {
				r.wantKey[len(r.wantKey)-1] = false
			}
		case ',':
			r.safe(i)
			if len(r.closers) > 0 && r.closers[len(r.closers)-1] == '}' {
				r.wantKey[len(r.wantKey)-1] = true
			}
		default:
			if r.tokStart < 0 {
				r.tokStart = i
			}
			continue
		}
		r.tokStart = -1
	}
	return true
}

// stringByte reads byte c at i inside a string.
func (r *repairScan) stringByte(c byte, i int) {
	switch {
	case r.escaped:
		r.escaped = false
	case c == '\\':
		r.escaped = true
	case c == '"':
		r.inString = false
		if !r.isKey {
			r.safe(i + 1)
		}
	}
}

// bracket opens or closes a container at i; false for a closing bracket
// that does not match the open one.
func (r *repairScan) bracket(c byte, i int) bool {
	switch c {
	case '{', '[':
		if c == '{' {
			r.closers = append(r.closers, '}')
		} else {
			r.closers = append(r.closers, ']')
		}
		r.wantKey = append(r.wantKey, c == '{')
	default:
		if len(r.closers) == 0 || r.closers[len(r.closers)-1] != c {
			return false
		}
		r.closers, r.wantKey = r.closers[:len(r.closers)-1], r.wantKey[:len(r.wantKey)-1]
	}
	r.safe(i + 1)
	return true
}

// safe records a prefix s[:at] that can be closed.
func (r *repairScan) safe(at int) { r.cut, r.cutDepth = at, len(r.closers) }

// closeWith appends to prefix the closers of its depth innermost first and
// reports whether the result is valid JSON.
func (r *repairScan) closeWith(prefix string, depth int) (string, bool) {
	var b strings.Builder
	b.WriteString(prefix)
	for i := depth - 1; i >= 0; i-- {
		b.WriteByte(r.closers[i])
	}
	out := b.String()
	return out, json.Valid([]byte(out))
}

// isScalar reports whether tok is a complete JSON number or literal.
func isScalar(tok string) bool {
	if tok == "" || tok[0] == '"' || tok[0] == '{' || tok[0] == '[' {
		return false
	}
	return json.Valid([]byte(tok))
}
