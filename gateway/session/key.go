package session

import (
	"hash/maphash"

	"switchyard/gateway/jscan"
)

// Source says where a session key came from.
type Source uint8

// The sources of a session key, most explicit first: a body field of a
// higher rank wins over a lower one wherever it stands in the body.
const (
	None           Source = iota
	Header                // the session_id or x-session-id header (Codex)
	PromptCacheKey        // prompt_cache_key (OpenAI Chat, Responses)
	MetadataUserID        // metadata.user_id (Anthropic; Claude Code puts its session there)
	User                  // user (OpenAI Chat, Responses)
	Prefix                // hash of the system prompt and the first user turn
)

func (s Source) String() string {
	switch s {
	case Header:
		return "header"
	case PromptCacheKey:
		return "prompt_cache_key"
	case MetadataUserID:
		return "metadata.user_id"
	case User:
		return "user"
	case Prefix:
		return "prefix"
	}
	return "none"
}

// Spans are where a request body holds its session identity, as byte
// offsets into the body (no copies): the explicit id's raw value with its
// source, the system prompt's value, and the conversation from its start
// through the first user turn. The routing reader fills them in its one
// pass over the body (Scan* below); Derive hashes them only when asked.
type Spans struct {
	Src                Source // of Explicit; None = no explicit id
	Explicit           [2]int32
	System, FirstTurns [2]int32
	// TurnsArray: FirstTurns is the whole conversation array, whose
	// first user turn Derive finds when it needs it (most requests name
	// their session, or affinity is off: the reader does no more).
	TurnsArray bool
}

// ScanExplicit reads a string value that is an explicit id of source src
// (the scanner is at the value); a non-string value is skipped.
func (sp *Spans) ScanExplicit(s *jscan.Scanner, src Source) {
	if s.Peek() != '"' {
		s.Skip()
		return
	}
	start := s.Pos()
	s.Str()
	if sp.Src == None || src <= sp.Src {
		sp.Src, sp.Explicit = src, [2]int32{int32(start), int32(s.Pos())}
	}
}

// ScanMetadata reads an Anthropic metadata object for its user_id.
func (sp *Spans) ScanMetadata(s *jscan.Scanner) {
	if s.Peek() != '{' {
		s.Skip()
		return
	}
	s.Object()
	for first := true; ; {
		key, _, more := s.Member(&first)
		if !more {
			return
		}
		if string(key) == "user_id" {
			sp.ScanExplicit(s, MetadataUserID)
		} else {
			s.Skip()
		}
	}
}

// ScanSystem notes the span of a system prompt value (system,
// instructions, systemInstruction).
func (sp *Spans) ScanSystem(s *jscan.Scanner) {
	s.Peek()
	start := s.Pos()
	s.Skip()
	sp.System = [2]int32{int32(start), int32(s.Pos())}
}

// ScanTurns reads a conversation value (messages, input, contents): an
// array's span (Derive narrows it to the first user turn), or a string's
// (a Responses input). The value is skipped (validated) as before.
func (sp *Spans) ScanTurns(s *jscan.Scanner) {
	c := s.Peek()
	start := s.Pos()
	s.Skip()
	switch c {
	case '"', '[':
		sp.FirstTurns = [2]int32{int32(start), int32(s.Pos())}
		sp.TurnsArray = c == '['
	default:
		sp.FirstTurns = [2]int32{}
	}
}

// firstUserEnd returns the offset in arr (a JSON array the reader has
// validated) just past its first element whose role is "user", or 0 if
// none has.
func firstUserEnd(arr []byte) int {
	var s jscan.Scanner
	s.Reset(arr)
	s.Array()
	for first := true; s.More(&first, ']'); {
		if s.Peek() != '{' {
			s.Skip()
			continue
		}
		s.Object()
		user := false
		for f := true; ; {
			key, _, more := s.Member(&f)
			if !more {
				break
			}
			if string(key) == "role" && s.Peek() == '"' {
				user = string(s.Str()) == `"user"`
			} else {
				s.Skip()
			}
		}
		if user {
			return s.Pos()
		}
	}
	return 0
}

// seed is fixed for the process: keys are stable while it runs (the store
// lives no longer) and unpredictable across runs.
var seed = maphash.MakeSeed()

// Namespace is the part of a key that keeps two tools apart: the client
// protocol's name and the client's token (Authorization, x-api-key or
// x-goog-api-key as sent; "" for none); and one conversation's models
// apart (an upstream's prompt cache is per model, and an agent may send
// its small side tasks to another model that another backend serves).
// Only its hash is kept.
func Namespace(proto, token, model string) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteString(proto)
	h.WriteByte(0)
	h.WriteString(token)
	h.WriteByte(0)
	h.WriteString(model)
	return h.Sum64()
}

// Derive returns the session key of a request: from the header value
// (session_id or x-session-id) if any, else the explicit id in the body,
// else the hash of the system prompt and the first user turn (long ones
// sampled: see sampled). It returns
// (0, None) when the request names no session and has no user turn.
func Derive(ns uint64, header string, body []byte, sp *Spans) (Key, Source) {
	var src Source
	var h uint64
	// maphash.Bytes and String hash a whole slice in one call (a Hash's
	// Write goes 128 bytes at a time: 3× slower on an 8 kB system prompt).
	switch {
	case header != "":
		src = Header
		h = maphash.String(seed, header)
	case sp.Src != None && validSpan(sp.Explicit, body):
		src = sp.Src
		h = maphash.Bytes(seed, body[sp.Explicit[0]:sp.Explicit[1]])
	case validSpan(sp.FirstTurns, body):
		turns := body[sp.FirstTurns[0]:sp.FirstTurns[1]]
		if sp.TurnsArray {
			// From the start through the first user turn: an agent's
			// history runs to hundreds of turns, read only this far.
			n := firstUserEnd(turns)
			if n == 0 {
				return 0, None
			}
			turns = turns[:n]
		}
		src = Prefix
		h = sampled(turns)
		if validSpan(sp.System, body) {
			h = mix(h, sampled(body[sp.System[0]:sp.System[1]]))
		}
	default:
		return 0, None
	}
	k := Key(mix(mix(ns, uint64(src)), h))
	if k == 0 {
		k = 1 // 0 means none
	}
	return k, src
}

// sampleLen is how much of each end of a long span is hashed.
const sampleLen = 1024

// sampled hashes a span, or for a long one (an agent's system prompt is
// 10 to 30 kB, and its first user turn may carry whole files) its length
// and its first and last sampleLen bytes: the cost stays under a
// microsecond whatever the prompt's size, and two conversations that
// differ only in the middle of a long prompt and agree on the rest are
// rare; if they meet, they merely share a pin.
func sampled(b []byte) uint64 {
	if len(b) <= 2*sampleLen {
		return maphash.Bytes(seed, b)
	}
	return mix(mix(uint64(len(b)), maphash.Bytes(seed, b[:sampleLen])), maphash.Bytes(seed, b[len(b)-sampleLen:]))
}

// mix combines two 64-bit hashes, order-sensitive (the finalizer of
// splitmix64 over a rotated xor).
func mix(a, b uint64) uint64 {
	x := a ^ (b<<31 | b>>33) ^ 0x9E3779B97F4A7C15
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return x
}

func validSpan(s [2]int32, body []byte) bool {
	return s[1] > s[0] && s[0] >= 0 && int(s[1]) <= len(body)
}
