package anthropicreq

import (
	"encoding/json"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/convert"
)

// Notes says what a request conversion approximated, and what the answer's
// conversion needs to know.
type Notes struct {
	// JSONTool names the tool that carries a json_schema response_format
	// (Anthropic has no structured output): its input is the answer, and
	// the way back turns that tool call into the message's text.
	JSONTool string
	// Approximated lists what the target protocol could not express
	// exactly, e.g. "response_format=json_schema->tool". The gateway says
	// so in the X-Switchyard-Approximated header and its log.
	Approximated []string
}

// jsonInstruction is appended to the system prompt where response_format
// cannot become a forced tool.
const jsonInstruction = "Respond with a single JSON object only: no text, no Markdown code fence, nothing before or after it."

// responseFormat maps an OpenAI response_format onto an Anthropic request
// (Anthropic has no structured output):
//
//   - json_schema, when the request has no tools of its own and no
//     thinking: one tool whose input_schema is the schema, forced with
//     tool_choice; the answer's tool input becomes the message text.
//   - json_object, or json_schema beside the client's tools or with
//     thinking (which cannot force a tool): an instruction appended to the
//     system prompt, with the schema when there is one.
//
// Nothing is dropped silently: what was approximated is in the notes.
func responseFormat(raw json.RawMessage, out *anthropic.MessagesRequest, thinking bool, notes *Notes) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var rf struct {
		Type       string `json:"type"`
		JSONSchema *struct {
			Name        string          `json:"name"`
			Description string          `json:"description"`
			Schema      json.RawMessage `json:"schema"`
		} `json:"json_schema"`
	}
	if err := json.Unmarshal(raw, &rf); err != nil {
		return &Error{Param: "response_format", Message: "response_format must be an object with a type"}
	}
	switch rf.Type {
	case "", "text":
		return nil
	case "json_object":
		appendSystem(out, jsonInstruction)
		notes.Approximated = append(notes.Approximated, "response_format=json_object->instruction")
		return nil
	case "json_schema":
	default:
		return &Error{Param: "response_format.type", Message: "unknown response_format type " + `"` + rf.Type + `"`}
	}
	if rf.JSONSchema == nil || len(rf.JSONSchema.Schema) == 0 || string(rf.JSONSchema.Schema) == "null" {
		return &Error{Param: "response_format.json_schema.schema", Message: "response_format json_schema needs a schema"}
	}
	js := rf.JSONSchema
	if len(out.Tools) > 0 || thinking || !isObjectSchema(js.Schema) {
		appendSystem(out, jsonInstruction+" It must match this JSON Schema: "+string(convert.CompactJSON(js.Schema)))
		notes.Approximated = append(notes.Approximated, "response_format=json_schema->instruction")
		return nil
	}
	name := convert.SanitizeToolID(js.Name)
	if name == "" {
		name = "json_response"
	}
	if len(name) > 64 {
		name = name[:64]
	}
	desc := js.Description
	if desc == "" {
		desc = "Give the answer as this tool's input."
	}
	out.Tools = []anthropic.Tool{{Name: name, Description: desc, InputSchema: js.Schema}}
	out.ToolChoice = &anthropic.ToolChoice{Type: "tool", Name: name}
	notes.JSONTool = name
	notes.Approximated = append(notes.Approximated, "response_format=json_schema->tool")
	return nil
}

// isObjectSchema reports a schema whose instances are objects: only those
// can be a tool's input.
func isObjectSchema(schema json.RawMessage) bool {
	var s struct {
		Type any `json:"type"`
	}
	if json.Unmarshal(schema, &s) != nil {
		return false
	}
	t, ok := s.Type.(string)
	return ok && t == "object"
}

// appendSystem adds a paragraph to the end of the system prompt.
func appendSystem(out *anthropic.MessagesRequest, text string) {
	if len(out.System) > 0 {
		last := &out.System[len(out.System)-1]
		if last.Type == "text" && last.Text != nil && last.CacheControl == nil {
			t := *last.Text + "\n\n" + text
			last.Text = &t
			return
		}
	}
	t := text
	out.System = append(out.System, anthropic.Block{Type: "text", Text: &t})
}

// JSONToolAsText rewrites an Anthropic answer whose json tool (Notes.
// JSONTool) was called: its input becomes a text block and the stop
// reason end_turn, so that convert.ResponseAToO gives the client a JSON
// message.
func JSONToolAsText(resp *anthropic.Response, tool string) {
	if resp == nil || tool == "" {
		return
	}
	found := false
	for i, b := range resp.Content {
		if b.Type == "tool_use" && b.Name == tool {
			t := string(b.Input)
			if t == "" || t == "null" {
				t = "{}"
			}
			resp.Content[i] = anthropic.Block{Type: "text", Text: &t}
			found = true
		}
	}
	if found && resp.StopReason != nil && *resp.StopReason == "tool_use" {
		s := "end_turn"
		resp.StopReason = &s
	}
}
