package anthropic

import (
	"encoding/json"
	"strconv"

	"switchyard/gateway/jscan"
)

// AppendMessagesRequest appends r as JSON: byte for byte what
// json.Marshal(r) writes (TestAppendMessagesRequest,
// FuzzAppendMessagesRequest), without its reflection; a converted request
// is encoded once per upstream attempt. ok is false where Marshal fails
// (a NaN or infinite number, an invalid raw value): the caller then has
// Marshal say why.
func AppendMessagesRequest(dst []byte, r *MessagesRequest) (out []byte, ok bool) {
	e := encoder{b: dst, ok: true}
	e.b = append(e.b, `{"model":`...)
	e.str(r.Model)
	e.b = append(e.b, `,"max_tokens":`...)
	e.b = strconv.AppendInt(e.b, int64(r.MaxTokens), 10)
	if len(r.System) > 0 {
		e.b = append(e.b, `,"system":`...)
		e.blocks(r.System)
	}
	e.b = append(e.b, `,"messages":`...)
	if r.Messages == nil {
		e.b = append(e.b, "null"...)
	} else {
		e.b = append(e.b, '[')
		for i := range r.Messages {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.b = append(e.b, `{"role":`...)
			e.str(r.Messages[i].Role)
			e.b = append(e.b, `,"content":`...)
			e.blocks(r.Messages[i].Content)
			e.b = append(e.b, '}')
		}
		e.b = append(e.b, ']')
	}
	if r.Metadata != nil {
		e.b = append(e.b, `,"metadata":{`...)
		if r.Metadata.UserID != "" {
			e.b = append(e.b, `"user_id":`...)
			e.str(r.Metadata.UserID)
		}
		e.b = append(e.b, '}')
	}
	if len(r.StopSequences) > 0 {
		e.b = append(e.b, `,"stop_sequences":[`...)
		for i, s := range r.StopSequences {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.str(s)
		}
		e.b = append(e.b, ']')
	}
	if r.Stream {
		e.b = append(e.b, `,"stream":true`...)
	}
	e.floatPtr(`,"temperature":`, r.Temperature)
	e.floatPtr(`,"top_p":`, r.TopP)
	if r.TopK != nil {
		e.b = append(e.b, `,"top_k":`...)
		e.b = strconv.AppendInt(e.b, int64(*r.TopK), 10)
	}
	e.tools(r.Tools)
	if c := r.ToolChoice; c != nil {
		e.b = append(e.b, `,"tool_choice":{"type":`...)
		e.str(c.Type)
		e.optStr(`,"name":`, c.Name)
		if c.DisableParallelToolUse {
			e.b = append(e.b, `,"disable_parallel_tool_use":true`...)
		}
		e.b = append(e.b, '}')
	}
	if t := r.Thinking; t != nil {
		e.b = append(e.b, `,"thinking":{"type":`...)
		e.str(t.Type)
		if t.BudgetTokens != 0 {
			e.b = append(e.b, `,"budget_tokens":`...)
			e.b = strconv.AppendInt(e.b, int64(t.BudgetTokens), 10)
		}
		e.b = append(e.b, '}')
	}
	e.optRaw(`,"output_config":`, r.OutputConfig)
	return append(e.b, '}'), e.ok
}

// encoder writes Marshal's bytes; ok turns false where Marshal fails.
type encoder struct {
	b  []byte
	ok bool
}

func (e *encoder) str(s string) { e.b = jscan.AppendString(e.b, s) }

// optStr writes key and s unless s is empty (omitempty).
func (e *encoder) optStr(key, s string) {
	if s != "" {
		e.b = append(e.b, key...)
		e.str(s)
	}
}

// optStrPtr writes key and *s unless s is nil (omitempty).
func (e *encoder) optStrPtr(key string, s *string) {
	if s != nil {
		e.b = append(e.b, key...)
		e.str(*s)
	}
}

// optRaw writes key and r unless r is empty (omitempty).
func (e *encoder) optRaw(key string, r json.RawMessage) {
	if len(r) > 0 {
		e.b = append(e.b, key...)
		var ok bool
		if e.b, ok = jscan.AppendRaw(e.b, r); !ok {
			e.ok = false
		}
	}
}

func (e *encoder) floatPtr(key string, p *float64) {
	if p != nil {
		e.b = append(e.b, key...)
		var ok bool
		if e.b, ok = jscan.AppendFloat(e.b, *p); !ok {
			e.ok = false
		}
	}
}

// blocks writes a block list (System or Content): null when nil.
func (e *encoder) blocks(bs []Block) {
	if bs == nil {
		e.b = append(e.b, "null"...)
		return
	}
	e.b = append(e.b, '[')
	for i := range bs {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.block(&bs[i])
	}
	e.b = append(e.b, ']')
}

func (e *encoder) block(b *Block) {
	e.b = append(e.b, `{"type":`...)
	e.str(b.Type)
	e.optStrPtr(`,"text":`, b.Text)
	e.optStrPtr(`,"thinking":`, b.Thinking)
	e.optStrPtr(`,"signature":`, b.Signature)
	e.optStr(`,"data":`, b.Data)
	if s := b.Source; s != nil {
		e.b = append(e.b, `,"source":{"type":`...)
		e.str(s.Type)
		e.optStr(`,"media_type":`, s.MediaType)
		e.optStr(`,"data":`, s.Data)
		e.optStr(`,"url":`, s.URL)
		e.b = append(e.b, '}')
	}
	e.optStr(`,"title":`, b.Title)
	e.optStr(`,"id":`, b.ID)
	e.optStr(`,"name":`, b.Name)
	e.optRaw(`,"input":`, b.Input)
	e.optStr(`,"tool_use_id":`, b.ToolUseID)
	if b.Content != nil {
		e.b = append(e.b, `,"content":`...)
		e.blocks(*b.Content)
	}
	if b.IsError {
		e.b = append(e.b, `,"is_error":true`...)
	}
	e.optRaw(`,"cache_control":`, b.CacheControl)
	e.b = append(e.b, '}')
}

func (e *encoder) tools(ts []Tool) {
	if len(ts) == 0 {
		return
	}
	e.b = append(e.b, `,"tools":[`...)
	for i := range ts {
		t := &ts[i]
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.b = append(e.b, '{')
		if t.Type != "" {
			e.b = append(e.b, `"type":`...)
			e.str(t.Type)
			e.b = append(e.b, ',')
		}
		e.b = append(e.b, `"name":`...)
		e.str(t.Name)
		e.optStr(`,"description":`, t.Description)
		e.optRaw(`,"input_schema":`, t.InputSchema)
		e.optRaw(`,"cache_control":`, t.CacheControl)
		e.b = append(e.b, '}')
	}
	e.b = append(e.b, ']')
}
