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

// RequestToHub converts a Gemini client's request for model (taken from
// the URL path) into the hub form.
//
//   - systemInstruction -> one system message (text parts joined "\n\n").
//   - contents: role "model" -> assistant (text joined, functionCall parts ->
//     tool_calls); role "user" (or "") -> its functionResponse parts as tool
//     messages first, then one user message with the rest (text, inlineData
//     images as data: URL image parts, PDFs as file parts, fileData images as
//     URL image parts).
//   - thought parts (thinking the client replays) are dropped: the hub has no
//     signed form of them and upstreams reject foreign reasoning.
//   - functionCall without id -> "call_<content>_<part>"; a functionResponse
//     takes its id if it names a pending call, else the oldest pending call
//     of that name; one matching no call becomes user text.
//   - tools: functionDeclarations (parameters in the Gemini dialect are
//     converted by SchemaToJSON, parametersJsonSchema is kept); built-in
//     tools (googleSearch, codeExecution, …) are dropped.
//   - toolConfig: AUTO/VALIDATED -> "auto", NONE -> "none", ANY -> "required",
//     or the named function when exactly one is allowed.
//   - generationConfig: see genConfigToHub.
//
// Errors (*protocol.Error, HTTP 400): empty model, candidateCount > 1,
// unknown part types, inlineData of an unsupported type, a schema the hub
// cannot express, a responseMimeType other than text/plain or
// application/json; Param is the field path.
func RequestToHub(model string, req *gemini.GenerateContentRequest) (*openai.ChatRequest, protocol.ToolNames, error) {
	if strings.TrimSpace(model) == "" {
		return nil, nil, &protocol.Error{Param: "model", Message: "a model is required in the path (models/{model}:generateContent)"}
	}
	// Room for the system prompt and one message per turn (a turn of
	// function responses may need more): the slice grows once, if at all.
	out := &openai.ChatRequest{Model: strings.TrimPrefix(model, "models/"), Messages: make([]openai.Message, 0, len(req.Contents)+1)}
	if si := req.SystemInstruction; si != nil {
		if text := joinText(si.Parts, "\n\n"); text != "" {
			out.Messages = append(out.Messages, openai.Message{Role: "system", Content: openai.TextContent(text)})
		}
	}
	var calls pendingCalls
	for i, c := range req.Contents {
		msgs, err := contentToHub(c, i, &calls)
		if err != nil {
			return nil, nil, err
		}
		out.Messages = append(out.Messages, msgs...)
	}
	tools, err := toolsToHub(req.Tools)
	if err != nil {
		return nil, nil, err
	}
	out.Tools = tools
	if len(tools) > 0 {
		out.ToolChoice = toolChoiceToHub(req.ToolConfig)
	}
	if err := genConfigToHub(req.GenerationConfig, out); err != nil {
		return nil, nil, err
	}
	return out, nil, nil
}

func joinText(parts []gemini.Part, sep string) string {
	var texts []string
	for _, p := range parts {
		if p.Text != nil && *p.Text != "" && !p.Thought {
			texts = append(texts, *p.Text)
		}
	}
	return strings.Join(texts, sep)
}

// pendingCalls remembers the function calls not yet answered, in order.
type pendingCalls []struct{ id, name string }

func (p *pendingCalls) match(id, name string) (string, bool) {
	if id != "" {
		for i, c := range *p {
			if c.id == id {
				*p = append((*p)[:i], (*p)[i+1:]...)
				return id, true
			}
		}
	}
	for i, c := range *p {
		if c.name == name {
			*p = append((*p)[:i], (*p)[i+1:]...)
			return c.id, true
		}
	}
	return "", false
}

func contentToHub(c gemini.Content, i int, calls *pendingCalls) ([]openai.Message, error) {
	switch c.Role {
	case "model":
		m, err := modelToHub(c, i, calls)
		if err != nil || m == nil {
			return nil, err
		}
		return []openai.Message{*m}, nil
	case "user", "", "function", "tool":
		return userToHub(c, i, calls)
	}
	return nil, &protocol.Error{Param: fmt.Sprintf("contents[%d].role", i), Message: "role must be user or model, got " + quote(c.Role)}
}

func modelToHub(c gemini.Content, i int, calls *pendingCalls) (*openai.Message, error) {
	var text strings.Builder
	m := openai.Message{Role: "assistant"}
	for j, p := range c.Parts {
		param := func() string { return fmt.Sprintf("contents[%d].parts[%d]", i, j) } // only for an error
		switch {
		case p.Thought:
		case p.FunctionCall != nil:
			fc := p.FunctionCall
			if fc.Name == "" {
				return nil, &protocol.Error{Param: param() + ".functionCall.name", Message: "functionCall.name is required"}
			}
			id := protocol.SanitizeToolID(fc.ID)
			if id == "" {
				id = fmt.Sprintf("call_%d_%d", i, j)
			}
			*calls = append(*calls, struct{ id, name string }{id, fc.Name})
			m.ToolCalls = append(m.ToolCalls, openai.ToolCall{ID: id, Type: "function",
				Function: openai.FunctionCall{Name: fc.Name, Arguments: argsString(fc.Args)}})
		case p.Text != nil:
			text.WriteString(*p.Text)
		case emptyPart(p):
		default:
			return nil, unknownPart(p, param())
		}
	}
	if text.Len() > 0 {
		m.Content = openai.TextContent(text.String())
	} else if len(m.ToolCalls) == 0 {
		return nil, nil // nothing but thoughts: no message
	}
	return &m, nil
}

// argsString is a call's arguments as compact JSON text ("{}" if absent).
func argsString(args json.RawMessage) string {
	var b bytes.Buffer
	if len(bytes.TrimSpace(args)) == 0 || bytes.Equal(bytes.TrimSpace(args), []byte("null")) ||
		json.Compact(&b, args) != nil {
		return "{}"
	}
	return b.String()
}

func userToHub(c gemini.Content, i int, calls *pendingCalls) ([]openai.Message, error) {
	var out []openai.Message
	var parts []openai.ContentPart
	for j, p := range c.Parts {
		param := func() string { return fmt.Sprintf("contents[%d].parts[%d]", i, j) } // only for an error
		switch {
		case p.Thought:
		case p.FunctionResponse != nil:
			fr := p.FunctionResponse
			content := argsString(fr.Response)
			id, ok := calls.match(protocol.SanitizeToolID(fr.ID), fr.Name)
			if !ok { // answers no call we know: keep it as text
				parts = append(parts, openai.ContentPart{Type: "text", Text: "[" + fr.Name + " result] " + content})
				continue
			}
			out = append(out, openai.Message{Role: "tool", ToolCallID: id, Content: openai.TextContent(content)})
		case p.Text != nil:
			if *p.Text != "" {
				parts = append(parts, openai.ContentPart{Type: "text", Text: *p.Text})
			}
		case p.InlineData != nil:
			part, err := inlineToHub(p.InlineData, param())
			if err != nil {
				return nil, err
			}
			parts = append(parts, part)
		case p.FileData != nil && strings.HasPrefix(p.FileData.MimeType, "image/"):
			parts = append(parts, openai.ContentPart{Type: "image_url", ImageURL: &openai.ImageURL{URL: p.FileData.FileURI}})
		case emptyPart(p):
		default:
			return nil, unknownPart(p, param())
		}
	}
	if len(parts) == 0 {
		return out, nil
	}
	msg := openai.Message{Role: "user"}
	if len(parts) == 1 && parts[0].Type == "text" {
		msg.Content = openai.TextContent(parts[0].Text)
	} else {
		msg.Content = openai.Content{Parts: parts}
	}
	return append(out, msg), nil
}

func inlineToHub(b *gemini.Blob, param string) (openai.ContentPart, error) {
	mt := strings.ToLower(b.MimeType)
	url := "data:" + mt + ";base64," + b.Data
	switch {
	case strings.HasPrefix(mt, "image/"):
		return openai.ContentPart{Type: "image_url", ImageURL: &openai.ImageURL{URL: url}}, nil
	case mt == "application/pdf":
		return openai.ContentPart{Type: "file", File: &openai.File{FileData: url}}, nil
	}
	return openai.ContentPart{}, &protocol.Error{Param: param + ".inlineData.mimeType",
		Message: "inlineData of type " + quote(b.MimeType) + " is not supported (images and PDF only)"}
}

// emptyPart is a part with nothing to convert (e.g. only a
// thoughtSignature).
func emptyPart(p gemini.Part) bool {
	return p.InlineData == nil && p.FileData == nil && p.FunctionCall == nil && p.FunctionResponse == nil &&
		p.Text == nil && p.ExecutableCode == nil && p.CodeExecutionResult == nil && p.ThoughtSignature != ""
}

func unknownPart(p gemini.Part, param string) error {
	kind := "unknown part type"
	switch {
	case p.ExecutableCode != nil:
		kind = "executableCode parts are not supported"
	case p.CodeExecutionResult != nil:
		kind = "codeExecutionResult parts are not supported"
	case p.FileData != nil:
		kind = "fileData parts are supported for images only"
	case p.InlineData != nil || p.FunctionCall != nil || p.FunctionResponse != nil:
		kind = "part type not allowed in this role"
	}
	return &protocol.Error{Param: param, Message: kind}
}

func toolsToHub(in []gemini.Tool) ([]openai.Tool, error) {
	var out []openai.Tool
	for i, t := range in {
		for j, fd := range t.FunctionDeclarations {
			path := fmt.Sprintf("tools[%d].functionDeclarations[%d]", i, j)
			if fd.Name == "" {
				return nil, &protocol.Error{Param: path + ".name", Message: "function name is required"}
			}
			params := fd.ParametersJSONSchema
			if len(params) == 0 && len(fd.Parameters) > 0 {
				var err error
				if params, err = SchemaToJSON(fd.Parameters, path+".parameters"); err != nil {
					return nil, err
				}
			}
			if len(params) == 0 || string(params) == "null" {
				params = json.RawMessage(`{"type":"object","properties":{}}`)
			}
			out = append(out, openai.Tool{Type: "function", Function: openai.FunctionDef{
				Name: fd.Name, Description: fd.Description, Parameters: params}})
		}
	}
	return out, nil
}

func toolChoiceToHub(tc *gemini.ToolConfig) json.RawMessage {
	if tc == nil || tc.FunctionCallingConfig == nil {
		return nil
	}
	fc := tc.FunctionCallingConfig
	switch strings.ToUpper(fc.Mode) {
	case "NONE":
		return json.RawMessage(`"none"`)
	case "ANY":
		if len(fc.AllowedFunctionNames) == 1 {
			b, _ := json.Marshal(map[string]any{"type": "function", "function": map[string]string{"name": fc.AllowedFunctionNames[0]}})
			return b
		}
		return json.RawMessage(`"required"`)
	case "AUTO", "VALIDATED":
		return json.RawMessage(`"auto"`)
	}
	return nil
}
