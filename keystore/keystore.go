// Package keystore keeps the backends' API keys in the OS keychain: the
// Secret Service (gnome-keyring, KeePassXC, …) on Linux and the BSDs, the
// login Keychain on macOS and the Credential Manager on Windows. It is the
// only package that imports github.com/zalando/go-keyring.
//
// # Storage layout
//
// Every entry lives under the service name "switchyard". Each backend key is
// one entry whose user name is "<backendID>/<index>", for example
// "anyrouter/0", "anyrouter/1", "anyrouter/2". Indices start at 0, are dense
// (no gaps) and are the order in which the gateway rotates through the keys.
// Keys reads index 0, 1, 2, … until the first missing one. Add writes the
// next free index; Delete moves every later key down by one so the indices
// stay dense; Replace overwrites 0…n-1 and removes the rest. Every change is
// ordered so that an interrupted one leaves a dense list (at worst with one
// key repeated), never a gap that would hide later keys.
//
// # Limits and failure modes
//
// A key is trimmed of surrounding white space before it is stored; an empty
// key, a key with a newline or other control character, or one that is not
// valid UTF-8 is rejected with ErrInvalidKey. A key longer than 2,560 bytes is
// rejected with ErrTooBig on every OS (that is the Windows Credential Manager
// limit; enforcing it everywhere keeps behaviour the same on all platforms).
//
// Every keychain call runs on its own goroutine and is bounded by the Store's
// timeout and the caller's context: a locked keychain on a desktop blocks
// until the user answers its unlock prompt, and that must not hang the
// gateway. A Store issues one keychain call at a time; while an abandoned call
// is still blocked, later operations wait for it (up to their own timeout)
// instead of piling up more blocked calls and unlock prompts.
//
// Errors never contain a key. Keys are shown to people only through Mask.
// A keychain that is missing, unreachable, locked or too slow is reported as
// an *UnavailableError whose Hint says what to do about it.
package keystore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/zalando/go-keyring"

	"switchyard/gateway/route"
)

// Service is the keychain service name under which every entry is stored.
const Service = "switchyard"

// MaxKeyBytes is the largest key, in bytes, that a Store accepts.
const MaxKeyBytes = 2560

// MaxKeys is the most keys a Store keeps for one backend.
const MaxKeys = 64

// DefaultTimeout bounds one Store operation when New is given 0.
const DefaultTimeout = 5 * time.Second

// probeUser is the entry Probe looks up. It has no "/", so it can never be a
// backend key's user name.
const probeUser = "switchyard-probe"

var (
	// ErrNotFound reports that the requested key does not exist.
	ErrNotFound = errors.New("keystore: no such key")
	// ErrTooBig reports a key longer than MaxKeyBytes.
	ErrTooBig = errors.New("keystore: key is longer than 2560 bytes (the Windows Credential Manager limit, enforced on every OS)")
	// ErrInvalidKey reports a key that is empty after trimming, contains a
	// newline or another control character, or is not valid UTF-8.
	ErrInvalidKey = errors.New("keystore: invalid key")
)

// UnavailableError reports that no usable keychain answered: none is
// installed or running, the session bus cannot be reached, the keychain is
// locked, or it did not answer in time. Hint says what the user can do.
type UnavailableError struct {
	Err  error
	Hint string
}

// Error returns "keychain unavailable: <err>; <hint>".
func (e *UnavailableError) Error() string {
	msg := "keychain unavailable: " + e.Err.Error()
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *UnavailableError) Unwrap() error { return e.Err }

// backend is the part of go-keyring that a Store uses. Tests swap it for a
// fake (for example one that blocks, to exercise the timeout).
type backend interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// goKeyring is the real backend: go-keyring's package-level functions, so
// keyring.MockInit also applies to it.
type goKeyring struct{}

// Each call first checks that a session bus exists (noBus): go-keyring
// would otherwise autolaunch one that outlives the process.
func (goKeyring) Get(service, user string) (string, error) {
	if err := noBus(); err != nil {
		return "", err
	}
	return keyring.Get(service, user)
}

func (goKeyring) Set(service, user, pass string) error {
	if err := noBus(); err != nil {
		return err
	}
	return keyring.Set(service, user, pass)
}

func (goKeyring) Delete(service, user string) error {
	if err := noBus(); err != nil {
		return err
	}
	return keyring.Delete(service, user)
}

// Store reads and writes backend keys in the OS keychain. It is safe for
// concurrent use; its operations are serialized. The zero value is not
// usable: call New.
type Store struct {
	timeout time.Duration
	kr      backend
	// sem holds one token while an operation, or a keychain call that an
	// operation abandoned, is running.
	sem chan struct{}
}

// New returns a Store whose operations each give up after timeout
// (DefaultTimeout when timeout is 0 or negative).
func New(timeout time.Duration) *Store {
	return newStore(timeout, goKeyring{})
}

func newStore(timeout time.Duration, kr backend) *Store {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Store{timeout: timeout, kr: kr, sem: make(chan struct{}, 1)}
}

// Keys returns the keys stored for backendID in rotation order. A backend
// with no keys gives an empty slice and a nil error.
func (s *Store) Keys(ctx context.Context, backendID string) ([]string, error) {
	if err := checkID(backendID); err != nil {
		return nil, err
	}
	var keys []string
	err := s.do(ctx, backendID, func(o *op) error {
		var err error
		keys, err = o.list()
		return err
	})
	if err != nil {
		return nil, err
	}
	return keys, nil
}

// Add appends key to backendID's keys and returns its index.
func (s *Store) Add(ctx context.Context, backendID, key string) (int, error) {
	if err := checkID(backendID); err != nil {
		return 0, err
	}
	key, err := CheckKey(key)
	if err != nil {
		return 0, err
	}
	index := 0
	err = s.do(ctx, backendID, func(o *op) error {
		keys, err := o.list()
		if err != nil {
			return err
		}
		if len(keys) >= MaxKeys {
			return fmt.Errorf("keystore: %s already has %d keys, the most a backend can have", backendID, MaxKeys)
		}
		index = len(keys)
		return o.set(index, key)
	})
	if err != nil {
		return 0, err
	}
	return index, nil
}

// Replace makes keys the only keys of backendID, in that order. Every key is
// checked before anything is written. An empty keys removes all of the
// backend's keys.
func (s *Store) Replace(ctx context.Context, backendID string, keys []string) error {
	if err := checkID(backendID); err != nil {
		return err
	}
	if len(keys) > MaxKeys {
		return fmt.Errorf("keystore: %d keys given for %s, at most %d are allowed", len(keys), backendID, MaxKeys)
	}
	clean := make([]string, len(keys))
	for i, k := range keys {
		c, err := CheckKey(k)
		if err != nil {
			return fmt.Errorf("key %d of %d: %w", i+1, len(keys), err)
		}
		clean[i] = c
	}
	return s.do(ctx, backendID, func(o *op) error {
		old, err := o.list()
		if err != nil {
			return err
		}
		for i, k := range clean {
			if i < len(old) && old[i] == k {
				continue
			}
			if err := o.set(i, k); err != nil {
				return err
			}
		}
		// Remove the surplus from the end, so the list stays dense.
		for i := len(old) - 1; i >= len(clean); i-- {
			if err := o.del(i); err != nil {
				return err
			}
		}
		return nil
	})
}

// Delete removes backendID's key at index; the keys after it move down by one
// so the indices stay dense. It returns an error wrapping ErrNotFound when
// there is no key at index.
func (s *Store) Delete(ctx context.Context, backendID string, index int) error {
	if err := checkID(backendID); err != nil {
		return err
	}
	return s.do(ctx, backendID, func(o *op) error {
		keys, err := o.list()
		if err != nil {
			return err
		}
		if index < 0 || index >= len(keys) {
			return fmt.Errorf("%s has no key %d: %w", backendID, index, ErrNotFound)
		}
		// Shift down first, then drop the last entry: an interruption leaves
		// a repeated key, never a gap.
		for i := index; i < len(keys)-1; i++ {
			if err := o.set(i, keys[i+1]); err != nil {
				return err
			}
		}
		return o.del(len(keys) - 1)
	})
}

// Probe checks cheaply that a keychain is reachable and unlocked, by looking
// up an entry that need not exist. It returns nil or an *UnavailableError.
func (s *Store) Probe(ctx context.Context) error {
	return s.do(ctx, "", func(o *op) error {
		_, err := o.call(func() (string, error) { return s.kr.Get(Service, probeUser) })
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	})
}

// Mask returns the only form in which a key may be shown: "…" and its last
// four characters, or just "…" for a key shorter than eight characters
// (an empty one included). It is route.Mask, the one masking rule, on
// the trimmed key.
func Mask(key string) string {
	if key = strings.TrimSpace(key); key == "" {
		return "…"
	}
	return route.Mask(key)
}

// CheckKey trims key and reports whether a Store would accept it. It returns
// the trimmed key, or an error wrapping ErrInvalidKey or ErrTooBig that does
// not contain the key.
func CheckKey(key string) (string, error) {
	key = strings.TrimSpace(key)
	switch {
	case key == "":
		return "", fmt.Errorf("%w: the key is empty", ErrInvalidKey)
	case len(key) > MaxKeyBytes:
		return "", ErrTooBig
	case !utf8.ValidString(key):
		return "", fmt.Errorf("%w: the key is not valid UTF-8", ErrInvalidKey)
	case strings.ContainsAny(key, "\r\n"):
		return "", fmt.Errorf("%w: the key contains a line break", ErrInvalidKey)
	case strings.IndexFunc(key, unicode.IsControl) >= 0:
		return "", fmt.Errorf("%w: the key contains a control character", ErrInvalidKey)
	}
	return key, nil
}

// checkID rejects backend ids that would make ambiguous user names.
func checkID(id string) error {
	if id == "" || strings.Contains(id, "/") || strings.IndexFunc(id, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}) >= 0 {
		return fmt.Errorf("keystore: invalid backend id %q", id)
	}
	return nil
}

func user(backendID string, index int) string {
	return backendID + "/" + strconv.Itoa(index)
}

// do runs fn as one operation: it waits for the Store to be free and bounds
// the whole operation, including that wait, by the Store's timeout and ctx.
func (s *Store) do(parent context.Context, backendID string, fn func(*op) error) error {
	ctx, cancel := context.WithTimeout(parent, s.timeout)
	defer cancel()
	o := &op{s: s, ctx: ctx, parent: parent, backendID: backendID}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return o.ctxErr()
	}
	err := fn(o)
	if !o.abandoned {
		<-s.sem
	}
	return err
}

// op is one Store operation in progress.
type op struct {
	s         *Store
	ctx       context.Context // parent bounded by the timeout
	parent    context.Context
	backendID string
	// abandoned is set when a keychain call outlived ctx; the call's
	// goroutine then frees the Store when the call finally returns.
	abandoned bool
}

// call runs f on its own goroutine and waits for it or for the operation's
// deadline. Errors are mapped by classify.
func (o *op) call(f func() (string, error)) (string, error) {
	if o.abandoned {
		return "", o.ctxErr()
	}
	if err := o.ctx.Err(); err != nil {
		return "", o.ctxErr()
	}
	type result struct {
		v   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, classify(r.err, o.backendID)
	case <-o.ctx.Done():
		o.abandoned = true
		sem := o.s.sem
		go func() {
			<-done
			<-sem
		}()
		return "", o.ctxErr()
	}
}

// ctxErr explains why the operation's context ended: the caller's own
// cancellation or deadline is returned as such; the Store's timeout is an
// *UnavailableError.
func (o *op) ctxErr() error {
	if err := o.parent.Err(); err != nil {
		return fmt.Errorf("keystore: %w", err)
	}
	return &UnavailableError{Err: timeoutError{o.s.timeout}, Hint: envHint(o.backendID)}
}

// list reads the backend's keys from index 0 up to the first missing one.
func (o *op) list() ([]string, error) {
	keys := []string{}
	for i := 0; i < MaxKeys; i++ {
		u := user(o.backendID, i)
		v, err := o.call(func() (string, error) { return o.s.kr.Get(Service, u) })
		if errors.Is(err, ErrNotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		keys = append(keys, v)
	}
	return keys, nil
}

func (o *op) set(index int, key string) error {
	u := user(o.backendID, index)
	_, err := o.call(func() (string, error) { return "", o.s.kr.Set(Service, u, key) })
	return scrub(err, key)
}

func (o *op) del(index int) error {
	u := user(o.backendID, index)
	_, err := o.call(func() (string, error) { return "", o.s.kr.Delete(Service, u) })
	return err
}

// timeoutError is the Err of the *UnavailableError for a keychain that did
// not answer in time. It matches context.DeadlineExceeded.
type timeoutError struct{ d time.Duration }

func (e timeoutError) Error() string {
	return fmt.Sprintf("keychain did not answer within %s (is it locked? unlock it and retry)", e.d)
}

func (timeoutError) Unwrap() error { return context.DeadlineExceeded }

// scrub makes sure that err's text does not contain key. The keychain's own
// error messages should never include the secret, but this is the boundary
// where that is checked rather than assumed.
func scrub(err error, key string) error {
	if err == nil || key == "" || !strings.Contains(err.Error(), key) {
		return err
	}
	var ue *UnavailableError
	if errors.As(err, &ue) {
		return &UnavailableError{
			Err:  errors.New(strings.ReplaceAll(ue.Err.Error(), key, Mask(key))),
			Hint: ue.Hint,
		}
	}
	return errors.New(strings.ReplaceAll(err.Error(), key, Mask(key)))
}
