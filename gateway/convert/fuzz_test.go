package convert_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/convert"
	"switchyard/gateway/convert/anthropicreq"
	"switchyard/gateway/openai"
)

// addVectorSeeds adds the "input" of every golden vector of the given
// kind as a fuzz seed.
func addVectorSeeds(f *testing.F, kinds ...string) {
	f.Helper()
	for _, v := range vectors {
		match := false
		for _, k := range kinds {
			match = match || v.kind == k
		}
		if !match {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("testdata", "vectors", v.name+".in.json"))
		if err != nil {
			f.Fatal(err)
		}
		var in struct {
			Input json.RawMessage `json:"input"`
		}
		if err := json.Unmarshal(raw, &in); err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(in.Input))
	}
}

// FuzzRequestAToO: any body that decodes converts without panicking, to a
// request that marshals and in which every tool call is answered.
func FuzzRequestAToO(f *testing.F) {
	addVectorSeeds(f, kindA2ORequest, kindEstimateA)
	f.Add([]byte(`{"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"x"},{"type":"tool_use","id":"x"}]},{"role":"user","content":[{"type":"tool_result","content":{"type":"x"}}]}],"thinking":{"type":"adaptive"},"output_config":[1]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var req anthropic.MessagesRequest
		if json.Unmarshal(body, &req) != nil {
			return
		}
		for _, model := range []string{"gpt-4o", "gpt-5"} {
			out, names, err := convert.RequestAToO(&req, convert.RequestOptions{UpstreamModel: model})
			if err != nil {
				t.Fatalf("convert.RequestAToO: %v", err)
			}
			if _, err := json.Marshal(out); err != nil {
				t.Fatalf("marshal: %v", err)
			}
			for up, client := range names {
				if len(up) > 64 || convert.SanitizeToolID(up) != up || names.Client(up) != client {
					t.Fatalf("bad rename %q -> %q", client, up)
				}
			}
			var pending []string
			for i, m := range out.Messages {
				if m.Role == "tool" {
					j := slices.Index(pending, m.ToolCallID)
					if j < 0 {
						t.Fatalf("message %d: tool message %q answers no pending call", i, m.ToolCallID)
					}
					pending = append(pending[:j:j], pending[j+1:]...)
					continue
				}
				if len(pending) > 0 {
					t.Fatalf("message %d: calls %q unanswered", i, pending)
				}
				for _, tc := range m.ToolCalls {
					pending = append(pending, tc.ID)
				}
			}
			if len(pending) > 0 {
				t.Fatalf("calls %q unanswered at the end", pending)
			}
			convert.EstimateAnthropicTokens(&req)
			anthropicreq.StripUnsignedThinking(&req)
		}
	})
}

// FuzzResponses: any decodable response converts without panicking.
func FuzzResponses(f *testing.F) {
	addVectorSeeds(f, kindO2AResponse, kindA2OResponse)
	f.Fuzz(func(t *testing.T, body []byte) {
		var o openai.ChatResponse
		if json.Unmarshal(body, &o) == nil {
			if _, err := json.Marshal(convert.ResponseOToA(&o, "m", convert.ToolNames{"a": "b"})); err != nil {
				t.Fatal(err)
			}
		}
		var a anthropic.Response
		if json.Unmarshal(body, &a) == nil {
			if _, err := json.Marshal(convert.ResponseAToO(&a, "m", 1)); err != nil {
				t.Fatal(err)
			}
		}
	})
}
