package responsesstream

import (
	"encoding/json"
	"strconv"

	"switchyard/gateway/jscan"
	"switchyard/gateway/openai"
	"switchyard/gateway/protocol"
	"switchyard/gateway/responses"
	"switchyard/gateway/responses/responsesconv"
	"switchyard/gateway/sse"
)

// ToHubStream converts a Responses event stream from a `format:
// responses` backend into hub chunks: a role chunk, content,
// reasoning_content and tool_calls deltas (tool calls numbered 0, 1, …
// in the order their items are added), one finish chunk, the usage chunk
// when opt.IncludeUsage, and [DONE]. response.failed, an `error` event, a
// malformed event or a stream that ends before its terminal event give
// the hub error chunk (`data: {"error":…}`) and no [DONE].
type ToHubStream struct {
	opt     protocol.StreamOptions
	started bool
	done    bool
	id      string
	model   string
	tools   map[string]*hubTool // by item id
	byIndex map[int]*hubTool    // by output_index
	ntools  int
	queue   []*hubTool // started and not done, in order; queue[0] is live
	content bool       // any content delta sent
	ev      upEvent
	dec     jscan.Decoder
}

// hubTool is one function call. Only the first call not yet done is
// live; later calls wait (start and arguments buffered) until it is, so
// the hub never interleaves the fragments of parallel calls, which
// Anthropic clients cannot take.
type hubTool struct {
	index    int
	argsSeen bool
	done     bool
	start    []byte // the start chunk, while waiting
	args     []byte // arguments received while waiting
}

// upEvent is the union of the Responses stream events this converter
// reads.
type upEvent struct {
	Type        string                `json:"type"`
	Response    *responses.Response   `json:"response"`
	Item        *responses.OutputItem `json:"item"`
	ItemID      string                `json:"item_id"`
	OutputIndex *int                  `json:"output_index"`
	Delta       string                `json:"delta"`
	SummaryIdx  int                   `json:"summary_index"`
	Arguments   *string               `json:"arguments"`
	Code        *string               `json:"code"`
	Message     string                `json:"message"`
}

var upEventFields = []string{"type", "response", "item", "item_id", "output_index", "delta", "summary_index",
	"arguments", "code", "message"}

// decode reads one event's data into e: what json.Unmarshal gives, error
// included, by one jscan.Decoder pass where that reads it exactly
// (TestUpEventMatchesUnmarshal).
func (e *upEvent) decode(d *jscan.Decoder, data []byte) error {
	*e = upEvent{}
	d.Reset(data)
	d.Members(upEventFields, func(i int) {
		switch i {
		case 0, 3, 5, 9:
			d.Text([...]*string{0: &e.Type, 3: &e.ItemID, 5: &e.Delta, 9: &e.Message}[i])
		case 1:
			if d.Null() {
				e.Response = nil
				return
			}
			e.Response = new(responses.Response)
			responses.ReadResponse(d, e.Response)
		case 2:
			if d.Null() {
				e.Item = nil
				return
			}
			e.Item = new(responses.OutputItem)
			responses.ReadOutputItem(d, e.Item)
		case 4:
			d.IntPtr(&e.OutputIndex)
		case 6:
			d.Int(&e.SummaryIdx)
		case 7:
			d.TextPtr(&e.Arguments)
		case 8:
			d.TextPtr(&e.Code)
		}
	})
	if d.Done() {
		return nil
	}
	*e = upEvent{}
	return json.Unmarshal(data, e)
}

// NewToHubStream returns a converter for one upstream Responses stream.
// opt.MessageID fixes the chunk id (tests); opt.ClientModel names the
// model (else the backend's).
func NewToHubStream(opt protocol.StreamOptions) *ToHubStream {
	return &ToHubStream{opt: opt, tools: map[string]*hubTool{}, byIndex: map[int]*hubTool{}}
}

var _ protocol.StreamConverter = (*ToHubStream)(nil)

// KeepAlive appends an SSE comment; nothing once the stream is done.
func (c *ToHubStream) KeepAlive(dst []byte) []byte {
	if c.done {
		return dst
	}
	return append(dst, ": keepalive\n\n"...)
}

// Event processes one upstream event.
func (c *ToHubStream) Event(dst []byte, ev sse.Event) protocol.Step {
	st := c.event(dst, ev)
	c.content = c.content || st.Content
	return st
}

func (c *ToHubStream) event(dst []byte, ev sse.Event) protocol.Step {
	if c.done {
		return protocol.Step{Out: dst, Done: true}
	}
	if err := c.ev.decode(&c.dec, ev.Data); err != nil {
		return c.fail(dst, "server_error", "upstream protocol error: malformed JSON in stream event")
	}
	e := &c.ev
	st := protocol.Step{Out: dst}
	switch e.Type {
	case "response.created", "response.in_progress":
		st.Out = c.begin(dst, e.Response)
	case "response.output_text.delta", "response.refusal.delta":
		if e.Delta != "" {
			field := `"content"`
			if e.Type == "response.refusal.delta" {
				field = `"refusal"`
			}
			st.Out = c.textDelta(c.begin(dst, nil), field, e.Delta)
			st.Content = true
		}
	case "response.reasoning_summary_text.delta", "response.reasoning_text.delta":
		if e.Delta != "" {
			st.Out = c.textDelta(c.begin(dst, nil), `"reasoning_content"`, e.Delta)
			st.Content = true
		}
	case "response.reasoning_summary_part.added":
		// A second summary part starts a new paragraph.
		if e.SummaryIdx > 0 {
			st.Out = c.textDelta(c.begin(dst, nil), `"reasoning_content"`, "\n\n")
		}
	case "response.output_item.added":
		if e.Item != nil && (e.Item.Type == "function_call" || e.Item.Type == "custom_tool_call") {
			if e.Item.Name == "" {
				return c.fail(dst, "server_error", "upstream protocol error: a function call without a name")
			}
			st.Out = c.toolStart(c.begin(dst, nil), e.Item, e.OutputIndex)
			st.Content = true
		}
	case "response.function_call_arguments.delta", "response.custom_tool_call_input.delta":
		if t := c.tool(e.ItemID, e.OutputIndex); t != nil && e.Delta != "" {
			t.argsSeen = true
			st.Out = c.toolArgs(dst, t, e.Delta)
			st.Content = true
		}
	case "response.function_call_arguments.done", "response.output_item.done":
		st.Out, st.Content = c.toolDone(dst, e)
	case "response.completed", "response.incomplete":
		return c.complete(c.begin(dst, e.Response), e.Response)
	case "response.failed":
		code, msg := "server_error", "upstream response failed"
		if e.Response != nil && e.Response.Error != nil {
			code, msg = firstNonEmpty(e.Response.Error.Code, code), firstNonEmpty(e.Response.Error.Message, msg)
		}
		return c.fail(dst, code, msg)
	case "error":
		code := "server_error"
		if e.Code != nil && *e.Code != "" {
			code = *e.Code
		}
		return c.fail(dst, code, firstNonEmpty(e.Message, "upstream error"))
	}
	return st
}

// End is called when the upstream body ends: without a terminal event
// that is a cut.
func (c *ToHubStream) End(dst []byte, readErr error) protocol.Step {
	if c.done {
		return protocol.Step{Out: dst, Done: true}
	}
	msg := "upstream stream ended prematurely"
	if readErr != nil {
		msg += ": " + readErr.Error()
	}
	return c.fail(dst, "server_error", msg)
}

// begin writes the role chunk once; r (response.created) names the
// model and id when the options do not.
func (c *ToHubStream) begin(dst []byte, r *responses.Response) []byte {
	if c.started {
		return dst
	}
	c.started = true
	c.model = c.opt.ClientModel
	c.id = "chatcmpl-" + c.opt.MessageID
	if r != nil {
		c.model = firstNonEmpty(c.model, r.Model)
		if c.opt.MessageID == "" && r.ID != "" {
			c.id = "chatcmpl-" + r.ID
		}
	}
	if c.id == "chatcmpl-" {
		c.id = responses.NewIDs("").Next("chatcmpl-")
	}
	dst = c.head(dst)
	return c.tail(append(dst, `{"role":"assistant","content":""}`...), "")
}

// head starts a chunk up to its delta.
func (c *ToHubStream) head(dst []byte) []byte {
	return append(c.open(dst), `,"choices":[{"index":0,"delta":`...)
}

// open starts a chunk: its id, object, created and model.
func (c *ToHubStream) open(dst []byte) []byte {
	dst = append(dst, `data: {"id":`...)
	dst = appendJSONString(dst, c.id)
	dst = append(dst, `,"object":"chat.completion.chunk","created":`...)
	dst = strconv.AppendInt(dst, c.opt.Created, 10)
	dst = append(dst, `,"model":`...)
	return appendJSONString(dst, c.model)
}

// tail ends a chunk after its delta, with a finish reason or null.
func (c *ToHubStream) tail(dst []byte, finish string) []byte {
	dst = append(dst, `,"logprobs":null,"finish_reason":`...)
	if finish == "" {
		dst = append(dst, "null"...)
	} else {
		dst = appendJSONString(dst, finish)
	}
	return append(dst, "}]}\n\n"...)
}

func (c *ToHubStream) textDelta(dst []byte, field, text string) []byte {
	dst = c.head(dst)
	dst = append(dst, '{')
	dst = append(dst, field...)
	dst = append(dst, ':')
	dst = appendJSONString(dst, text)
	return c.tail(append(dst, '}'), "")
}

func (c *ToHubStream) tool(itemID string, outputIndex *int) *hubTool {
	if t := c.tools[itemID]; t != nil && itemID != "" {
		return t
	}
	if outputIndex != nil {
		return c.byIndex[*outputIndex]
	}
	return nil
}

// toolStart opens tool call number ntools with its id and name.
func (c *ToHubStream) toolStart(dst []byte, it *responses.OutputItem, outputIndex *int) []byte {
	t := &hubTool{index: c.ntools}
	c.ntools++
	if it.ID != "" {
		c.tools[it.ID] = t
	}
	if outputIndex != nil {
		c.byIndex[*outputIndex] = t
	}
	callID := firstNonEmpty(it.CallID, it.ID)
	if callID == "" {
		callID = responses.NewIDs("").Next("call_")
	}
	var b []byte
	if len(c.queue) > 0 {
		b = dst[len(dst):] // write aside, then move into t.start
	}
	b = c.head(b)
	b = append(b, `{"tool_calls":[{"index":`...)
	b = appendInt(b, t.index)
	b = append(b, `,"id":`...)
	b = appendJSONString(b, callID)
	b = append(b, `,"type":"function","function":{"name":`...)
	b = appendJSONString(b, responsesconv.HubToolName(it.Namespace, it.Name))
	b = c.tail(append(b, `,"arguments":""}}]}`...), "")
	c.queue = append(c.queue, t)
	if len(c.queue) > 1 {
		t.start = append([]byte(nil), b...)
		return dst
	}
	return append(dst, b...)
}

// finishTool marks t done and brings the next waiting calls live.
func (c *ToHubStream) finishTool(dst []byte, t *hubTool) []byte {
	t.done = true
	for len(c.queue) > 0 && c.queue[0].done {
		c.queue = c.queue[1:]
		if len(c.queue) == 0 {
			break
		}
		next := c.queue[0]
		dst = append(dst, next.start...)
		if len(next.args) > 0 {
			dst = c.emitArgs(dst, next, string(next.args))
		}
		next.start, next.args = nil, nil
	}
	return dst
}

// toolArgs sends argument text now, or keeps it while t is waiting.
func (c *ToHubStream) toolArgs(dst []byte, t *hubTool, args string) []byte {
	if len(c.queue) > 0 && c.queue[0] != t && !t.done {
		t.args = append(t.args, args...)
		return dst
	}
	return c.emitArgs(dst, t, args)
}

func (c *ToHubStream) emitArgs(dst []byte, t *hubTool, args string) []byte {
	dst = c.head(dst)
	dst = append(dst, `{"tool_calls":[{"index":`...)
	dst = appendInt(dst, t.index)
	dst = append(dst, `,"function":{"arguments":`...)
	dst = appendJSONString(dst, args)
	return c.tail(append(dst, `}}]}`...), "")
}

// toolDone sends a call's whole arguments when no delta carried them
// (backends that send a call in one piece).
func (c *ToHubStream) toolDone(dst []byte, e *upEvent) ([]byte, bool) {
	id, args := e.ItemID, e.Arguments
	if e.Item != nil {
		id = e.Item.ID
		args = e.Item.Arguments
		if e.Item.Type == "custom_tool_call" && e.Item.Input != nil {
			b, _ := json.Marshal(map[string]string{"input": *e.Item.Input})
			s := string(b)
			args = &s
		}
	}
	t := c.tool(id, e.OutputIndex)
	if t == nil || t.done {
		return dst, false
	}
	sent := false
	if !t.argsSeen && args != nil && *args != "" {
		t.argsSeen, sent = true, true
		dst = c.toolArgs(dst, t, *args)
	}
	if e.Item != nil { // output_item.done: the call is complete
		dst = c.finishTool(dst, t)
	}
	return dst, sent
}

// complete writes the finish chunk, the usage chunk and [DONE].
func (c *ToHubStream) complete(dst []byte, r *responses.Response) protocol.Step {
	var status string
	var inc *responses.IncompleteDetails
	var u *openai.Usage
	if r != nil {
		status, inc, u = r.Status, r.IncompleteDetails, responsesconv.UsageToHub(r.Usage)
	}
	if c.ev.Type == "response.incomplete" {
		status = "incomplete"
	}
	for len(c.queue) > 0 {
		dst = c.finishTool(dst, c.queue[0])
	}
	replayed := false
	if !c.content && r != nil {
		n := len(dst)
		dst = c.replay(dst, r)
		replayed = len(dst) > n
	}
	dst = c.head(dst)
	dst = c.tail(append(dst, "{}"...), responsesconv.HubFinish(status, inc, c.ntools > 0))
	if c.opt.IncludeUsage {
		if u == nil {
			u = &openai.Usage{PromptTokens: c.opt.InputEstimate, TotalTokens: c.opt.InputEstimate}
		}
		dst = append(c.open(dst), `,"choices":[],"usage":`...)
		dst = append(openai.AppendUsage(dst, u), "}\n\n"...) // json.Marshal's bytes
	}
	c.done = true
	return protocol.Step{Out: append(dst, "data: [DONE]\n\n"...), Done: true, Content: replayed}
}

// fail writes the hub error chunk and ends the stream.
func (c *ToHubStream) fail(dst []byte, typ, msg string) protocol.Step {
	c.done = true
	b, _ := json.Marshal(openai.ErrorBody{Error: openai.ErrorDetail{Message: msg, Type: typ}})
	dst = append(dst, "data: "...)
	dst = append(append(dst, b...), "\n\n"...)
	return protocol.Step{Out: dst, Done: true, Err: &protocol.StreamError{Type: typ, Message: msg}}
}

// replay sends the content of a final response whose stream carried none
// (backends that send only response.completed).
func (c *ToHubStream) replay(dst []byte, r *responses.Response) []byte {
	m := responsesconv.ResponseToHub(r).Choices[0].Message
	if m.ReasoningContent != "" {
		dst = c.textDelta(dst, `"reasoning_content"`, m.ReasoningContent)
	}
	if s := m.Content.Text; s != nil && *s != "" { // ResponseToHub's content is text
		dst = c.textDelta(dst, `"content"`, *s)
	}
	if m.Refusal != "" {
		dst = c.textDelta(dst, `"refusal"`, m.Refusal)
	}
	for i := range r.Output {
		it := &r.Output[i]
		if (it.Type == "function_call" || it.Type == "custom_tool_call") && it.Name != "" {
			dst = c.toolStart(dst, it, &i)
			dst, _ = c.toolDone(dst, &upEvent{Item: it, OutputIndex: &i})
		}
	}
	return dst
}
