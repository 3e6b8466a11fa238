package modellist

import (
	"encoding/json"
	"errors"
	"strings"
)

// ParseOpenAI reads an OpenAI-style list ({"data":[{"id":…}]}), which
// OpenAI, the Responses API, Anthropic's /v1/models and most relays
// (new-api, copilot-api) answer.
func ParseOpenAI(body []byte) ([]string, error) {
	var l struct {
		Data *[]struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, err
	}
	if l.Data == nil {
		return nil, errors.New(`no "data" array`)
	}
	out := make([]string, 0, len(*l.Data))
	for _, m := range *l.Data {
		if m.ID != "" {
			out = append(out, m.ID)
		}
	}
	return out, nil
}

// ParseGemini reads Gemini's list ({"models":[{"name":"models/…"}]}),
// keeping the models that can generate content, without the prefix.
func ParseGemini(body []byte) ([]string, error) {
	var l struct {
		Models *[]struct {
			Name    string   `json:"name"`
			Methods []string `json:"supportedGenerationMethods"`
		} `json:"models"`
	}
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, err
	}
	if l.Models == nil {
		return nil, errors.New(`no "models" array`)
	}
	out := make([]string, 0, len(*l.Models))
	for _, m := range *l.Models {
		gen := len(m.Methods) == 0
		for _, x := range m.Methods {
			gen = gen || x == "generateContent" || x == "streamGenerateContent"
		}
		if id := strings.TrimPrefix(m.Name, "models/"); id != "" && gen {
			out = append(out, id)
		}
	}
	return out, nil
}
