package responses

import (
	"encoding/json"
	"strconv"
	"strings"

	"switchyard/gateway/jscan"
)

// A Responses request is decoded by one jscan pass rather than by
// encoding/json's reflection (3-5× less CPU for a Codex turn). The fast
// path gives exactly what json.Unmarshal gives or gives up: a member name
// with escapes or spelled in another case (encoding/json matches names
// case-insensitively), a name seen twice, a value of the wrong type, a
// number that is not what the field takes. Then encoding/json decodes the
// same bytes, so results and error messages are the same either way
// (TestDecodeMatchesUnmarshal, FuzzDecodeRequest). Raw values (input,
// tool parameters, …) alias the body, which must not change afterwards.

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
	var d decoder
	d.reset(body)
	d.object(requestFields, func(i int) { d.requestField(req, i) })
	return req, d.done()
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
	var d decoder
	d.reset(raw)
	d.object(itemFields, func(i int) { d.itemField(it, i) })
	return d.done()
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
	var d decoder
	d.reset(raw)
	var parts []Part
	d.array(func() {
		parts = append(parts, Part{})
		if !d.isNull() {
			p := &parts[len(parts)-1]
			d.object(partFields, func(i int) { d.partField(p, i) })
		}
	}, func() { parts = []Part{} })
	return parts, d.done()
}

// decoder is the fast path: ok turns false where it gives up.
type decoder struct {
	s     jscan.Scanner
	ok    bool
	depth int
}

func (d *decoder) reset(b []byte) { d.s.Reset(b); d.ok, d.depth = true, 0 }

func (d *decoder) giveUp() { d.ok = false; d.s.Fail() }

// done reports whether the fast path read the whole document.
func (d *decoder) done() bool { return d.ok && d.s.Done() }

// object reads an object, calling field(i) for a member named names[i]
// and skipping the others. null gives up (as the root it is not an object,
// elsewhere the callers read null themselves).
func (d *decoder) object(names []string, field func(i int)) {
	if d.s.Peek() != '{' || d.depth > 32 {
		d.giveUp()
		return
	}
	d.depth++
	d.s.Object()
	var seen uint32
	for first := true; d.ok && d.s.More(&first, '}'); {
		k := d.s.Key()
		i := lookup(names, k)
		if i < 0 {
			if !otherName(k, names) {
				d.giveUp()
				return
			}
			d.s.Skip()
			continue
		}
		if seen&(1<<i) != 0 {
			d.giveUp()
			return
		}
		seen |= 1 << i
		field(i)
	}
	d.depth--
}

// array reads an array, calling elem for each element; empty is called
// first (encoding/json makes an empty array a non-nil empty slice). The
// caller reads null.
func (d *decoder) array(elem, empty func()) {
	if d.s.Peek() != '[' {
		d.giveUp()
		return
	}
	d.s.Array()
	empty()
	for first := true; d.ok && d.s.More(&first, ']'); {
		elem()
	}
}

func lookup(names []string, k []byte) int {
	for i, n := range names {
		if string(k) == n {
			return i
		}
	}
	return -1
}

// otherName reports a member name that encoding/json would match to none
// of names either: no escapes, no non-ASCII (which can fold to ASCII
// letters), not one of names in another case.
func otherName(k []byte, names []string) bool {
	for _, c := range k {
		if c == '\\' || c >= 0x80 {
			return false
		}
	}
	for _, n := range names {
		if strings.EqualFold(string(k), n) {
			return false
		}
	}
	return true
}

// isNull reads null if it comes next.
func (d *decoder) isNull() bool {
	if d.s.Peek() == 'n' {
		d.s.Lit("null")
		return true
	}
	return false
}

// str reads a string; null leaves it as it is.
func (d *decoder) str(p *string) {
	switch d.s.Peek() {
	case '"':
		*p = jscan.UnquoteRaw(d.s.Str())
	case 'n':
		d.s.Lit("null")
	default:
		d.giveUp()
	}
}

// raw keeps a value as it is (null too, as json.RawMessage does).
func (d *decoder) raw(p *json.RawMessage) { *p = d.s.Value() }

func (d *decoder) boolean(p *bool) {
	switch d.s.Peek() {
	case 't':
		d.s.Lit("true")
		*p = true
	case 'f':
		d.s.Lit("false")
		*p = false
	case 'n':
		d.s.Lit("null")
	default:
		d.giveUp()
	}
}

func (d *decoder) boolPtr(p **bool) {
	if d.isNull() {
		*p = nil
		return
	}
	v := new(bool)
	d.boolean(v)
	*p = v
}

func (d *decoder) intPtr(p **int) {
	if d.isNull() {
		*p = nil
		return
	}
	if c := d.s.Peek(); c != '-' && (c < '0' || c > '9') {
		d.giveUp()
		return
	}
	v, ok := d.s.Num()
	if !ok {
		d.giveUp()
		return
	}
	*p = &v
}

func (d *decoder) floatPtr(p **float64) {
	if d.isNull() {
		*p = nil
		return
	}
	if c := d.s.Peek(); c != '-' && (c < '0' || c > '9') {
		d.giveUp()
		return
	}
	v, err := strconv.ParseFloat(string(d.s.Value()), 64)
	if err != nil {
		d.giveUp()
		return
	}
	*p = &v
}

func (d *decoder) strings(p *[]string) {
	if d.isNull() {
		*p = nil
		return
	}
	d.array(func() {
		*p = append(*p, "")
		d.str(&(*p)[len(*p)-1])
	}, func() { *p = []string{} })
}

var requestFields = []string{"model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls",
	"max_output_tokens", "temperature", "top_p", "reasoning", "text", "stop", "store", "previous_response_id",
	"include", "prompt_cache_key", "stream", "user"}

func (d *decoder) requestField(r *Request, i int) {
	switch i {
	case 0:
		d.str(&r.Model)
	case 1:
		d.raw(&r.Input)
	case 2:
		d.str(&r.Instructions)
	case 3:
		d.tools(&r.Tools)
	case 4:
		d.raw(&r.ToolChoice)
	case 5:
		d.boolPtr(&r.ParallelToolCalls)
	case 6:
		d.intPtr(&r.MaxOutputTokens)
	case 7:
		d.floatPtr(&r.Temperature)
	case 8:
		d.floatPtr(&r.TopP)
	case 9:
		if d.isNull() {
			r.Reasoning = nil
			return
		}
		r.Reasoning = new(Reasoning)
		d.object(reasoningFields, func(i int) {
			d.str([...]*string{&r.Reasoning.Effort, &r.Reasoning.Summary}[i])
		})
	case 10:
		d.textConfig(&r.Text)
	case 11:
		d.raw(&r.Stop)
	case 12:
		d.boolPtr(&r.Store)
	case 13:
		d.str(&r.PreviousResponseID)
	case 14:
		d.strings(&r.Include)
	case 15:
		d.str(&r.PromptCacheKey)
	case 16:
		d.boolean(&r.Stream)
	case 17:
		d.str(&r.User)
	}
}

var reasoningFields = []string{"effort", "summary"}

var textFields = []string{"format"}

var formatFields = []string{"type", "name", "description", "schema", "strict"}

func (d *decoder) textConfig(p **TextConfig) {
	if d.isNull() {
		*p = nil
		return
	}
	t := new(TextConfig)
	*p = t
	d.object(textFields, func(int) {
		if d.isNull() {
			t.Format = nil
			return
		}
		f := new(TextFormat)
		t.Format = f
		d.object(formatFields, func(i int) {
			switch i {
			case 0:
				d.str(&f.Type)
			case 1:
				d.str(&f.Name)
			case 2:
				d.str(&f.Description)
			case 3:
				d.raw(&f.Schema)
			case 4:
				d.boolPtr(&f.Strict)
			}
		})
	})
}

var toolFields = []string{"type", "name", "description", "parameters", "strict", "format", "tools"}

func (d *decoder) tools(p *[]Tool) {
	if d.isNull() {
		*p = nil
		return
	}
	d.array(func() {
		*p = append(*p, Tool{})
		if d.isNull() {
			return
		}
		t := &(*p)[len(*p)-1]
		d.object(toolFields, func(i int) {
			switch i {
			case 0:
				d.str(&t.Type)
			case 1:
				d.str(&t.Name)
			case 2:
				d.str(&t.Description)
			case 3:
				d.raw(&t.Parameters)
			case 4:
				d.boolPtr(&t.Strict)
			case 5:
				d.raw(&t.Format)
			case 6:
				d.tools(&t.Tools)
			}
		})
	}, func() { *p = []Tool{} })
}

var itemFields = []string{"type", "id", "role", "content", "call_id", "name", "arguments", "input", "output",
	"namespace", "action", "summary", "encrypted_content"}

func (d *decoder) itemField(it *Item, i int) {
	switch i {
	case 0:
		d.str(&it.Type)
	case 1:
		d.str(&it.ID)
	case 2:
		d.str(&it.Role)
	case 3:
		d.raw(&it.Content)
	case 4:
		d.str(&it.CallID)
	case 5:
		d.str(&it.Name)
	case 6:
		d.str(&it.Arguments)
	case 7:
		d.str(&it.Input)
	case 8:
		d.raw(&it.Output)
	case 9:
		d.str(&it.Namespace)
	case 10:
		d.raw(&it.Action)
	case 11:
		if d.isNull() {
			it.Summary = nil
			return
		}
		d.array(func() {
			it.Summary = append(it.Summary, SummaryPart{})
			if d.isNull() {
				return
			}
			s := &it.Summary[len(it.Summary)-1]
			d.object(summaryFields, func(i int) { d.str([...]*string{&s.Type, &s.Text}[i]) })
		}, func() { it.Summary = []SummaryPart{} })
	case 12:
		d.str(&it.EncryptedContent)
	}
}

var summaryFields = []string{"type", "text"}

var partFields = []string{"type", "text", "refusal", "image_url", "file_id", "detail", "file_data", "filename"}

func (d *decoder) partField(p *Part, i int) {
	d.str([...]*string{&p.Type, &p.Text, &p.Refusal, &p.ImageURL, &p.FileID, &p.Detail, &p.FileData, &p.Filename}[i])
}
