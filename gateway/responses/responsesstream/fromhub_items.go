package responsesstream

import (
	"bytes"
	"unicode/utf8"

	"switchyard/gateway/jscan"
	"switchyard/gateway/openai"
	"switchyard/gateway/protocol"
	"switchyard/gateway/responses"
	"switchyard/gateway/responses/responsesconv"
)

// appendLiteral appends the hub string literal raw to dst as
// appendJSONString would append its text, and the text to buf. A literal
// without escapes and with valid UTF-8 is that already (jscan refused raw
// control characters), so it is copied as it is: no decoding, no string.
func appendLiteral(dst, buf, raw []byte) ([]byte, []byte) {
	in := jscan.RawInner(raw)
	if bytes.IndexByte(in, '\\') < 0 && utf8.Valid(in) {
		return append(dst, raw...), append(buf, in...)
	}
	text := jscan.UnquoteRaw(raw)
	return appendJSONString(dst, text), append(buf, text...)
}

// reasoningDelta appends reasoning text (a hub string literal) as a
// reasoning item's summary.
func (c *FromHubStream) reasoningDelta(dst, raw []byte) []byte {
	if c.rs == nil {
		dst = c.closeMessage(dst)
		c.rs = c.newItem(kReasoning, "rs_")
		dst = c.itemAdded(dst, c.rs)
		dst = c.itemHead(dst, "response.reasoning_summary_part.added", c.rs)
		dst = append(dst, `,"summary_index":0,"part":{"type":"summary_text","text":""}}`+"\n\n"...)
	}
	dst = c.itemHead(dst, "response.reasoning_summary_text.delta", c.rs)
	dst = append(dst, `,"summary_index":0,"delta":`...)
	dst, c.rs.buf = appendLiteral(dst, c.rs.buf, raw)
	return append(dst, "}\n\n"...)
}

// textDelta appends assistant text (a hub string literal) to the open
// message item.
func (c *FromHubStream) textDelta(dst, raw []byte) []byte {
	if c.msg == nil {
		dst = c.closeReasoning(dst)
		c.msg = c.newItem(kMessage, "msg_")
		dst = c.itemAdded(dst, c.msg)
		dst = c.itemHead(dst, "response.content_part.added", c.msg)
		dst = append(dst, `,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}`+"\n\n"...)
	}
	dst = c.itemHead(dst, "response.output_text.delta", c.msg)
	dst = append(dst, `,"content_index":0,"delta":`...)
	dst, c.msg.buf = appendLiteral(dst, c.msg.buf, raw)
	return append(dst, `,"logprobs":[]}`+"\n\n"...)
}

// toolDelta handles one tool-call fragment: a new index opens a
// function_call item, later fragments add arguments to it.
func (c *FromHubStream) toolDelta(dst []byte, tc *openai.ToolDeltaView) []byte {
	idx := tc.Index
	name := ""
	if jscan.RawNonEmpty(tc.Name) {
		name = jscan.UnquoteRaw(tc.Name)
	}
	it := c.tools[idx]
	if it == nil {
		dst = c.closeReasoning(dst)
		dst = c.closeMessage(dst)
		t := c.notes.Client(name)
		kind, prefix := kFunction, "fc_"
		switch t.Kind {
		case responsesconv.KindCustom:
			kind, prefix = kCustom, "ctc_"
		case responsesconv.KindLocalShell:
			kind, prefix = kLocalShell, "lsh_"
		}
		it = c.newItem(kind, prefix)
		it.callID, it.tool = jscan.UnquoteRaw(tc.ID), t
		if it.callID == "" {
			it.callID = c.ids.Next("call_")
		}
		if c.tools == nil {
			c.tools = map[int]*sItem{}
		}
		c.tools[idx] = it
		dst = c.itemAdded(dst, it)
	} else if it.tool.Name == "" && name != "" {
		it.tool = c.notes.Client(name)
	}
	if !jscan.RawNonEmpty(tc.Args) {
		return dst
	}
	if it.kind != kFunction {
		_, it.buf = appendLiteral(nil, it.buf, tc.Args)
		return dst // known only whole: sent with the item's done event
	}
	dst = c.itemHead(dst, "response.function_call_arguments.delta", it)
	dst = append(dst, `,"delta":`...)
	dst, it.buf = appendLiteral(dst, it.buf, tc.Args)
	return append(dst, "}\n\n"...)
}

func (c *FromHubStream) itemAdded(dst []byte, it *sItem) []byte {
	return c.itemEvent(dst, "response.output_item.added", it, "in_progress")
}

func (c *FromHubStream) itemEvent(dst []byte, typ string, it *sItem, status string) []byte {
	dst = c.head(dst, typ)
	dst = append(dst, `,"output_index":`...)
	dst = appendInt(dst, it.index)
	dst = append(dst, `,"item":`...)
	dst = appendItem(dst, it, status)
	return append(dst, "}\n\n"...)
}

// appendItem appends the item as it stands (status in_progress, completed
// or incomplete): the bytes of AppendOutputItem for the OutputItem it
// stands for (TestAppendItem holds the two together), written directly.
func appendItem(dst []byte, it *sItem, status string) []byte {
	done := status != "in_progress"
	dst = append(dst, `{"id":`...)
	dst = jscan.AppendString(dst, it.id)
	switch it.kind {
	case kReasoning:
		dst = append(dst, `,"type":"reasoning","summary":[`...)
		if done {
			dst = append(dst, `{"type":"summary_text","text":`...)
			dst = jscan.AppendString(dst, it.buf)
			dst = append(dst, '}')
		}
		return append(dst, "]}"...)
	case kMessage:
		dst = append(dst, `,"type":"message","status":`...)
		dst = jscan.AppendString(dst, status)
		dst = append(dst, `,"role":"assistant","content":[`...)
		if done {
			dst = append(dst, `{"type":"output_text"`...)
			if len(it.buf) > 0 { // omitempty
				dst = jscan.AppendString(append(dst, `,"text":`...), it.buf)
			}
			dst = append(dst, `,"annotations":[]}`...)
		}
		return append(dst, "]}"...)
	case kLocalShell:
		dst = append(dst, `,"type":"local_shell_call","status":`...)
		dst = jscan.AppendString(dst, status)
		dst = appendOptString(dst, `,"call_id":`, it.callID)
		dst = append(dst, `,"action":`...)
		if done {
			dst, _ = jscan.AppendRaw(dst, responsesconv.ShellArgsToAction(string(it.buf))) // json.Marshal output: valid
		} else {
			dst = append(dst, `{"type":"exec","command":[],"env":{}}`...)
		}
		return append(dst, '}')
	case kCustom:
		dst = append(dst, `,"type":"custom_tool_call","status":`...)
	default:
		dst = append(dst, `,"type":"function_call","status":`...)
	}
	dst = jscan.AppendString(dst, status)
	dst = appendOptString(dst, `,"call_id":`, it.callID)
	dst = appendOptString(dst, `,"name":`, it.tool.Name)
	if it.kind == kCustom {
		dst = append(dst, `,"input":`...)
		if done {
			dst = jscan.AppendString(dst, responsesconv.CustomInput(string(it.buf)))
		} else {
			dst = append(dst, `""`...)
		}
	} else {
		dst = append(dst, `,"arguments":`...)
		switch {
		case !done:
			dst = append(dst, `""`...)
		case len(it.buf) == 0:
			dst = append(dst, `"{}"`...)
		default:
			dst = jscan.AppendString(dst, it.buf)
		}
	}
	dst = appendOptString(dst, `,"namespace":`, it.tool.Namespace)
	return append(dst, '}')
}

func argsOrEmpty(b []byte) string {
	if len(b) == 0 {
		return "{}"
	}
	return string(b)
}

func (c *FromHubStream) closeReasoning(dst []byte) []byte {
	it := c.rs
	if it == nil {
		return dst
	}
	c.rs = nil
	it.closed = true
	dst = c.itemHead(dst, "response.reasoning_summary_text.done", it)
	dst = append(dst, `,"summary_index":0,"text":`...)
	dst = appendJSONString(dst, string(it.buf))
	dst = append(dst, "}\n\n"...)
	dst = c.itemHead(dst, "response.reasoning_summary_part.done", it)
	dst = append(dst, `,"summary_index":0,"part":{"type":"summary_text","text":`...)
	dst = appendJSONString(dst, string(it.buf))
	dst = append(dst, "}}\n\n"...)
	return c.itemEvent(dst, "response.output_item.done", it, "completed")
}

func (c *FromHubStream) closeMessage(dst []byte) []byte {
	it := c.msg
	if it == nil {
		return dst
	}
	c.msg = nil
	it.closed = true
	dst = c.itemHead(dst, "response.output_text.done", it)
	dst = append(dst, `,"content_index":0,"text":`...)
	dst = appendJSONString(dst, string(it.buf))
	dst = append(dst, `,"logprobs":[]}`+"\n\n"...)
	dst = c.itemHead(dst, "response.content_part.done", it)
	dst = append(dst, `,"content_index":0,"part":{"type":"output_text","text":`...)
	dst = appendJSONString(dst, string(it.buf))
	dst = append(dst, `,"annotations":[]}}`+"\n\n"...)
	return c.itemEvent(dst, "response.output_item.done", it, "completed")
}

func (c *FromHubStream) closeTool(dst []byte, it *sItem) []byte {
	it.closed = true
	if it.kind == kFunction {
		dst = c.itemHead(dst, "response.function_call_arguments.done", it)
		dst = append(dst, `,"name":`...)
		dst = appendJSONString(dst, it.tool.Name)
		dst = append(dst, `,"arguments":`...)
		dst = appendJSONString(dst, argsOrEmpty(it.buf))
		dst = append(dst, "}\n\n"...)
	} else if it.kind == kCustom {
		dst = c.itemHead(dst, "response.custom_tool_call_input.done", it)
		dst = append(dst, `,"input":`...)
		dst = appendJSONString(dst, responsesconv.CustomInput(string(it.buf)))
		dst = append(dst, "}\n\n"...)
	}
	return c.itemEvent(dst, "response.output_item.done", it, "completed")
}

// complete closes every open item and writes the terminal event.
func (c *FromHubStream) complete(dst []byte) protocol.Step {
	dst = c.closeReasoning(dst)
	dst = c.closeMessage(dst)
	for _, it := range c.items {
		if !it.closed {
			dst = c.closeTool(dst, it)
		}
	}
	r := c.snapshot("completed")
	typ := "response.completed"
	switch c.finish {
	case "length":
		r.Status, r.IncompleteDetails, typ = "incomplete", &responses.IncompleteDetails{Reason: "max_output_tokens"}, "response.incomplete"
	case "content_filter":
		r.Status, r.IncompleteDetails, typ = "incomplete", &responses.IncompleteDetails{Reason: "content_filter"}, "response.incomplete"
	}
	u := responses.Usage{InputTokens: c.opt.InputEstimate, TotalTokens: c.opt.InputEstimate}
	if c.hasUsage {
		u = c.usage
	}
	r.Usage = &u
	c.done = true
	return protocol.Step{Out: c.eventResponse(dst, typ, &r, "completed"), Done: true}
}

// fail writes the one response.failed event.
func (c *FromHubStream) fail(dst []byte, typ, msg string) protocol.Step {
	code := "server_error"
	switch typ {
	case "rate_limit_error", "rate_limit_exceeded", "overloaded_error":
		code = "rate_limit_exceeded"
	case "invalid_request_error":
		code = "invalid_prompt"
	}
	r := c.snapshot("failed")
	r.Error = &responses.ErrorDetail{Code: code, Message: msg}
	c.done = true
	if typ == "" {
		typ = "server_error"
	}
	return protocol.Step{Out: c.eventResponse(dst, "response.failed", &r, "incomplete"), Done: true,
		Err: &protocol.StreamError{Type: typ, Message: msg}}
}
