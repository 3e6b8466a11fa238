package openai

import (
	"strconv"

	"switchyard/gateway/jscan"
)

// AppendChatRequest appends r as JSON: byte for byte what json.Marshal(r)
// writes (TestAppendChatRequest, FuzzAppendChatRequest), without its
// reflection; a converted request is encoded once per upstream attempt.
// ok is false where Marshal fails (a NaN or infinite number, an invalid
// raw value): the caller then has Marshal say why.
func AppendChatRequest(dst []byte, r *ChatRequest) (out []byte, ok bool) {
	e := encoder{jscan.Encoder{B: dst, OK: true}}
	e.B = append(e.B, `{"model":`...)
	e.Str(r.Model)
	e.B = append(e.B, `,"messages":`...)
	if r.Messages == nil {
		e.B = append(e.B, "null"...)
	} else {
		e.B = append(e.B, '[')
		for i := range r.Messages {
			if i > 0 {
				e.B = append(e.B, ',')
			}
			e.message(&r.Messages[i])
		}
		e.B = append(e.B, ']')
	}
	e.OptIntPtr(`,"max_tokens":`, r.MaxTokens)
	e.OptIntPtr(`,"max_completion_tokens":`, r.MaxCompletionTokens)
	e.OptFloatPtr(`,"temperature":`, r.Temperature)
	e.OptFloatPtr(`,"top_p":`, r.TopP)
	e.OptIntPtr(`,"top_k":`, r.TopK)
	if len(r.Stop) > 0 {
		e.B = append(e.B, `,"stop":[`...)
		for i, s := range r.Stop {
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
	if r.StreamOptions != nil {
		e.B = append(e.B, `,"stream_options":{"include_usage":`...)
		e.B = append(strconv.AppendBool(e.B, r.StreamOptions.IncludeUsage), '}')
	}
	e.OptIntPtr(`,"n":`, r.N)
	e.OptStr(`,"user":`, r.User)
	if len(r.Tools) > 0 {
		e.B = append(e.B, `,"tools":[`...)
		for i := range r.Tools {
			if i > 0 {
				e.B = append(e.B, ',')
			}
			e.tool(&r.Tools[i])
		}
		e.B = append(e.B, ']')
	}
	e.OptRaw(`,"tool_choice":`, r.ToolChoice)
	if r.ParallelToolCalls != nil {
		e.B = append(e.B, `,"parallel_tool_calls":`...)
		e.B = strconv.AppendBool(e.B, *r.ParallelToolCalls)
	}
	e.OptStr(`,"reasoning_effort":`, r.ReasoningEffort)
	e.OptRaw(`,"response_format":`, r.ResponseFormat)
	return append(e.B, '}'), e.OK
}

// encoder writes Marshal's bytes (jscan.Encoder) for the chat types.
type encoder struct{ jscan.Encoder }

func (e *encoder) message(m *Message) {
	e.B = append(e.B, `{"role":`...)
	e.Str(m.Role)
	e.B = append(e.B, `,"content":`...)
	e.content(m.Content)
	e.OptStr(`,"name":`, m.Name)
	if len(m.ToolCalls) > 0 {
		e.B = append(e.B, `,"tool_calls":[`...)
		for i := range m.ToolCalls {
			if i > 0 {
				e.B = append(e.B, ',')
			}
			e.toolCall(&m.ToolCalls[i])
		}
		e.B = append(e.B, ']')
	}
	e.OptStr(`,"tool_call_id":`, m.ToolCallID)
	e.OptStr(`,"reasoning_content":`, m.ReasoningContent)
	e.OptStr(`,"refusal":`, m.Refusal)
	e.OptStr(`,"reasoning":`, m.Reasoning)
	if len(m.ThinkingBlocks) > 0 {
		e.B = append(e.B, `,"thinking_blocks":[`...)
		for i, t := range m.ThinkingBlocks {
			if i > 0 {
				e.B = append(e.B, ',')
			}
			e.B = append(e.B, `{"type":`...)
			e.Str(t.Type)
			e.OptStr(`,"thinking":`, t.Thinking)
			e.OptStr(`,"signature":`, t.Signature)
			e.OptStr(`,"data":`, t.Data)
			e.B = append(e.B, '}')
		}
		e.B = append(e.B, ']')
	}
	e.OptRaw(`,"cache_control":`, m.CacheControl)
	e.B = append(e.B, '}')
}

// content writes what Content.MarshalJSON does: a string, parts or null.
func (e *encoder) content(c Content) {
	switch {
	case c.Text != nil:
		e.Str(*c.Text)
	case c.Parts != nil:
		e.B = append(e.B, '[')
		for i := range c.Parts {
			if i > 0 {
				e.B = append(e.B, ',')
			}
			e.part(&c.Parts[i])
		}
		e.B = append(e.B, ']')
	default:
		e.B = append(e.B, "null"...)
	}
}

func (e *encoder) part(p *ContentPart) {
	e.B = append(e.B, `{"type":`...)
	e.Str(p.Type)
	e.OptStr(`,"text":`, p.Text)
	if p.ImageURL != nil {
		e.B = append(e.B, `,"image_url":{"url":`...)
		e.Str(p.ImageURL.URL)
		e.OptStr(`,"detail":`, p.ImageURL.Detail)
		e.B = append(e.B, '}')
	}
	if f := p.File; f != nil {
		e.B = append(e.B, `,"file":{`...)
		n := len(e.B)
		e.OptStr(`,"file_data":`, f.FileData)
		e.OptStr(`,"file_id":`, f.FileID)
		e.OptStr(`,"filename":`, f.Filename)
		if len(e.B) > n {
			e.B = append(e.B[:n], e.B[n+1:]...) // the first member's comma
		}
		e.B = append(e.B, '}')
	}
	e.OptStr(`,"refusal":`, p.Refusal)
	e.OptRaw(`,"cache_control":`, p.CacheControl)
	e.B = append(e.B, '}')
}

func (e *encoder) toolCall(t *ToolCall) {
	e.B = append(e.B, '{')
	n := len(e.B)
	e.OptIntPtr(`,"index":`, t.Index)
	e.OptStr(`,"id":`, t.ID)
	e.OptStr(`,"type":`, t.Type)
	e.B = append(e.B, `,"function":{`...)
	m := len(e.B)
	e.OptStr(`,"name":`, t.Function.Name)
	e.B = append(e.B, `,"arguments":`...)
	e.B = append(e.B[:m], e.B[m+1:]...) // the function's first member's comma
	e.Str(t.Function.Arguments)
	e.B = append(e.B, "}}"...)
	e.B = append(e.B[:n], e.B[n+1:]...) // the first member's comma
}

func (e *encoder) tool(t *Tool) {
	e.B = append(e.B, `{"type":`...)
	e.Str(t.Type)
	e.B = append(e.B, `,"function":{"name":`...)
	e.Str(t.Function.Name)
	e.OptStr(`,"description":`, t.Function.Description)
	e.OptRaw(`,"parameters":`, t.Function.Parameters)
	if t.Function.Strict != nil {
		e.B = append(e.B, `,"strict":`...)
		e.B = strconv.AppendBool(e.B, *t.Function.Strict)
	}
	e.B = append(e.B, '}')
	e.OptRaw(`,"cache_control":`, t.CacheControl)
	e.B = append(e.B, '}')
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
