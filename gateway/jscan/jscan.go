// Package jscan is a small validating JSON reader for the stream
// converters' hot path. They run once per upstream SSE event, so they avoid
// encoding/json there: on the target machine json.Unmarshal of one OpenAI
// chunk costs ~4 µs and 10 allocations, json.Valid alone ~1.2 µs. A Scanner
// picks the needed fields out of one event as raw slices of the input
// (string values keep their quotes and escapes, so they can be copied into
// the output as they are); AppendRawJSONString writes them back.
//
// Stdlib only: every protocol adapter (convert, gemini) shares it.
package jscan

import (
	"encoding/binary"
	"encoding/json"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of skipped values (stack safety).
const MaxDepth = 512

// Scanner reads one JSON document. Values it returns alias the input. After a
// syntax error bad is set, the position jumps to the end, and every method
// becomes a no-op returning zero values, so callers check bad once at the
// end (see done).
type Scanner struct {
	b   []byte
	i   int
	bad bool
}

func (s *Scanner) Reset(b []byte) { s.b, s.i, s.bad = b, 0, false }

func (s *Scanner) Fail() {
	s.bad = true
	s.i = len(s.b)
}

// Peek skips whitespace and returns the next byte (0 at the end).
func (s *Scanner) Peek() byte {
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

// Done reports whether the document was valid and nothing but whitespace
// follows the top-level value.
func (s *Scanner) Done() bool {
	if s.Peek() != 0 || s.i != len(s.b) {
		s.Fail()
	}
	return !s.bad
}

// Object starts reading an object value. It returns false for null (which it
// consumes) and for anything else (which it skips), so an optional object of
// the wrong type is ignored rather than fatal.
func (s *Scanner) Object() bool {
	switch s.Peek() {
	case '{':
		s.i++
		return true
	case 'n':
		s.Lit("null")
	default:
		s.Skip()
	}
	return false
}

// Array starts reading an array value, like object.
func (s *Scanner) Array() bool {
	switch s.Peek() {
	case '[':
		s.i++
		return true
	case 'n':
		s.Lit("null")
	default:
		s.Skip()
	}
	return false
}

// More advances to the next member or element of the object or array being
// read; it returns false after consuming the closing byte (or on error).
// first must start true for each container.
func (s *Scanner) More(first *bool, closing byte) bool {
	if s.bad {
		return false
	}
	c := s.Peek()
	if c == closing {
		s.i++
		return false
	}
	if !*first {
		if c != ',' {
			s.Fail()
			return false
		}
		s.i++
	}
	*first = false
	return true
}

// Key reads a member name and its colon, returning the name's raw bytes
// without quotes (escapes are not decoded: a name spelled with escapes is
// simply an unknown key).
func (s *Scanner) Key() []byte {
	r := s.Str()
	if s.bad || s.Peek() != ':' {
		s.Fail()
		return nil
	}
	s.i++
	return r[1 : len(r)-1]
}

// Str reads a string and returns its raw literal, quotes included.
func (s *Scanner) Str() []byte {
	if s.Peek() != '"' {
		s.Fail()
		return nil
	}
	b, start := s.b, s.i
	i := start + 1
	for i < len(b) {
		// Plain bytes (no quote, backslash or control character), eight at
		// a time while a whole word is plain, then one by one up to the
		// next byte that is not: each is tested once.
		for i+8 <= len(b) && !special8(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
		}
		for i < len(b) && b[i] >= 0x20 && b[i] != '"' && b[i] != '\\' {
			i++
		}
		if i >= len(b) {
			break
		}
		c := b[i]
		switch {
		case c == '"':
			s.i = i + 1
			return b[start:s.i]
		case c == '\\':
			if i+1 >= len(b) {
				s.Fail()
				return nil
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+5 >= len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					s.Fail()
					return nil
				}
				i += 6
			default:
				s.Fail()
				return nil
			}
		default: // below 0x20
			s.Fail()
			return nil
		}
	}
	s.Fail()
	return nil
}

// special8 reports whether any of the eight bytes of x is a quote, a
// backslash or below 0x20 (SWAR: a zero byte in x^q, or a byte below 0x20,
// sets its high bit).
func special8(x uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q := x ^ (lo * '"')
	bs := x ^ (lo * '\\')
	return ((q-lo)&^q|(bs-lo)&^bs|(x-lo*0x20)&^x)&hi != 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// StrOpt reads an optional string: the raw literal, or nil for null or a
// Value of another type (which is skipped).
func (s *Scanner) StrOpt() []byte {
	switch s.Peek() {
	case '"':
		return s.Str()
	case 'n':
		s.Lit("null")
	default:
		s.Skip()
	}
	return nil
}

func (s *Scanner) Lit(w string) {
	if len(s.b)-s.i >= len(w) && string(s.b[s.i:s.i+len(w)]) == w {
		s.i += len(w)
		return
	}
	s.Fail()
}

// Num reads a number. ok reports an integer that fits in an int.
func (s *Scanner) Num() (v int, ok bool) {
	s.Peek()
	b, i := s.b, s.i
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	if i >= len(b) {
		s.Fail()
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
		s.Fail()
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		ok = false
		if i++; i >= len(b) || b[i] < '0' || b[i] > '9' {
			s.Fail()
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
			s.Fail()
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

// IntOpt reads an optional integer: 0 for null, non-integers and values
// of other types (which are skipped).
func (s *Scanner) IntOpt() int {
	switch c := s.Peek(); {
	case c == '-' || '0' <= c && c <= '9':
		v, _ := s.Num()
		return v
	case c == 'n':
		s.Lit("null")
	default:
		s.Skip()
	}
	return 0
}

// Skip reads and discards one value of any type.
func (s *Scanner) Skip() { s.skipDepth(0) }

func (s *Scanner) skipDepth(depth int) {
	if depth > MaxDepth {
		s.Fail()
		return
	}
	switch c := s.Peek(); {
	case c == '{':
		s.i++
		for first := true; s.More(&first, '}'); {
			s.Key()
			s.skipDepth(depth + 1)
		}
	case c == '[':
		s.i++
		for first := true; s.More(&first, ']'); {
			s.skipDepth(depth + 1)
		}
	case c == '"':
		s.Str()
	case c == 't':
		s.Lit("true")
	case c == 'f':
		s.Lit("false")
	case c == 'n':
		s.Lit("null")
	case c == '-' || '0' <= c && c <= '9':
		s.Num()
	default:
		s.Fail()
	}
}

// Value reads one value of any type and returns its raw bytes.
func (s *Scanner) Value() []byte {
	s.Peek()
	start := s.i
	s.Skip()
	if s.bad {
		return nil
	}
	return s.b[start:s.i]
}

// RawIs reports whether raw is the string literal "w" (no escapes).
func RawIs(raw []byte, w string) bool {
	return len(raw) == len(w)+2 && string(raw[1:len(raw)-1]) == w
}

// RawNonEmpty reports whether raw is a non-empty string literal.
func RawNonEmpty(raw []byte) bool { return len(raw) > 2 }

// RawInner returns a string literal without its quotes.
func RawInner(raw []byte) []byte {
	if len(raw) < 2 {
		return nil
	}
	return raw[1 : len(raw)-1]
}

// UnquoteRaw decodes a string literal read by Scanner ("" for nil).
// Literals without escapes and with valid UTF-8 (most text, in any
// language) are their own contents; the rest go through encoding/json.
func UnquoteRaw(raw []byte) string {
	in := RawInner(raw)
	plain, ascii := true, true
	for _, c := range in {
		if c == '\\' {
			plain = false
			break
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if plain && (ascii || utf8.Valid(in)) {
		return string(in)
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// AppendRawJSONString appends a string literal read by Scanner. Literals are
// syntactically valid already; invalid UTF-8 inside one is replaced by
// \ufffd so the client always receives valid UTF-8.
func AppendRawJSONString(dst, raw []byte) []byte {
	if utf8.Valid(raw) {
		return append(dst, raw...)
	}
	return AppendFixUTF8(dst, raw)
}

// AppendFixUTF8 appends b, writing \ufffd for each invalid UTF-8 byte.
func AppendFixUTF8(dst, b []byte) []byte {
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
