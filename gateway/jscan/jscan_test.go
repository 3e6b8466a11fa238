package jscan

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzJSONScan checks the hand-written scanner against encoding/json: the
// same documents are valid, and string literals it returns re-encode to the
// same strings.
func FuzzJSONScan(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `{"a":[1,-2.5e+3,true,false,null,"x\u00e9\n"]}`, `"\ud83d\ude00"`, `01`, `{"a":1,}`,
		`[1 2]`, `"\x01"`, `-`, `1.`, `1e`, `{"a" 1}`, "\"\xff\"", `{"text":"a\"b"}`, `{"a":1 "b":2}`, `{"a":1,}`,
		`{"\u0061":1,"é":[],"b\\":null}`, ` { "a" : { } , "b":[ ] } `, `{,"a":1}`, `{"a"}`, `{"a":}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var s Scanner
		s.Reset(in)
		s.Skip()
		got := s.Done()
		if depth := bytes.Count(in, []byte("[")) + bytes.Count(in, []byte("{")); depth >= MaxDepth && !got {
			return // deeper than we accept; encoding/json allows 10000
		}
		if want := json.Valid(in); got != want {
			t.Fatalf("jscan valid = %v, json.Valid = %v for %q", got, want, in)
		}
		if s.Reset(in); s.Peek() == '{' { // the same through Member, with its plain flag
			s.Object()
			for first := true; ; {
				key, plain, more := s.Member(&first)
				if !more {
					break
				}
				if plain != Plain(key) {
					t.Fatalf("Member(%q): plain = %v", key, plain)
				}
				s.Skip()
			}
			if s.Done() != got {
				t.Fatalf("walked by Member, valid = %v; by Skip, %v, for %q", !got, got, in)
			}
		}
		s.Reset(in)
		if s.Peek() != '"' {
			return
		}
		raw := s.Str()
		if !s.Done() {
			return
		}
		var want string
		if err := json.Unmarshal(in, &want); err != nil {
			t.Fatal(err)
		}
		var fromRaw, fromQuoted string
		if err := json.Unmarshal(AppendRawJSONString(nil, raw), &fromRaw); err != nil || fromRaw != want {
			t.Fatalf("AppendRawJSONString(%q) = %q, %v; want %q", raw, fromRaw, err, want)
		}
		if err := json.Unmarshal(AppendStringPlain(nil, want), &fromQuoted); err != nil || fromQuoted != want {
			t.Fatalf("AppendStringPlain(%q) = %q, %v", want, fromQuoted, err)
		}
		if u := UnquoteRaw(raw); u != want {
			t.Fatalf("UnquoteRaw(%q) = %q, want %q", raw, u, want)
		}
		if Plain(raw) && string(RawInner(raw)) != want {
			t.Fatalf("Plain(%q), but its value is %q", raw, want)
		}
	})
}

func TestJSONScanNumbers(t *testing.T) {
	for in, want := range map[string]int{"0": 0, "-0": 0, "42": 42, "-7": -7, "9223372036854775807": 9223372036854775807} {
		var s Scanner
		s.Reset([]byte(in))
		if v, ok := s.Num(); !ok || v != want || !s.Done() {
			t.Errorf("num(%s) = %d, %v", in, v, ok)
		}
	}
	for _, in := range []string{"1.5", "1e3", "9223372036854775808", "-1E-2"} {
		var s Scanner
		s.Reset([]byte(in))
		if _, ok := s.Num(); ok || !s.Done() {
			t.Errorf("num(%s): ok or invalid", in)
		}
	}
	deep := strings.Repeat("[", MaxDepth+2) + strings.Repeat("]", MaxDepth+2)
	var s Scanner
	s.Reset([]byte(deep))
	if s.Skip(); s.Done() {
		t.Error("nesting deeper than MaxDepth accepted")
	}
}

func TestPlain(t *testing.T) {
	for raw, want := range map[string]bool{`"model"`: true, `model`: true, `""`: true, `"a b/c"`: true,
		`"mod\u0065l"`: false, `"a\"b"`: false, `"café"`: false, "\"\xff\"": false, `"ſtream"`: false} {
		if got := Plain([]byte(raw)); got != want {
			t.Errorf("Plain(%s) = %v, want %v", raw, got, want)
		}
	}
}

// TestSetMaxDepth: a scanner set deeper than MaxDepth reads what the
// default refuses, and still refuses beyond its own limit.
func TestSetMaxDepth(t *testing.T) {
	nest := func(n int) []byte { return []byte(strings.Repeat("[", n) + strings.Repeat("]", n)) }
	var s Scanner
	s.SetMaxDepth(2000)
	for n, want := range map[int]bool{MaxDepth + 2: true, 2000: true, 2002: false} {
		s.Reset(nest(n))
		if s.Skip(); s.Done() != want {
			t.Errorf("depth %d with SetMaxDepth(2000): valid = %v, want %v", n, !want, want)
		}
	}
	s.SetMaxDepth(3)
	for n, want := range map[int]bool{4: true, 5: false} {
		s.Reset(nest(n))
		if v := s.Value(); (v != nil) != want || s.Done() != want {
			t.Errorf("depth %d with SetMaxDepth(3): value %q, want valid = %v", n, v, want)
		}
	}
}

func TestPos(t *testing.T) {
	var s Scanner
	s.Reset([]byte(`{ "a" :  [1, 2] ,"b":null}`))
	s.Object()
	first := true
	s.More(&first, '}')
	s.Key()
	s.Peek()
	if p := s.Pos(); p != 9 {
		t.Fatalf("Pos before the value = %d, want 9", p)
	}
	if v := s.Value(); string(v) != "[1, 2]" || s.Pos() != 15 {
		t.Fatalf("Value = %q, Pos after = %d", v, s.Pos())
	}
}

func TestMember(t *testing.T) {
	var s Scanner
	s.Reset([]byte(` { "model" : "m", "mod\u0065l":1 , "é":[2], "x":{"y":3} } `))
	s.Object()
	type member struct {
		key   string
		plain bool
		value string
	}
	var got []member
	for first := true; ; {
		key, plain, more := s.Member(&first)
		if !more {
			break
		}
		got = append(got, member{string(key), plain, string(s.Value())})
	}
	want := []member{{"model", true, `"m"`}, {`mod\u0065l`, false, "1"}, {"é", false, "[2]"}, {"x", true, `{"y":3}`}}
	if !s.Done() || len(got) != len(want) {
		t.Fatalf("members %+v, done %v", got, s.Done())
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("member %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, bad := range []string{`{"a":1 "b":2}`, `{"a" 1}`, `{,"a":1}`, `{"a":1,}`, `{"a`, `{1:2}`} {
		s.Reset([]byte(bad))
		s.Object()
		for first := true; ; {
			if _, _, more := s.Member(&first); !more {
				break
			}
			s.Skip()
		}
		if s.Done() {
			t.Errorf("%s accepted", bad)
		}
	}
}

// FuzzAppend: AppendString, AppendRaw and AppendFloat write what
// encoding/json's Marshal writes.
func FuzzAppend(f *testing.F) {
	f.Add("a<b>&c \u2028 \xff \x01 é", []byte(`{ "a" : [1, "<&>"] }`), 0.7)
	f.Add("", []byte(`null`), 1e-7)
	f.Add("x", []byte(`{"a":`), 1e21)
	f.Fuzz(func(t *testing.T, s string, raw []byte, x float64) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
		if got := AppendString(nil, []byte(s)); !bytes.Equal(got, want) {
			t.Fatalf("AppendString([]byte %q) = %s, want %s", s, got, want)
		}
		want, err := json.Marshal(json.RawMessage(raw))
		if got, ok := AppendRaw(nil, raw); ok != (err == nil) || ok && !bytes.Equal(got, want) {
			t.Fatalf("AppendRaw(%q) = %s %v, want %s %v", raw, got, ok, want, err)
		}
		want, err = json.Marshal(x)
		if got, ok := AppendFloat(nil, x); ok != (err == nil) || ok && !bytes.Equal(got, want) {
			t.Fatalf("AppendFloat(%v) = %s %v, want %s %v", x, got, ok, want, err)
		}
	})
}

// TestSpecial8: the word test agrees with the byte test for every byte in
// every position, next to bytes of every class.
func TestSpecial8(t *testing.T) {
	special := func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 }
	for pos := range 8 {
		for c := range 256 {
			for _, fill := range []byte{'a', 0xFF, 0x80, 0x20, '"' + 1, '\\' + 1, 0x21} {
				var w [8]byte
				for i := range w {
					w[i] = fill
				}
				w[pos] = byte(c)
				want := false
				for _, b := range w {
					want = want || special(b)
				}
				if got := special8(binary.LittleEndian.Uint64(w[:])); got != want {
					t.Fatalf("special8(% x) = %v, want %v", w, got, want)
				}
			}
		}
	}
}
