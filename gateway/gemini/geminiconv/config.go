package geminiconv

import (
	"encoding/json"
	"strings"

	"switchyard/gateway/gemini"
	"switchyard/gateway/openai"
	"switchyard/gateway/protocol"
)

// genConfigToHub maps generationConfig onto the hub request:
//
//	maxOutputTokens   -> max_tokens
//	temperature/topP/topK -> temperature/top_p/top_k
//	stopSequences     -> stop
//	candidateCount >1 -> 400 (the hub answers one candidate)
//	responseMimeType application/json + responseJsonSchema|responseSchema
//	                  -> response_format json_schema (name "response");
//	                     without a schema -> json_object; text/plain -> none
//	thinkingConfig    -> reasoning_effort: thinkingLevel MINIMAL/LOW/MEDIUM/HIGH
//	                     as is (lower-case); else thinkingBudget -1 -> medium,
//	                     0 -> none, 1–1024 -> low, 1025–8192 -> medium,
//	                     above -> high
//
// seed and the penalties have no hub field and are dropped.
func genConfigToHub(g *gemini.GenerationConfig, out *openai.ChatRequest) error {
	if g == nil {
		return nil
	}
	if g.CandidateCount != nil && *g.CandidateCount > 1 {
		return &protocol.Error{Param: "generationConfig.candidateCount", Message: "candidateCount greater than 1 is not supported"}
	}
	out.MaxTokens = g.MaxOutputTokens
	out.Temperature = g.Temperature
	out.TopP = g.TopP
	if g.TopK != nil {
		k := int(*g.TopK)
		out.TopK = &k
	}
	if len(g.StopSequences) > 0 {
		out.Stop = openai.Strings(g.StopSequences)
	}
	rf, err := responseFormatToHub(g)
	if err != nil {
		return err
	}
	out.ResponseFormat = rf
	if tc := g.ThinkingConfig; tc != nil {
		out.ReasoningEffort = effortFromThinking(tc)
	}
	return nil
}

func responseFormatToHub(g *gemini.GenerationConfig) (json.RawMessage, error) {
	switch strings.ToLower(g.ResponseMimeType) {
	case "", "text/plain":
		return nil, nil
	case "application/json":
	default:
		return nil, &protocol.Error{Param: "generationConfig.responseMimeType",
			Message: "responseMimeType " + quote(g.ResponseMimeType) + " is not supported (text/plain or application/json)"}
	}
	schema := g.ResponseJSONSchema
	if len(schema) == 0 && len(g.ResponseSchema) > 0 {
		var err error
		if schema, err = SchemaToJSON(g.ResponseSchema, "generationConfig.responseSchema"); err != nil {
			return nil, err
		}
	}
	if len(schema) == 0 {
		return json.RawMessage(`{"type":"json_object"}`), nil
	}
	b, err := json.Marshal(map[string]any{"type": "json_schema",
		"json_schema": map[string]any{"name": "response", "schema": schema}})
	if err != nil {
		return nil, &protocol.Error{Param: "generationConfig.responseJsonSchema", Message: "schema is not valid JSON"}
	}
	return b, nil
}

func effortFromThinking(tc *gemini.ThinkingConfig) string {
	switch strings.ToUpper(tc.ThinkingLevel) {
	case "MINIMAL", "LOW", "MEDIUM", "HIGH":
		return strings.ToLower(tc.ThinkingLevel)
	}
	if tc.ThinkingBudget == nil {
		return ""
	}
	switch b := *tc.ThinkingBudget; {
	case b < 0:
		return "medium"
	case b == 0:
		return "none"
	case b <= 1024:
		return "low"
	case b <= 8192:
		return "medium"
	}
	return "high"
}

// thinkingFromEffort is the reverse for Gemini backends: budgets (which
// both Gemini 2.5 and 3 accept) with includeThoughts so the reasoning
// comes back as thought parts. "none" asks for budget 0 (models that
// cannot switch thinking off will answer 400); "" sends nothing.
func thinkingFromEffort(effort string) *gemini.ThinkingConfig {
	budget := 0
	switch effort {
	case "":
		return nil
	case "none":
		return &gemini.ThinkingConfig{ThinkingBudget: &budget}
	case "minimal":
		budget = 512
	case "low":
		budget = 1024
	case "medium":
		budget = 8192
	case "high", "xhigh":
		budget = 24576
	default:
		budget = -1
	}
	return &gemini.ThinkingConfig{IncludeThoughts: true, ThinkingBudget: &budget}
}
