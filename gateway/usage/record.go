package usage

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Record is one proxied request as the usage store keeps it: metadata and
// token counts only.
//
// A Record never carries a prompt, a completion, a header value or an API
// key, and the store never writes one: KeyFingerprint is cut down to
// "…" + the last 4 characters of whatever it holds (just "…" for
// strings shorter than 8), Host is reduced to host[:port] (no user info,
// path or query), and every string is capped at 200 bytes. Callers should
// still pass only what the field names say.
//
// Token fields follow Anthropic's convention: InputTokens EXCLUDES cache
// reads and writes, so input + cache-read + cache-write is the whole
// prompt (an OpenAI prompt_tokens of 1000 with cached_tokens 800 is
// InputTokens 200, CacheReadTokens 800). OutputTokens is everything billed
// as output, reasoning included; ReasoningTokens is the part of it that
// was reasoning, kept for display and never priced twice.
type Record struct {
	Time      time.Time // when the request arrived; zero means "now" at Add
	RequestID string    // the upstream's request id, if it sent one
	Protocol  string    // client protocol: "openai", "anthropic", "responses", "gemini"
	Backend   string    // backend id, e.g. "anyrouter"
	Host      string    // the endpoint's base URL host[:port]
	// KeyFingerprint is "…" + the last 4 characters of the key (see
	// route.Mask); never the key.
	KeyFingerprint string
	ModelAsked     string // the model the client asked for
	ModelServed    string // the model the upstream said it used ("" if it did not say)

	InputTokens      int64 // uncached input
	OutputTokens     int64 // output, reasoning included
	CacheReadTokens  int64
	CacheWriteTokens int64
	ReasoningTokens  int64 // part of OutputTokens

	Status   int           // HTTP status sent to the client; 0 when no upstream answered
	Attempts int           // upstream attempts this request took
	Stream   bool          // the client asked for a stream
	TTFB     time.Duration // time to the first byte sent to the client
	Duration time.Duration // total time until the response was complete
}

// Failed reports whether the record counts as a failure: any status
// outside 2xx/3xx, including 0 (no upstream answered).
func (r Record) Failed() bool { return r.Status < 200 || r.Status >= 400 }

// model is the model a record is priced and grouped by: the one served,
// or the one asked for when the upstream did not say.
func (r Record) model() string {
	if r.ModelServed != "" {
		return r.ModelServed
	}
	return r.ModelAsked
}

const maxField = 200

// sanitize enforces the promises of the Record doc comment.
func (r Record) sanitize() Record {
	r.RequestID = clip(r.RequestID)
	r.Protocol = clip(r.Protocol)
	r.Backend = clip(r.Backend)
	r.Host = clip(hostOnly(r.Host))
	r.KeyFingerprint = mask(r.KeyFingerprint)
	r.ModelAsked = clip(r.ModelAsked)
	r.ModelServed = clip(r.ModelServed)
	r.InputTokens = max(r.InputTokens, 0)
	r.OutputTokens = max(r.OutputTokens, 0)
	r.CacheReadTokens = max(r.CacheReadTokens, 0)
	r.CacheWriteTokens = max(r.CacheWriteTokens, 0)
	r.ReasoningTokens = max(r.ReasoningTokens, 0)
	return r
}

// mask keeps an already masked fingerprint ("…" and up to 4 characters)
// and masks anything else the way route.Mask masks a key.
func mask(s string) string {
	if s == "" {
		return ""
	}
	if rest, ok := strings.CutPrefix(s, "…"); ok && utf8.RuneCountInString(rest) <= 4 {
		return s
	}
	r := []rune(s)
	if len(r) < 8 {
		return "…"
	}
	return "…" + string(r[len(r)-4:])
}

// hostOnly reduces a host or URL to host[:port].
func hostOnly(s string) string {
	if s == "" {
		return ""
	}
	if !strings.Contains(s, "://") {
		s = "//" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "invalid-host"
	}
	return u.Host
}

// clip caps s at maxField bytes without splitting a character.
func clip(s string) string {
	if len(s) <= maxField {
		return s
	}
	s = s[:maxField]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
