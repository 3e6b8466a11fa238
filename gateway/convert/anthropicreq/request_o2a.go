package anthropicreq

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/convert"
	"switchyard/gateway/openai"
)

// defaultMaxTokens is used when neither the client nor the backend config
// gives max_tokens (RequestOptions.MaxTokensDefault == 0).
const defaultMaxTokens = 8192

// RequestOToA converts an OpenAI Chat Completions request into an Anthropic
// Messages request (spec §1.1 and §1.3). A request the Anthropic API cannot
// express (n > 1, an unsupported image type, input_audio, a non-function
// tool, …) yields an *Error and no request.
//
// Beyond the field table it guarantees a valid Anthropic sequence: system
// and developer messages are hoisted; tool messages and the user message
// right after them become one user turn with the tool_results first; every
// tool_use is answered in the next user turn (a missing result becomes an
// is_error tool_result, a result with no matching call becomes plain
// content); empty blocks and messages are dropped; a leading assistant turn
// gets a "(continue)" user turn before it; a final assistant prefill is
// right-trimmed; tool ids are sanitized to [A-Za-z0-9_-]; a tool
// message's content becomes text blocks inside its tool_result (a string
// as one text block, the array form of the same content); and when the
// history has tool blocks but the client sent no tools, a placeholder tool
// named "noop" is added with tool_choice none.
//
// reasoning_effort low/medium/high enables thinking (budget 1024/2048/4096).
// Thinking round trip: an assistant message's reasoning_content is never
// sent (it carries no signature); its thinking_blocks (the LiteLLM
// convention, which convert.ResponseAToO emits) are sent first in the turn when they
// are signed. If the current tool-loop assistant turn (the last assistant
// message, when it is the final message or is answered by the final user
// message's tool_results) does not start with a signed block, the request
// is sent without thinking and the other thinking adjustments are skipped.
//
// With opt.CacheBreakpoints, cache_control the client sent (on parts,
// messages or tools) is kept and {"type":"ephemeral"} breakpoints are added,
// in this priority order, to the last content block of the last user
// message, of the user message before it, the last system block and the
// last tool, skipping blocks already marked and stopping when four blocks in
// total (the client's included) carry cache_control.
func RequestOToA(req *openai.ChatRequest, opt RequestOptions) (*anthropic.MessagesRequest, error) {
	out, _, err := RequestOToAWithNotes(req, opt)
	return out, err
}

// RequestOToAWithNotes is RequestOToA, also returning what the conversion
// approximated (response_format, see responseFormat) and what the
// answer's conversion needs (Notes.JSONTool: pass it to JSONToolAsText
// and streamconv's StreamOptions.JSONTool).
func RequestOToAWithNotes(req *openai.ChatRequest, opt RequestOptions) (*anthropic.MessagesRequest, Notes, error) {
	var notes Notes
	out, err := requestOToA(req, opt, &notes)
	return out, notes, err
}

func requestOToA(req *openai.ChatRequest, opt RequestOptions, notes *Notes) (*anthropic.MessagesRequest, error) {
	if err := checkOToA(req); err != nil {
		return nil, err
	}
	model := opt.UpstreamModel
	if model == "" {
		model = req.Model
	}
	out := &anthropic.MessagesRequest{Model: model, Stream: req.Stream, TopK: req.TopK}

	tools, err := oToolsToA(req.Tools)
	if err != nil {
		return nil, err
	}
	out.Tools = tools

	budget := effortBudget(req.ReasoningEffort)
	system, msgs, err := oMessagesToA(req.Messages, budget > 0)
	if err != nil {
		return nil, err
	}
	out.System = system
	if budget > 0 && !currentTurnSigned(msgs) {
		budget = 0
		msgs = stripThinking(msgs)
	}
	out.Messages = msgs

	oSamplingToA(req, out)
	oToolUseToA(req, out)
	if err := responseFormat(req.ResponseFormat, out, budget > 0, notes); err != nil {
		return nil, err
	}
	fitThinking(out, oMaxTokens(req, opt), budget)
	if out.Temperature != nil && out.TopP != nil && convert.ExclusiveSampling(model) {
		out.TopP = nil
	}

	if opt.CacheBreakpoints {
		addCacheBreakpoints(out)
	}
	return out, nil
}

// checkOToA refuses what no Anthropic request can express up front: no
// request, n > 1, no messages.
func checkOToA(req *openai.ChatRequest) error {
	switch {
	case req == nil:
		return &Error{Param: "messages", Message: "request body is empty"}
	case req.N != nil && *req.N > 1:
		return &Error{Param: "n", Message: fmt.Sprintf("n=%d is not supported: this model returns one choice per request", *req.N)}
	case len(req.Messages) == 0:
		return &Error{Param: "messages", Message: "messages must contain at least one message"}
	}
	return nil
}

// oMaxTokens picks max_tokens: max_completion_tokens wins, then
// max_tokens, then the backend default, then defaultMaxTokens.
func oMaxTokens(req *openai.ChatRequest, opt RequestOptions) int {
	switch {
	case req.MaxCompletionTokens != nil && *req.MaxCompletionTokens > 0:
		return *req.MaxCompletionTokens
	case req.MaxTokens != nil && *req.MaxTokens > 0:
		return *req.MaxTokens
	case opt.MaxTokensDefault > 0:
		return opt.MaxTokensDefault
	}
	return defaultMaxTokens
}

// oSamplingToA copies temperature (clamped to [0, 1]), top_p, the
// non-blank stop sequences and the user (as an opaque metadata.user_id).
func oSamplingToA(req *openai.ChatRequest, out *anthropic.MessagesRequest) {
	if req.Temperature != nil {
		t := min(max(*req.Temperature, 0), 1)
		out.Temperature = &t
	}
	if req.TopP != nil {
		p := *req.TopP
		out.TopP = &p
	}
	if s := nonBlank(req.Stop); len(s) > 0 {
		out.StopSequences = s
	}
	if req.User != "" {
		out.Metadata = &anthropic.Metadata{UserID: opaqueUserID(req.User)}
	}
}

// oToolUseToA sets tool_choice (with parallel_tool_calls false as
// disable_parallel_tool_use) when there are tools, or adds the placeholder
// tool, with tool_choice none, when only the history has tool blocks.
func oToolUseToA(req *openai.ChatRequest, out *anthropic.MessagesRequest) {
	if len(out.Tools) == 0 {
		if hasToolBlocks(out.Messages) {
			out.Tools = []anthropic.Tool{placeholderTool()}
			out.ToolChoice = &anthropic.ToolChoice{Type: "none"}
		}
		return
	}
	out.ToolChoice = oToolChoiceToA(req.ToolChoice)
	if req.ParallelToolCalls != nil && !*req.ParallelToolCalls {
		if out.ToolChoice == nil {
			out.ToolChoice = &anthropic.ToolChoice{Type: "auto"}
		}
		if out.ToolChoice.Type != "none" {
			out.ToolChoice.DisableParallelToolUse = true
		}
	}
}

// fitThinking sets max_tokens and, for a thinking budget, thinking within
// the model's output limit: max_tokens grows by the budget when it does
// not exceed it, both are clamped to the model's maximum, and thinking
// turns off sampling parameters Anthropic refuses with it (temperature,
// top_k, top_p outside [0.95, 1]) and forced tool choices. A budget the
// model's maximum leaves below minThinkingBudget means no thinking: the
// history's thinking blocks go and max_tokens is as requested.
func fitThinking(out *anthropic.MessagesRequest, maxTokens, budget int) {
	modelMax := convert.ClaudeMaxOutput(out.Model)
	requested := maxTokens
	if budget > 0 {
		if maxTokens <= budget {
			maxTokens += budget
		}
		if modelMax > 0 && maxTokens > modelMax {
			maxTokens = modelMax
			budget = min(budget, maxTokens-1)
		}
	}
	if budget >= minThinkingBudget {
		out.Thinking = &anthropic.Thinking{Type: "enabled", BudgetTokens: budget}
		out.Temperature, out.TopK = nil, nil
		if out.TopP != nil && (*out.TopP < 0.95 || *out.TopP > 1) {
			out.TopP = nil
		}
		if tc := out.ToolChoice; tc != nil && (tc.Type == "any" || tc.Type == "tool") {
			tc.Type, tc.Name = "auto", ""
		}
	} else if budget > 0 { // the model's max leaves no room for thinking
		out.Messages = stripThinking(out.Messages)
		maxTokens = requested
	}
	if modelMax > 0 && maxTokens > modelMax {
		maxTokens = modelMax
	}
	out.MaxTokens = maxTokens
}

// minThinkingBudget is Anthropic's minimum thinking budget.
const minThinkingBudget = 1024

// effortBudget maps reasoning_effort to a thinking budget; 0 = no thinking.
func effortBudget(effort string) int {
	switch strings.ToLower(effort) {
	case "low":
		return 1024
	case "medium":
		return 2048
	case "high":
		return 4096
	}
	return 0 // "", none, minimal, unknown
}

// nonBlank drops whitespace-only entries.
func nonBlank(in []string) []string {
	var out []string
	for _, s := range in {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

var (
	emailRe = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	phoneRe = regexp.MustCompile(`^\+?[0-9][0-9 ().-]{5,}[0-9]$`)
)

// opaqueUserID returns user unchanged when it looks like an opaque id, and
// its SHA-256 (hex) when it looks like an e-mail address or a phone number:
// Anthropic forbids personal data in metadata.user_id.
func opaqueUserID(user string) string {
	if emailRe.MatchString(user) || phoneRe.MatchString(user) || len(user) > 256 {
		sum := sha256.Sum256([]byte(user))
		return hex.EncodeToString(sum[:])
	}
	return user
}

// oToolsToA converts function tools; any other tool type is a 400.
func oToolsToA(in []openai.Tool) ([]anthropic.Tool, error) {
	var out []anthropic.Tool
	for i, t := range in {
		if t.Type != "function" && t.Type != "" {
			return nil, &Error{Param: fmt.Sprintf("tools[%d].type", i),
				Message: fmt.Sprintf("tool type %q is not supported by this model; only function tools are", t.Type)}
		}
		if t.Function.Name == "" {
			return nil, &Error{Param: fmt.Sprintf("tools[%d].function.name", i), Message: "tool name is required"}
		}
		out = append(out, anthropic.Tool{
			Name:         t.Function.Name,
			Description:  t.Function.Description,
			InputSchema:  objectSchema(t.Function.Parameters),
			CacheControl: t.CacheControl,
		})
	}
	return out, nil
}

// objectSchema returns a schema usable as Anthropic input_schema: absent or
// null becomes an empty object schema, an object without "type" gets
// "type":"object"; anything else is passed through.
func objectSchema(raw json.RawMessage) json.RawMessage {
	t := strings.TrimSpace(string(raw))
	if t == "" || t == "null" {
		return convert.EmptyObjectSchema()
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return convert.EmptyObjectSchema()
	}
	if _, ok := m["type"]; ok {
		return raw
	}
	m["type"] = "object"
	if b, err := json.Marshal(m); err == nil {
		return b
	}
	return convert.EmptyObjectSchema()
}

// placeholderTool satisfies Anthropic's rule that a request with tool
// blocks must define tools (LiteLLM's modify_params behaviour).
func placeholderTool() anthropic.Tool {
	return anthropic.Tool{
		Name:        "noop",
		Description: "Placeholder: the conversation history contains tool calls but no tools are available. Do not call this tool.",
		InputSchema: convert.EmptyObjectSchema(),
	}
}

// oToolChoiceToA maps tool_choice; an unknown value is ignored (nil).
func oToolChoiceToA(raw json.RawMessage) *anthropic.ToolChoice {
	if len(raw) == 0 {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return namedToolChoice(s)
	}
	var obj struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		return nil
	}
	if obj.Type == "function" {
		if obj.Function.Name == "" {
			return nil
		}
		return &anthropic.ToolChoice{Type: "tool", Name: obj.Function.Name}
	}
	return namedToolChoice(obj.Type)
}

func namedToolChoice(s string) *anthropic.ToolChoice {
	switch s {
	case "auto":
		return &anthropic.ToolChoice{Type: "auto"}
	case "required":
		return &anthropic.ToolChoice{Type: "any"}
	case "none":
		return &anthropic.ToolChoice{Type: "none"}
	}
	return nil
}

// aMsg is an Anthropic message under construction.
type aMsg = anthropic.Message

// oMessagesToA hoists system messages and converts the rest (see
// RequestOToA for the sequence rules). withThinking keeps signed
// thinking_blocks on assistant turns.
func oMessagesToA(in []openai.Message, withThinking bool) (anthropic.System, []aMsg, error) {
	var system anthropic.System
	var msgs []aMsg
	ids := toolIDs{}
	for i, m := range in {
		switch m.Role {
		case "system", "developer":
			blocks, err := oPartsToA(m.Content, i, false)
			if err != nil {
				return nil, nil, err
			}
			system = append(system, withMessageCache(blocks, m.CacheControl)...)
		case "user":
			blocks, err := oPartsToA(m.Content, i, true)
			if err != nil {
				return nil, nil, err
			}
			msgs = append(msgs, aMsg{Role: "user", Content: withMessageCache(blocks, m.CacheControl)})
		case "assistant":
			msgs = append(msgs, aMsg{Role: "assistant", Content: oAssistantToA(m, i, withThinking, &ids)})
		case "tool":
			blocks, err := oPartsToA(m.Content, i, true)
			if err != nil {
				return nil, nil, err
			}
			tr := anthropic.Block{Type: "tool_result", ToolUseID: ids.result(m.ToolCallID), CacheControl: m.CacheControl}
			if len(blocks) > 0 {
				c := anthropic.Content(blocks)
				tr.Content = &c
			}
			msgs = append(msgs, aMsg{Role: "user", Content: anthropic.Content{tr}})
		default:
			return nil, nil, &Error{Param: fmt.Sprintf("messages[%d].role", i),
				Message: fmt.Sprintf("message role %q is not supported", m.Role)}
		}
	}
	msgs = answerToolUses(mergeTurns(msgs))
	// Answering can empty a user turn (a stray tool_result with no
	// content); drop it, merge its neighbours and answer again. The second
	// pass creates no new empty turns.
	msgs = answerToolUses(mergeTurns(msgs))
	if len(msgs) == 0 || msgs[0].Role != "user" {
		msgs = append([]aMsg{{Role: "user", Content: anthropic.Content{anthropic.TextBlock("(continue)")}}}, msgs...)
	}
	msgs = trimPrefill(msgs)
	return system, msgs, nil
}

// withMessageCache puts a message-level cache_control on the message's last
// block unless that block has its own.
func withMessageCache(blocks []anthropic.Block, cc json.RawMessage) []anthropic.Block {
	if len(cc) > 0 && len(blocks) > 0 && len(blocks[len(blocks)-1].CacheControl) == 0 {
		blocks[len(blocks)-1].CacheControl = cc
	}
	return blocks
}

// oAssistantToA builds an assistant turn: signed thinking blocks (when
// withThinking), then text, then one tool_use per tool call.
func oAssistantToA(m openai.Message, i int, withThinking bool, ids *toolIDs) anthropic.Content {
	var out anthropic.Content
	if withThinking {
		for _, tb := range m.ThinkingBlocks {
			switch {
			case tb.Type == "thinking" && tb.Signature != "":
				th, sig := tb.Thinking, tb.Signature
				out = append(out, anthropic.Block{Type: "thinking", Thinking: &th, Signature: &sig})
			case tb.Type == "redacted_thinking" && tb.Data != "":
				out = append(out, anthropic.Block{Type: "redacted_thinking", Data: tb.Data})
			}
		}
	}
	if m.Content.Text != nil {
		if *m.Content.Text != "" {
			out = append(out, anthropic.TextBlock(*m.Content.Text))
		}
	} else {
		for _, p := range m.Content.Parts {
			if p.Type == "text" && p.Text != "" {
				b := anthropic.TextBlock(p.Text)
				b.CacheControl = p.CacheControl
				out = append(out, b)
			}
		}
	}
	for j, tc := range m.ToolCalls {
		out = append(out, anthropic.Block{
			Type:  "tool_use",
			ID:    ids.call(tc.ID, i, j),
			Name:  tc.Function.Name,
			Input: convert.ParseArguments(tc.Function.Arguments, false),
		})
	}
	return withMessageCache(out, m.CacheControl)
}

// toolIDs sanitizes tool ids and pairs calls without an id with results
// without one, in order.
type toolIDs struct {
	missing []string
}

func (t *toolIDs) call(id string, msg, j int) string {
	if id == "" {
		id = fmt.Sprintf("toolu_missing_%d_%d", msg, j)
		t.missing = append(t.missing, id)
		return id
	}
	return convert.SanitizeToolID(id)
}

func (t *toolIDs) result(id string) string {
	if id == "" {
		if len(t.missing) == 0 {
			return "toolu_missing"
		}
		id, t.missing = t.missing[0], t.missing[1:]
		return id
	}
	return convert.SanitizeToolID(id)
}
