// Package doc is the document model shared by connect's file editors: a
// config file edited at the text level (Doc, ListDoc), the decoded values
// they agree on (Obj, Plain, Equal, Lookup), and the checked settings
// written through them (Apply, Revert): after each edit the file must
// decode to its old content with exactly that setting changed.
package doc

import (
	"fmt"
	"strings"
)

// Doc is one config file being edited at the text level.
type Doc interface {
	// Tree is the decoded file: what the tool reads.
	Tree() map[string]any
	// Bytes is the file's text with the edits so far.
	Bytes() []byte
	// Set writes value v (Obj, []any, []string, string, bool) at path,
	// creating missing parent objects or tables.
	Set(path []string, v any) error
	// SetRaw writes a value's text as it was (undo).
	SetRaw(path []string, raw string) error
	// Raw is the text of the value at path.
	Raw(path []string) (string, bool)
	// Del removes path.
	Del(path []string) error
}

// ListDoc edits elements of lists (of objects).
type ListDoc interface {
	Doc
	AppendElem(path []string, v any) error
	ElemRaw(path []string, i int) string
	// ReplaceElem writes v (or, when v is nil, the text raw) as element i.
	ReplaceElem(path []string, i int, v any, raw string) error
	DelElem(path []string, i int) error
}

// Op is one setting.
type Op struct {
	Path  []string
	Value any
	// Match: Path is a list and the setting is its element whose
	// fields have these values (added when there is none).
	Match Obj
	// IfAbsent: written only when the file has no value there (a
	// placeholder key, a default model).
	IfAbsent bool
	// Unless: not written when any of these paths has a value.
	Unless [][]string
}

// Change is what Apply wrote, as the undo record keeps it.
type Change struct {
	Path []string `json:"path"`
	// Match: Path is a list and the setting is its element whose fields
	// have these values.
	Match map[string]any `json:"match,omitempty"`
	Had   bool           `json:"had"`           // the setting existed before
	Old   string         `json:"old,omitempty"` // its text before (when Had)
	New   any            `json:"new"`           // the value connect wrote
}

// FindElem returns the index of the first element of list that is an
// object with the fields of match, or -1.
func FindElem(list []any, match any) int {
	want, _ := match.(map[string]any)
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		all := true
		for k, v := range want {
			if !Equal(m[k], v) {
				all = false
			}
		}
		if all {
			return i
		}
	}
	return -1
}

// Apply writes one setting. It returns the change (nil when the file
// already has it) and the containers it created. The edit is checked:
// the file must decode to its old content with exactly this setting
// changed.
func Apply(d Doc, name string, o Op) (*Change, [][]string, error) {
	before := d.Tree()
	cur, ok, err := Lookup(before, o.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v; connect left it untouched", name, err)
	}
	pv := Plain(o.Value)
	if o.Match != nil {
		return applyElem(d, name, o, before, cur, ok, pv)
	}
	if ok && o.IfAbsent {
		return nil, nil, nil
	}
	for _, u := range o.Unless {
		if _, has, _ := Lookup(before, u); has {
			return nil, nil, nil
		}
	}
	if ok && Equal(cur, pv) {
		return nil, nil, nil
	}
	ch := &Change{Path: o.Path, Had: ok, New: pv}
	if ok {
		ch.Old, _ = d.Raw(o.Path)
	}
	created := MissingPrefixes(before, o.Path[:len(o.Path)-1])
	if err := d.Set(o.Path, o.Value); err != nil {
		return nil, nil, err
	}
	if !Equal(d.Tree(), WithSet(before, o.Path, pv)) {
		return nil, nil, fmt.Errorf("%s: internal error: setting %s would change more than that; nothing was written", name, ShowPath(o.Path))
	}
	return ch, created, nil
}

func applyElem(d Doc, name string, o Op, before map[string]any, cur any, ok bool, pv any) (*Change, [][]string, error) {
	ld, isList := d.(ListDoc)
	if !isList {
		return nil, nil, fmt.Errorf("%s: connect cannot edit lists in this kind of file", name)
	}
	var list []any
	if ok {
		var isSlice bool
		if list, isSlice = cur.([]any); !isSlice && cur != nil {
			return nil, nil, fmt.Errorf("%s: %s is %s, not a list; connect left it untouched", name, ShowPath(o.Path), KindOf(cur))
		}
	}
	match, _ := Plain(o.Match).(map[string]any)
	ch := &Change{Path: o.Path, Match: match, New: pv}
	i := FindElem(list, match)
	var expected []any
	var created [][]string
	switch {
	case i >= 0 && Equal(list[i], pv):
		return nil, nil, nil
	case i >= 0:
		ch.Had, ch.Old = true, ld.ElemRaw(o.Path, i)
		if err := ld.ReplaceElem(o.Path, i, o.Value, ""); err != nil {
			return nil, nil, err
		}
		expected = append([]any(nil), list...)
		expected[i] = pv
	default:
		if !ok || cur == nil {
			created = MissingPrefixes(before, o.Path)
		}
		if err := ld.AppendElem(o.Path, o.Value); err != nil {
			return nil, nil, err
		}
		expected = append(append([]any(nil), list...), pv)
	}
	if !Equal(d.Tree(), WithSet(before, o.Path, expected)) {
		return nil, nil, fmt.Errorf("%s: internal error: adding the Switchyard entry to %s would change more than that; nothing was written", name, ShowPath(o.Path))
	}
	return ch, created, nil
}

// MissingPrefixes are the prefixes of path (path itself included) that
// do not exist yet, shortest first: the containers a new setting creates.
func MissingPrefixes(root map[string]any, path []string) [][]string {
	var out [][]string
	for i := 1; i <= len(path); i++ {
		if _, has, _ := Lookup(root, path[:i]); !has {
			out = append(out, append([]string(nil), path[:i]...))
		}
	}
	return out
}

// Revert undoes one change if the file still has the value connect
// wrote: puts the old value back, or removes the setting. A value the
// user changed since is kept, and said so.
func Revert(d Doc, name string, ch Change) (did bool, kept string, err error) {
	before := d.Tree()
	cur, ok, lerr := Lookup(before, ch.Path)
	if lerr != nil || !ok {
		return false, "", nil
	}
	if ch.Match != nil {
		list, _ := cur.([]any)
		i := FindElem(list, ch.Match)
		if i < 0 {
			return false, "", nil
		}
		if !Equal(list[i], ch.New) {
			return false, fmt.Sprintf("%s: the %s entry (changed since connect)", ShowPath(ch.Path), MatchName(ch.Match)), nil
		}
		ld, isList := d.(ListDoc)
		if !isList {
			return false, "", fmt.Errorf("%s: connect cannot edit lists in this kind of file", name)
		}
		if ch.Had {
			return true, "", ld.ReplaceElem(ch.Path, i, nil, ch.Old)
		}
		if err := ld.DelElem(ch.Path, i); err != nil {
			return false, "", err
		}
		expected := append(append([]any(nil), list[:i]...), list[i+1:]...)
		if got, _, _ := Lookup(d.Tree(), ch.Path); !Equal(got, expected) && !(len(expected) == 0 && IsEmpty(got)) {
			return false, "", fmt.Errorf("%s: internal error: removing the %s entry changed more than that; nothing was written", name, MatchName(ch.Match))
		}
		return true, "", nil
	}
	if !Equal(cur, ch.New) {
		return false, ShowPath(ch.Path) + " (changed since connect)", nil
	}
	if ch.Had {
		return true, "", d.SetRaw(ch.Path, ch.Old)
	}
	if err := d.Del(ch.Path); err != nil {
		return false, "", err
	}
	if !Equal(d.Tree(), WithDeleted(before, ch.Path)) {
		return false, "", fmt.Errorf("%s: internal error: removing %s changed more than that; nothing was written", name, ShowPath(ch.Path))
	}
	return true, "", nil
}

// Satisfied reports whether the file already has the setting (Apply
// would not write it).
func Satisfied(tree map[string]any, o Op) (bool, error) {
	cur, ok, err := Lookup(tree, o.Path)
	if err != nil {
		return false, err
	}
	pv := Plain(o.Value)
	if o.Match != nil {
		list, _ := cur.([]any)
		i := FindElem(list, Plain(o.Match))
		return i >= 0 && Equal(list[i], pv), nil
	}
	if ok && o.IfAbsent {
		return true, nil
	}
	for _, u := range o.Unless {
		if _, has, _ := Lookup(tree, u); has {
			return true, nil
		}
	}
	return ok && Equal(cur, pv), nil
}

// MatchName names a list entry by its name, title or id fields, for messages.
func MatchName(m map[string]any) string {
	var parts []string
	for _, k := range []string{"name", "title", "id"} {
		if v, ok := m[k]; ok {
			parts = append(parts, fmt.Sprint(v))
		}
	}
	if len(parts) == 0 {
		return ShowValue(m)
	}
	return strings.Join(parts, " ")
}
