// Package yamledit adds, replaces and removes entries of block lists in
// YAML config files at the text level, for connect.
package yamledit

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"switchyard/connect/doc"
)

// A YAML document whose top-level lists connect edits at the text level:
// it adds, replaces and removes one item of a block list (Continue's
// models:), using the parser's node positions to find the lines. Every
// other line, comments included, stays byte for byte. Lists written in
// flow style ([a, b]) are edited only when empty ([]).
type yamlDoc struct {
	name  string
	src   []byte
	eol   string
	top   *yaml.Node // the top-level mapping; nil for an empty document
	dec   map[string]any
	lines []int // offset of each line's start
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse reads a file; name is used in errors.
func Parse(name string, src []byte) (doc.Doc, error) {
	d := &yamlDoc{name: name, src: src, eol: doc.DetectEOL(src)}
	if err := d.parse(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *yamlDoc) parse() error {
	// YAML also breaks lines at a lone CR, NEL, U+2028 and U+2029; the
	// editor counts lines by LF (and CRLF) only, so it refuses the others
	// rather than miscount.
	for i, c := range d.src {
		if c == '\r' && (i+1 >= len(d.src) || d.src[i+1] != '\n') {
			return doc.SyntaxErrAt(d.name, d.src, i, "a carriage return without a line feed; connect edits files with LF or CRLF line breaks only")
		}
	}
	for _, sep := range []string{"\u0085", "\u2028", "\u2029"} {
		if i := bytes.Index(d.src, []byte(sep)); i >= 0 {
			return doc.SyntaxErrAt(d.name, d.src, i, "an unusual line break (U+%04X); connect edits files with LF or CRLF line breaks only", []rune(sep)[0])
		}
	}
	var file yaml.Node
	if err := yaml.Unmarshal(d.src, &file); err != nil {
		msg := err.Error()
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			return &doc.SyntaxError{File: d.name, Line: line, Col: 1, Msg: "not valid YAML: " + m[2]}
		}
		return &doc.SyntaxError{File: d.name, Msg: "not valid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
	}
	d.top, d.dec = nil, map[string]any{}
	if len(file.Content) > 0 {
		top := file.Content[0]
		if top.Kind != yaml.MappingNode {
			return &doc.SyntaxError{File: d.name, Line: top.Line, Col: top.Column, Msg: "the top level is not a mapping"}
		}
		if err := top.Decode(&d.dec); err != nil {
			return &doc.SyntaxError{File: d.name, Line: top.Line, Col: top.Column, Msg: "not valid YAML: " + err.Error()}
		}
		if d.dec == nil {
			d.dec = map[string]any{}
		}
		d.top = top
	}
	d.lines = []int{0}
	for i, c := range d.src {
		if c == '\n' {
			d.lines = append(d.lines, i+1)
		}
	}
	return nil
}

func (d *yamlDoc) Tree() map[string]any { return d.dec }
func (d *yamlDoc) Bytes() []byte        { return d.src }

// offset converts a node's 1-based line and column (in characters) to a
// byte offset.
func (d *yamlDoc) offset(n *yaml.Node) int {
	if n.Line < 1 || n.Line > len(d.lines) {
		return len(d.src)
	}
	off := d.lines[n.Line-1]
	for c := 1; c < n.Column && off < len(d.src); c++ {
		_, size := utf8.DecodeRune(d.src[off:])
		off += size
	}
	return off
}

func (d *yamlDoc) unsupported(path []string, n *yaml.Node, what string) error {
	return fmt.Errorf("%s:%d: %s is %s, which connect does not edit; add the Switchyard entry by hand (see README) or rewrite it as a block list",
		d.name, n.Line, doc.ShowPath(path), what)
}

// entry finds top-level key path[0]: its key and value nodes.
func (d *yamlDoc) entry(path []string) (key, val *yaml.Node, err error) {
	if len(path) != 1 {
		return nil, nil, fmt.Errorf("%s: connect edits only top-level YAML lists, not %s", d.name, doc.ShowPath(path))
	}
	if d.top == nil {
		return nil, nil, nil
	}
	for i := 0; i+1 < len(d.top.Content); i += 2 {
		if d.top.Content[i].Value == path[0] {
			key, val = d.top.Content[i], d.top.Content[i+1]
		}
	}
	if val != nil && val.Kind == yaml.AliasNode {
		return nil, nil, d.unsupported(path, val, "an alias")
	}
	return key, val, nil
}

// itemSpan is the text of list item n: from the start of the line of its
// dash to the end of its last line that is not blank or a comment.
func (d *yamlDoc) itemSpan(n *yaml.Node) (start, end, dash int) {
	dash = d.offset(n)
	if dash >= len(d.src) {
		dash = len(d.src) - 1
	}
	for dash > 0 && d.src[dash] != '-' {
		dash--
	}
	start = doc.LineStart(d.src, dash)
	col := dash - start
	pos := doc.SkipBreak(d.src, doc.EndOfLine(d.src, dash))
	end = pos
	for pos < len(d.src) {
		le := doc.EndOfLine(d.src, pos)
		next := doc.SkipBreak(d.src, le)
		line := d.src[pos:le]
		trimmed := bytes.TrimLeft(line, " \t")
		if len(trimmed) == 0 || trimmed[0] == '#' {
			pos = next
			continue
		}
		if len(line)-len(trimmed) <= col {
			break
		}
		end, pos = next, next
	}
	if end == 0 || end > len(d.src) {
		end = len(d.src)
	}
	if end < doc.SkipBreak(d.src, doc.EndOfLine(d.src, dash)) {
		end = doc.SkipBreak(d.src, doc.EndOfLine(d.src, dash))
	}
	return start, end, dash
}

// yamlNode builds the node for a value connect writes: mappings in order,
// lists of scalars in flow style.
func yamlNode(v any) *yaml.Node {
	switch x := v.(type) {
	case doc.Obj:
		n := &yaml.Node{Kind: yaml.MappingNode}
		for _, f := range x {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: f.K}, yamlNode(f.V))
		}
		return n
	case []string:
		n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, s := range x {
			n.Content = append(n.Content, yamlNode(s))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, e := range x {
			n.Content = append(n.Content, yamlNode(e))
		}
		return n
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(x)}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fmt.Sprint(v)}
}

// renderItem writes v as one list item at dashIndent, one line per
// field, without a final line break.
func (d *yamlDoc) renderItem(v any, dashIndent string) (string, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(yamlNode(v)); err != nil {
		return "", err
	}
	_ = enc.Close()
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	for i, l := range lines {
		if i == 0 {
			lines[i] = dashIndent + "- " + l
		} else {
			lines[i] = dashIndent + "  " + l
		}
	}
	return strings.Join(lines, d.eol), nil
}

func (d *yamlDoc) apply(edits ...doc.Edit) error {
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

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func (d *yamlDoc) AppendElem(path []string, v any) error {
	key, val, err := d.entry(path)
	if err != nil {
		return err
	}
	if val == nil { // no such key: a new list at the end of the file
		item, err := d.renderItem(v, "  ")
		if err != nil {
			return err
		}
		var b strings.Builder
		if len(d.src) > 0 && !bytes.HasSuffix(d.src, []byte("\n")) {
			b.WriteString(d.eol)
		}
		b.WriteString(path[0] + ":" + d.eol + item + d.eol)
		return d.apply(doc.Edit{Pos: len(d.src), Ins: b.String()})
	}
	keyIndent := doc.IndentAt(d.src, d.offset(key))
	switch {
	case isNull(val):
		item, err := d.renderItem(v, keyIndent+"  ")
		if err != nil {
			return err
		}
		if val.Value == "" {
			at := doc.EndOfLine(d.src, d.offset(key))
			return d.apply(doc.Edit{Pos: at, Ins: d.eol + item})
		}
		at := d.offset(val)
		return d.apply(doc.Edit{Pos: at, Del: len(val.Value), Ins: d.eol + item})
	case val.Kind != yaml.SequenceNode:
		return d.unsupported(path, val, "not a list")
	case val.Style&yaml.FlowStyle != 0:
		if len(val.Content) > 0 {
			return d.unsupported(path, val, "a list in flow style ([...])")
		}
		open := d.offset(val)
		closeAt := bytes.IndexByte(d.src[open:], ']')
		if d.src[open] != '[' || closeAt < 0 {
			return d.unsupported(path, val, "an unusual list")
		}
		item, err := d.renderItem(v, keyIndent+"  ")
		if err != nil {
			return err
		}
		from := open
		for from > 0 && (d.src[from-1] == ' ' || d.src[from-1] == '\t') {
			from--
		}
		return d.apply(doc.Edit{Pos: from, Del: open - from + closeAt + 1, Ins: d.eol + item})
	}
	_, end, dash0 := d.itemSpan(val.Content[0])
	if len(val.Content) > 1 {
		_, end, _ = d.itemSpan(val.Content[len(val.Content)-1])
	}
	item, err := d.renderItem(v, string(d.src[doc.LineStart(d.src, dash0):dash0]))
	if err != nil {
		return err
	}
	if end >= len(d.src) && !bytes.HasSuffix(d.src, []byte("\n")) {
		return d.apply(doc.Edit{Pos: len(d.src), Ins: d.eol + item})
	}
	return d.apply(doc.Edit{Pos: end, Ins: item + d.eol})
}

// blockList returns the list at path, which must be a block list for
// item edits.
func (d *yamlDoc) blockList(path []string, i int) (*yaml.Node, *yaml.Node, error) {
	key, val, err := d.entry(path)
	if err != nil || val == nil || i >= len(val.Content) {
		return nil, nil, err
	}
	if val.Kind != yaml.SequenceNode || val.Style&yaml.FlowStyle != 0 {
		return nil, nil, d.unsupported(path, val, "a list in flow style ([...])")
	}
	return key, val, nil
}

func (d *yamlDoc) ElemRaw(path []string, i int) string {
	_, val, err := d.blockList(path, i)
	if err != nil || val == nil {
		return ""
	}
	s, e, _ := d.itemSpan(val.Content[i])
	return string(d.src[s:e])
}

func (d *yamlDoc) ReplaceElem(path []string, i int, v any, raw string) error {
	_, val, err := d.blockList(path, i)
	if err != nil || val == nil {
		return err
	}
	s, e, dash := d.itemSpan(val.Content[i])
	text := raw
	if v != nil {
		item, err := d.renderItem(v, string(d.src[s:dash]))
		if err != nil {
			return err
		}
		text = item + d.eol
		if e >= len(d.src) && !bytes.HasSuffix(d.src, []byte("\n")) {
			text = item
		}
	}
	return d.apply(doc.Edit{Pos: s, Del: e - s, Ins: text})
}

func (d *yamlDoc) DelElem(path []string, i int) error {
	key, val, err := d.blockList(path, i)
	if err != nil || val == nil {
		return err
	}
	s, e, _ := d.itemSpan(val.Content[i])
	if len(val.Content) > 1 {
		return d.apply(doc.Edit{Pos: s, Del: e - s})
	}
	// The last item: the list becomes [] on the key's line.
	colon := d.offset(key) + len(key.Value)
	for colon < len(d.src) && d.src[colon] != ':' {
		colon++
	}
	tail := d.eol
	if e >= len(d.src) && !bytes.HasSuffix(d.src, []byte("\n")) {
		tail = ""
	}
	return d.apply(doc.Edit{Pos: colon + 1, Del: e - colon - 1, Ins: " []" + tail})
}

// del removes a top-level key whose value is empty (null or []).
func (d *yamlDoc) Del(path []string) error {
	key, val, err := d.entry(path)
	if err != nil || val == nil {
		return err
	}
	if !isNull(val) && !(val.Kind == yaml.SequenceNode && len(val.Content) == 0) {
		return nil
	}
	s := doc.LineStart(d.src, d.offset(key))
	e := doc.SkipBreak(d.src, doc.EndOfLine(d.src, d.offset(val)))
	return d.apply(doc.Edit{Pos: s, Del: e - s})
}

func (d *yamlDoc) Set(path []string, v any) error {
	return fmt.Errorf("%s: connect does not set %s in YAML files", d.name, doc.ShowPath(path))
}

func (d *yamlDoc) SetRaw(path []string, raw string) error { return d.Set(path, nil) }

func (d *yamlDoc) Raw(path []string) (string, bool) { return "", false }
