package route

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
)

// Class is what a failed (or successful) attempt means for routing.
type Class int

// The classes of an attempt's outcome.
const (
	OK          Class = iota // the upstream answered; nothing more to do
	ClientFault              // the request itself is wrong (400/413/422, bad JSON): the same request fails everywhere
	Canceled                 // the client went away; not the upstream's fault
	Connect                  // no connection (refused, DNS, TLS): the URL is down
	Timeout                  // no answer in time (first byte, whole call)
	Server                   // 5xx, reset, cut or error event before the first byte
	Auth                     // 401/403: this key is refused
	Quota                    // 402/429: this key is out of quota or rate-limited
	NoModel                  // 404: this backend does not serve the model
)

var classNames = [...]string{"ok", "client fault", "canceled", "connect", "timeout", "server", "auth", "quota", "no model"}

func (c Class) String() string {
	if c >= 0 && int(c) < len(classNames) {
		return classNames[c]
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// Classify maps an attempt's HTTP status (0 when there was no response)
// and transport error to a Class. ctx is the client's request context: an
// error after it ended is Canceled, whatever it looks like.
func Classify(ctx context.Context, status int, err error) Class {
	if ctx != nil && ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return Canceled
	}
	if err != nil {
		var ae *AttemptError
		if errors.As(err, &ae) {
			return ae.Class
		}
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
			return Timeout
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return Timeout
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			return Connect
		}
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Op == "dial" {
			return Connect
		}
		var de *net.DNSError
		if errors.As(err, &de) {
			return Connect
		}
		if isTLSSetup(err) {
			return Connect // no usable connection to this URL
		}
		return Server // reset, EOF before headers, TLS failures mid-way…
	}
	switch {
	case status >= 200 && status < 300:
		return OK
	case status == 400 || status == 413 || status == 422:
		return ClientFault
	case status == 401 || status == 403:
		return Auth
	case status == 402 || status == 429:
		return Quota
	case status == 404:
		return NoModel
	case status == 408:
		return Timeout
	}
	return Server // 409, other 4xx, 5xx, 529
}

// isTLSSetup reports a failed TLS handshake: an untrusted or mismatched
// certificate, or a server that does not speak TLS at all.
func isTLSSetup(err error) bool {
	var cv *tls.CertificateVerificationError
	var rh tls.RecordHeaderError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &cv) || errors.As(err, &rh) || errors.As(err, &ua) ||
		errors.As(err, &he) || errors.As(err, &ci)
}

// AttemptError is an attempt failure the gateway has already classified
// (e.g. "200 then an error event before any content" is Server).
type AttemptError struct {
	Class  Class
	Status int    // upstream HTTP status, 0 if none
	Reason string // short, key-free: "http 500", "connection refused", "timeout after 30s"
}

func (e *AttemptError) Error() string { return e.Reason }

// Action is what the attempt loop does after an outcome.
type Action int

// The actions Decide can choose.
const (
	Finish      Action = iota // deliver this outcome to the client; stop
	RetrySame                 // try the same (URL, key) pair once more
	NextURL                   // same backend, same key, next base URL
	NextKey                   // same backend, next key
	NextBackend               // this backend cannot serve it: next candidate
)

var actionNames = [...]string{"finish", "retry same pair", "next url", "next key", "next backend"}

func (a Action) String() string {
	if a >= 0 && int(a) < len(actionNames) {
		return actionNames[a]
	}
	return "action(" + strconv.Itoa(int(a)) + ")"
}

// Decide is the one place that decides "try the next one or stop". Its
// rules, in order:
//
//  1. OK: finish. The pair that answered becomes the backend's active pair.
//  2. ClientFault: finish with the upstream's answer (400/413/422 or our
//     own validation). The same request would fail on every backend, so no
//     failover and no cooldown.
//  3. Canceled: finish (nobody is waiting); not counted against the backend.
//  4. Server (5xx, reset, early cut): retry the same pair while retriesLeft
//     > 0 (a blip on a healthy endpoint is the common case and keeps the
//     prompt cache warm), then next URL with the same key.
//  5. Connect, Timeout: next URL with the same key at once. Retrying would
//     only wait for the same dead or hanging address again. The key is kept
//     because a mirror shares sessions and prompt cache with its key.
//  6. Auth, Quota: the key is refused or exhausted: next key (on the same
//     URL first). Other URLs with the same key are skipped for this request.
//  7. NoModel (404): the backend lacks the model: next backend.
//
// When a backend has no untried pair left, NextURL and NextKey fall through
// to the next backend (Plan does that); when no backend is left the client
// gets 503 naming every backend tried and why.
func Decide(c Class, retriesLeft int) Action {
	switch c {
	case OK, ClientFault, Canceled:
		return Finish
	case Server:
		if retriesLeft > 0 {
			return RetrySame
		}
		return NextURL
	case Connect, Timeout:
		return NextURL
	case Auth, Quota:
		return NextKey
	case NoModel:
		return NextBackend
	}
	panic(fmt.Sprintf("route: unknown class %d", c))
}
