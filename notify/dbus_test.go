package notify

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"switchyard/tray/traytest"
)

// fakeService is org.freedesktop.Notifications as a notification daemon
// exports it, recording every Notify.
type fakeService struct{ got chan []any }

func (f fakeService) Notify(app string, replaces uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	f.got <- []any{app, replaces, icon, summary, body, len(actions), len(hints), timeout}
	return 1, nil
}

// export serves the fake service on its own connection to bus.
func export(t *testing.T, bus *traytest.Bus) fakeService {
	t.Helper()
	conn := bus.Connect(t)
	f := fakeService{got: make(chan []any, 8)}
	if err := conn.ExportMethodTable(map[string]any{"Notify": f.Notify}, dbusPath, dbusName); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(dbusName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning %s: %v %v", dbusName, reply, err)
	}
	return f
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestDBusNotifications: a fake notification service on a private bus
// receives exactly the coalesced notifications, with the freedesktop
// call's arguments.
func TestDBusNotifications(t *testing.T) {
	bus := traytest.StartBus(t)
	svc := export(t, bus)
	var logs syncBuf
	d := NewDBus(bus.Addr, slog.New(slog.NewTextHandler(&logs, nil)))
	defer d.Close()

	d.Notify("Switchyard: AnyRouter", "down: http 500")
	select {
	case got := <-svc.got:
		want := []any{"Switchyard", uint32(0), "", "Switchyard: AnyRouter", "down: http 500", 0, 0, int32(-1)}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("Notify args %v, want %v", got, want)
			}
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the service got no notification")
	}
	// Through the coalescer: one now, one merged a minute later, none else.
	clk := newFakeClock()
	c := NewCoalescer(d, clk)
	c.Event("copilot", "Switchyard: Copilot", "quota low: 12 requests left")
	c.Event("copilot", "Switchyard: Copilot", "down: connection refused")
	c.Event("copilot", "Switchyard: Copilot", "back")
	if got := <-svc.got; got[4] != "quota low: 12 requests left" {
		t.Fatalf("first %v", got)
	}
	clk.Advance(time.Minute)
	if got := <-svc.got; got[3] != "Switchyard: Copilot" || got[4] != "down: connection refused\nback" {
		t.Fatalf("merged %v", got)
	}
	c.Stop()
	select {
	case got := <-svc.got:
		t.Fatalf("extra notification %v", got)
	case <-time.After(50 * time.Millisecond):
	}
	if logs.String() != "" {
		t.Errorf("logged with a working service: %s", logs.String())
	}
}

// TestDBusMissingService: with no notification service on the bus (or no
// bus at all) Notify logs one line and returns; it never fails or blocks.
func TestDBusMissingService(t *testing.T) {
	bus := traytest.StartBus(t)
	var logs syncBuf
	d := NewDBus(bus.Addr, slog.New(slog.NewTextHandler(&logs, nil)))
	defer d.Close()
	for range 3 {
		d.Notify("Switchyard: Kiro", "down")
	}
	out := logs.String()
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, "no notification service on the session bus") {
		t.Fatalf("want one log line naming the missing service, got:\n%s", out)
	}
	// The service appears: notifications get through, and a later loss
	// is logged once again.
	svc := export(t, bus)
	d.Notify("Switchyard: Kiro", "back")
	if got := <-svc.got; got[4] != "back" {
		t.Fatalf("got %v", got)
	}

	var logs2 syncBuf
	nobus := NewDBus("unix:path=/nonexistent/switchyard-test-bus", slog.New(slog.NewTextHandler(&logs2, nil)))
	nobus.Notify("a", "b")
	nobus.Notify("a", "b")
	if strings.Count(logs2.String(), "\n") != 1 || !strings.Contains(logs2.String(), "desktop notifications unavailable") {
		t.Fatalf("no bus: %s", logs2.String())
	}
}
