package responses

import (
	"encoding/json"

	"switchyard/gateway/jscan"
	"switchyard/gateway/openai"
	"switchyard/gateway/protocol"
)

// reasoningDelta appends reasoning text as a reasoning item's summary.
func (c *FromHubStream) reasoningDelta(dst []byte, text string) []byte {
	if c.rs == nil {
		dst = c.closeMessage(dst)
		c.rs = c.newItem(kReasoning, "rs_")
		dst = c.itemAdded(dst, c.rs)
		dst = c.itemHead(dst, "response.reasoning_summary_part.added", c.rs)
		dst = append(dst, `,"summary_index":0,"part":{"type":"summary_text","text":""}}`+"\n\n"...)
	}
	c.rs.buf = append(c.rs.buf, text...)
	dst = c.itemHead(dst, "response.reasoning_summary_text.delta", c.rs)
	dst = append(dst, `,"summary_index":0,"delta":`...)
	dst = appendJSONString(dst, text)
	return append(dst, "}\n\n"...)
}

// textDelta appends assistant text to the open message item.
func (c *FromHubStream) textDelta(dst []byte, text string) []byte {
	if c.msg == nil {
		dst = c.closeReasoning(dst)
		c.msg = c.newItem(kMessage, "msg_")
		dst = c.itemAdded(dst, c.msg)
		dst = c.itemHead(dst, "response.content_part.added", c.msg)
		dst = append(dst, `,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}`+"\n\n"...)
	}
	c.msg.buf = append(c.msg.buf, text...)
	dst = c.itemHead(dst, "response.output_text.delta", c.msg)
	dst = append(dst, `,"content_index":0,"delta":`...)
	dst = appendJSONString(dst, text)
	return append(dst, `,"logprobs":[]}`+"\n\n"...)
}

// toolDelta handles one tool-call fragment: a new index opens a
// function_call item, later fragments add arguments to it.
func (c *FromHubStream) toolDelta(dst []byte, tc *openai.ToolDeltaView) []byte {
	idx := tc.Index
	name, args := jscan.UnquoteRaw(tc.Name), jscan.UnquoteRaw(tc.Args)
	it := c.tools[idx]
	if it == nil {
		dst = c.closeReasoning(dst)
		dst = c.closeMessage(dst)
		t := c.notes.client(name)
		kind, prefix := kFunction, "fc_"
		switch t.Kind {
		case KindCustom:
			kind, prefix = kCustom, "ctc_"
		case KindLocalShell:
			kind, prefix = kLocalShell, "lsh_"
		}
		it = c.newItem(kind, prefix)
		it.callID, it.tool = jscan.UnquoteRaw(tc.ID), t
		if it.callID == "" {
			it.callID = c.ids.next("call_")
		}
		if c.tools == nil {
			c.tools = map[int]*sItem{}
		}
		c.tools[idx] = it
		dst = c.itemAdded(dst, it)
	} else if it.tool.Name == "" && name != "" {
		it.tool = c.notes.client(name)
	}
	if args == "" {
		return dst
	}
	it.buf = append(it.buf, args...)
	if it.kind != kFunction {
		return dst // known only whole: sent with the item's done event
	}
	dst = c.itemHead(dst, "response.function_call_arguments.delta", it)
	dst = append(dst, `,"delta":`...)
	dst = appendJSONString(dst, args)
	return append(dst, "}\n\n"...)
}

func (c *FromHubStream) itemAdded(dst []byte, it *sItem) []byte {
	return c.itemEvent(dst, "response.output_item.added", it, "in_progress")
}

func (c *FromHubStream) itemEvent(dst []byte, typ string, it *sItem, status string) []byte {
	o := c.outputItem(it, status)
	dst = c.head(dst, typ)
	dst = append(dst, `,"output_index":`...)
	dst = appendInt(dst, it.index)
	dst = append(dst, `,"item":`...)
	dst = AppendOutputItem(dst, &o)
	return append(dst, "}\n\n"...)
}

// outputItem is the item as it stands (status in_progress or completed).
func (c *FromHubStream) outputItem(it *sItem, status string) OutputItem {
	done := status != "in_progress"
	switch it.kind {
	case kReasoning:
		o := OutputItem{ID: it.id, Type: "reasoning", Summary: []SummaryPart{}}
		if done {
			o.Summary = []SummaryPart{{Type: "summary_text", Text: string(it.buf)}}
		}
		return o
	case kMessage:
		o := OutputItem{ID: it.id, Type: "message", Status: status, Role: "assistant", Content: []OutputContent{}}
		if done {
			o.Content = []OutputContent{{Type: "output_text", Text: string(it.buf), Annotations: []json.RawMessage{}}}
		}
		return o
	case kCustom:
		in := ""
		if done {
			in = customInput(string(it.buf))
		}
		return OutputItem{ID: it.id, Type: "custom_tool_call", Status: status, CallID: it.callID,
			Name: it.tool.Name, Namespace: it.tool.Namespace, Input: &in}
	case kLocalShell:
		action := json.RawMessage(`{"type":"exec","command":[],"env":{}}`)
		if done {
			action = shellArgsToAction(string(it.buf))
		}
		return OutputItem{ID: it.id, Type: "local_shell_call", Status: status, CallID: it.callID, Action: action}
	}
	args := ""
	if done {
		args = argsOrEmpty(it.buf)
	}
	return OutputItem{ID: it.id, Type: "function_call", Status: status, CallID: it.callID,
		Name: it.tool.Name, Namespace: it.tool.Namespace, Arguments: &args}
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
		dst = appendJSONString(dst, customInput(string(it.buf)))
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
		r.Status, r.IncompleteDetails, typ = "incomplete", &IncompleteDetails{Reason: "max_output_tokens"}, "response.incomplete"
	case "content_filter":
		r.Status, r.IncompleteDetails, typ = "incomplete", &IncompleteDetails{Reason: "content_filter"}, "response.incomplete"
	}
	for _, it := range c.items {
		r.Output = append(r.Output, c.outputItem(it, "completed"))
	}
	r.Usage = UsageFromHub(c.usage)
	if r.Usage == nil {
		r.Usage = &Usage{InputTokens: c.opt.InputEstimate, TotalTokens: c.opt.InputEstimate}
	}
	c.done = true
	return protocol.Step{Out: c.eventResponse(dst, typ, &r), Done: true}
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
	r.Error = &ErrorDetail{Code: code, Message: msg}
	for _, it := range c.items {
		r.Output = append(r.Output, c.outputItem(it, "incomplete"))
	}
	c.done = true
	if typ == "" {
		typ = "server_error"
	}
	return protocol.Step{Out: c.eventResponse(dst, "response.failed", &r), Done: true,
		Err: &protocol.StreamError{Type: typ, Message: msg}}
}
