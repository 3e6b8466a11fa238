package listen

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
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
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	ln, err := Open(addr)
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			io.WriteString(w, "ok")
			return
		}
		http.NotFound(w, r)
	})}
	done := make(chan struct{})
	go func() { hs.Serve(ln); close(done) }()
	defer func() { hs.Close(); <-done }()

	get := func(host string) (int, string) {
		resp, err := http.Get("http://" + net.JoinHostPort(host, strconv.Itoa(port)) + "/healthz")
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
	if _, err := Open(addr); err == nil || !strings.Contains(err.Error(), "port "+strconv.Itoa(port)+" is already in use") {
		t.Fatalf("second listen: %v", err)
	}
}
