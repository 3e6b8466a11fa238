package main

import (
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"switchyard/gateway"
	"switchyard/gateway/config"
)

// The gateway signals every request's outcome; the tray's menu follows at
// most every trayRefreshEvery, however many there are.
func TestTrayRefreshIsPaced(t *testing.T) {
	cfg := config.Defaults()
	cfg.Listen = "127.0.0.1:0"
	gw, err := gateway.New(gateway.Options{Config: cfg, StateDir: filepath.Join(t.TempDir(), "state"), ModelRefresh: -1,
		Getenv: func(string) string { return "" }, Logger: slog.New(slog.DiscardHandler), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	c := newTrayController(&app{gw: gw}, func() {})
	stop := time.Now().Add(600 * time.Millisecond)
	refreshes := 0
	for time.Now().Before(stop) {
		gw.Table().Events().Signal() // what each request's outcome does
		select {
		case <-c.Changed():
			refreshes++
		default:
		}
		time.Sleep(100 * time.Microsecond) // a busy gateway: thousands of outcomes a second
	}
	if max := int(600*time.Millisecond/trayRefreshEvery) + 1; refreshes < 1 || refreshes > max {
		t.Fatalf("%d menu refreshes in 600 ms of signals, want 1..%d", refreshes, max)
	}
}
