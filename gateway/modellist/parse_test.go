package modellist

import (
	"slices"
	"testing"
)

func TestParse(t *testing.T) {
	got, err := ParseOpenAI([]byte(`{"object":"list","data":[{"id":"a"},{"id":""},{"id":"b","owned_by":"x"}]}`))
	if err != nil || !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("openai %v %v", got, err)
	}
	if _, err := ParseOpenAI([]byte(`{"error":{"message":"no"}}`)); err == nil {
		t.Fatal("an error object is not a list")
	}
	got, err = ParseGemini([]byte(`{"models":[{"name":"models/gemini-2.5-pro","supportedGenerationMethods":["generateContent","countTokens"]},{"name":"models/embedding-001","supportedGenerationMethods":["embedContent"]},{"name":"models/x"}]}`))
	if err != nil || !slices.Equal(got, []string{"gemini-2.5-pro", "x"}) {
		t.Fatalf("gemini %v %v", got, err)
	}
	if _, err := ParseGemini([]byte(`[]`)); err == nil {
		t.Fatal("an array is not a list")
	}
}
