package route

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestClassifyStatus(t *testing.T) {
	tests := []struct {
		status int
		want   Class
	}{
		{200, OK}, {201, OK}, {204, OK}, {299, OK},
		{400, ClientFault}, {413, ClientFault}, {422, ClientFault},
		{401, Auth}, {403, Auth},
		{402, Quota}, {429, Quota},
		{404, NoModel},
		{408, Timeout},
		{409, Server}, {405, Server}, {410, Server}, {451, Server},
		{500, Server}, {501, Server}, {502, Server}, {503, Server}, {504, Server}, {529, Server}, {599, Server},
		{0, Server},   // no response and no error: nothing usable came back
		{100, Server}, // not a final answer
		{302, Server}, // a redirect the client did not follow
	}
	for _, tc := range tests {
		if got := Classify(context.Background(), tc.status, nil); got != tc.want {
			t.Errorf("Classify(%d) = %v, want %v", tc.status, got, tc.want)
		}
		if got := Classify(nil, tc.status, nil); got != tc.want { //nolint:staticcheck // nil ctx is allowed
			t.Errorf("Classify(nil ctx, %d) = %v, want %v", tc.status, got, tc.want)
		}
	}
}

type fakeNetErr struct{ timeout bool }

func (e fakeNetErr) Error() string   { return "fake net error" }
func (e fakeNetErr) Timeout() bool   { return e.timeout }
func (e fakeNetErr) Temporary() bool { return false }

// closedAddr returns a localhost address nobody listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func noProxyClient() *http.Client {
	return &http.Client{Transport: &http.Transport{Proxy: nil}}
}

func TestClassifyTransportErrors(t *testing.T) {
	bg := context.Background()
	addr := closedAddr(t)

	_, dialErr := net.Dial("tcp", addr)
	if dialErr == nil {
		t.Fatal("dial to a closed port succeeded")
	}
	_, httpDialErr := noProxyClient().Get("http://" + addr + "/v1/models")
	if httpDialErr == nil {
		t.Fatal("GET to a closed port succeeded")
	}

	expired, cancelExpired := context.WithDeadline(bg, time.Unix(0, 0))
	defer cancelExpired()
	_, dialExpiredErr := (&net.Dialer{}).DialContext(expired, "tcp", addr)
	req, _ := http.NewRequestWithContext(expired, "GET", "http://"+addr+"/", nil)
	_, httpExpiredErr := noProxyClient().Do(req)

	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	c1.SetReadDeadline(time.Unix(1, 0))
	_, pipeErr := c1.Read(make([]byte, 1))

	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	_, untrustedErr := noProxyClient().Get(tlsSrv.URL)
	plainSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer plainSrv.Close()
	var notTLSErr error
	if c, err := tls.Dial("tcp", strings.TrimPrefix(plainSrv.URL, "http://"), &tls.Config{InsecureSkipVerify: true}); err == nil {
		c.Close()
	} else {
		notTLSErr = err
	}

	tests := []struct {
		name string
		err  error
		want Class
	}{
		{"real dial to a closed localhost port", dialErr, Connect},
		{"real HTTP GET to a closed localhost port", httpDialErr, Connect},
		{"bare ECONNREFUSED", syscall.ECONNREFUSED, Connect},
		{"wrapped ECONNREFUSED", fmt.Errorf("post: %w", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), Connect},
		{"dial op error", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("network is unreachable")}, Connect},
		{"DNS not found", &url.Error{Op: "Post", URL: "https://x.invalid", Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}, Connect},
		{"untrusted TLS certificate (real)", untrustedErr, Connect},
		{"server not speaking TLS (real)", notTLSErr, Connect},
		{"hostname mismatch", &url.Error{Op: "Get", URL: "https://h", Err: x509.HostnameError{Certificate: &x509.Certificate{}, Host: "h"}}, Connect},

		{"context.DeadlineExceeded", context.DeadlineExceeded, Timeout},
		{"wrapped DeadlineExceeded", fmt.Errorf("first byte: %w", context.DeadlineExceeded), Timeout},
		{"os.ErrDeadlineExceeded", os.ErrDeadlineExceeded, Timeout},
		{"real read deadline", pipeErr, Timeout},
		{"fake net timeout", fakeNetErr{timeout: true}, Timeout},
		{"url.Error around a net timeout", &url.Error{Op: "Post", URL: "u", Err: fakeNetErr{timeout: true}}, Timeout},
		{"real dial with an expired context", dialExpiredErr, Timeout},
		{"real HTTP request with an expired context", httpExpiredErr, Timeout},
		{"DNS timeout", &net.DNSError{Err: "timeout", Name: "x", IsTimeout: true}, Timeout},

		{"non-timeout net error", fakeNetErr{}, Server},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, Server},
		{"EOF before headers", io.EOF, Server},
		{"unexpected EOF", fmt.Errorf("reading body: %w", io.ErrUnexpectedEOF), Server},
		{"anything else", errors.New("boom"), Server},

		{"AttemptError passes its class", &AttemptError{Class: Server, Status: 200, Reason: "error event before content"}, Server},
		{"wrapped AttemptError", fmt.Errorf("x: %w", &AttemptError{Class: Quota, Status: 429, Reason: "http 429"}), Quota},
		{"AttemptError Auth", &AttemptError{Class: Auth, Reason: "http 401"}, Auth},
		{"AttemptError NoModel", &AttemptError{Class: NoModel, Reason: "model not found"}, NoModel},
		{"AttemptError ClientFault", &AttemptError{Class: ClientFault, Reason: "bad json"}, ClientFault},
	}
	for _, tc := range tests {
		if tc.err == nil {
			t.Errorf("%s: no error was produced", tc.name)
			continue
		}
		for _, status := range []int{0, 200, 502} { // an error wins over any status
			if got := Classify(bg, status, tc.err); got != tc.want {
				t.Errorf("%s (%v, status %d) = %v, want %v", tc.name, tc.err, status, got, tc.want)
			}
		}
	}
}

func TestClassifyCanceledClient(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	causeCtx, cancelCause := context.WithCancelCause(context.Background())
	cancelCause(errors.New("client went away"))
	errs := []error{nil, context.Canceled, context.DeadlineExceeded, syscall.ECONNREFUSED, io.EOF,
		fakeNetErr{timeout: true}, &AttemptError{Class: Server, Reason: "x"}}
	for _, c := range []context.Context{ctx, causeCtx} {
		for _, err := range errs {
			for _, status := range []int{0, 200, 400, 401, 429, 500} {
				if got := Classify(c, status, err); got != Canceled {
					t.Errorf("canceled ctx, status %d, err %v = %v, want canceled", status, err, got)
				}
			}
		}
	}
	// A context that merely ran out of time is not the client leaving: it is
	// the gateway's own deadline, so the error decides.
	expired, cancelExpired := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancelExpired()
	if got := Classify(expired, 0, context.DeadlineExceeded); got != Timeout {
		t.Errorf("expired ctx + DeadlineExceeded = %v, want timeout", got)
	}
	if got := Classify(expired, 200, nil); got != OK {
		t.Errorf("expired ctx + 200 = %v, want ok", got)
	}
	// A live ctx with a Canceled error (an upstream's own cancel) is not the client.
	if got := Classify(context.Background(), 0, context.Canceled); got != Server {
		t.Errorf("live ctx + context.Canceled = %v, want server", got)
	}
}

func TestAttemptError(t *testing.T) {
	e := &AttemptError{Class: Server, Status: 500, Reason: "http 500"}
	if e.Error() != "http 500" {
		t.Errorf("Error() = %q", e.Error())
	}
	var ae *AttemptError
	if !errors.As(fmt.Errorf("w: %w", e), &ae) || ae.Status != 500 {
		t.Error("errors.As lost the AttemptError")
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		c           Class
		retriesLeft int
		want        Action
	}{
		{OK, 0, Finish}, {OK, 3, Finish},
		{ClientFault, 0, Finish}, {ClientFault, 3, Finish},
		{Canceled, 0, Finish}, {Canceled, 3, Finish},
		{Server, 3, RetrySame}, {Server, 1, RetrySame}, {Server, 0, NextURL}, {Server, -1, NextURL},
		{Connect, 0, NextURL}, {Connect, 3, NextURL},
		{Timeout, 0, NextURL}, {Timeout, 3, NextURL},
		{Auth, 0, NextKey}, {Auth, 3, NextKey},
		{Quota, 0, NextKey}, {Quota, 3, NextKey},
		{NoModel, 0, NextBackend}, {NoModel, 3, NextBackend},
	}
	for _, tc := range tests {
		if got := Decide(tc.c, tc.retriesLeft); got != tc.want {
			t.Errorf("Decide(%v, %d) = %v, want %v", tc.c, tc.retriesLeft, got, tc.want)
		}
	}
	// Every class has a decision.
	for c := OK; c <= NoModel; c++ {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("Decide(%v) panicked: %v", c, r)
				}
			}()
			Decide(c, 1)
		}()
	}
	defer func() {
		if recover() == nil {
			t.Error("Decide(unknown class) did not panic")
		}
	}()
	Decide(Class(99), 0)
}

func TestClassAndActionStrings(t *testing.T) {
	classes := map[Class]string{OK: "ok", ClientFault: "client fault", Canceled: "canceled", Connect: "connect",
		Timeout: "timeout", Server: "server", Auth: "auth", Quota: "quota", NoModel: "no model",
		Class(42): "class(42)", Class(-1): "class(-1)"}
	for c, want := range classes {
		if c.String() != want {
			t.Errorf("Class(%d).String() = %q, want %q", int(c), c.String(), want)
		}
	}
	actions := map[Action]string{Finish: "finish", RetrySame: "retry same pair", NextURL: "next url",
		NextKey: "next key", NextBackend: "next backend", Action(9): "action(9)", Action(-1): "action(-1)"}
	for a, want := range actions {
		if a.String() != want {
			t.Errorf("Action(%d).String() = %q, want %q", int(a), a.String(), want)
		}
	}
}
