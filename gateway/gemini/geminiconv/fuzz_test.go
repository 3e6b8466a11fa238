package geminiconv_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"switchyard/gateway/gemini"
	"switchyard/gateway/gemini/geminiconv"
	"switchyard/gateway/protocol"
)

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
		out, _, err := geminiconv.RequestToHub("m", &req)
		if err != nil {
			if _, ok := err.(*protocol.Error); !ok {
				t.Fatalf("error %T: %v", err, err)
			}
			return
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("hub request does not encode: %v", err)
		}
		if _, _, err := geminiconv.RequestFromHub(out, protocol.RequestOptions{}); err != nil {
			if _, ok := err.(*protocol.Error); !ok {
				t.Fatalf("back: %T %v", err, err)
			}
		}
	})
}
