package tray

import (
	"errors"
	"fmt"
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// appID names Switchyard's autostart entries: the .desktop file, the
// LaunchAgent label and the Windows Run value.
const appID = "switchyard"

// launchAgentLabel is the macOS LaunchAgent label (and bundle id).
const launchAgentLabel = "dev.switchyard"

// xdgAutostartPath is $XDG_CONFIG_HOME/autostart/switchyard.desktop, with
// XDG_CONFIG_HOME defaulting to ~/.config (a relative value is ignored, as
// the XDG spec says).
func xdgAutostartPath(configHome, home string) string {
	if configHome == "" || !filepath.IsAbs(configHome) {
		configHome = filepath.Join(home, ".config")
	}
	return filepath.Join(configHome, "autostart", appID+".desktop")
}

// desktopEntry is the XDG autostart entry that starts exe.
func desktopEntry(exe string) []byte {
	return []byte(`[Desktop Entry]
Type=Application
Name=Switchyard
GenericName=LLM gateway
Comment=Local LLM gateway with failover, in the tray
Exec=` + desktopExec(exe) + `
Icon=switchyard
Terminal=false
Categories=Development;Network;
X-GNOME-Autostart-enabled=true
`)
}

// desktopExec quotes a path for a .desktop Exec key: quoted when it has
// reserved characters, with `"`, "`", "$" and "\" backslash-escaped inside
// the quotes, then every "\" doubled again as the string-value escape
// requires, and "%" written "%%" (field codes).
func desktopExec(path string) string {
	path = strings.ReplaceAll(path, "%", "%%")
	if !strings.ContainsAny(path, " \t\n\"'\\><~|&;$*?#()`") {
		return path
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range path {
		switch r {
		case '"', '`', '$':
			b.WriteString(`\\`) // the quoting backslash, itself escaped for the string value
			b.WriteRune(r)
		case '\\':
			b.WriteString(`\\\\`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// launchAgentPath is ~/Library/LaunchAgents/dev.switchyard.plist.
func launchAgentPath(home string) string {
	return filepath.Join(home, "Library", "LaunchAgents", launchAgentLabel+".plist")
}

// launchAgentPlist is the LaunchAgent that starts exe at login, once (no
// KeepAlive: quitting from the menu must stick).
func launchAgentPlist(exe string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>` + launchAgentLabel + `</string>
	<key>ProgramArguments</key>
	<array>
		<string>` + html.EscapeString(exe) + `</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>ProcessType</key>
	<string>Interactive</string>
</dict>
</plist>
`)
}

// windowsRunValue is the HKCU Run value that starts exe.
func windowsRunValue(exe string) string { return `"` + exe + `"` }

// setAutostartFile writes content to path atomically (on) or removes it
// (off; a missing file is fine).
func setAutostartFile(path string, content []byte, on bool) error {
	if !on {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", path, err)
		}
		return nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(f.Name()) // fails harmlessly after the rename
	if _, err := f.Write(content); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// fileExists reports whether path is an existing regular file.
func fileExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// executable is the absolute path of the running binary.
func executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the executable: %w", err)
	}
	return filepath.Abs(exe)
}
