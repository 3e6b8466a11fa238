package anthropic

import (
	"encoding/json"
	"reflect"
	"testing"
)

var responseCases = []string{
	`{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Hello! How can I help you today?"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":19,"output_tokens":10}}`,
	`{"id":"msg_02","type":"message","role":"assistant","model":"m","content":[{"type":"thinking","thinking":"hmm \u00e9 \"q\"","signature":"sig"},{"type":"redacted_thinking","data":"xx"},{"type":"text","text":"","cache_control":{"type":"ephemeral"}},{"type":"tool_use","id":"toolu_1","name":"read","input":{"path":"a.go","n":[1,2]}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":5,"cache_creation_input_tokens":3,"cache_read_input_tokens":100,"output_tokens":7,"service_tier":"standard","server_tool_use":{"web_search_requests":0}}}`,
	`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`,
	`{"content":[{"type":"web_search_tool_result","tool_use_id":"s","content":[{"type":"web_search_result","url":"u"}]}]}`,
	`{"content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA"}}]}`,
	`{"content":[]}`, `{"content":null,"usage":null,"stop_reason":null}`, `{"content":[null]}`, `{}`, `null`, `[]`, `"x"`,
	`{"Content":[]}`, `{"id":"a","id":"b"}`, `{"usage":{"input_tokens":1.5}}`, `{"usage":{"input_tokens":"1"}}`, `{"content":[{"is_error":true,"tool_use_id":"t"}]}`,
	`{"content":[{"type":"text","text":null}]}`, `{"stop_sequence":"\n\nHuman:"}`, `{"id":"m"} x`, `{"id":}`,
}

func checkDecodeResponse(t *testing.T, body []byte) {
	t.Helper()
	var want Response
	werr := json.Unmarshal(body, &want)
	got, gerr := DecodeResponse(body)
	switch {
	case (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error():
		t.Fatalf("%s: error %v, want %v", body, gerr, werr)
	case werr == nil && !reflect.DeepEqual(*got, want):
		t.Fatalf("%s:\n got %+v\nwant %+v", body, *got, want)
	}
}

// TestDecodeResponseMatchesUnmarshal: DecodeResponse gives what
// json.Unmarshal gives, and reads the usual answers itself.
func TestDecodeResponseMatchesUnmarshal(t *testing.T) {
	for _, c := range responseCases {
		checkDecodeResponse(t, []byte(c))
	}
	for _, c := range responseCases[:3] {
		if _, ok := decodeResponseFast([]byte(c)); !ok {
			t.Errorf("the fast path gave up on %s", c)
		}
	}
}

// FuzzDecodeResponse: for any body, DecodeResponse and json.Unmarshal
// agree.
func FuzzDecodeResponse(f *testing.F) {
	for _, c := range responseCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkDecodeResponse(t, in) })
}
