// Package responsestest checks Responses API event streams for the
// invariants every client relies on. It is test support: only tests
// import it.
package responsestest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"switchyard/gateway/sse"
)

type event struct {
	Type         string          `json:"type"`
	Seq          *int            `json:"sequence_number"`
	ItemID       string          `json:"item_id"`
	OutputIndex  *int            `json:"output_index"`
	ContentIndex *int            `json:"content_index"`
	Item         *item           `json:"item"`
	Delta        *string         `json:"delta"`
	Arguments    *string         `json:"arguments"`
	Text         *string         `json:"text"`
	Response     json.RawMessage `json:"response"`
}

type item struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Arguments string `json:"arguments"`
}

type state struct {
	added, done bool
	typ         string
	parts       map[int]int // content/summary index -> 1 added, 2 done
	args        []byte
}

// Option tunes Check.
type Option func(*config)

type config struct{ validArgs bool }

// ValidArguments makes Check require valid JSON arguments at done.
func ValidArguments() Option { return func(c *config) { c.validArgs = true } }

// Check verifies one Responses stream: every event's `event:` name equals
// its data's type; sequence_number runs 0, 1, 2, …; the stream starts with
// response.created; items are added with dense output_index in order,
// get deltas only between added and done, and are done exactly once;
// content parts are added before their deltas and done once; function
// call arguments at done equal the concatenated deltas and are valid JSON;
// exactly one terminal event (response.completed, response.incomplete or
// response.failed) ends the stream, and nothing follows it. A completed
// stream has every item done.
//
// With ValidArguments, function call arguments at done must also be valid
// JSON (true of every well-behaved upstream; an upstream that sends broken
// arguments gets them passed on as they are).
func Check(wire []byte, opts ...Option) error {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	r := sse.NewReader(bytes.NewReader(wire))
	items := map[string]*state{}
	next, nextIndex := 0, 0
	terminal := ""
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("reading: %w", err)
		}
		if terminal != "" {
			return fmt.Errorf("event %q after %s", ev.Name, terminal)
		}
		var e event
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return fmt.Errorf("event %d: invalid JSON: %v", next, err)
		}
		if ev.Name != e.Type {
			return fmt.Errorf("event %d: name %q but type %q", next, ev.Name, e.Type)
		}
		if e.Seq == nil || *e.Seq != next {
			return fmt.Errorf("event %d (%s): sequence_number %v", next, e.Type, e.Seq)
		}
		if next == 0 && e.Type != "response.created" {
			return fmt.Errorf("first event is %s, not response.created", e.Type)
		}
		next++
		if err := checkEvent(&e, items, &nextIndex, &terminal, cfg); err != nil {
			return fmt.Errorf("event %d (%s): %w", next-1, e.Type, err)
		}
	}
	if terminal == "" {
		return fmt.Errorf("no terminal event (response.completed/incomplete/failed)")
	}
	if terminal != "response.failed" {
		for id, s := range items {
			if !s.done {
				return fmt.Errorf("item %s never done before %s", id, terminal)
			}
		}
	}
	return nil
}

func checkEvent(e *event, items map[string]*state, nextIndex *int, terminal *string, cfg config) error {
	switch e.Type {
	case "response.created", "response.in_progress":
		return nil
	case "response.completed", "response.incomplete", "response.failed":
		if len(e.Response) == 0 {
			return fmt.Errorf("no response object")
		}
		*terminal = e.Type
		return nil
	case "error":
		*terminal = e.Type
		return nil
	case "response.output_item.added":
		if e.Item == nil || e.Item.ID == "" || e.OutputIndex == nil {
			return fmt.Errorf("item or output_index missing")
		}
		if *e.OutputIndex != *nextIndex {
			return fmt.Errorf("output_index %d, want %d", *e.OutputIndex, *nextIndex)
		}
		if items[e.Item.ID] != nil {
			return fmt.Errorf("item %s added twice", e.Item.ID)
		}
		*nextIndex++
		items[e.Item.ID] = &state{added: true, typ: e.Item.Type, parts: map[int]int{}}
		return nil
	case "response.output_item.done":
		if e.Item == nil {
			return fmt.Errorf("no item")
		}
		s := items[e.Item.ID]
		if s == nil || s.done {
			return fmt.Errorf("item %s done without being open", e.Item.ID)
		}
		for i, p := range s.parts {
			if p != 2 {
				return fmt.Errorf("item %s done with part %d open", e.Item.ID, i)
			}
		}
		if s.typ == "function_call" && e.Item.Arguments != string(s.args) && len(s.args) > 0 {
			return fmt.Errorf("item %s arguments %q, deltas %q", e.Item.ID, e.Item.Arguments, s.args)
		}
		s.done = true
		return nil
	}
	return checkItemEvent(e, items, cfg)
}

func checkItemEvent(e *event, items map[string]*state, cfg config) error {
	s := items[e.ItemID]
	if s == nil || s.done {
		return fmt.Errorf("event for item %q that is not open", e.ItemID)
	}
	idx := 0
	if e.ContentIndex != nil {
		idx = *e.ContentIndex
	}
	switch e.Type {
	case "response.content_part.added", "response.reasoning_summary_part.added":
		if s.parts[idx] != 0 {
			return fmt.Errorf("part %d added twice", idx)
		}
		s.parts[idx] = 1
	case "response.content_part.done", "response.reasoning_summary_part.done":
		if s.parts[idx] != 1 {
			return fmt.Errorf("part %d done without being open", idx)
		}
		s.parts[idx] = 2
	case "response.output_text.delta", "response.output_text.done", "response.refusal.delta",
		"response.reasoning_summary_text.delta", "response.reasoning_summary_text.done":
		if s.parts[idx] != 1 {
			return fmt.Errorf("text for part %d that is not open", idx)
		}
	case "response.function_call_arguments.delta":
		if e.Delta == nil {
			return fmt.Errorf("no delta")
		}
		s.args = append(s.args, *e.Delta...)
	case "response.function_call_arguments.done":
		if e.Arguments == nil {
			return fmt.Errorf("no arguments at done")
		}
		if cfg.validArgs && !json.Valid([]byte(*e.Arguments)) {
			return fmt.Errorf("arguments at done are not valid JSON: %q", *e.Arguments)
		}
		if len(s.args) > 0 && *e.Arguments != string(s.args) {
			return fmt.Errorf("arguments %q differ from deltas %q", *e.Arguments, s.args)
		}
		s.args = []byte(*e.Arguments)
	case "response.custom_tool_call_input.delta", "response.custom_tool_call_input.done":
	default:
		return fmt.Errorf("unknown event type")
	}
	return nil
}
