//go:build !darwin && !windows

package keystore

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/godbus/dbus/v5"
)

// errNoSessionBus is why the Secret Service cannot be reached without a
// D-Bus session bus.
var errNoSessionBus = errors.New("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset and $XDG_RUNTIME_DIR/bus does not exist)")

// noBus reports, before go-keyring is called, that there is no session bus
// to reach a Secret Service on. Without this check go-keyring's D-Bus
// library autolaunches a session bus (`dbus-launch --autolaunch`), and the
// dbus-daemon it starts outlives Switchyard: one leaked daemon per run of
// `switchyard serve` or `switchyard keys` on a headless box, a systemd
// service or CI. A bus named by DBUS_SESSION_BUS_ADDRESS, or the
// per-user bus socket in the runtime directory, is a real session bus and
// is used; "autolaunch:" addresses count as none.
func noBus() error {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && !strings.HasPrefix(a, "autolaunch:") {
		return nil
	}
	// godbus itself looks only in /run/user/UID (the bus socket, or a
	// dbus-session file naming the address), then autolaunches.
	run := "/run/user/" + strconv.Itoa(os.Getuid())
	if _, err := os.Stat(filepath.Join(run, "bus")); err == nil {
		return nil
	}
	// godbus takes a dbus-session file only when it names an address;
	// with any other content it autolaunches.
	if b, err := os.ReadFile(filepath.Join(run, "dbus-session")); err == nil && strings.HasPrefix(string(b), "DBUS_SESSION_BUS_ADDRESS=") {
		return nil
	}
	// A bus socket in $XDG_RUNTIME_DIR elsewhere is real too, but godbus
	// would not find it: name it for godbus.
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		sock := filepath.Join(dir, "bus")
		if fi, err := os.Stat(sock); err == nil && fi.Mode()&os.ModeSocket != 0 {
			os.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+dbus.EscapeBusAddressValue(sock))
			return nil
		}
	}
	return &UnavailableError{Err: errNoSessionBus,
		Hint: "the keychain needs a desktop session (gnome-keyring, KeePassXC) on a D-Bus session bus; without one, give keys in the environment as ID_API_KEYS"}
}
