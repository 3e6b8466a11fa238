package converttest

import (
	"strings"
	"testing"
)

// oc builds an OpenAI chunk line with a fixed id/created/model around a
// choices (and optional extra) JSON fragment.
func oc(rest string) string {
	return `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",` + rest + "}\n\n"
}

func od(delta, finish string) string {
	return oc(`"choices":[{"index":0,"delta":` + delta + `,"logprobs":null,"finish_reason":` + finish + `}]`)
}

const (
	oRole       = `{"role":"assistant","content":""}`
	oDone       = "data: [DONE]\n\n"
	oUsageChunk = `"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}`
	oCall0      = `{"tool_calls":[{"index":0,"id":"t0","type":"function","function":{"name":"f","arguments":""}}]}`
	oArgs0      = `{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}`
	oCall1      = `{"tool_calls":[{"index":1,"id":"t1","type":"function","function":{"name":"g","arguments":"{}"}}]}`
	oErrObj     = "data: {\"error\":{\"message\":\"x\",\"type\":\"server_error\",\"code\":null,\"param\":null}}\n\n"
)

func TestCheckOpenAIStream(t *testing.T) {
	valid := od(oRole, "null") + od(`{"content":"hi"}`, "null") + od(oCall0, "null") + od(oArgs0, "null") +
		od(oCall1, "null") + od(`{}`, `"tool_calls"`) + oc(oUsageChunk) + oDone
	if err := CheckOpenAIStream([]byte(valid), WithUpstreamUsage(), WithCompleteToolArgs()); err != nil {
		t.Fatalf("valid stream: %v", err)
	}
	if err := CheckOpenAIStream([]byte(od(oRole, "null") + od(`{"content":"a"}`, "null") + oErrObj)); err != nil {
		t.Fatalf("stream ending in an error object: %v", err)
	}
	if err := CheckOpenAIStream([]byte(oErrObj)); err != nil {
		t.Fatalf("error-only stream: %v", err)
	}
	bad := []struct{ name, wire, want string }{
		{"empty", "", "empty stream"},
		{"not json", "data: {oops\n\n", "not a JSON object"},
		{"event name", "event: x\n" + od(oRole, "null") + oDone, "no event names"},
		{"object", `data: {"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}` + "\n\n", "object"},
		{"id changes", od(oRole, "null") + `data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\n" + oDone, "differ from the first"},
		{"model changes", od(oRole, "null") + `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"n","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\n" + oDone, "differ from the first"},
		{"no role first", od(`{"content":"hi"}`, "null") + od(`{}`, `"stop"`) + oDone, "role"},
		{"tool index from 1", od(oRole, "null") + od(oCall1, "null") + od(`{}`, `"tool_calls"`) + oDone, "0-based and dense"},
		{"tool index gap", od(oRole, "null") + od(oCall0, "null") + od(`{"tool_calls":[{"index":2,"id":"t2","type":"function","function":{"name":"h","arguments":""}}]}`, "null") + od(`{}`, `"tool_calls"`) + oDone, "0-based and dense"},
		{"id on continuation", od(oRole, "null") + od(oCall0, "null") + od(`{"tool_calls":[{"index":0,"id":"t0","function":{"arguments":"{}"}}]}`, "null") + od(`{}`, `"tool_calls"`) + oDone, "repeats id"},
		{"name on continuation", od(oRole, "null") + od(oCall0, "null") + od(`{"tool_calls":[{"index":0,"function":{"name":"f","arguments":"{}"}}]}`, "null") + od(`{}`, `"tool_calls"`) + oDone, "repeats id"},
		{"first call chunk without name", od(oRole, "null") + od(`{"tool_calls":[{"index":0,"id":"t0","type":"function","function":{"arguments":""}}]}`, "null") + od(`{}`, `"tool_calls"`) + oDone, "lacks id"},
		{"first call chunk without id", od(oRole, "null") + od(`{"tool_calls":[{"index":0,"type":"function","function":{"name":"f","arguments":""}}]}`, "null") + od(`{}`, `"tool_calls"`) + oDone, "lacks id"},
		{"two finishes", od(oRole, "null") + od(`{}`, `"stop"`) + od(`{}`, `"stop"`) + oDone, "second non-null finish_reason"},
		{"no finish", od(oRole, "null") + od(`{"content":"a"}`, "null") + oDone, "0 non-null finish_reason"},
		{"unknown finish", od(oRole, "null") + od(`{}`, `"weird"`) + oDone, "not an OpenAI value"},
		{"usage with choices", od(oRole, "null") + od(`{}`, `"stop"`) + oc(`"choices":[{"index":0,"delta":{},"finish_reason":null}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}`) + oDone, "non-empty choices"},
		{"chunk after usage", od(oRole, "null") + oc(oUsageChunk) + od(`{}`, `"stop"`) + oDone, "after the usage chunk"},
		{"garbage after usage", od(oRole, "null") + od(`{}`, `"stop"`) + oc(oUsageChunk) + "data: {\"x\":1}\n\n" + oDone, "object"},
		{"missing usage", od(oRole, "null") + od(`{}`, `"stop"`) + oDone, "no usage chunk"},
		{"truncated", od(oRole, "null") + od(`{"content":"a"}`, "null"), "without [DONE]"},
		{"done after error", od(oRole, "null") + oErrObj + oDone, "after an error object"},
		{"event after done", od(oRole, "null") + od(`{}`, `"stop"`) + oDone + od(`{"content":"late"}`, "null"), "after [DONE]"},
		{"done twice", od(oRole, "null") + od(`{}`, `"stop"`) + oDone + oDone, "after [DONE]"},
		{"done without chunks", oDone, "without any chunk"},
		{"error without type", od(oRole, "null") + "data: {\"error\":{\"message\":\"x\"}}\n\n", "without message and type"},
		{"choice without finish_reason key", od(oRole, "null") + oc(`"choices":[{"index":0,"delta":{}}]`) + oDone, "without index, delta or finish_reason"},
		{"content not a string", od(oRole, "null") + od(`{"content":5}`, `"stop"`) + oDone, "not a string"},
		{"incomplete args", od(oRole, "null") + od(oCall0, "null") + od(`{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":"}}]}`, "null") + od(`{}`, `"tool_calls"`) + oDone, "not a JSON object"},
		{"cut mid-event", od(oRole, "null") + "data: {\"id\":", "malformed SSE"},
	}
	for _, c := range bad {
		var opts []CheckOption
		switch c.name {
		case "missing usage":
			opts = append(opts, WithUpstreamUsage())
		case "incomplete args":
			opts = append(opts, WithCompleteToolArgs())
		}
		if opts != nil { // violations only because of the option
			if err := CheckOpenAIStream([]byte(c.wire)); err != nil {
				t.Errorf("%s without options: %v", c.name, err)
			}
		}
		err := CheckOpenAIStream([]byte(c.wire), opts...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

func ae(name, data string) string { return "event: " + name + "\ndata: " + data + "\n\n" }

const (
	aStart  = `{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}`
	aStop   = `{"type":"message_stop"}`
	aDeltaT = `{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":5,"output_tokens":7,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}}`
	aDeltaE = `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":5,"output_tokens":7,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}}`
	aErr    = `{"type":"error","error":{"type":"api_error","message":"boom"}}`
)

func aTextStart(i string) string {
	return ae("content_block_start", `{"type":"content_block_start","index":`+i+`,"content_block":{"type":"text","text":""}}`)
}

func aToolStart(i, id string) string {
	return ae("content_block_start", `{"type":"content_block_start","index":`+i+`,"content_block":{"type":"tool_use","id":"`+id+`","name":"f","input":{}}}`)
}

func aTextDelta(i, s string) string {
	return ae("content_block_delta", `{"type":"content_block_delta","index":`+i+`,"delta":{"type":"text_delta","text":"`+s+`"}}`)
}

func aJSON(i, s string) string {
	return ae("content_block_delta", `{"type":"content_block_delta","index":`+i+`,"delta":{"type":"input_json_delta","partial_json":"`+s+`"}}`)
}

func aStopB(i string) string {
	return ae("content_block_stop", `{"type":"content_block_stop","index":`+i+`}`)
}

func TestCheckAnthropicStream(t *testing.T) {
	head := ae("message_start", aStart)
	tail := ae("message_delta", aDeltaT) + ae("message_stop", aStop)
	valid := head + ae("ping", `{"type":"ping"}`) + aTextStart("0") + aTextDelta("0", "hi") + aStopB("0") +
		aToolStart("1", "toolu_1") + aJSON("1", `{\"a\":`) + aJSON("1", `1}`) + aStopB("1") + tail
	if err := CheckAnthropicStream([]byte(valid), WithUpstreamUsage(), WithCompleteToolArgs()); err != nil {
		t.Fatalf("valid stream: %v", err)
	}
	if err := CheckAnthropicStream([]byte(ae("error", aErr))); err != nil {
		t.Fatalf("error-only stream: %v", err)
	}
	if err := CheckAnthropicStream([]byte(head + aTextStart("0") + aTextDelta("0", "x") + aStopB("0") + ae("error", aErr))); err != nil {
		t.Fatalf("stream ending in an error: %v", err)
	}
	zeroUsage := `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":0,"output_tokens":0,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}}`
	bad := []struct{ name, wire, want string }{
		{"empty", "", "empty stream"},
		{"no event name", "data: " + aStart + "\n\n", "differs from the event name"},
		{"type mismatch", ae("message_start", aStop), "differs from the event name"},
		{"not message_start first", aTextStart("0") + aTextDelta("0", "x") + aStopB("0") + tail, "must be message_start"},
		{"message_start twice", head + head + tail, "second message_start"},
		{"input usage 0", ae("message_start", strings.Replace(aStart, `"input_tokens":5`, `"input_tokens":0`, 1)) + ae("message_delta", aDeltaE) + ae("message_stop", aStop), "input usage is 0"},
		{"no cache fields", ae("message_start", strings.Replace(aStart, `,"cache_creation_input_tokens":0`, ``, 1)) + ae("message_delta", aDeltaE) + ae("message_stop", aStop), "cache fields"},
		{"content not empty", ae("message_start", strings.Replace(aStart, `"content":[]`, `"content":[{"type":"text","text":"x"}]`, 1)) + ae("message_delta", aDeltaE) + ae("message_stop", aStop), "content must be []"},
		{"index from 1", head + aTextStart("1") + aTextDelta("1", "x") + aStopB("1") + ae("message_delta", aDeltaE) + ae("message_stop", aStop), "contiguous"},
		{"index gap", head + aTextStart("0") + aTextDelta("0", "x") + aStopB("0") + aToolStart("2", "t") + aStopB("2") + tail, "contiguous"},
		{"started twice", head + aTextStart("0") + aTextDelta("0", "x") + aStopB("0") + aTextStart("0") + tail, "contiguous"},
		{"two open", head + aTextStart("0") + aTextDelta("0", "x") + aToolStart("1", "t") + aStopB("1") + aStopB("0") + tail, "while block 0 is open"},
		{"delta after stop", head + aTextStart("0") + aTextDelta("0", "x") + aStopB("0") + aTextDelta("0", "y") + ae("message_delta", aDeltaE) + ae("message_stop", aStop), "already stopped"},
		{"delta for other block", head + aTextStart("0") + aTextDelta("0", "x") + aStopB("0") + aToolStart("1", "t") + aTextDelta("0", "y") + aStopB("1") + tail, "already stopped"},
		{"delta before start", head + aTextDelta("0", "x") + ae("message_delta", aDeltaE) + ae("message_stop", aStop), "names no started block"},
		{"delta type mismatch", head + aToolStart("0", "t") + aTextDelta("0", "x") + aStopB("0") + tail, "text_delta in a tool_use block"},
		{"json delta in text", head + aTextStart("0") + aJSON("0", "{}") + aStopB("0") + ae("message_delta", aDeltaE) + ae("message_stop", aStop), "input_json_delta in a text block"},
		{"stopped twice", head + aTextStart("0") + aTextDelta("0", "x") + aStopB("0") + aStopB("0") + ae("message_delta", aDeltaE) + ae("message_stop", aStop), "already stopped"},
		{"never stopped", head + aTextStart("0") + aTextDelta("0", "x") + ae("message_delta", aDeltaE) + ae("message_stop", aStop), "while block 0 is open"},
		{"empty text block", head + aTextStart("0") + aStopB("0") + ae("message_delta", aDeltaE) + ae("message_stop", aStop), "empty text block"},
		{"bad tool id", head + aToolStart("0", "functions.f:0") + aStopB("0") + tail, "must match"},
		{"tool_use without tools", head + aTextStart("0") + aTextDelta("0", "x") + aStopB("0") + tail, "without a tool_use block"},
		{"end_turn with tools", head + aToolStart("0", "t") + aStopB("0") + ae("message_delta", aDeltaE) + ae("message_stop", aStop), "end_turn with 1 tool_use"},
		{"bad stop_reason", head + ae("message_delta", strings.Replace(aDeltaE, "end_turn", "stop", 1)) + ae("message_stop", aStop), "not an Anthropic value"},
		{"message_delta twice", head + ae("message_delta", aDeltaE) + ae("message_delta", aDeltaE) + ae("message_stop", aStop), "second message_delta"},
		{"block after message_delta", head + ae("message_delta", aDeltaE) + aTextStart("0") + aTextDelta("0", "x") + aStopB("0") + ae("message_stop", aStop), "after message_delta"},
		{"stop without delta", head + ae("message_stop", aStop), "without message_delta"},
		{"truncated", head + aTextStart("0") + aTextDelta("0", "x"), "without message_stop"},
		{"event after stop", head + ae("message_delta", aDeltaE) + ae("message_stop", aStop) + ae("ping", `{"type":"ping"}`), "after message_stop"},
		{"event after error", head + ae("error", aErr) + ae("message_stop", aStop), "after an error event"},
		{"error with open block", head + aTextStart("0") + aTextDelta("0", "x") + ae("error", aErr), "error while block 0 is open"},
		{"error shape", head + ae("error", `{"type":"error","message":"x"}`), "error.type"},
		{"unknown event", head + ae("surprise", `{"type":"surprise"}`) + ae("message_delta", aDeltaE) + ae("message_stop", aStop), "unknown event"},
		{"zero usage", head + aTextStart("0") + aTextDelta("0", "x") + aStopB("0") + ae("message_delta", zeroUsage) + ae("message_stop", aStop), "usage is zero"},
		{"incomplete tool JSON", head + aToolStart("0", "t") + aJSON("0", `{\"a\":`) + aStopB("0") + tail, "not a JSON object"},
	}
	for _, c := range bad {
		var opts []CheckOption
		switch c.name {
		case "zero usage":
			opts = append(opts, WithUpstreamUsage())
		case "incomplete tool JSON":
			opts = append(opts, WithCompleteToolArgs())
		}
		if opts != nil { // violations only because of the option
			if err := CheckAnthropicStream([]byte(c.wire)); err != nil {
				t.Errorf("%s without options: %v", c.name, err)
			}
		}
		err := CheckAnthropicStream([]byte(c.wire), opts...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		}
	}
}
