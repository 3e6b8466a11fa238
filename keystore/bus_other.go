//go:build darwin || windows

package keystore

// noBus is nil where the keychain needs no D-Bus (macOS, Windows).
func noBus() error { return nil }
