package dotenv

import (
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

func TestEnvEdits(t *testing.T) {
	for _, c := range []editCase{
		{"empty", "", []string{"K"}, "http://x:1", "K=http://x:1\n"},
		{"append", "# c\nA=1\n", []string{"K"}, "v", "# c\nA=1\nK=v\n"},
		{"no final newline", "A=1", []string{"K"}, "v", "A=1\nK=v"},
		{"replace the last one, keep export and comment", "export K=old # note\nK='older'\n", []string{"K"}, "new", "export K=old # note\nK=new\n"},
		{"quoted", "A=\"multi\nline\"\n", []string{"K"}, "a b", "A=\"multi\nline\"\nK=\"a b\"\n"},
	} {
		roundTrip(t, c)
	}
	d, _ := Parse("f", []byte("A=\"x\\ny\"\nB=plain # c\n"))
	if got := d.Tree(); got["A"] != "x\ny" || got["B"] != "plain" {
		t.Errorf("%q", got)
	}
}
func FuzzEnv(f *testing.F) {
	seeds := append(doctest.Seeds(f, "../testdata/gemini/.env"), "", "A=1", "export A=\"x\ny\"\n", "GEMINI_API_KEY=k # c\n")
	doctest.Fuzz(f, Parse, seeds, []doc.Op{
		{Path: []string{"GOOGLE_GEMINI_BASE_URL"}, Value: "http://127.0.0.1:7861"},
		{Path: []string{"GEMINI_API_KEY"}, Value: "switchyard", IfAbsent: true},
	}, false)
}
