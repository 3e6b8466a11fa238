package convert_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/convert"
	"switchyard/gateway/convert/anthropicreq"
	"switchyard/gateway/openai"
)

// updateVectors rewrites testdata/vectors/*.want.json from the current
// output:
//
//	go test ./gateway/convert -run Vectors -update
//
// The want files are the spec (docs/conversion.md §5): review every diff by hand
// before keeping it.
var updateVectors = flag.Bool("update", false, "rewrite golden files (go test ./gateway/convert -run Vectors -update)")

// Vector kinds. Every NN-name.in.json is {"options": {...}, "input": ...};
// the options used by each kind are in vectorOptions.
const (
	kindO2ARequest    = "o2a-request"    // openai.ChatRequest -> anthropic.MessagesRequest | error
	kindA2ORequest    = "a2o-request"    // anthropic.MessagesRequest -> {"request", "tool_names"} | error
	kindA2OResponse   = "a2o-response"   // anthropic.Response -> openai.ChatResponse
	kindO2AResponse   = "o2a-response"   // openai.ChatResponse -> anthropic.Response
	kindUsageO2A      = "usage-o2a"      // openai.Usage -> anthropic.Usage
	kindUsageA2O      = "usage-a2o"      // anthropic.Usage -> openai.Usage
	kindStopReasons   = "stop-reasons"   // [stop_reason] -> {stop_reason: finish_reason}
	kindFinishReasons = "finish-reasons" // [{finish, has_tools}] -> [{finish, has_tools, stop_reason}]
	kindUpstreamError = "upstream-error" // {status, body} -> what each client protocol gets
	kindStatusTable   = "status-table"   // [status] -> [{status, anthropic, openai}]
	kindEstimateA     = "estimate-a"     // anthropic.MessagesRequest -> {"input_tokens"}
)

// vectors lists every golden vector: the file base name under
// testdata/vectors (NN = the spec §5 vector number; 90+ are extra §2/§4
// tables) and its kind.
var vectors = []struct{ name, kind string }{
	{"01-o2a-system-hoist", kindO2ARequest},
	{"02a-o2a-max-completion-tokens-wins", kindO2ARequest},
	{"02b-o2a-max-tokens-default", kindO2ARequest},
	{"03-o2a-empty-assistant-text", kindO2ARequest},
	{"04-o2a-parallel-tool-results", kindO2ARequest},
	{"05-o2a-tool-arguments", kindO2ARequest},
	{"06a-o2a-tool-choice-required", kindO2ARequest},
	{"06b-o2a-tool-choice-none", kindO2ARequest},
	{"06c-o2a-parallel-tool-calls-false", kindO2ARequest},
	{"07a-o2a-images", kindO2ARequest},
	{"07b-o2a-image-bmp-rejected", kindO2ARequest},
	{"08a-o2a-stop-string", kindO2ARequest},
	{"08b-o2a-stop-blank-omitted", kindO2ARequest},
	{"09a-o2a-temperature-clamp", kindO2ARequest},
	{"09b-o2a-exclusive-sampling", kindO2ARequest},
	{"10-o2a-tool-id-sanitize", kindO2ARequest},
	{"11-o2a-reasoning-effort", kindO2ARequest},
	{"12-o2a-n-rejected", kindO2ARequest},
	{"13-o2a-prefill-trim", kindO2ARequest},
	{"14-a2o-system-cache-control", kindA2ORequest},
	{"15-a2o-tool-results-order", kindA2ORequest},
	{"16-a2o-assistant-blocks", kindA2ORequest},
	{"17-a2o-tool-choice-tool", kindA2ORequest},
	{"18a-a2o-stop-array", kindA2ORequest},
	{"18b-a2o-stop-truncated", kindA2ORequest},
	{"19-a2o-reasoning-model", kindA2ORequest},
	{"20-a2o-stream-include-usage", kindA2ORequest},
	{"21-a2o-system-message", kindA2ORequest},
	{"22-a2o-unknown-keys", kindA2ORequest},
	{"23a-a2o-long-tool-name", kindA2ORequest},
	{"23b-o2a-response-tool-name-restored", kindO2AResponse},
	{"24a-o2a-response-stop-with-tools", kindO2AResponse},
	{"24b-o2a-response-tool-calls-without-tools", kindO2AResponse},
	{"25a-usage-o2a", kindUsageO2A},
	{"25b-usage-a2o", kindUsageA2O},
	{"26-a2o-stop-reasons", kindStopReasons},
	{"27-o2a-response-merge-choices", kindO2AResponse},
	{"40a-error-overloaded-to-openai", kindUpstreamError},
	{"40b-error-prompt-too-long", kindUpstreamError},
	{"41-error-upstream-auth", kindUpstreamError},
	{"42-count-tokens-estimate", kindEstimateA},
	{"90-error-status-table", kindStatusTable},
	{"91-o2a-finish-reasons", kindFinishReasons},
	{"92-a2o-response-body", kindA2OResponse},
	{"93-o2a-response-body", kindO2AResponse},
	{"94-o2a-response-truncated-arguments", kindO2AResponse},
}

// vectorOptions are the "options" of an in.json.
type vectorOptions struct {
	// Request kinds (convert.RequestOptions).
	UpstreamModel    string `json:"upstream_model"`
	MaxTokensDefault int    `json:"max_tokens_default"`
	CacheBreakpoints bool   `json:"cache_breakpoints"`
	// Response kinds.
	ClientModel string            `json:"client_model"`
	Created     int64             `json:"created"`
	ToolNames   convert.ToolNames `json:"tool_names"`
}

func (o vectorOptions) request() convert.RequestOptions {
	return convert.RequestOptions{UpstreamModel: o.UpstreamModel, MaxTokensDefault: o.MaxTokensDefault, CacheBreakpoints: o.CacheBreakpoints}
}

func TestVectors(t *testing.T) {
	dir := filepath.Join("testdata", "vectors")
	listed := map[string]bool{}
	for _, v := range vectors {
		listed[v.name] = true
		t.Run(v.name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, v.name+".in.json"))
			if err != nil {
				t.Fatal(err)
			}
			var in struct {
				Options vectorOptions   `json:"options"`
				Input   json.RawMessage `json:"input"`
			}
			if err := json.Unmarshal(raw, &in); err != nil {
				t.Fatalf("in.json: %v", err)
			}
			got := runVector(t, v.kind, in.Options, in.Input)
			gotJSON, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			wantPath := filepath.Join(dir, v.name+".want.json")
			if *updateVectors {
				if err := os.WriteFile(wantPath, append(quoteErrorMessage(t, gotJSON), '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			wantJSON, err := os.ReadFile(wantPath)
			if err != nil {
				t.Fatal(err)
			}
			if !matchVector(t, gotJSON, wantJSON) {
				t.Errorf("%s mismatch\ngot:\n%s\nwant:\n%s", v.name, gotJSON, wantJSON)
			}
		})
	}
	// Every vector file must be in the table.
	files, _ := filepath.Glob(filepath.Join(dir, "*.in.json"))
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".in.json"); !listed[name] {
			t.Errorf("%s is not listed in vectors", f)
		}
	}
}

// runVector converts one vector input according to its kind: a request
// or response conversion here, a mapping table in runMappingVector.
func runVector(t *testing.T, kind string, opt vectorOptions, input json.RawMessage) any {
	t.Helper()
	decode := func(v any) {
		t.Helper()
		if err := json.Unmarshal(input, v); err != nil {
			t.Fatalf("input: %v", err)
		}
	}
	switch kind {
	case kindO2ARequest:
		var req openai.ChatRequest
		decode(&req)
		out, err := anthropicreq.RequestOToA(&req, opt.request())
		if err != nil {
			return errorResult(t, err)
		}
		return out
	case kindA2ORequest:
		var req anthropic.MessagesRequest
		decode(&req)
		out, names, err := convert.RequestAToO(&req, opt.request())
		if err != nil {
			return errorResult(t, err)
		}
		return map[string]any{"request": out, "tool_names": names}
	case kindA2OResponse:
		var resp anthropic.Response
		decode(&resp)
		return convert.ResponseAToO(&resp, opt.ClientModel, opt.Created)
	case kindO2AResponse:
		var resp openai.ChatResponse
		decode(&resp)
		return convert.ResponseOToA(&resp, opt.ClientModel, opt.ToolNames)
	}
	return runMappingVector(t, kind, decode)
}

// runMappingVector runs the vectors of the mapping tables: usage, stop and
// finish reasons, upstream errors and statuses, the estimate.
func runMappingVector(t *testing.T, kind string, decode func(v any)) any {
	t.Helper()
	switch kind {
	case kindUsageO2A:
		var u openai.Usage
		decode(&u)
		return convert.UsageOToA(&u)
	case kindUsageA2O:
		var u anthropic.Usage
		decode(&u)
		return convert.UsageAToO(u)
	case kindStopReasons:
		var stops []string
		decode(&stops)
		out := map[string]string{}
		for _, s := range stops {
			out[s] = convert.StopReasonToFinish(s)
		}
		return out
	case kindFinishReasons:
		var cases []struct {
			Finish   string `json:"finish"`
			HasTools bool   `json:"has_tools"`
		}
		decode(&cases)
		var out []map[string]any
		for _, c := range cases {
			out = append(out, map[string]any{"finish": c.Finish, "has_tools": c.HasTools,
				"stop_reason": convert.FinishToStopReason(c.Finish, c.HasTools)})
		}
		return out
	case kindUpstreamError:
		var in struct {
			Status int             `json:"status"`
			Body   json.RawMessage `json:"body"`
		}
		decode(&in)
		body := []byte(in.Body)
		var text string
		if json.Unmarshal(in.Body, &text) == nil {
			body = []byte(text) // a JSON string stands for a plain-text body
		}
		msg, typ := convert.ParseUpstreamError(body)
		return map[string]any{"message": msg, "upstream_type": typ, "to_clients": statusRow(in.Status)}
	case kindStatusTable:
		var statuses []int
		decode(&statuses)
		var out []any
		for _, s := range statuses {
			out = append(out, statusRow(s))
		}
		return out
	case kindEstimateA:
		var req anthropic.MessagesRequest
		decode(&req)
		return anthropic.CountTokensResponse{InputTokens: convert.EstimateAnthropicTokens(&req)}
	}
	t.Fatalf("unknown kind %q", kind)
	return nil
}

// statusRow is what a client of each protocol gets for an upstream status.
func statusRow(status int) map[string]any {
	typ, code := convert.OpenAIErrorTypeCode(status)
	var c any
	if code != "" {
		c = code
	}
	return map[string]any{
		"status":    status,
		"anthropic": map[string]any{"status": convert.AnthropicStatusForClient(status), "type": convert.AnthropicErrorType(status)},
		"openai":    map[string]any{"status": convert.OpenAIStatusForClient(status), "type": typ, "code": c},
	}
}

// errorResult renders a conversion *convert.Error as the 400 body's error object
// (type from the status table, param, message). In want files "message"
// is a regular expression.
func errorResult(t *testing.T, err error) any {
	t.Helper()
	var ce *convert.Error
	if !errors.As(err, &ce) {
		t.Fatalf("conversion error is %T, want *convert.Error: %v", err, err)
	}
	typ, _ := convert.OpenAIErrorTypeCode(400)
	return map[string]any{"error": map[string]any{"type": typ, "param": ce.Param, "message": ce.Message}}
}

// matchVector compares got and want semantically (both parsed into any).
// For an error result, want's error.message is a regular expression.
func matchVector(t *testing.T, gotJSON, wantJSON []byte) bool {
	t.Helper()
	var got, want any
	if err := json.Unmarshal(gotJSON, &got); err != nil {
		t.Fatalf("got: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(wantJSON))
	if err := dec.Decode(&want); err != nil {
		t.Fatalf("want.json: %v", err)
	}
	if g, w := errorObject(got), errorObject(want); g != nil && w != nil {
		pattern, _ := w["message"].(string)
		msg, _ := g["message"].(string)
		if ok, err := regexp.MatchString(pattern, msg); err != nil || !ok {
			t.Errorf("error message %q does not match %q (%v)", msg, pattern, err)
			return false
		}
		g, w = clone(g), clone(w)
		delete(g, "message")
		delete(w, "message")
		return reflect.DeepEqual(g, w)
	}
	return reflect.DeepEqual(got, want)
}

func errorObject(v any) map[string]any {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return nil
	}
	e, _ := m["error"].(map[string]any)
	return e
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// quoteErrorMessage turns an error result's message into an anchored
// regular expression, for -update.
func quoteErrorMessage(t *testing.T, gotJSON []byte) []byte {
	t.Helper()
	var got any
	if err := json.Unmarshal(gotJSON, &got); err != nil {
		t.Fatal(err)
	}
	e := errorObject(got)
	if e == nil {
		return gotJSON
	}
	msg, _ := e["message"].(string)
	e["message"] = "^" + regexp.QuoteMeta(msg) + "$"
	out, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}
