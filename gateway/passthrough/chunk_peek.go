package passthrough

import (
	"encoding/json"

	"switchyard/gateway/jscan"
)

// chunkFacts is what the OpenAI stream relay needs to know of a chunk:
// whether it carries an error object, meaningful content (text, reasoning
// or a tool call: the first-byte rule), or a finish reason.
type chunkFacts struct{ err, content, finish bool }

// slowPeek reads chunkFacts with encoding/json: the reference, and the
// fallback of peekChunk.
func slowPeek(data []byte) (f chunkFacts, err error) {
	var pk openAIPeek
	if err := json.Unmarshal(data, &pk); err != nil {
		return f, err
	}
	f.err = len(pk.Error) > 0 && string(pk.Error) != "null"
	for _, c := range pk.Choices {
		d := c.Delta
		if d.Content != nil && *d.Content != "" || d.ReasoningContent != nil && *d.ReasoningContent != "" ||
			d.Reasoning != nil && *d.Reasoning != "" || len(d.ToolCalls) > 0 {
			f.content = true
		}
		if c.FinishReason != nil && *c.FinishReason != "" {
			f.finish = true
		}
	}
	return f, nil
}

// peekChunk reads chunkFacts in one validating pass over the chunk
// (package jscan) instead of a decode into openAIPeek, which was ~5% of
// the gateway's CPU on short streams: every stream decodes its first
// chunks (until content) and its finish. It follows encoding/json's rules
// (keys in any case, the last duplicate of a field wins, null is absent);
// ok is false for anything else (a value of an unexpected type anywhere a
// field is read, even if a later duplicate fixes it, since encoding/json
// then fails; a key with escapes or non-ASCII bytes; a duplicate "choices"
// or "delta", which encoding/json merges), and the caller then asks
// slowPeek. FuzzPeekChunk compares the two.
func peekChunk(b []byte) (f chunkFacts, ok bool) {
	var s jscan.Scanner
	s.Reset(b)
	if s.Peek() != '{' {
		return f, false
	}
	s.Object()
	choices := false
	for first := true; ; {
		key, plain, more := s.Member(&first)
		if !more {
			break
		}
		switch {
		case !plain:
			return f, false
		case asciiEqualFold(key, "error"):
			f.err = s.Peek() != 'n'
			s.Skip()
		case asciiEqualFold(key, "choices"):
			if choices {
				return f, false // encoding/json merges duplicates element by element
			}
			choices = true
			if !peekChoices(&s, &f) {
				return f, false
			}
		default:
			s.Skip()
		}
	}
	return f, s.Done()
}

// peekChoices reads the choices array (or null).
func peekChoices(s *jscan.Scanner, f *chunkFacts) bool {
	switch s.Peek() {
	case 'n':
		s.Skip()
		return true
	case '[':
		s.Array()
	default:
		return false
	}
	for first := true; s.More(&first, ']'); {
		switch s.Peek() {
		case 'n':
			s.Skip()
		case '{':
			if !peekChoice(s, f) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// peekChoice reads one choice object: its delta and finish_reason.
func peekChoice(s *jscan.Scanner, f *chunkFacts) bool {
	s.Object()
	delta := false
	var finish text // the last finish_reason wins
	for first := true; ; {
		key, plain, more := s.Member(&first)
		if !more {
			break
		}
		switch {
		case !plain:
			return false
		case asciiEqualFold(key, "delta"):
			if delta {
				return false // merged by encoding/json, as "choices" above
			}
			delta = true
			if !peekDelta(s, f) {
				return false
			}
		case asciiEqualFold(key, "finish_reason"):
			if finish = peekText(s); finish == textBad {
				return false
			}
		default:
			s.Skip()
		}
	}
	f.finish = f.finish || finish == textSome
	return true
}

// peekDelta reads a delta object (or null): whether content, reasoning or
// tool calls hold anything.
func peekDelta(s *jscan.Scanner, f *chunkFacts) bool {
	switch s.Peek() {
	case 'n':
		s.Skip()
		return true
	case '{':
		s.Object()
	default:
		return false
	}
	var texts [4]text // content, reasoning_content, reasoning, tool_calls: the last of each wins
	for first := true; ; {
		key, plain, more := s.Member(&first)
		if !more {
			break
		}
		k := -1
		switch {
		case !plain:
			return false
		case asciiEqualFold(key, "content"):
			k = 0
		case asciiEqualFold(key, "reasoning_content"):
			k = 1
		case asciiEqualFold(key, "reasoning"):
			k = 2
		case asciiEqualFold(key, "tool_calls"):
			if texts[3] = peekList(s); texts[3] == textBad {
				return false
			}
			continue
		}
		if k < 0 {
			s.Skip()
		} else if texts[k] = peekText(s); texts[k] == textBad {
			return false
		}
	}
	for _, t := range texts {
		f.content = f.content || t == textSome
	}
	return true
}

// text classifies a string (or list) field as encoding/json would see it.
type text uint8

const (
	textNone text = iota // absent, null or empty
	textSome             // holds something
	textBad              // of another type: encoding/json fails
)

// peekText reads a string or null.
func peekText(s *jscan.Scanner) text {
	switch s.Peek() {
	case 'n':
		s.Skip()
		return textNone
	case '"':
		if len(s.Str()) > 2 { // "" is empty; anything else holds a character
			return textSome
		}
		return textNone
	}
	return textBad
}

// peekList reads an array or null (tool_calls).
func peekList(s *jscan.Scanner) text {
	switch s.Peek() {
	case 'n':
		s.Skip()
		return textNone
	case '[':
		s.Array()
	default:
		return textBad
	}
	t := textNone
	for first := true; s.More(&first, ']'); {
		t = textSome
		s.Skip()
	}
	return t
}
