// Package passthrough is the same-protocol path: the stream relays for a
// backend that speaks its client's protocol, which re-frame each event
// unchanged and look inside it only as far as the first-byte rule and
// error detection need (chunk peeking), and the reader of a request's
// routing fields and the model-alias splice, which do not decode the body.
// All of them read JSON with package jscan, falling back to encoding/json
// where only it can give the exact answer. Pure: no I/O, no HTTP.
package passthrough

import (
	"bytes"
	"encoding/json"

	"switchyard/gateway/convert"
	"switchyard/gateway/protocol"
	"switchyard/gateway/sse"
)

// The passthrough "converters" relay a stream whose backend speaks the
// client's protocol. They re-frame each event unchanged and look inside it
// only as far as the first-byte rule and error detection need.

// openAIPass relays an OpenAI stream to an OpenAI client.
type openAIPass struct {
	content bool // meaningful content seen
	finish  bool // a finish_reason seen
	done    bool
}

// openAIPeek is the part of a chunk the relay looks at.
type openAIPeek struct {
	Choices []struct {
		Delta struct {
			Content          *string           `json:"content"`
			ReasoningContent *string           `json:"reasoning_content"`
			Reasoning        *string           `json:"reasoning"`
			ToolCalls        []json.RawMessage `json:"tool_calls"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Error json.RawMessage `json:"error"`
}

var doneData = []byte("[DONE]")

func (p *openAIPass) Event(dst []byte, ev sse.Event) protocol.Step {
	if p.done {
		return protocol.Step{Out: dst, Done: true}
	}
	if bytes.Equal(ev.Data, doneData) {
		p.done = true
		return protocol.Step{Out: sse.AppendEvent(dst, "", ev.Data), Done: true}
	}
	// After the first content only errors and the finish matter, and
	// both are rare: skip the decode unless the bytes could hold them.
	// The needles are cut to start with a byte rarer than '"' (which
	// bytes.Index would stop at dozens of times per chunk): a superset of
	// `"error"` and `"finish_reason":"`, twice as fast.
	if p.content && !bytes.Contains(ev.Data, []byte(`rror"`)) && !bytes.Contains(ev.Data, []byte(`_reason":"`)) {
		return protocol.Step{Out: sse.AppendEvent(dst, ev.Name, ev.Data)}
	}
	pk, ok := peekChunk(ev.Data) // chunk_peek.go; slowPeek is the encoding/json way
	if !ok {
		var err error
		if pk, err = slowPeek(ev.Data); err != nil {
			return p.fail(dst, "upstream sent a malformed chunk")
		}
	}
	if pk.err {
		msg, _ := convert.ParseUpstreamError(ev.Data)
		p.done = true
		return protocol.Step{Out: sse.AppendEvent(dst, "", ev.Data), Done: true, Err: &protocol.StreamError{Type: "server_error", Message: msg}}
	}
	content := pk.content
	if pk.finish {
		p.finish = true
	}
	st := protocol.Step{Out: sse.AppendEvent(dst, ev.Name, ev.Data)}
	if content && !p.content {
		p.content = true
	}
	st.Content = content
	return st
}

func (p *openAIPass) End(dst []byte, readErr error) protocol.Step {
	if p.done {
		return protocol.Step{Out: dst, Done: true}
	}
	if readErr == nil && p.finish {
		// A clean EOF after the finish: the upstream forgot [DONE].
		p.done = true
		return protocol.Step{Out: sse.AppendEvent(dst, "", doneData), Done: true}
	}
	return p.fail(dst, "upstream stream ended prematurely")
}

func (p *openAIPass) fail(dst []byte, msg string) protocol.Step {
	p.done = true
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": msg, "type": "server_error", "param": nil, "code": nil}})
	return protocol.Step{Out: sse.AppendEvent(dst, "", b), Done: true, Err: &protocol.StreamError{Type: "server_error", Message: msg}}
}

// anthropicPass relays an Anthropic stream to an Anthropic client.
type anthropicPass struct {
	content bool
	done    bool
}

// anthropicPeek is the part of an event the relay looks at.
type anthropicPeek struct {
	Type         string `json:"type"`
	ContentBlock *struct {
		Type string  `json:"type"`
		Text *string `json:"text"`
	} `json:"content_block"`
	Error *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

func (p *anthropicPass) Event(dst []byte, ev sse.Event) protocol.Step {
	if p.done {
		return protocol.Step{Out: dst, Done: true}
	}
	name := ev.Name
	switch name {
	case "content_block_delta":
		p.content = true
		return protocol.Step{Out: sse.AppendEvent(dst, name, ev.Data), Content: true}
	case "ping", "message_delta", "content_block_stop":
		return protocol.Step{Out: sse.AppendEvent(dst, name, ev.Data)}
	}
	var pk anthropicPeek
	if err := json.Unmarshal(ev.Data, &pk); err != nil {
		return p.fail(dst, "api_error", "upstream sent a malformed event")
	}
	if name == "" {
		name = pk.Type
	}
	switch name {
	case "error":
		p.done = true
		st := protocol.Step{Out: sse.AppendEvent(dst, "error", ev.Data), Done: true, Err: &protocol.StreamError{Type: "api_error"}}
		if pk.Error != nil {
			st.Err.Type, st.Err.Message = pk.Error.Type, pk.Error.Message
		}
		return st
	case "message_stop":
		p.done = true
		return protocol.Step{Out: sse.AppendEvent(dst, name, ev.Data), Done: true}
	case "content_block_start":
		st := protocol.Step{Out: sse.AppendEvent(dst, name, ev.Data)}
		if cb := pk.ContentBlock; cb != nil && (cb.Type == "tool_use" || cb.Text != nil && *cb.Text != "") {
			st.Content = true
			p.content = true
		}
		return st
	}
	return protocol.Step{Out: sse.AppendEvent(dst, name, ev.Data)}
}

func (p *anthropicPass) End(dst []byte, readErr error) protocol.Step {
	if p.done {
		return protocol.Step{Out: dst, Done: true}
	}
	return p.fail(dst, "api_error", "upstream stream ended prematurely")
}

func (p *anthropicPass) fail(dst []byte, typ, msg string) protocol.Step {
	p.done = true
	b, _ := json.Marshal(map[string]any{"type": "error", "error": map[string]string{"type": typ, "message": msg}})
	return protocol.Step{Out: sse.AppendEvent(dst, "error", b), Done: true, Err: &protocol.StreamError{Type: typ, Message: msg}}
}

// NewChat relays an OpenAI Chat Completions stream to a Chat client.
func NewChat() protocol.StreamConverter { return &openAIPass{} }

// NewAnthropic relays an Anthropic Messages stream to an Anthropic client.
func NewAnthropic() protocol.StreamConverter { return &anthropicPass{} }

// NewResponses relays a Responses API stream to a Responses client.
func NewResponses() protocol.StreamConverter { return &responsesPass{} }
