//go:build (linux || freebsd || openbsd || netbsd) && !android

package tray

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// watcherName is the bus name of the tray host's StatusNotifierWatcher.
const watcherName = "org.kde.StatusNotifierWatcher"

// watcherWait is how long probe waits for a tray host to appear, for a
// session that starts its panel after Switchyard (autostart at login).
var watcherWait = 5 * time.Second

// probe checks that systray can work: a session bus must be reachable (with
// none, systray.Quit panics), and a StatusNotifierWatcher must own its name
// or be activatable (with none, the icon would be invisible).
//
// It never lets godbus autolaunch a bus with dbus-launch: that would leak a
// daemon on a headless box. An unset DBUS_SESSION_BUS_ADDRESS means no tray.
func probe(ctx context.Context) error {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a == "" || strings.HasPrefix(a, "autolaunch:") {
		return fmt.Errorf("%w: DBUS_SESSION_BUS_ADDRESS is not set (no desktop session)", ErrNoTray)
	}
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return fmt.Errorf("%w: connecting to the session bus: %w", ErrNoTray, err)
	}
	defer conn.Close()

	// Subscribe before asking, so a watcher that appears in between is seen.
	sig := make(chan *dbus.Signal, 4)
	conn.Signal(sig)
	defer conn.RemoveSignal(sig)
	if err := conn.AddMatchSignal(
		dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchInterface("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, watcherName),
	); err != nil {
		return fmt.Errorf("%w: watching the session bus: %w", ErrNoTray, err)
	}
	bus := conn.BusObject()
	var has bool
	if err := bus.CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&has); err != nil {
		return fmt.Errorf("%w: asking the session bus: %w", ErrNoTray, err)
	}
	if has {
		return nil
	}
	var activatable []string
	if err := bus.CallWithContext(ctx, "org.freedesktop.DBus.ListActivatableNames", 0).Store(&activatable); err == nil &&
		slices.Contains(activatable, watcherName) {
		return nil
	}

	timer := time.NewTimer(watcherWait)
	defer timer.Stop()
	for {
		select {
		case s, ok := <-sig:
			if !ok {
				return fmt.Errorf("%w: the session bus went away", ErrNoTray)
			}
			if len(s.Body) == 3 && s.Body[0] == watcherName && s.Body[2] != "" {
				return nil
			}
		case <-timer.C:
			return fmt.Errorf("%w: no tray host (%s) on the session bus", ErrNoTray, watcherName)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// itemExported reports whether systray has exported the item's properties
// on the session bus: it asks for the item's Id over systray's own (shared)
// connection. Before that, systray drops icon, title and tooltip sets
// (fyne-io/systray#35), and takes the item's Id from the title.
func itemExported() bool {
	conn, err := dbus.SessionBus()
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	name := "org.kde.StatusNotifierItem-" + strconv.Itoa(os.Getpid()) + "-1"
	var id dbus.Variant
	err = conn.Object(name, "/StatusNotifierItem").CallWithContext(ctx,
		"org.freedesktop.DBus.Properties.Get", 0, "org.kde.StatusNotifierItem", "Id").Store(&id)
	return err == nil
}
