// Package meter reads the token usage an upstream reported from its answer
// in the backend's wire format (OpenAI Chat, Anthropic Messages, OpenAI
// Responses, Gemini), as the relays pass the answer on: Event for each
// stream event, Body for a whole JSON answer. It never buffers: each
// event is looked at once, in place, and an event that cannot carry usage
// is passed over after a byte search.
//
// Counts follow usage.Record's convention: Input EXCLUDES cache reads and
// writes (an OpenAI prompt_tokens of 1000 with cached_tokens 800 is Input
// 200, CacheRead 800); Output is all output, reasoning included; Reasoning
// is the part of Output that was reasoning.
//
// Where each format keeps it:
//
//	openai     usage.prompt_tokens, completion_tokens, prompt_tokens_details.cached_tokens
//	           (and cache_write_tokens, or the LiteLLM-style top-level cache_read/
//	           cache_creation_input_tokens), completion_tokens_details.reasoning_tokens;
//	           in a stream, the chunk with usage; model
//	anthropic  message_start's message.usage and model, then message_delta's usage
//	           (input_tokens, output_tokens, cache_creation_input_tokens,
//	           cache_read_input_tokens; a later value replaces an earlier one)
//	responses  response.usage of response.completed (or .incomplete/.failed):
//	           input_tokens, input_tokens_details.cached_tokens, output_tokens,
//	           output_tokens_details.reasoning_tokens; response.model
//	gemini     usageMetadata: promptTokenCount, candidatesTokenCount,
//	           cachedContentTokenCount, thoughtsTokenCount; modelVersion
//	           (every chunk repeats the running totals; the last wins)
package meter

import (
	"bytes"

	"switchyard/gateway/jscan"
)

// Format is a backend wire format.
type Format uint8

// The formats, named as in the config (Parse).
const (
	OpenAI Format = iota
	Anthropic
	Responses
	Gemini
)

// Parse returns the Format named "openai", "anthropic", "responses" or
// "gemini"; false for any other name.
func Parse(name string) (Format, bool) {
	switch name {
	case "openai":
		return OpenAI, true
	case "anthropic":
		return Anthropic, true
	case "responses":
		return Responses, true
	case "gemini":
		return Gemini, true
	}
	return 0, false
}

// Usage is what an upstream reported, normalised (see the package doc).
type Usage struct {
	Input, Output, CacheRead, CacheWrite, Reasoning int64
	Model                                           string // the model the upstream named; "" if none
}

// Total is every token counted once: input, cache reads and writes,
// output.
func (u Usage) Total() int64 { return u.Input + u.CacheRead + u.CacheWrite + u.Output }

// counter indexes Meter.raw: each field as the wire names it.
const (
	cPrompt      = iota // openai prompt_tokens (cache included)
	cCompletion         // openai completion_tokens
	cCached             // openai prompt_tokens_details.cached_tokens
	cCacheWrite         // openai prompt_tokens_details.cache_write_tokens
	cTopCR              // top-level cache_read_input_tokens (LiteLLM style, anthropic)
	cTopCC              // top-level cache_creation_input_tokens
	cReasoning          // completion_tokens_details / output_tokens_details .reasoning_tokens
	cInput              // anthropic/responses input_tokens
	cOutput             // anthropic/responses output_tokens
	cRespCached         // responses input_tokens_details.cached_tokens
	cGPrompt            // gemini promptTokenCount (cache included)
	cGCandidates        // gemini candidatesTokenCount (thoughts excluded)
	cGCached            // gemini cachedContentTokenCount
	cGThoughts          // gemini thoughtsTokenCount
	nCounters
)

// Meter accumulates one answer's usage. The zero value meters OpenAI;
// use New for another format. It is not safe for concurrent use.
type Meter struct {
	f    Format
	seen bool
	raw  [nCounters]int64 // the largest value reported (the counts only grow)
	// model is the served model's name; modelBuf holds its bytes so a
	// repeated name (every chunk of a stream) allocates nothing.
	model    string
	modelBuf []byte
	s        jscan.Scanner
}

// New returns a Meter for answers in format f.
func New(f Format) Meter { return Meter{f: f} }

// Reset starts a new answer in format f, keeping the buffers.
func (m *Meter) Reset(f Format) {
	*m = Meter{f: f, modelBuf: m.modelBuf[:0], model: ""}
}

// Reported reports whether the upstream reported any usage so far.
func (m *Meter) Reported() bool { return m.seen }

var (
	usageMark = []byte(`"usage`) // "usage" and "usageMetadata"
	modelMark = []byte(`"model`) // "model" and "modelVersion"

	metadataMark = []byte("Metadata")
)

// Event reads one stream event's data (the SSE data field, a JSON
// object). An event without usage is passed over, except that a served
// model is noted from the first event that names one.
func (m *Meter) Event(data []byte) {
	if hasUsage(data) || m.model == "" && bytes.Contains(data, modelMark) {
		m.read(data)
	}
}

// hasUsage reports whether data may hold a usage object: "usage" or
// "usageMetadata" followed by a colon and '{' ("usage":null, which every
// chunk of an OpenAI stream carries, does not count).
func hasUsage(data []byte) bool {
	for {
		i := bytes.Index(data, usageMark)
		if i < 0 {
			return false
		}
		data = data[i+len(usageMark):]
		j := 0
		if bytes.HasPrefix(data, metadataMark) {
			j = len(metadataMark)
		}
		if j < len(data) && data[j] == '"' {
			for j++; j < len(data) && (data[j] == ' ' || data[j] == '\t' || data[j] == '\n' || data[j] == '\r' || data[j] == ':'); j++ {
			}
			if j < len(data) && data[j] == '{' {
				return true
			}
		}
	}
}

// Body reads a whole (non-streaming) JSON answer.
func (m *Meter) Body(body []byte) {
	if bytes.Contains(body, usageMark) || bytes.Contains(body, modelMark) {
		m.read(body)
	}
}

// Usage returns the usage read so far, normalised.
func (m *Meter) Usage() Usage {
	u := Usage{Model: m.model}
	r := &m.raw
	switch m.f {
	case OpenAI:
		cr, cw := r[cCached], r[cCacheWrite]
		if cr <= 0 {
			cr = r[cTopCR]
		}
		if cw <= 0 {
			cw = r[cTopCC]
		}
		cr, cw = max(cr, 0), max(cw, 0)
		u.Input = max(r[cPrompt]-cr-cw, 0)
		u.CacheRead, u.CacheWrite = cr, cw
		u.Output = max(r[cCompletion], 0)
		u.Reasoning = max(r[cReasoning], 0)
	case Anthropic:
		u.Input = max(r[cInput], 0)
		u.CacheRead, u.CacheWrite = max(r[cTopCR], 0), max(r[cTopCC], 0)
		u.Output = max(r[cOutput], 0)
	case Responses:
		cr := max(r[cRespCached], 0)
		u.Input = max(r[cInput]-cr, 0)
		u.CacheRead = cr
		u.Output = max(r[cOutput], 0)
		u.Reasoning = max(r[cReasoning], 0)
	case Gemini:
		cr := max(r[cGCached], 0)
		u.Input = max(r[cGPrompt]-cr, 0)
		u.CacheRead = cr
		th := max(r[cGThoughts], 0)
		u.Output = max(r[cGCandidates], 0) + th
		u.Reasoning = th
	}
	return u
}

// read walks one JSON object: the top level, and message (Anthropic's
// message_start) or response (Responses events) one level down.
func (m *Meter) read(data []byte) {
	s := &m.s
	s.Reset(data)
	m.object(s, 0)
}

func (m *Meter) object(s *jscan.Scanner, depth int) {
	if s.Peek() != '{' {
		s.Skip()
		return
	}
	s.Object()
	for first := true; s.More(&first, '}'); {
		switch k := s.Key(); string(k) {
		case "usage", "usageMetadata":
			m.usage(s, 0)
		case "model", "modelVersion":
			m.setModel(s.StrOpt())
		case "message", "response":
			if depth == 0 {
				m.object(s, 1)
			} else {
				s.Skip()
			}
		default:
			s.Skip()
		}
	}
}

func (m *Meter) setModel(raw []byte) {
	if len(raw) < 2 || !jscan.Plain(raw) {
		return // null, not a string, or escaped: a model id never needs escapes
	}
	v := raw[1 : len(raw)-1]
	if len(v) == 0 || string(v) == m.model { // the comparison does not allocate
		return
	}
	m.modelBuf = append(m.modelBuf[:0], v...)
	m.model = string(m.modelBuf)
}

// usage reads a usage object (or one of its details objects: depth 1).
func (m *Meter) usage(s *jscan.Scanner, depth int) {
	if s.Peek() != '{' {
		s.Skip() // "usage": null in a stream's chunks
		return
	}
	s.Object()
	m.seen = true
	for first := true; s.More(&first, '}'); {
		k := s.Key()
		c := -1
		if depth == 0 {
			switch string(k) {
			case "prompt_tokens":
				c = cPrompt
			case "completion_tokens":
				c = cCompletion
			case "cache_read_input_tokens":
				c = cTopCR
			case "cache_creation_input_tokens":
				c = cTopCC
			case "input_tokens":
				c = cInput
			case "output_tokens":
				c = cOutput
			case "promptTokenCount":
				c = cGPrompt
			case "candidatesTokenCount":
				c = cGCandidates
			case "cachedContentTokenCount":
				c = cGCached
			case "thoughtsTokenCount":
				c = cGThoughts
			case "prompt_tokens_details", "input_tokens_details":
				m.details(s, true)
				continue
			case "completion_tokens_details", "output_tokens_details":
				m.details(s, false)
				continue
			}
		}
		if c < 0 {
			s.Skip()
			continue
		}
		m.count(s, c)
	}
}

func (m *Meter) details(s *jscan.Scanner, input bool) {
	if s.Peek() != '{' {
		s.Skip()
		return
	}
	s.Object()
	for first := true; s.More(&first, '}'); {
		c := -1
		switch k := s.Key(); {
		case input && string(k) == "cached_tokens":
			c = cCached
			if m.f == Responses {
				c = cRespCached
			}
		case input && string(k) == "cache_write_tokens":
			c = cCacheWrite
		case !input && string(k) == "reasoning_tokens":
			c = cReasoning
		}
		if c < 0 {
			s.Skip()
			continue
		}
		m.count(s, c)
	}
}

// count reads one counter; null or a non-integer leaves it as it was.
func (m *Meter) count(s *jscan.Scanner, c int) {
	if p := s.Peek(); p == '-' || '0' <= p && p <= '9' {
		// Streams repeat running totals (Anthropic's message_start and
		// message_delta, Gemini's chunks): the largest is the answer's, and
		// a later 0 (some proxies' message_delta) does not erase a count.
		if v, ok := s.Num(); ok && int64(v) > m.raw[c] {
			m.raw[c] = int64(v)
		}
		return
	}
	s.Skip()
}
