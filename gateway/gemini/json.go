package gemini

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"switchyard/gateway/protocol"
)

// A copy of gateway/convert/stream_json.go (to be shared once the gateway
// restructure lands). The stream converters run once per upstream SSE event, so they avoid
// encoding/json on the hot path: on the target machine json.Unmarshal of one
// OpenAI chunk costs ~4 µs and 10 allocations, json.Valid alone ~1.2 µs.
// jscan is a small validating JSON reader that picks the needed fields out
// of one event as raw slices of the input (string values keep their quotes
// and escapes, so they can be copied into the output as they are), and the
// append helpers below write the client's JSON by hand.

// maxJSONDepth bounds the nesting of skipped values (stack safety).
const maxJSONDepth = 512

// jscan reads one JSON document. Values it returns alias the input. After a
// syntax error bad is set, the position jumps to the end, and every method
// becomes a no-op returning zero values, so callers check bad once at the
// end (see done).
type jscan struct {
	b   []byte
	i   int
	bad bool
}

func (s *jscan) reset(b []byte) { s.b, s.i, s.bad = b, 0, false }

func (s *jscan) fail() {
	s.bad = true
	s.i = len(s.b)
}

// peek skips whitespace and returns the next byte (0 at the end).
func (s *jscan) peek() byte {
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return c
		}
	}
	return 0
}

// done reports whether the document was valid and nothing but whitespace
// follows the top-level value.
func (s *jscan) done() bool {
	if s.peek() != 0 || s.i != len(s.b) {
		s.fail()
	}
	return !s.bad
}

// object starts reading an object value. It returns false for null (which it
// consumes) and for anything else (which it skips), so an optional object of
// the wrong type is ignored rather than fatal.
func (s *jscan) object() bool {
	switch s.peek() {
	case '{':
		s.i++
		return true
	case 'n':
		s.lit("null")
	default:
		s.skip()
	}
	return false
}

// array starts reading an array value, like object.
func (s *jscan) array() bool {
	switch s.peek() {
	case '[':
		s.i++
		return true
	case 'n':
		s.lit("null")
	default:
		s.skip()
	}
	return false
}

// more advances to the next member or element of the object or array being
// read; it returns false after consuming the closing byte (or on error).
// first must start true for each container.
func (s *jscan) more(first *bool, closing byte) bool {
	if s.bad {
		return false
	}
	c := s.peek()
	if c == closing {
		s.i++
		return false
	}
	if !*first {
		if c != ',' {
			s.fail()
			return false
		}
		s.i++
	}
	*first = false
	return true
}

// key reads a member name and its colon, returning the name's raw bytes
// without quotes (escapes are not decoded: a name spelled with escapes is
// simply an unknown key).
func (s *jscan) key() []byte {
	r := s.str()
	if s.bad || s.peek() != ':' {
		s.fail()
		return nil
	}
	s.i++
	return r[1 : len(r)-1]
}

// str reads a string and returns its raw literal, quotes included.
func (s *jscan) str() []byte {
	if s.peek() != '"' {
		s.fail()
		return nil
	}
	b, start := s.b, s.i
	i := start + 1
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			s.i = i + 1
			return b[start:s.i]
		case c == '\\':
			if i+1 >= len(b) {
				s.fail()
				return nil
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+5 >= len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					s.fail()
					return nil
				}
				i += 6
			default:
				s.fail()
				return nil
			}
		case c < 0x20:
			s.fail()
			return nil
		default:
			i++
		}
	}
	s.fail()
	return nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// strOpt reads an optional string: the raw literal, or nil for null or a
// value of another type (which is skipped).
func (s *jscan) strOpt() []byte {
	switch s.peek() {
	case '"':
		return s.str()
	case 'n':
		s.lit("null")
	default:
		s.skip()
	}
	return nil
}

func (s *jscan) lit(w string) {
	if len(s.b)-s.i >= len(w) && string(s.b[s.i:s.i+len(w)]) == w {
		s.i += len(w)
		return
	}
	s.fail()
}

// num reads a number. ok reports an integer that fits in an int.
func (s *jscan) num() (v int, ok bool) {
	s.peek()
	b, i := s.b, s.i
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	if i >= len(b) {
		s.fail()
		return 0, false
	}
	ok = true
	switch c := b[i]; {
	case c == '0':
		i++
	case '1' <= c && c <= '9':
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			d := int(b[i] - '0')
			if v > (maxInt-d)/10 {
				ok = false
			} else {
				v = v*10 + d
			}
			i++
		}
	default:
		s.fail()
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		ok = false
		if i++; i >= len(b) || b[i] < '0' || b[i] > '9' {
			s.fail()
			return 0, false
		}
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		ok = false
		if i++; i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			s.fail()
			return 0, false
		}
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	}
	s.i = i
	if !ok {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

const maxInt = int(^uint(0) >> 1)

// intOpt reads an optional integer: 0 for null, non-integers and values
// of other types (which are skipped).
func (s *jscan) intOpt() int {
	switch c := s.peek(); {
	case c == '-' || '0' <= c && c <= '9':
		v, _ := s.num()
		return v
	case c == 'n':
		s.lit("null")
	default:
		s.skip()
	}
	return 0
}

// skip reads and discards one value of any type.
func (s *jscan) skip() { s.skipDepth(0) }

func (s *jscan) skipDepth(depth int) {
	if depth > maxJSONDepth {
		s.fail()
		return
	}
	switch c := s.peek(); {
	case c == '{':
		s.i++
		for first := true; s.more(&first, '}'); {
			s.key()
			s.skipDepth(depth + 1)
		}
	case c == '[':
		s.i++
		for first := true; s.more(&first, ']'); {
			s.skipDepth(depth + 1)
		}
	case c == '"':
		s.str()
	case c == 't':
		s.lit("true")
	case c == 'f':
		s.lit("false")
	case c == 'n':
		s.lit("null")
	case c == '-' || '0' <= c && c <= '9':
		s.num()
	default:
		s.fail()
	}
}

// value reads one value of any type and returns its raw bytes.
func (s *jscan) value() []byte {
	s.peek()
	start := s.i
	s.skip()
	if s.bad {
		return nil
	}
	return s.b[start:s.i]
}

// rawIs reports whether raw is the string literal "w" (no escapes).
func rawIs(raw []byte, w string) bool {
	return len(raw) == len(w)+2 && string(raw[1:len(raw)-1]) == w
}

// rawNonEmpty reports whether raw is a non-empty string literal.
func rawNonEmpty(raw []byte) bool { return len(raw) > 2 }

// rawInner returns a string literal without its quotes.
func rawInner(raw []byte) []byte {
	if len(raw) < 2 {
		return nil
	}
	return raw[1 : len(raw)-1]
}

// unquoteRaw decodes a string literal read by jscan ("" for nil).
func unquoteRaw(raw []byte) string {
	in := rawInner(raw)
	plain := true
	for _, c := range in {
		if c == '\\' || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		return string(in)
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// appendRawJSONString appends a string literal read by jscan. Literals are
// syntactically valid already; invalid UTF-8 inside one is replaced by
// \ufffd so the client always receives valid UTF-8.
func appendRawJSONString(dst, raw []byte) []byte {
	if utf8.Valid(raw) {
		return append(dst, raw...)
	}
	return appendFixUTF8(dst, raw)
}

// appendFixUTF8 appends b, writing \ufffd for each invalid UTF-8 byte.
func appendFixUTF8(dst, b []byte) []byte {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, b[:n]...)
		}
		b = b[n:]
	}
	return dst
}

// appendJSONQuoted appends s as a JSON string literal (protocol's
// encoder, shared by every converter).
func appendJSONQuoted(dst []byte, s string) []byte { return protocol.AppendJSONString(dst, s) }

func appendInt(dst []byte, v int) []byte { return strconv.AppendInt(dst, int64(v), 10) }
