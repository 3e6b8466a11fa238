// Package doctest holds the checks the editors' tests share: a setting
// written and taken out again gives back the file (RoundTrip), and, for any
// input, editing never panics nor breaks the file (Fuzz).
package doctest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"switchyard/connect/doc"
)

// Parser reads a file of one format.
type Parser func(name string, src []byte) (doc.Doc, error)

// RoundTrip: the editors on their own: for each shape of file, adding a setting
// gives the expected text (only that setting's bytes change, laid out like
// its neighbours), and removing it again gives back the original byte for
// byte; replacing a value and putting its old text back does too.

func RoundTrip(t *testing.T, parse Parser, name, in string, path []string, v any, want string) {
	t.Helper()
	d, err := parse("f", []byte(in))
	if err != nil {
		t.Fatalf("%s: parse: %v", name, err)
	}
	ch, _, err := doc.Apply(d, "f", doc.Op{Path: path, Value: v})
	if err != nil {
		t.Fatalf("%s: set: %v", name, err)
	}
	if got := string(d.Bytes()); got != want {
		t.Errorf("%s: after set:\n%s\nwant:\n%s", name, got, want)
		return
	}
	// Undo as connect does it without the backup: the record's change.
	if _, _, err := doc.Revert(d, "f", *ch); err != nil {
		t.Fatalf("%s: revert: %v", name, err)
	}
	created := doc.MissingPrefixes(MustTree(t, parse, in), path[:len(path)-1])
	for i := len(created) - 1; i >= 0; i-- {
		if v, ok, _ := doc.Lookup(d.Tree(), created[i]); ok && doc.IsEmpty(v) {
			if err := d.Del(created[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := string(d.Bytes()); got != in {
		t.Errorf("%s: set then undo:\n%q\nwant the original:\n%q", name, got, in)
	}
}

// MustTree is the decoded content of s.
func MustTree(t *testing.T, parse Parser, s string) map[string]any {
	d, err := parse("f", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return d.Tree()
}

// Fuzz: fuzzing the editors: for any file that parses, setting connect's values
// either succeeds with a file that decodes to exactly the old content plus
// the setting (applyOp checks that) or fails with an error; it never
// panics and never produces a file that does not parse. Taking the setting
// out again gives back the decoded content of the original.

func Fuzz(f *testing.F, parse Parser, seeds []string, ops []doc.Op, nullIsEmpty bool) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		watchdog := time.AfterFunc(5*time.Second, func() { panic(fmt.Sprintf("editing took over 5 s: %q", in)) })
		defer watchdog.Stop()
		d, err := parse("f", in)
		if err != nil {
			return
		}
		orig := d.Tree()
		var changes []doc.Change
		for _, o := range ops {
			ch, _, err := doc.Apply(d, "f", o)
			if err != nil {
				return // refused (a form connect does not edit): fine
			}
			if ch != nil {
				changes = append(changes, *ch)
			}
		}
		if _, err := parse("f", d.Bytes()); err != nil {
			t.Fatalf("the edited file does not parse: %v\n%q", err, d.Bytes())
		}
		for i := len(changes) - 1; i >= 0; i-- {
			if _, _, err := doc.Revert(d, "f", changes[i]); err != nil {
				t.Fatalf("revert: %v\n%q", err, d.Bytes())
			}
		}
		for _, o := range ops {
			top := len(o.Path) - 1
			if o.Match != nil {
				top = len(o.Path) // the list itself may be new
			}
			for p := top; p >= 1; p-- {
				if v, ok, _ := doc.Lookup(d.Tree(), o.Path[:p]); ok && doc.IsEmpty(v) {
					if _, had, _ := doc.Lookup(orig, o.Path[:p]); !had {
						if err := d.Del(o.Path[:p]); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
		}
		// A YAML list that was empty (null) may come back as [].
		if !doc.Equal(d.Tree(), orig) && !(nullIsEmpty && doc.Equal(nullToEmpty(d.Tree()), nullToEmpty(orig))) {
			t.Fatalf("set then undo changed the content:\n%q\nfrom\n%q", d.Bytes(), in)
		}
	})
}

// Seeds reads fuzz seeds from files.
func Seeds(f *testing.F, names ...string) []string {
	var out []string
	for _, n := range names {
		b, err := os.ReadFile(filepath.FromSlash(n))
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

func nullToEmpty(m map[string]any) map[string]any {
	out := doc.Shallow(m)
	for k, v := range out {
		if v == nil {
			out[k] = []any{}
		}
	}
	return out
}
