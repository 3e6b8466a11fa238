// Package converttest checks Chat Completions and Anthropic Messages event
// streams for the invariants every client relies on (docs/conversion.md
// §3.3), and compares conversion results as JSON (AssertJSON) for the
// tests of package convert and the packages below it. It is test support:
// only tests import it, so none of it ships in the binary.
package converttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"

	"switchyard/gateway/sse"
)

// Stream invariants (docs/conversion.md §3.3). CheckOpenAIStream and CheckAnthropicStream
// parse a client stream as it went over the wire and report the first
// violation. They are not on the request path: tests of this package, of the
// gateway and the fuzz targets run every converted stream through them.

// CheckOption adjusts what the checkers require.
type CheckOption func(*checkConfig)

type checkConfig struct {
	usage    bool
	toolArgs bool
}

// WithUpstreamUsage says the upstream reported usage: an Anthropic
// message_delta must then carry non-zero usage, and an OpenAI stream that
// ends in [DONE] must have a usage chunk with non-zero token counts (use it
// for A->O only when the client asked for include_usage).
func WithUpstreamUsage() CheckOption { return func(c *checkConfig) { c.usage = true } }

// WithCompleteToolArgs requires each tool call's argument fragments to
// concatenate to a JSON object once the stream finished normally (upstreams
// sending broken arguments make this fail, so it is opt-in).
func WithCompleteToolArgs() CheckOption { return func(c *checkConfig) { c.toolArgs = true } }

func newCheckConfig(opts []CheckOption) checkConfig {
	var c checkConfig
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WireEvent is one SSE event as it went over the wire.
type WireEvent struct {
	Name string
	Data []byte
}

// ParseWire splits a client stream into its events.
func ParseWire(wire []byte) ([]WireEvent, error) {
	r := sse.NewReader(bytes.NewReader(wire))
	var out []WireEvent
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("event %d: malformed SSE: %w", len(out), err)
		}
		out = append(out, WireEvent{ev.Name, append([]byte(nil), ev.Data...)})
	}
}

// CheckOpenAIStream checks an OpenAI chat.completion.chunk stream: every
// chunk a chat.completion.chunk with the same id, created and model; the
// first chunk has delta.role "assistant"; tool_calls indices are 0-based
// and dense per choice; id, type and function.Name appear on a call's first
// chunk and only there; each choice gets exactly one non-null
// finish_reason; a usage chunk (at most one) has choices:[] and comes right
// before [DONE]; [DONE] is last; or the stream ends with one error object
// and no [DONE] after it.
func CheckOpenAIStream(wire []byte, opts ...CheckOption) error {
	evs, err := ParseWire(wire)
	if err != nil {
		return err
	}
	if len(evs) == 0 {
		return errors.New("empty stream")
	}
	c := openAIChecker{cfg: newCheckConfig(opts), choices: map[int]*oChoice{}, usageAt: -1}
	for i, ev := range evs {
		c.i = i
		if err := c.event(ev); err != nil {
			return err
		}
	}
	if c.terminated == "" {
		return errors.New("stream ends without [DONE] or an error object")
	}
	return nil
}

// openAIChecker is CheckOpenAIStream's state between events.
type openAIChecker struct {
	cfg        checkConfig
	i          int // the event being checked
	id, model  string
	created    json.Number
	chunks     int
	choices    map[int]*oChoice
	usageAt    int
	terminated string
}

// oChoice is what the checker knows of one choice: its tool calls'
// arguments so far and how many finish_reasons it got.
type oChoice struct {
	calls    []*bytes.Buffer
	finishes int
}

// at is an error about the event being checked.
func (c *openAIChecker) at(format string, args ...any) error {
	return fmt.Errorf("event %d: %s", c.i, fmt.Sprintf(format, args...))
}

func (c *openAIChecker) event(ev WireEvent) error {
	if c.terminated != "" {
		return c.at("event after %s", c.terminated)
	}
	if ev.Name != "" {
		return c.at("OpenAI streams have no event names, got %q", ev.Name)
	}
	if string(ev.Data) == "[DONE]" {
		return c.done()
	}
	var m map[string]json.RawMessage
	if err := unmarshalNumbers(ev.Data, &m); err != nil || m == nil {
		return c.at("data is not a JSON object: %q", ev.Data)
	}
	if raw, ok := m["error"]; ok {
		var e struct {
			Error *struct {
				Message *string `json:"message"`
				Type    *string `json:"type"`
			} `json:"error"`
		}
		if json.Unmarshal(ev.Data, &e) != nil || e.Error == nil || e.Error.Message == nil || e.Error.Type == nil {
			return c.at("error object without message and type: %s", raw)
		}
		c.terminated = "an error object"
		return nil
	}
	return c.chunk(ev.Data)
}

// done checks [DONE]: after a chunk, right after the usage chunk, with
// every choice finished once (and complete tool arguments).
func (c *openAIChecker) done() error {
	if c.chunks == 0 {
		return c.at("[DONE] without any chunk")
	}
	if c.usageAt >= 0 && c.usageAt != c.i-1 {
		return c.at("usage chunk %d is not right before [DONE]", c.usageAt)
	}
	if c.cfg.usage && c.usageAt < 0 {
		return c.at("no usage chunk before [DONE]")
	}
	for ci, ch := range c.choices {
		if ch.finishes != 1 {
			return c.at("choice %d has %d non-null finish_reason, want 1", ci, ch.finishes)
		}
		if c.cfg.toolArgs {
			for k, args := range ch.calls {
				if !isJSONObjectText(args.Bytes()) {
					return c.at("choice %d tool call %d arguments %q are not a JSON object", ci, k, args.String())
				}
			}
		}
	}
	c.terminated = "[DONE]"
	return nil
}

// chunk checks one chat.completion.chunk.
func (c *openAIChecker) chunk(data []byte) error {
	var ch struct {
		ID      *string         `json:"id"`
		Object  string          `json:"object"`
		Created *json.Number    `json:"created"`
		Model   *string         `json:"model"`
		Choices json.RawMessage `json:"choices"`
		Usage   json.RawMessage `json:"usage"`
	}
	if err := unmarshalNumbers(data, &ch); err != nil {
		return c.at("bad chunk: %v", err)
	}
	if ch.Object != "chat.completion.chunk" {
		return c.at("object %q, want chat.completion.chunk", ch.Object)
	}
	if ch.ID == nil || *ch.ID == "" || ch.Created == nil || ch.Model == nil {
		return c.at("chunk without id, created or model")
	}
	if c.chunks == 0 {
		c.id, c.created, c.model = *ch.ID, *ch.Created, *ch.Model
	} else if *ch.ID != c.id || *ch.Created != c.created || *ch.Model != c.model {
		return c.at("id/created/model %q/%s/%q differ from the first chunk's %q/%s/%q", *ch.ID, *ch.Created, *ch.Model, c.id, c.created, c.model)
	}
	if c.usageAt >= 0 {
		return c.at("chunk after the usage chunk")
	}
	var cs []map[string]json.RawMessage
	if err := json.Unmarshal(ch.Choices, &cs); err != nil || cs == nil {
		return c.at("choices is not an array of objects: %s", ch.Choices)
	}
	if len(ch.Usage) > 0 && string(ch.Usage) != "null" {
		if err := c.usage(ch.Usage, len(cs)); err != nil {
			return err
		}
	} else if len(cs) == 0 {
		return c.at("chunk with neither choices nor usage")
	}
	for _, cm := range cs {
		if err := c.choice(cm); err != nil {
			return err
		}
	}
	c.chunks++
	return nil
}

// usage checks a usage chunk (choices must be empty).
func (c *openAIChecker) usage(raw json.RawMessage, choices int) error {
	if choices != 0 {
		return c.at("usage chunk with non-empty choices")
	}
	var u struct {
		Prompt     *int `json:"prompt_tokens"`
		Completion *int `json:"completion_tokens"`
		Total      *int `json:"total_tokens"`
	}
	if json.Unmarshal(raw, &u) != nil || u.Prompt == nil || u.Completion == nil || u.Total == nil {
		return c.at("usage without prompt/completion/total tokens: %s", raw)
	}
	if c.cfg.usage && *u.Prompt == 0 && *u.Completion == 0 {
		return c.at("usage is zero though the upstream reported usage")
	}
	c.usageAt = c.i
	return nil
}

// choice checks one element of a chunk's choices.
func (c *openAIChecker) choice(cm map[string]json.RawMessage) error {
	delta, finish := cm["delta"], cm["finish_reason"]
	var index int
	if delta == nil || finish == nil || json.Unmarshal(cm["index"], &index) != nil {
		return c.at("choice without index, delta or finish_reason")
	}
	var d struct {
		Role      *string         `json:"role"`
		Content   json.RawMessage `json:"content"`
		Reasoning json.RawMessage `json:"reasoning_content"`
		ToolCalls json.RawMessage `json:"tool_calls"`
	}
	if err := json.Unmarshal(delta, &d); err != nil || string(delta) == "null" {
		return c.at("delta is not an object: %s", delta)
	}
	if c.chunks == 0 && (d.Role == nil || *d.Role != "assistant") {
		return c.at(`first chunk has no delta.role "assistant"`)
	}
	if d.Role != nil && *d.Role != "assistant" {
		return c.at("delta.role %q", *d.Role)
	}
	for _, f := range []json.RawMessage{d.Content, d.Reasoning} {
		var s *string
		if len(f) > 0 && json.Unmarshal(f, &s) != nil {
			return c.at("content/reasoning_content is not a string: %s", f)
		}
	}
	st := c.choices[index]
	if st == nil {
		st = &oChoice{}
		c.choices[index] = st
	}
	if string(finish) != "null" {
		var f string
		if json.Unmarshal(finish, &f) != nil {
			return c.at("finish_reason %s", finish)
		}
		switch f {
		case "stop", "length", "tool_calls", "content_filter", "function_call":
		default:
			return c.at("finish_reason %q is not an OpenAI value", f)
		}
		if st.finishes++; st.finishes > 1 {
			return c.at("second non-null finish_reason for choice %d", index)
		}
	}
	if len(d.ToolCalls) == 0 || string(d.ToolCalls) == "null" {
		return nil
	}
	return c.toolCalls(st, d.ToolCalls)
}

// toolCalls checks a delta's tool_calls: a new call (the next index) has
// id, type and name; a continuation repeats none of them.
func (c *openAIChecker) toolCalls(st *oChoice, raw json.RawMessage) error {
	var tcs []struct {
		Index    *int            `json:"index"`
		ID       json.RawMessage `json:"id"`
		Type     json.RawMessage `json:"type"`
		Function *struct {
			Name      json.RawMessage `json:"name"`
			Arguments *string         `json:"arguments"`
		} `json:"function"`
	}
	if err := json.Unmarshal(raw, &tcs); err != nil {
		return c.at("tool_calls: %v", err)
	}
	for _, tc := range tcs {
		if tc.Index == nil || tc.Function == nil || tc.Function.Arguments == nil {
			return c.at("tool call without index, function or function.arguments")
		}
		k := *tc.Index
		switch {
		case k == len(st.calls): // a new call
			var id, typ, name string
			if json.Unmarshal(tc.ID, &id) != nil || id == "" || json.Unmarshal(tc.Type, &typ) != nil ||
				typ != "function" || json.Unmarshal(tc.Function.Name, &name) != nil || name == "" {
				return c.at("first chunk of tool call %d lacks id, type function or name", k)
			}
			st.calls = append(st.calls, &bytes.Buffer{})
		case k >= 0 && k < len(st.calls): // a continuation
			if tc.ID != nil || tc.Type != nil || tc.Function.Name != nil {
				return c.at("continuation of tool call %d repeats id/type/name", k)
			}
		default:
			return c.at("tool_calls index %d: have %d calls, indices must be 0-based and dense", k, len(st.calls))
		}
		st.calls[k].WriteString(*tc.Function.Arguments)
	}
	return nil
}

func unmarshalNumbers(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("trailing data")
	}
	return nil
}

func isJSONObjectText(b []byte) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(b, &m) == nil && m != nil
}

var anthropicToolID = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// CheckAnthropicStream checks an Anthropic Messages stream: every event's
// JSON type equals its event name; message_start comes first (once), with
// input usage of at least 1 and both cache fields; content blocks have
// contiguous indices from 0, each started once and stopped once, at most
// one open at a time, no delta outside its block, delta types matching the
// block type, no empty text block, tool ids matching ^[a-zA-Z0-9_-]+$; then
// one message_delta with a valid stop_reason (tool_use iff a tool_use block
// exists, unless max_tokens/refusal) and usage; message_stop last. An
// `event: error` (with no block left open) may end the stream instead, even
// as its only event.
func CheckAnthropicStream(wire []byte, opts ...CheckOption) error {
	evs, err := ParseWire(wire)
	if err != nil {
		return err
	}
	if len(evs) == 0 {
		return errors.New("empty stream")
	}
	c := anthropicChecker{cfg: newCheckConfig(opts), open: -1}
	for i, ev := range evs {
		c.i, c.name = i, ev.Name
		if err := c.event(ev); err != nil {
			return err
		}
	}
	if c.terminated == "" {
		return errors.New("stream ends without message_stop or an error event")
	}
	return nil
}

// anthropicChecker is CheckAnthropicStream's state between events.
type anthropicChecker struct {
	cfg            checkConfig
	i              int    // the event being checked
	name           string // its name
	started, delta bool   // message_start, message_delta seen
	blocks         []*aBlock
	open           int // the open block, -1 none
	terminated     string
	tools          int // tool_use blocks
}

// aBlock is one content block the checker has seen started.
type aBlock struct {
	kind    string
	stopped bool
	text    bytes.Buffer // text, or tool input JSON
}

// aEvent is the envelope of every Anthropic event.
type aEvent struct {
	Type         string          `json:"type"`
	Index        *int            `json:"index"`
	Message      json.RawMessage `json:"message"`
	ContentBlock json.RawMessage `json:"content_block"`
	Delta        json.RawMessage `json:"delta"`
	Usage        json.RawMessage `json:"usage"`
	Error        json.RawMessage `json:"error"`
}

// at is an error about the event being checked.
func (c *anthropicChecker) at(format string, args ...any) error {
	return fmt.Errorf("event %d (%s): %s", c.i, c.name, fmt.Sprintf(format, args...))
}

func (c *anthropicChecker) event(ev WireEvent) error {
	if c.terminated != "" {
		return c.at("event after %s", c.terminated)
	}
	var e aEvent
	if err := unmarshalNumbers(ev.Data, &e); err != nil {
		return c.at("data is not a JSON event: %q", ev.Data)
	}
	if e.Type != ev.Name || ev.Name == "" {
		return c.at("JSON type %q differs from the event name", e.Type)
	}
	if !c.started && ev.Name != "message_start" && ev.Name != "error" {
		return c.at("first event must be message_start (or error)")
	}
	switch ev.Name {
	case "message_start":
		return c.messageStart(e.Message)
	case "content_block_start":
		return c.blockStart(e.Index, e.ContentBlock)
	case "content_block_delta", "content_block_stop":
		return c.blockEvent(e.Index, e.Delta)
	case "message_delta":
		return c.messageDelta(e.Delta, e.Usage)
	case "message_stop":
		if !c.delta {
			return c.at("message_stop without message_delta")
		}
		c.terminated = "message_stop"
	case "ping":
	case "error":
		return c.errorEvent(ev.Data)
	default:
		return c.at("unknown event")
	}
	return nil
}

// messageStart checks the one message_start: an empty assistant message
// with null stop fields and full usage, input at least 1.
func (c *anthropicChecker) messageStart(raw json.RawMessage) error {
	if c.started {
		return c.at("second message_start")
	}
	c.started = true
	var m struct {
		ID           string            `json:"id"`
		Type         string            `json:"type"`
		Role         string            `json:"role"`
		Content      []json.RawMessage `json:"content"`
		StopReason   json.RawMessage   `json:"stop_reason"`
		StopSequence json.RawMessage   `json:"stop_sequence"`
		Usage        *struct {
			Input  *int `json:"input_tokens"`
			Output *int `json:"output_tokens"`
			CR     *int `json:"cache_read_input_tokens"`
			CC     *int `json:"cache_creation_input_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return c.at("message: %v", err)
	}
	switch {
	case m.ID == "" || m.Type != "message" || m.Role != "assistant":
		return c.at("message needs id, type message, role assistant")
	case m.Content == nil || len(m.Content) != 0:
		return c.at("message.content must be []")
	case string(m.StopReason) != "null" || string(m.StopSequence) != "null":
		return c.at("stop_reason and stop_sequence must be null")
	case m.Usage == nil || m.Usage.Input == nil || m.Usage.Output == nil || m.Usage.CR == nil || m.Usage.CC == nil:
		return c.at("usage needs input, output and both cache fields")
	case *m.Usage.Input+*m.Usage.CR+*m.Usage.CC < 1:
		return c.at("message_start input usage is 0")
	}
	return nil
}

// blockStart checks a content_block_start: the next index, no block open,
// a block of a known shape.
func (c *anthropicChecker) blockStart(index *int, raw json.RawMessage) error {
	if c.delta {
		return c.at("block after message_delta")
	}
	if index == nil || *index != len(c.blocks) {
		return c.at("index %v, want %d (contiguous from 0, each started once)", index, len(c.blocks))
	}
	if c.open >= 0 {
		return c.at("block %d started while block %d is open", *index, c.open)
	}
	var cb struct {
		Type     string          `json:"type"`
		Text     *string         `json:"text"`
		Thinking *string         `json:"thinking"`
		ID       string          `json:"id"`
		Name     string          `json:"name"`
		Input    json.RawMessage `json:"input"`
	}
	if err := json.Unmarshal(raw, &cb); err != nil {
		return c.at("content_block: %v", err)
	}
	b := &aBlock{kind: cb.Type}
	switch cb.Type {
	case "text":
		if cb.Text == nil {
			return c.at("text block without text")
		}
		b.text.WriteString(*cb.Text)
	case "thinking":
		if cb.Thinking == nil {
			return c.at("thinking block without thinking")
		}
	case "tool_use":
		if !anthropicToolID.MatchString(cb.ID) || cb.Name == "" {
			return c.at("tool_use id %q must match ^[a-zA-Z0-9_-]+$ and name must be set", cb.ID)
		}
		if !isJSONObjectText(cb.Input) {
			return c.at("tool_use input must be an object")
		}
		c.tools++
	case "":
		return c.at("content_block without type")
	}
	c.blocks = append(c.blocks, b)
	c.open = *index
	return nil
}

// blockEvent checks a content_block_delta or content_block_stop: it names
// the open block; a stopped text block is not empty.
func (c *anthropicChecker) blockEvent(index *int, delta json.RawMessage) error {
	if index == nil || *index < 0 || *index >= len(c.blocks) {
		return c.at("index %v names no started block", index)
	}
	b := c.blocks[*index]
	if b.stopped {
		return c.at("block %d already stopped", *index)
	}
	if *index != c.open {
		return c.at("block %d is not the open block", *index)
	}
	if c.name == "content_block_delta" {
		return c.blockDelta(b, delta)
	}
	if b.kind == "text" && b.text.Len() == 0 {
		return c.at("empty text block %d", *index)
	}
	b.stopped, c.open = true, -1
	return nil
}

// blockDelta checks a delta's type against its block and that it has its
// field.
func (c *anthropicChecker) blockDelta(b *aBlock, raw json.RawMessage) error {
	var d struct {
		Type        string  `json:"type"`
		Text        *string `json:"text"`
		Thinking    *string `json:"thinking"`
		Signature   *string `json:"signature"`
		PartialJSON *string `json:"partial_json"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return c.at("delta: %v", err)
	}
	want := map[string]string{"text_delta": "text", "citations_delta": "text", "thinking_delta": "thinking",
		"signature_delta": "thinking", "input_json_delta": "tool_use"}[d.Type]
	if want == "" {
		return c.at("unknown delta type %q", d.Type)
	}
	if want != b.kind && !(want == "tool_use" && b.kind == "server_tool_use") {
		return c.at("%s in a %s block", d.Type, b.kind)
	}
	switch {
	case d.Type == "text_delta" && d.Text == nil,
		d.Type == "thinking_delta" && d.Thinking == nil,
		d.Type == "signature_delta" && d.Signature == nil,
		d.Type == "input_json_delta" && d.PartialJSON == nil:
		return c.at("%s without its field", d.Type)
	}
	switch d.Type {
	case "text_delta":
		b.text.WriteString(*d.Text)
	case "input_json_delta":
		b.text.WriteString(*d.PartialJSON)
	}
	return nil
}

// messageDelta checks the one message_delta: no block open, an Anthropic
// stop_reason consistent with the tool_use blocks, usage with
// output_tokens (and complete tool inputs when asked).
func (c *anthropicChecker) messageDelta(delta, usage json.RawMessage) error {
	if c.delta {
		return c.at("second message_delta")
	}
	if c.open >= 0 {
		return c.at("message_delta while block %d is open", c.open)
	}
	c.delta = true
	var d struct {
		StopReason   *string         `json:"stop_reason"`
		StopSequence json.RawMessage `json:"stop_sequence"`
	}
	if err := json.Unmarshal(delta, &d); err != nil || d.StopReason == nil || d.StopSequence == nil {
		return c.at("delta needs stop_reason and stop_sequence: %s", delta)
	}
	switch *d.StopReason {
	case "end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal", "model_context_window_exceeded":
	default:
		return c.at("stop_reason %q is not an Anthropic value", *d.StopReason)
	}
	if *d.StopReason == "tool_use" && c.tools == 0 {
		return c.at("stop_reason tool_use without a tool_use block")
	}
	if c.tools > 0 && (*d.StopReason == "end_turn" || *d.StopReason == "stop_sequence") {
		return c.at("stop_reason %s with %d tool_use blocks", *d.StopReason, c.tools)
	}
	var u struct {
		Input  *int `json:"input_tokens"`
		Output *int `json:"output_tokens"`
		CR     int  `json:"cache_read_input_tokens"`
		CC     int  `json:"cache_creation_input_tokens"`
	}
	if err := json.Unmarshal(usage, &u); err != nil || u.Output == nil {
		return c.at("usage needs output_tokens: %s", usage)
	}
	if c.cfg.usage && *u.Output == 0 && (u.Input == nil || *u.Input == 0) && u.CR == 0 && u.CC == 0 {
		return c.at("usage is zero though the upstream reported usage")
	}
	if c.cfg.toolArgs {
		for k, b := range c.blocks {
			if b.kind == "tool_use" && b.text.Len() > 0 && !isJSONObjectText(b.text.Bytes()) {
				return c.at("tool_use block %d input %q is not a JSON object", k, b.text.String())
			}
		}
	}
	return nil
}

// errorEvent checks an error event: no block open, error.type and
// error.message present.
func (c *anthropicChecker) errorEvent(data []byte) error {
	if c.open >= 0 {
		return c.at("error while block %d is open", c.open)
	}
	var er struct {
		Error *struct {
			Type    *string `json:"type"`
			Message *string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &er) != nil || er.Error == nil || er.Error.Type == nil || er.Error.Message == nil {
		return c.at("error needs error.type and error.message")
	}
	c.terminated = "an error event"
	return nil
}
