package gemini_test

import (
	"encoding/json"
	"testing"

	"switchyard/gateway/gemini"
)

func TestParseErrorAndModels(t *testing.T) {
	e, ok := gemini.ParseError([]byte(`[{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}}]`))
	if !ok || e.Code != 429 || e.Status != "RESOURCE_EXHAUSTED" || gemini.HubErrorType(e.Status) != "rate_limit_exceeded" {
		t.Fatalf("%+v %v", e, ok)
	}
	if _, ok := gemini.ParseError([]byte(`not json`)); ok {
		t.Fatal("plain text parsed as an error")
	}
	var list gemini.ModelListResponse
	if err := json.Unmarshal(gemini.ModelList([]string{"gemini-2.5-pro", "models/claude-x"}), &list); err != nil ||
		len(list.Models) != 2 || list.Models[1].Name != "models/claude-x" {
		t.Fatalf("%+v %v", list, err)
	}
	if string(gemini.CountTokensJSON(7)) != `{"totalTokens":7}` {
		t.Fatal("countTokens")
	}
}
