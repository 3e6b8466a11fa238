package passthrough

import "encoding/json"

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

// peekChunk reads chunkFacts in one validating pass over the chunk (the
// scanner of inbound_scan.go) instead of a decode into openAIPeek, which
// was ~5% of the gateway's CPU on short streams: every stream decodes its
// first chunks (until content) and its finish. It follows encoding/json's
// rules (keys in any case, the last duplicate of a scalar wins, null is
// absent); ok is false for anything else (a value of an unexpected type, a
// key with escapes, a duplicate "choices" or "delta", which encoding/json
// merges), and the caller then asks slowPeek. FuzzPeekChunk compares the
// two.
func peekChunk(b []byte) (f chunkFacts, ok bool) {
	var errV, choices []byte
	if !topMembers(b, func(key []byte, vs, ve int) bool {
		switch {
		case asciiEqualFold(key, "error"):
			errV = b[vs:ve]
		case asciiEqualFold(key, "choices"):
			if choices != nil {
				return false // encoding/json merges duplicates element by element
			}
			choices = b[vs:ve]
		}
		return true
	}) {
		return f, false
	}
	f.err = errV != nil && string(errV) != "null"
	if choices == nil || string(choices) == "null" {
		return f, true
	}
	if choices[0] != '[' {
		return f, false
	}
	ok = arrayElems(choices, func(c []byte) bool {
		switch c[0] {
		case 'n':
			return true
		case '{':
		default:
			return false
		}
		var delta, finish []byte
		if !topMembers(c, func(key []byte, vs, ve int) bool {
			switch {
			case asciiEqualFold(key, "delta"):
				if delta != nil {
					return false // merged by encoding/json, as above
				}
				delta = c[vs:ve]
			case asciiEqualFold(key, "finish_reason"):
				finish = c[vs:ve]
			}
			return true
		}) {
			return false
		}
		if finish != nil {
			switch finish[0] {
			case 'n':
			case '"':
				f.finish = f.finish || len(finish) > 2
			default:
				return false
			}
		}
		if delta == nil || delta[0] == 'n' {
			return true
		}
		if delta[0] != '{' {
			return false
		}
		var text [3][]byte // content, reasoning_content, reasoning
		var tools []byte
		if !topMembers(delta, func(key []byte, vs, ve int) bool {
			switch {
			case asciiEqualFold(key, "content"):
				text[0] = delta[vs:ve]
			case asciiEqualFold(key, "reasoning_content"):
				text[1] = delta[vs:ve]
			case asciiEqualFold(key, "reasoning"):
				text[2] = delta[vs:ve]
			case asciiEqualFold(key, "tool_calls"):
				tools = delta[vs:ve]
			}
			return true
		}) {
			return false
		}
		for _, t := range text {
			if t == nil || t[0] == 'n' {
				continue
			}
			if t[0] != '"' {
				return false
			}
			f.content = f.content || len(t) > 2 // "" is empty; anything else holds a character
		}
		if tools != nil && tools[0] != 'n' {
			if tools[0] != '[' {
				return false
			}
			f.content = f.content || tools[skipSpace(tools, 1)] != ']'
		}
		return true
	})
	return f, ok
}

// arrayElems calls visit with each element of the JSON array that is
// exactly b (already validated by skipValue).
func arrayElems(b []byte, visit func(elem []byte) bool) bool {
	i := skipSpace(b, 1)
	if i < len(b) && b[i] == ']' {
		return true
	}
	for i < len(b) {
		e := skipValue(b, i, 2)
		if e < 0 || !visit(b[i:e]) {
			return false
		}
		i = skipSpace(b, e)
		if i >= len(b) {
			return false
		}
		if b[i] == ']' {
			return true
		}
		if b[i] != ',' {
			return false
		}
		i = skipSpace(b, i+1)
	}
	return false
}
