package connect

import (
	"strings"
	"testing"
)

// The editors on their own: for each shape of file, adding a setting
// gives the expected text (only that setting's bytes change, laid out like
// its neighbours), and removing it again gives back the original byte for
// byte; replacing a value and putting its old text back does too.

type editCase struct {
	name string
	in   string
	path []string
	v    any
	want string
}

func roundTrip(t *testing.T, f format, c editCase) {
	t.Helper()
	d, err := parseDoc(f, "f", []byte(c.in))
	if err != nil {
		t.Fatalf("%s: parse: %v", c.name, err)
	}
	ch, _, err := applyOp(d, "f", op{path: c.path, value: c.v})
	if err != nil {
		t.Fatalf("%s: set: %v", c.name, err)
	}
	if got := string(d.bytes()); got != c.want {
		t.Errorf("%s: after set:\n%s\nwant:\n%s", c.name, got, c.want)
		return
	}
	// Undo as connect does it without the backup: the record's change.
	if _, _, err := revert(d, "f", *ch); err != nil {
		t.Fatalf("%s: revert: %v", c.name, err)
	}
	created := missingPrefixes(mustTree(t, f, c.in), c.path[:len(c.path)-1])
	for i := len(created) - 1; i >= 0; i-- {
		if v, ok, _ := lookup(d.tree(), created[i]); ok && isEmpty(v) {
			if err := d.del(created[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := string(d.bytes()); got != c.in {
		t.Errorf("%s: set then undo:\n%q\nwant the original:\n%q", c.name, got, c.in)
	}
}

func mustTree(t *testing.T, f format, s string) map[string]any {
	d, err := parseDoc(f, "f", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return d.tree()
}

func TestJSONEdits(t *testing.T) {
	u := "http://127.0.0.1:7861"
	for _, c := range []editCase{
		{"empty file", "", []string{"env", "X"}, u, "{\n  \"env\": {\n    \"X\": \"" + u + "\"\n  }\n}\n"},
		{"empty object", "{}\n", []string{"a"}, "b", "{\n  \"a\": \"b\"\n}\n"},
		{"new key, two-space", "{\n  \"a\": 1\n}\n", []string{"b"}, "x", "{\n  \"a\": 1,\n  \"b\": \"x\"\n}\n"},
		{"new key, tabs", "{\n\t\"a\": 1\n}\n", []string{"b", "c"}, "x", "{\n\t\"a\": 1,\n\t\"b\": {\n\t\t\"c\": \"x\"\n\t}\n}\n"},
		{"comment after the last value", "{\n  \"a\": 1 // one\n}\n", []string{"b"}, "x", "{\n  \"a\": 1, // one\n  \"b\": \"x\"\n}\n"},
		{"trailing comma kept", "{\n  \"a\": 1,\n}\n", []string{"b"}, "x", "{\n  \"a\": 1,\n  \"b\": \"x\",\n}\n"},
		{"one-line object", "{\"a\": 1, \"env\": {\"K\": \"v\"}}", []string{"env", "X"}, "y", "{\"a\": 1, \"env\": {\"K\": \"v\", \"X\": \"y\"}}"},
		{"CRLF", "{\r\n  \"a\": 1\r\n}\r\n", []string{"b"}, "x", "{\r\n  \"a\": 1,\r\n  \"b\": \"x\"\r\n}\r\n"},
		{"nested, block comment", "{\n  /* c */ \"env\": {\n    \"A\": \"1\"\n  }\n}", []string{"env", "B"}, "2", "{\n  /* c */ \"env\": {\n    \"A\": \"1\",\n    \"B\": \"2\"\n  }\n}"},
		{"replace", "{\n  \"env\": {\"URL\": \"old\"}\n}\n", []string{"env", "URL"}, u, "{\n  \"env\": {\"URL\": \"" + u + "\"}\n}\n"},
		{"object with only a comment", "{\n  // nothing yet\n}\n", []string{"a"}, "b", "{\n  \"a\": \"b\"\n  // nothing yet\n}\n"},
		{"BOM", "\xef\xbb\xbf{\"a\": 1}", []string{"b"}, "x", "\xef\xbb\xbf{\"a\": 1, \"b\": \"x\"}"},
		{"value with an object", "{\n  \"p\": {}\n}\n", []string{"p", "s"}, obj{{"npm", "x"}, {"options", obj{{"baseURL", u}}}},
			"{\n  \"p\": {\n    \"s\": {\n      \"npm\": \"x\",\n      \"options\": {\n        \"baseURL\": \"" + u + "\"\n      }\n    }\n  }\n}\n"},
	} {
		if c.name == "object with only a comment" || c.name == "empty object" || c.name == "empty file" {
			// Undo of these leaves {} (an object emptied by undo is
			// written {}); the round trip is exact through the backup.
			d, _ := parseDoc(formatJSON, "f", []byte(c.in))
			if _, _, err := applyOp(d, "f", op{path: c.path, value: c.v}); err != nil || string(d.bytes()) != c.want {
				t.Errorf("%s: %v\n%s", c.name, err, d.bytes())
			}
			continue
		}
		roundTrip(t, formatJSON, c)
	}
}

func TestJSONListEdits(t *testing.T) {
	el := obj{{"id", "m"}, {"baseUrl", "u"}}
	for _, c := range []struct{ name, in, want string }{
		{"append", "{\n  \"l\": [\n    {\"id\": \"a\"}\n  ]\n}\n", "{\n  \"l\": [\n    {\"id\": \"a\"},\n    {\n      \"id\": \"m\",\n      \"baseUrl\": \"u\"\n    }\n  ]\n}\n"},
		{"empty list", "{\"l\": []}\n", "{\"l\": [\n  {\n    \"id\": \"m\",\n    \"baseUrl\": \"u\"\n  }\n]}\n"},
		{"no list", "{\n  \"x\": 1\n}\n", "{\n  \"x\": 1,\n  \"l\": [\n    {\n      \"id\": \"m\",\n      \"baseUrl\": \"u\"\n    }\n  ]\n}\n"},
		{"replace", "{\"l\": [{\"id\": \"m\", \"baseUrl\": \"u\", \"x\": 1}]}", "{\"l\": [{\"id\": \"m\", \"baseUrl\": \"u\"}]}"},
	} {
		d, err := parseDoc(formatJSON, "f", []byte(c.in))
		if err != nil {
			t.Fatal(err)
		}
		ch, created, err := applyOp(d, "f", op{path: []string{"l"}, value: el, match: obj{{"id", "m"}}})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := string(d.bytes()); got != c.want {
			t.Errorf("%s:\n%s\nwant:\n%s", c.name, got, c.want)
			continue
		}
		if _, _, err := revert(d, "f", *ch); err != nil {
			t.Fatal(err)
		}
		for _, p := range created {
			if v, ok, _ := lookup(d.tree(), p); ok && isEmpty(v) {
				d.del(p)
			}
		}
		if got := string(d.bytes()); got != c.in && c.name != "empty list" {
			t.Errorf("%s: undo gave\n%q\nwant\n%q", c.name, got, c.in)
		}
	}
}

func TestJSONErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"{\n  \"a\": 1\n  \"b\": 2\n}", "f:3:3: expected , or '}'"},
		{"{\"a\": }", "f:1:7: unexpected '}' where a value should be"},
		{"{\"a\": 1} x", "f:1:10: unexpected 'x' after"},
		{"{\n/* open", "f:2:1: a /* comment is never closed"},
		{"{\"a\": \"x\n\"}", "f:1:7: a string is not closed"},
		{"[1, 2]", ""},
	} {
		d, err := parseDoc(formatJSON, "f", []byte(c.in))
		if c.want == "" {
			if err != nil {
				t.Errorf("%q: %v", c.in, err)
				continue
			}
			if err := d.set([]string{"a"}, "b"); err == nil || !strings.Contains(err.Error(), "not a JSON object") {
				t.Errorf("set on a list: %v", err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err %v, want %q", c.in, err, c.want)
		}
	}
	// A path through a non-object is refused, not overwritten.
	d, _ := parseDoc(formatJSON, "f", []byte(`{"env": "x"}`))
	if _, _, err := applyOp(d, "f", op{path: []string{"env", "A"}, value: "b"}); err == nil || !strings.Contains(err.Error(), "env is a string") {
		t.Errorf("err %v", err)
	}
}

func TestTOMLEdits(t *testing.T) {
	for _, c := range []editCase{
		{"empty file", "", []string{"model_provider"}, "s", "model_provider = \"s\"\n"},
		{"root key after the last root key", "a = 1 # one\nb = [\n  1,\n  2,\n]\n\n[t]\nx = 1\n", []string{"c"}, "v",
			"a = 1 # one\nb = [\n  1,\n  2,\n]\nc = \"v\"\n\n[t]\nx = 1\n"},
		{"root key before the first table", "[t]\nx = 1\n", []string{"c"}, "v", "c = \"v\"\n\n[t]\nx = 1\n"},
		{"replace keeps the comment", "model_provider = \"openai\"   # mine\n", []string{"model_provider"}, "s", "model_provider = \"s\"   # mine\n"},
		{"new table at the end", "a = 1\n[t]\nx = 1\n", []string{"p", "s", "base_url"}, "u", "a = 1\n[t]\nx = 1\n\n[p.s]\nbase_url = \"u\"\n"},
		{"key into an existing table", "[p.s]\nname = \"n\"\n\n[q]\n", []string{"p", "s", "base_url"}, "u", "[p.s]\nname = \"n\"\nbase_url = \"u\"\n\n[q]\n"},
		{"key into an empty table", "[p.s] # t\n[q]\n", []string{"p", "s", "k"}, "u", "[p.s] # t\nk = \"u\"\n[q]\n"},
		{"quoted table name", "[p.\"s\"]\nname = \"n\"\n", []string{"p", "s", "k"}, "u", "[p.\"s\"]\nname = \"n\"\nk = \"u\"\n"},
		{"header inside a multi-line string", "s = \"\"\"\n[p.s]\nk = 1\n\"\"\"\n", []string{"p", "s", "k"}, "u", "s = \"\"\"\n[p.s]\nk = 1\n\"\"\"\n\n[p.s]\nk = \"u\"\n"},
		{"literal multi-line string", "s = '''\n[x]\n'''\n[p]\n", []string{"p", "k"}, "u", "s = '''\n[x]\n'''\n[p]\nk = \"u\"\n"},
		{"CRLF", "a = 1\r\n[t]\r\nx = 1\r\n", []string{"b"}, "v", "a = 1\r\nb = \"v\"\r\n[t]\r\nx = 1\r\n"},
		{"escapes", "", []string{"k"}, "a\"b\\c\n", "k = \"a\\\"b\\\\c\\n\"\n"},
		{"array of tables after", "a = 1\n[[s]]\np = 1\n[[s]]\np = 2\n", []string{"s2", "k"}, "v", "a = 1\n[[s]]\np = 1\n[[s]]\np = 2\n\n[s2]\nk = \"v\"\n"},
	} {
		roundTrip(t, formatTOML, c)
	}
	// Forms connect does not edit are refused, the file untouched.
	for _, in := range []string{
		"model_providers.switchyard.base_url = \"x\"\n",
		"[model_providers]\nswitchyard = { base_url = \"x\" }\n",
		"[model_providers.switchyard]\nbase_url.x = 1\n",
	} {
		d, err := parseDoc(formatTOML, "f", []byte(in))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = applyOp(d, "f", op{path: []string{"model_providers", "switchyard", "base_url"}, value: "u"})
		if err == nil || !strings.Contains(err.Error(), "does not edit") || string(d.bytes()) != in {
			t.Errorf("%q: err %v\n%s", in, err, d.bytes())
		}
	}
	if _, err := parseDoc(formatTOML, "f", []byte("a = 1\na = 2\n")); err == nil || !strings.Contains(err.Error(), "f:2:") {
		t.Errorf("duplicate key: %v", err)
	}
}

func TestYAMLEdits(t *testing.T) {
	el := obj{{"name", "Switchyard"}, {"provider", "openai"}, {"roles", []string{"chat"}}}
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
		d, err := parseDoc(formatYAML, "f", []byte(c.in))
		if err != nil {
			t.Fatal(err)
		}
		ch, created, err := applyOp(d, "f", op{path: []string{"models"}, value: el, match: obj{{"name", "Switchyard"}}})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := string(d.bytes()); got != c.want {
			t.Errorf("%s:\n%s\nwant:\n%s", c.name, got, c.want)
			continue
		}
		if _, _, err := revert(d, "f", *ch); err != nil {
			t.Fatal(err)
		}
		for _, p := range created {
			if v, ok, _ := lookup(d.tree(), p); ok && isEmpty(v) {
				d.del(p)
			}
		}
		exact := map[string]bool{"no models": true, "after the last item, before comments of the next key": true,
			"list at the key's indentation": true, "last in the file": true, "replace": true, "empty flow list": true}
		if got := string(d.bytes()); exact[c.name] && got != c.in {
			t.Errorf("%s: undo gave\n%q\nwant\n%q", c.name, got, c.in)
		}
	}
	d, _ := parseDoc(formatYAML, "f", []byte("models: [a, b]\n"))
	if _, _, err := applyOp(d, "f", op{path: []string{"models"}, value: el, match: obj{{"name", "Switchyard"}}}); err == nil || !strings.Contains(err.Error(), "f:1:") {
		t.Errorf("flow list: %v", err)
	}
}

func TestEnvEdits(t *testing.T) {
	for _, c := range []editCase{
		{"empty", "", []string{"K"}, "http://x:1", "K=http://x:1\n"},
		{"append", "# c\nA=1\n", []string{"K"}, "v", "# c\nA=1\nK=v\n"},
		{"no final newline", "A=1", []string{"K"}, "v", "A=1\nK=v"},
		{"replace the last one, keep export and comment", "export K=old # note\nK='older'\n", []string{"K"}, "new", "export K=old # note\nK=new\n"},
		{"quoted", "A=\"multi\nline\"\n", []string{"K"}, "a b", "A=\"multi\nline\"\nK=\"a b\"\n"},
	} {
		roundTrip(t, formatEnv, c)
	}
	d, _ := parseDoc(formatEnv, "f", []byte("A=\"x\\ny\"\nB=plain # c\n"))
	if got := d.tree(); got["A"] != "x\ny" || got["B"] != "plain" {
		t.Errorf("%q", got)
	}
}
