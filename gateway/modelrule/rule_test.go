package modelrule

import (
	"strings"
	"testing"
)

func TestRuleMatch(t *testing.T) {
	const anyRouter = "claude | gemini+2.5 | gpt-5+codex"
	tests := []struct {
		rule  string
		model string
		want  bool
	}{
		// The AnyRouter preset, exactly.
		{anyRouter, "claude-sonnet-4-5", true},
		{anyRouter, "CLAUDE-3-opus", true},
		{anyRouter, "claude-opus-4-1-20250805", true},
		{anyRouter, "gemini-2.5-pro", true},
		{anyRouter, "Gemini-2.5-Flash", true},
		{anyRouter, "gemini-3-pro", false},
		{anyRouter, "gemini-2.0-flash", false},
		{anyRouter, "gpt-5-codex", true},
		{anyRouter, "gpt-5.1-codex-mini", true},
		{anyRouter, "GPT-5-CODEX", true},
		{anyRouter, "gpt-5", false},
		{anyRouter, "gpt-5.1", false},
		{anyRouter, "gpt-4o", false},
		{anyRouter, "codex-mini", false},
		{anyRouter, "", false},
		{"CLAUDE", "claude-3-haiku", true}, // the rule is case-insensitive too

		// Negation.
		{"claude+!haiku", "claude-sonnet-4-5", true},
		{"claude+!haiku", "claude-3-5-haiku", false},
		{"claude+!haiku", "CLAUDE-3-HAIKU", false},
		{"claude+!haiku", "gpt-4o", false},
		{"!haiku", "gpt-4o", true},
		{"!haiku", "claude-haiku", false},
		{"! haiku", "claude-haiku", false}, // space after '!' is trimmed
		{"claude + ! haiku | gpt", "gpt-4o", true},
		{"claude+!haiku|haiku", "claude-haiku", true}, // the second alternative matches
		{"!a+!b", "c", true},
		{"!a+!b", "xb", false},

		// Any.
		{"*", "anything-at-all", true},
		{"*", "", true},
		{"", "gpt-4o", true},
		{"   ", "gpt-4o", true},
		{"any", "gpt-4o", true},
		{"ANY", "x", true},
		{" * ", "x", true},

		// Plain substrings, never regular expressions.
		{"gpt-4.1", "gpt-4x1", false},
		{"gpt-4.1", "gpt-4.1-mini", true},
		{"a.*b", "axxb", false},
		{"a.*b", "xa.*by", true},
		{"ß", "ß-model", true}, // non-ASCII terms match byte-exactly
	}
	for _, tc := range tests {
		r, err := Parse(tc.rule)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.rule, err)
		}
		if got := r.Match(tc.model); got != tc.want {
			t.Errorf("Parse(%q).Match(%q) = %v, want %v", tc.rule, tc.model, got, tc.want)
		}
	}
}

func TestRuleString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "*"},
		{"any", "*"},
		{"*", "*"},
		{"  claude | Gemini+2.5 ", "claude | Gemini+2.5"}, // as written, trimmed
	}
	for _, tc := range tests {
		if got := MustParse(tc.in).String(); got != tc.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
	}
	if Any.String() != "*" || !Any.Match("x") {
		t.Errorf("Any = %q, Match(x) = %v", Any.String(), Any.Match("x"))
	}
	var zero Rule // a zero Rule matches nothing and does not panic
	if zero.Match("x") {
		t.Error("zero Rule matched")
	}
}

func TestParseRuleErrors(t *testing.T) {
	tests := []struct {
		in      string
		errPart string
	}{
		{"a||b", "empty alternative"},
		{"|a", "empty alternative"},
		{"a|", "empty alternative"},
		{"a | | b", "empty alternative"},
		{"|", "empty alternative"},
		{"a+", "empty term"},
		{"+a", "empty term"},
		{"a++b", "empty term"},
		{"!", "empty term"},
		{"a+!", "empty term"},
		{"! ", "empty term"},
		{"a+*", "'*' must stand alone"},
		{"*|a", "'*' must stand alone"},
		{"!*", "'*' must stand alone"},
		{"* + a", "'*' must stand alone"},
	}
	for _, tc := range tests {
		r, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q) = %q, want an error", tc.in, r.String())
			continue
		}
		if !strings.Contains(err.Error(), tc.errPart) || !strings.Contains(err.Error(), "model rule") {
			t.Errorf("Parse(%q) error = %q, want it to contain %q", tc.in, err, tc.errPart)
		}
		if r.Match("a") || r.Match("") {
			t.Errorf("Parse(%q) returned a rule that matches despite the error", tc.in)
		}
	}
}

func TestMustParseRulePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParse(\"a||b\") did not panic")
		}
	}()
	MustParse("a||b")
}

func TestRuleMatchDoesNotAllocate(t *testing.T) {
	r := MustParse("claude | gemini+2.5 | gpt-5+codex+!mini")
	n := testing.AllocsPerRun(100, func() { r.Match("GPT-5.1-Codex-Max") })
	if n != 0 {
		t.Errorf("Match allocates %v times per call", n)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func FuzzParseRule(f *testing.F) {
	for _, s := range []string{
		"", "*", "any", "claude", "claude | gemini+2.5 | gpt-5+codex", "claude+!haiku", "a||b", "a+", "!",
		"a+*", "|", "+", "!!a", "İ", "\u212a", "\xff\xfe", "a|b|c+d+!e", " ! x | y ",
	} {
		f.Add(s, "claude-sonnet-4-5")
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, rule, model string) {
		r, err := Parse(rule)
		if err != nil {
			if r.Match(model) {
				t.Fatalf("Parse(%q) failed (%v) but its rule matches %q", rule, err, model)
			}
			return
		}
		got := r.Match(model)
		for _, m := range []string{"", "a", "claude-sonnet-4-5", rule, model + model} {
			_ = r.Match(m)
		}
		// The rule's String parses back to an equivalent rule.
		r2, err := Parse(r.String())
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", rule, r.String(), err)
		}
		if r2.Match(model) != got {
			t.Fatalf("rule %q and its String %q disagree on %q", rule, r.String(), model)
		}
		// Model case does not matter (ASCII folding).
		if isASCII(model) {
			if r.Match(strings.ToUpper(model)) != got || r.Match(strings.ToLower(model)) != got {
				t.Fatalf("rule %q: Match(%q) depends on case", rule, model)
			}
		}
		if r.any && !got {
			t.Fatalf("any-rule %q did not match %q", rule, model)
		}
	})
}
