//go:build !darwin && !windows && !((linux || freebsd || openbsd || netbsd) && !android)

package tray

import "errors"

// SetAutostart is not supported on this OS.
func SetAutostart(on bool) error { return errors.New("start at login is not supported on this OS") }

// AutostartEnabled is always false on this OS.
func AutostartEnabled() bool { return false }
