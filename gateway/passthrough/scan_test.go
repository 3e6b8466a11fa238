package passthrough

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"switchyard/gateway/jscan"
)

var routingSeeds = []string{
	`{"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]}`,
	`{"model":"gpt-4.1","stream":true,"stream_options":{"include_usage":true},"messages":[]}`,
	` {"messages":[{"content":[{"type":"text","text":"a \"quoted\" \\ é \u00e9 \ud83d\ude00"}]}],"max_tokens":1e3,"temperature":-0.5E-2,"model":"claude-sonnet-4-5","stream":false} `,
	`{"MODEL":"a","Model":"b","stream":true,"STREAM":null}`,
	`{"model":"a","model":null}`,
	`{"model":"a\u0062"}`,
	`{"model":"caf\xc3\xa9"}`,
	`{"model":"bad\xffutf8"}`,
	`{"mod\u0065l":"x"}`,
	`{"ſtream":true,"model":"k"}`,
	`{"model":5}`,
	`{"stream":"yes","model":"m"}`,
	`{"stream_options":null,"model":"m"}`,
	`{"stream_options":{"include_usage":1},"model":"m"}`,
	`{"stream_options":{"include_usage":true},"stream_options":{"other":1},"model":"m"}`,
	`{}`, `[]`, `null`, `"model"`, `{"model":"m"`, `{"model":"m"}x`, `{"model":"m",}`, `{"a":[1,2,]}`,
	`{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":1e}`, `{"a":"\x01"}`, `{"a":"\u12"}`, `{"a":"\q"}`, `{"a":tru}`,
	`{"a":{"b":{"c":[[[]]]}}},"model":"m"}`,
	"{\"model\":\"m\"}\n\t\r ",
}

// deepSeeds are checked by the unit test only: they slow the fuzzer.
var deepSeeds = []string{
	`{"a":[` + strings.Repeat("[", 8990) + strings.Repeat("]", 8990) + `],"model":"deep"}`,
	`{"a":[` + strings.Repeat("[", 9500) + strings.Repeat("]", 9500) + `],"model":"deeper"}`,
	`{"a":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `,"model":"too deep"}`,
}

// FuzzRoutingFields checks the fast scan against encoding/json: when it
// answers (ok), json.Unmarshal must succeed with the same fields; and its
// validator must agree with json.Valid on every input.
func FuzzRoutingFields(f *testing.F) {
	for _, s := range routingSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkRoutingFields(t, b)
	})
}

func checkRoutingFields(t *testing.T, b []byte) {
	t.Helper()
	var want Fields
	err := json.Unmarshal(b, &want)
	got, ok := ScanFields(b)
	if ok {
		if err != nil {
			t.Fatalf("scan accepted %q; json.Unmarshal: %v", trunc(string(b), 200), err)
		}
		if got.Model != want.Model || got.Stream != want.Stream || (got.StreamOptions == nil) != (want.StreamOptions == nil) ||
			got.StreamOptions != nil && *got.StreamOptions != *want.StreamOptions {
			t.Fatalf("%q: scan %+v, json %+v", trunc(string(b), 200), got, want)
		}
	}
	var s jscan.Scanner
	s.Reset(b)
	s.SetMaxDepth(maxScanDepth)
	s.Skip()
	valid := s.Done()
	if jv := json.Valid(b); valid && !jv || !valid && jv && !deeperThanScan(b) {
		t.Fatalf("%q: scanner valid=%v, json.Valid=%v", trunc(string(b), 200), valid, jv)
	}
}

// deeperThanScan reports nesting beyond maxScanDepth, where the scanner
// gives up (and ScanFields' caller falls back) though encoding/json may
// accept.
func deeperThanScan(b []byte) bool {
	d, m := 0, 0
	for _, c := range b {
		switch c {
		case '[', '{':
			d++
			m = max(m, d)
		case ']', '}':
			d--
		}
	}
	return m > maxScanDepth
}

func TestRoutingFieldsSeeds(t *testing.T) {
	for _, s := range append(routingSeeds, deepSeeds...) {
		checkRoutingFields(t, []byte(s))
	}
	if _, ok := ScanFields([]byte(deepSeeds[0])); !ok {
		t.Error("fell back on nesting within maxScanDepth")
	}
	// The fast path must answer for ordinary requests, not fall back.
	for _, s := range routingSeeds[:5] {
		if _, ok := ScanFields([]byte(s)); !ok {
			t.Errorf("fell back on an ordinary request: %s", s)
		}
	}
}

// FuzzSpliceModel checks the fast alias rewrite against the old one
// (decode into a map, set "model", encode): when it answers, both bodies
// must decode to the same value.
func FuzzSpliceModel(f *testing.F) {
	for _, s := range routingSeeds {
		f.Add([]byte(s), "gpt-4.1")
	}
	f.Add([]byte(`{"model":"a","messages":[{"role":"user","content":"<b>&</b>"}],"n":1.50}`), "new<model>")
	f.Fuzz(func(t *testing.T, b []byte, model string) {
		got, ok := SpliceModel(b, model)
		if !ok {
			return
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("splice accepted %q; json: %v", trunc(string(b), 200), err)
		}
		mb, _ := json.Marshal(model)
		m["model"] = mb
		want, _ := json.Marshal(m)
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("splice made invalid JSON %q: %v", trunc(string(got), 200), err)
		}
		json.Unmarshal(want, &w)
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("%q → %q, want the value of %q", trunc(string(b), 200), trunc(string(got), 200), trunc(string(want), 200))
		}
	})
}

var chunkSeeds = []string{
	`{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`,
	`{"id":"c","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}`,
	`{"choices":[{"delta":{"reasoning_content":"think"}}]}`,
	`{"choices":[{"delta":{"reasoning":"\u0000"}}]}`,
	`{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"f","arguments":""}}]}}]}`,
	`{"choices":[{"delta":{"tool_calls":[ ]}}]}`,
	`{"choices":[{"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":1}}`,
	`{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}`,
	`{"error":{"message":"boom","type":"server_error"}}`,
	`{"error":null,"choices":[{"delta":{"content":"x"}}]}`,
	`{"Error":"x","CHOICES":[{"Delta":{"Content":"y"},"Finish_Reason":"len"}]}`,
	`{"choices":[{"delta":{"content":"x"}}],"choices":[{"finish_reason":null}]}`,
	`{"choices":[{"delta":{"content":"x"},"delta":{}}]}`,
	`{"choices":[{"delta":{"content":"x","content":""}}]}`,
	`{"choices":[{"delta":{"content":"","content":null,"content":"z"}}]}`,
	`{"choices":[null,{"delta":null},{"finish_reason":null}]}`,
	`{"choices":null}`, `{"choices":{}}`, `{"choices":[1]}`, `{"choices":[{"delta":"x"}]}`,
	`{"choices":[{"delta":{"content":5}}]}`, `{"choices":[{"finish_reason":1}]}`, `{"choices":[{"delta":{"tool_calls":{}}}]}`,
	`{"ch\u006fices":[{"delta":{"content":"x"}}]}`, `[]`, `null`, `{`, `{"choices":[{"delta":{"content":"x"}}]} x`,
	// An earlier duplicate of the wrong type fails encoding/json even when
	// the last one is fine.
	`{"choices":[{"finish_reason":1,"finish_reason":"stop"}]}`, `{"choices":[{"delta":{"content":5,"content":"x"}}]}`,
	`{"choices":[{"delta":{"tool_calls":{},"tool_calls":[]}}]}`, `{"choices":[{"delta":{"tool_calls":[1],"tool_calls":null}}]}`,
	`{"choices":[{"d\u0065lta":{"content":"x"}}]}`, `{"choices":[{"delta":{"cont\u0065nt":"x"}}]}`, `{"choices":[{"delta":{"content":"x"},"finish_reason":"stop","finish_reason":null}]}`,
}

// FuzzPeekChunk checks the fast chunk peek of the OpenAI stream relay
// against encoding/json (slowPeek): when it answers, the facts must match,
// and it must never accept what encoding/json rejects.
func FuzzPeekChunk(f *testing.F) {
	for _, s := range chunkSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkPeekChunk(t, b)
	})
}

func checkPeekChunk(t *testing.T, b []byte) {
	t.Helper()
	want, err := slowPeek(b)
	got, ok := peekChunk(b)
	if !ok {
		return
	}
	if err != nil {
		t.Fatalf("peek accepted %q; encoding/json: %v", trunc(string(b), 200), err)
	}
	if got != want {
		t.Fatalf("%q: peek %+v, encoding/json %+v", trunc(string(b), 200), got, want)
	}
}

func TestPeekChunkSeeds(t *testing.T) {
	for _, s := range chunkSeeds {
		checkPeekChunk(t, []byte(s))
	}
	for _, s := range chunkSeeds[:10] { // ordinary chunks take the fast path
		if _, ok := peekChunk([]byte(s)); !ok {
			t.Errorf("fell back on an ordinary chunk: %s", s)
		}
	}
}
