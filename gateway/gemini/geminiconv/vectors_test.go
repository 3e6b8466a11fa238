package geminiconv_test

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"switchyard/gateway/gemini"
	"switchyard/gateway/gemini/geminiconv"
	"switchyard/gateway/openai"
	"switchyard/gateway/protocol"
)

var update = flag.Bool("update", false, "rewrite golden files (go test ./gateway/gemini/geminiconv -update)")

// Golden vectors: testdata/vectors/NN-kind.in.json is {"kind", "model",
// "include_thoughts", "input"}; .want.json the result, compared as parsed
// JSON. Regenerate with -update and review every diff.
func TestVectors(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "vectors", "*.in.json"))
	if len(files) == 0 {
		t.Fatal("no vectors")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".in.json")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var in struct {
				Kind            string          `json:"kind"`
				Model           string          `json:"model"`
				IncludeThoughts bool            `json:"include_thoughts"`
				Input           json.RawMessage `json:"input"`
			}
			if err := json.Unmarshal(raw, &in); err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(runVector(t, in.Kind, in.Model, in.IncludeThoughts, in.Input), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			want := filepath.Join("testdata", "vectors", name+".want.json")
			if *update {
				_ = os.WriteFile(want, append(got, '\n'), 0o644)
				return
			}
			w, err := os.ReadFile(want)
			if err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(got, w) {
				t.Errorf("got:\n%s\nwant:\n%s", got, w)
			}
		})
	}
}

func runVector(t *testing.T, kind, model string, thoughts bool, input json.RawMessage) any {
	dec := func(v any) {
		if err := json.Unmarshal(input, v); err != nil {
			t.Fatal(err)
		}
	}
	errResult := func(err error) any {
		var pe *protocol.Error
		if !errors.As(err, &pe) {
			t.Fatalf("error %T", err)
		}
		return map[string]any{"error": map[string]string{"param": pe.Param, "message": pe.Message}}
	}
	switch kind {
	case "to-hub-request":
		var req gemini.GenerateContentRequest
		dec(&req)
		out, _, err := geminiconv.RequestToHub(model, &req)
		if err != nil {
			return errResult(err)
		}
		back, _, err := geminiconv.RequestFromHub(out, protocol.RequestOptions{})
		if err != nil {
			return errResult(err)
		}
		return map[string]any{"hub": out, "back_to_gemini": back}
	case "from-hub-request":
		var req openai.ChatRequest
		dec(&req)
		out, names, err := geminiconv.RequestFromHub(&req, protocol.RequestOptions{})
		if err != nil {
			return errResult(err)
		}
		return map[string]any{"request": out, "path": gemini.Path(req.Model, true), "tool_names": names}
	case "from-hub-response":
		var resp openai.ChatResponse
		dec(&resp)
		return geminiconv.ResponseFromHub(&resp, model, thoughts)
	case "to-hub-response":
		var resp gemini.GenerateContentResponse
		dec(&resp)
		return geminiconv.ResponseToHub(&resp, model)
	case "schema-round-trip":
		js, err := geminiconv.SchemaToJSON(input, "s")
		if err != nil {
			return errResult(err)
		}
		back, err := geminiconv.SchemaFromJSON(js)
		if err != nil {
			t.Fatal(err)
		}
		return map[string]json.RawMessage{"json_schema": js, "back": back}
	case "errors":
		var codes []int
		dec(&codes)
		var out []json.RawMessage
		for _, c := range codes {
			out = append(out, gemini.ErrorJSON(c, "m"))
		}
		return out
	}
	t.Fatalf("unknown kind %q", kind)
	return nil
}
