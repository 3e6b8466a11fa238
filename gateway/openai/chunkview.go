package openai

import "switchyard/gateway/jscan"

// ChunkView is one chat.completion.chunk as a stream converter reads it:
// every hub → client converter (Anthropic, Gemini, Responses) parses the
// hub's chunks with it. Byte fields are raw JSON string literals aliasing
// the event data (nil when absent, null or not a string); slices are
// reused across events, so a view is valid only until the next Parse.
type ChunkView struct {
	ID, Model []byte
	Choices   []ChoiceView
	HasUsage  bool
	Usage     UsageView
	IsError   bool // an "error" object in place of a chunk
}

// ChoiceView is one choice of a chunk (its delta, or a message some
// upstreams send instead).
type ChoiceView struct {
	Index                   int
	Reasoning, ReasoningAlt []byte // reasoning_content, reasoning
	Content, Refusal        []byte
	ContentParts            []byte // the raw array when content is one
	Tools                   []ToolDeltaView
	Finish                  []byte
}

// ToolDeltaView is one tool_calls entry of a delta.
type ToolDeltaView struct {
	Index          int
	HasIndex       bool
	ID, Name, Args []byte
}

// UsageView is a chunk's usage. TopCR and TopCC are LiteLLM-style
// top-level cache_read/cache_creation_input_tokens.
type UsageView struct {
	Prompt, Completion, Total, Cached, CacheWrite, Reasoning, TopCR, TopCC int
	HasDetails, HasTopCR, HasTopCC                                         bool
}

// Parse reads data into ch with s; false means data is not valid JSON.
func (ch *ChunkView) Parse(s *jscan.Scanner, data []byte) bool {
	choices := ch.Choices[:0]
	*ch = ChunkView{Choices: choices}
	s.Reset(data)
	if s.Peek() != '{' {
		s.Fail()
		return false
	}
	s.Object()
	for first := true; s.More(&first, '}'); {
		switch string(s.Key()) {
		case "id":
			ch.ID = s.StrOpt()
		case "model":
			ch.Model = s.StrOpt()
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
				ch.IsError = true
			}
		default:
			s.Skip()
		}
	}
	return s.Done()
}

func (ch *ChunkView) parseChoice(s *jscan.Scanner) {
	if !s.Object() {
		return
	}
	n := len(ch.Choices)
	if n < cap(ch.Choices) {
		ch.Choices = ch.Choices[:n+1]
		tools := ch.Choices[n].Tools[:0]
		ch.Choices[n] = ChoiceView{Tools: tools}
	} else {
		ch.Choices = append(ch.Choices, ChoiceView{})
	}
	c := &ch.Choices[n]
	for first := true; s.More(&first, '}'); {
		switch string(s.Key()) {
		case "index":
			c.Index = s.IntOpt()
		case "delta", "message":
			c.parseDelta(s)
		case "finish_reason":
			c.Finish = s.StrOpt()
		default:
			s.Skip()
		}
	}
}

func (c *ChoiceView) parseDelta(s *jscan.Scanner) {
	if !s.Object() {
		return
	}
	for first := true; s.More(&first, '}'); {
		switch string(s.Key()) {
		case "content":
			switch s.Peek() {
			case '"':
				c.Content = s.Str()
			case '[':
				c.ContentParts = s.Value()
			default:
				s.Skip()
			}
		case "reasoning_content":
			c.Reasoning = s.StrOpt()
		case "reasoning":
			c.ReasoningAlt = s.StrOpt()
		case "refusal":
			c.Refusal = s.StrOpt()
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
}

func (c *ChoiceView) parseTool(s *jscan.Scanner) {
	if !s.Object() {
		return
	}
	c.Tools = append(c.Tools, ToolDeltaView{})
	t := &c.Tools[len(c.Tools)-1]
	for first := true; s.More(&first, '}'); {
		switch string(s.Key()) {
		case "index":
			if p := s.Peek(); p == '-' || '0' <= p && p <= '9' {
				t.Index, t.HasIndex = s.Num()
			} else {
				s.Skip()
			}
		case "id":
			t.ID = s.StrOpt()
		case "function":
			if !s.Object() {
				continue
			}
			for first := true; s.More(&first, '}'); {
				switch string(s.Key()) {
				case "name":
					t.Name = s.StrOpt()
				case "arguments":
					t.Args = s.StrOpt()
				default:
					s.Skip()
				}
			}
		default:
			s.Skip()
		}
	}
}

func (ch *ChunkView) parseUsage(s *jscan.Scanner) {
	if !s.Object() {
		return
	}
	ch.HasUsage = true
	u := &ch.Usage
	for first := true; s.More(&first, '}'); {
		switch string(s.Key()) {
		case "prompt_tokens":
			u.Prompt = s.IntOpt()
		case "completion_tokens":
			u.Completion = s.IntOpt()
		case "total_tokens":
			u.Total = s.IntOpt()
		case "cache_read_input_tokens":
			u.TopCR, u.HasTopCR = s.IntOpt(), true
		case "cache_creation_input_tokens":
			u.TopCC, u.HasTopCC = s.IntOpt(), true
		case "prompt_tokens_details":
			u.parseDetails(s, true)
		case "completion_tokens_details":
			u.parseDetails(s, false)
		default:
			s.Skip()
		}
	}
}

func (u *UsageView) parseDetails(s *jscan.Scanner, prompt bool) {
	if !s.Object() {
		return
	}
	if prompt {
		u.HasDetails = true
	}
	for first := true; s.More(&first, '}'); {
		switch k := string(s.Key()); {
		case prompt && k == "cached_tokens":
			u.Cached = s.IntOpt()
		case prompt && k == "cache_write_tokens":
			u.CacheWrite = s.IntOpt()
		case !prompt && k == "reasoning_tokens":
			u.Reasoning = s.IntOpt()
		default:
			s.Skip()
		}
	}
}
