package jscan

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Decoder reads a JSON document into Go values the way encoding/json's
// Unmarshal would, in one pass and without reflection, or gives up. It
// gives up on what it would not read exactly as encoding/json does: a
// member name with escapes, with non-ASCII or spelled in another case
// (encoding/json matches names case-insensitively), a name seen twice, a
// value of the wrong type, a number the field cannot take. The caller then
// decodes the same bytes with encoding/json, so results and errors are
// encoding/json's either way; the fast path only saves the time. Raw
// values (Raw) alias the input.
//
// A decoding function is a tree of Members and Elements calls with the
// value readers below; Done reports whether it read the whole document.
type Decoder struct {
	s     Scanner
	ok    bool
	depth int
}

// maxDecodeDepth bounds nested Members calls (deeper: give up).
const maxDecodeDepth = 64

// Reset starts decoding b.
func (d *Decoder) Reset(b []byte) { d.s.Reset(b); d.ok, d.depth = true, 0 }

// GiveUp abandons the fast path.
func (d *Decoder) GiveUp() { d.ok = false; d.s.Fail() }

// Done reports whether the fast path read the whole document.
func (d *Decoder) Done() bool { return d.ok && d.s.Done() }

// OK reports whether the fast path holds so far.
func (d *Decoder) OK() bool { return d.ok && !d.s.bad }

// Skip reads and discards one value (checking its syntax).
func (d *Decoder) Skip() { d.s.Skip() }

// Members reads an object, calling field(i) for a member named names[i]
// (at most 32 names) and skipping the others. Anything but an object,
// null included, gives up: callers read null themselves where it is valid.
func (d *Decoder) Members(names []string, field func(i int)) {
	if d.s.Peek() != '{' || d.depth >= maxDecodeDepth || len(names) > 32 {
		d.GiveUp()
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
				d.GiveUp()
				return
			}
			d.s.Skip()
			continue
		}
		if seen&(1<<i) != 0 {
			d.GiveUp()
			return
		}
		seen |= 1 << i
		field(i)
	}
	d.depth--
}

// Elements reads an array, calling empty first (encoding/json makes an
// empty array a non-nil empty slice) and then elem for each element.
// Anything but an array gives up; callers read null themselves.
func (d *Decoder) Elements(elem, empty func()) {
	if d.s.Peek() != '[' {
		d.GiveUp()
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

// Null reads null if it comes next.
func (d *Decoder) Null() bool {
	if d.s.Peek() == 'n' {
		d.s.Lit("null")
		return true
	}
	return false
}

// Text reads a string; null leaves it as it is.
func (d *Decoder) Text(p *string) {
	switch d.s.Peek() {
	case '"':
		raw := d.s.Str()
		if len(raw) <= 26 {
			if w, ok := words[string(RawInner(raw))]; ok {
				*p = w // a wire word: no new string
				return
			}
		}
		*p = UnquoteRaw(raw)
	case 'n':
		d.s.Lit("null")
	default:
		d.GiveUp()
	}
}

// TextPtr reads an optional string: null is nil.
func (d *Decoder) TextPtr(p **string) {
	if d.Null() {
		*p = nil
		return
	}
	v := new(string)
	d.Text(v)
	*p = v
}

// Texts reads an array of strings; null is nil.
func (d *Decoder) Texts(p *[]string) {
	if d.Null() {
		*p = nil
		return
	}
	d.Elements(func() {
		*p = append(*p, "")
		d.Text(&(*p)[len(*p)-1])
	}, func() { *p = []string{} })
}

// Slice reads an array of T into *p as encoding/json does: null is a nil
// slice, [] an empty one, a null element T's zero value; elem reads one
// element that is not null, in place.
func Slice[T any](d *Decoder, p *[]T, elem func(*T)) {
	if d.Null() {
		*p = nil
		return
	}
	d.Elements(func() {
		var zero T
		*p = append(*p, zero)
		if !d.Null() {
			elem(&(*p)[len(*p)-1])
		}
	}, func() { *p = []T{} })
}

// Raw keeps a value as it is (null too, as json.RawMessage does).
func (d *Decoder) Raw(p *json.RawMessage) { *p = d.s.Value() }

// Bool reads true or false; null leaves it as it is.
func (d *Decoder) Bool(p *bool) {
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
		d.GiveUp()
	}
}

// BoolPtr reads an optional bool: null is nil.
func (d *Decoder) BoolPtr(p **bool) {
	if d.Null() {
		*p = nil
		return
	}
	v := new(bool)
	d.Bool(v)
	*p = v
}

// Int reads an integer; null leaves it as it is.
func (d *Decoder) Int(p *int) {
	if d.Null() {
		return
	}
	if c := d.s.Peek(); c != '-' && (c < '0' || c > '9') {
		d.GiveUp()
		return
	}
	v, ok := d.s.Num()
	if !ok {
		d.GiveUp()
		return
	}
	*p = v
}

// Int64 reads an integer into an int64; null leaves it as it is.
func (d *Decoder) Int64(p *int64) {
	var v int
	if d.Null() {
		return
	}
	if d.Int(&v); d.OK() {
		*p = int64(v)
	}
}

// IntPtr reads an optional integer: null is nil.
func (d *Decoder) IntPtr(p **int) {
	if d.Null() {
		*p = nil
		return
	}
	v := new(int)
	d.Int(v)
	*p = v
}

// FloatPtr reads an optional number: null is nil.
func (d *Decoder) FloatPtr(p **float64) {
	if d.Null() {
		*p = nil
		return
	}
	if c := d.s.Peek(); c != '-' && (c < '0' || c > '9') {
		d.GiveUp()
		return
	}
	v, err := strconv.ParseFloat(string(d.s.Value()), 64)
	if err != nil {
		d.GiveUp()
		return
	}
	*p = &v
}

// words are the strings the wire formats repeat in every request and
// answer (roles, types, stop reasons): Text returns these instead of
// allocating a copy.
var words = func() map[string]string {
	m := map[string]string{}
	for _, w := range []string{"user", "assistant", "system", "developer", "tool", "model",
		"message", "text", "input_text", "output_text", "input_image", "refusal", "summary_text",
		"function", "function_call", "function_call_output", "custom", "custom_tool_call", "custom_tool_call_output",
		"local_shell_call", "local_shell_call_output", "reasoning", "namespace", "web_search",
		"tool_use", "tool_result", "thinking", "redacted_thinking", "image", "document",
		"end_turn", "max_tokens", "stop_sequence", "pause_turn", "refusal",
		"response", "completed", "in_progress", "incomplete", "failed", "auto", "none", "required",
		"low", "medium", "high", "minimal", "detailed", "concise", "json_schema", "json_object", "ephemeral"} {
		m[w] = w
	}
	return m
}()
