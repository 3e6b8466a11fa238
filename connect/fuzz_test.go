package connect

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Fuzzing the editors: for any file that parses, setting connect's values
// either succeeds with a file that decodes to exactly the old content plus
// the setting (applyOp checks that) or fails with an error; it never
// panics and never produces a file that does not parse. Taking the setting
// out again gives back the decoded content of the original.

func fuzzEditor(f *testing.F, fm format, seeds []string, ops []op) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		watchdog := time.AfterFunc(5*time.Second, func() { panic(fmt.Sprintf("editing took over 5 s: %q", in)) })
		defer watchdog.Stop()
		d, err := parseDoc(fm, "f", in)
		if err != nil {
			return
		}
		orig := d.tree()
		var changes []change
		for _, o := range ops {
			ch, _, err := applyOp(d, "f", o)
			if err != nil {
				return // refused (a form connect does not edit): fine
			}
			if ch != nil {
				changes = append(changes, *ch)
			}
		}
		if _, err := parseDoc(fm, "f", d.bytes()); err != nil {
			t.Fatalf("the edited file does not parse: %v\n%q", err, d.bytes())
		}
		for i := len(changes) - 1; i >= 0; i-- {
			if _, _, err := revert(d, "f", changes[i]); err != nil {
				t.Fatalf("revert: %v\n%q", err, d.bytes())
			}
		}
		for _, o := range ops {
			top := len(o.path) - 1
			if o.match != nil {
				top = len(o.path) // the list itself may be new
			}
			for p := top; p >= 1; p-- {
				if v, ok, _ := lookup(d.tree(), o.path[:p]); ok && isEmpty(v) {
					if _, had, _ := lookup(orig, o.path[:p]); !had {
						if err := d.del(o.path[:p]); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
		}
		// A YAML list that was empty (null) may come back as [].
		if !equal(d.tree(), orig) && !(fm == formatYAML && equal(nullToEmpty(d.tree()), nullToEmpty(orig))) {
			t.Fatalf("set then undo changed the content:\n%q\nfrom\n%q", d.bytes(), in)
		}
	})
}

func seed(f *testing.F, names ...string) []string {
	var out []string
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

func FuzzJSON(f *testing.F) {
	seeds := append(seed(f, "claude/settings.json", "gemini/settings.json", "opencode/opencode.jsonc", "qwen/settings.json", "continue-json/config.json"),
		"", "{}", "{\"env\":{}}", "{\n  \"a\": [1, {\"b\": 2},],\n}", "{\"env\": {\"ANTHROPIC_BASE_URL\": 1}}")
	fuzzEditor(f, formatJSON, seeds, []op{
		{path: []string{"env", "ANTHROPIC_BASE_URL"}, value: "http://127.0.0.1:7861"},
		{path: []string{"provider", "switchyard", "options", "baseURL"}, value: "http://127.0.0.1:7861/v1"},
		{path: []string{"models"}, match: obj{{"title", "Switchyard"}}, value: obj{{"title", "Switchyard"}, {"apiBase", "x"}}},
	})
}

func FuzzTOML(f *testing.F) {
	seeds := append(seed(f, "codex/config.toml"), "", "a = 1\n[t]\n", "[model_providers.switchyard]\nname = 1\n", "x = \"\"\"\n[a]\n\"\"\"\n")
	fuzzEditor(f, formatTOML, seeds, []op{
		{path: []string{"model_provider"}, value: "switchyard"},
		{path: []string{"model_providers", "switchyard", "base_url"}, value: "http://127.0.0.1:7861/v1"},
		{path: []string{"model_providers", "switchyard", "wire_api"}, value: "responses"},
	})
}

func FuzzYAML(f *testing.F) {
	seeds := append(seed(f, "continue/config.yaml"), "", "models: []\n", "models:\n", "a: 1\nmodels:\n- name: x\nb: 2\n")
	fuzzEditor(f, formatYAML, seeds, []op{
		{path: []string{"models"}, match: obj{{"name", "Switchyard"}}, value: obj{{"name", "Switchyard"}, {"provider", "openai"}, {"roles", []string{"chat"}}}},
	})
}

func FuzzEnv(f *testing.F) {
	seeds := append(seed(f, "gemini/.env"), "", "A=1", "export A=\"x\ny\"\n", "GEMINI_API_KEY=k # c\n")
	fuzzEditor(f, formatEnv, seeds, []op{
		{path: []string{"GOOGLE_GEMINI_BASE_URL"}, value: "http://127.0.0.1:7861"},
		{path: []string{"GEMINI_API_KEY"}, value: "switchyard", ifAbsent: true},
	})
}

func nullToEmpty(m map[string]any) map[string]any {
	out := shallow(m)
	for k, v := range out {
		if v == nil {
			out[k] = []any{}
		}
	}
	return out
}
