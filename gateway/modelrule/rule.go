// Package modelrule is the model rule of a backend (config.yaml's `models:`):
// which model names it accepts. Parsed once when the configuration is
// validated and read; pure, imported by config and route alike.
package modelrule

import (
	"fmt"
	"strings"
)

// Rule decides which model names a backend accepts.
//
// Syntax (case-insensitive), as written in config.yaml's `models:` field:
//
//	claude                    the name contains "claude"
//	gemini+2.5                the name contains "gemini" AND "2.5"
//	claude | gemini+2.5       either alternative matches
//	claude+!haiku             contains "claude" and does not contain "haiku"
//	*                         any model (also: empty string, "any")
//
// Alternatives are separated by '|', the terms of one alternative by '+'.
// A term starting with '!' must be absent. Terms are plain substrings: no
// regular expressions, so a rule can never be slow or surprising.
type Rule struct {
	src  string
	any  bool
	alts [][]term
}

type term struct {
	s   string
	neg bool
}

// Any accepts every model.
var Any = Rule{src: "*", any: true}

// Parse parses the rule syntax documented on Rule.
func Parse(s string) (Rule, error) {
	src := strings.TrimSpace(s)
	l := strings.ToLower(src)
	if l == "" || l == "*" || l == "any" {
		return Rule{src: "*", any: true}, nil
	}
	var r Rule
	r.src = src
	for _, alt := range strings.Split(l, "|") {
		alt = strings.TrimSpace(alt)
		if alt == "" {
			return Rule{}, fmt.Errorf("model rule %q: empty alternative around '|'", src)
		}
		var ts []term
		for _, t := range strings.Split(alt, "+") {
			t = strings.TrimSpace(t)
			neg := strings.HasPrefix(t, "!")
			if neg {
				t = strings.TrimSpace(t[1:])
			}
			if t == "" {
				return Rule{}, fmt.Errorf("model rule %q: empty term in %q", src, alt)
			}
			if t == "*" {
				return Rule{}, fmt.Errorf("model rule %q: '*' must stand alone", src)
			}
			ts = append(ts, term{s: t, neg: neg})
		}
		r.alts = append(r.alts, ts)
	}
	return r, nil
}

// MustParse is Parse for rules known to be valid (presets, tests).
func MustParse(s string) Rule {
	r, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return r
}

// Match reports whether model satisfies the rule. It does not allocate for
// ASCII model names.
func (r Rule) Match(model string) bool {
	if r.any {
		return true
	}
	for _, alt := range r.alts {
		ok := true
		for _, t := range alt {
			if containsFold(model, t.s) == t.neg {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// String returns the rule as written.
func (r Rule) String() string { return r.src }

// containsFold reports whether s contains the lower-case substring sub,
// ignoring ASCII case in s.
func containsFold(s, sub string) bool {
	n, m := len(s), len(sub)
	if m == 0 {
		return true
	}
outer:
	for i := 0; i+m <= n; i++ {
		for j := 0; j < m; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				continue outer
			}
		}
		return true
	}
	return false
}
