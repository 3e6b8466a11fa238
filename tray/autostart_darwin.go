package tray

import (
	"fmt"
	"os"
)

// SetAutostart turns "start at login" on or off: it writes or removes the
// LaunchAgent ~/Library/LaunchAgents/dev.switchyard.plist, which starts this
// executable (by absolute path) at login. launchd reads it at the next login.
func SetAutostart(on bool) error {
	path, err := agentPath()
	if err != nil {
		return err
	}
	var content []byte
	if on {
		exe, err := executable()
		if err != nil {
			return err
		}
		content = launchAgentPlist(exe)
	}
	return setAutostartFile(path, content, on)
}

// AutostartEnabled reports whether the LaunchAgent exists.
func AutostartEnabled() bool {
	path, err := agentPath()
	return err == nil && fileExists(path)
}

func agentPath() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the home folder: %w", err)
	}
	return launchAgentPath(home), nil
}
