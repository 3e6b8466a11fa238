package geministream

import (
	crand "crypto/rand"
	"encoding/hex"

	"switchyard/gateway/gemini"
	"switchyard/gateway/jscan"
)

// gChunk holds the fields of one Gemini stream chunk a converter uses;
// byte fields are raw JSON literals aliasing the event data.
type gChunk struct {
	responseID, model []byte
	hasCand, blocked  bool
	parts             []gPart // of the first candidate
	finish            []byte
	usage             gemini.UsageMetadata
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
