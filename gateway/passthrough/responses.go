package passthrough

import (
	"bytes"
	"strconv"

	"switchyard/gateway/jscan"
	"switchyard/gateway/protocol"
	"switchyard/gateway/sse"
)

// responsesPass relays a Responses API stream to a Responses client
// unchanged. It reads each event's type (the `event:` name, else the
// data's "type") for the first-byte rule and the stream's end: content is
// the first output delta or output item; response.completed and
// response.incomplete finish it; response.failed and error fail it. A
// stream that ends before any of those gets one `error` event.
type responsesPass struct {
	content bool
	done    bool
	seq     int64 // the last sequence_number seen
	scan    jscan.Scanner
}

var responsesContent = map[string]bool{
	"response.output_item.added": true, "response.output_text.delta": true, "response.refusal.delta": true,
	"response.function_call_arguments.delta": true, "response.reasoning_summary_text.delta": true,
	"response.reasoning_text.delta": true, "response.custom_tool_call_input.delta": true,
}

func (p *responsesPass) Event(dst []byte, ev sse.Event) protocol.Step {
	if p.done {
		return protocol.Step{Out: dst, Done: true}
	}
	// One validating pass that reads only "type" and "sequence_number"
	// (jscan: no encoding/json per event on the passthrough path).
	s := &p.scan
	s.Reset(ev.Data)
	var rawType []byte
	if s.Object() {
		for first := true; s.More(&first, '}'); {
			switch string(s.Key()) {
			case "type":
				rawType = s.StrOpt()
			case "sequence_number":
				p.seq = int64(s.IntOpt())
			default:
				s.Skip()
			}
		}
	}
	if !s.Done() {
		return p.fail(dst, "upstream sent a malformed event")
	}
	typ := ev.Name
	if typ == "" {
		typ = jscan.UnquoteRaw(rawType)
	}
	st := protocol.Step{Out: sse.AppendEvent(dst, ev.Name, ev.Data)}
	switch {
	case responsesContent[typ]:
		st.Content, p.content = true, true
	case typ == "response.completed" || typ == "response.incomplete":
		st.Done, p.done = true, true
		st.Content = true // a finished answer commits even when it had no delta
	case typ == "response.failed" || typ == "error":
		st.Done, p.done = true, true
		st.Err = &protocol.StreamError{Type: "server_error", Message: "upstream reported " + typ + ": " + trunc(string(bytes.TrimSpace(ev.Data)), 200)}
	}
	return st
}

func (p *responsesPass) End(dst []byte, readErr error) protocol.Step {
	if p.done {
		return protocol.Step{Out: dst, Done: true}
	}
	return p.fail(dst, "upstream stream ended prematurely")
}

// KeepAlive is an SSE comment.
func (p *responsesPass) KeepAlive(dst []byte) []byte {
	if p.done {
		return dst
	}
	return append(dst, ": keepalive\n\n"...)
}

func (p *responsesPass) fail(dst []byte, msg string) protocol.Step {
	p.done = true
	b := protocol.AppendJSONString([]byte(`{"type":"error","code":"server_error","message":`), msg)
	b = append(append(append(b, `,"param":null,"sequence_number":`...), strconv.FormatInt(p.seq+1, 10)...), '}')
	return protocol.Step{Out: sse.AppendEvent(dst, "error", b), Done: true, Err: &protocol.StreamError{Type: "server_error", Message: msg}}
}
