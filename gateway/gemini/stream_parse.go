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
