package keystore

import (
	"os"
	"testing"
)

// TestMain names a session bus for these tests: they replace go-keyring's
// provider with its mock (keyring.MockInit), so no bus is ever dialled,
// but the Store's no-bus check runs first and must pass. TestNoBus* clear
// it again where they test that check.
func TestMain(m *testing.M) {
	os.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/switchyard-test-bus")
	os.Exit(m.Run())
}
