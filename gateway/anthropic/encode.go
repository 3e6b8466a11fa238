package anthropic

import (
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
	e := encoder{jscan.Encoder{B: dst, OK: true}}
	e.B = append(e.B, `{"model":`...)
	e.Str(r.Model)
	e.B = append(e.B, `,"max_tokens":`...)
	e.B = strconv.AppendInt(e.B, int64(r.MaxTokens), 10)
	if len(r.System) > 0 {
		e.B = append(e.B, `,"system":`...)
		e.blocks(r.System)
	}
	e.B = append(e.B, `,"messages":`...)
	if r.Messages == nil {
		e.B = append(e.B, "null"...)
	} else {
		e.B = append(e.B, '[')
		for i := range r.Messages {
			if i > 0 {
				e.B = append(e.B, ',')
			}
			e.B = append(e.B, `{"role":`...)
			e.Str(r.Messages[i].Role)
			e.B = append(e.B, `,"content":`...)
			e.blocks(r.Messages[i].Content)
			e.B = append(e.B, '}')
		}
		e.B = append(e.B, ']')
	}
	if r.Metadata != nil {
		e.B = append(e.B, `,"metadata":{`...)
		e.OptStr(`"user_id":`, r.Metadata.UserID)
		e.B = append(e.B, '}')
	}
	if len(r.StopSequences) > 0 {
		e.B = append(e.B, `,"stop_sequences":[`...)
		for i, s := range r.StopSequences {
			if i > 0 {
				e.B = append(e.B, ',')
			}
			e.Str(s)
		}
		e.B = append(e.B, ']')
	}
	if r.Stream {
		e.B = append(e.B, `,"stream":true`...)
	}
	e.OptFloatPtr(`,"temperature":`, r.Temperature)
	e.OptFloatPtr(`,"top_p":`, r.TopP)
	e.OptIntPtr(`,"top_k":`, r.TopK)
	e.tools(r.Tools)
	if c := r.ToolChoice; c != nil {
		e.B = append(e.B, `,"tool_choice":{"type":`...)
		e.Str(c.Type)
		e.OptStr(`,"name":`, c.Name)
		if c.DisableParallelToolUse {
			e.B = append(e.B, `,"disable_parallel_tool_use":true`...)
		}
		e.B = append(e.B, '}')
	}
	if t := r.Thinking; t != nil {
		e.B = append(e.B, `,"thinking":{"type":`...)
		e.Str(t.Type)
		if t.BudgetTokens != 0 {
			e.B = append(e.B, `,"budget_tokens":`...)
			e.B = strconv.AppendInt(e.B, int64(t.BudgetTokens), 10)
		}
		e.B = append(e.B, '}')
	}
	e.OptRaw(`,"output_config":`, r.OutputConfig)
	return append(e.B, '}'), e.OK
}

// encoder writes Marshal's bytes (jscan.Encoder) for the messages types.
type encoder struct{ jscan.Encoder }

// blocks writes a block list (System or Content): null when nil.
func (e *encoder) blocks(bs []Block) {
	if bs == nil {
		e.B = append(e.B, "null"...)
		return
	}
	e.B = append(e.B, '[')
	for i := range bs {
		if i > 0 {
			e.B = append(e.B, ',')
		}
		e.block(&bs[i])
	}
	e.B = append(e.B, ']')
}

func (e *encoder) block(b *Block) {
	e.B = append(e.B, `{"type":`...)
	e.Str(b.Type)
	e.OptStrPtr(`,"text":`, b.Text)
	e.OptStrPtr(`,"thinking":`, b.Thinking)
	e.OptStrPtr(`,"signature":`, b.Signature)
	e.OptStr(`,"data":`, b.Data)
	if s := b.Source; s != nil {
		e.B = append(e.B, `,"source":{"type":`...)
		e.Str(s.Type)
		e.OptStr(`,"media_type":`, s.MediaType)
		e.OptStr(`,"data":`, s.Data)
		e.OptStr(`,"url":`, s.URL)
		e.B = append(e.B, '}')
	}
	e.OptStr(`,"title":`, b.Title)
	e.OptStr(`,"id":`, b.ID)
	e.OptStr(`,"name":`, b.Name)
	e.OptRaw(`,"input":`, b.Input)
	e.OptStr(`,"tool_use_id":`, b.ToolUseID)
	if b.Content != nil {
		e.B = append(e.B, `,"content":`...)
		e.blocks(*b.Content)
	}
	if b.IsError {
		e.B = append(e.B, `,"is_error":true`...)
	}
	e.OptRaw(`,"cache_control":`, b.CacheControl)
	e.B = append(e.B, '}')
}

func (e *encoder) tools(ts []Tool) {
	if len(ts) == 0 {
		return
	}
	e.B = append(e.B, `,"tools":[`...)
	for i := range ts {
		t := &ts[i]
		if i > 0 {
			e.B = append(e.B, ',')
		}
		e.B = append(e.B, '{')
		if t.Type != "" {
			e.B = append(e.B, `"type":`...)
			e.Str(t.Type)
			e.B = append(e.B, ',')
		}
		e.B = append(e.B, `"name":`...)
		e.Str(t.Name)
		e.OptStr(`,"description":`, t.Description)
		e.OptRaw(`,"input_schema":`, t.InputSchema)
		e.OptRaw(`,"cache_control":`, t.CacheControl)
		e.B = append(e.B, '}')
	}
	e.B = append(e.B, ']')
}
