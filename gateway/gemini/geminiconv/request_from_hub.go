package geminiconv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"switchyard/gateway/gemini"
	"switchyard/gateway/openai"
	"switchyard/gateway/protocol"
)

// DummyThoughtSignature is what the first functionCall part of each model
// turn carries when the hub has no real signature (the history came from
// another protocol): Gemini 3 rejects function calls of the current turn
// without a signature, and Google documents this value as the one that
// skips the check.
const DummyThoughtSignature = "skip_thought_signature_validator"

// RequestFromHub converts a hub request for a Gemini backend. The model is
// not in the body: the gateway calls Path(opt.UpstreamModel, stream).
//
//   - system/developer messages -> systemInstruction (text parts, in order).
//   - user -> role user: text, image_url (data: URL -> inlineData, else
//     fileData with a MIME type guessed from the extension), file parts with
//     a data: URL -> inlineData.
//   - assistant -> role model: text, then one functionCall per tool call
//     (id kept, arguments parsed; invalid -> {}); reasoning is dropped.
//   - tool -> functionResponse in a user turn, its name looked up from the
//     earlier call's id; content that is a JSON object is the response,
//     anything else becomes {"output": text}. Consecutive user-role turns
//     are merged (parallel results share one turn, as Gemini expects).
//   - tools -> functionDeclarations with parametersJsonSchema (names made
//     safe as for Anthropic, ToolNames restores them).
//   - tool_choice, max_(completion_)tokens, temperature, top_p, top_k, stop
//     (first 5), response_format, reasoning_effort (thinkingFromEffort).
//   - n > 1 -> 400 param "n".
func RequestFromHub(req *openai.ChatRequest, opt protocol.RequestOptions) (*gemini.GenerateContentRequest, protocol.ToolNames, error) {
	if req.N != nil && *req.N > 1 {
		return nil, nil, &protocol.Error{Param: "n", Message: "n greater than 1 is not supported"}
	}
	names := protocol.ToolNames{}
	out := &gemini.GenerateContentRequest{Contents: []gemini.Content{}}
	callNames := map[string]string{}
	for i, m := range req.Messages {
		switch m.Role {
		case "system", "developer":
			if t := contentText(m.Content); t != "" {
				if out.SystemInstruction == nil {
					out.SystemInstruction = &gemini.Content{}
				}
				out.SystemInstruction.Parts = append(out.SystemInstruction.Parts, gemini.TextPart(t))
			}
		case "assistant":
			c := assistantFromHub(m, names, callNames)
			if len(c.Parts) > 0 {
				out.Contents = appendTurn(out.Contents, c)
			}
		case "tool":
			name := callNames[m.ToolCallID]
			if name == "" {
				name = "unknown_function"
			}
			fr := &gemini.FunctionResponse{ID: m.ToolCallID, Name: name, Response: responseObject(contentText(m.Content))}
			out.Contents = appendTurn(out.Contents, gemini.Content{Role: "user", Parts: []gemini.Part{{FunctionResponse: fr}}})
		default:
			parts, err := userPartsFromHub(m.Content, i)
			if err != nil {
				return nil, nil, err
			}
			if len(parts) > 0 {
				out.Contents = appendTurn(out.Contents, gemini.Content{Role: "user", Parts: parts})
			}
		}
	}
	out.Tools, out.ToolConfig = toolsFromHub(req.Tools, req.ToolChoice, names)
	out.GenerationConfig = genConfigFromHub(req)
	if len(names) == 0 {
		names = nil
	}
	return out, names, nil
}

// appendTurn appends c, merging it into the last turn when both are user
// turns (Gemini wants parallel function responses in one turn).
func appendTurn(list []gemini.Content, c gemini.Content) []gemini.Content {
	if n := len(list); n > 0 && c.Role == "user" && list[n-1].Role == "user" {
		list[n-1].Parts = append(list[n-1].Parts, c.Parts...)
		return list
	}
	return append(list, c)
}

func contentText(c openai.Content) string {
	if c.Text != nil {
		return *c.Text
	}
	var b strings.Builder
	for _, p := range c.Parts {
		if p.Type == "text" || p.Type == "input_text" {
			if b.Len() > 0 {
				b.WriteString("\n\n")
			}
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

func assistantFromHub(m openai.Message, names protocol.ToolNames, callNames map[string]string) gemini.Content {
	c := gemini.Content{Role: "model"}
	if t := contentText(m.Content); t != "" {
		c.Parts = append(c.Parts, gemini.TextPart(t))
	}
	for k, tc := range m.ToolCalls {
		name := names.Upstream(tc.Function.Name)
		callNames[tc.ID] = name
		p := gemini.Part{FunctionCall: &gemini.FunctionCall{ID: tc.ID, Name: name, Args: argsObject(tc.Function.Arguments)}}
		if k == 0 {
			p.ThoughtSignature = DummyThoughtSignature
		}
		c.Parts = append(c.Parts, p)
	}
	return c
}

// argsObject parses tool-call arguments into a JSON object ({} when they
// are empty or not an object).
func argsObject(args string) json.RawMessage {
	b := bytes.TrimSpace([]byte(args))
	if len(b) == 0 || b[0] != '{' || !json.Valid(b) {
		return json.RawMessage(`{}`)
	}
	return b
}

// responseObject makes a tool result a functionResponse.response: a JSON
// object as is, anything else wrapped as {"output": text}.
func responseObject(text string) json.RawMessage {
	b := bytes.TrimSpace([]byte(text))
	if len(b) > 0 && b[0] == '{' && json.Valid(b) {
		return b
	}
	out, _ := json.Marshal(map[string]string{"output": text})
	return out
}

func userPartsFromHub(c openai.Content, i int) ([]gemini.Part, error) {
	if c.Text != nil {
		if *c.Text == "" {
			return nil, nil
		}
		return []gemini.Part{gemini.TextPart(*c.Text)}, nil
	}
	var out []gemini.Part
	for j, p := range c.Parts {
		param := func() string { return fmt.Sprintf("messages[%d].content[%d]", i, j) } // only for an error
		switch p.Type {
		case "text", "input_text":
			if p.Text != "" {
				out = append(out, gemini.TextPart(p.Text))
			}
		case "image_url":
			if p.ImageURL == nil || p.ImageURL.URL == "" {
				return nil, &protocol.Error{Param: param(), Message: "image_url.url is required"}
			}
			out = append(out, urlPart(p.ImageURL.URL))
		case "file":
			if p.File == nil || !strings.HasPrefix(p.File.FileData, "data:") {
				return nil, &protocol.Error{Param: param(), Message: "file parts need file_data as a data: URL"}
			}
			out = append(out, urlPart(p.File.FileData))
		case "input_audio":
			return nil, &protocol.Error{Param: param(), Message: "audio input (input_audio) is not supported"}
		}
	}
	return out, nil
}

// urlPart turns a data: URL into inlineData and any other URL into
// fileData.
func urlPart(u string) gemini.Part {
	if rest, ok := strings.CutPrefix(u, "data:"); ok {
		meta, data, _ := strings.Cut(rest, ",")
		mt, _, _ := strings.Cut(meta, ";")
		return gemini.Part{InlineData: &gemini.Blob{MimeType: strings.ToLower(mt), Data: data}}
	}
	mt := "image/jpeg"
	lower := strings.ToLower(u)
	for ext, t := range map[string]string{".png": "image/png", ".gif": "image/gif", ".webp": "image/webp", ".pdf": "application/pdf"} {
		if strings.Contains(lower, ext) {
			mt = t
		}
	}
	return gemini.Part{FileData: &gemini.FileData{MimeType: mt, FileURI: u}}
}

func toolsFromHub(in []openai.Tool, choice json.RawMessage, names protocol.ToolNames) ([]gemini.Tool, *gemini.ToolConfig) {
	if len(in) == 0 {
		return nil, nil
	}
	var decls []gemini.FunctionDeclaration
	for _, t := range in {
		if t.Type != "" && t.Type != "function" {
			continue
		}
		fd := gemini.FunctionDeclaration{Name: names.Upstream(t.Function.Name), Description: t.Function.Description}
		if len(t.Function.Parameters) > 0 && string(t.Function.Parameters) != "null" {
			fd.ParametersJSONSchema = t.Function.Parameters
		}
		decls = append(decls, fd)
	}
	if len(decls) == 0 {
		return nil, nil
	}
	return []gemini.Tool{{FunctionDeclarations: decls}}, toolConfigFromHub(choice, names)
}

func toolConfigFromHub(raw json.RawMessage, names protocol.ToolNames) *gemini.ToolConfig {
	var s string
	mode := ""
	var allowed []string
	if json.Unmarshal(raw, &s) == nil {
		mode = map[string]string{"auto": "AUTO", "none": "NONE", "required": "ANY"}[s]
	} else {
		var obj struct {
			Function struct{ Name string } `json:"function"`
		}
		if json.Unmarshal(raw, &obj) == nil && obj.Function.Name != "" {
			mode, allowed = "ANY", []string{names.Upstream(obj.Function.Name)}
		}
	}
	if mode == "" {
		return nil
	}
	return &gemini.ToolConfig{FunctionCallingConfig: &gemini.FunctionCallingConfig{Mode: mode, AllowedFunctionNames: allowed}}
}

func genConfigFromHub(req *openai.ChatRequest) *gemini.GenerationConfig {
	g := &gemini.GenerationConfig{MaxOutputTokens: req.MaxCompletionTokens, Temperature: req.Temperature, TopP: req.TopP}
	if g.MaxOutputTokens == nil {
		g.MaxOutputTokens = req.MaxTokens
	}
	if req.TopK != nil {
		k := float64(*req.TopK)
		g.TopK = &k
	}
	if len(req.Stop) > 0 {
		g.StopSequences = req.Stop[:min(len(req.Stop), 5)]
	}
	var rf struct {
		Type       string `json:"type"`
		JSONSchema struct {
			Schema json.RawMessage `json:"schema"`
		} `json:"json_schema"`
	}
	if json.Unmarshal(req.ResponseFormat, &rf) == nil {
		switch rf.Type {
		case "json_object":
			g.ResponseMimeType = "application/json"
		case "json_schema":
			g.ResponseMimeType = "application/json"
			g.ResponseJSONSchema = rf.JSONSchema.Schema
		}
	}
	g.ThinkingConfig = thinkingFromEffort(req.ReasoningEffort)
	if g.MaxOutputTokens == nil && g.Temperature == nil && g.TopP == nil && g.TopK == nil && g.StopSequences == nil &&
		g.ResponseMimeType == "" && g.ThinkingConfig == nil {
		return nil
	}
	return g
}
