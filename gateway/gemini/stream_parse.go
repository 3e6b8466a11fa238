package gemini

import (
	crand "crypto/rand"
	"encoding/hex"
	"switchyard/gateway/jscan"
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

func (ch *gChunk) parse(s *jscan.Scanner, data []byte) bool {
	parts := ch.parts[:0]
	*ch = gChunk{parts: parts}
	s.Reset(data)
	if s.Peek() != '{' {
		s.Fail()
		return false
	}
	s.Object()
	for first := true; s.More(&first, '}'); {
		switch string(s.Key()) {
		case "responseId":
			ch.responseID = s.StrOpt()
		case "modelVersion":
			ch.model = s.StrOpt()
		case "candidates":
			if s.Array() {
				for first := true; s.More(&first, ']'); {
					ch.parseCandidate(s)
				}
			}
		case "usageMetadata":
			ch.parseUsage(s)
		case "promptFeedback":
			if s.Object() {
				for first := true; s.More(&first, '}'); {
					if string(s.Key()) == "blockReason" {
						ch.blocked = s.StrOpt() != nil
					} else {
						s.Skip()
					}
				}
			}
		case "error":
			if s.Peek() == 'n' {
				s.Lit("null")
			} else {
				s.Skip()
				ch.isError = true
			}
		default:
			s.Skip()
		}
	}
	return s.Done()
}

// parseCandidate reads one candidate; only the first is kept (the
// converters serve one candidate).
func (ch *gChunk) parseCandidate(s *jscan.Scanner) {
	if !s.Object() {
		return
	}
	keep := !ch.hasCand
	ch.hasCand = true
	for first := true; s.More(&first, '}'); {
		switch k := string(s.Key()); {
		case k == "finishReason" && keep:
			ch.finish = s.StrOpt()
		case k == "content" && keep:
			if !s.Object() {
				continue
			}
			for first := true; s.More(&first, '}'); {
				if string(s.Key()) != "parts" || !s.Array() {
					s.Skip()
					continue
				}
				for first := true; s.More(&first, ']'); {
					ch.parsePart(s)
				}
			}
		default:
			s.Skip()
		}
	}
}

func (ch *gChunk) parsePart(s *jscan.Scanner) {
	if !s.Object() {
		return
	}
	ch.parts = append(ch.parts, gPart{})
	p := &ch.parts[len(ch.parts)-1]
	for first := true; s.More(&first, '}'); {
		switch string(s.Key()) {
		case "text":
			p.text = s.StrOpt()
		case "thought":
			p.thought = s.Peek() == 't'
			s.Skip()
		case "functionCall":
			if !s.Object() {
				continue
			}
			p.call = true
			for first := true; s.More(&first, '}'); {
				switch string(s.Key()) {
				case "id":
					p.id = s.StrOpt()
				case "name":
					p.name = s.StrOpt()
				case "args":
					p.args = s.Value()
				default:
					s.Skip()
				}
			}
		default:
			s.Skip()
		}
	}
}

func (ch *gChunk) parseUsage(s *jscan.Scanner) {
	if !s.Object() {
		return
	}
	ch.hasUsage = true
	u := &ch.usage
	for first := true; s.More(&first, '}'); {
		switch string(s.Key()) {
		case "promptTokenCount":
			u.PromptTokenCount = s.IntOpt()
		case "candidatesTokenCount":
			u.CandidatesTokenCount = s.IntOpt()
		case "cachedContentTokenCount":
			u.CachedContentTokenCount = s.IntOpt()
		case "thoughtsTokenCount":
			u.ThoughtsTokenCount = s.IntOpt()
		case "toolUsePromptTokenCount":
			u.ToolUsePromptTokenCount = s.IntOpt()
		case "totalTokenCount":
			u.TotalTokenCount = s.IntOpt()
		default:
			s.Skip()
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

func (ch *hChunk) parse(s *jscan.Scanner, data []byte) bool {
	choices := ch.choices[:0]
	*ch = hChunk{choices: choices}
	s.Reset(data)
	if s.Peek() != '{' {
		s.Fail()
		return false
	}
	s.Object()
	for first := true; s.More(&first, '}'); {
		switch string(s.Key()) {
		case "id":
			ch.id = s.StrOpt()
		case "model":
			ch.model = s.StrOpt()
		case "choices":
			if s.Array() {
				for first := true; s.More(&first, ']'); {
					ch.parseChoice(s)
				}
			}
		case "usage":
			ch.parseUsage(s)
		case "error":
			if s.Peek() == 'n' {
				s.Lit("null")
			} else {
				s.Skip()
				ch.isError = true
			}
		default:
			s.Skip()
		}
	}
	return s.Done()
}

func (ch *hChunk) parseChoice(s *jscan.Scanner) {
	if !s.Object() {
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
	for first := true; s.More(&first, '}'); {
		switch string(s.Key()) {
		case "delta", "message":
			if !s.Object() {
				continue
			}
			for first := true; s.More(&first, '}'); {
				switch string(s.Key()) {
				case "content":
					c.content = s.StrOpt()
				case "reasoning_content", "reasoning":
					if r := s.StrOpt(); r != nil {
						c.reasoning = r
					}
				case "tool_calls":
					if s.Array() {
						for first := true; s.More(&first, ']'); {
							c.parseTool(s)
						}
					}
				default:
					s.Skip()
				}
			}
		case "finish_reason":
			c.finish = s.StrOpt()
		default:
			s.Skip()
		}
	}
}

func (c *hChoice) parseTool(s *jscan.Scanner) {
	if !s.Object() {
		return
	}
	c.tools = append(c.tools, hToolDelta{})
	t := &c.tools[len(c.tools)-1]
	for first := true; s.More(&first, '}'); {
		switch string(s.Key()) {
		case "index":
			t.index = s.IntOpt()
		case "id":
			t.id = s.StrOpt()
		case "function":
			if !s.Object() {
				continue
			}
			for first := true; s.More(&first, '}'); {
				switch string(s.Key()) {
				case "name":
					t.name = s.StrOpt()
				case "arguments":
					t.args = s.StrOpt()
				default:
					s.Skip()
				}
			}
		default:
			s.Skip()
		}
	}
}

func (ch *hChunk) parseUsage(s *jscan.Scanner) {
	if !s.Object() {
		return
	}
	ch.hasUsage = true
	u := &ch.usage
	for first := true; s.More(&first, '}'); {
		switch string(s.Key()) {
		case "prompt_tokens":
			u.prompt = s.IntOpt()
		case "completion_tokens":
			u.completion = s.IntOpt()
		case "total_tokens":
			u.total = s.IntOpt()
		case "prompt_tokens_details", "completion_tokens_details":
			if !s.Object() {
				continue
			}
			for first := true; s.More(&first, '}'); {
				switch string(s.Key()) {
				case "cached_tokens":
					u.cached = s.IntOpt()
				case "reasoning_tokens":
					u.reasoning = s.IntOpt()
				default:
					s.Skip()
				}
			}
		default:
			s.Skip()
		}
	}
}
