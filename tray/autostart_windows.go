package tray

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

const runKey = `Software\Microsoft\Windows\CurrentVersion\Run`

// runValueName is the value under HKCU\...\Run.
const runValueName = "Switchyard"

// SetAutostart turns "start at login" on or off: it sets or deletes the
// value "Switchyard" under HKCU\Software\Microsoft\Windows\CurrentVersion\Run,
// which starts this executable (by quoted absolute path).
func SetAutostart(on bool) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("opening HKCU\\%s: %w", runKey, err)
	}
	defer k.Close()
	if !on {
		if err := k.DeleteValue(runValueName); err != nil && !errors.Is(err, registry.ErrNotExist) {
			return fmt.Errorf("deleting the Run value: %w", err)
		}
		return nil
	}
	exe, err := executable()
	if err != nil {
		return err
	}
	if err := k.SetStringValue(runValueName, windowsRunValue(exe)); err != nil {
		return fmt.Errorf("setting the Run value: %w", err)
	}
	return nil
}

// AutostartEnabled reports whether the Run value exists.
func AutostartEnabled() bool {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	defer k.Close()
	_, _, err = k.GetStringValue(runValueName)
	return err == nil
}
