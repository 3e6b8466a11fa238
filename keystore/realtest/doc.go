// Package realtest holds only the test of package keystore against a real
// Secret Service (TestRealSecretService); it has no code of its own.
//
// It is a separate package, not a file in keystore, because keystore's unit
// tests call keyring.MockInit, which replaces go-keyring's provider for the
// whole test binary and cannot be undone. Being its own package, this test
// runs in its own binary, where go-keyring still talks to the real keychain
// whatever order or filter the tests run with.
//
// Run it inside a private D-Bus session with an unlocked gnome-keyring:
//
//	bash scripts/keyring-session.sh go test -race -count=1 -run RealSecretService -v ./keystore/...
//
// Without a reachable Secret Service it skips, except under CI=true, where
// it fails.
package realtest
