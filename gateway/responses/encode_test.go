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
			{ID: "lsh_1", Type: "local_shell_call", Status: "completed", CallID: "c", Action: json.RawMessage(`{"type":"exec","command":["ls","\u003cx\u003e"],"env":{}}`)},
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
			{ID: id, Type: "local_shell_call", Action: json.RawMessage(`{"type":"exec","command":[],"env":{}}`)},
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
