package connect

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the testdata/*/*.connected golden files")

// A case is one tool with real-looking config files in a throwaway home:
// testdata/DIR/NAME goes to home/REL.
type fixture struct{ src, rel string }

type tcase struct {
	name  string
	tool  string
	files []fixture
}

var cases = []tcase{
	{"claude", "claude-code", []fixture{{"claude/settings.json", ".claude/settings.json"}}},
	{"codex", "codex", []fixture{{"codex/config.toml", ".codex/config.toml"}}},
	{"gemini", "gemini", []fixture{{"gemini/settings.json", ".gemini/settings.json"}, {"gemini/.env", ".gemini/.env"}}},
	{"opencode", "opencode", []fixture{{"opencode/opencode.jsonc", ".config/opencode/opencode.jsonc"}}},
	{"qwen", "qwen", []fixture{{"qwen/settings.json", ".qwen/settings.json"}}},
	{"continue", "continue", []fixture{{"continue/config.yaml", ".continue/config.yaml"}}},
	{"continue-json", "continue", []fixture{{"continue-json/config.json", ".continue/config.json"}}},
}

var fixedNow = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

func newSetup(t *testing.T) *Setup {
	t.Helper()
	home := t.TempDir()
	return &Setup{
		Home:       home,
		Getenv:     func(string) string { return "" },
		GatewayURL: "http://127.0.0.1:7861",
		StateDir:   filepath.Join(home, ".local", "state", "switchyard"),
		Now:        func() time.Time { return fixedNow },
	}
}

func put(t *testing.T, s *Setup, fx []fixture, mode os.FileMode) map[string][]byte {
	t.Helper()
	orig := map[string][]byte{}
	for _, f := range fx {
		b, err := os.ReadFile(filepath.Join("testdata", f.src))
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(s.Home, f.rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dst, mode); err != nil {
			t.Fatal(err)
		}
		orig[dst] = b
	}
	return orig
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// backups lists the .bak files under dir.
func backups(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".bak") {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".connected")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./connect -run Golden -args -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s after connect:\n--- got ---\n%s\n--- want (%s) ---\n%s", name, got, path, want)
	}
}

// TestConnectRoundTrip is the whole cycle on real-looking files with
// comments and unrelated settings: connect writes only its settings
// (golden files), backs the original up next to it with its mode, keeps
// the mode, reports connected; a second connect changes nothing; undo
// restores every file byte for byte and drops the record.
func TestConnectRoundTrip(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSetup(t)
			orig := put(t, s, c.files, 0o640)
			if st := s.StatusOf(c.tool); st.Connected || st.Error != "" {
				t.Fatalf("before connect: %+v", st)
			}
			res, err := s.Apply(c.tool)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range c.files {
				dst := filepath.Join(s.Home, f.rel)
				got := read(t, dst)
				golden(t, f.src, got)
				st, _ := os.Stat(dst)
				if runtime.GOOS != "windows" && st.Mode().Perm() != 0o640 {
					t.Errorf("%s: mode %v after connect, want 0640 kept", f.rel, st.Mode().Perm())
				}
				fr := fileResult(t, res, dst)
				if fr.Action != Updated || fr.Backup == "" || len(fr.Changes) == 0 {
					t.Errorf("%s: result %+v", f.rel, fr)
				}
				if want := dst + ".switchyard-20260102-150405.bak"; fr.Backup != want {
					t.Errorf("backup %s, want %s", fr.Backup, want)
				}
				if b := read(t, fr.Backup); b != string(orig[dst]) {
					t.Errorf("%s: the backup is not the original", f.rel)
				}
			}
			if st := s.StatusOf(c.tool); !st.Connected || len(st.Pending) > 0 || !st.Recorded {
				t.Errorf("after connect: %+v", st)
			}

			// Idempotent: nothing written, no new backup.
			before := backups(t, s.Home)
			res2, err := s.Apply(c.tool)
			if err != nil {
				t.Fatal(err)
			}
			if res2.Changed() {
				t.Errorf("second connect changed something: %+v", res2.Files)
			}
			if after := backups(t, s.Home); len(after) != len(before) {
				t.Errorf("second connect made backups: %v", after)
			}

			ures, err := s.Undo(c.tool)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range c.files {
				dst := filepath.Join(s.Home, f.rel)
				if got := read(t, dst); got != string(orig[dst]) {
					t.Errorf("%s after undo differs from the original:\n%s", f.rel, got)
				}
				if fr := fileResult(t, ures, dst); fr.Action != Restored {
					t.Errorf("%s: undo %+v, want restored", f.rel, fr)
				}
				st, _ := os.Stat(dst)
				if runtime.GOOS != "windows" && st.Mode().Perm() != 0o640 {
					t.Errorf("%s: mode %v after undo", f.rel, st.Mode().Perm())
				}
			}
			if st := s.StatusOf(c.tool); st.Connected || st.Recorded {
				t.Errorf("after undo: %+v", st)
			}
		})
	}
}

func fileResult(t *testing.T, r *Result, path string) FileResult {
	t.Helper()
	for _, f := range r.Files {
		if f.Path == path {
			return f
		}
	}
	t.Fatalf("no result for %s in %+v", path, r.Files)
	return FileResult{}
}

// TestConnectCreatesFiles: with no config at all, connect creates the
// files (mode 0600, folders 0700) and undo removes them again.
func TestConnectCreatesFiles(t *testing.T) {
	for _, tool := range Tools() {
		t.Run(tool.ID, func(t *testing.T) {
			s := newSetup(t)
			res, err := s.Apply(tool.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Files) == 0 {
				t.Fatal("no files")
			}
			for _, f := range res.Files {
				if f.Action != Created || f.Backup != "" {
					t.Errorf("%+v", f)
				}
				st, err := os.Stat(f.Path)
				if err != nil {
					t.Fatal(err)
				}
				if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
					t.Errorf("%s: mode %v", f.Path, st.Mode().Perm())
				}
				golden(t, filepath.Join("new", tool.ID+"-"+strings.TrimPrefix(filepath.Base(f.Path), ".")), read(t, f.Path))
			}
			if st := s.StatusOf(tool.ID); !st.Connected {
				t.Errorf("status %+v", st)
			}
			res2, err := s.Apply(tool.ID)
			if err != nil || res2.Changed() {
				t.Fatalf("second connect: %v %+v", err, res2)
			}
			ures, err := s.Undo(tool.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range ures.Files {
				if f.Action != Removed {
					t.Errorf("undo: %+v", f)
				}
				if _, err := os.Stat(f.Path); !os.IsNotExist(err) {
					t.Errorf("%s still there after undo", f.Path)
				}
			}
			if len(backups(t, s.Home)) != 0 {
				t.Errorf("backups of files that did not exist: %v", backups(t, s.Home))
			}
		})
	}
}

// TestUndoAfterUserEdit: the user changed the file after connect, so the
// backup is no longer the file minus connect's settings. Undo then takes
// out only connect's settings, puts back the values it replaced, and keeps
// the user's edit.
func TestUndoAfterUserEdit(t *testing.T) {
	s := newSetup(t)
	put(t, s, cases[1].files, 0o600) // codex
	path := filepath.Join(s.Home, ".codex", "config.toml")
	orig := read(t, path)
	if _, err := s.Apply("codex"); err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(read(t, path), "[tui]\nnotifications = true\n", "[tui]\nnotifications = true\nanimations = false # mine\n", 1)
	if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := s.Undo("codex")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(orig, "[tui]\nnotifications = true\n", "[tui]\nnotifications = true\nanimations = false # mine\n", 1)
	if got := read(t, path); got != want {
		t.Errorf("after undo:\n%s\nwant:\n%s", got, want)
	}
	fr := fileResult(t, res, path)
	if fr.Action != Reverted || fr.Backup == "" {
		t.Errorf("%+v", fr)
	}
}

// TestUndoKeepsWhatTheUserChanged: a setting connect wrote and the user
// changed since stays as the user made it, and undo says so.
func TestUndoKeepsWhatTheUserChanged(t *testing.T) {
	s := newSetup(t)
	put(t, s, cases[0].files, 0o600) // claude
	path := filepath.Join(s.Home, ".claude", "settings.json")
	if _, err := s.Apply("claude-code"); err != nil {
		t.Fatal(err)
	}
	b := strings.Replace(read(t, path), `"ANTHROPIC_BASE_URL": "http://127.0.0.1:7861"`, `"ANTHROPIC_BASE_URL": "http://127.0.0.1:9999"`, 1)
	os.WriteFile(path, []byte(b), 0o600)
	res, err := s.Undo("claude-code")
	if err != nil {
		t.Fatal(err)
	}
	got := read(t, path)
	if !strings.Contains(got, `"ANTHROPIC_BASE_URL": "http://127.0.0.1:9999"`) || strings.Contains(got, "ANTHROPIC_AUTH_TOKEN") {
		t.Errorf("after undo:\n%s", got)
	}
	fr := fileResult(t, res, path)
	if len(fr.Kept) != 1 || !strings.Contains(fr.Kept[0], "ANTHROPIC_BASE_URL") {
		t.Errorf("kept %q", fr.Kept)
	}
}

// TestUndoWithoutRecord: with no record (state deleted, or set up by
// hand), undo removes the settings that have exactly connect's values and
// the objects left empty.
func TestUndoWithoutRecord(t *testing.T) {
	s := newSetup(t)
	s.StateDir = ""
	path := filepath.Join(s.Home, ".config", "opencode", "opencode.json")
	os.MkdirAll(filepath.Dir(path), 0o700)
	orig := "{\n  // mine\n  \"theme\": \"nord\"\n}\n"
	os.WriteFile(path, []byte(orig), 0o600)
	if _, err := s.Apply("opencode"); err != nil {
		t.Fatal(err)
	}
	res, err := s.Undo("opencode")
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, path); got != orig {
		t.Errorf("after undo without a record:\n%s\nwant:\n%s", got, orig)
	}
	if fr := fileResult(t, res, path); fr.Action != Reverted {
		t.Errorf("%+v", fr)
	}
}

// TestBrokenFiles: a file that does not parse is left untouched, no
// backup is made, the error names the file and line, and no other file
// of the tool is written.
func TestBrokenFiles(t *testing.T) {
	for _, c := range []struct {
		tool string
		fx   []fixture
		line string
	}{
		{"claude-code", []fixture{{"broken/settings.json", ".claude/settings.json"}}, "settings.json:4:"},
		{"codex", []fixture{{"broken/config.toml", ".codex/config.toml"}}, "config.toml:2:"},
		{"continue", []fixture{{"broken/config.yaml", ".continue/config.yaml"}}, "config.yaml:2:"}, // the parser names the list it could not read
		{"gemini", []fixture{{"gemini/settings.json", ".gemini/settings.json"}, {"broken/.env", ".gemini/.env"}}, ".env:2:"},
	} {
		t.Run(c.tool, func(t *testing.T) {
			s := newSetup(t)
			orig := put(t, s, c.fx, 0o600)
			_, err := s.Apply(c.tool)
			if err == nil || !strings.Contains(err.Error(), c.line) || !strings.Contains(err.Error(), "untouched") {
				t.Fatalf("err = %v, want one naming %s", err, c.line)
			}
			for p, b := range orig {
				if read(t, p) != string(b) {
					t.Errorf("%s was changed", p)
				}
			}
			if b := backups(t, s.Home); len(b) > 0 {
				t.Errorf("backups: %v", b)
			}
			st := s.StatusOf(c.tool)
			if st.Connected || !strings.Contains(st.Error, c.line) {
				t.Errorf("status %+v", st)
			}
		})
	}
}

// TestToken: with a client token, no placeholder key is written; tools
// that can read a key from a variable are told to read SWITCHYARD_TOKEN.
func TestToken(t *testing.T) {
	s := newSetup(t)
	s.Token = true
	res, err := s.Apply("codex")
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, res.Files[0].Path); !strings.Contains(got, `env_key = "SWITCHYARD_TOKEN"`) {
		t.Errorf("codex:\n%s", got)
	}
	res, err = s.Apply("claude-code")
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, res.Files[0].Path); strings.Contains(got, "AUTH_TOKEN") {
		t.Errorf("claude with a token:\n%s", got)
	}
	if !strings.Contains(strings.Join(res.Notes, " "), "ANTHROPIC_AUTH_TOKEN") {
		t.Errorf("notes %q", res.Notes)
	}
	res, err = s.Apply("opencode")
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, res.Files[0].Path); !strings.Contains(got, `"apiKey": "{env:SWITCHYARD_TOKEN}"`) {
		t.Errorf("opencode:\n%s", got)
	}
}

// TestEnvironmentMovesFiles: CODEX_HOME, CLAUDE_CONFIG_DIR,
// GEMINI_CLI_HOME, XDG_CONFIG_HOME and CONTINUE_GLOBAL_DIR are honoured.
func TestEnvironmentMovesFiles(t *testing.T) {
	s := newSetup(t)
	other := t.TempDir()
	env := map[string]string{
		"CODEX_HOME": filepath.Join(other, "codex"), "CLAUDE_CONFIG_DIR": filepath.Join(other, "claude"),
		"GEMINI_CLI_HOME": filepath.Join(other, "g"), "XDG_CONFIG_HOME": filepath.Join(other, "xdg"),
		"CONTINUE_GLOBAL_DIR": filepath.Join(other, "continue"),
	}
	s.Getenv = func(k string) string { return env[k] }
	want := map[string][]string{
		"codex":       {filepath.Join(other, "codex", "config.toml")},
		"claude-code": {filepath.Join(other, "claude", "settings.json")},
		"gemini":      {filepath.Join(other, "g", ".gemini", "settings.json"), filepath.Join(other, "g", ".gemini", ".env")},
		"opencode":    {filepath.Join(other, "xdg", "opencode", "opencode.json")},
		"continue":    {filepath.Join(other, "continue", "config.yaml")},
		"qwen":        {filepath.Join(s.Home, ".qwen", "settings.json")},
	}
	for _, st := range s.Status() {
		if strings.Join(st.Files, " ") != strings.Join(want[st.Tool.ID], " ") {
			t.Errorf("%s: files %q, want %q", st.Tool.ID, st.Files, want[st.Tool.ID])
		}
	}
}

// TestStatusJSON: the status marshals for the dashboard.
func TestStatusJSON(t *testing.T) {
	s := newSetup(t)
	b, err := json.Marshal(s.Status())
	if err != nil || !strings.Contains(string(b), `"id":"claude-code"`) {
		t.Fatalf("%v %s", err, b)
	}
	if len(Tools()) != 6 {
		t.Errorf("%d tools", len(Tools()))
	}
	if _, err := s.Apply("vim"); err == nil || !strings.Contains(err.Error(), "claude-code") {
		t.Errorf("unknown tool: %v", err)
	}
}

// TestReconnect: connecting again for another gateway address updates the
// file; undo still restores the file as it was before the first connect.
// When the user edited the file between the two connects, the backup no
// longer describes it, and undo takes connect's settings out instead.
func TestReconnect(t *testing.T) {
	for _, userEdit := range []bool{false, true} {
		s := newSetup(t)
		put(t, s, cases[2].files, 0o600) // gemini
		env := filepath.Join(s.Home, ".gemini", ".env")
		orig := read(t, env)
		if _, err := s.Apply("gemini"); err != nil {
			t.Fatal(err)
		}
		if userEdit {
			os.WriteFile(env, []byte(read(t, env)+"EXTRA=1\n"), 0o600)
		}
		s.GatewayURL = "http://127.0.0.1:9000"
		s.Now = func() time.Time { return fixedNow.Add(time.Second) }
		res, err := s.Apply("gemini")
		if err != nil {
			t.Fatal(err)
		}
		if fr := fileResult(t, res, env); fr.Action != Updated || !strings.Contains(strings.Join(fr.Changes, " "), "9000") {
			t.Errorf("reconnect: %+v", fr)
		}
		if _, err := s.Undo("gemini"); err != nil {
			t.Fatal(err)
		}
		want := orig
		if userEdit {
			want += "EXTRA=1\n"
		}
		if got := read(t, env); got != want {
			t.Errorf("user edit %v: after undo:\n%q\nwant\n%q", userEdit, got, want)
		}
	}
}

// TestUndoWithoutBackup: the backup was deleted; undo takes connect's
// settings out and puts the replaced values back instead.
func TestUndoWithoutBackup(t *testing.T) {
	s := newSetup(t)
	put(t, s, cases[0].files, 0o600) // claude
	path := filepath.Join(s.Home, ".claude", "settings.json")
	orig := read(t, path)
	res, err := s.Apply("claude-code")
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(res.Files[0].Backup)
	ures, err := s.Undo("claude-code")
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, path); got != orig {
		t.Errorf("after undo:\n%s", got)
	}
	if fr := fileResult(t, ures, path); fr.Action != Reverted {
		t.Errorf("%+v", fr)
	}
}

// TestSymlinkedConfig: a config file that is a symlink (dotfiles
// repositories) stays a symlink; its target gets the edit.
func TestSymlinkedConfig(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	s := newSetup(t)
	target := filepath.Join(s.Home, "dotfiles", "codex.toml")
	os.MkdirAll(filepath.Dir(target), 0o700)
	os.WriteFile(target, []byte("model = \"o3\"\n"), 0o644)
	link := filepath.Join(s.Home, ".codex", "config.toml")
	os.MkdirAll(filepath.Dir(link), 0o700)
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply("codex"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the symlink was replaced: %v %v", fi.Mode(), err)
	}
	if got := read(t, target); !strings.Contains(got, `model_provider = "switchyard"`) || !strings.HasPrefix(got, "model = \"o3\"\n") {
		t.Errorf("target:\n%s", got)
	}
	if _, err := s.Undo("codex"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, target); got != "model = \"o3\"\n" {
		t.Errorf("after undo:\n%s", got)
	}
}

// TestReconnectQwen: a new gateway address replaces qwen-code's entry
// instead of adding a second one with the same model id.
func TestReconnectQwen(t *testing.T) {
	s := newSetup(t)
	put(t, s, cases[4].files, 0o600) // qwen
	path := filepath.Join(s.Home, ".qwen", "settings.json")
	orig := read(t, path)
	if _, err := s.Apply("qwen"); err != nil {
		t.Fatal(err)
	}
	s.GatewayURL = "http://127.0.0.1:9000"
	if _, err := s.Apply("qwen"); err != nil {
		t.Fatal(err)
	}
	got := read(t, path)
	if strings.Count(got, `"id": "claude-sonnet-4-5"`) != 1 || !strings.Contains(got, `"baseUrl": "http://127.0.0.1:9000/v1"`) {
		t.Errorf("after reconnecting:\n%s", got)
	}
	if _, err := s.Undo("qwen"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, path); got != orig {
		t.Errorf("after undo:\n%s", got)
	}
}
