//go:build (linux || freebsd || openbsd || netbsd) && !android

package tray

import (
	"bytes"
	"os"
)

// SetAutostart turns "start at login" on or off: it writes or removes
// $XDG_CONFIG_HOME/autostart/switchyard.desktop, which starts this
// executable (by absolute path).
func SetAutostart(on bool) error {
	content := []byte(nil)
	if on {
		exe, err := executable()
		if err != nil {
			return err
		}
		content = desktopEntry(exe)
	}
	return setAutostartFile(autostartPath(), content, on)
}

// AutostartEnabled reports whether the autostart entry exists and is not
// hidden (Hidden=true is how desktops record "turned off").
func AutostartEnabled() bool {
	b, err := os.ReadFile(autostartPath())
	return err == nil && !bytes.Contains(b, []byte("\nHidden=true"))
}

func autostartPath() string {
	home, _ := os.UserHomeDir()
	return xdgAutostartPath(os.Getenv("XDG_CONFIG_HOME"), home)
}
