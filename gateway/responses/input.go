package responses

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"switchyard/gateway/openai"
	"switchyard/gateway/protocol"
)

// convertInput turns `input` (a string or items) into Chat messages.
// Consecutive function calls become one assistant message with parallel
// tool_calls, attached to the assistant text just before them.
func convertInput(raw json.RawMessage, notes *Notes) ([]openai.Message, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" {
		return nil, nil
	}
	if t[0] == '"' {
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return nil, &protocol.Error{Param: "input", Message: "input is not a valid JSON string"}
		}
		return []openai.Message{{Role: "user", Content: openai.TextContent(s)}}, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(t, &items); err != nil {
		return nil, &protocol.Error{Param: "input", Message: "input must be a string or an array of items"}
	}
	b := inputBuilder{notes: notes}
	for i, r := range items {
		var it Item
		if err := json.Unmarshal(r, &it); err != nil {
			return nil, &protocol.Error{Param: "input[" + strconv.Itoa(i) + "]", Message: "input item " + strconv.Itoa(i) + " is malformed: " + err.Error()}
		}
		if err := b.add(i, &it); err != nil {
			return nil, err
		}
	}
	return b.msgs, nil
}

type inputBuilder struct {
	msgs  []openai.Message
	notes *Notes
	// open is true while the last message is an assistant message that
	// further function calls may join.
	open bool
}

func (b *inputBuilder) add(i int, it *Item) error {
	path := "input[" + strconv.Itoa(i) + "]"
	switch it.Type {
	case "", "message":
		return b.message(path, it)
	case "function_call":
		if it.Name == "" {
			return &protocol.Error{Param: path + ".name", Message: "a function_call item needs a name"}
		}
		args := it.Arguments
		if strings.TrimSpace(args) == "" {
			args = "{}"
		}
		b.call(callID(it), it.Name, args)
	case "custom_tool_call":
		if it.Name == "" {
			return &protocol.Error{Param: path + ".name", Message: "a custom_tool_call item needs a name"}
		}
		args, _ := json.Marshal(map[string]string{"input": it.Input})
		b.call(callID(it), it.Name, string(args))
	case "function_call_output", "custom_tool_call_output":
		if it.CallID == "" {
			return &protocol.Error{Param: path + ".call_id", Message: "a " + it.Type + " item needs a call_id"}
		}
		text, err := outputText(path+".output", it.Output, b.notes)
		if err != nil {
			return err
		}
		b.msgs = append(b.msgs, openai.Message{Role: "tool", ToolCallID: it.CallID, Content: openai.TextContent(text)})
		b.open = false
	case "reasoning":
		// Encrypted reasoning belongs to the model that wrote it, and a
		// summary is not the thinking itself: neither can be replayed.
		b.notes.Dropped = append(b.notes.Dropped, path+" reasoning item")
	case "local_shell_call", "local_shell_call_output", "web_search_call", "file_search_call",
		"computer_call", "computer_call_output", "code_interpreter_call", "image_generation_call",
		"mcp_call", "mcp_list_tools", "mcp_approval_request", "mcp_approval_response", "item_reference",
		"compaction", "shell_call", "shell_call_output", "apply_patch_call", "apply_patch_call_output":
		b.notes.Dropped = append(b.notes.Dropped, path+" "+it.Type+" item")
	default:
		return &protocol.Error{Param: path + ".type", Message: "unknown input item type " + strconv.Quote(it.Type)}
	}
	return nil
}

func callID(it *Item) string {
	if it.CallID != "" {
		return it.CallID
	}
	return it.ID
}

// call appends a tool call to the open assistant message, or opens one.
func (b *inputBuilder) call(id, name, args string) {
	tc := openai.ToolCall{ID: id, Type: "function", Function: openai.FunctionCall{Name: name, Arguments: args}}
	if b.open {
		m := &b.msgs[len(b.msgs)-1]
		m.ToolCalls = append(m.ToolCalls, tc)
		return
	}
	b.msgs = append(b.msgs, openai.Message{Role: "assistant", ToolCalls: []openai.ToolCall{tc}})
	b.open = true
}

func (b *inputBuilder) message(path string, it *Item) error {
	role := it.Role
	switch role {
	case "developer", "system":
		role = "system"
	case "user", "assistant":
	case "":
		return &protocol.Error{Param: path + ".role", Message: "a message item needs a role"}
	default:
		return &protocol.Error{Param: path + ".role", Message: "unknown role " + strconv.Quote(it.Role)}
	}
	content, err := messageContent(path+".content", role, it.Content, b.notes)
	if err != nil {
		return err
	}
	b.msgs = append(b.msgs, openai.Message{Role: role, Content: content})
	b.open = role == "assistant"
	return nil
}

// messageContent converts a message's content (a string or parts).
func messageContent(path, role string, raw json.RawMessage, notes *Notes) (openai.Content, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" {
		return openai.TextContent(""), nil
	}
	if t[0] == '"' {
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return openai.Content{}, &protocol.Error{Param: path, Message: "content is not a valid JSON string"}
		}
		return openai.TextContent(s), nil
	}
	var parts []Part
	if err := json.Unmarshal(t, &parts); err != nil {
		return openai.Content{}, &protocol.Error{Param: path, Message: "content must be a string or an array of parts"}
	}
	out := make([]openai.ContentPart, 0, len(parts))
	for j, p := range parts {
		pp := path + "[" + strconv.Itoa(j) + "]"
		switch p.Type {
		case "input_text", "output_text", "text", "summary_text":
			out = append(out, openai.ContentPart{Type: "text", Text: p.Text})
		case "refusal":
			out = append(out, openai.ContentPart{Type: "text", Text: p.Refusal})
		case "input_image":
			if p.ImageURL == "" {
				notes.Dropped = append(notes.Dropped, pp+" image by file_id")
				continue
			}
			out = append(out, openai.ContentPart{Type: "image_url", ImageURL: &openai.ImageURL{URL: p.ImageURL, Detail: p.Detail}})
		case "input_file":
			if p.FileData == "" {
				notes.Dropped = append(notes.Dropped, pp+" file by file_id")
				continue
			}
			out = append(out, openai.ContentPart{Type: "file", File: &openai.File{FileData: p.FileData, Filename: p.Filename}})
		default:
			return openai.Content{}, &protocol.Error{Param: pp + ".type", Message: "unknown content part type " + strconv.Quote(p.Type)}
		}
	}
	if role != "user" {
		// System and assistant turns are text in Chat.
		return openai.TextContent(joinText(out)), nil
	}
	return openai.Content{Parts: out}, nil
}

func joinText(parts []openai.ContentPart) string {
	var sb strings.Builder
	for _, p := range parts {
		sb.WriteString(p.Text)
	}
	return sb.String()
}

// outputText flattens a tool output (a string or parts) to text.
func outputText(path string, raw json.RawMessage, notes *Notes) (string, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" {
		return "", nil
	}
	if t[0] == '"' {
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return "", &protocol.Error{Param: path, Message: "output is not a valid JSON string"}
		}
		return s, nil
	}
	var parts []Part
	if err := json.Unmarshal(t, &parts); err != nil {
		// Some clients send an object: keep it as JSON text.
		return string(t), nil
	}
	var sb strings.Builder
	for j, p := range parts {
		switch p.Type {
		case "input_text", "output_text", "text":
			sb.WriteString(p.Text)
		default:
			notes.Dropped = append(notes.Dropped, path+"["+strconv.Itoa(j)+"] "+p.Type+" in a tool output")
		}
	}
	return sb.String(), nil
}
