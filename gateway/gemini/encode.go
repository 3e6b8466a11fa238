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
	e := encoder{jscan.Encoder{B: dst, OK: true}}
	e.B = append(e.B, '{')
	first := true
	if len(r.Candidates) > 0 {
		e.Key(&first, "candidates")
		e.B = append(e.B, '[')
		for i := range r.Candidates {
			if i > 0 {
				e.B = append(e.B, ',')
			}
			e.candidate(&r.Candidates[i])
		}
		e.B = append(e.B, ']')
	}
	if r.PromptFeedback != nil {
		e.Key(&first, "promptFeedback")
		e.B = append(e.B, '{')
		e.OptStr(`"blockReason":`, r.PromptFeedback.BlockReason)
		e.B = append(e.B, '}')
	}
	if u := r.UsageMetadata; u != nil {
		e.Key(&first, "usageMetadata")
		e.usage(u)
	}
	e.optStr(&first, "modelVersion", r.ModelVersion)
	e.optStr(&first, "responseId", r.ResponseID)
	e.B = append(e.B, '}')
	return e.B, e.OK
}

// encoder writes Marshal's bytes (jscan.Encoder) for the response types,
// whose objects' first members are mostly optional: each member goes
// through Key.
type encoder struct{ jscan.Encoder }

// optStr writes member k with v unless v is empty (omitempty).
func (e *encoder) optStr(first *bool, k, v string) {
	if v != "" {
		e.Key(first, k)
		e.Str(v)
	}
}

// optRaw writes member k with v unless v is empty (omitempty).
func (e *encoder) optRaw(first *bool, k string, v json.RawMessage) {
	if len(v) > 0 {
		e.Key(first, k)
		e.Raw(v)
	}
}

// optInt writes member k with v unless v is 0 (omitempty).
func (e *encoder) optInt(first *bool, k string, v int) {
	if v != 0 {
		e.Key(first, k)
		e.B = strconv.AppendInt(e.B, int64(v), 10)
	}
}

func (e *encoder) candidate(c *Candidate) {
	e.B = append(e.B, '{')
	first := true
	if c.Content != nil {
		e.Key(&first, "content")
		e.content(c.Content)
	}
	e.optStr(&first, "finishReason", c.FinishReason)
	e.optStr(&first, "finishMessage", c.FinishMessage)
	e.Key(&first, "index")
	e.B = strconv.AppendInt(e.B, int64(c.Index), 10)
	e.optRaw(&first, "safetyRatings", c.SafetyRatings)
	e.B = append(e.B, '}')
}

func (e *encoder) content(c *Content) {
	e.B = append(e.B, '{')
	first := true
	e.optStr(&first, "role", c.Role)
	e.Key(&first, "parts")
	if c.Parts == nil {
		e.B = append(e.B, "null"...)
	} else {
		e.B = append(e.B, '[')
		for i := range c.Parts {
			if i > 0 {
				e.B = append(e.B, ',')
			}
			e.part(&c.Parts[i])
		}
		e.B = append(e.B, ']')
	}
	e.B = append(e.B, '}')
}

func (e *encoder) part(p *Part) {
	e.B = append(e.B, '{')
	first := true
	if p.Text != nil {
		e.Key(&first, "text")
		e.Str(*p.Text)
	}
	if p.Thought {
		e.Key(&first, "thought")
		e.B = append(e.B, "true"...)
	}
	e.optStr(&first, "thoughtSignature", p.ThoughtSignature)
	if b := p.InlineData; b != nil {
		e.Key(&first, "inlineData")
		e.B = append(e.B, `{"mimeType":`...)
		e.Str(b.MimeType)
		e.B = append(e.B, `,"data":`...)
		e.Str(b.Data)
		e.B = append(e.B, '}')
	}
	if f := p.FileData; f != nil {
		e.Key(&first, "fileData")
		e.B = append(e.B, '{')
		inner := true
		e.optStr(&inner, "mimeType", f.MimeType)
		e.Key(&inner, "fileUri")
		e.Str(f.FileURI)
		e.B = append(e.B, '}')
	}
	if fc := p.FunctionCall; fc != nil {
		e.Key(&first, "functionCall")
		e.call(fc.ID, fc.Name, "args", fc.Args)
	}
	if fr := p.FunctionResponse; fr != nil {
		e.Key(&first, "functionResponse")
		e.call(fr.ID, fr.Name, "response", fr.Response)
	}
	e.optRaw(&first, "executableCode", p.ExecutableCode)
	e.optRaw(&first, "codeExecutionResult", p.CodeExecutionResult)
	e.B = append(e.B, '}')
}

// call writes a functionCall or functionResponse: id, name, then the raw
// value under k.
func (e *encoder) call(id, name, k string, v json.RawMessage) {
	e.B = append(e.B, '{')
	first := true
	e.optStr(&first, "id", id)
	e.Key(&first, "name")
	e.Str(name)
	e.optRaw(&first, k, v)
	e.B = append(e.B, '}')
}

func (e *encoder) usage(u *UsageMetadata) {
	e.B = append(e.B, `{"promptTokenCount":`...)
	e.B = strconv.AppendInt(e.B, int64(u.PromptTokenCount), 10)
	e.B = append(e.B, `,"candidatesTokenCount":`...)
	e.B = strconv.AppendInt(e.B, int64(u.CandidatesTokenCount), 10)
	first := false
	e.optInt(&first, "cachedContentTokenCount", u.CachedContentTokenCount)
	e.optInt(&first, "thoughtsTokenCount", u.ThoughtsTokenCount)
	e.optInt(&first, "toolUsePromptTokenCount", u.ToolUsePromptTokenCount)
	e.B = append(e.B, `,"totalTokenCount":`...)
	e.B = strconv.AppendInt(e.B, int64(u.TotalTokenCount), 10)
	e.B = append(e.B, '}')
}
