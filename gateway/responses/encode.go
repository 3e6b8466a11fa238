package responses

import (
	"encoding/json"
	"strconv"

	"switchyard/gateway/jscan"
)

// The Responses objects the gateway writes (a whole response, the
// snapshots and items of the stream events) are encoded by hand: byte for
// byte what encoding/json's Marshal writes for the same value (field
// order, omitempty/omitzero, HTML-safe string escaping, compacted raw
// values), without its reflection. TestAppendMatchesMarshal and
// FuzzAppendResponse hold the two to each other.

// AppendResponse appends r as JSON, as json.Marshal(r) would.
func AppendResponse(dst []byte, r *Response) []byte {
	dst = AppendResponseOpen(dst, r)
	if r.Output == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range r.Output {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendOutputItem(dst, &r.Output[i])
		}
		dst = append(dst, ']')
	}
	return AppendResponseClose(dst, r)
}

// AppendResponseOpen appends AppendResponse's bytes up to the value of
// "output", which the caller writes (a stream writes its items as they
// stand, without building OutputItems); AppendResponseClose the rest.
func AppendResponseOpen(dst []byte, r *Response) []byte {
	dst = append(dst, `{"id":`...)
	dst = jscan.AppendString(dst, r.ID)
	dst = append(dst, `,"object":`...)
	dst = jscan.AppendString(dst, r.Object)
	dst = append(dst, `,"created_at":`...)
	dst = strconv.AppendInt(dst, r.CreatedAt, 10)
	dst = append(dst, `,"status":`...)
	dst = jscan.AppendString(dst, r.Status)
	dst = append(dst, `,"model":`...)
	dst = jscan.AppendString(dst, r.Model)
	return append(dst, `,"output":`...)
}

// AppendResponseClose appends what follows the output of r.
func AppendResponseClose(dst []byte, r *Response) []byte {
	if r.Usage != nil {
		dst = append(dst, `,"usage":`...)
		dst = appendUsage(dst, r.Usage)
	}
	dst = append(dst, `,"error":`...)
	if r.Error == nil {
		dst = append(dst, "null"...)
	} else {
		dst = appendErrorDetail(dst, r.Error)
	}
	dst = append(dst, `,"incomplete_details":`...)
	if r.IncompleteDetails == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, `{"reason":`...)
		dst = jscan.AppendString(dst, r.IncompleteDetails.Reason)
		dst = append(dst, '}')
	}
	dst = append(dst, `,"parallel_tool_calls":`...)
	dst = strconv.AppendBool(dst, r.ParallelToolCalls)
	if len(r.ToolChoice) > 0 {
		dst = append(dst, `,"tool_choice":`...)
		dst = appendRaw(dst, r.ToolChoice)
	}
	dst = append(dst, `,"tools":`...)
	dst = appendRawList(dst, r.Tools)
	return append(dst, '}')
}

// AppendOutputItem appends o as JSON, as json.Marshal(o) would.
func AppendOutputItem(dst []byte, o *OutputItem) []byte {
	dst = append(dst, `{"id":`...)
	dst = jscan.AppendString(dst, o.ID)
	dst = append(dst, `,"type":`...)
	dst = jscan.AppendString(dst, o.Type)
	dst = appendOptString(dst, `,"status":`, o.Status)
	dst = appendOptString(dst, `,"role":`, o.Role)
	if o.Content != nil {
		dst = append(dst, `,"content":[`...)
		for i := range o.Content {
			if i > 0 {
				dst = append(dst, ',')
			}
			c := &o.Content[i]
			dst = append(dst, `{"type":`...)
			dst = jscan.AppendString(dst, c.Type)
			dst = appendOptString(dst, `,"text":`, c.Text)
			dst = appendOptString(dst, `,"refusal":`, c.Refusal)
			dst = append(dst, `,"annotations":`...)
			dst = appendRawList(dst, c.Annotations)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	dst = appendOptString(dst, `,"call_id":`, o.CallID)
	dst = appendOptString(dst, `,"name":`, o.Name)
	if o.Arguments != nil {
		dst = append(dst, `,"arguments":`...)
		dst = jscan.AppendString(dst, *o.Arguments)
	}
	if o.Input != nil {
		dst = append(dst, `,"input":`...)
		dst = jscan.AppendString(dst, *o.Input)
	}
	dst = appendOptString(dst, `,"namespace":`, o.Namespace)
	if len(o.Action) > 0 {
		dst = append(dst, `,"action":`...)
		dst = appendRaw(dst, o.Action)
	}
	if o.Summary != nil {
		dst = append(dst, `,"summary":[`...)
		for i := range o.Summary {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"type":`...)
			dst = jscan.AppendString(dst, o.Summary[i].Type)
			dst = append(dst, `,"text":`...)
			dst = jscan.AppendString(dst, o.Summary[i].Text)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

func appendUsage(dst []byte, u *Usage) []byte {
	dst = append(dst, `{"input_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.InputTokens), 10)
	dst = append(dst, `,"input_tokens_details":{"cached_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.InputTokensDetails.CachedTokens), 10)
	dst = append(dst, `},"output_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.OutputTokens), 10)
	dst = append(dst, `,"output_tokens_details":{"reasoning_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.OutputTokensDetails.ReasoningTokens), 10)
	dst = append(dst, `},"total_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.TotalTokens), 10)
	return append(dst, '}')
}

func appendErrorDetail(dst []byte, e *ErrorDetail) []byte {
	dst = append(dst, '{')
	n := len(dst)
	if e.Type != "" {
		dst = append(dst, `"type":`...)
		dst = jscan.AppendString(dst, e.Type)
	}
	if e.Code != "" {
		if len(dst) > n {
			dst = append(dst, ',')
		}
		dst = append(dst, `"code":`...)
		dst = jscan.AppendString(dst, e.Code)
	}
	if len(dst) > n {
		dst = append(dst, ',')
	}
	dst = append(dst, `"message":`...)
	dst = jscan.AppendString(dst, e.Message)
	dst = append(dst, `,"param":`...)
	if e.Param == nil {
		dst = append(dst, "null"...)
	} else {
		dst = jscan.AppendString(dst, *e.Param)
	}
	return append(dst, '}')
}

// appendOptString appends `key` and s unless s is empty (omitempty).
func appendOptString(dst []byte, key, s string) []byte {
	if s == "" {
		return dst
	}
	return jscan.AppendString(append(dst, key...), s)
}

func appendRawList(dst []byte, list []json.RawMessage) []byte {
	if list == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, r := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		if r == nil {
			dst = append(dst, "null"...)
		} else {
			dst = appendRaw(dst, r)
		}
	}
	return append(dst, ']')
}

// appendRaw appends a raw value as Marshal does (jscan.AppendRaw); an
// invalid one, on which Marshal fails, is written as null.
func appendRaw(dst, raw []byte) []byte {
	out, ok := jscan.AppendRaw(dst, raw)
	if !ok {
		return append(dst, "null"...)
	}
	return out
}
