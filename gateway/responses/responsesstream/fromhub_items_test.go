package responsesstream

import (
	"bytes"
	"encoding/json"
	"testing"

	"switchyard/gateway/responses"
	"switchyard/gateway/responses/responsesconv"
)

// outputItem is the responses.OutputItem a stream item stands for: what appendItem
// must write the bytes of.
func outputItem(it *sItem, status string) responses.OutputItem {
	done := status != "in_progress"
	switch it.kind {
	case kReasoning:
		o := responses.OutputItem{ID: it.id, Type: "reasoning", Summary: []responses.SummaryPart{}}
		if done {
			o.Summary = []responses.SummaryPart{{Type: "summary_text", Text: string(it.buf)}}
		}
		return o
	case kMessage:
		o := responses.OutputItem{ID: it.id, Type: "message", Status: status, Role: "assistant", Content: []responses.OutputContent{}}
		if done {
			o.Content = []responses.OutputContent{{Type: "output_text", Text: string(it.buf), Annotations: []json.RawMessage{}}}
		}
		return o
	case kCustom:
		in := ""
		if done {
			in = responsesconv.CustomInput(string(it.buf))
		}
		return responses.OutputItem{ID: it.id, Type: "custom_tool_call", Status: status, CallID: it.callID,
			Name: it.tool.Name, Namespace: it.tool.Namespace, Input: &in}
	case kLocalShell:
		action := json.RawMessage(`{"type":"exec","command":[],"env":{}}`)
		if done {
			action = responsesconv.ShellArgsToAction(string(it.buf))
		}
		return responses.OutputItem{ID: it.id, Type: "local_shell_call", Status: status, CallID: it.callID, Action: action}
	}
	args := ""
	if done {
		args = argsOrEmpty(it.buf)
	}
	return responses.OutputItem{ID: it.id, Type: "function_call", Status: status, CallID: it.callID,
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

// TestAppendItem: a stream item is written as its responses.OutputItem marshals.
func TestAppendItem(t *testing.T) {
	for _, kind := range []uint8{kMessage, kReasoning, kFunction, kCustom, kLocalShell} {
		for _, buf := range []string{"", "text <&> \u2028 \xff é", `{"input":"*** Begin Patch"}`, `{"command":["ls","-la"],"workdir":"/tmp"}`, `{"a":1}`} {
			for _, tool := range []responsesconv.ClientTool{{}, {Name: "f"}, {Name: "read", Namespace: "mcp__fs"}} {
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
		checkAppendItem(t, &sItem{kind: kind % 5, id: id, callID: callID, tool: responsesconv.ClientTool{Name: name, Namespace: ns}, buf: buf})
	})
}
