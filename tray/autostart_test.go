package tray

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestXDGAutostartPath(t *testing.T) {
	tests := []struct{ configHome, home, want string }{
		{"/tmp/cfg", "/home/u", "/tmp/cfg/autostart/switchyard.desktop"},
		{"", "/home/u", "/home/u/.config/autostart/switchyard.desktop"},
		{"relative/cfg", "/home/u", "/home/u/.config/autostart/switchyard.desktop"},
	}
	for _, tt := range tests {
		if got := xdgAutostartPath(tt.configHome, tt.home); got != tt.want {
			t.Errorf("xdgAutostartPath(%q, %q) = %q, want %q", tt.configHome, tt.home, got, tt.want)
		}
	}
}

func TestDesktopExec(t *testing.T) {
	tests := []struct{ path, want string }{
		{"/usr/local/bin/switchyard", "/usr/local/bin/switchyard"},
		{"/home/ann/my apps/switchyard", `"/home/ann/my apps/switchyard"`},
		{`/opt/a"b$c/switchyard`, `"/opt/a\\"b\\$c/switchyard"`},
		{`/opt/back\slash/switchyard`, `"/opt/back\\\\slash/switchyard"`},
		{"/opt/100%/switchyard", "/opt/100%%/switchyard"},
	}
	for _, tt := range tests {
		if got := desktopExec(tt.path); got != tt.want {
			t.Errorf("desktopExec(%q) = %s, want %s", tt.path, got, tt.want)
		}
	}
}

func TestLaunchAgentPlist(t *testing.T) {
	if got, want := launchAgentPath("/Users/ann"), "/Users/ann/Library/LaunchAgents/dev.switchyard.plist"; got != want {
		t.Errorf("path %q, want %q", got, want)
	}
	p := string(launchAgentPlist("/Applications/Switchyard & Co.app/Contents/MacOS/switchyard"))
	for _, want := range []string{
		"<key>Label</key>\n\t<string>dev.switchyard</string>",
		"<string>/Applications/Switchyard &amp; Co.app/Contents/MacOS/switchyard</string>",
		"<key>RunAtLoad</key>\n\t<true/>",
	} {
		if !strings.Contains(p, want) {
			t.Errorf("plist lacks %q:\n%s", want, p)
		}
	}
	if strings.Contains(p, "KeepAlive") {
		t.Error("plist must not keep Switchyard alive after the user quits it")
	}
	if got := windowsRunValue(`C:\Program Files\Switchyard\switchyard.exe`); got != `"C:\Program Files\Switchyard\switchyard.exe"` {
		t.Errorf("windows run value %s", got)
	}
}

func TestSetAutostartFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "x.desktop")
	if err := setAutostartFile(path, []byte("one"), true); err != nil {
		t.Fatal(err)
	}
	if err := setAutostartFile(path, []byte("two"), true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "two" {
		t.Errorf("content %q", b)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("left temporary files: %v", entries)
	}
	for range 2 { // removing twice is fine
		if err := setAutostartFile(path, nil, false); err != nil {
			t.Fatal(err)
		}
	}
	if fileExists(path) {
		t.Error("file still there")
	}
}

// TestSetAutostart runs the real SetAutostart against a temporary
// XDG_CONFIG_HOME.
func TestSetAutostart(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("XDG autostart is the Linux mechanism")
	}
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	path := filepath.Join(cfg, "autostart", "switchyard.desktop")

	if AutostartEnabled() {
		t.Fatal("enabled before SetAutostart(true)")
	}
	if err := SetAutostart(true); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	content := string(b)
	for _, want := range []string{"[Desktop Entry]\n", "Type=Application\n", "Name=Switchyard\n", "Exec=" + desktopExec(exe) + "\n", "Icon=switchyard\n"} {
		if !strings.Contains(content, want) {
			t.Errorf("entry lacks %q:\n%s", want, content)
		}
	}
	if !filepath.IsAbs(exe) {
		t.Errorf("Exec path %q is not absolute", exe)
	}
	if !AutostartEnabled() {
		t.Error("not enabled after SetAutostart(true)")
	}
	// A desktop's "turn off" marks the entry hidden.
	if err := os.WriteFile(path, append(b, "Hidden=true\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if AutostartEnabled() {
		t.Error("enabled while Hidden=true")
	}
	if err := SetAutostart(false); err != nil {
		t.Fatal(err)
	}
	if AutostartEnabled() || fileExists(path) {
		t.Error("still enabled after SetAutostart(false)")
	}
}
