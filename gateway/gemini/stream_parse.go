package gemini

import (
	crand "crypto/rand"
	"encoding/hex"
)

// gChunk holds the fields of one Gemini stream chunk a converter uses;
// byte fields are raw JSON literals aliasing the event data.
type gChunk struct {
	responseID, model []byte
	hasCand, blocked  bool
	parts             []gPart // of the first candidate
	finish            []byte
	usage             UsageMetadata
	hasUsage, isError bool
}

type gPart struct {
	text          []byte
	thought, call bool
	id, name      []byte
	args          []byte // raw value
}

func (ch *gChunk) parse(s *jscan, data []byte) bool {
	parts := ch.parts[:0]
	*ch = gChunk{parts: parts}
	s.reset(data)
	if s.peek() != '{' {
		s.fail()
		return false
	}
	s.object()
	for first := true; s.more(&first, '}'); {
		switch string(s.key()) {
		case "responseId":
			ch.responseID = s.strOpt()
		case "modelVersion":
			ch.model = s.strOpt()
		case "candidates":
			if s.array() {
				for first := true; s.more(&first, ']'); {
					ch.parseCandidate(s)
				}
			}
		case "usageMetadata":
			ch.parseUsage(s)
		case "promptFeedback":
			if s.object() {
				for first := true; s.more(&first, '}'); {
					if string(s.key()) == "blockReason" {
						ch.blocked = s.strOpt() != nil
					} else {
						s.skip()
					}
				}
			}
		case "error":
			if s.peek() == 'n' {
				s.lit("null")
			} else {
				s.skip()
				ch.isError = true
			}
		default:
			s.skip()
		}
	}
	return s.done()
}

// parseCandidate reads one candidate; only the first is kept (the
// converters serve one candidate).
func (ch *gChunk) parseCandidate(s *jscan) {
	if !s.object() {
		return
	}
	keep := !ch.hasCand
	ch.hasCand = true
	for first := true; s.more(&first, '}'); {
		switch k := string(s.key()); {
		case k == "finishReason" && keep:
			ch.finish = s.strOpt()
		case k == "content" && keep:
			if !s.object() {
				continue
			}
			for first := true; s.more(&first, '}'); {
				if string(s.key()) != "parts" || !s.array() {
					s.skip()
					continue
				}
				for first := true; s.more(&first, ']'); {
					ch.parsePart(s)
				}
			}
		default:
			s.skip()
		}
	}
}

func (ch *gChunk) parsePart(s *jscan) {
	if !s.object() {
		return
	}
	ch.parts = append(ch.parts, gPart{})
	p := &ch.parts[len(ch.parts)-1]
	for first := true; s.more(&first, '}'); {
		switch string(s.key()) {
		case "text":
			p.text = s.strOpt()
		case "thought":
			p.thought = s.peek() == 't'
			s.skip()
		case "functionCall":
			if !s.object() {
				continue
			}
			p.call = true
			for first := true; s.more(&first, '}'); {
				switch string(s.key()) {
				case "id":
					p.id = s.strOpt()
				case "name":
					p.name = s.strOpt()
				case "args":
					p.args = s.value()
				default:
					s.skip()
				}
			}
		default:
			s.skip()
		}
	}
}

func (ch *gChunk) parseUsage(s *jscan) {
	if !s.object() {
		return
	}
	ch.hasUsage = true
	u := &ch.usage
	for first := true; s.more(&first, '}'); {
		switch string(s.key()) {
		case "promptTokenCount":
			u.PromptTokenCount = s.intOpt()
		case "candidatesTokenCount":
			u.CandidatesTokenCount = s.intOpt()
		case "cachedContentTokenCount":
			u.CachedContentTokenCount = s.intOpt()
		case "thoughtsTokenCount":
			u.ThoughtsTokenCount = s.intOpt()
		case "toolUsePromptTokenCount":
			u.ToolUsePromptTokenCount = s.intOpt()
		case "totalTokenCount":
			u.TotalTokenCount = s.intOpt()
		default:
			s.skip()
		}
	}
}

// randomSeed is 16 random bytes in hex, for ids nobody sent.
func randomSeed() string {
	var b [16]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// hChunk holds the fields of one hub (OpenAI) chunk FromHubStream uses.
type hChunk struct {
	id, model []byte
	choices   []hChoice
	usage     hUsage
	hasUsage  bool
	isError   bool
}

type hChoice struct {
	content, reasoning []byte
	tools              []hToolDelta
	finish             []byte
}

type hToolDelta struct {
	index          int
	id, name, args []byte
}

type hUsage struct {
	prompt, completion, total, cached, reasoning int
}

func (ch *hChunk) parse(s *jscan, data []byte) bool {
	choices := ch.choices[:0]
	*ch = hChunk{choices: choices}
	s.reset(data)
	if s.peek() != '{' {
		s.fail()
		return false
	}
	s.object()
	for first := true; s.more(&first, '}'); {
		switch string(s.key()) {
		case "id":
			ch.id = s.strOpt()
		case "model":
			ch.model = s.strOpt()
		case "choices":
			if s.array() {
				for first := true; s.more(&first, ']'); {
					ch.parseChoice(s)
				}
			}
		case "usage":
			ch.parseUsage(s)
		case "error":
			if s.peek() == 'n' {
				s.lit("null")
			} else {
				s.skip()
				ch.isError = true
			}
		default:
			s.skip()
		}
	}
	return s.done()
}

func (ch *hChunk) parseChoice(s *jscan) {
	if !s.object() {
		return
	}
	n := len(ch.choices)
	if n < cap(ch.choices) {
		ch.choices = ch.choices[:n+1]
		ch.choices[n] = hChoice{tools: ch.choices[n].tools[:0]}
	} else {
		ch.choices = append(ch.choices, hChoice{})
	}
	c := &ch.choices[n]
	for first := true; s.more(&first, '}'); {
		switch string(s.key()) {
		case "delta", "message":
			if !s.object() {
				continue
			}
			for first := true; s.more(&first, '}'); {
				switch string(s.key()) {
				case "content":
					c.content = s.strOpt()
				case "reasoning_content", "reasoning":
					if r := s.strOpt(); r != nil {
						c.reasoning = r
					}
				case "tool_calls":
					if s.array() {
						for first := true; s.more(&first, ']'); {
							c.parseTool(s)
						}
					}
				default:
					s.skip()
				}
			}
		case "finish_reason":
			c.finish = s.strOpt()
		default:
			s.skip()
		}
	}
}

func (c *hChoice) parseTool(s *jscan) {
	if !s.object() {
		return
	}
	c.tools = append(c.tools, hToolDelta{})
	t := &c.tools[len(c.tools)-1]
	for first := true; s.more(&first, '}'); {
		switch string(s.key()) {
		case "index":
			t.index = s.intOpt()
		case "id":
			t.id = s.strOpt()
		case "function":
			if !s.object() {
				continue
			}
			for first := true; s.more(&first, '}'); {
				switch string(s.key()) {
				case "name":
					t.name = s.strOpt()
				case "arguments":
					t.args = s.strOpt()
				default:
					s.skip()
				}
			}
		default:
			s.skip()
		}
	}
}

func (ch *hChunk) parseUsage(s *jscan) {
	if !s.object() {
		return
	}
	ch.hasUsage = true
	u := &ch.usage
	for first := true; s.more(&first, '}'); {
		switch string(s.key()) {
		case "prompt_tokens":
			u.prompt = s.intOpt()
		case "completion_tokens":
			u.completion = s.intOpt()
		case "total_tokens":
			u.total = s.intOpt()
		case "prompt_tokens_details", "completion_tokens_details":
			if !s.object() {
				continue
			}
			for first := true; s.more(&first, '}'); {
				switch string(s.key()) {
				case "cached_tokens":
					u.cached = s.intOpt()
				case "reasoning_tokens":
					u.reasoning = s.intOpt()
				default:
					s.skip()
				}
			}
		default:
			s.skip()
		}
	}
}
