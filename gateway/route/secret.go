package route

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
)

// Secret is an API key. Every way of printing, logging or marshalling it
// yields "[REDACTED]"; the raw value is only available through Reveal, which
// the gateway calls at the one place it sets the outbound auth header.
//
// The value sits behind a pointer: when a Secret is an unexported field of
// another struct (Plan, Attempt inside a private field…), fmt and slog's
// text handler cannot call its methods and print the field's raw contents;
// a pointer prints as an address, never as the key.
//
// The fingerprint (not secret: a truncated hash) is computed once, with
// the Secret: plans look pairs up by it for every candidate of every
// request, and session pins name keys by it. It sits beside the pointer,
// never behind the same one: fmt prints a pointer to a struct's contents
// under a wrong verb (%s of an unexported field), but a *string as an
// address.
type Secret struct {
	p  *string
	fp string
}

// NewSecret wraps a key.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	h := sha256.Sum256([]byte("switchyard-key:" + s))
	return Secret{p: &s, fp: hex.EncodeToString(h[:6])}
}

// Reveal returns the raw key. Call it only to set an upstream auth header.
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// Empty reports whether there is no key.
func (s Secret) Empty() bool { return s.Reveal() == "" }

// Mask returns "…" + the last 4 characters (just "…" for keys shorter
// than 8), the only form in which a key is ever shown.
func (s Secret) Mask() string { return Mask(s.Reveal()) }

// Fingerprint returns a short, non-reversible id of the key, used to
// remember the active pair across restarts without storing the key.
func (s Secret) Fingerprint() string {
	return s.fp
}

const redacted = "[REDACTED]"

func (s Secret) String() string               { return redacted }
func (s Secret) GoString() string             { return redacted }
func (s Secret) Format(f fmt.State, _ rune)   { f.Write([]byte(redacted)) }
func (s Secret) LogValue() slog.Value         { return slog.StringValue(redacted) }
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Mask returns "…" + the last 4 characters of key ("…" alone for keys
// shorter than 8 characters, and "" for no key).
func Mask(key string) string {
	if key == "" {
		return ""
	}
	r := []rune(key)
	if len(r) < 8 {
		return "…"
	}
	return "…" + string(r[len(r)-4:])
}
