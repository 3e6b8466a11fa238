package connect

import (
	"fmt"
	"path/filepath"
	"strings"
)

// doc is one config file being edited at the text level.
type doc interface {
	// tree is the decoded file: what the tool reads.
	tree() map[string]any
	// bytes is the file's text with the edits so far.
	bytes() []byte
	// set writes value v (obj, []any, []string, string, bool) at path,
	// creating missing parent objects or tables.
	set(path []string, v any) error
	// setRaw writes a value's text as it was (undo).
	setRaw(path []string, raw string) error
	// raw is the text of the value at path.
	raw(path []string) (string, bool)
	// del removes path.
	del(path []string) error
}

// listDoc edits elements of lists (of objects).
type listDoc interface {
	doc
	appendElem(path []string, v any) error
	elemRaw(path []string, i int) string
	// replaceElem writes v (or, when v is nil, the text raw) as element i.
	replaceElem(path []string, i int, v any, raw string) error
	delElem(path []string, i int) error
}

type format int

const (
	formatJSON format = iota // JSON with comments and trailing commas
	formatTOML
	formatYAML
	formatEnv
)

func parseDoc(f format, name string, data []byte) (doc, error) {
	switch f {
	case formatTOML:
		return parseTOMLDoc(name, data)
	case formatYAML:
		return parseYAMLDoc(name, data)
	case formatEnv:
		return parseEnvDoc(name, data)
	}
	return parseJSONDoc(name, data)
}

// formatOf guesses a recorded file's format from its name.
func formatOf(path string) format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".toml":
		return formatTOML
	case ".yaml", ".yml":
		return formatYAML
	case ".env":
		return formatEnv
	}
	if filepath.Base(path) == ".env" {
		return formatEnv
	}
	return formatJSON
}

// fileSpec is one file of a tool and the settings connect writes to it.
type fileSpec struct {
	path     string
	format   format
	ops      []op
	template string // the text a new file starts from
}

// op is one setting.
type op struct {
	path  []string
	value any
	// match: path is a list and the setting is its element whose
	// fields have these values (added when there is none).
	match obj
	// key: the setting sends the tool's requests to the gateway
	// (Status calls a tool connected when all of these are in place).
	key bool
	// ifAbsent: written only when the file has no value there (a
	// placeholder key, a default model).
	ifAbsent bool
	// unless: not written when any of these paths has a value.
	unless [][]string
}

// toolDef is a tool and how to set it up.
type toolDef struct {
	Tool
	// files are the tool's files for this setup, with their settings.
	files func(s *Setup) []fileSpec
	// allFiles are all files the tool may use (undo looks for records
	// of them); nil means files.
	others func(s *Setup) []fileSpec
	// notes are what the user should know after connecting.
	notes func(s *Setup) []string
}

func (t *toolDef) allFiles(s *Setup) []fileSpec {
	all := t.files(s)
	if t.others != nil {
		all = append(all, t.others(s)...)
	}
	return all
}

// findElem returns the index of the first element of list that is an
// object with the fields of match, or -1.
func findElem(list []any, match any) int {
	want, _ := match.(map[string]any)
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		all := true
		for k, v := range want {
			if !equal(m[k], v) {
				all = false
			}
		}
		if all {
			return i
		}
	}
	return -1
}

// applyOp writes one setting. It returns the change (nil when the file
// already has it) and the containers it created. The edit is checked:
// the file must decode to its old content with exactly this setting
// changed.
func applyOp(d doc, name string, o op) (*change, [][]string, error) {
	before := d.tree()
	cur, ok, err := lookup(before, o.path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v; connect left it untouched", name, err)
	}
	pv := plain(o.value)
	if o.match != nil {
		return applyElemOp(d, name, o, before, cur, ok, pv)
	}
	if ok && o.ifAbsent {
		return nil, nil, nil
	}
	for _, u := range o.unless {
		if _, has, _ := lookup(before, u); has {
			return nil, nil, nil
		}
	}
	if ok && equal(cur, pv) {
		return nil, nil, nil
	}
	ch := &change{Path: o.path, Had: ok, New: pv}
	if ok {
		ch.Old, _ = d.raw(o.path)
	}
	created := missingPrefixes(before, o.path[:len(o.path)-1])
	if err := d.set(o.path, o.value); err != nil {
		return nil, nil, err
	}
	if !equal(d.tree(), withSet(before, o.path, pv)) {
		return nil, nil, fmt.Errorf("%s: internal error: setting %s would change more than that; nothing was written", name, showPath(o.path))
	}
	return ch, created, nil
}

func applyElemOp(d doc, name string, o op, before map[string]any, cur any, ok bool, pv any) (*change, [][]string, error) {
	ld, isList := d.(listDoc)
	if !isList {
		return nil, nil, fmt.Errorf("%s: connect cannot edit lists in this kind of file", name)
	}
	var list []any
	if ok {
		var isSlice bool
		if list, isSlice = cur.([]any); !isSlice && cur != nil {
			return nil, nil, fmt.Errorf("%s: %s is %s, not a list; connect left it untouched", name, showPath(o.path), kindOf(cur))
		}
	}
	match, _ := plain(o.match).(map[string]any)
	ch := &change{Path: o.path, Match: match, New: pv}
	i := findElem(list, match)
	var expected []any
	var created [][]string
	switch {
	case i >= 0 && equal(list[i], pv):
		return nil, nil, nil
	case i >= 0:
		ch.Had, ch.Old = true, ld.elemRaw(o.path, i)
		if err := ld.replaceElem(o.path, i, o.value, ""); err != nil {
			return nil, nil, err
		}
		expected = append([]any(nil), list...)
		expected[i] = pv
	default:
		if !ok || cur == nil {
			created = missingPrefixes(before, o.path)
		}
		if err := ld.appendElem(o.path, o.value); err != nil {
			return nil, nil, err
		}
		expected = append(append([]any(nil), list...), pv)
	}
	if !equal(d.tree(), withSet(before, o.path, expected)) {
		return nil, nil, fmt.Errorf("%s: internal error: adding the Switchyard entry to %s would change more than that; nothing was written", name, showPath(o.path))
	}
	return ch, created, nil
}

// missingPrefixes are the prefixes of path (path itself included) that
// do not exist yet, shortest first: the containers a new setting creates.
func missingPrefixes(root map[string]any, path []string) [][]string {
	var out [][]string
	for i := 1; i <= len(path); i++ {
		if _, has, _ := lookup(root, path[:i]); !has {
			out = append(out, append([]string(nil), path[:i]...))
		}
	}
	return out
}

// revert undoes one change if the file still has the value connect
// wrote: puts the old value back, or removes the setting. A value the
// user changed since is kept, and said so.
func revert(d doc, name string, ch change) (did bool, kept string, err error) {
	before := d.tree()
	cur, ok, lerr := lookup(before, ch.Path)
	if lerr != nil || !ok {
		return false, "", nil
	}
	if ch.Match != nil {
		list, _ := cur.([]any)
		i := findElem(list, ch.Match)
		if i < 0 {
			return false, "", nil
		}
		if !equal(list[i], ch.New) {
			return false, fmt.Sprintf("%s: the %s entry (changed since connect)", showPath(ch.Path), matchName(ch.Match)), nil
		}
		ld, isList := d.(listDoc)
		if !isList {
			return false, "", fmt.Errorf("%s: connect cannot edit lists in this kind of file", name)
		}
		if ch.Had {
			return true, "", ld.replaceElem(ch.Path, i, nil, ch.Old)
		}
		if err := ld.delElem(ch.Path, i); err != nil {
			return false, "", err
		}
		expected := append(append([]any(nil), list[:i]...), list[i+1:]...)
		if got, _, _ := lookup(d.tree(), ch.Path); !equal(got, expected) && !(len(expected) == 0 && isEmpty(got)) {
			return false, "", fmt.Errorf("%s: internal error: removing the %s entry changed more than that; nothing was written", name, matchName(ch.Match))
		}
		return true, "", nil
	}
	if !equal(cur, ch.New) {
		return false, showPath(ch.Path) + " (changed since connect)", nil
	}
	if ch.Had {
		return true, "", d.setRaw(ch.Path, ch.Old)
	}
	if err := d.del(ch.Path); err != nil {
		return false, "", err
	}
	if !equal(d.tree(), withDeleted(before, ch.Path)) {
		return false, "", fmt.Errorf("%s: internal error: removing %s changed more than that; nothing was written", name, showPath(ch.Path))
	}
	return true, "", nil
}

// satisfied reports whether the file already has the setting (Apply
// would not write it).
func satisfied(tree map[string]any, o op) (bool, error) {
	cur, ok, err := lookup(tree, o.path)
	if err != nil {
		return false, err
	}
	pv := plain(o.value)
	if o.match != nil {
		list, _ := cur.([]any)
		i := findElem(list, plain(o.match))
		return i >= 0 && equal(list[i], pv), nil
	}
	if ok && o.ifAbsent {
		return true, nil
	}
	for _, u := range o.unless {
		if _, has, _ := lookup(tree, u); has {
			return true, nil
		}
	}
	return ok && equal(cur, pv), nil
}

func matchName(m map[string]any) string {
	var parts []string
	for _, k := range []string{"name", "title", "id"} {
		if v, ok := m[k]; ok {
			parts = append(parts, fmt.Sprint(v))
		}
	}
	if len(parts) == 0 {
		return showValue(m)
	}
	return strings.Join(parts, " ")
}

// describe says what Apply wrote, for the user.
func describe(ch change) string {
	if ch.Match != nil {
		if ch.Had {
			return fmt.Sprintf("%s: replaced the %s entry", showPath(ch.Path), matchName(ch.Match))
		}
		return fmt.Sprintf("%s: added the %s entry", showPath(ch.Path), matchName(ch.Match))
	}
	s := showPath(ch.Path) + " = " + showValue(ch.New)
	if ch.Had {
		if secretish(ch.Path) {
			s += " (replaced the value it had)"
		} else {
			s += " (was " + strings.TrimSpace(shorten(ch.Old)) + ")"
		}
	}
	return s
}

func describeOp(o op) string {
	if o.match != nil {
		return fmt.Sprintf("%s: the %s entry", showPath(o.path), matchName(plainMatchObj(o.match)))
	}
	return showPath(o.path) + " = " + showValue(plain(o.value))
}

func plainMatchObj(m obj) map[string]any {
	p, _ := plain(m).(map[string]any)
	return p
}

// undescribe says what undo took out or put back.
func undescribe(ch change) string {
	if ch.Match != nil {
		if ch.Had {
			return fmt.Sprintf("%s: put the %s entry back as it was", showPath(ch.Path), matchName(ch.Match))
		}
		return fmt.Sprintf("%s: removed the %s entry", showPath(ch.Path), matchName(ch.Match))
	}
	if ch.Had {
		if secretish(ch.Path) {
			return showPath(ch.Path) + ": put the old value back"
		}
		return showPath(ch.Path) + " = " + strings.TrimSpace(shorten(ch.Old)) + " (as before)"
	}
	return "removed " + showPath(ch.Path)
}

func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		return s[:77] + "…"
	}
	return s
}
