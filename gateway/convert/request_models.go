package convert

import (
	"strings"
)

// Model-family flags decided by the upstream model name (docs/conversion.md §1.1/§1.2:
// "backend flags"). Names are matched case-insensitively after any provider
// prefix ("openai/gpt-5", "anthropic.claude-…", "us.anthropic.claude-…").

// modelBase lower-cases name and drops a provider prefix ending in '/'.
func modelBase(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// isOpenAIReasoningModel reports whether name is an OpenAI reasoning-family
// model (o1, o3, o4, gpt-5…): these reject max_tokens (max_completion_tokens
// instead) and temperature/top_p, and accept reasoning_effort.
func isOpenAIReasoningModel(name string) bool {
	b := modelBase(name)
	for _, p := range []string{"o1", "o3", "o4"} {
		if b == p || strings.HasPrefix(b, p+"-") {
			return true
		}
	}
	return strings.HasPrefix(b, "gpt-5")
}

// claudeVersion parses a Claude model name into family ("opus", "sonnet",
// "haiku") and version. It understands both "claude-sonnet-4-5-20250929"
// and the older "claude-3-5-sonnet-20241022" orders, with or without
// provider prefixes ("anthropic.", "us.anthropic.") and suffixes ("@date",
// "-v1:0"). A date is never taken for a minor version. ok is false for
// anything else.
func claudeVersion(name string) (family string, major, minor int, ok bool) {
	b := modelBase(name)
	i := strings.Index(b, "claude-")
	if i < 0 {
		return "", 0, 0, false
	}
	b = b[i+len("claude-"):]
	if j := strings.IndexAny(b, "@:"); j >= 0 {
		b = b[:j]
	}
	major, minor = -1, 0
	minorSet := false
	for rest := b; rest != ""; { // the tokens between dashes, without a slice of them
		var tok string
		tok, rest, _ = strings.Cut(rest, "-")
		switch tok {
		case "opus", "sonnet", "haiku":
			family = tok
			continue
		}
		n, ok := smallNumber(tok)
		if !ok {
			continue // dates, "v1", "latest", …
		}
		switch {
		case major < 0:
			major = n
		case !minorSet:
			minor, minorSet = n, true
		}
	}
	if family == "" || major < 0 {
		return "", 0, 0, false
	}
	return family, major, minor, true
}

// versionAtLeast reports whether major.minor >= wantMajor.wantMinor.
func versionAtLeast(major, minor, wantMajor, wantMinor int) bool {
	return major > wantMajor || (major == wantMajor && minor >= wantMinor)
}

// ExclusiveSampling reports whether an Anthropic model rejects requests
// that set both temperature and top_p: Sonnet 4.5+, Haiku 4.5+, Opus 4.1+
// and any later major version.
func ExclusiveSampling(name string) bool {
	family, major, minor, ok := claudeVersion(name)
	if !ok {
		return false
	}
	switch family {
	case "opus":
		return versionAtLeast(major, minor, 4, 1)
	default:
		return versionAtLeast(major, minor, 4, 5)
	}
}

// smallNumber reads a version number of one or two digits.
func smallNumber(tok string) (int, bool) {
	if len(tok) == 0 || len(tok) > 2 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// ClaudeMaxOutput returns the documented maximum max_tokens of a known
// Claude model, or 0 when unknown (no clamping). Newer, unlisted versions
// are not clamped rather than guessed.
func ClaudeMaxOutput(name string) int {
	family, major, minor, ok := claudeVersion(name)
	if !ok {
		return 0
	}
	switch {
	case major == 3 && minor == 0:
		return 4096 // claude-3-opus, claude-3-haiku, claude-3-sonnet
	case major == 3 && minor == 5:
		return 8192
	case major == 3 && minor == 7:
		return 64000 // without the 128k output beta
	case major == 4 && family == "opus" && minor <= 1:
		return 32000
	case major == 4 && minor <= 5:
		return 64000 // sonnet 4/4.5, haiku 4.5, opus 4.5
	}
	return 0
}
