package passthrough

import (
	"encoding/json"

	"switchyard/gateway/jscan"
	"switchyard/gateway/session"
)

// Fields is the part of a request body that routing needs, in every
// protocol that carries it in the body.
type Fields struct {
	Model         string `json:"model"`
	Stream        bool   `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	// Session is where the body holds its session identity (explicit id,
	// system prompt, first user turn), noted in the same pass; the
	// encoding/json fallback leaves it empty (no session key from the body).
	Session session.Spans `json:"-"`
}

// maxScanDepth is below encoding/json's nesting limit (10000): deeper
// bodies take the fallback, which reports the error.
const maxScanDepth = 9000

// ScanFields reads model, stream and stream_options (and notes where the
// session's identity lies: Fields.Session) from a request
// body in one pass (package jscan) that also checks the JSON syntax of the
// whole body, but decodes nothing else: messages and tools, nearly all of
// an agent's request, are only skipped. json.Unmarshal into Fields scans
// the body twice (validate, then decode) and costs ~3× as much
// (BenchmarkRoutingFields).
//
// ok is false when the body is not valid JSON, or holds something this fast
// path does not treat exactly as encoding/json does: a top level that is not
// an object, a top-level key with escapes or non-ASCII bytes (encoding/json
// folds keys by Unicode rules), a model or stream of another type, nesting
// deeper than maxScanDepth. The caller then falls back to json.Unmarshal,
// which gives the exact result or error. FuzzRoutingFields checks both
// against encoding/json.
func ScanFields(b []byte) (f Fields, ok bool) {
	var s jscan.Scanner
	s.Reset(b)
	s.SetMaxDepth(maxScanDepth)
	if s.Peek() != '{' {
		return f, false
	}
	s.Object()
	for first := true; ; {
		key, plain, more := s.Member(&first)
		if !more {
			break
		}
		if !plain || !f.set(&s, key) {
			return f, false
		}
	}
	return f, s.Done()
}

// set reads the value of one top-level member as encoding/json would:
// keys match case-insensitively, a later duplicate wins, null leaves a
// field alone. It reports false where only encoding/json can say.
func (f *Fields) set(s *jscan.Scanner, key []byte) bool {
	switch {
	case asciiEqualFold(key, "model"):
		switch s.Peek() {
		case 'n':
			s.Lit("null")
			return true
		case '"':
			raw := s.Str()
			switch {
			case raw == nil:
				return false
			case jscan.Plain(raw):
				f.Model = string(jscan.RawInner(raw))
				return true
			}
			return json.Unmarshal(raw, &f.Model) == nil // escapes, non-ASCII
		}
		return false
	case asciiEqualFold(key, "stream"):
		switch s.Peek() {
		case 'n':
			s.Lit("null")
		case 't':
			s.Lit("true")
			f.Stream = true
		case 'f':
			s.Lit("false")
			f.Stream = false
		default:
			return false
		}
		return true
	case asciiEqualFold(key, "stream_options"):
		v := s.Value()
		return v != nil && json.Unmarshal(v, &f.StreamOptions) == nil // small; exact semantics
	// The session's identity (package session): spans only, no decoding.
	case asciiEqualFold(key, "prompt_cache_key"):
		f.Session.ScanExplicit(s, session.PromptCacheKey)
		return true
	case asciiEqualFold(key, "user"):
		f.Session.ScanExplicit(s, session.User)
		return true
	case asciiEqualFold(key, "metadata"):
		f.Session.ScanMetadata(s)
		return true
	case asciiEqualFold(key, "system"), asciiEqualFold(key, "instructions"),
		asciiEqualFold(key, "systeminstruction"), asciiEqualFold(key, "system_instruction"):
		f.Session.ScanSystem(s)
		return true
	case asciiEqualFold(key, "messages"), asciiEqualFold(key, "input"), asciiEqualFold(key, "contents"):
		f.Session.ScanTurns(s)
		return true
	}
	s.Skip()
	return true
}

// SpliceModel returns body with the string value of its top-level "model"
// replaced by model, every other byte as it was: the alias rewrite of the
// passthrough path without decoding and re-encoding the whole body (which
// cost ~20× more: BenchmarkRoutingFields/*/withModel). ok is false unless
// body is a valid object with exactly one key that matches "model" in any
// case, spelled exactly so, holding a string, and no top-level key with
// escapes or non-ASCII bytes; withModel then does it the slow way.
func SpliceModel(body []byte, model string) (out []byte, ok bool) {
	var s jscan.Scanner
	s.Reset(body)
	s.SetMaxDepth(maxScanDepth)
	if s.Peek() != '{' {
		return nil, false
	}
	s.Object()
	vs, ve, n := -1, -1, 0
	for first := true; ; {
		key, plain, more := s.Member(&first)
		if !more {
			break
		}
		if !plain {
			return nil, false
		}
		if !asciiEqualFold(key, "model") {
			s.Skip()
			continue
		}
		if n++; string(key) != "model" || s.Peek() != '"' {
			return nil, false
		}
		vs = s.Pos()
		s.Skip()
		ve = s.Pos()
	}
	if !s.Done() || n != 1 {
		return nil, false
	}
	mb, _ := json.Marshal(model)
	out = make([]byte, 0, len(body)-(ve-vs)+len(mb))
	out = append(out, body[:vs]...)
	out = append(out, mb...)
	return append(out, body[ve:]...), true
}

// asciiEqualFold reports whether key (Plain: ASCII only) equals
// name (lower-case ASCII) ignoring ASCII case.
func asciiEqualFold(key []byte, name string) bool {
	if len(key) != len(name) {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
