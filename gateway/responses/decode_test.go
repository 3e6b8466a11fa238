package responses

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"switchyard/gateway/jscan"
)

// decodeCases are request bodies the fast path must read as encoding/json
// does, or leave to it.
var decodeCases = []string{
	`{}`, `null`, `[]`, `"x"`, `{"model":"m"} x`, `{"model":"m",}`,
	`{"model":"gpt-5","input":"hi","stream":true,"store":false,"max_output_tokens":256,"temperature":0.7,"top_p":1e-1}`,
	`{"model":null,"input":null,"tools":null,"tool_choice":null,"parallel_tool_calls":null,"max_output_tokens":null,"temperature":null,"reasoning":null,"text":null,"stop":null,"store":null,"include":null,"stream":null}`,
	`{"Model":"m"}`, `{"MODEL":"m"}`, `{"mod\u0065l":"m"}`, `{"model":"a","model":"b"}`, `{"ſtream":true}`, `{"unknown":{"deep":[1,2,{"x":null}]},"model":"m"}`,
	`{"model":5}`, `{"stream":"yes"}`, `{"max_output_tokens":1.0}`, `{"max_output_tokens":1e3}`, `{"max_output_tokens":-0}`,
	`{"max_output_tokens":99999999999999999999}`, `{"max_output_tokens":-9223372036854775808}`, `{"temperature":1e400}`, `{"temperature":"1"}`,
	`{"include":[]}`, `{"include":["a",null,"b"]}`, `{"include":[1]}`, `{"tools":[]}`, `{"tools":[null,{"type":"function","name":"f","parameters":{"type":"object"},"strict":true}]}`,
	`{"tools":[{"type":"namespace","name":"mcp","tools":[{"type":"function","name":"read","parameters":null},{"type":"custom","name":"p","format":{"type":"grammar","definition":"x"}}]}]}`,
	`{"tools":{}}`, `{"tools":[{"type":"function","type":"custom"}]}`,
	`{"reasoning":{"effort":"high","summary":"auto"}}`, `{"reasoning":{"effort":"high","Effort":"low"}}`, `{"reasoning":"high"}`,
	`{"text":{"format":{"type":"json_schema","name":"n","description":"d","schema":{"type":"object"},"strict":false}}}`,
	`{"text":{"format":null}}`, `{"text":{}}`, `{"text":{"format":{"type":"text","strict":null}}}`,
	`{"instructions":"caf\u00e9 \ud83d\ude00 é \"q\"\n","user":"\xff\xfe","prompt_cache_key":"k","previous_response_id":"resp_1"}`,
	"{\"model\":\"m\",\"input\":[ {\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"x\"}]} ] }",
	` { "model" : "m" , "stream" : false } `,
}

// TestDecodeMatchesUnmarshal: DecodeRequest gives what json.Unmarshal
// gives, and the fast path reads the usual requests itself.
func TestDecodeMatchesUnmarshal(t *testing.T) {
	bodies := decodeCases
	files, _ := filepath.Glob("testdata/request/*.in.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, string(b))
		if _, ok := decodeRequestFast(b); !ok {
			t.Errorf("%s: the fast path gave up", f)
		}
	}
	for _, body := range bodies {
		checkDecode(t, []byte(body))
	}
}

func checkDecode(t *testing.T, body []byte) {
	t.Helper()
	var want Request
	werr := json.Unmarshal(body, &want)
	got, gerr := DecodeRequest(body)
	switch {
	case (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error():
		t.Fatalf("%s: error %v, want %v", body, gerr, werr)
	case werr == nil && !reflect.DeepEqual(*got, want):
		t.Fatalf("%s:\n got %+v\nwant %+v", body, *got, want)
	}
	if werr != nil {
		return
	}
	// The items and parts inside, as convertInput reads them.
	var items []json.RawMessage
	if json.Unmarshal(want.Input, &items) != nil {
		return
	}
	for _, r := range items {
		var wi, gi Item
		werr := json.Unmarshal(r, &wi)
		gerr := DecodeItem(r, &gi)
		if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() || !reflect.DeepEqual(gi, wi) {
			t.Fatalf("item %s: %+v, %v; want %+v, %v", r, gi, gerr, wi, werr)
		}
		for _, raw := range []json.RawMessage{wi.Content, wi.Output} {
			var wp []Part
			werr := json.Unmarshal(raw, &wp)
			gp, gerr := DecodeParts(raw)
			if len(raw) > 0 && ((werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() || !reflect.DeepEqual(gp, wp)) {
				t.Fatalf("parts %s: %+v, %v; want %+v, %v", raw, gp, gerr, wp, werr)
			}
		}
	}
}

// TestDecodeItems: items and parts of every shape, through the fast path
// and against encoding/json.
func TestDecodeItems(t *testing.T) {
	items := []string{
		`{"type":"message","role":"user","content":[{"type":"input_text","text":"a"},{"type":"input_image","image_url":"data:x","detail":"low"},null,{"type":"input_file","file_data":"d","filename":"f","file_id":"i"}]}`,
		`{"role":"assistant","content":"plain"}`, `{"role":"assistant","content":[]}`, `{"role":"user","content":[{"type":"output_text","text":"a","Text":"b"}]}`,
		`{"type":"function_call","call_id":"c","name":"f","arguments":"{\"a\":1}","namespace":"ns","id":"fc_1"}`,
		`{"type":"function_call_output","call_id":"c","output":"ok"}`, `{"type":"function_call_output","call_id":"c","output":[{"type":"input_text","text":"x"}]}`,
		`{"type":"function_call_output","call_id":"c","output":{"k":"v"}}`, `{"type":"custom_tool_call","call_id":"c","name":"p","input":"*** Begin"}`,
		`{"type":"local_shell_call","call_id":"c","action":{"type":"exec","command":["ls"],"env":{}}}`,
		`{"type":"reasoning","summary":[{"type":"summary_text","text":"t"},null],"encrypted_content":"e"}`, `{"type":"reasoning","summary":[]}`,
		`{"type":"reasoning","summary":null}`, `{"type":"reasoning","summary":[1]}`, `{"type":5}`, `{"role":"user","content":[{"type":1}]}`,
		`{"role":"user","content":[{"type":"input_text","text":"a","text":"b"}]}`, `[]`, `null`,
	}
	checkDecode(t, []byte(`{"input":[`+strings.Join(items, ",")+`]}`))
	for _, it := range items {
		checkDecode(t, []byte(`{"input":[`+it+`]}`))
	}
	if !decodeItemFast([]byte(items[0]), new(Item)) {
		t.Error("the fast path gave up on a message item")
	}
}

// FuzzDecodeRequest: for any body, DecodeRequest and json.Unmarshal agree.
func FuzzDecodeRequest(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte(c))
	}
	files, _ := filepath.Glob("testdata/request/*.in.json")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkDecode(t, in)
	})
}

var responseCases = []string{
	`{"id":"resp_1","object":"response","created_at":1700000000,"status":"completed","model":"gpt-5","output":[{"id":"rs_1","type":"reasoning","summary":[{"type":"summary_text","text":"hm"}]},{"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi \u00e9","annotations":[]},{"type":"refusal","refusal":"no","annotations":[{"a":1},null]}]},{"id":"fc_1","type":"function_call","status":"completed","call_id":"c","name":"f","arguments":"{}","namespace":"ns"},{"id":"ctc_1","type":"custom_tool_call","call_id":"c2","name":"p","input":"x"},{"id":"lsh_1","type":"local_shell_call","action":{"type":"exec","command":["ls"]}}],"usage":{"input_tokens":10,"input_tokens_details":{"cached_tokens":4},"output_tokens":5,"output_tokens_details":{"reasoning_tokens":2},"total_tokens":15},"error":null,"incomplete_details":null,"parallel_tool_calls":true,"tool_choice":"auto","tools":[{"type":"function"}]}`,
	`{"status":"failed","error":{"type":"server_error","code":"boom","message":"it broke","param":null},"incomplete_details":{"reason":"max_output_tokens"},"output":[],"tools":[]}`,
	`{"output":null,"usage":null,"tools":null,"error":{"message":"m","param":"p"}}`, `{"created_at":1.5}`, `{"created_at":"1"}`, `{"output":[null]}`,
	`{"output":[{"content":null,"summary":null,"arguments":null}]}`, `{"Output":[]}`, `{"usage":{"input_tokens_details":null}}`, `{}`, `null`, `[1]`,
	`{"usage":{"input_tokens_details":{"cached_tokens":1,"cached_tokens":2}}}`, `{"output":[{"content":[{"annotations":[]}]}]}`,
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
// json.Unmarshal gives.
func TestDecodeResponseMatchesUnmarshal(t *testing.T) {
	for _, c := range responseCases {
		checkDecodeResponse(t, []byte(c))
	}
	var d jscan.Decoder
	d.Reset([]byte(responseCases[0]))
	if ReadResponse(&d, new(Response)); !d.Done() {
		t.Error("the fast path gave up on a whole response")
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
