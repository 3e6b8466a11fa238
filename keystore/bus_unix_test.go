//go:build !darwin && !windows

package keystore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// Without a session bus the Store does not call go-keyring (whose D-Bus
// library would autolaunch a daemon that outlives us): every operation is
// an *UnavailableError saying there is no session bus.
func TestNoBusNoKeyringCall(t *testing.T) {
	keyring.MockInit() // were go-keyring called, this would answer
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	s := New(time.Second)
	_, err := s.Keys(context.Background(), "anyrouter")
	var ue *UnavailableError
	if !errors.As(err, &ue) || !errors.Is(err, errNoSessionBus) {
		t.Fatalf("Keys without a bus: %v, want the no-session-bus error", err)
	}
	if _, err := s.Add(context.Background(), "anyrouter", "sk-test-key-1234"); !errors.Is(err, errNoSessionBus) {
		t.Fatalf("Add without a bus: %v", err)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "autolaunch:")
	if _, err := s.Keys(context.Background(), "anyrouter"); !errors.Is(err, errNoSessionBus) {
		t.Fatalf("autolaunch: address: %v", err)
	}
}

// A bus socket in the runtime directory is a real session bus: the check
// lets the call through.
func TestNoBusRuntimeSocket(t *testing.T) {
	keyring.MockInit()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bus"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", dir)
	if _, err := New(time.Second).Keys(context.Background(), "anyrouter"); err != nil {
		t.Fatalf("with $XDG_RUNTIME_DIR/bus: %v", err)
	}
}
