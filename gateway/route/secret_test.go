package route

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
)

type exported struct {
	Name string
	K    Secret
	P    *Secret
	L    []Secret
	M    map[string]Secret
}

type unexported struct {
	name string
	k    Secret
	l    []Secret
	a    Attempt
}

// redactionOutputs renders s in every way the gateway might print, log or
// marshal it. None may reveal s.Reveal().
func redactionOutputs(s Secret) map[string]string {
	out := map[string]string{}
	ex := exported{Name: "n", K: s, P: &s, L: []Secret{s, s}, M: map[string]Secret{"k": s}}
	un := unexported{name: "n", k: s, l: []Secret{s}, a: Attempt{BaseURL: "https://api.example", Key: s}}
	att := Attempt{BaseURL: "https://api.example/v1", Key: s}
	for _, verb := range []string{"%v", "%s", "%q", "%+v", "%#v", "%x", "%X", "%d", "%10.3s", "%T"} {
		out["secret "+verb] = fmt.Sprintf(verb, s)
		out["*secret "+verb] = fmt.Sprintf(verb, &s)
		out["slice "+verb] = fmt.Sprintf(verb, []Secret{s})
		out["exported "+verb] = fmt.Sprintf(verb, ex)
		out["&exported "+verb] = fmt.Sprintf(verb, &ex)
		out["unexported "+verb] = fmt.Sprintf(verb, un)
		out["&unexported "+verb] = fmt.Sprintf(verb, &un)
		out["attempt "+verb] = fmt.Sprintf(verb, att)
		out["any "+verb] = fmt.Sprintf(verb, any(s))
	}
	out["Sprint"] = fmt.Sprint(s, ex, un)
	out["Sprintln"] = fmt.Sprintln(s, &ex, &un)
	out["String"] = s.String()
	out["GoString"] = s.GoString()

	base := errors.New("upstream refused the key")
	w := fmt.Errorf("backend x key %v: %w", s, base)
	out["error"] = w.Error()
	out["error %+v"] = fmt.Sprintf("%+v", w)
	out["errors.Join"] = errors.Join(w, fmt.Errorf("key %s", s)).Error()
	out["wrapped twice"] = fmt.Errorf("outer: %w", w).Error()

	for name, h := range map[string]func(io.Writer) slog.Handler{
		"slog json": func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, noTime) },
		"slog text": func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, noTime) },
	} {
		var buf bytes.Buffer
		l := slog.New(h(&buf))
		l.Info("key in use", "key", s, "ptr", &s, "exported", ex, "unexported", un, "attempt", att,
			slog.Group("g", slog.Any("k", s)), "err", w)
		l.With("key", s).Error("again", "list", []Secret{s})
		out[name] = buf.String()
	}

	for name, v := range map[string]any{"json secret": s, "json exported": ex, "json &exported": &ex,
		"json map key": map[Secret]int{s: 1}, "json attempt": att} {
		b, err := json.Marshal(v)
		if err != nil {
			out[name] = "marshal error: " + err.Error()
			continue
		}
		out[name] = string(b)
	}
	txt, _ := s.MarshalText()
	out["MarshalText"] = string(txt)
	out["Mask"] = s.Mask()
	out["Fingerprint"] = s.Fingerprint()
	out["Endpoint"] = att.Endpoint()
	return out
}

var noTime = &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}}

func TestSecretNeverPrinted(t *testing.T) {
	const key = "sk-live-9f8e7d6c5b4a3210ZZZZ"
	s := NewSecret(key)
	for name, o := range redactionOutputs(s) {
		if strings.Contains(o, key) || strings.Contains(o, "9f8e7d6c5b4a") {
			t.Errorf("%s reveals the key: %s", name, o)
		}
	}
	// And where a string form is produced, it is the placeholder.
	for _, got := range []string{
		fmt.Sprintf("%v", s), fmt.Sprintf("%s", s), fmt.Sprintf("%q", s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s),
		s.String(), s.GoString(),
	} {
		if got != "[REDACTED]" {
			t.Errorf("got %q, want [REDACTED]", got)
		}
	}
	b, _ := json.Marshal(exported{K: s})
	if !strings.Contains(string(b), `"K":"[REDACTED]"`) {
		t.Errorf("json = %s", b)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "key", s)
	if !strings.Contains(buf.String(), `"key":"[REDACTED]"`) {
		t.Errorf("slog json = %s", buf.String())
	}
	if s.Reveal() != key {
		t.Errorf("Reveal = %q", s.Reveal())
	}
}

// A Plan and a Table hold keys in unexported fields; printing them (say, in
// a debug log) must not reveal a key either.
func TestPlanAndTableDoNotPrintKeys(t *testing.T) {
	const key = "sk-plan-secret-abcdef123456"
	tb, _ := newTestTable(t, spec("a", 1, "https://a0.example"))
	tb.SetKeys("a", []Secret{NewSecret(key)})
	p := tb.NewPlan("m")
	a, ok := p.Next()
	if !ok {
		t.Fatal("no attempt")
	}
	p.Done(a, Server, "http 500", 0)
	for _, o := range []string{
		fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", p), fmt.Sprintf("%+v", *p), fmt.Sprintf("%+v", tb.backends),
		fmt.Sprintf("%#v", tb.backends[0]), fmt.Sprintf("%+v", a),
	} {
		if strings.Contains(o, key) {
			t.Errorf("output reveals the key: %s", o)
		}
	}
}

func TestSecretBasics(t *testing.T) {
	var zero Secret
	if !zero.Empty() || zero.Reveal() != "" || zero.Mask() != "" || zero.Fingerprint() != "" {
		t.Errorf("zero Secret: Empty=%v Reveal=%q Mask=%q Fingerprint=%q", zero.Empty(), zero.Reveal(), zero.Mask(), zero.Fingerprint())
	}
	if e := NewSecret(""); !e.Empty() || e.Fingerprint() != "" {
		t.Error("NewSecret(\"\") is not empty")
	}
	if NewSecret("k").Empty() {
		t.Error("NewSecret(k) is empty")
	}
	if fmt.Sprint(zero) != "[REDACTED]" {
		t.Errorf("zero prints %q", fmt.Sprint(zero))
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ key, want string }{
		{"", ""},
		{"a", "…"},
		{"abcdefg", "…"},                  // 7 characters: too short to show any
		{"abcdefgh", "…efgh"},             // 8
		{"sk-ant-api03-XYZD5xY", "…D5xY"}, // the usual form
		{"ключ-секрет", "…крет"},          // unicode: last 4 runes, not bytes
		{"日本語のキーです", "…キーです"},
		{"日本語のキー", "…"}, // 6 runes though 18 bytes
		{"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", "…\ufffd\ufffd\ufffd\ufffd"}, // invalid UTF-8 never shown raw
	}
	for _, tc := range tests {
		if got := Mask(tc.key); got != tc.want {
			t.Errorf("Mask(%q) = %q, want %q", tc.key, got, tc.want)
		}
		if got := NewSecret(tc.key).Mask(); got != tc.want {
			t.Errorf("NewSecret(%q).Mask() = %q, want %q", tc.key, got, tc.want)
		}
	}
}

func TestFingerprint(t *testing.T) {
	a1 := NewSecret("sk-key-one-0001").Fingerprint()
	a2 := NewSecret("sk-key-one-0001").Fingerprint()
	b := NewSecret("sk-key-two-0001").Fingerprint()
	if a1 != a2 {
		t.Errorf("fingerprint not stable: %q vs %q", a1, a2)
	}
	if a1 == b {
		t.Errorf("two keys share fingerprint %q", a1)
	}
	if len(a1) != 12 || strings.Trim(a1, "0123456789abcdef") != "" {
		t.Errorf("fingerprint %q is not 12 hex digits", a1)
	}
	// Same last 4 characters (same Mask), still different fingerprints.
	if NewSecret("aaaa-1234").Fingerprint() == NewSecret("bbbb-1234").Fingerprint() {
		t.Error("keys with the same mask share a fingerprint")
	}
	// Known value: a fingerprint persisted by an older build must keep matching.
	if got := NewSecret("sk-test").Fingerprint(); got != "281bddd59472" {
		t.Errorf("Fingerprint(sk-test) = %q", got)
	}
	seen := map[string]string{}
	for i := range 2000 {
		k := fmt.Sprintf("sk-%d", i)
		fp := NewSecret(k).Fingerprint()
		if prev, ok := seen[fp]; ok {
			t.Fatalf("keys %q and %q share fingerprint %q", prev, k, fp)
		}
		seen[fp] = k
	}
}

// FuzzRedact: for any key, none of the outputs contains it — when the key
// is long enough (> 10 characters) to be told apart from the text around
// it, and is not part of "[REDACTED]" or of the same output made with an
// unrelated key (the fixed text of a log line, say).
func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		"sk-ant-api03-abcdefghijklmnop", "k", "REDACTED", "[REDACTED]", "sk-\"quoted\"-key", "日本語のキーですよ本当に",
		"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a", "key with spaces and = signs", "0xc000012345",
		`{"K":"[REDACTED]"}`, "%v%s%d%x%q%!", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5",
	} {
		f.Add(s)
	}
	ref := redactionOutputs(NewSecret("R"))
	f.Fuzz(func(t *testing.T, key string) {
		if len(key) < 1 {
			return
		}
		s := NewSecret(key)
		if s.Reveal() != key {
			t.Fatalf("Reveal = %q, want %q", s.Reveal(), key)
		}
		outs := redactionOutputs(s)
		if len(key) <= 10 || strings.Contains("[REDACTED]", key) {
			return
		}
		for name, o := range outs {
			if strings.Contains(ref[name], key) {
				continue // the key is text that the output always has
			}
			if strings.Contains(o, key) {
				t.Fatalf("%s reveals key %q: %s", name, key, o)
			}
		}
	})
}
