package responsesconv

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"switchyard/gateway/jscan"
	"switchyard/gateway/openai"
	"switchyard/gateway/protocol"
	"switchyard/gateway/responses"
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
	// One slot to spare: RequestToHub puts the instructions first.
	b := inputBuilder{notes: notes, msgs: make([]openai.Message, 0, 1+bytes.Count(t, []byte(`"role"`)))}
	if t[0] == '[' {
		if ok, err := b.itemsFast(t); ok {
			if err != nil {
				return nil, err
			}
			b.dropThinking()
			return b.msgs, nil
		}
		b = inputBuilder{notes: notes}
	}
	var items []json.RawMessage
	if err := json.Unmarshal(t, &items); err != nil {
		return nil, &protocol.Error{Param: "input", Message: "input must be a string or an array of items"}
	}
	for i, raw := range items {
		var it responses.Item
		if err := responses.DecodeItem(raw, &it); err != nil {
			return nil, &protocol.Error{Param: "input[" + strconv.Itoa(i) + "]", Message: "input item " + strconv.Itoa(i) + " is malformed: " + err.Error()}
		}
		if err := b.add(i, &it); err != nil {
			return nil, err
		}
	}
	b.dropThinking()
	return b.msgs, nil
}

// itemsFast converts the input array t in one jscan.Decoder pass, with
// what encoding/json's path above gives (the array is checked whole before
// an item's error counts, as decoding it into []json.RawMessage did). ok
// is false when the decoder gave up: then nothing it did counts (the
// notes it added are taken back) and the caller takes that path.
func (b *inputBuilder) itemsFast(t []byte) (ok bool, err error) {
	mark := len(b.notes.Dropped)
	var d jscan.Decoder
	d.Reset(t)
	var it responses.Item
	i := 0
	d.Elements(func() {
		if err != nil {
			d.Skip() // an item failed: the rest need only be valid JSON
			return
		}
		it = responses.Item{}
		if responses.ReadItem(&d, &it); d.OK() {
			err = b.add(i, &it)
			i++
		}
	}, func() {})
	if !d.Done() {
		b.notes.Dropped = b.notes.Dropped[:mark]
		return false, nil
	}
	return true, err
}

type inputBuilder struct {
	msgs  []openai.Message
	notes *Notes
	// open is true while the last message is an assistant message that
	// further function calls may join.
	open bool
	// thinking is reasoning summary text waiting for its assistant turn.
	thinking, thinkingAt string
}

func (b *inputBuilder) add(i int, it *responses.Item) error {
	path := "input[" + strconv.Itoa(i) + "]"
	switch it.Type {
	case "", "message":
		return b.message(path, it)
	case "function_call", "custom_tool_call":
		if it.Name == "" {
			return &protocol.Error{Param: path + ".name", Message: "a " + it.Type + " item needs a name"}
		}
		args := it.Arguments
		if it.Type == "custom_tool_call" {
			a, _ := json.Marshal(map[string]string{"input": it.Input})
			args = string(a)
		} else if strings.TrimSpace(args) == "" {
			args = "{}"
		}
		b.call(callID(it), HubToolName(it.Namespace, it.Name), args)
	case "local_shell_call":
		args, ok := shellActionToArgs(it.Action)
		if !ok {
			return &protocol.Error{Param: path + ".action", Message: "a local_shell_call item needs an exec action"}
		}
		b.call(callID(it), "local_shell", args)
	case "function_call_output", "custom_tool_call_output", "local_shell_call_output":
		return b.output(path, it)
	case "reasoning":
		b.reasoning(path, it)
	case "web_search_call", "file_search_call", "computer_call", "computer_call_output", "code_interpreter_call",
		"image_generation_call", "mcp_call", "mcp_list_tools", "mcp_approval_request", "mcp_approval_response",
		"item_reference", "compaction", "shell_call", "shell_call_output", "apply_patch_call", "apply_patch_call_output",
		"tool_search_call", "tool_search_output":
		b.notes.Dropped = append(b.notes.Dropped, path+" "+it.Type+" item")
	default:
		return &protocol.Error{Param: path + ".type", Message: "unknown input item type " + strconv.Quote(it.Type)}
	}
	return nil
}

// output appends a tool result as a tool message.
func (b *inputBuilder) output(path string, it *responses.Item) error {
	id := it.CallID
	if id == "" && it.Type == "local_shell_call_output" {
		id = it.ID // local_shell_call_output names the call by id
	}
	if id == "" {
		return &protocol.Error{Param: path + ".call_id", Message: "a " + it.Type + " item needs a call_id"}
	}
	text, err := outputText(path+".output", it.Output, b.notes)
	if err != nil {
		return err
	}
	b.msgs = append(b.msgs, openai.Message{Role: "tool", ToolCallID: id, Content: openai.TextContent(text)})
	b.open = false
	return nil
}

// reasoning keeps a reasoning item's summary text for the assistant turn
// that follows (as reasoning_content); encrypted content alone is the
// model's own and cannot be replayed elsewhere, so it is dropped.
func (b *inputBuilder) reasoning(path string, it *responses.Item) {
	var sb strings.Builder
	for _, s := range it.Summary {
		if sb.Len() > 0 && s.Text != "" {
			sb.WriteString("\n\n")
		}
		sb.WriteString(s.Text)
	}
	if sb.Len() == 0 {
		b.notes.Dropped = append(b.notes.Dropped, path+" reasoning item")
		return
	}
	if b.thinking != "" {
		b.thinking += "\n\n"
	}
	b.thinking += sb.String()
	b.thinkingAt = path
}

// takeThinking attaches pending reasoning to assistant message m.
func (b *inputBuilder) takeThinking(m *openai.Message) {
	if b.thinking == "" {
		return
	}
	if m.ReasoningContent != "" {
		m.ReasoningContent += "\n\n"
	}
	m.ReasoningContent += b.thinking
	b.thinking = ""
}

// dropThinking notes pending reasoning that no assistant turn followed.
func (b *inputBuilder) dropThinking() {
	if b.thinking != "" {
		b.notes.Dropped = append(b.notes.Dropped, b.thinkingAt+" reasoning item")
		b.thinking = ""
	}
}

func callID(it *responses.Item) string {
	if it.CallID != "" {
		return it.CallID
	}
	return it.ID
}

// call appends a tool call to the open assistant message, or opens one.
func (b *inputBuilder) call(id, name, args string) {
	tc := openai.ToolCall{ID: id, Type: "function", Function: openai.FunctionCall{Name: name, Arguments: args}}
	if !b.open {
		b.msgs = append(b.msgs, openai.Message{Role: "assistant"})
		b.open = true
	}
	m := &b.msgs[len(b.msgs)-1]
	m.ToolCalls = append(m.ToolCalls, tc)
	b.takeThinking(m)
}

func (b *inputBuilder) message(path string, it *responses.Item) error {
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
	if b.open {
		b.takeThinking(&b.msgs[len(b.msgs)-1])
	} else {
		b.dropThinking()
	}
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
	parts, err := responses.DecodeParts(t)
	if err != nil {
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
	parts, err := responses.DecodeParts(t)
	if err != nil {
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
