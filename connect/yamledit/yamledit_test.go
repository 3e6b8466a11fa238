package yamledit

import (
	"strings"
	"testing"

	"switchyard/connect/doc"
	"switchyard/connect/doc/doctest"
)

func TestYAMLEdits(t *testing.T) {
	el := doc.Obj{{"name", "Switchyard"}, {"provider", "openai"}, {"roles", []string{"chat"}}}
	item := "  - name: Switchyard\n    provider: openai\n    roles: [chat]\n"
	for _, c := range []struct{ name, in, want string }{
		{"no models", "name: x\n", "name: x\nmodels:\n" + item},
		{"no models, no final newline", "name: x", "name: x\nmodels:\n" + item},
		{"empty flow list", "name: x\nmodels: []\ncontext: []\n", "name: x\nmodels:\n" + item + "context: []\n"},
		{"null", "models:\ncontext: []\n", "models:\n" + item + "context: []\n"},
		{"after the last item, before comments of the next key", "models:\n  - name: a\n    x: 1\n\n# ctx\ncontext: []\n",
			"models:\n  - name: a\n    x: 1\n" + item + "\n# ctx\ncontext: []\n"},
		{"list at the key's indentation", "models:\n- name: a\nother: 1\n", "models:\n- name: a\n- name: Switchyard\n  provider: openai\n  roles: [chat]\nother: 1\n"},
		{"last in the file", "models:\n  - name: a\n", "models:\n  - name: a\n" + item},
		{"replace", "models:\n  - name: Switchyard\n    provider: old\n  - name: b\n", "models:\n" + item + "  - name: b\n"},
	} {
		d, err := Parse("f", []byte(c.in))
		if err != nil {
			t.Fatal(err)
		}
		ch, created, err := doc.Apply(d, "f", doc.Op{Path: []string{"models"}, Value: el, Match: doc.Obj{{"name", "Switchyard"}}})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := string(d.Bytes()); got != c.want {
			t.Errorf("%s:\n%s\nwant:\n%s", c.name, got, c.want)
			continue
		}
		if _, _, err := doc.Revert(d, "f", *ch); err != nil {
			t.Fatal(err)
		}
		for _, p := range created {
			if v, ok, _ := doc.Lookup(d.Tree(), p); ok && doc.IsEmpty(v) {
				d.Del(p)
			}
		}
		exact := map[string]bool{"no models": true, "after the last item, before comments of the next key": true,
			"list at the key's indentation": true, "last in the file": true, "replace": true, "empty flow list": true}
		if got := string(d.Bytes()); exact[c.name] && got != c.in {
			t.Errorf("%s: undo gave\n%q\nwant\n%q", c.name, got, c.in)
		}
	}
	d, _ := Parse("f", []byte("models: [a, b]\n"))
	if _, _, err := doc.Apply(d, "f", doc.Op{Path: []string{"models"}, Value: el, Match: doc.Obj{{"name", "Switchyard"}}}); err == nil || !strings.Contains(err.Error(), "f:1:") {
		t.Errorf("flow list: %v", err)
	}
}

func FuzzYAML(f *testing.F) {
	seeds := append(doctest.Seeds(f, "../testdata/continue/config.yaml"), "", "models: []\n", "models:\n", "a: 1\nmodels:\n- name: x\nb: 2\n")
	doctest.Fuzz(f, Parse, seeds, []doc.Op{
		{Path: []string{"models"}, Match: doc.Obj{{"name", "Switchyard"}}, Value: doc.Obj{{"name", "Switchyard"}, {"provider", "openai"}, {"roles", []string{"chat"}}}},
	}, true)
}
