package tomledit

import (
	"strings"
	"testing"

	"switchyard/connect/doc"
	"switchyard/connect/doc/doctest"
)

type editCase struct {
	name string
	in   string
	path []string
	v    any
	want string
}

func roundTrip(t *testing.T, c editCase) {
	t.Helper()
	doctest.RoundTrip(t, Parse, c.name, c.in, c.path, c.v, c.want)
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
		roundTrip(t, c)
	}
	// Forms connect does not edit are refused, the file untouched.
	for _, in := range []string{
		"model_providers.switchyard.base_url = \"x\"\n",
		"[model_providers]\nswitchyard = { base_url = \"x\" }\n",
		"[model_providers.switchyard]\nbase_url.x = 1\n",
	} {
		d, err := Parse("f", []byte(in))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = doc.Apply(d, "f", doc.Op{Path: []string{"model_providers", "switchyard", "base_url"}, Value: "u"})
		if err == nil || !strings.Contains(err.Error(), "does not edit") || string(d.Bytes()) != in {
			t.Errorf("%q: err %v\n%s", in, err, d.Bytes())
		}
	}
	if _, err := Parse("f", []byte("a = 1\na = 2\n")); err == nil || !strings.Contains(err.Error(), "f:2:") {
		t.Errorf("duplicate key: %v", err)
	}
}

func FuzzTOML(f *testing.F) {
	seeds := append(doctest.Seeds(f, "../testdata/codex/config.toml"), "", "a = 1\n[t]\n", "[model_providers.switchyard]\nname = 1\n", "x = \"\"\"\n[a]\n\"\"\"\n")
	doctest.Fuzz(f, Parse, seeds, []doc.Op{
		{Path: []string{"model_provider"}, Value: "switchyard"},
		{Path: []string{"model_providers", "switchyard", "base_url"}, Value: "http://127.0.0.1:7861/v1"},
		{Path: []string{"model_providers", "switchyard", "wire_api"}, Value: "responses"},
	}, false)
}
