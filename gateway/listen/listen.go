// Package listen opens the gateway's listener: a clear error when the port
// is taken, and for the loopback default both stacks (127.0.0.1 and [::1])
// as one net.Listener.
package listen

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
)

// Open opens the listener for addr, with a clear error when the port is
// taken. For the loopback default (127.0.0.1 or localhost) it also listens
// on [::1] at the same port where IPv6 is available, since some clients
// resolve localhost to ::1 first (hardening S1); never on other addresses.
func Open(addr string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: want HOST:PORT", addr)
	}
	if host == "localhost" {
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if isAddrInUse(err) {
			return nil, fmt.Errorf("port %s is already in use by another program: stop it, or run switchyard on another port with --addr 127.0.0.1:PORT (or SWITCHYARD_ADDR)", port)
		}
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	if (host == "127.0.0.1" || host == "localhost") && port != "0" {
		if ln6, err := net.Listen("tcp", net.JoinHostPort("::1", port)); err == nil {
			return newDualListener(ln, ln6), nil
		}
	}
	return ln, nil
}

// dualListener accepts from two listeners (IPv4 and IPv6 loopback) as one.
type dualListener struct {
	lns   []net.Listener
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newDualListener(lns ...net.Listener) *dualListener {
	d := &dualListener{lns: lns, conns: make(chan net.Conn), done: make(chan struct{})}
	for _, ln := range lns {
		go d.loop(ln)
	}
	return d
}

func (d *dualListener) loop(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return // closed
		}
		select {
		case d.conns <- c:
		case <-d.done:
			c.Close()
			return
		}
	}
}

// Accept returns the next connection from either listener.
func (d *dualListener) Accept() (net.Conn, error) {
	select {
	case c := <-d.conns:
		return c, nil
	case <-d.done:
		return nil, net.ErrClosed
	}
}

// Close closes both listeners.
func (d *dualListener) Close() error {
	d.once.Do(func() {
		close(d.done)
		for _, ln := range d.lns {
			ln.Close()
		}
	})
	return nil
}

// Addr is the IPv4 listener's address.
func (d *dualListener) Addr() net.Addr { return d.lns[0].Addr() }

func isAddrInUse(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }
