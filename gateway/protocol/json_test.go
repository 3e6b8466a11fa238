package protocol

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// appendJSONStringBefore is AppendJSONString as it was before it became
// jscan.AppendStringPlain: the reference its bytes are held to.
func appendJSONStringBefore(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
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
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += n
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func checkAppendJSONString(t *testing.T, s string) {
	t.Helper()
	if got, want := AppendJSONString([]byte("x"), s), appendJSONStringBefore([]byte("x"), s); !bytes.Equal(got, want) {
		t.Fatalf("AppendJSONString(%q) = %s, want %s", s, got, want)
	}
}

// TestAppendJSONString: the stream deltas' bytes did not change.
func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", "a<b>&c \"q\" \\ \n\r\t\b\f\x00\x01\x1f\x7f é ✓ \u2028\u2029 \xff\xe2\x80", "日本語 🎉", "\xed\xa0\x80"} {
		checkAppendJSONString(t, s)
	}
	r := rand.New(rand.NewPCG(5, 6))
	alphabet := []string{"a", " ", "<", ">", "&", "\"", "\\", "\b", "\f", "\n", "\x00", "\x1f", "\x7f", "é", "\u2028", "\u2029", "🎉", "\xff", "\xe2", "\x80", "\xf0\x9f"}
	for range 5000 {
		var b []byte
		for range r.IntN(24) {
			b = append(b, alphabet[r.IntN(len(alphabet))]...)
		}
		checkAppendJSONString(t, string(b))
	}
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("a<b>&c \"q\" \\ \n\t\b\f\x01 é ✓ \u2028 \xff")
	f.Fuzz(func(t *testing.T, s string) { checkAppendJSONString(t, s) })
}
