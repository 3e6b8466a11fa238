package jscan

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// The wire packages write the JSON the gateway sends by hand on the hot
// paths, byte for byte what encoding/json's Marshal writes for the same
// value (each holds its encoder to Marshal with a differential test and a
// fuzz target). These are the pieces Marshal's output is made of.

// AppendString appends s as a JSON string the way encoding/json does:
// invalid UTF-8 becomes U+FFFD, and <, >, &, U+2028 and U+2029 are
// escaped (AppendStringPlain, used for stream deltas, leaves them as they
// are).
func AppendString[S string | []byte](dst []byte, s S) []byte {
	return appendString(dst, s, true)
}

// AppendStringPlain appends s as a JSON string literal, escaping only what
// JSON requires: ", \, \n, \r, \t and the other control characters
// (as \u00XX, \b and \f included), invalid UTF-8 replaced with U+FFFD.
// <, >, &, U+2028 and U+2029 are left as they are. The stream converters
// write their deltas with it (protocol.AppendJSONString).
func AppendStringPlain[S string | []byte](dst []byte, s S) []byte {
	return appendString(dst, s, false)
}

// safeSet and htmlSafeSet hold the bytes a string carries as they are:
// plainly, and as Marshal writes them. Bytes from utf8.RuneSelf up, which
// start a rune to decode, are not in either.
var safeSet, htmlSafeSet = func() (plain, html [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		plain[c] = c != '"' && c != '\\'
		html[c] = plain[c] && c != '<' && c != '>' && c != '&'
	}
	return
}()

// appendString is AppendString when marshal is true, AppendStringPlain
// otherwise.
func appendString[S string | []byte](dst []byte, s S, marshal bool) []byte {
	const hex = "0123456789abcdef"
	safe := &safeSet
	if marshal {
		safe = &htmlSafeSet
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if safe[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case marshal && c == '\b':
				dst = append(dst, '\\', 'b')
			case marshal && c == '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))])) // small: no copy
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if marshal && (r == '\u2028' || r == '\u2029') {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += n
			start = i
			continue
		}
		i += n
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendRaw appends a raw JSON value as Marshal writes a json.RawMessage:
// compacted, with <, >, &, U+2028 and U+2029 escaped. A value that is
// compact and plain already (what the gateway mostly carries) is copied
// as it is. ok is false for invalid JSON, on which Marshal fails.
func AppendRaw(dst, raw []byte) (out []byte, ok bool) {
	plain := true
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\n', '\r', '<', '>', '&', 0xE2:
			plain = false
		}
	}
	if plain && json.Valid(raw) {
		return append(dst, raw...), true
	}
	var compact, escaped bytes.Buffer
	if json.Compact(&compact, raw) != nil {
		return dst, false
	}
	json.HTMLEscape(&escaped, compact.Bytes())
	return append(dst, escaped.Bytes()...), true
}

// AppendFloat appends f as Marshal writes a float64; ok is false for NaN
// and infinities, on which Marshal fails.
func AppendFloat(dst []byte, f float64) (out []byte, ok bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' { // e-09 → e-9, as encoding/json writes it
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, true
}

// Encoder appends JSON to B by hand, each method writing exactly what
// encoding/json's Marshal writes for the same value (strings with
// AppendString, raw values with AppendRaw, numbers with AppendFloat and
// strconv). OK turns false where Marshal would fail (a NaN or infinite
// number, an invalid raw value); B is then not to be used. The wire
// packages embed it in their request and response encoders, which add
// the methods for their own types.
//
// The Opt methods are omitempty fields: key is the member's name with its
// punctuation, as `,"name":`, written only when the value is there. For
// an object whose first member may be absent, Key writes the comma.
type Encoder struct {
	B  []byte
	OK bool
}

// Str writes s as a string.
func (e *Encoder) Str(s string) { e.B = AppendString(e.B, s) }

// OptStr writes key and s unless s is empty (omitempty).
func (e *Encoder) OptStr(key, s string) {
	if s != "" {
		e.B = append(e.B, key...)
		e.B = AppendString(e.B, s)
	}
}

// OptStrPtr writes key and *s unless s is nil (omitempty).
func (e *Encoder) OptStrPtr(key string, s *string) {
	if s != nil {
		e.B = append(e.B, key...)
		e.B = AppendString(e.B, *s)
	}
}

// Raw writes r as Marshal writes a json.RawMessage: null when r is nil.
func (e *Encoder) Raw(r json.RawMessage) {
	if r == nil { // RawMessage's MarshalJSON
		e.B = append(e.B, "null"...)
		return
	}
	var ok bool
	if e.B, ok = AppendRaw(e.B, r); !ok {
		e.OK = false
	}
}

// OptRaw writes key and r unless r is empty (omitempty).
func (e *Encoder) OptRaw(key string, r json.RawMessage) {
	if len(r) > 0 {
		e.B = append(e.B, key...)
		e.Raw(r)
	}
}

// OptIntPtr writes key and *p unless p is nil (omitempty).
func (e *Encoder) OptIntPtr(key string, p *int) {
	if p != nil {
		e.B = append(e.B, key...)
		e.B = strconv.AppendInt(e.B, int64(*p), 10)
	}
}

// OptFloatPtr writes key and *p unless p is nil (omitempty).
func (e *Encoder) OptFloatPtr(key string, p *float64) {
	if p != nil {
		e.B = append(e.B, key...)
		var ok bool
		if e.B, ok = AppendFloat(e.B, *p); !ok {
			e.OK = false
		}
	}
}

// Key writes the member name "name": with the comma before it unless it
// is the object's first (*first, which it then clears). name is written
// as it is: a plain ASCII name.
func (e *Encoder) Key(first *bool, name string) {
	if !*first {
		e.B = append(e.B, ',')
	}
	*first = false
	e.B = append(e.B, '"')
	e.B = append(e.B, name...)
	e.B = append(e.B, '"', ':')
}
