package gateway_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchyard/gateway"
	"switchyard/gateway/config"
)

// A gateway configured for port 0 (any free port) names the port it got:
// the Host check accepts it, and /api/status and the launch link say it.
func TestListenPortZero(t *testing.T) {
	cfg := config.Defaults()
	cfg.Listen = "127.0.0.1:0"
	s, err := gateway.New(gateway.Options{Config: cfg, ModelRefresh: -1})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Listening(ln)
	if s.Addr() != ln.Addr().String() || !strings.Contains(s.NewLaunchURL(), ln.Addr().String()) {
		t.Fatalf("Addr %q, launch link %q, want the listener's %s", s.Addr(), s.NewLaunchURL(), ln.Addr())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Serve(ctx, ln, time.Second); close(done) }()
	defer func() { cancel(); <-done }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/api/status")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: the Host check refused the port the listener got", resp.StatusCode)
	}
}
