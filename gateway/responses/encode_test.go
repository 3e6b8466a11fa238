package responses

import (
	"bytes"
	"encoding/json"
	"testing"
)

// encodeCases are Responses objects with every optional field set and
// unset, and strings that need escaping.
func encodeCases() []*Response {
	s := func(v string) *string { return &v }
	tricky := "a<b>&c \"q\" \\ \n\r\t\b\f\x01 é ✓ \u2028\u2029 \xff\xfe end"
	full := &Response{ID: "resp_1", Object: "response", CreatedAt: 1700000000, Status: "incomplete", Model: tricky,
		Output: []OutputItem{
			{ID: "rs_1", Type: "reasoning", Summary: []SummaryPart{}},
			{ID: "rs_2", Type: "reasoning", Summary: []SummaryPart{{Type: "summary_text", Text: tricky}}},
			{ID: "msg_1", Type: "message", Status: "in_progress", Role: "assistant", Content: []OutputContent{}},
			{ID: "msg_2", Type: "message", Status: "completed", Role: "assistant", Content: []OutputContent{
				{Type: "output_text", Text: tricky, Annotations: []json.RawMessage{}},
				{Type: "refusal", Refusal: "no", Annotations: nil},
				{Type: "output_text", Annotations: []json.RawMessage{json.RawMessage(`{"a": [1, 2]}`), nil}},
			}},
			{ID: "fc_1", Type: "function_call", Status: "completed", CallID: "call_1", Name: "f", Namespace: "ns", Arguments: s("")},
			{ID: "fc_2", Type: "function_call", CallID: "call_2", Name: tricky, Arguments: s(`{"x":"<&>"}`)},
			{ID: "ctc_1", Type: "custom_tool_call", Status: "completed", CallID: "c", Name: "apply_patch", Input: s(tricky)},
			{ID: "lsh_1", Type: "local_shell_call", Status: "completed", CallID: "c", Action: shellArgsToAction(`{"command":["ls","<x>"]}`)},
			{ID: "lsh_2", Type: "local_shell_call", Action: json.RawMessage(`{"type":"exec","command":[],"env":{}}`)},
			{ID: "lsh_3", Type: "local_shell_call", Action: json.RawMessage(" {\"type\" : \"exec\", \"s\":\"\u2028<\"}\n")},
			{},
		},
		Usage:             &Usage{InputTokens: 10, InputTokensDetails: InputTokensDetails{CachedTokens: 3}, OutputTokens: -2, TotalTokens: 8},
		Error:             &ErrorDetail{Type: "t", Code: "c", Message: tricky, Param: s("p")},
		IncompleteDetails: &IncompleteDetails{Reason: "max_output_tokens"},
		ParallelToolCalls: true,
		ToolChoice:        json.RawMessage(`"auto"`),
		Tools:             []json.RawMessage{json.RawMessage(`{"type":"function"}`), nil},
	}
	return []*Response{
		{},
		{Output: []OutputItem{}, Tools: []json.RawMessage{}},
		{Error: &ErrorDetail{}},
		{Error: &ErrorDetail{Code: "x", Message: "m"}},
		{Error: &ErrorDetail{Type: "x", Message: "m"}},
		{ToolChoice: json.RawMessage(`{ "type": "function", "name": "a&b" }`)},
		full,
	}
}

// TestAppendMatchesMarshal: AppendResponse and AppendOutputItem write what
// encoding/json writes.
func TestAppendMatchesMarshal(t *testing.T) {
	for i, r := range encodeCases() {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendResponse(nil, r); !bytes.Equal(got, want) {
			t.Errorf("case %d:\n got %s\nwant %s", i, got, want)
		}
		for j := range r.Output {
			want, _ := json.Marshal(&r.Output[j])
			if got := AppendOutputItem(nil, &r.Output[j]); !bytes.Equal(got, want) {
				t.Errorf("case %d item %d:\n got %s\nwant %s", i, j, got, want)
			}
		}
	}
}

// FuzzAppendResponse: for any strings, the hand encoder and encoding/json
// agree byte for byte.
func FuzzAppendResponse(f *testing.F) {
	f.Add("resp_1", "gpt-<x>", "text & more", `{"command":["ls"]}`, "\u2028\xff")
	f.Fuzz(func(t *testing.T, id, model, text, args, other string) {
		r := &Response{ID: id, Object: "response", Status: other, Model: model, Output: []OutputItem{
			{ID: id, Type: "message", Status: "completed", Role: "assistant", Content: []OutputContent{
				{Type: "output_text", Text: text, Annotations: []json.RawMessage{}}, {Type: "refusal", Refusal: other}}},
			{ID: other, Type: "function_call", CallID: text, Name: model, Namespace: other, Arguments: &args},
			{ID: id, Type: "custom_tool_call", Input: &text},
			{ID: id, Type: "local_shell_call", Action: shellArgsToAction(args)},
			{ID: id, Type: "reasoning", Summary: []SummaryPart{{Type: other, Text: text}}},
		}, Error: &ErrorDetail{Type: other, Code: id, Message: text, Param: &model}, ToolChoice: json.RawMessage(`"auto"`),
			IncompleteDetails: &IncompleteDetails{Reason: other}, Tools: []json.RawMessage{}}
		if json.Valid([]byte(args)) {
			r.Output[3].Action = json.RawMessage(args)
		}
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendResponse(nil, r); !bytes.Equal(got, want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}

// outputItem is the OutputItem a stream item stands for: what appendItem
// must write the bytes of.
func outputItem(it *sItem, status string) OutputItem {
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

func checkAppendItem(t *testing.T, it *sItem) {
	t.Helper()
	for _, status := range []string{"in_progress", "completed", "incomplete"} {
		o := outputItem(it, status)
		want, err := json.Marshal(&o)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendItem(nil, it, status); !bytes.Equal(got, want) {
			t.Fatalf("%+v %s:\n got %s\nwant %s", it, status, got, want)
		}
	}
}

// TestAppendItem: a stream item is written as its OutputItem marshals.
func TestAppendItem(t *testing.T) {
	for _, kind := range []uint8{kMessage, kReasoning, kFunction, kCustom, kLocalShell} {
		for _, buf := range []string{"", "text <&> \u2028 \xff é", `{"input":"*** Begin Patch"}`, `{"command":["ls","-la"],"workdir":"/tmp"}`, `{"a":1}`} {
			for _, tool := range []ClientTool{{}, {Name: "f"}, {Name: "read", Namespace: "mcp__fs"}} {
				checkAppendItem(t, &sItem{kind: kind, id: "x_1", callID: "call_1", tool: tool, buf: []byte(buf)})
				checkAppendItem(t, &sItem{kind: kind, id: "x_2", tool: tool, buf: []byte(buf)})
			}
		}
	}
}

// FuzzAppendItem: the same for any contents.
func FuzzAppendItem(f *testing.F) {
	f.Add(uint8(0), "id", "call", "name", "ns", []byte(`{"command":["ls"]}`))
	f.Fuzz(func(t *testing.T, kind uint8, id, callID, name, ns string, buf []byte) {
		checkAppendItem(t, &sItem{kind: kind % 5, id: id, callID: callID, tool: ClientTool{Name: name, Namespace: ns}, buf: buf})
	})
}
