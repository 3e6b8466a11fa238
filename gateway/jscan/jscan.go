// Package jscan is the one validating JSON reader of the hot paths: the
// stream converters, which run once per upstream SSE event, and the
// passthrough path, which reads a request body's routing fields and peeks
// into chunks. They avoid encoding/json there: on the target machine
// json.Unmarshal of one OpenAI chunk costs ~4 µs and 10 allocations,
// json.Valid alone ~1.2 µs, and decoding a 200 kB request to read its model
// ~1 ms. A Scanner picks the needed fields out of one document as raw slices
// of the input (string values keep their quotes and escapes, so they can be
// copied into the output as they are; AppendRawJSONString writes them back)
// and skips the rest while validating it.
//
// Stdlib only: every protocol adapter (convert, gemini, responses) and
// package passthrough share it.
package jscan

import (
	"encoding/binary"
	"encoding/json"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of skipped values (stack safety) unless
// SetMaxDepth says otherwise.
const MaxDepth = 512

// Scanner reads one JSON document. Values it returns alias the input. After a
// syntax error bad is set, the position jumps to the end, and every method
// becomes a no-op returning zero values, so callers check bad once at the
// end (see Done).
type Scanner struct {
	b        []byte
	i        int
	bad      bool
	maxDepth int // 0 = MaxDepth
}

// Reset starts reading b (the depth limit stays as set).
func (s *Scanner) Reset(b []byte) { s.b, s.i, s.bad = b, 0, false }

// SetMaxDepth sets how deep Skip and Value follow nested arrays and objects
// before they fail (0 = MaxDepth). A reader of whole request bodies sets it
// near encoding/json's limit (10000), so that a deeply nested but valid body
// is read rather than refused.
func (s *Scanner) SetMaxDepth(n int) { s.maxDepth = n }

// Pos returns the offset in the input of the next unread byte (after Peek:
// the start of the next value).
func (s *Scanner) Pos() int { return s.i }

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

// Member is More and Key in one call, for a reader that walks many
// members (a request body's top level): it advances to the next member of
// the object being read and reads its name and colon, returning the name's
// raw bytes without quotes, and whether the name is Plain (checked as it is
// read). more is false after the closing brace is consumed, or on error.
// first must start true for each object.
func (s *Scanner) Member(first *bool) (key []byte, plain, more bool) {
	if s.bad {
		return nil, false, false
	}
	b := s.b
	i := skipSpace(b, s.i)
	if i < len(b) && b[i] == '}' {
		s.i = i + 1
		return nil, false, false
	}
	if !*first {
		if i >= len(b) || b[i] != ',' {
			s.Fail()
			return nil, false, false
		}
		i = skipSpace(b, i+1)
	}
	*first = false
	if i >= len(b) || b[i] != '"' {
		s.Fail()
		return nil, false, false
	}
	e := i + 1
	for e < len(b) && !keyStop[b[e]] {
		e++
	}
	if plain = e < len(b) && b[e] == '"'; plain {
		e++
	} else if e = scanStr(b, i); e < 0 {
		s.Fail()
		return nil, false, false
	}
	key = b[i+1 : e-1]
	if e = skipSpace(b, e); e >= len(b) || b[e] != ':' {
		s.Fail()
		return nil, false, false
	}
	s.i = e + 1
	return key, plain, true
}

// keyStop is strStop plus the bytes that make a name not Plain.
var keyStop = func() (t [256]bool) {
	t = strStop
	for c := utf8.RuneSelf; c < 0x100; c++ {
		t[c] = true
	}
	return t
}()

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
	e := start + 1
	for e+8 <= len(b) && !special8(binary.LittleEndian.Uint64(b[e:])) {
		e += 8 // eight plain bytes at a time: most of a string literal
	}
	for e < len(b) && !strStop[b[e]] { // the usual string, without escapes, here
		e++
	}
	if e < len(b) && b[e] == '"' {
		e++
	} else if e = scanStr(b, start); e < 0 {
		s.Fail()
		return nil
	}
	s.i = e
	return b[start:e]
}

// strStop marks the bytes a string scan stops at: the quote, the backslash
// and the control characters (invalid unescaped). Every other byte,
// invalid UTF-8 included, is string content, as for encoding/json.
var strStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// Plain reports whether a string literal or a key as the Scanner returns
// them (raw, escapes not decoded) holds only ASCII and no escape, so that
// its bytes are its value: encoding/json decodes the others (and matches
// keys with non-ASCII letters by Unicode case folding).
func Plain(raw []byte) bool {
	for _, c := range raw {
		if c == '\\' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
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
func (s *Scanner) Skip() {
	left := s.maxDepth
	if left == 0 {
		left = MaxDepth
	}
	s.Peek()
	if s.i = skipValue(s.b, s.i, left); s.i < 0 {
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

// The validating skip underneath Skip and Str works on plain indexes:
// skipping is most of the work of a reader that wants a few fields of a
// large document (a request body), so it stays a tight loop. Each returns
// the index just past what it read, or -1 if the input is not valid there.

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

// skipValue skips the value at b[i] (whitespace skipped already), nested
// at most left levels deeper.
func skipValue(b []byte, i, left int) int {
	if left < 0 || i >= len(b) {
		return -1
	}
	switch c := b[i]; {
	case c == '{':
		return skipContainer(b, i, left, '}')
	case c == '[':
		return skipContainer(b, i, left, ']')
	case c == '"':
		return scanStr(b, i)
	case c == 't':
		return skipLit(b, i, "true")
	case c == 'f':
		return skipLit(b, i, "false")
	case c == 'n':
		return skipLit(b, i, "null")
	case c == '-' || '0' <= c && c <= '9':
		return skipNum(b, i)
	}
	return -1
}

// skipContainer skips the object or array opening at b[i].
func skipContainer(b []byte, i, left int, closing byte) int {
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == closing {
		return i + 1
	}
	for {
		if closing == '}' {
			if i >= len(b) || b[i] != '"' {
				return -1
			}
			if i = scanStr(b, i); i < 0 {
				return -1
			}
			if i = skipSpace(b, i); i >= len(b) || b[i] != ':' {
				return -1
			}
			i = skipSpace(b, i+1)
		}
		if i = skipValue(b, i, left-1); i < 0 {
			return -1
		}
		if i = skipSpace(b, i); i >= len(b) {
			return -1
		}
		switch b[i] {
		case closing:
			return i + 1
		case ',':
			i = skipSpace(b, i+1)
		default:
			return -1
		}
	}
}

// scanStr skips the string whose opening quote is b[i].
func scanStr(b []byte, i int) int {
	i++
	for {
		for i < len(b) && !strStop[b[i]] {
			i++
		}
		if i >= len(b) {
			return -1
		}
		switch b[i] {
		case '"':
			return i + 1
		case '\\':
			if i+1 >= len(b) {
				return -1
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+5 >= len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return -1
				}
				i += 6
			default:
				return -1
			}
		default: // a control character
			return -1
		}
	}
}

// skipNum skips -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func skipNum(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = skipDigits(b, i+1)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		if i++; i >= len(b) || b[i] < '0' || b[i] > '9' {
			return -1
		}
		i = skipDigits(b, i+1)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		if i++; i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return -1
		}
		i = skipDigits(b, i+1)
	}
	return i
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

func skipLit(b []byte, i int, lit string) int {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit)
	}
	return -1
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
