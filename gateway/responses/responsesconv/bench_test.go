package responsesconv

import (
	"os"
	"testing"

	"switchyard/gateway/responses"
)

// BenchmarkRequestToHub: a Responses request body, decoded and converted
// to the hub, as the gateway does once per request: a one-line prompt
// (the load test's) and a Codex turn (tools, history).
func BenchmarkRequestToHub(b *testing.B) {
	codex, err := os.ReadFile("testdata/request/01-codex-turn.in.json")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		body []byte
	}{
		{"small", []byte(`{"model":"claude-sonnet-4-5-20250929","instructions":"You are a helpful assistant.","input":[{"role":"user","content":[{"type":"input_text","text":"Say hello in one short sentence."}]}],"max_output_tokens":256,"temperature":0.7,"store":false,"stream":true}`)},
		{"codex", codex},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				req, err := responses.DecodeRequest(c.body)
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := RequestToHub(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
