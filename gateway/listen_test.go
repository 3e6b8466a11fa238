package gateway

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchyard/gateway/config"
)

// TestListenBothLoopbackStacks: the default listener answers on 127.0.0.1
// and on [::1] (where the machine has IPv6 loopback), and a taken port is a
// one-line error naming it.
func TestListenBothLoopbackStacks(t *testing.T) {
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := probe.Addr().(*net.TCPAddr).Port
	probe.Close()
	addr := net.JoinHostPort("127.0.0.1", itoa(port))
	ln, err := Listen(addr)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.Listen = addr
	s, err := New(Options{Config: cfg, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Serve(ctx, ln, time.Second); close(done) }()
	defer func() { cancel(); <-done }()

	get := func(host string) (int, string) {
		resp, err := http.Get("http://" + net.JoinHostPort(host, itoa(port)) + "/healthz")
		if err != nil {
			t.Fatalf("GET via %s: %v", host, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("127.0.0.1"); code != 200 || body != "ok" {
		t.Fatalf("ipv4: %d %q", code, body)
	}
	if _, ok := ln.(*dualListener); !ok {
		t.Skip("no IPv6 loopback on this machine: listening on 127.0.0.1 only")
	}
	if code, body := get("::1"); code != 200 || body != "ok" {
		t.Fatalf("ipv6: %d %q", code, body)
	}
	if _, err := Listen(addr); err == nil || !strings.Contains(err.Error(), "port "+itoa(port)+" is already in use") {
		t.Fatalf("second listen: %v", err)
	}
}
