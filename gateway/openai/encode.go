package openai

import (
	"encoding/json"
	"strconv"

	"switchyard/gateway/jscan"
)

// AppendChatRequest appends r as JSON: byte for byte what json.Marshal(r)
// writes (TestAppendChatRequest, FuzzAppendChatRequest), without its
// reflection; a converted request is encoded once per upstream attempt.
// ok is false where Marshal fails (a NaN or infinite number, an invalid
// raw value): the caller then has Marshal say why.
func AppendChatRequest(dst []byte, r *ChatRequest) (out []byte, ok bool) {
	e := encoder{b: dst, ok: true}
	e.b = append(e.b, `{"model":`...)
	e.str(r.Model)
	e.b = append(e.b, `,"messages":`...)
	if r.Messages == nil {
		e.b = append(e.b, "null"...)
	} else {
		e.b = append(e.b, '[')
		for i := range r.Messages {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.message(&r.Messages[i])
		}
		e.b = append(e.b, ']')
	}
	e.intPtr(`,"max_tokens":`, r.MaxTokens)
	e.intPtr(`,"max_completion_tokens":`, r.MaxCompletionTokens)
	e.floatPtr(`,"temperature":`, r.Temperature)
	e.floatPtr(`,"top_p":`, r.TopP)
	e.intPtr(`,"top_k":`, r.TopK)
	if len(r.Stop) > 0 {
		e.b = append(e.b, `,"stop":[`...)
		for i, s := range r.Stop {
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
	if r.StreamOptions != nil {
		e.b = append(e.b, `,"stream_options":{"include_usage":`...)
		e.b = append(strconv.AppendBool(e.b, r.StreamOptions.IncludeUsage), '}')
	}
	e.intPtr(`,"n":`, r.N)
	e.optStr(`,"user":`, r.User)
	if len(r.Tools) > 0 {
		e.b = append(e.b, `,"tools":[`...)
		for i := range r.Tools {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.tool(&r.Tools[i])
		}
		e.b = append(e.b, ']')
	}
	e.optRaw(`,"tool_choice":`, r.ToolChoice)
	if r.ParallelToolCalls != nil {
		e.b = append(e.b, `,"parallel_tool_calls":`...)
		e.b = strconv.AppendBool(e.b, *r.ParallelToolCalls)
	}
	e.optStr(`,"reasoning_effort":`, r.ReasoningEffort)
	e.optRaw(`,"response_format":`, r.ResponseFormat)
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

func (e *encoder) raw(r json.RawMessage) {
	if r == nil { // RawMessage's MarshalJSON
		e.b = append(e.b, "null"...)
		return
	}
	var ok bool
	if e.b, ok = jscan.AppendRaw(e.b, r); !ok {
		e.ok = false
	}
}

// optRaw writes key and r unless r is empty (omitempty).
func (e *encoder) optRaw(key string, r json.RawMessage) {
	if len(r) > 0 {
		e.b = append(e.b, key...)
		e.raw(r)
	}
}

func (e *encoder) intPtr(key string, p *int) {
	if p != nil {
		e.b = append(e.b, key...)
		e.b = strconv.AppendInt(e.b, int64(*p), 10)
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

func (e *encoder) message(m *Message) {
	e.b = append(e.b, `{"role":`...)
	e.str(m.Role)
	e.b = append(e.b, `,"content":`...)
	e.content(m.Content)
	e.optStr(`,"name":`, m.Name)
	if len(m.ToolCalls) > 0 {
		e.b = append(e.b, `,"tool_calls":[`...)
		for i := range m.ToolCalls {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.toolCall(&m.ToolCalls[i])
		}
		e.b = append(e.b, ']')
	}
	e.optStr(`,"tool_call_id":`, m.ToolCallID)
	e.optStr(`,"reasoning_content":`, m.ReasoningContent)
	e.optStr(`,"refusal":`, m.Refusal)
	e.optStr(`,"reasoning":`, m.Reasoning)
	if len(m.ThinkingBlocks) > 0 {
		e.b = append(e.b, `,"thinking_blocks":[`...)
		for i, t := range m.ThinkingBlocks {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.b = append(e.b, `{"type":`...)
			e.str(t.Type)
			e.optStr(`,"thinking":`, t.Thinking)
			e.optStr(`,"signature":`, t.Signature)
			e.optStr(`,"data":`, t.Data)
			e.b = append(e.b, '}')
		}
		e.b = append(e.b, ']')
	}
	e.optRaw(`,"cache_control":`, m.CacheControl)
	e.b = append(e.b, '}')
}

// content writes what Content.MarshalJSON does: a string, parts or null.
func (e *encoder) content(c Content) {
	switch {
	case c.Text != nil:
		e.str(*c.Text)
	case c.Parts != nil:
		e.b = append(e.b, '[')
		for i := range c.Parts {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.part(&c.Parts[i])
		}
		e.b = append(e.b, ']')
	default:
		e.b = append(e.b, "null"...)
	}
}

func (e *encoder) part(p *ContentPart) {
	e.b = append(e.b, `{"type":`...)
	e.str(p.Type)
	e.optStr(`,"text":`, p.Text)
	if p.ImageURL != nil {
		e.b = append(e.b, `,"image_url":{"url":`...)
		e.str(p.ImageURL.URL)
		e.optStr(`,"detail":`, p.ImageURL.Detail)
		e.b = append(e.b, '}')
	}
	if f := p.File; f != nil {
		e.b = append(e.b, `,"file":{`...)
		n := len(e.b)
		e.optStr(`,"file_data":`, f.FileData)
		e.optStr(`,"file_id":`, f.FileID)
		e.optStr(`,"filename":`, f.Filename)
		if len(e.b) > n {
			e.b = append(e.b[:n], e.b[n+1:]...) // the first member's comma
		}
		e.b = append(e.b, '}')
	}
	e.optStr(`,"refusal":`, p.Refusal)
	e.optRaw(`,"cache_control":`, p.CacheControl)
	e.b = append(e.b, '}')
}

func (e *encoder) toolCall(t *ToolCall) {
	e.b = append(e.b, '{')
	n := len(e.b)
	e.intPtr(`,"index":`, t.Index)
	e.optStr(`,"id":`, t.ID)
	e.optStr(`,"type":`, t.Type)
	e.b = append(e.b, `,"function":{`...)
	m := len(e.b)
	e.optStr(`,"name":`, t.Function.Name)
	e.b = append(e.b, `,"arguments":`...)
	e.b = append(e.b[:m], e.b[m+1:]...) // the function's first member's comma
	e.str(t.Function.Arguments)
	e.b = append(e.b, "}}"...)
	e.b = append(e.b[:n], e.b[n+1:]...) // the first member's comma
}

func (e *encoder) tool(t *Tool) {
	e.b = append(e.b, `{"type":`...)
	e.str(t.Type)
	e.b = append(e.b, `,"function":{"name":`...)
	e.str(t.Function.Name)
	e.optStr(`,"description":`, t.Function.Description)
	e.optRaw(`,"parameters":`, t.Function.Parameters)
	if t.Function.Strict != nil {
		e.b = append(e.b, `,"strict":`...)
		e.b = strconv.AppendBool(e.b, *t.Function.Strict)
	}
	e.b = append(e.b, '}')
	e.optRaw(`,"cache_control":`, t.CacheControl)
	e.b = append(e.b, '}')
}

// AppendUsage appends u as json.Marshal encodes it (the same bytes),
// without reflection: a converted stream's last chunk carries it.
func AppendUsage(dst []byte, u *Usage) []byte {
	dst = append(dst, `{"prompt_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.PromptTokens), 10)
	dst = append(dst, `,"completion_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.CompletionTokens), 10)
	dst = append(dst, `,"total_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.TotalTokens), 10)
	if d := u.PromptTokensDetails; d != nil {
		dst = append(dst, `,"prompt_tokens_details":{"cached_tokens":`...)
		dst = strconv.AppendInt(dst, int64(d.CachedTokens), 10)
		if d.CacheWriteTokens != 0 {
			dst = append(dst, `,"cache_write_tokens":`...)
			dst = strconv.AppendInt(dst, int64(d.CacheWriteTokens), 10)
		}
		dst = append(dst, '}')
	}
	if d := u.CompletionTokensDetails; d != nil {
		dst = append(dst, `,"completion_tokens_details":{`...)
		if d.ReasoningTokens != 0 {
			dst = append(dst, `"reasoning_tokens":`...)
			dst = strconv.AppendInt(dst, int64(d.ReasoningTokens), 10)
		}
		dst = append(dst, '}')
	}
	if p := u.CacheCreationInputTokens; p != nil {
		dst = append(dst, `,"cache_creation_input_tokens":`...)
		dst = strconv.AppendInt(dst, int64(*p), 10)
	}
	if p := u.CacheReadInputTokens; p != nil {
		dst = append(dst, `,"cache_read_input_tokens":`...)
		dst = strconv.AppendInt(dst, int64(*p), 10)
	}
	return append(dst, '}')
}
