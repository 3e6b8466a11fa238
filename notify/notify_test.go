package notify

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"switchyard/gateway/clock/clocktest"
)

// recorder is a Notifier that hands every notification to a channel.
type recorder chan [2]string

func (r recorder) Notify(title, body string) { r <- [2]string{title, body} }

func (r recorder) next(t *testing.T) [2]string {
	t.Helper()
	select {
	case n := <-r:
		return n
	case <-time.After(5 * time.Second):
		t.Fatal("no notification")
	}
	return [2]string{}
}

func (r recorder) none(t *testing.T) {
	t.Helper()
	select {
	case n := <-r:
		t.Fatalf("unexpected notification %q", n)
	default:
	}
}

func TestCoalescer(t *testing.T) {
	clk := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	rec := make(recorder, 8)
	c := NewCoalescer(rec, clk)
	defer c.Stop()
	closed := make(chan string, 8)
	c.closed = func(b string) { closed <- b }

	// A quiet backend's first event is shown at once.
	c.Event("anyrouter", "Switchyard: AnyRouter", "down: http 500")
	if n := rec.next(t); n != [2]string{"Switchyard: AnyRouter", "down: http 500"} {
		t.Fatalf("first: %q", n)
	}
	// Within the minute: held, merged, duplicates once; another backend
	// has a window of its own.
	c.Event("anyrouter", "Switchyard: AnyRouter", "back")
	c.Event("anyrouter", "Switchyard: AnyRouter", "down: timeout")
	c.Event("anyrouter", "Switchyard: AnyRouter", "back")
	c.Event("kiro", "Switchyard: Kiro", "down: connection refused")
	if n := rec.next(t); n[0] != "Switchyard: Kiro" {
		t.Fatalf("other backend: %q", n)
	}
	clk.Advance(59 * time.Second)
	rec.none(t)
	clk.Advance(time.Second)
	if n := rec.next(t); n != [2]string{"Switchyard: AnyRouter", "back\ndown: timeout"} {
		t.Fatalf("merged: %q", n)
	}
	rec.none(t)
	// That notification opened a new window: an event now is held again.
	c.Event("anyrouter", "Switchyard: AnyRouter", "key …ab12: $0.40 left")
	rec.none(t)
	clk.Advance(time.Minute)
	if n := rec.next(t); n[1] != "key …ab12: $0.40 left" {
		t.Fatalf("second window: %q", n)
	}
	// A window with nothing held closes; the next event is shown at once.
	// (Both backends' windows end: kiro's had nothing held either.)
	clk.Advance(time.Minute)
	for b := range closed {
		if b == "anyrouter" {
			break
		}
	}
	c.Event("anyrouter", "Switchyard: AnyRouter", "back")
	if n := rec.next(t); n[1] != "back" {
		t.Fatalf("after a quiet minute: %q", n)
	}
	rec.none(t)
}

// TestCoalescerConcurrent: events from many goroutines within one window
// give one notification at once and one merged one after it.
func TestCoalescerConcurrent(t *testing.T) {
	clk := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	rec := make(recorder, 64)
	c := NewCoalescer(rec, clk)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Event("b", "t", "event "+string(rune('a'+i)))
		}()
	}
	wg.Wait()
	rec.next(t)
	rec.none(t)
	clk.Advance(time.Minute)
	merged := rec.next(t)
	if got := strings.Count(merged[1], "event "); got != 19 {
		t.Fatalf("merged %d events, want 19: %q", got, merged[1])
	}
	rec.none(t)
	c.Stop()
}

func TestLogNotifier(t *testing.T) {
	var b bytes.Buffer
	Log{slog.New(slog.NewTextHandler(&b, nil))}.Notify("Switchyard: X", "down")
	if !strings.Contains(b.String(), "down") {
		t.Fatal(b.String())
	}
}

func newFakeClock() *clocktest.Fake {
	return clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
}
