package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"switchyard/keystore"
)

// fakeKeyStore is an in-memory keyStore that checks keys like keystore does.
type fakeKeyStore struct {
	keys map[string][]string
	err  error // returned by every call when set
}

func (f *fakeKeyStore) Keys(_ context.Context, id string) ([]string, error) {
	if f.err != nil {
		return nil, f.err
	}
	return append([]string{}, f.keys[id]...), nil
}

func (f *fakeKeyStore) Add(_ context.Context, id, key string) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	key, err := keystore.CheckKey(key)
	if err != nil {
		return 0, err
	}
	f.keys[id] = append(f.keys[id], key)
	return len(f.keys[id]) - 1, nil
}

func (f *fakeKeyStore) Replace(_ context.Context, id string, keys []string) error {
	if f.err != nil {
		return f.err
	}
	clean := []string{}
	for _, k := range keys {
		k, err := keystore.CheckKey(k)
		if err != nil {
			return err
		}
		clean = append(clean, k)
	}
	f.keys[id] = clean
	return nil
}

func (f *fakeKeyStore) Delete(_ context.Context, id string, index int) error {
	if f.err != nil {
		return f.err
	}
	if index < 0 || index >= len(f.keys[id]) {
		return keystore.ErrNotFound
	}
	f.keys[id] = slices.Delete(f.keys[id], index, index+1)
	return nil
}

// keysRun is one runKeys invocation and what it printed.
type keysRun struct {
	code           int
	stdout, stderr string
}

type keysEnv struct {
	store    *fakeKeyStore
	env      map[string][]string
	terminal bool
	password string // what ReadPassword returns
	pwErr    error
	prompts  int // ReadPassword calls
	all      strings.Builder
}

func newKeysEnv() *keysEnv {
	return &keysEnv{store: &fakeKeyStore{keys: map[string][]string{}}, env: map[string][]string{}}
}

func (e *keysEnv) run(t *testing.T, stdin string, args ...string) keysRun {
	t.Helper()
	var out, errb bytes.Buffer
	d := keysDeps{
		Store:      e.store,
		BackendIDs: []string{"antigravity", "kiro", "anyrouter", "copilot"},
		EnvKeys:    e.env,
		Stdin:      strings.NewReader(stdin),
		Stdout:     &out,
		Stderr:     &errb,
		IsTerminal: func() bool { return e.terminal },
		ReadPassword: func() ([]byte, error) {
			e.prompts++
			return []byte(e.password), e.pwErr
		},
	}
	code := runKeys(context.Background(), args, d)
	fmt.Fprintf(&e.all, "%s\n%s\n", out.String(), errb.String())
	return keysRun{code, out.String(), errb.String()}
}

func (r keysRun) want(t *testing.T, code int, stdout, stderr []string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	for _, s := range stdout {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
		}
	}
	for _, s := range stderr {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
}

func TestKeysHelp(t *testing.T) {
	e := newKeysEnv()
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		e.run(t, "", args...).want(t, 0, []string{"usage: switchyard keys", "REPLACE all of ID's keys", "add ID",
			"rm ID [INDEX]", "never taken from the command line", "ANYROUTER_API_KEYS",
			"antigravity, kiro, anyrouter, copilot"}, nil)
	}
	r := e.run(t, "")
	r.want(t, 2, nil, []string{"usage: switchyard keys"})
	if r.stdout != "" {
		t.Errorf("usage error wrote to stdout: %q", r.stdout)
	}
	e.run(t, "", "frobnicate").want(t, 2, nil, []string{`unknown keys command "frobnicate"`, "keys help"})
}

func TestKeysSetFromStdin(t *testing.T) {
	e := newKeysEnv()
	e.store.keys["anyrouter"] = []string{"sk-old-key-0000"}
	r := e.run(t, "\n  sk-first-key-D5xY  \r\n\n\tsk-second-key-a9Qe\nsk-first-key-D5xY\n", "set", "anyrouter")
	r.want(t, 0, []string{"stored 2 keys for anyrouter in the OS keychain (…D5xY, …a9Qe)", "replaced the 1 key stored before"},
		[]string{"skipped 1 key repeated"})
	if got := e.store.keys["anyrouter"]; !slices.Equal(got, []string{"sk-first-key-D5xY", "sk-second-key-a9Qe"}) {
		t.Errorf("stored %q", got)
	}
	if e.prompts != 0 {
		t.Errorf("prompted %d times with stdin not a terminal", e.prompts)
	}
	// Case-insensitive id.
	e.run(t, "sk-third-key-zzzz\n", "set", "AnyRouter").want(t, 0, []string{"stored 1 key for anyrouter"}, nil)
}

func TestKeysAddFromStdin(t *testing.T) {
	e := newKeysEnv()
	e.store.keys["kiro"] = []string{"sk-kiro-first-1111"}
	e.run(t, "sk-kiro-second-2222\nsk-kiro-third-3333\n", "add", "kiro").
		want(t, 0, []string{"added 2 keys for kiro to the OS keychain at indices 1, 2 (…2222, …3333)"}, nil)
	if got := e.store.keys["kiro"]; len(got) != 3 || got[0] != "sk-kiro-first-1111" {
		t.Errorf("stored %q", got)
	}
}

func TestKeysSetFromTerminalPrompt(t *testing.T) {
	e := newKeysEnv()
	e.terminal = true
	e.password = "  sk-typed-key-T3rm \n"
	r := e.run(t, "sk-ignored-stdin-0000\n", "set", "copilot")
	r.want(t, 0, []string{"stored 1 key for copilot in the OS keychain (…T3rm)"}, []string{"API key for copilot (input hidden): "})
	if e.prompts != 1 || !slices.Equal(e.store.keys["copilot"], []string{"sk-typed-key-T3rm"}) {
		t.Errorf("prompts=%d stored=%q", e.prompts, e.store.keys["copilot"])
	}

	e.password = "sk-typed-added-A55d"
	e.run(t, "", "add", "copilot").want(t, 0, []string{"at index 1 (…A55d)"}, []string{"API key for copilot (input hidden): "})

	e.password = "   "
	e.run(t, "", "set", "copilot").want(t, 1, nil, []string{"no key entered; nothing was changed"})
	e.password, e.pwErr = "", io.EOF
	e.run(t, "", "set", "copilot").want(t, 1, nil, []string{"reading the key: EOF"})
	if got := e.store.keys["copilot"]; len(got) != 2 {
		t.Errorf("failed prompts changed the keys: %d keys", len(got))
	}
}

func TestKeysRefusesKeyInArgv(t *testing.T) {
	e := newKeysEnv()
	const key = "sk-argv-key-0123456789abcdef-ArGv"
	for _, args := range [][]string{{"set", "anyrouter", key}, {"add", "anyrouter", key}} {
		r := e.run(t, "", args...)
		r.want(t, 2, nil, []string{"never the key", "visible to other processes (ps)", "stdin"})
	}
	if len(e.store.keys["anyrouter"]) != 0 {
		t.Error("a key from argv was stored")
	}
	if strings.Contains(e.all.String(), "0123456789") {
		t.Error("the argv key was echoed")
	}
}

func TestKeysEmptyAndBadInput(t *testing.T) {
	e := newKeysEnv()
	e.store.keys["anyrouter"] = []string{"sk-keep-me-KEEP"}
	for _, tc := range []struct{ stdin, msg string }{
		{"", "no keys on stdin"},
		{"\n  \n\t\n", "no keys on stdin"},
		{"sk-one-key-1111,sk-two-key-2222\n", "line 1 holds a comma"},
		{"sk-good-key-1111\nsk-bad\x01key-2222\n", "stdin line 2"},
		{"sk-good-key-1111\n" + strings.Repeat("k", 3000) + "\n", "longer than 2560 bytes"},
		{strings.Repeat("k", 70<<10), "longer than 64 KiB"},
	} {
		for _, verb := range []string{"set", "add"} {
			e.run(t, tc.stdin, verb, "anyrouter").want(t, 1, nil, []string{tc.msg})
		}
	}
	if got := e.store.keys["anyrouter"]; !slices.Equal(got, []string{"sk-keep-me-KEEP"}) {
		t.Errorf("bad input changed the keys to %q", got)
	}
	e.run(t, "", "set").want(t, 2, nil, []string{"needs a backend id"})
}

func TestKeysUnknownBackend(t *testing.T) {
	e := newKeysEnv()
	for _, args := range [][]string{{"set", "openrouter"}, {"add", "openrouter"}, {"list", "openrouter"}, {"rm", "openrouter"}} {
		e.run(t, "sk-some-key-1234\n", args...).want(t, 2, nil,
			[]string{`unknown backend "openrouter"; known backends: antigravity, kiro, anyrouter, copilot`})
	}
	if len(e.store.keys) != 0 {
		t.Errorf("stored keys for an unknown backend: %v", e.store.keys)
	}
}

func TestKeysList(t *testing.T) {
	e := newKeysEnv()
	e.store.keys["anyrouter"] = []string{"sk-ant-one-D5xY", "sk-ant-two-a9Qe"}
	e.store.keys["kiro"] = []string{"sk-kiro-one-K1r0"}
	e.env["anyrouter"] = []string{"sk-env-key-Ev01"}
	r := e.run(t, "", "list")
	r.want(t, 0, nil, nil)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	want := [][]string{
		{"BACKEND", "INDEX", "KEY", "SOURCE"},
		{"antigravity", "-", "(no", "keys)", "-"},
		{"kiro", "0", "…K1r0", "keychain"},
		{"anyrouter", "0", "…Ev01", "env"},
		{"anyrouter", "0", "…D5xY", "keychain"},
		{"anyrouter", "1", "…a9Qe", "keychain"},
		{"copilot", "-", "(no", "keys)", "-"},
	}
	if len(lines) != len(want)+1 {
		t.Fatalf("list printed %d lines, want %d:\n%s", len(lines), len(want)+1, r.stdout)
	}
	for i, w := range want {
		if got := strings.Fields(lines[i]); !slices.Equal(got, w) {
			t.Errorf("line %d = %q, want %q", i, got, w)
		}
	}
	if !strings.Contains(lines[len(lines)-1], "ANYROUTER_API_KEYS win over the keychain while set") {
		t.Errorf("no env note: %q", lines[len(lines)-1])
	}

	r = e.run(t, "", "list", "kiro")
	r.want(t, 0, []string{"…K1r0"}, nil)
	if strings.Contains(r.stdout, "anyrouter") {
		t.Errorf("list kiro shows other backends:\n%s", r.stdout)
	}
	e.run(t, "", "list", "kiro", "anyrouter").want(t, 2, nil, []string{"at most one backend id"})
}

func TestKeysRm(t *testing.T) {
	e := newKeysEnv()
	e.store.keys["anyrouter"] = []string{"sk-ant-zero-0000", "sk-ant-one-1111", "sk-ant-two-2222"}
	e.run(t, "", "rm", "anyrouter", "1").want(t, 0,
		[]string{"removed key 1 (…1111) of anyrouter from the OS keychain; 2 keys left; the keys after it moved up"}, nil)
	if got := e.store.keys["anyrouter"]; !slices.Equal(got, []string{"sk-ant-zero-0000", "sk-ant-two-2222"}) {
		t.Errorf("after rm 1: %q", got)
	}
	e.run(t, "", "rm", "anyrouter", "5").want(t, 1, nil, []string{"anyrouter has no key 5 in the OS keychain; its keys are 0…1"})
	for _, bad := range []string{"-1", "x", "1.5"} {
		e.run(t, "", "rm", "anyrouter", bad).want(t, 2, nil, []string{"INDEX must be a key's number"})
	}
	e.run(t, "", "rm", "anyrouter", "0", "1").want(t, 2, nil, []string{"at most one INDEX"})
	e.run(t, "", "rm").want(t, 2, nil, []string{"needs a backend id"})

	e.env["anyrouter"] = []string{"sk-env-key-Ev01"}
	e.run(t, "", "rm", "anyrouter").want(t, 0,
		[]string{"removed 2 keys of anyrouter from the OS keychain (…0000, …2222)"},
		[]string{"ANYROUTER_API_KEYS is set in this environment"})
	if got := e.store.keys["anyrouter"]; len(got) != 0 {
		t.Errorf("after rm all: %q", got)
	}
	e.run(t, "", "rm", "anyrouter").want(t, 0, []string{"anyrouter has no keys in the OS keychain; nothing to remove"}, nil)
	e.run(t, "", "rm", "anyrouter", "0").want(t, 1, nil, []string{"anyrouter has no keys in the OS keychain"})
}

func TestKeysKeychainUnavailable(t *testing.T) {
	e := newKeysEnv()
	e.store.err = &keystore.UnavailableError{
		Err:  errors.New("The name org.freedesktop.secrets was not provided by any .service files"),
		Hint: "install and start a Secret Service such as gnome-keyring or KeePassXC, and unlock it; meanwhile set ANYROUTER_API_KEYS=… (ID_API_KEYS) in the environment",
	}
	e.env["kiro"] = []string{"sk-env-kiro-Ev02"}
	wantErr := []string{
		"switchyard keys: keychain unavailable: The name org.freedesktop.secrets was not provided by any .service files\n",
		"hint: install and start a Secret Service such as gnome-keyring or KeePassXC, and unlock it; meanwhile set ANYROUTER_API_KEYS=…",
	}
	e.run(t, "sk-some-key-1234\n", "set", "anyrouter").want(t, 1, nil, wantErr)
	e.run(t, "sk-some-key-1234\n", "add", "anyrouter").want(t, 1, nil, wantErr)
	e.run(t, "", "rm", "anyrouter", "0").want(t, 1, nil, wantErr)
	e.run(t, "", "rm", "anyrouter").want(t, 1, nil, wantErr)
	// list still shows what the environment provides.
	e.run(t, "", "list").want(t, 1, []string{"…Ev02", "keychain unavailable"}, wantErr)
}

// TestKeysCanary sends one unique key through every path of the command and
// checks that nothing it prints holds more of it than the last four
// characters.
func TestKeysCanary(t *testing.T) {
	const canary = "sk-canary-3f6b2a9c-8e14-4d57-b0c2-71aa5e9d4c10-Q7zX"
	e := newKeysEnv()
	e.env["kiro"] = []string{canary}

	e.run(t, canary+"\n", "set", "anyrouter")
	e.run(t, canary+"\n"+canary+"\n", "add", "anyrouter")
	e.run(t, canary+"\x00\n", "set", "anyrouter")
	e.run(t, canary+","+canary+"\n", "set", "anyrouter")
	e.run(t, canary+strings.Repeat("x", 3000)+"\n", "add", "anyrouter")
	e.run(t, "", "set", "anyrouter", canary)
	e.run(t, "", "add", "anyrouter", canary)
	e.run(t, "", "set", canary)
	e.run(t, "", canary)
	e.run(t, "", "rm", "anyrouter", canary)
	e.run(t, "", "rm", canary)
	e.run(t, "", "list", canary)
	e.run(t, "", "list")
	e.run(t, "", "list", "kiro")
	e.run(t, "", "rm", "anyrouter", "1")
	e.run(t, "", "rm", "anyrouter")
	e.terminal, e.password = true, canary
	e.run(t, "", "set", "copilot")
	e.run(t, "", "add", "copilot")
	e.password = canary + "\x07"
	e.run(t, "", "add", "copilot")
	e.terminal = false
	e.run(t, "", "list")
	e.store.err = &keystore.UnavailableError{Err: errors.New("locked"), Hint: "unlock it"}
	e.run(t, canary+"\n", "set", "copilot")
	e.run(t, "", "list")

	out := e.all.String()
	if !strings.Contains(out, "…Q7zX") {
		t.Fatalf("the canary's mask never appeared; did the paths run?\n%s", out)
	}
	for i := 0; i+5 <= len(canary); i++ {
		if w := canary[i : i+5]; strings.Contains(out, w) {
			t.Fatalf("output holds %q, part of the canary beyond its last four characters:\n%s", w, out)
		}
	}
}
