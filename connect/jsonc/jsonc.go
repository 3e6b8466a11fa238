// Package jsonc edits JSON config files with comments and trailing commas
// (JSONC) in place, for connect: only the bytes of the setting it writes
// change.
package jsonc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"switchyard/connect/doc"
)

// A JSON (JSONC: comments and trailing commas allowed) document edited in
// place. Every edit rewrites only the bytes of the member or element it
// touches; everything else — other settings, comments, blank lines,
// indentation, key order — stays byte for byte. New members are indented
// like their siblings.

type jsonDoc struct {
	name string // the file, for errors
	src  []byte
	root *jnode // nil: an empty document (only whitespace and comments)
	eol  string
}

// jnode is one parsed value: its byte range and, for objects and arrays,
// its members (array elements have no key).
type jnode struct {
	kind       byte // '{', '[', '"', '0' (number), 't', 'f', 'n'
	start, end int
	members    []*jmember
	str        string
}

type jmember struct {
	key      string
	keyStart int // -1 for an array element
	val      *jnode
	comma    int // offset of the comma after the value, -1 if none
}

func (m *jmember) start() int {
	if m.keyStart >= 0 {
		return m.keyStart
	}
	return m.val.start
}

// Parse reads a file; name is used in errors.
func Parse(name string, src []byte) (doc.Doc, error) {
	d := &jsonDoc{name: name, src: src, eol: doc.DetectEOL(src)}
	if err := d.parse(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *jsonDoc) parse() error {
	p := &jparser{s: d.src, file: d.name}
	if bytes.HasPrefix(p.s, []byte("\xef\xbb\xbf")) {
		p.i = 3
	}
	if err := p.skip(); err != nil {
		return err
	}
	if p.i >= len(p.s) {
		d.root = nil
		return nil
	}
	root, err := p.value(0)
	if err != nil {
		return err
	}
	if err := p.skip(); err != nil {
		return err
	}
	if p.i < len(p.s) {
		return p.errf("unexpected %q after the end of the JSON value", p.s[p.i])
	}
	d.root = root
	return nil
}

type jparser struct {
	s    []byte
	i    int
	file string
}

func (p *jparser) errf(format string, args ...any) error {
	return doc.SyntaxErrAt(p.file, p.s, p.i, format, args...)
}

// skip passes whitespace and comments.
func (p *jparser) skip() error {
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			p.i++
		case c == '/' && p.i+1 < len(p.s) && p.s[p.i+1] == '/':
			for p.i < len(p.s) && p.s[p.i] != '\n' {
				p.i++
			}
		case c == '/' && p.i+1 < len(p.s) && p.s[p.i+1] == '*':
			end := bytes.Index(p.s[p.i+2:], []byte("*/"))
			if end < 0 {
				return p.errf("a /* comment is never closed")
			}
			p.i += 2 + end + 2
		default:
			return nil
		}
	}
	return nil
}

const maxJSONDepth = 200

func (p *jparser) value(depth int) (*jnode, error) {
	if depth > maxJSONDepth {
		return nil, p.errf("nested too deeply")
	}
	if p.i >= len(p.s) {
		return nil, p.errf("the file ends where a value should be")
	}
	start := p.i
	switch c := p.s[p.i]; {
	case c == '{' || c == '[':
		return p.container(c, depth)
	case c == '"':
		str, err := p.str()
		if err != nil {
			return nil, err
		}
		return &jnode{kind: '"', start: start, end: p.i, str: str}, nil
	case c == '-' || c >= '0' && c <= '9':
		for p.i < len(p.s) && strings.IndexByte("+-.eE0123456789", p.s[p.i]) >= 0 {
			p.i++
		}
		if !json.Valid(p.s[start:p.i]) {
			p.i = start
			return nil, p.errf("invalid number")
		}
		return &jnode{kind: '0', start: start, end: p.i}, nil
	}
	for _, lit := range []string{"true", "false", "null"} {
		if bytes.HasPrefix(p.s[p.i:], []byte(lit)) {
			p.i += len(lit)
			return &jnode{kind: lit[0], start: start, end: p.i}, nil
		}
	}
	return nil, p.errf("unexpected %q where a value should be", p.s[p.i])
}

func (p *jparser) str() (string, error) {
	start := p.i
	p.i++
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == '\\':
			p.i += 2
		case c == '"':
			p.i++
			var s string
			if err := json.Unmarshal(p.s[start:p.i], &s); err != nil {
				p.i = start
				return "", p.errf("invalid string")
			}
			return s, nil
		case c == '\n':
			p.i = start
			return "", p.errf("a string is not closed on its line")
		default:
			p.i++
		}
	}
	p.i = start
	return "", p.errf("a string is never closed")
}

func (p *jparser) container(open byte, depth int) (*jnode, error) {
	close := byte('}')
	if open == '[' {
		close = ']'
	}
	n := &jnode{kind: open, start: p.i}
	p.i++
	for {
		if err := p.skip(); err != nil {
			return nil, err
		}
		if p.i >= len(p.s) {
			return nil, p.errf("the file ends before the closing %q", close)
		}
		if p.s[p.i] == close {
			p.i++
			n.end = p.i
			return n, nil
		}
		if len(n.members) > 0 && n.members[len(n.members)-1].comma < 0 {
			return nil, p.errf("expected , or %q", close)
		}
		m := &jmember{keyStart: -1, comma: -1}
		if open == '{' {
			if p.s[p.i] != '"' {
				return nil, p.errf("expected a quoted key or }")
			}
			m.keyStart = p.i
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			m.key = k
			if err := p.skip(); err != nil {
				return nil, err
			}
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, p.errf("expected : after the key %q", k)
			}
			p.i++
			if err := p.skip(); err != nil {
				return nil, err
			}
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		m.val = v
		n.members = append(n.members, m)
		if err := p.skip(); err != nil {
			return nil, err
		}
		if p.i < len(p.s) && p.s[p.i] == ',' {
			m.comma = p.i
			p.i++
		}
	}
}

// plainJSON is the decoded value of a node: maps, []any, strings,
// json.Number, bools, nil. A repeated key counts as its last occurrence,
// as JSON.parse has it.
func (d *jsonDoc) plainNode(n *jnode) any {
	switch n.kind {
	case '{':
		m := make(map[string]any, len(n.members))
		for _, mem := range n.members {
			m[mem.key] = d.plainNode(mem.val)
		}
		return m
	case '[':
		a := make([]any, len(n.members))
		for i, mem := range n.members {
			a[i] = d.plainNode(mem.val)
		}
		return a
	case '"':
		return n.str
	case '0':
		return json.Number(d.src[n.start:n.end])
	case 't':
		return true
	case 'f':
		return false
	}
	return nil
}

func (d *jsonDoc) Tree() map[string]any {
	if d.root == nil {
		return map[string]any{}
	}
	m, _ := d.plainNode(d.root).(map[string]any)
	return m
}

func (d *jsonDoc) Bytes() []byte { return d.src }

// topObject checks that the document is an object (or empty).
func (d *jsonDoc) topObject() error {
	if d.root != nil && d.root.kind != '{' {
		return fmt.Errorf("%s: the top level is not a JSON object; connect left it untouched", d.name)
	}
	return nil
}

// member finds the last member of object n named k.
func (n *jnode) member(k string) *jmember {
	for i := len(n.members) - 1; i >= 0; i-- {
		if n.members[i].key == k {
			return n.members[i]
		}
	}
	return nil
}

func (n *jnode) index(m *jmember) int {
	for i, x := range n.members {
		if x == m {
			return i
		}
	}
	return -1
}

// walk follows path as far as it exists: the node path leads to (nil if
// missing), the deepest existing object and how many keys of path it
// covers.
func (d *jsonDoc) walk(path []string) (found *jmember, parent *jnode, depth int, err error) {
	parent = d.root
	for i, k := range path {
		if parent.kind != '{' {
			return nil, nil, i, fmt.Errorf("%s: %s is not an object; connect left the file untouched", d.name, doc.ShowPath(path[:i]))
		}
		m := parent.member(k)
		if m == nil {
			return nil, parent, i, nil
		}
		if i == len(path)-1 {
			return m, parent, i + 1, nil
		}
		parent = m.val
	}
	return nil, parent, 0, nil
}

func (d *jsonDoc) apply(edits ...doc.Edit) error {
	src := append([]byte(nil), d.src...)
	for _, e := range doc.SortedEdits(edits) {
		src = append(src[:e.Pos], append([]byte(e.Ins), src[e.Pos+e.Del:]...)...)
	}
	old := d.src
	d.src = src
	if err := d.parse(); err != nil {
		d.src = old
		_ = d.parse()
		return fmt.Errorf("%s: internal error: an edit broke the file (%v); nothing was written", d.name, err)
	}
	return nil
}

// ---- layout helpers ----

// firstOnLine: only whitespace before pos on its line.
func firstOnLine(src []byte, pos int) bool {
	return len(bytes.TrimLeft(src[doc.LineStart(src, pos):pos], " \t")) == 0
}

// restOfLine skips spaces and comments after pos on the same line and
// returns where the line ends (the \r or \n, or the end of the file) and
// true, or the offset of the next token on that line and false.
func restOfLine(src []byte, pos int) (int, bool) {
	i := pos
	for i < len(src) {
		switch c := src[i]; {
		case c == ' ' || c == '\t':
			i++
		case c == '\r' || c == '\n':
			return i, true
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' && src[i] != '\r' {
				i++
			}
			return i, true
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := bytes.Index(src[i+2:], []byte("*/"))
			if end < 0 || bytes.IndexByte(src[i+2:i+2+end], '\n') >= 0 {
				return i, false
			}
			i += 2 + end + 2
		default:
			return i, false
		}
	}
	return i, true
}

// unit is the file's indentation step: how far the top-level members are
// indented, two spaces when that cannot be told.
func (d *jsonDoc) unit() string {
	if d.root != nil && len(d.root.members) > 0 {
		m := d.root.members[0]
		if firstOnLine(d.src, m.start()) {
			in, base := doc.IndentAt(d.src, m.start()), doc.IndentAt(d.src, d.root.start)
			if strings.HasPrefix(in, base) && len(in) > len(base) {
				return in[len(base):]
			}
		}
	}
	return "  "
}

// multiline reports whether container n lays its members out one per line.
func (d *jsonDoc) multiline(n *jnode) bool {
	if len(n.members) == 0 {
		return true
	}
	return firstOnLine(d.src, n.members[len(n.members)-1].start())
}

// render writes v as JSON: pretty across lines starting at indent, or on
// one line when compact.
func renderJSON(v any, indent, unit, eol string, compact bool) string {
	var b strings.Builder
	writeJSON(&b, v, indent, unit, eol, compact)
	return b.String()
}

func writeJSON(b *strings.Builder, v any, indent, unit, eol string, compact bool) {
	switch x := v.(type) {
	case doc.Obj:
		if len(x) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, f := range x {
			if compact {
				if i > 0 {
					b.WriteString(", ")
				}
			} else {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(eol + indent + unit)
			}
			b.WriteString(jsonString(f.K) + ": ")
			writeJSON(b, f.V, indent+unit, unit, eol, compact)
		}
		if !compact {
			b.WriteString(eol + indent)
		}
		b.WriteByte('}')
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return
		}
		// A list of objects goes one element per line; a list of
		// scalars stays on one line.
		lines := false
		for _, e := range x {
			if o, ok := e.(doc.Obj); ok && len(o) > 0 && !compact {
				lines = true
			}
		}
		b.WriteByte('[')
		for i, e := range x {
			if lines {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(eol + indent + unit)
				writeJSON(b, e, indent+unit, unit, eol, false)
				continue
			}
			if i > 0 {
				b.WriteString(", ")
			}
			writeJSON(b, e, indent, unit, eol, true)
		}
		if lines {
			b.WriteString(eol + indent)
		}
		b.WriteByte(']')
	case []string:
		a := make([]any, len(x))
		for i, s := range x {
			a[i] = s
		}
		writeJSON(b, a, indent, unit, eol, compact)
	case string:
		b.WriteString(jsonString(x))
	default:
		out, _ := json.Marshal(x)
		b.Write(out)
	}
}

func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimRight(b.String(), "\n")
}

// nest wraps v in objects for the keys of rest: nest([a b], v) = {a: {b: v}}.
func nest(rest []string, v any) any {
	for i := len(rest) - 1; i >= 0; i-- {
		v = doc.Obj{{rest[i], v}}
	}
	return v
}

// valueText renders v for a value that starts on the line of pos.
type valueText func(indent string, compact bool) string

func rendered(d *jsonDoc, v any) valueText {
	return func(indent string, compact bool) string { return renderJSON(v, indent, d.unit(), d.eol, compact) }
}

func rawText(raw string) valueText { return func(string, bool) string { return raw } }

// ---- edits ----

func (d *jsonDoc) Set(path []string, v any) error {
	return d.setText(path, v, rendered(d, v))
}

func (d *jsonDoc) SetRaw(path []string, raw string) error {
	return d.setText(path, nil, rawText(raw))
}

// setText puts a value at path: replaces the existing value's bytes, or
// adds the missing member (with any missing parent objects) at the end of
// the deepest existing object. v (when not nil) is the value, for the
// parent objects a new member may need.
func (d *jsonDoc) setText(path []string, v any, text valueText) error {
	if err := d.topObject(); err != nil {
		return err
	}
	if d.root == nil {
		// An empty document: a fresh object after whatever comments it has.
		body := renderJSON(nest(path, placeholderObj), "", "  ", d.eol, false)
		body = strings.Replace(body, placeholderText, text(strings.Repeat("  ", len(path)), false), 1)
		src := d.src
		if len(bytes.TrimSpace(src)) == 0 {
			src = nil
		} else if !bytes.HasSuffix(src, []byte("\n")) {
			src = append(append([]byte(nil), src...), d.eol...)
		}
		return d.apply(doc.Edit{Pos: 0, Del: len(d.src), Ins: string(src) + body + d.eol})
	}
	m, parent, depth, err := d.walk(path)
	if err != nil {
		return err
	}
	if m != nil {
		compact := !firstOnLine(d.src, m.start())
		return d.apply(doc.Edit{Pos: m.val.start, Del: m.val.end - m.val.start, Ins: text(doc.IndentAt(d.src, m.start()), compact)})
	}
	key := path[depth]
	var inner valueText = text
	if rest := path[depth+1:]; len(rest) > 0 {
		inner = func(indent string, compact bool) string {
			s := renderJSON(nest(rest, placeholderObj), indent, d.unit(), d.eol, compact)
			ind := indent + strings.Repeat(d.unit(), len(rest))
			return strings.Replace(s, placeholderText, text(ind, compact), 1)
		}
	}
	return d.insertMember(parent, &key, inner)
}

// placeholderObj stands for a value inside rendered parents; its JSON
// text is then replaced by the value's own text.
const placeholderObj = "\x00switchyard-value\x00"

var placeholderText = jsonString(placeholderObj)

// insertMember adds a member (key != nil) or an element to container n,
// after its last one.
func (d *jsonDoc) insertMember(n *jnode, key *string, text valueText) error {
	prefix := ""
	if key != nil {
		prefix = jsonString(*key) + ": "
	}
	if len(n.members) == 0 {
		objIndent := doc.IndentAt(d.src, n.start)
		child := objIndent + d.unit()
		member := prefix + text(child, false)
		inner := d.src[n.start+1 : n.end-1]
		if len(bytes.TrimSpace(inner)) == 0 {
			return d.apply(doc.Edit{Pos: n.start + 1, Del: len(inner), Ins: d.eol + child + member + d.eol + objIndent})
		}
		return d.apply(doc.Edit{Pos: n.start + 1, Ins: d.eol + child + member})
	}
	last := n.members[len(n.members)-1]
	if !d.multiline(n) {
		member := prefix + text("", true)
		if last.comma >= 0 {
			return d.apply(doc.Edit{Pos: last.comma + 1, Ins: " " + member + ","})
		}
		return d.apply(doc.Edit{Pos: last.val.end, Ins: ", " + member})
	}
	child := doc.IndentAt(d.src, last.start())
	member := prefix + text(child, false)
	if last.comma >= 0 {
		at, _ := restOfLine(d.src, last.comma+1)
		return d.apply(doc.Edit{Pos: at, Ins: d.eol + child + member + ","})
	}
	at, _ := restOfLine(d.src, last.val.end)
	return d.apply(doc.Edit{Pos: last.val.end, Ins: ","}, doc.Edit{Pos: at, Ins: d.eol + child + member})
}

func (d *jsonDoc) Raw(path []string) (string, bool) {
	if d.root == nil || d.root.kind != '{' {
		return "", false
	}
	m, _, _, err := d.walk(path)
	if err != nil || m == nil {
		return "", false
	}
	return string(d.src[m.val.start:m.val.end]), true
}

func (d *jsonDoc) Del(path []string) error {
	if d.root == nil {
		return nil
	}
	if err := d.topObject(); err != nil {
		return err
	}
	m, parent, _, err := d.walk(path)
	if err != nil || m == nil {
		return err
	}
	return d.deleteMember(parent, parent.index(m))
}

// deleteMember removes member i of container n: its whole line when it
// has one to itself, with the comma that separated it.
func (d *jsonDoc) deleteMember(n *jnode, i int) error {
	m := n.members[i]
	end := m.val.end
	if m.comma >= 0 {
		end = m.comma + 1
	}
	var prev *jmember
	if i > 0 {
		prev = n.members[i-1]
	}
	var edits []doc.Edit
	if lineEnd, clean := restOfLine(d.src, end); clean && firstOnLine(d.src, m.start()) && doc.LineStart(d.src, m.start()) > 0 {
		s := doc.LineBreakBefore(d.src, m.start())
		edits = append(edits, doc.Edit{Pos: s, Del: lineEnd - s})
		if m.comma < 0 && prev != nil && prev.comma >= 0 {
			edits = append(edits, doc.Edit{Pos: prev.comma, Del: 1})
		}
	} else {
		switch {
		case m.comma >= 0:
			e := m.comma + 1
			for e < len(d.src) && (d.src[e] == ' ' || d.src[e] == '\t') {
				e++
			}
			edits = append(edits, doc.Edit{Pos: m.start(), Del: e - m.start()})
		case prev != nil && prev.comma >= 0:
			edits = append(edits, doc.Edit{Pos: prev.comma, Del: m.val.end - prev.comma})
		default:
			edits = append(edits, doc.Edit{Pos: m.start(), Del: m.val.end - m.start()})
		}
	}
	if err := d.apply(edits...); err != nil {
		return err
	}
	return d.tidyEmpty(n.start)
}

// tidyEmpty turns a container at pos left with nothing but whitespace
// inside into {} or [].
func (d *jsonDoc) tidyEmpty(pos int) error {
	n := d.nodeAt(d.root, pos)
	if n == nil || len(n.members) > 0 || n.end-n.start <= 2 {
		return nil
	}
	inner := d.src[n.start+1 : n.end-1]
	if len(bytes.TrimSpace(inner)) != 0 {
		return nil
	}
	return d.apply(doc.Edit{Pos: n.start + 1, Del: len(inner)})
}

func (d *jsonDoc) nodeAt(n *jnode, pos int) *jnode {
	if n == nil || pos < n.start || pos >= n.end {
		return nil
	}
	if n.start == pos {
		return n
	}
	for _, m := range n.members {
		if x := d.nodeAt(m.val, pos); x != nil {
			return x
		}
	}
	return nil
}

// ---- arrays of objects ----

func (d *jsonDoc) array(path []string) (*jnode, error) {
	if d.root == nil {
		return nil, nil
	}
	if err := d.topObject(); err != nil {
		return nil, err
	}
	m, _, _, err := d.walk(path)
	if err != nil || m == nil {
		return nil, err
	}
	if m.val.kind != '[' {
		return nil, fmt.Errorf("%s: %s is not a list; connect left the file untouched", d.name, doc.ShowPath(path))
	}
	return m.val, nil
}

func (d *jsonDoc) AppendElem(path []string, v any) error {
	a, err := d.array(path)
	if err != nil {
		return err
	}
	if a == nil {
		return d.Set(path, []any{v})
	}
	return d.insertMember(a, nil, rendered(d, v))
}

func (d *jsonDoc) ElemRaw(path []string, i int) string {
	a, _ := d.array(path)
	if a == nil || i >= len(a.members) {
		return ""
	}
	return string(d.src[a.members[i].val.start:a.members[i].val.end])
}

func (d *jsonDoc) ReplaceElem(path []string, i int, v any, raw string) error {
	a, err := d.array(path)
	if err != nil || a == nil || i >= len(a.members) {
		return err
	}
	m := a.members[i]
	text := raw
	if v != nil {
		text = renderJSON(v, doc.IndentAt(d.src, m.start()), d.unit(), d.eol, !firstOnLine(d.src, m.start()))
	}
	return d.apply(doc.Edit{Pos: m.val.start, Del: m.val.end - m.val.start, Ins: text})
}

func (d *jsonDoc) DelElem(path []string, i int) error {
	a, err := d.array(path)
	if err != nil || a == nil || i >= len(a.members) {
		return err
	}
	return d.deleteMember(a, i)
}
