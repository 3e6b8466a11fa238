// Package dotenv edits .env files (KEY=value lines) in place, for
// connect.
package dotenv

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"switchyard/connect/doc"
)

// A .env file (KEY=value lines, # comments, optional "export ", quoted
// values that may span lines), read the way the dotenv package that Gemini
// CLI uses reads it: a key set twice counts as its last line. connect sets
// one variable by rewriting only the value of that line, or adds a line at
// the end.
type envDoc struct {
	name  string
	src   []byte
	eol   string
	lines []envLine
	dec   map[string]any
}

type envLine struct {
	key              string
	lineStart        int
	lineEnd          int // the line break after the value's last line, or len(src)
	valStart, valEnd int
}

var envKeyRE = regexp.MustCompile(`^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*`)

// Parse reads a file; name is used in errors.
func Parse(name string, src []byte) (doc.Doc, error) {
	d := &envDoc{name: name, src: src, eol: doc.DetectEOL(src)}
	if err := d.parse(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *envDoc) parse() error {
	d.lines, d.dec = nil, map[string]any{}
	s := d.src
	i := 0
	for i < len(s) {
		le := doc.EndOfLine(s, i)
		line := s[i:le]
		trimmed := bytes.TrimLeft(line, " \t")
		if len(trimmed) == 0 || trimmed[0] == '#' {
			i = doc.SkipBreak(s, le)
			continue
		}
		m := envKeyRE.FindSubmatchIndex(line)
		if m == nil {
			return doc.SyntaxErrAt(d.name, s, i, "expected KEY=value")
		}
		l := envLine{key: string(line[m[2]:m[3]]), lineStart: i, valStart: i + m[1]}
		v := i + m[1]
		var val string
		if v < len(s) && (s[v] == '"' || s[v] == '\'' || s[v] == '`') {
			q := s[v]
			j := v + 1
			for j < len(s) && s[j] != q {
				if s[j] == '\\' && q == '"' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return doc.SyntaxErrAt(d.name, s, v, "a quoted value is never closed")
			}
			l.valEnd = j + 1
			val = string(s[v+1 : j])
			if q == '"' {
				val = strings.NewReplacer(`\n`, "\n", `\r`, "\r", `\"`, `"`, `\\`, `\`).Replace(val)
			}
			le = doc.EndOfLine(s, l.valEnd)
		} else {
			raw := s[v:le]
			if k := bytes.Index(raw, []byte(" #")); k >= 0 {
				raw = raw[:k]
			}
			raw = bytes.TrimRight(raw, " \t")
			l.valEnd = v + len(raw)
			val = string(raw)
		}
		l.lineEnd = le
		d.lines = append(d.lines, l)
		d.dec[l.key] = val
		i = doc.SkipBreak(s, le)
	}
	return nil
}

func (d *envDoc) Tree() map[string]any { return d.dec }
func (d *envDoc) Bytes() []byte        { return d.src }

func (d *envDoc) last(key string) int {
	for i := len(d.lines) - 1; i >= 0; i-- {
		if d.lines[i].key == key {
			return i
		}
	}
	return -1
}

var envPlainRE = regexp.MustCompile(`^[A-Za-z0-9_./:@+,=-]*$`)

func envValue(s string) string {
	if envPlainRE.MatchString(s) {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`).Replace(s) + `"`
}

func (d *envDoc) Set(path []string, v any) error {
	s, ok := v.(string)
	if !ok || len(path) != 1 {
		return fmt.Errorf("%s: connect writes only VARIABLE=string lines to .env files", d.name)
	}
	return d.SetRaw(path, envValue(s))
}

func (d *envDoc) SetRaw(path []string, raw string) error {
	if len(path) != 1 {
		return fmt.Errorf("%s: %s is not a variable name", d.name, doc.ShowPath(path))
	}
	if i := d.last(path[0]); i >= 0 {
		l := d.lines[i]
		return d.apply(doc.Edit{Pos: l.valStart, Del: l.valEnd - l.valStart, Ins: raw})
	}
	ins := path[0] + "=" + raw + d.eol
	if len(d.src) > 0 && !bytes.HasSuffix(d.src, []byte("\n")) {
		ins = d.eol + path[0] + "=" + raw
	}
	return d.apply(doc.Edit{Pos: len(d.src), Ins: ins})
}

func (d *envDoc) Raw(path []string) (string, bool) {
	if len(path) != 1 {
		return "", false
	}
	i := d.last(path[0])
	if i < 0 {
		return "", false
	}
	return string(d.src[d.lines[i].valStart:d.lines[i].valEnd]), true
}

// del removes every line that sets the variable.
func (d *envDoc) Del(path []string) error {
	if len(path) != 1 {
		return nil
	}
	var edits []doc.Edit
	for _, l := range d.lines {
		if l.key != path[0] {
			continue
		}
		s, e := l.lineStart, doc.SkipBreak(d.src, l.lineEnd)
		if e == l.lineEnd && s > 0 {
			s = doc.LineBreakBefore(d.src, l.lineStart+1)
		}
		edits = append(edits, doc.Edit{Pos: s, Del: e - s})
	}
	if len(edits) == 0 {
		return nil
	}
	return d.apply(edits...)
}

func (d *envDoc) apply(edits ...doc.Edit) error {
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
