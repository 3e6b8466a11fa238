package gemini

import (
	"encoding/json"
	"strconv"

	"switchyard/gateway/jscan"
)

// AppendResponse appends r as JSON: byte for byte what json.Marshal(r)
// writes (field order, omitempty, HTML-safe strings, compacted raw
// values), without its reflection; a converted answer to a Gemini client
// is encoded once per request. ok is false where Marshal would fail (an
// invalid raw value): the caller then uses Marshal.
func AppendResponse(dst []byte, r *GenerateContentResponse) (out []byte, ok bool) {
	e := encoder{b: dst, ok: true}
	e.b = append(e.b, '{')
	first := true
	if len(r.Candidates) > 0 {
		e.key(&first, "candidates")
		e.b = append(e.b, '[')
		for i := range r.Candidates {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.candidate(&r.Candidates[i])
		}
		e.b = append(e.b, ']')
	}
	if r.PromptFeedback != nil {
		e.key(&first, "promptFeedback")
		e.b = append(e.b, '{')
		if r.PromptFeedback.BlockReason != "" {
			e.b = append(e.b, `"blockReason":`...)
			e.b = jscan.AppendString(e.b, r.PromptFeedback.BlockReason)
		}
		e.b = append(e.b, '}')
	}
	if u := r.UsageMetadata; u != nil {
		e.key(&first, "usageMetadata")
		e.usage(u)
	}
	e.optStr(&first, "modelVersion", r.ModelVersion)
	e.optStr(&first, "responseId", r.ResponseID)
	e.b = append(e.b, '}')
	return e.b, e.ok
}

type encoder struct {
	b  []byte
	ok bool
}

// key writes a member name, with the comma before it unless it is the
// object's first.
func (e *encoder) key(first *bool, k string) {
	if !*first {
		e.b = append(e.b, ',')
	}
	*first = false
	e.b = append(e.b, '"')
	e.b = append(e.b, k...)
	e.b = append(e.b, '"', ':')
}

func (e *encoder) optStr(first *bool, k, v string) {
	if v != "" {
		e.key(first, k)
		e.b = jscan.AppendString(e.b, v)
	}
}

func (e *encoder) optRaw(first *bool, k string, v json.RawMessage) {
	if len(v) > 0 {
		e.key(first, k)
		e.raw(v)
	}
}

func (e *encoder) raw(v json.RawMessage) {
	if len(v) == 0 { // Marshal writes an empty RawMessage as null
		e.b = append(e.b, "null"...)
		return
	}
	var ok bool
	if e.b, ok = jscan.AppendRaw(e.b, v); !ok {
		e.ok = false
	}
}

func (e *encoder) optInt(first *bool, k string, v int) {
	if v != 0 {
		e.key(first, k)
		e.b = strconv.AppendInt(e.b, int64(v), 10)
	}
}

func (e *encoder) candidate(c *Candidate) {
	e.b = append(e.b, '{')
	first := true
	if c.Content != nil {
		e.key(&first, "content")
		e.content(c.Content)
	}
	e.optStr(&first, "finishReason", c.FinishReason)
	e.optStr(&first, "finishMessage", c.FinishMessage)
	e.key(&first, "index")
	e.b = strconv.AppendInt(e.b, int64(c.Index), 10)
	e.optRaw(&first, "safetyRatings", c.SafetyRatings)
	e.b = append(e.b, '}')
}

func (e *encoder) content(c *Content) {
	e.b = append(e.b, '{')
	first := true
	e.optStr(&first, "role", c.Role)
	e.key(&first, "parts")
	if c.Parts == nil {
		e.b = append(e.b, "null"...)
	} else {
		e.b = append(e.b, '[')
		for i := range c.Parts {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.part(&c.Parts[i])
		}
		e.b = append(e.b, ']')
	}
	e.b = append(e.b, '}')
}

func (e *encoder) part(p *Part) {
	e.b = append(e.b, '{')
	first := true
	if p.Text != nil {
		e.key(&first, "text")
		e.b = jscan.AppendString(e.b, *p.Text)
	}
	if p.Thought {
		e.key(&first, "thought")
		e.b = append(e.b, "true"...)
	}
	e.optStr(&first, "thoughtSignature", p.ThoughtSignature)
	if b := p.InlineData; b != nil {
		e.key(&first, "inlineData")
		e.b = append(e.b, `{"mimeType":`...)
		e.b = jscan.AppendString(e.b, b.MimeType)
		e.b = append(e.b, `,"data":`...)
		e.b = jscan.AppendString(e.b, b.Data)
		e.b = append(e.b, '}')
	}
	if f := p.FileData; f != nil {
		e.key(&first, "fileData")
		e.b = append(e.b, '{')
		inner := true
		e.optStr(&inner, "mimeType", f.MimeType)
		e.key(&inner, "fileUri")
		e.b = jscan.AppendString(e.b, f.FileURI)
		e.b = append(e.b, '}')
	}
	if fc := p.FunctionCall; fc != nil {
		e.key(&first, "functionCall")
		e.call(fc.ID, fc.Name, "args", fc.Args)
	}
	if fr := p.FunctionResponse; fr != nil {
		e.key(&first, "functionResponse")
		e.call(fr.ID, fr.Name, "response", fr.Response)
	}
	e.optRaw(&first, "executableCode", p.ExecutableCode)
	e.optRaw(&first, "codeExecutionResult", p.CodeExecutionResult)
	e.b = append(e.b, '}')
}

// call writes a functionCall or functionResponse: id, name, then the raw
// value under k.
func (e *encoder) call(id, name, k string, v json.RawMessage) {
	e.b = append(e.b, '{')
	first := true
	e.optStr(&first, "id", id)
	e.key(&first, "name")
	e.b = jscan.AppendString(e.b, name)
	e.optRaw(&first, k, v)
	e.b = append(e.b, '}')
}

func (e *encoder) usage(u *UsageMetadata) {
	e.b = append(e.b, `{"promptTokenCount":`...)
	e.b = strconv.AppendInt(e.b, int64(u.PromptTokenCount), 10)
	e.b = append(e.b, `,"candidatesTokenCount":`...)
	e.b = strconv.AppendInt(e.b, int64(u.CandidatesTokenCount), 10)
	first := false
	e.optInt(&first, "cachedContentTokenCount", u.CachedContentTokenCount)
	e.optInt(&first, "thoughtsTokenCount", u.ThoughtsTokenCount)
	e.optInt(&first, "toolUsePromptTokenCount", u.ToolUsePromptTokenCount)
	e.b = append(e.b, `,"totalTokenCount":`...)
	e.b = strconv.AppendInt(e.b, int64(u.TotalTokenCount), 10)
	e.b = append(e.b, '}')
}
