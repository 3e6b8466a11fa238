package streamconv

import (
	crand "crypto/rand"
	"crypto/sha256"
	"math/rand/v2"
)

// Shared pieces of the two stream converters (docs/conversion.md §3).

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// streamIDs synthesizes the ids an upstream did not send (message ids,
// tool-call ids: `toolu_` + 24 base62). With StreamOptions.MessageID set
// (tests) the sequence is derived from it, so output is deterministic;
// otherwise it is seeded from crypto/rand. Nothing is set up until the
// first id is needed.
type streamIDs struct {
	fixed string
	r     *rand.ChaCha8
}

func (g *streamIDs) append(dst []byte, prefix string, n int) []byte {
	if g.r == nil {
		var seed [32]byte
		if g.fixed != "" {
			seed = sha256.Sum256([]byte("switchyard stream ids\x00" + g.fixed))
		} else {
			_, _ = crand.Read(seed[:]) // never fails on supported platforms
		}
		g.r = rand.NewChaCha8(seed)
	}
	dst = append(dst, prefix...)
	for range n {
		dst = append(dst, base62[g.r.Uint64()%62])
	}
	return dst
}

// anthropicTypeForOpenAIError maps the type (or code) of an OpenAI-shaped
// in-stream error to an Anthropic error.type (docs/conversion.md §4). Anthropic types
// pass through; anything unknown is api_error.
func anthropicTypeForOpenAIError(t string) string {
	switch t {
	case "invalid_request_error", "authentication_error", "permission_error", "not_found_error",
		"request_too_large", "rate_limit_error", "api_error", "overloaded_error", "billing_error",
		"timeout_error":
		return t
	case "rate_limit_exceeded", "insufficient_quota", "tokens", "requests":
		return "rate_limit_error"
	case "invalid_api_key", "authentication":
		return "authentication_error"
	case "model_not_found":
		return "not_found_error"
	case "context_length_exceeded", "invalid_request", "bad_request":
		return "invalid_request_error"
	}
	return "api_error"
}

// Messages of the errors the converters produce themselves.
const (
	msgATruncated    = "upstream stream ended prematurely"
	msgOTruncated    = "stream truncated"
	msgBadJSON       = "upstream protocol error: malformed JSON in stream event"
	msgUpstreamError = "upstream error"
)
