package responsesconv

import (
	"encoding/json"
	"strconv"
	"strings"

	"switchyard/gateway/openai"
	"switchyard/gateway/protocol"
	"switchyard/gateway/responses"
)

// Notes is what RequestToHub could not carry over exactly, and what the
// way back needs to know. The gateway logs Dropped once per request and
// passes the Notes to ResponseFromHub or responsesstream.NewFromHubStream.
type Notes struct {
	// Dropped lists what was left out, e.g. "tools[2] web_search",
	// "input[4] reasoning item".
	Dropped []string
	// Tools maps the hub function name of every tool that is not a plain
	// top-level function back to the client's tool: custom (freeform)
	// tools, tools inside a namespace, local_shell.
	Tools map[string]ClientTool
	// CacheKey is the client's prompt_cache_key: use it as a stickiness
	// key. It is also sent to the hub as `user` when the client set none.
	CacheKey string
}

// ClientTool is how a tool looks to the Responses client.
type ClientTool struct {
	Kind      string // "function", "custom" or "local_shell"
	Name      string // the tool's own name
	Namespace string // the namespace it belongs to, "" for none
}

// Tool kinds of ClientTool.
const (
	KindFunction   = "function"
	KindCustom     = "custom"
	KindLocalShell = "local_shell"
)

// client returns the client's view of a hub function name.
func (n *Notes) Client(hubName string) ClientTool {
	if t, ok := n.Tools[hubName]; ok {
		return t
	}
	return ClientTool{Kind: KindFunction, Name: hubName}
}

func (n *Notes) record(hubName string, t ClientTool) {
	if n.Tools == nil {
		n.Tools = map[string]ClientTool{}
	}
	n.Tools[hubName] = t
}

// HubToolName is the one function name a namespaced tool gets.
func HubToolName(namespace, name string) string {
	switch {
	case namespace == "":
		return name
	case strings.HasSuffix(namespace, "_"):
		return namespace + name
	}
	return namespace + "__" + name
}

// customParams is the JSON Schema of the one parameter a custom tool gets
// as a function.
const customParams = `{"type":"object","properties":{"input":{"type":"string","description":"The tool's raw input, as the tool's description specifies."}},"required":["input"],"additionalProperties":false}`

// localShellParams is the schema of the function that stands in for the
// local_shell tool; its arguments become a local_shell_call's exec action.
const localShellParams = `{"type":"object","properties":{"command":{"type":"array","items":{"type":"string"},"description":"The command and its arguments, e.g. [\"bash\",\"-lc\",\"ls\"]."},"workdir":{"type":"string","description":"The working directory."},"timeout_ms":{"type":"integer","description":"Timeout in milliseconds."}},"required":["command"]}`

const localShellDesc = "Runs a shell command on the user's machine and returns its output."

// convertTools maps function, custom, namespace and local_shell tools to
// hub functions; hosted tools cannot run behind a Chat backend and are
// dropped (listed in notes).
func convertTools(tools []responses.Tool, out *openai.ChatRequest, notes *Notes) error {
	for i, t := range tools {
		path := "tools[" + strconv.Itoa(i) + "]"
		switch t.Type {
		case "function", "custom":
			if err := addTool(path, "", &t, out, notes); err != nil {
				return err
			}
		case "namespace":
			if t.Name == "" {
				return &protocol.Error{Param: path + ".name", Message: "a namespace tool needs a name"}
			}
			for j := range t.Tools {
				sub := &t.Tools[j]
				p := path + ".tools[" + strconv.Itoa(j) + "]"
				if sub.Type != "function" && sub.Type != "custom" {
					notes.Dropped = append(notes.Dropped, p+" "+sub.Type)
					continue
				}
				if err := addTool(p, t.Name, sub, out, notes); err != nil {
					return err
				}
			}
		case "local_shell":
			notes.record("local_shell", ClientTool{Kind: KindLocalShell, Name: "local_shell"})
			out.Tools = append(out.Tools, openai.Tool{Type: "function", Function: openai.FunctionDef{
				Name: "local_shell", Description: localShellDesc, Parameters: json.RawMessage(localShellParams)}})
		case "":
			return &protocol.Error{Param: path + ".type", Message: "a tool needs a type"}
		default:
			notes.Dropped = append(notes.Dropped, path+" "+t.Type)
		}
	}
	return nil
}

// addTool adds one function or custom tool, possibly inside a namespace.
func addTool(path, namespace string, t *responses.Tool, out *openai.ChatRequest, notes *Notes) error {
	if t.Name == "" {
		return &protocol.Error{Param: path + ".name", Message: "a " + t.Type + " tool needs a name"}
	}
	hub := HubToolName(namespace, t.Name)
	def := openai.FunctionDef{Name: hub, Description: t.Description, Parameters: t.Parameters, Strict: t.Strict}
	if t.Type == "custom" {
		notes.record(hub, ClientTool{Kind: KindCustom, Name: t.Name, Namespace: namespace})
		if g := customGrammar(t.Format); g != "" {
			def.Description += "\n\nThe input must follow this grammar:\n" + g
		}
		def.Parameters, def.Strict = json.RawMessage(customParams), nil
	} else if namespace != "" {
		notes.record(hub, ClientTool{Kind: KindFunction, Name: t.Name, Namespace: namespace})
	}
	if isNull(def.Parameters) {
		def.Parameters = json.RawMessage(`{"type":"object","properties":{}}`)
	}
	out.Tools = append(out.Tools, openai.Tool{Type: "function", Function: def})
	return nil
}

// customGrammar returns a custom tool's grammar definition, if any.
func customGrammar(raw json.RawMessage) string {
	var f struct {
		Type       string `json:"type"`
		Syntax     string `json:"syntax"`
		Definition string `json:"definition"`
	}
	if isNull(raw) || json.Unmarshal(raw, &f) != nil || f.Type != "grammar" {
		return ""
	}
	return f.Definition
}

// shellAction is a local_shell_call's action.
type shellAction struct {
	Type             string            `json:"type"`
	Command          []string          `json:"command"`
	Env              map[string]string `json:"env"`
	TimeoutMs        *int64            `json:"timeout_ms,omitempty"`
	User             string            `json:"user,omitempty"`
	WorkingDirectory string            `json:"working_directory,omitempty"`
}

// shellArgs are the stand-in function's arguments.
type shellArgs struct {
	Command   []string `json:"command"`
	Workdir   string   `json:"workdir,omitempty"`
	TimeoutMs *int64   `json:"timeout_ms,omitempty"`
}

// shellActionToArgs turns a local_shell_call action into function
// arguments; ok is false when it is not an exec action.
func shellActionToArgs(raw json.RawMessage) (string, bool) {
	var a shellAction
	if json.Unmarshal(raw, &a) != nil || a.Type != "exec" {
		return "", false
	}
	b, _ := json.Marshal(shellArgs{Command: a.Command, Workdir: a.WorkingDirectory, TimeoutMs: a.TimeoutMs})
	return string(b), true
}

// ShellArgsToAction turns the stand-in function's arguments into a
// local_shell_call exec action. Arguments that are not an object with a
// command become a command of one string, so nothing is lost.
func ShellArgsToAction(args string) json.RawMessage {
	var a shellArgs
	if json.Unmarshal([]byte(args), &a) != nil || len(a.Command) == 0 {
		a = shellArgs{Command: []string{args}}
	}
	b, _ := json.Marshal(shellAction{Type: "exec", Command: a.Command, Env: map[string]string{},
		TimeoutMs: a.TimeoutMs, WorkingDirectory: a.Workdir})
	return b
}
