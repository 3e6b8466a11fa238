//go:build (cgo || !darwin) && !((linux || freebsd || openbsd || netbsd) && !android)

package tray

import "context"

// probe: Windows and macOS always have a notification area.
func probe(context.Context) error { return nil }

// itemExported: there is nothing to wait for outside D-Bus.
func itemExported() bool { return true }
