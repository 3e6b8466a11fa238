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
// escaped (protocol.AppendJSONString, used for stream deltas, leaves them
// as they are).
func AppendString[S string | []byte](dst []byte, s S) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
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
		if r == '\u2028' || r == '\u2029' {
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
