package notify

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// The freedesktop Desktop Notifications service.
const (
	dbusName   = "org.freedesktop.Notifications"
	dbusPath   = "/org/freedesktop/Notifications"
	dbusNotify = dbusName + ".Notify"
)

// callTimeout bounds one Notify call: a hung service must not hold the
// gateway's events up.
const callTimeout = 5 * time.Second

// DBus shows notifications through org.freedesktop.Notifications.Notify
// on a session bus. It connects on first use and again after a failure.
type DBus struct {
	addr string // "" = the session bus of DBUS_SESSION_BUS_ADDRESS
	log  *slog.Logger

	mu     sync.Mutex
	conn   *dbus.Conn
	failed bool // the last call failed and was logged: say it once
}

// NewDBus returns a notifier on the bus at addr ("" = the session bus).
func NewDBus(addr string, log *slog.Logger) *DBus {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &DBus{addr: addr, log: log}
}

// Notify sends one notification. A missing bus or service is logged once
// (until a notification gets through again).
func (d *DBus) Notify(title, body string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	err := d.call(title, body)
	if err == nil {
		d.failed = false
		return
	}
	if d.conn != nil {
		d.conn.Close()
		d.conn = nil
	}
	if !d.failed {
		d.failed = true
		d.log.Info("desktop notifications unavailable; the notification is dropped", "reason", reason(err))
	}
}

func (d *DBus) call(title, body string) error {
	if d.conn == nil {
		var conn *dbus.Conn
		var err error
		if d.addr == "" {
			conn, err = dbus.ConnectSessionBus()
		} else {
			conn, err = dbus.Connect(d.addr)
		}
		if err != nil {
			return err
		}
		d.conn = conn
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	return d.conn.Object(dbusName, dbusPath).CallWithContext(ctx, dbusNotify, 0,
		App, uint32(0), "", title, body, []string{}, map[string]dbus.Variant{}, int32(-1)).Err
}

// Close closes the bus connection.
func (d *DBus) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn != nil {
		d.conn.Close()
		d.conn = nil
	}
}

// reason says briefly why a call failed.
func reason(err error) string {
	var de dbus.Error
	if errors.As(err, &de) && de.Name == "org.freedesktop.DBus.Error.ServiceUnknown" {
		return "no notification service on the session bus"
	}
	return err.Error()
}
