//go:build !darwin && !windows

package keystore

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
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
// lets the call through and names it for godbus (which looks only in
// /run/user/UID); a plain file of that name is no bus.
func TestNoBusRuntimeSocket(t *testing.T) {
	keyring.MockInit()
	dir, err := os.MkdirTemp("", "sy") // short: a socket path has a length limit
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", dir)
	if err := os.WriteFile(filepath.Join(dir, "bus"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/run/user/" + strconv.Itoa(os.Getuid()) + "/bus"); err == nil {
		t.Skip("this machine has a session bus in /run/user: the no-bus case cannot be set up")
	}
	if _, err := New(time.Second).Keys(context.Background(), "anyrouter"); !errors.Is(err, errNoSessionBus) {
		t.Fatalf("a plain file named bus: %v", err)
	}
	os.Remove(filepath.Join(dir, "bus"))
	ln, err := net.Listen("unix", filepath.Join(dir, "bus"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := New(time.Second).Keys(context.Background(), "anyrouter"); err != nil {
		t.Fatalf("with a $XDG_RUNTIME_DIR/bus socket: %v", err)
	}
	if got := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); got != "unix:path="+filepath.Join(dir, "bus") {
		t.Fatalf("DBUS_SESSION_BUS_ADDRESS = %q", got)
	}
}
