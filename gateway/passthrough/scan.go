package passthrough

import (
	"encoding/json"
)

// Fields is the part of a request body that routing needs, in every
// protocol that carries it in the body.
type Fields struct {
	Model         string `json:"model"`
	Stream        bool   `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

// ScanFields reads model, stream and stream_options from a request
// body in one pass that also checks the JSON syntax of the whole body, but
// decodes nothing else: messages and tools, nearly all of an agent's
// request, are only skipped. json.Unmarshal into Fields scans the
// body twice (validate, then decode) and costs ~3× as much (BenchmarkRoutingFields).
//
// ok is false when the body is not valid JSON, or holds something this fast
// path does not treat exactly as encoding/json does: a top level that is not
// an object, a top-level key with escapes or non-ASCII bytes (encoding/json
// folds keys by Unicode rules), a model or stream of another type. The
// caller then falls back to json.Unmarshal, which gives the exact result or
// error. FuzzRoutingFields checks both against encoding/json.
func ScanFields(b []byte) (f Fields, ok bool) {
	ok = topMembers(b, func(key []byte, vs, ve int) bool { return f.set(key, b[vs:ve]) })
	return f, ok
}

// topMembers checks that b is one valid JSON object (surrounded by
// whitespace at most) and calls visit for each of its members in order,
// with the key's bytes and the value's span b[vs:ve]. It reports false if
// b is not valid JSON, is not an object, has a key with escapes or
// non-ASCII bytes (plain keys only: see scanString), or visit says so.
func topMembers(b []byte, visit func(key []byte, vs, ve int) bool) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			if i >= len(b) || b[i] != '"' {
				return false
			}
			ks := i + 1
			ke, plain := scanString(b, i)
			if ke < 0 || !plain {
				return false
			}
			key := b[ks : ke-1]
			i = skipSpace(b, ke)
			if i >= len(b) || b[i] != ':' {
				return false
			}
			vs := skipSpace(b, i+1)
			if i = skipValue(b, vs, 1); i < 0 {
				return false
			}
			if !visit(key, vs, i) {
				return false
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return false
			}
			if b[i] == '}' {
				i++
				break
			}
			if b[i] != ',' {
				return false
			}
			i = skipSpace(b, i+1)
		}
	}
	return skipSpace(b, i) == len(b)
}

// SpliceModel returns body with the string value of its top-level "model"
// replaced by model, every other byte as it was: the alias rewrite of the
// passthrough path without decoding and re-encoding the whole body (which
// cost ~20× more: BenchmarkRoutingFields/*/withModel). ok is false unless
// body is a valid object with exactly one key that matches "model" in any
// case, spelled exactly so, holding a string; withModel then does it the
// slow way.
func SpliceModel(body []byte, model string) (out []byte, ok bool) {
	vs, ve, n := -1, -1, 0
	if !topMembers(body, func(key []byte, s, e int) bool {
		if asciiEqualFold(key, "model") {
			n++
			vs, ve = s, e
			return string(key) == "model" && body[s] == '"'
		}
		return true
	}) || n != 1 {
		return nil, false
	}
	mb, _ := json.Marshal(model)
	out = make([]byte, 0, len(body)-(ve-vs)+len(mb))
	out = append(out, body[:vs]...)
	out = append(out, mb...)
	return append(out, body[ve:]...), true
}

// set applies one top-level member as encoding/json would: keys match
// case-insensitively, a later duplicate wins, null leaves a field alone.
// It reports false where only encoding/json can say (or fails).
func (f *Fields) set(key, v []byte) bool {
	switch {
	case asciiEqualFold(key, "model"):
		switch v[0] {
		case 'n':
			return true
		case '"':
			if _, plain := scanString(v, 0); plain {
				f.Model = string(v[1 : len(v)-1])
				return true
			}
			return json.Unmarshal(v, &f.Model) == nil // escapes, non-ASCII
		}
		return false
	case asciiEqualFold(key, "stream"):
		switch v[0] {
		case 'n':
		case 't':
			f.Stream = true
		case 'f':
			f.Stream = false
		default:
			return false
		}
		return true
	case asciiEqualFold(key, "stream_options"):
		return json.Unmarshal(v, &f.StreamOptions) == nil // small; exact semantics
	}
	return true
}

// asciiEqualFold reports whether key (ASCII only, see scanString's plain)
// equals name (lower-case ASCII) ignoring ASCII case.
func asciiEqualFold(key []byte, name string) bool {
	if len(key) != len(name) {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// maxScanDepth is below encoding/json's nesting limit (10000): deeper
// bodies take the fallback, which reports the error.
const maxScanDepth = 9000

// skipValue returns the index just past the JSON value starting at b[i], or
// -1 if there is no valid value there.
func skipValue(b []byte, i, depth int) int {
	if i >= len(b) {
		return -1
	}
	switch c := b[i]; {
	case c == '"':
		e, _ := scanString(b, i)
		return e
	case c == '{':
		if depth > maxScanDepth {
			return -1
		}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == '}' {
			return i + 1
		}
		for {
			if i >= len(b) || b[i] != '"' {
				return -1
			}
			if i, _ = scanString(b, i); i < 0 {
				return -1
			}
			i = skipSpace(b, i)
			if i >= len(b) || b[i] != ':' {
				return -1
			}
			if i = skipValue(b, skipSpace(b, i+1), depth+1); i < 0 {
				return -1
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return -1
			}
			if b[i] == '}' {
				return i + 1
			}
			if b[i] != ',' {
				return -1
			}
			i = skipSpace(b, i+1)
		}
	case c == '[':
		if depth > maxScanDepth {
			return -1
		}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1
		}
		for {
			if i = skipValue(b, i, depth+1); i < 0 {
				return -1
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return -1
			}
			if b[i] == ']' {
				return i + 1
			}
			if b[i] != ',' {
				return -1
			}
			i = skipSpace(b, i+1)
		}
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	case c == '-' || '0' <= c && c <= '9':
		return skipNumber(b, i)
	}
	return -1
}

func literal(b []byte, i int, lit string) int {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit)
	}
	return -1
}

// skipNumber accepts -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func skipNumber(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i++; i < len(b) && isDigit(b[i]); i++ {
		}
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return -1
		}
		for i++; i < len(b) && isDigit(b[i]); i++ {
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return -1
		}
		for i++; i < len(b) && isDigit(b[i]); i++ {
		}
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// strSpecial marks the bytes a string scan must stop at: the quote, the
// backslash, control characters (invalid unescaped), and non-ASCII bytes
// (valid, but they make the string not "plain").
var strSpecial = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	return t
}()

// scanString returns the index just past the string starting at b[i] (a
// quote), or -1 if it is not a valid JSON string. plain reports that it
// holds only printable ASCII without escapes, so its bytes are its value.
// Like encoding/json, it accepts any byte >= 0x80 (invalid UTF-8 is
// replaced when decoded, not rejected).
func scanString(b []byte, i int) (end int, plain bool) {
	plain = true
	i++
	for {
		for i < len(b) && !strSpecial[b[i]] {
			i++
		}
		if i >= len(b) {
			return -1, false
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, plain
		case c == '\\':
			plain = false
			i++
			if i >= len(b) {
				return -1, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if len(b)-i < 5 || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					return -1, false
				}
				i += 5
			default:
				return -1, false
			}
		case c < 0x20:
			return -1, false
		default: // >= 0x80
			plain = false
			i++
		}
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
