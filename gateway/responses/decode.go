package responses

import (
	"encoding/json"

	"switchyard/gateway/jscan"
)

// A Responses request is decoded by one jscan.Decoder pass rather than by
// encoding/json's reflection (3-5× less CPU for a Codex turn). The fast
// path gives exactly what json.Unmarshal gives or gives up (a member name
// with escapes or spelled in another case, a name seen twice, a value of
// the wrong type, …); then encoding/json decodes the same bytes, so results
// and error messages are the same either way (TestDecodeMatchesUnmarshal,
// FuzzDecodeRequest). Raw values (input, tool parameters, …) alias the
// body, which must not change afterwards.

// DecodeRequest decodes a Responses request body: what json.Unmarshal into
// a Request gives, error included.
func DecodeRequest(body []byte) (*Request, error) {
	if req, ok := decodeRequestFast(body); ok {
		return req, nil
	}
	req := new(Request)
	if err := json.Unmarshal(body, req); err != nil {
		return nil, err
	}
	return req, nil
}

func decodeRequestFast(body []byte) (*Request, bool) {
	req := new(Request)
	var d jscan.Decoder
	d.Reset(body)
	d.Members(requestFields, func(i int) { requestField(&d, req, i) })
	return req, d.Done()
}

// DecodeItem decodes one input item as json.Unmarshal would.
func DecodeItem(raw []byte, it *Item) error {
	if decodeItemFast(raw, it) {
		return nil
	}
	*it = Item{}
	return json.Unmarshal(raw, it)
}

func decodeItemFast(raw []byte, it *Item) bool {
	var d jscan.Decoder
	d.Reset(raw)
	ReadItem(&d, it)
	return d.Done()
}

// ReadItem reads one input item at d's position, for a caller that walks
// the input array with d itself (d gives up as DecodeItem's fast path
// would).
func ReadItem(d *jscan.Decoder, it *Item) {
	d.Members(itemFields, func(i int) { itemField(d, it, i) })
}

// DecodeParts decodes content parts as json.Unmarshal would.
func DecodeParts(raw []byte) ([]Part, error) {
	if parts, ok := decodePartsFast(raw); ok {
		return parts, nil
	}
	var parts []Part
	err := json.Unmarshal(raw, &parts)
	return parts, err
}

func decodePartsFast(raw []byte) ([]Part, bool) {
	var d jscan.Decoder
	d.Reset(raw)
	var parts []Part
	jscan.Slice(&d, &parts, func(p *Part) {
		d.Members(partFields, func(i int) {
			d.Text([...]*string{&p.Type, &p.Text, &p.Refusal, &p.ImageURL, &p.FileID, &p.Detail, &p.FileData, &p.Filename}[i])
		})
	})
	return parts, d.Done()
}

var requestFields = []string{"model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls",
	"max_output_tokens", "temperature", "top_p", "reasoning", "text", "stop", "store", "previous_response_id",
	"include", "prompt_cache_key", "stream", "user"}

func requestField(d *jscan.Decoder, r *Request, i int) {
	switch i {
	case 0:
		d.Text(&r.Model)
	case 1:
		d.Raw(&r.Input)
	case 2:
		d.Text(&r.Instructions)
	case 3:
		decodeTools(d, &r.Tools)
	case 4:
		d.Raw(&r.ToolChoice)
	case 5:
		d.BoolPtr(&r.ParallelToolCalls)
	case 6:
		d.IntPtr(&r.MaxOutputTokens)
	case 7:
		d.FloatPtr(&r.Temperature)
	case 8:
		d.FloatPtr(&r.TopP)
	case 9:
		if d.Null() {
			r.Reasoning = nil
			return
		}
		rs := new(Reasoning)
		r.Reasoning = rs
		d.Members(reasoningFields, func(i int) { d.Text([...]*string{&rs.Effort, &rs.Summary}[i]) })
	case 10:
		decodeTextConfig(d, &r.Text)
	case 11:
		d.Raw(&r.Stop)
	case 12:
		d.BoolPtr(&r.Store)
	case 13:
		d.Text(&r.PreviousResponseID)
	case 14:
		d.Texts(&r.Include)
	case 15:
		d.Text(&r.PromptCacheKey)
	case 16:
		d.Bool(&r.Stream)
	case 17:
		d.Text(&r.User)
	}
}

var reasoningFields = []string{"effort", "summary"}

var textFields = []string{"format"}

var formatFields = []string{"type", "name", "description", "schema", "strict"}

func decodeTextConfig(d *jscan.Decoder, p **TextConfig) {
	if d.Null() {
		*p = nil
		return
	}
	t := new(TextConfig)
	*p = t
	d.Members(textFields, func(int) {
		if d.Null() {
			t.Format = nil
			return
		}
		f := new(TextFormat)
		t.Format = f
		d.Members(formatFields, func(i int) {
			switch i {
			case 0, 1, 2:
				d.Text([...]*string{&f.Type, &f.Name, &f.Description}[i])
			case 3:
				d.Raw(&f.Schema)
			case 4:
				d.BoolPtr(&f.Strict)
			}
		})
	})
}

var toolFields = []string{"type", "name", "description", "parameters", "strict", "format", "tools"}

func decodeTools(d *jscan.Decoder, p *[]Tool) {
	jscan.Slice(d, p, func(t *Tool) {
		d.Members(toolFields, func(i int) {
			switch i {
			case 0, 1, 2:
				d.Text([...]*string{&t.Type, &t.Name, &t.Description}[i])
			case 3:
				d.Raw(&t.Parameters)
			case 4:
				d.BoolPtr(&t.Strict)
			case 5:
				d.Raw(&t.Format)
			case 6:
				decodeTools(d, &t.Tools)
			}
		})
	})
}

var itemFields = []string{"type", "id", "role", "content", "call_id", "name", "arguments", "input", "output",
	"namespace", "action", "summary", "encrypted_content"}

func itemField(d *jscan.Decoder, it *Item, i int) {
	switch i {
	case 3:
		d.Raw(&it.Content)
	case 8:
		d.Raw(&it.Output)
	case 10:
		d.Raw(&it.Action)
	case 11:
		readSummary(d, &it.Summary)
	default:
		d.Text([...]*string{0: &it.Type, 1: &it.ID, 2: &it.Role, 4: &it.CallID, 5: &it.Name, 6: &it.Arguments,
			7: &it.Input, 9: &it.Namespace, 12: &it.EncryptedContent}[i])
	}
}

var summaryFields = []string{"type", "text"}

var partFields = []string{"type", "text", "refusal", "image_url", "file_id", "detail", "file_data", "filename"}

// DecodeResponse decodes a Responses object (a backend's answer): what
// json.Unmarshal into a Response gives, error included.
func DecodeResponse(body []byte) (*Response, error) {
	r := new(Response)
	var d jscan.Decoder
	d.Reset(body)
	if ReadResponse(&d, r); d.Done() {
		return r, nil
	}
	*r = Response{}
	if err := json.Unmarshal(body, r); err != nil {
		return nil, err
	}
	return r, nil
}

var responseFields = []string{"id", "object", "created_at", "status", "model", "output", "usage", "error",
	"incomplete_details", "parallel_tool_calls", "tool_choice", "tools"}

// ReadResponse reads a Responses object at d's position (a stream event's
// "response"), giving up where DecodeResponse's fast path would.
func ReadResponse(d *jscan.Decoder, r *Response) {
	d.Members(responseFields, func(i int) {
		switch i {
		case 0, 1, 3, 4:
			d.Text([...]*string{0: &r.ID, 1: &r.Object, 3: &r.Status, 4: &r.Model}[i])
		case 2:
			d.Int64(&r.CreatedAt)
		case 5:
			jscan.Slice(d, &r.Output, func(o *OutputItem) { ReadOutputItem(d, o) })
		case 6:
			readUsage(d, &r.Usage)
		case 7:
			readErrorDetail(d, &r.Error)
		case 8:
			if d.Null() {
				r.IncompleteDetails = nil
				return
			}
			r.IncompleteDetails = new(IncompleteDetails)
			d.Members(reasonFields, func(int) { d.Text(&r.IncompleteDetails.Reason) })
		case 9:
			d.Bool(&r.ParallelToolCalls)
		case 10:
			d.Raw(&r.ToolChoice)
		case 11:
			readRawList(d, &r.Tools)
		}
	})
}

var reasonFields = []string{"reason"}

var outputItemFields = []string{"id", "type", "status", "role", "content", "call_id", "name", "arguments", "input",
	"namespace", "action", "summary"}

var outputContentFields = []string{"type", "text", "refusal", "annotations"}

// ReadOutputItem reads an output item at d's position (a stream event's
// "item").
func ReadOutputItem(d *jscan.Decoder, o *OutputItem) {
	d.Members(outputItemFields, func(i int) {
		switch i {
		case 4:
			jscan.Slice(d, &o.Content, func(c *OutputContent) {
				d.Members(outputContentFields, func(i int) {
					if i == 3 {
						readRawList(d, &c.Annotations)
						return
					}
					d.Text([...]*string{&c.Type, &c.Text, &c.Refusal}[i])
				})
			})
		case 7:
			d.TextPtr(&o.Arguments)
		case 8:
			d.TextPtr(&o.Input)
		case 10:
			d.Raw(&o.Action)
		case 11:
			readSummary(d, &o.Summary)
		default:
			d.Text([...]*string{0: &o.ID, 1: &o.Type, 2: &o.Status, 3: &o.Role, 5: &o.CallID, 6: &o.Name, 9: &o.Namespace}[i])
		}
	})
}

func readSummary(d *jscan.Decoder, p *[]SummaryPart) {
	jscan.Slice(d, p, func(s *SummaryPart) {
		d.Members(summaryFields, func(i int) { d.Text([...]*string{&s.Type, &s.Text}[i]) })
	})
}

func readRawList(d *jscan.Decoder, p *[]json.RawMessage) {
	if d.Null() {
		*p = nil
		return
	}
	d.Elements(func() {
		*p = append(*p, nil)
		d.Raw(&(*p)[len(*p)-1])
	}, func() { *p = []json.RawMessage{} })
}

var cachedFields, reasoningTokenFields = []string{"cached_tokens"}, []string{"reasoning_tokens"}

var usageFields = []string{"input_tokens", "input_tokens_details", "output_tokens", "output_tokens_details", "total_tokens"}

func readUsage(d *jscan.Decoder, p **Usage) {
	if d.Null() {
		*p = nil
		return
	}
	u := new(Usage)
	*p = u
	d.Members(usageFields, func(i int) {
		switch i {
		case 1:
			if !d.Null() {
				d.Members(cachedFields, func(int) { d.Int(&u.InputTokensDetails.CachedTokens) })
			}
		case 3:
			if !d.Null() {
				d.Members(reasoningTokenFields, func(int) { d.Int(&u.OutputTokensDetails.ReasoningTokens) })
			}
		default:
			d.Int([...]*int{0: &u.InputTokens, 2: &u.OutputTokens, 4: &u.TotalTokens}[i])
		}
	})
}

var errorDetailFields = []string{"type", "code", "message", "param"}

func readErrorDetail(d *jscan.Decoder, p **ErrorDetail) {
	if d.Null() {
		*p = nil
		return
	}
	e := new(ErrorDetail)
	*p = e
	d.Members(errorDetailFields, func(i int) {
		if i == 3 {
			d.TextPtr(&e.Param)
			return
		}
		d.Text([...]*string{&e.Type, &e.Code, &e.Message}[i])
	})
}
