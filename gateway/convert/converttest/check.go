// Package converttest checks Chat Completions and Anthropic Messages event
// streams for the invariants every client relies on (docs: conversion
// docs/conversion.md §3.3). It is test support: only tests import it, so none of it
// ships in the binary.
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

// WireEvent is one parsed client event.
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
	cfg := newCheckConfig(opts)
	evs, err := ParseWire(wire)
	if err != nil {
		return err
	}
	if len(evs) == 0 {
		return errors.New("empty stream")
	}
	type call struct{ args bytes.Buffer }
	type choice struct {
		calls    []*call
		finishes int
	}
	var (
		id, model  string
		created    json.Number
		chunks     int
		choices    = map[int]*choice{}
		usageAt    = -1
		terminated string
	)
	for i, ev := range evs {
		at := func(format string, args ...any) error {
			return fmt.Errorf("event %d: %s", i, fmt.Sprintf(format, args...))
		}
		if terminated != "" {
			return at("event after %s", terminated)
		}
		if ev.Name != "" {
			return at("OpenAI streams have no event names, got %q", ev.Name)
		}
		if string(ev.Data) == "[DONE]" {
			if chunks == 0 {
				return at("[DONE] without any chunk")
			}
			if usageAt >= 0 && usageAt != i-1 {
				return at("usage chunk %d is not right before [DONE]", usageAt)
			}
			if cfg.usage && usageAt < 0 {
				return at("no usage chunk before [DONE]")
			}
			for ci, c := range choices {
				if c.finishes != 1 {
					return at("choice %d has %d non-null finish_reason, want 1", ci, c.finishes)
				}
				if cfg.toolArgs {
					for k, cl := range c.calls {
						if !isJSONObjectText(cl.args.Bytes()) {
							return at("choice %d tool call %d arguments %q are not a JSON object", ci, k, cl.args.String())
						}
					}
				}
			}
			terminated = "[DONE]"
			continue
		}
		var m map[string]json.RawMessage
		if err := unmarshalNumbers(ev.Data, &m); err != nil || m == nil {
			return at("data is not a JSON object: %q", ev.Data)
		}
		if raw, ok := m["error"]; ok {
			var e struct {
				Error *struct {
					Message *string `json:"message"`
					Type    *string `json:"type"`
				} `json:"error"`
			}
			if json.Unmarshal(ev.Data, &e) != nil || e.Error == nil || e.Error.Message == nil || e.Error.Type == nil {
				return at("error object without message and type: %s", raw)
			}
			terminated = "an error object"
			continue
		}
		var ch struct {
			ID      *string         `json:"id"`
			Object  string          `json:"object"`
			Created *json.Number    `json:"created"`
			Model   *string         `json:"model"`
			Choices json.RawMessage `json:"choices"`
			Usage   json.RawMessage `json:"usage"`
		}
		if err := unmarshalNumbers(ev.Data, &ch); err != nil {
			return at("bad chunk: %v", err)
		}
		if ch.Object != "chat.completion.chunk" {
			return at("object %q, want chat.completion.chunk", ch.Object)
		}
		if ch.ID == nil || *ch.ID == "" || ch.Created == nil || ch.Model == nil {
			return at("chunk without id, created or model")
		}
		if chunks == 0 {
			id, created, model = *ch.ID, *ch.Created, *ch.Model
		} else if *ch.ID != id || *ch.Created != created || *ch.Model != model {
			return at("id/created/model %q/%s/%q differ from the first chunk's %q/%s/%q", *ch.ID, *ch.Created, *ch.Model, id, created, model)
		}
		if usageAt >= 0 {
			return at("chunk after the usage chunk")
		}
		var cs []map[string]json.RawMessage
		if err := json.Unmarshal(ch.Choices, &cs); err != nil || cs == nil {
			return at("choices is not an array of objects: %s", ch.Choices)
		}
		hasUsage := len(ch.Usage) > 0 && string(ch.Usage) != "null"
		if hasUsage {
			if len(cs) != 0 {
				return at("usage chunk with non-empty choices")
			}
			var u struct {
				Prompt     *int `json:"prompt_tokens"`
				Completion *int `json:"completion_tokens"`
				Total      *int `json:"total_tokens"`
			}
			if json.Unmarshal(ch.Usage, &u) != nil || u.Prompt == nil || u.Completion == nil || u.Total == nil {
				return at("usage without prompt/completion/total tokens: %s", ch.Usage)
			}
			if cfg.usage && *u.Prompt == 0 && *u.Completion == 0 {
				return at("usage is zero though the upstream reported usage")
			}
			usageAt = i
		} else if len(cs) == 0 {
			return at("chunk with neither choices nor usage")
		}
		for _, cm := range cs {
			delta, finish := cm["delta"], cm["finish_reason"]
			var index int
			if delta == nil || finish == nil || json.Unmarshal(cm["index"], &index) != nil {
				return at("choice without index, delta or finish_reason")
			}
			var d struct {
				Role      *string         `json:"role"`
				Content   json.RawMessage `json:"content"`
				Reasoning json.RawMessage `json:"reasoning_content"`
				ToolCalls json.RawMessage `json:"tool_calls"`
			}
			if err := json.Unmarshal(delta, &d); err != nil || string(delta) == "null" {
				return at("delta is not an object: %s", delta)
			}
			if chunks == 0 && (d.Role == nil || *d.Role != "assistant") {
				return at(`first chunk has no delta.role "assistant"`)
			}
			if d.Role != nil && *d.Role != "assistant" {
				return at("delta.role %q", *d.Role)
			}
			for _, f := range []json.RawMessage{d.Content, d.Reasoning} {
				var s *string
				if len(f) > 0 && json.Unmarshal(f, &s) != nil {
					return at("content/reasoning_content is not a string: %s", f)
				}
			}
			st := choices[index]
			if st == nil {
				st = &choice{}
				choices[index] = st
			}
			if string(finish) != "null" {
				var f string
				if json.Unmarshal(finish, &f) != nil {
					return at("finish_reason %s", finish)
				}
				switch f {
				case "stop", "length", "tool_calls", "content_filter", "function_call":
				default:
					return at("finish_reason %q is not an OpenAI value", f)
				}
				if st.finishes++; st.finishes > 1 {
					return at("second non-null finish_reason for choice %d", index)
				}
			}
			if len(d.ToolCalls) == 0 || string(d.ToolCalls) == "null" {
				continue
			}
			var tcs []struct {
				Index    *int            `json:"index"`
				ID       json.RawMessage `json:"id"`
				Type     json.RawMessage `json:"type"`
				Function *struct {
					Name      json.RawMessage `json:"name"`
					Arguments *string         `json:"arguments"`
				} `json:"function"`
			}
			if err := json.Unmarshal(d.ToolCalls, &tcs); err != nil {
				return at("tool_calls: %v", err)
			}
			for _, tc := range tcs {
				if tc.Index == nil || tc.Function == nil || tc.Function.Arguments == nil {
					return at("tool call without index, function or function.arguments")
				}
				k := *tc.Index
				switch {
				case k == len(st.calls): // a new call
					var id, typ, name string
					if json.Unmarshal(tc.ID, &id) != nil || id == "" || json.Unmarshal(tc.Type, &typ) != nil ||
						typ != "function" || json.Unmarshal(tc.Function.Name, &name) != nil || name == "" {
						return at("first chunk of tool call %d lacks id, type function or name", k)
					}
					st.calls = append(st.calls, &call{})
				case k >= 0 && k < len(st.calls): // a continuation
					if tc.ID != nil || tc.Type != nil || tc.Function.Name != nil {
						return at("continuation of tool call %d repeats id/type/name", k)
					}
				default:
					return at("tool_calls index %d: have %d calls, indices must be 0-based and dense", k, len(st.calls))
				}
				st.calls[k].args.WriteString(*tc.Function.Arguments)
			}
		}
		chunks++
	}
	if terminated == "" {
		return errors.New("stream ends without [DONE] or an error object")
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
	cfg := newCheckConfig(opts)
	evs, err := ParseWire(wire)
	if err != nil {
		return err
	}
	if len(evs) == 0 {
		return errors.New("empty stream")
	}
	type block struct {
		kind    string
		stopped bool
		text    bytes.Buffer // text, or tool input JSON
	}
	var (
		started, delta bool
		blocks         []*block
		open           = -1
		terminated     string
		tools          int
	)
	for i, ev := range evs {
		at := func(format string, args ...any) error {
			return fmt.Errorf("event %d (%s): %s", i, ev.Name, fmt.Sprintf(format, args...))
		}
		if terminated != "" {
			return at("event after %s", terminated)
		}
		var e struct {
			Type         string          `json:"type"`
			Index        *int            `json:"index"`
			Message      json.RawMessage `json:"message"`
			ContentBlock json.RawMessage `json:"content_block"`
			Delta        json.RawMessage `json:"delta"`
			Usage        json.RawMessage `json:"usage"`
			Error        json.RawMessage `json:"error"`
		}
		if err := unmarshalNumbers(ev.Data, &e); err != nil {
			return at("data is not a JSON event: %q", ev.Data)
		}
		if e.Type != ev.Name || ev.Name == "" {
			return at("JSON type %q differs from the event name", e.Type)
		}
		if !started && ev.Name != "message_start" && ev.Name != "error" {
			return at("first event must be message_start (or error)")
		}
		switch ev.Name {
		case "message_start":
			if started {
				return at("second message_start")
			}
			started = true
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
			if err := json.Unmarshal(e.Message, &m); err != nil {
				return at("message: %v", err)
			}
			switch {
			case m.ID == "" || m.Type != "message" || m.Role != "assistant":
				return at("message needs id, type message, role assistant")
			case m.Content == nil || len(m.Content) != 0:
				return at("message.content must be []")
			case string(m.StopReason) != "null" || string(m.StopSequence) != "null":
				return at("stop_reason and stop_sequence must be null")
			case m.Usage == nil || m.Usage.Input == nil || m.Usage.Output == nil || m.Usage.CR == nil || m.Usage.CC == nil:
				return at("usage needs input, output and both cache fields")
			case *m.Usage.Input+*m.Usage.CR+*m.Usage.CC < 1:
				return at("message_start input usage is 0")
			}
		case "content_block_start":
			if delta {
				return at("block after message_delta")
			}
			if e.Index == nil || *e.Index != len(blocks) {
				return at("index %v, want %d (contiguous from 0, each started once)", e.Index, len(blocks))
			}
			if open >= 0 {
				return at("block %d started while block %d is open", *e.Index, open)
			}
			var cb struct {
				Type     string          `json:"type"`
				Text     *string         `json:"text"`
				Thinking *string         `json:"thinking"`
				ID       string          `json:"id"`
				Name     string          `json:"name"`
				Input    json.RawMessage `json:"input"`
			}
			if err := json.Unmarshal(e.ContentBlock, &cb); err != nil {
				return at("content_block: %v", err)
			}
			b := &block{kind: cb.Type}
			switch cb.Type {
			case "text":
				if cb.Text == nil {
					return at("text block without text")
				}
				b.text.WriteString(*cb.Text)
			case "thinking":
				if cb.Thinking == nil {
					return at("thinking block without thinking")
				}
			case "tool_use":
				if !anthropicToolID.MatchString(cb.ID) || cb.Name == "" {
					return at("tool_use id %q must match ^[a-zA-Z0-9_-]+$ and name must be set", cb.ID)
				}
				if !isJSONObjectText(cb.Input) {
					return at("tool_use input must be an object")
				}
				tools++
			case "":
				return at("content_block without type")
			}
			blocks = append(blocks, b)
			open = *e.Index
		case "content_block_delta", "content_block_stop":
			if e.Index == nil || *e.Index < 0 || *e.Index >= len(blocks) {
				return at("index %v names no started block", e.Index)
			}
			b := blocks[*e.Index]
			if b.stopped {
				return at("block %d already stopped", *e.Index)
			}
			if *e.Index != open {
				return at("block %d is not the open block", *e.Index)
			}
			if ev.Name == "content_block_stop" {
				if b.kind == "text" && b.text.Len() == 0 {
					return at("empty text block %d", *e.Index)
				}
				b.stopped, open = true, -1
				break
			}
			var d struct {
				Type        string  `json:"type"`
				Text        *string `json:"text"`
				Thinking    *string `json:"thinking"`
				Signature   *string `json:"signature"`
				PartialJSON *string `json:"partial_json"`
			}
			if err := json.Unmarshal(e.Delta, &d); err != nil {
				return at("delta: %v", err)
			}
			want := map[string]string{"text_delta": "text", "citations_delta": "text", "thinking_delta": "thinking",
				"signature_delta": "thinking", "input_json_delta": "tool_use"}[d.Type]
			if want == "" {
				return at("unknown delta type %q", d.Type)
			}
			if want != b.kind && !(want == "tool_use" && b.kind == "server_tool_use") {
				return at("%s in a %s block", d.Type, b.kind)
			}
			switch {
			case d.Type == "text_delta" && d.Text == nil,
				d.Type == "thinking_delta" && d.Thinking == nil,
				d.Type == "signature_delta" && d.Signature == nil,
				d.Type == "input_json_delta" && d.PartialJSON == nil:
				return at("%s without its field", d.Type)
			}
			switch d.Type {
			case "text_delta":
				b.text.WriteString(*d.Text)
			case "input_json_delta":
				b.text.WriteString(*d.PartialJSON)
			}
		case "message_delta":
			if delta {
				return at("second message_delta")
			}
			if open >= 0 {
				return at("message_delta while block %d is open", open)
			}
			delta = true
			var d struct {
				StopReason   *string         `json:"stop_reason"`
				StopSequence json.RawMessage `json:"stop_sequence"`
			}
			if err := json.Unmarshal(e.Delta, &d); err != nil || d.StopReason == nil || d.StopSequence == nil {
				return at("delta needs stop_reason and stop_sequence: %s", e.Delta)
			}
			switch *d.StopReason {
			case "end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal", "model_context_window_exceeded":
			default:
				return at("stop_reason %q is not an Anthropic value", *d.StopReason)
			}
			if *d.StopReason == "tool_use" && tools == 0 {
				return at("stop_reason tool_use without a tool_use block")
			}
			if tools > 0 && (*d.StopReason == "end_turn" || *d.StopReason == "stop_sequence") {
				return at("stop_reason %s with %d tool_use blocks", *d.StopReason, tools)
			}
			var u struct {
				Input  *int `json:"input_tokens"`
				Output *int `json:"output_tokens"`
				CR     int  `json:"cache_read_input_tokens"`
				CC     int  `json:"cache_creation_input_tokens"`
			}
			if err := json.Unmarshal(e.Usage, &u); err != nil || u.Output == nil {
				return at("usage needs output_tokens: %s", e.Usage)
			}
			if cfg.usage && *u.Output == 0 && (u.Input == nil || *u.Input == 0) && u.CR == 0 && u.CC == 0 {
				return at("usage is zero though the upstream reported usage")
			}
			if cfg.toolArgs {
				for k, b := range blocks {
					if b.kind == "tool_use" && b.text.Len() > 0 && !isJSONObjectText(b.text.Bytes()) {
						return at("tool_use block %d input %q is not a JSON object", k, b.text.String())
					}
				}
			}
		case "message_stop":
			if !delta {
				return at("message_stop without message_delta")
			}
			terminated = "message_stop"
		case "ping":
		case "error":
			if open >= 0 {
				return at("error while block %d is open", open)
			}
			var er struct {
				Error *struct {
					Type    *string `json:"type"`
					Message *string `json:"message"`
				} `json:"error"`
			}
			if json.Unmarshal(ev.Data, &er) != nil || er.Error == nil || er.Error.Type == nil || er.Error.Message == nil {
				return at("error needs error.type and error.message")
			}
			terminated = "an error event"
		default:
			return at("unknown event")
		}
	}
	if terminated == "" {
		return errors.New("stream ends without message_stop or an error event")
	}
	return nil
}
