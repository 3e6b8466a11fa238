package jsonc

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
		{"value with an object", "{\n  \"p\": {}\n}\n", []string{"p", "s"}, doc.Obj{{"npm", "x"}, {"options", doc.Obj{{"baseURL", u}}}},
			"{\n  \"p\": {\n    \"s\": {\n      \"npm\": \"x\",\n      \"options\": {\n        \"baseURL\": \"" + u + "\"\n      }\n    }\n  }\n}\n"},
	} {
		if c.name == "object with only a comment" || c.name == "empty object" || c.name == "empty file" {
			// Undo of these leaves {} (an object emptied by undo is
			// written {}); the round trip is exact through the backup.
			d, _ := Parse("f", []byte(c.in))
			if _, _, err := doc.Apply(d, "f", doc.Op{Path: c.path, Value: c.v}); err != nil || string(d.Bytes()) != c.want {
				t.Errorf("%s: %v\n%s", c.name, err, d.Bytes())
			}
			continue
		}
		roundTrip(t, c)
	}
}

func TestJSONListEdits(t *testing.T) {
	el := doc.Obj{{"id", "m"}, {"baseUrl", "u"}}
	for _, c := range []struct{ name, in, want string }{
		{"append", "{\n  \"l\": [\n    {\"id\": \"a\"}\n  ]\n}\n", "{\n  \"l\": [\n    {\"id\": \"a\"},\n    {\n      \"id\": \"m\",\n      \"baseUrl\": \"u\"\n    }\n  ]\n}\n"},
		{"empty list", "{\"l\": []}\n", "{\"l\": [\n  {\n    \"id\": \"m\",\n    \"baseUrl\": \"u\"\n  }\n]}\n"},
		{"no list", "{\n  \"x\": 1\n}\n", "{\n  \"x\": 1,\n  \"l\": [\n    {\n      \"id\": \"m\",\n      \"baseUrl\": \"u\"\n    }\n  ]\n}\n"},
		{"replace", "{\"l\": [{\"id\": \"m\", \"baseUrl\": \"u\", \"x\": 1}]}", "{\"l\": [{\"id\": \"m\", \"baseUrl\": \"u\"}]}"},
	} {
		d, err := Parse("f", []byte(c.in))
		if err != nil {
			t.Fatal(err)
		}
		ch, created, err := doc.Apply(d, "f", doc.Op{Path: []string{"l"}, Value: el, Match: doc.Obj{{"id", "m"}}})
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
		if got := string(d.Bytes()); got != c.in && c.name != "empty list" {
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
		d, err := Parse("f", []byte(c.in))
		if c.want == "" {
			if err != nil {
				t.Errorf("%q: %v", c.in, err)
				continue
			}
			if err := d.Set([]string{"a"}, "b"); err == nil || !strings.Contains(err.Error(), "not a JSON object") {
				t.Errorf("set on a list: %v", err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err %v, want %q", c.in, err, c.want)
		}
	}
	// A path through a non-object is refused, not overwritten.
	d, _ := Parse("f", []byte(`{"env": "x"}`))
	if _, _, err := doc.Apply(d, "f", doc.Op{Path: []string{"env", "A"}, Value: "b"}); err == nil || !strings.Contains(err.Error(), "env is a string") {
		t.Errorf("err %v", err)
	}
}

func FuzzJSON(f *testing.F) {
	seeds := append(doctest.Seeds(f, "../testdata/claude/settings.json", "../testdata/gemini/settings.json", "../testdata/opencode/opencode.jsonc", "../testdata/qwen/settings.json", "../testdata/continue-json/config.json"),
		"", "{}", "{\"env\":{}}", "{\n  \"a\": [1, {\"b\": 2},],\n}", "{\"env\": {\"ANTHROPIC_BASE_URL\": 1}}")
	doctest.Fuzz(f, Parse, seeds, []doc.Op{
		{Path: []string{"env", "ANTHROPIC_BASE_URL"}, Value: "http://127.0.0.1:7861"},
		{Path: []string{"provider", "switchyard", "options", "baseURL"}, Value: "http://127.0.0.1:7861/v1"},
		{Path: []string{"models"}, Match: doc.Obj{{"title", "Switchyard"}}, Value: doc.Obj{{"title", "Switchyard"}, {"apiBase", "x"}}},
	}, false)
}
