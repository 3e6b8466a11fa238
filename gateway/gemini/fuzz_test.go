package gemini_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"switchyard/gateway/convert/converttest"
	"switchyard/gateway/gemini"
	"switchyard/gateway/gemini/geminitest"
	"switchyard/gateway/protocol"
)

//	go test ./gateway/gemini -run XXX -fuzz FuzzToHubStream -fuzztime 30s
//	go test ./gateway/gemini -run XXX -fuzz FuzzFromHubStream -fuzztime 30s
//	go test ./gateway/gemini -run XXX -fuzz FuzzRequestToHub -fuzztime 30s

func FuzzToHubStream(f *testing.F) {
	for _, c := range loadStreamCases(f) {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, steps := run(gemini.NewToHubStream(protocol.StreamOptions{IncludeUsage: true, MessageID: "x"}), bytes.NewReader(in))
		if err := converttest.CheckOpenAIStream(out); err != nil {
			t.Fatalf("%v\ninput %q\n%s", err, in, out)
		}
		checkSteps(t, steps)
	})
}

func FuzzFromHubStream(f *testing.F) {
	for _, c := range loadStreamCases(f) {
		f.Add(c.in, false)
		f.Add(c.in, true)
	}
	f.Fuzz(func(t *testing.T, in []byte, array bool) {
		format := gemini.StreamFormatSSE
		if array {
			format = gemini.StreamFormatJSONArray
		}
		out, steps := run(gemini.NewFromHubStream(protocol.StreamOptions{MessageID: "x"}, format, true), bytes.NewReader(in))
		if err := geminitest.CheckStream(out, format); err != nil {
			t.Fatalf("%v\ninput %q\n%s", err, in, out)
		}
		checkSteps(t, steps)
	})
}

func FuzzRequestToHub(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "vectors", "*-to-hub-request.in.json"))
	for _, p := range files {
		b, _ := os.ReadFile(p)
		var v struct{ Input json.RawMessage }
		_ = json.Unmarshal(b, &v)
		f.Add([]byte(v.Input))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var req gemini.GenerateContentRequest
		if json.Unmarshal(in, &req) != nil {
			return
		}
		out, _, err := gemini.RequestToHub("m", &req)
		if err != nil {
			if _, ok := err.(*protocol.Error); !ok {
				t.Fatalf("error %T: %v", err, err)
			}
			return
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("hub request does not encode: %v", err)
		}
		if _, _, err := gemini.RequestFromHub(out, protocol.RequestOptions{}); err != nil {
			if _, ok := err.(*protocol.Error); !ok {
				t.Fatalf("back: %T %v", err, err)
			}
		}
	})
}
