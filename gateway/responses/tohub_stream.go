package responses

import (
	"encoding/json"

	"switchyard/gateway/openai"
	"switchyard/gateway/protocol"
	"switchyard/gateway/sse"
)

// ToHubStream converts a Responses event stream (a `format: responses`
// upstream) into hub chunks: a role chunk at response.created, text and
// reasoning deltas, one tool call per function_call item (dense indices in
// order of appearance), the finish chunk and a usage chunk (with
// IncludeUsage) at response.completed or response.incomplete, then
// [DONE]. response.failed, an error event or a cut ends it with one error
// chunk and no [DONE].
type ToHubStream struct {
	opt     protocol.StreamOptions
	id      string
	started bool
	done    bool
	calls   map[string]*hubCall // by item id
	ncalls  int
}

type hubCall struct {
	index    int
	argsSeen bool
}

// NewToHubStream returns a converter for one Responses upstream stream.
func NewToHubStream(opt protocol.StreamOptions) *ToHubStream {
	return &ToHubStream{opt: opt, calls: map[string]*hubCall{}, id: "chatcmpl-resp"}
}

var _ protocol.StreamConverter = (*ToHubStream)(nil)

type upEvent struct {
	Type     string    `json:"type"`
	ItemID   string    `json:"item_id"`
	Delta    string    `json:"delta"`
	Item     *upItem   `json:"item"`
	Response *Response `json:"response"`
	Message  string    `json:"message"`
	Code     string    `json:"code"`
}

type upItem struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	CallID    string `json:"call_id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// Event processes one upstream Responses event.
func (c *ToHubStream) Event(dst []byte, ev sse.Event) protocol.Step {
	if c.done {
		return protocol.Step{Out: dst, Done: true}
	}
	var e upEvent
	if err := json.Unmarshal(ev.Data, &e); err != nil {
		return c.fail(dst, "server_error", "upstream sent a malformed event")
	}
	if e.Type == "" {
		e.Type = ev.Name
	}
	switch e.Type {
	case "response.created", "response.in_progress":
		if e.Response != nil && e.Response.ID != "" {
			c.id = "chatcmpl-" + e.Response.ID
		}
		return protocol.Step{Out: c.start(dst)}
	case "response.output_text.delta", "response.refusal.delta":
		if e.Delta == "" {
			return protocol.Step{Out: dst}
		}
		return protocol.Step{Out: c.chunk(c.start(dst), openai.Delta{Content: &e.Delta}, nil, nil), Content: true}
	case "response.reasoning_summary_text.delta", "response.reasoning_text.delta":
		if e.Delta == "" {
			return protocol.Step{Out: dst}
		}
		return protocol.Step{Out: c.chunk(c.start(dst), openai.Delta{ReasoningContent: &e.Delta}, nil, nil), Content: true}
	case "response.output_item.added":
		return c.callStart(c.start(dst), e.Item)
	case "response.function_call_arguments.delta":
		return c.callArgs(c.start(dst), e.ItemID, e.Delta)
	case "response.output_item.done":
		if e.Item != nil && e.Item.Type == "function_call" {
			if k := c.calls[e.Item.ID]; k != nil && !k.argsSeen && e.Item.Arguments != "" {
				return c.callArgs(dst, e.Item.ID, e.Item.Arguments)
			}
		}
		return protocol.Step{Out: dst}
	case "response.completed", "response.incomplete":
		return c.finish(c.start(dst), e.Response)
	case "response.failed":
		msg := "upstream response failed"
		if e.Response != nil && e.Response.Error != nil {
			msg = e.Response.Error.Message
		}
		return c.fail(dst, "server_error", msg)
	case "error":
		return c.fail(dst, "server_error", firstNonEmpty(e.Message, "upstream error"))
	}
	return protocol.Step{Out: dst}
}

// End is called at the end of the upstream body: before a terminal event
// that is a cut.
func (c *ToHubStream) End(dst []byte, readErr error) protocol.Step {
	if c.done {
		return protocol.Step{Out: dst, Done: true}
	}
	return c.fail(dst, "server_error", "upstream stream ended prematurely")
}

func (c *ToHubStream) start(dst []byte) []byte {
	if c.started {
		return dst
	}
	c.started = true
	empty := ""
	return c.chunk(dst, openai.Delta{Role: "assistant", Content: &empty}, nil, nil)
}

func (c *ToHubStream) callStart(dst []byte, it *upItem) protocol.Step {
	if it == nil || it.Type != "function_call" || c.calls[it.ID] != nil {
		return protocol.Step{Out: dst}
	}
	k := &hubCall{index: c.ncalls}
	c.ncalls++
	c.calls[it.ID] = k
	idx := k.index
	tc := openai.ToolCall{Index: &idx, ID: it.CallID, Type: "function", Function: openai.FunctionCall{Name: it.Name}}
	return protocol.Step{Out: c.chunk(dst, openai.Delta{ToolCalls: []openai.ToolCall{tc}}, nil, nil), Content: true}
}

func (c *ToHubStream) callArgs(dst []byte, itemID, args string) protocol.Step {
	k := c.calls[itemID]
	if k == nil || args == "" {
		return protocol.Step{Out: dst}
	}
	k.argsSeen = true
	idx := k.index
	tc := openai.ToolCall{Index: &idx, Function: openai.FunctionCall{Arguments: args}}
	return protocol.Step{Out: c.chunk(dst, openai.Delta{ToolCalls: []openai.ToolCall{tc}}, nil, nil), Content: true}
}

func (c *ToHubStream) finish(dst []byte, r *Response) protocol.Step {
	reason := "stop"
	switch {
	case c.ncalls > 0:
		reason = "tool_calls"
	case r != nil && r.IncompleteDetails != nil && r.IncompleteDetails.Reason == "max_output_tokens":
		reason = "length"
	case r != nil && r.IncompleteDetails != nil && r.IncompleteDetails.Reason == "content_filter":
		reason = "content_filter"
	}
	dst = c.chunk(dst, openai.Delta{}, &reason, nil)
	if c.opt.IncludeUsage && r != nil && r.Usage != nil {
		dst = c.chunk(dst, openai.Delta{}, nil, UsageToHub(r.Usage))
	}
	c.done = true
	return protocol.Step{Out: sse.AppendEvent(dst, "", []byte("[DONE]")), Done: true, Content: true}
}

// chunk appends one chat.completion.chunk; a usage chunk has no choices.
func (c *ToHubStream) chunk(dst []byte, d openai.Delta, finish *string, usage *openai.Usage) []byte {
	ch := openai.Chunk{ID: c.id, Object: "chat.completion.chunk", Created: c.opt.Created, Model: c.opt.ClientModel, Choices: []openai.ChunkChoice{}}
	if usage != nil {
		ch.Usage = usage
	} else {
		ch.Choices = append(ch.Choices, openai.ChunkChoice{Delta: d, FinishReason: finish, Logprobs: json.RawMessage("null")})
	}
	b, _ := json.Marshal(ch)
	return sse.AppendEvent(dst, "", b)
}

func (c *ToHubStream) fail(dst []byte, typ, msg string) protocol.Step {
	c.done = true
	b, _ := json.Marshal(openai.ErrorBody{Error: openai.ErrorDetail{Message: msg, Type: typ}})
	return protocol.Step{Out: sse.AppendEvent(dst, "", b), Done: true, Err: &protocol.StreamError{Type: typ, Message: msg}}
}
