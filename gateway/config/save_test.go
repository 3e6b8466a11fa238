package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// edited is a config with every kind of change a user can make.
func edited() *Config {
	c := Defaults()
	c.Listen = "127.0.0.1:9000"
	c.BodyLimitMB = 100
	c.RequestDeadline = 20 * time.Minute
	c.FirstByteTimeout = 5 * time.Second
	c.StreamIdleTimeout = 7 * time.Second
	c.ProbeInterval = 90 * time.Second
	ar := c.Backend("anyrouter")
	ar.Probe = true
	ar.Enabled = false
	ar.BaseURLs = []string{"https://anyrouter.top"}
	ar.MaxRetries = 0
	k := c.Backend("kiro")
	k.Aliases = nil
	k.ModelList = nil
	k.Models = ""
	k.Name = `Kiro: "quoted" # not a comment`
	c.Backends = append(c.Backends, Backend{
		ID: "my-vllm", Name: "My vLLM", Priority: 5, Format: FormatOpenAI, Enabled: true,
		BaseURLs: []string{"http://127.0.0.1:9000/v1", "http://10.0.0.2:9000/v1"},
		Timeout:  30 * time.Second, StreamTimeout: 24 * time.Hour, MaxRetries: 5,
		Models: "qwen+!0.5b | true", ModelList: []string{"qwen3-coder", "123", "null"},
		Aliases:  map[string]string{"qwen": "qwen3-coder", "yes": "no", "*": "qwen3-coder"},
		NeedsKey: true, CacheBreakpoints: true, MaxTokensDefault: 1,
	}, Backend{
		ID: "z-claude", Name: "z-claude", Priority: 2, Format: FormatAnthropic, Enabled: true,
		BaseURLs: []string{"https://api.example.com"}, Timeout: time.Second, StreamTimeout: time.Second,
		Models: "*", MaxTokensDefault: 64000,
	})
	c.normalize()
	return c
}

func TestSaveRoundTrip(t *testing.T) {
	for name, c := range map[string]*Config{"defaults": Defaults(), "edited": edited()} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "config.yaml")
			before := c.Clone()
			if err := c.Save(p); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c, before) {
				t.Error("Save modified the config")
			}
			got, err := Load(p)
			if err != nil {
				data, _ := os.ReadFile(p)
				t.Fatalf("Load(Save(c)): %v\n%s", err, data)
			}
			if !reflect.DeepEqual(got, c) {
				t.Errorf("round trip differs:\n got %+v\nwant %+v", got, c)
			}
		})
	}
}

func TestSaveContent(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := Defaults().Save(p); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if !strings.HasPrefix(s, "# Switchyard configuration.") {
		t.Errorf("no header comment:\n%s", s)
	}
	for _, want := range []string{
		"API keys are never stored in this file", "`switchyard keys set ID`",
		"\nlisten: 127.0.0.1:7861", "\nrequest_deadline: 900", "- id: anyrouter # built-in preset",
		"    timeout: 120\n", "    models: '*'\n", "https://a-ocnfniawgw.cn-shanghai.fcapp.run",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("saved file lacks %q:\n%s", want, s)
		}
	}
}

func TestSaveRoundsUpSubSecond(t *testing.T) {
	c := Defaults()
	c.Backend("kiro").Timeout = 1500 * time.Millisecond
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := c.Save(p); err != nil {
		t.Fatal(err)
	}
	got, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Backend("kiro").Timeout; d != 2*time.Second {
		t.Errorf("timeout = %v, want 2s", d)
	}
}

func TestSaveNormalizes(t *testing.T) {
	c := Defaults()
	c.Backend("kiro").BaseURLs = []string{"http://127.0.0.1:8000/v1/"}
	c.Backends[0], c.Backends[3] = c.Backends[3], c.Backends[0]
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := c.Save(p); err != nil {
		t.Fatal(err)
	}
	got, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, Defaults()) {
		t.Errorf("normalized save differs from defaults: %+v", got)
	}
}

func TestSaveFileModesAndAtomicity(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "new", "switchyard", "config.yaml")
	if err := Defaults().Save(p); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if m := mode(t, p); m != 0o600 {
			t.Errorf("file mode = %v, want 0600", m)
		}
		if m := mode(t, filepath.Dir(p)); m != 0o700 {
			t.Errorf("created folder mode = %v, want 0700", m)
		}
	}
	onlyFile(t, filepath.Dir(p), "config.yaml")

	// Replacing a looser, older file: the result is 0600 and complete.
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	c := edited()
	if err := c.Save(p); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && mode(t, p) != 0o600 {
		t.Errorf("file mode after overwrite = %v, want 0600", mode(t, p))
	}
	onlyFile(t, filepath.Dir(p), "config.yaml")
	if got, err := Load(p); err != nil || !reflect.DeepEqual(got, c) {
		t.Errorf("after overwrite: %v", err)
	}
}

func TestSaveFailureLeavesNoTempFile(t *testing.T) {
	dir := t.TempDir()
	// The target is a non-empty folder, so the final rename fails.
	target := filepath.Join(dir, "config.yaml")
	if err := os.MkdirAll(filepath.Join(target, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := Defaults().Save(target); err == nil {
		t.Fatal("Save over a folder succeeded")
	}
	onlyFile(t, dir, "config.yaml")
}

func TestSaveRejectsInvalid(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.yaml")
	c := Defaults()
	c.Backend("kiro").Format = "nope"
	err := c.Save(p)
	if err == nil || !strings.Contains(err.Error(), `"nope" is not a format`) {
		t.Fatalf("Save(invalid) = %v", err)
	}
	if _, statErr := os.Stat(p); !os.IsNotExist(statErr) {
		t.Error("an invalid config was written")
	}
}

func TestSaveFollowsSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	dir := t.TempDir()
	real := filepath.Join(dir, "real.yaml")
	link := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(real, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := edited().Save(link); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the symlink was replaced by a file")
	}
	if got, err := Load(real); err != nil || !reflect.DeepEqual(got, edited()) {
		t.Errorf("target not written: %v", err)
	}
}

// TestKeysNeverSaved is the canary: keys given through ID_API_KEYS must not
// reach the file, whichever config is saved.
func TestKeysNeverSaved(t *testing.T) {
	const canary = "sk-canary-7f3a9c"
	fileCfg := edited()
	envCfg, keys, err := ApplyEnv(fileCfg, env(map[string]string{
		"ANYROUTER_API_KEYS": canary + "-1," + canary + "-2",
		"MY_VLLM_API_KEYS":   canary + "-3",
		"KIRO_TIMEOUT":       "33",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(keys["anyrouter"]) != 2 || len(keys["my-vllm"]) != 1 {
		t.Fatalf("keys = %d entries", len(keys))
	}
	dir := t.TempDir()
	for name, c := range map[string]*Config{"file": fileCfg, "env": envCfg} {
		p := filepath.Join(dir, name+".yaml")
		if err := c.Save(p); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "canary") {
			t.Errorf("%s config: the saved file holds an API key", name)
		}
	}
	if strings.Contains(fmt.Sprintf("%+v", *envCfg), "canary") {
		t.Error("the env config itself holds an API key")
	}
	// The file config saved after ApplyEnv holds none of the env values.
	got, err := Load(filepath.Join(dir, "file.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Backend("kiro").Timeout != 120*time.Second {
		t.Error("an env override reached the file")
	}
}

func mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// onlyFile fails unless dir holds exactly one entry, name: no temp files.
func onlyFile(t *testing.T, dir, name string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != name {
		t.Errorf("%s holds %v, want only %s", dir, names, name)
	}
}
