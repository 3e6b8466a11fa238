// Package tomledit edits TOML config files at the text level, for
// connect: keys of the top level and of [table] sections; every other
// line stays byte for byte.
package tomledit

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"switchyard/connect/doc"
)

// A TOML document edited at the text level: it can set and remove keys of
// the top level and of [table] sections, add a [table] at the end, and
// remove a table connect emptied. Every other line — comments, blank
// lines, other tables, arrays of tables, multi-line strings and arrays —
// stays byte for byte. The document is decoded with go-toml for reading
// (and to reject a broken file with its line); the line scanner here only
// finds where statements are.
type tomlDoc struct {
	name  string
	src   []byte
	eol   string
	stmts []tstmt
	dec   map[string]any
}

// tstmt is one statement: a [table] / [[array]] header or a key = value.
type tstmt struct {
	header, array bool
	key           []string
	lineStart     int // offset of the statement's first line
	lineEnd       int // offset of the line break that ends its last line (or len(src))
	valStart      int // key = value: the value's bytes
	valEnd        int
}

// Parse reads a file; name is used in errors.
func Parse(name string, src []byte) (doc.Doc, error) {
	d := &tomlDoc{name: name, src: src, eol: doc.DetectEOL(src)}
	if err := d.parse(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *tomlDoc) parse() error {
	var m map[string]any
	if err := toml.Unmarshal(d.src, &m); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return &doc.SyntaxError{File: d.name, Line: row, Col: col, Msg: "not valid TOML: " + de.Error()}
		}
		msg := strings.TrimPrefix(err.Error(), "toml: ")
		if off := redefinition(d.src, msg); off >= 0 {
			return doc.SyntaxErrAt(d.name, d.src, off, "not valid TOML: %s", msg)
		}
		return &doc.SyntaxError{File: d.name, Msg: "not valid TOML: " + msg}
	}
	if m == nil {
		m = map[string]any{}
	}
	d.dec = m
	stmts, err := scanTOML(d.src)
	if err != nil {
		return &doc.SyntaxError{File: d.name, Msg: err.Error()}
	}
	d.stmts = stmts
	return nil
}

func (d *tomlDoc) Tree() map[string]any { return d.dec }
func (d *tomlDoc) Bytes() []byte        { return d.src }

// redefinition finds where go-toml's "key K is already defined" (an
// error without a position) happens: the second statement defining K.
func redefinition(src []byte, msg string) int {
	k, ok := strings.CutPrefix(msg, "key ")
	if !ok {
		return -1
	}
	k, ok = strings.CutSuffix(k, " is already defined")
	if !ok {
		return -1
	}
	stmts, err := scanTOML(src)
	if err != nil {
		return -1
	}
	var table []string
	seen := 0
	for _, st := range stmts {
		full := st.key
		if st.header {
			table = st.key
		} else {
			full = append(append([]string(nil), table...), st.key...)
		}
		if strings.Join(full, ".") == k {
			if seen++; seen == 2 {
				return st.lineStart
			}
		}
	}
	return -1
}

// scanTOML finds the statements of a TOML document already known to be
// valid.
func scanTOML(s []byte) ([]tstmt, error) {
	var out []tstmt
	i := 0
	for i < len(s) {
		ls := i
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			break
		}
		switch c := s[i]; {
		case c == '\n' || c == '\r' || c == '#':
			i = doc.EndOfLine(s, i)
			i = doc.SkipBreak(s, i)
			continue
		case c == '[':
			st := tstmt{header: true, lineStart: ls}
			i++
			if i < len(s) && s[i] == '[' {
				st.array = true
				i++
			}
			key, j, err := scanKey(s, i)
			if err != nil {
				return nil, err
			}
			st.key = key
			i = j
			for i < len(s) && (s[i] == ']' || s[i] == ' ' || s[i] == '\t') {
				i++
			}
			i = doc.EndOfLine(s, i)
			st.lineEnd = i
			out = append(out, st)
			i = doc.SkipBreak(s, i)
		default:
			key, j, err := scanKey(s, i)
			if err != nil {
				return nil, err
			}
			i = j
			for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '=') {
				i++
			}
			st := tstmt{key: key, lineStart: ls, valStart: i}
			end, err := scanValue(s, i)
			if err != nil {
				return nil, err
			}
			st.valEnd = end
			i = doc.EndOfLine(s, end)
			st.lineEnd = i
			out = append(out, st)
			i = doc.SkipBreak(s, i)
		}
	}
	return out, nil
}

// scanKey reads a (dotted) key: bare, "basic" or 'literal' parts.
func scanKey(s []byte, i int) ([]string, int, error) {
	var parts []string
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			return nil, i, errors.New("a key is cut off")
		}
		switch s[i] {
		case '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			var m map[string]any
			if j >= len(s) || toml.Unmarshal([]byte("k = "+string(s[i:j+1])), &m) != nil {
				return nil, i, fmt.Errorf("cannot read the quoted key at offset %d", i)
			}
			k, _ := m["k"].(string)
			parts = append(parts, k)
			i = j + 1
		case '\'':
			j := bytes.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, i, errors.New("a quoted key is never closed")
			}
			parts = append(parts, string(s[i+1:i+1+j]))
			i = i + 1 + j + 1
		default:
			j := i
			for j < len(s) && isBareKeyChar(s[j]) {
				j++
			}
			if j == i {
				return nil, i, fmt.Errorf("unexpected %q where a key should be", s[i])
			}
			parts = append(parts, string(s[i:j]))
			i = j
		}
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i < len(s) && s[i] == '.' {
			i++
			continue
		}
		return parts, i, nil
	}
}

func isBareKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// scanValue returns the end of the value that starts at i: strings of all
// four kinds, arrays and inline tables across lines (with comments inside
// arrays), and plain scalars.
func scanValue(s []byte, i int) (int, error) {
	depth := 0
	end := i
	for i < len(s) {
		c := s[i]
		switch {
		case bytes.HasPrefix(s[i:], []byte(`"""`)) || bytes.HasPrefix(s[i:], []byte(`'''`)):
			j, err := scanMultiline(s, i)
			if err != nil {
				return 0, err
			}
			i = j
			end = i
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' && s[j] != '\n' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) || s[j] != '"' {
				return 0, errors.New("a string is never closed")
			}
			i = j + 1
			end = i
		case c == '\'':
			j := bytes.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return 0, errors.New("a string is never closed")
			}
			i = i + 1 + j + 1
			end = i
		case c == '[' || c == '{':
			depth++
			i++
			end = i
		case c == ']' || c == '}':
			depth--
			i++
			end = i
			if depth == 0 {
				return end, nil
			}
		case c == '#':
			if depth == 0 {
				return end, nil
			}
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '\n' || c == '\r':
			if depth == 0 {
				return end, nil
			}
			i++
		case c == ' ' || c == '\t' || c == ',':
			i++
		default:
			i++
			end = i
		}
		if depth == 0 && end > 0 && (c == '"' || c == '\'') {
			return end, nil
		}
	}
	return end, nil
}

// scanMultiline returns the offset after the multi-line string (basic
// or literal, three quotes) that starts at i.
func scanMultiline(s []byte, i int) (int, error) {
	q := s[i : i+3]
	j := i + 3
	for {
		k := bytes.Index(s[j:], q)
		if k < 0 {
			return 0, errors.New("a multi-line string is never closed")
		}
		j += k
		if q[0] == '"' && backslashes(s, j)%2 == 1 {
			j++
			continue
		}
		break
	}
	j += 3
	for n := 0; n < 2 && j < len(s) && s[j] == q[0]; n++ {
		j++
	}
	return j, nil
}

// backslashes counts the backslashes right before offset j.
func backslashes(s []byte, j int) int {
	n := 0
	for j-1-n >= 0 && s[j-1-n] == '\\' {
		n++
	}
	return n
}

// ---- reading ----

// region returns the statements of table t (nil = the top level): the
// index of its header (-1 for the top level, -2 when it has none) and of
// the statements in it.
func (d *tomlDoc) region(t []string) (header int, body []int) {
	header = -2
	if len(t) == 0 {
		header = -1
	}
	in := len(t) == 0
	for i, st := range d.stmts {
		if st.header {
			in = !st.array && sameKey(st.key, t) && len(t) > 0
			if in {
				header = i
			}
			continue
		}
		if in {
			body = append(body, i)
		}
	}
	return header, body
}

func sameKey(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func hasPrefix(k, p []string) bool { return len(k) >= len(p) && sameKey(k[:len(p)], p) }

// keyStmt finds key k (one part) in table t.
func (d *tomlDoc) keyStmt(t []string, k string) (idx int, dotted bool) {
	_, body := d.region(t)
	idx = -1
	for _, i := range body {
		key := d.stmts[i].key
		if sameKey(key, []string{k}) {
			idx = i
		} else if len(key) > 1 && key[0] == k {
			dotted = true
		}
	}
	return idx, dotted
}

func (d *tomlDoc) Raw(path []string) (string, bool) {
	i, _ := d.keyStmt(path[:len(path)-1], path[len(path)-1])
	if i < 0 {
		return "", false
	}
	return string(d.src[d.stmts[i].valStart:d.stmts[i].valEnd]), true
}

// ---- writing ----

func tomlKey(k string) string {
	ok := k != ""
	for i := 0; i < len(k); i++ {
		if !isBareKeyChar(k[i]) {
			ok = false
		}
	}
	if ok {
		return k
	}
	return tomlString(k)
}

func tomlKeyPath(p []string) string {
	parts := make([]string, len(p))
	for i, k := range p {
		parts[i] = tomlKey(k)
	}
	return strings.Join(parts, ".")
}

// tomlString is a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func tomlValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return tomlString(x), nil
	case bool:
		if x {
			return "true", nil
		}
		return "false", nil
	}
	return "", fmt.Errorf("connect writes only strings and booleans to TOML, not %T", v)
}

func (d *tomlDoc) Set(path []string, v any) error {
	text, err := tomlValue(v)
	if err != nil {
		return err
	}
	return d.SetRaw(path, text)
}

// setRaw puts key = raw into its table: replaces the value of an existing
// key, adds the line after the table's last key, or adds the table at the
// end of the file.
func (d *tomlDoc) SetRaw(path []string, raw string) error {
	t, k := path[:len(path)-1], path[len(path)-1]
	if _, _, err := doc.Lookup(d.dec, t); err != nil {
		return fmt.Errorf("%s: %v; connect left the file untouched", d.name, err)
	}
	header, body := d.region(t)
	if header == -2 {
		if _, ok, _ := doc.Lookup(d.dec, t); ok {
			return d.foreignForm(t)
		}
		src := d.src
		var b strings.Builder
		if len(src) > 0 && !bytes.HasSuffix(src, []byte("\n")) {
			b.WriteString(d.eol)
		}
		if len(bytes.TrimSpace(src)) > 0 {
			b.WriteString(d.eol)
		}
		b.WriteString("[" + tomlKeyPath(t) + "]" + d.eol + tomlKey(k) + " = " + raw + d.eol)
		return d.apply(doc.Edit{Pos: len(src), Ins: b.String()})
	}
	i, dotted := d.keyStmt(t, k)
	if dotted {
		return d.foreignForm(path)
	}
	if i >= 0 {
		st := d.stmts[i]
		return d.apply(doc.Edit{Pos: st.valStart, Del: st.valEnd - st.valStart, Ins: raw})
	}
	line := tomlKey(k) + " = " + raw
	if len(body) > 0 {
		last := d.stmts[body[len(body)-1]]
		return d.apply(doc.Edit{Pos: last.lineEnd, Ins: d.eol + doc.IndentAt(d.src, last.valStart) + line})
	}
	if header >= 0 {
		return d.apply(doc.Edit{Pos: d.stmts[header].lineEnd, Ins: d.eol + line})
	}
	// A top level without keys: the line goes first, a blank line
	// between it and the first table.
	ins := line + d.eol
	if len(d.stmts) > 0 && d.stmts[0].header && d.stmts[0].lineStart == 0 {
		ins += d.eol
	}
	return d.apply(doc.Edit{Pos: 0, Ins: ins})
}

func (d *tomlDoc) foreignForm(path []string) error {
	return fmt.Errorf("%s: %s is written as dotted keys or an inline table, which connect does not edit; write it as a [%s] table (or remove it) and run connect again",
		d.name, doc.ShowPath(path), tomlKeyPath(path))
}

// del removes key path, or the [table] path when it holds no keys.
func (d *tomlDoc) Del(path []string) error {
	if header, body := d.region(path); header >= 0 {
		if len(body) > 0 {
			return nil
		}
		st := d.stmts[header]
		s, e := st.lineStart, doc.SkipBreak(d.src, st.lineEnd)
		// A blank line before a table that ends the file goes with it.
		if e >= len(d.src) && s >= 1 {
			if p := doc.LineStart(d.src, s-1); len(bytes.TrimSpace(d.src[p:s])) == 0 && p < s {
				s = p
			}
		}
		return d.apply(doc.Edit{Pos: s, Del: e - s})
	}
	t, k := path[:len(path)-1], path[len(path)-1]
	i, _ := d.keyStmt(t, k)
	if i < 0 {
		return nil
	}
	st := d.stmts[i]
	s, e := st.lineStart, doc.SkipBreak(d.src, st.lineEnd)
	if e == st.lineEnd && s > 0 { // the last line, without a line break
		s = doc.LineBreakBefore(d.src, st.lineStart+1)
	}
	// The first line of the file, followed by a blank line: the blank
	// line goes too (connect adds both before a file's first table).
	if s == 0 && e < len(d.src) {
		if n := doc.SkipBreak(d.src, doc.EndOfLine(d.src, e)); len(bytes.TrimSpace(d.src[e:n])) == 0 && n > e {
			e = n
		}
	}
	return d.apply(doc.Edit{Pos: s, Del: e - s})
}

func (d *tomlDoc) apply(edits ...doc.Edit) error {
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
