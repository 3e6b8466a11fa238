package keystore

// These tests replace go-keyring's provider with keyring.MockInit or
// keyring.MockInitWithError, which swap a global for the whole test binary
// and cannot be undone. That is why the test against a real Secret Service
// lives in its own package (keystore/realtest), which is its own binary.
// Each test here that uses the mock starts with a fresh MockInit, and none
// of them runs in parallel.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
	"go.uber.org/goleak"
)

var ctx = context.Background()

func TestMask(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "…"},
		{"abc", "…"},
		{"1234567", "…"},
		{"12345678", "…5678"},
		{"sk-ant-api03-abcdefD5xY", "…D5xY"},
		{"  sk-padded-key-a9Qe \n", "…a9Qe"},
		{"ключ-секрет-ёжик", "…ёжик"},
	} {
		if got := Mask(tc.in); got != tc.want {
			t.Errorf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCheckKey(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		err            error
	}{
		{"trimmed", "  sk-good-key\t\n", "sk-good-key", nil},
		{"empty", "", "", ErrInvalidKey},
		{"blank", " \t\r\n ", "", ErrInvalidKey},
		{"newline inside", "sk-one\nsk-two", "", ErrInvalidKey},
		{"carriage return inside", "sk-one\rsk-two", "", ErrInvalidKey},
		{"tab inside", "sk-one\tsk-two", "", ErrInvalidKey},
		{"NUL", "sk-one\x00two", "", ErrInvalidKey},
		{"DEL", "sk-one\x7ftwo", "", ErrInvalidKey},
		{"C1 control", "sk-one\u0085two", "", ErrInvalidKey},
		{"invalid UTF-8", "sk-one\xfftwo", "", ErrInvalidKey},
		{"at the limit", strings.Repeat("k", MaxKeyBytes), strings.Repeat("k", MaxKeyBytes), nil},
		{"over the limit", strings.Repeat("k", MaxKeyBytes+1), "", ErrTooBig},
		{"over the limit in bytes, not runes", strings.Repeat("é", MaxKeyBytes/2+1), "", ErrTooBig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckKey(tc.in)
			if !errors.Is(err, tc.err) {
				t.Fatalf("CheckKey error = %v, want %v", err, tc.err)
			}
			if got != tc.want {
				t.Errorf("CheckKey = %q, want %q", got, tc.want)
			}
			if err != nil && strings.TrimSpace(tc.in) != "" && strings.Contains(err.Error(), strings.TrimSpace(tc.in)) {
				t.Errorf("error %q contains the key", err)
			}
		})
	}
}

func TestAddKeysInOrder(t *testing.T) {
	keyring.MockInit()
	s := New(0)
	if s.timeout != DefaultTimeout {
		t.Errorf("New(0) timeout = %v, want %v", s.timeout, DefaultTimeout)
	}

	keys, err := s.Keys(ctx, "anyrouter")
	if err != nil || keys == nil || len(keys) != 0 {
		t.Fatalf("Keys of an empty backend = %#v, %v; want empty non-nil slice, nil", keys, err)
	}
	for i, k := range []string{"sk-first-0000", " sk-second-1111 ", "sk-third-2222"} {
		got, err := s.Add(ctx, "anyrouter", k)
		if err != nil || got != i {
			t.Fatalf("Add #%d = %d, %v; want %d, nil", i, got, err, i)
		}
	}
	if _, err := s.Add(ctx, "kiro", "sk-kiro-key-3333"); err != nil {
		t.Fatal(err)
	}
	want := []string{"sk-first-0000", "sk-second-1111", "sk-third-2222"}
	keys, err = s.Keys(ctx, "anyrouter")
	if err != nil || !slices.Equal(keys, want) {
		t.Fatalf("Keys = %q, %v; want %q", keys, err, want)
	}
	// The storage layout is part of the contract: service "switchyard",
	// user "<backendID>/<index>".
	for i, k := range want {
		v, err := keyring.Get("switchyard", fmt.Sprintf("anyrouter/%d", i))
		if err != nil || v != k {
			t.Errorf("raw entry anyrouter/%d = %q, %v; want %q", i, v, err, k)
		}
	}
	if keys, _ := s.Keys(ctx, "kiro"); !slices.Equal(keys, []string{"sk-kiro-key-3333"}) {
		t.Errorf("kiro keys = %q", keys)
	}
}

func TestAddRejectsBadKeysAndIDs(t *testing.T) {
	keyring.MockInit()
	s := New(time.Minute)
	for _, tc := range []struct {
		id, key string
		err     error
	}{
		{"anyrouter", "", ErrInvalidKey},
		{"anyrouter", "two\nlines", ErrInvalidKey},
		{"anyrouter", strings.Repeat("x", 3000), ErrTooBig},
	} {
		if _, err := s.Add(ctx, tc.id, tc.key); !errors.Is(err, tc.err) {
			t.Errorf("Add(%q, key of %d bytes) error = %v, want %v", tc.id, len(tc.key), err, tc.err)
		}
	}
	for _, id := range []string{"", "any/router", "any router", "any\nrouter"} {
		if _, err := s.Add(ctx, id, "sk-valid-key"); err == nil || !strings.Contains(err.Error(), "invalid backend id") {
			t.Errorf("Add(%q) error = %v, want invalid backend id", id, err)
		}
		if _, err := s.Keys(ctx, id); err == nil {
			t.Errorf("Keys(%q) accepted an invalid id", id)
		}
	}
	if keys, _ := s.Keys(ctx, "anyrouter"); len(keys) != 0 {
		t.Errorf("rejected keys were stored: %d keys", len(keys))
	}
}

func TestDeleteShiftsLaterKeysDown(t *testing.T) {
	keyring.MockInit()
	s := New(time.Minute)
	if err := s.Replace(ctx, "kiro", []string{"key-a-aaaa", "key-b-bbbb", "key-c-cccc", "key-d-dddd"}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		index int
		want  []string
	}{
		{1, []string{"key-a-aaaa", "key-c-cccc", "key-d-dddd"}},
		{2, []string{"key-a-aaaa", "key-c-cccc"}},
		{0, []string{"key-c-cccc"}},
		{0, []string{}},
	}
	for _, st := range steps {
		if err := s.Delete(ctx, "kiro", st.index); err != nil {
			t.Fatalf("Delete(%d): %v", st.index, err)
		}
		got, err := s.Keys(ctx, "kiro")
		if err != nil || !slices.Equal(got, st.want) {
			t.Fatalf("after Delete(%d): Keys = %q, %v; want %q", st.index, got, err, st.want)
		}
		// Dense: nothing is left beyond the last index.
		if _, err := keyring.Get(Service, fmt.Sprintf("kiro/%d", len(st.want))); !errors.Is(err, keyring.ErrNotFound) {
			t.Errorf("after Delete(%d): entry kiro/%d still exists (%v)", st.index, len(st.want), err)
		}
	}
	for _, idx := range []int{0, -1, 5} {
		if err := s.Delete(ctx, "kiro", idx); !errors.Is(err, ErrNotFound) {
			t.Errorf("Delete(%d) on an empty backend = %v, want ErrNotFound", idx, err)
		}
	}
}

func TestReplaceGrowsAndShrinks(t *testing.T) {
	keyring.MockInit()
	s := New(time.Minute)
	check := func(want []string) {
		t.Helper()
		got, err := s.Keys(ctx, "copilot")
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("Keys = %q, %v; want %q", got, err, want)
		}
		if _, err := keyring.Get(Service, fmt.Sprintf("copilot/%d", len(want))); !errors.Is(err, keyring.ErrNotFound) {
			t.Fatalf("entry copilot/%d left behind (%v)", len(want), err)
		}
	}
	if _, err := s.Add(ctx, "copilot", "key-old-0000"); err != nil {
		t.Fatal(err)
	}
	grow := []string{"key-new-1111", "key-new-2222", "key-new-3333", "key-new-4444"}
	if err := s.Replace(ctx, "copilot", grow); err != nil {
		t.Fatal(err)
	}
	check(grow)
	if err := s.Replace(ctx, "copilot", []string{"key-new-3333", " key-new-5555 "}); err != nil {
		t.Fatal(err)
	}
	check([]string{"key-new-3333", "key-new-5555"})
	if err := s.Replace(ctx, "copilot", nil); err != nil {
		t.Fatal(err)
	}
	check([]string{})
}

func TestReplaceChecksEveryKeyBeforeWriting(t *testing.T) {
	keyring.MockInit()
	s := New(time.Minute)
	before := []string{"key-keep-0000", "key-keep-1111"}
	if err := s.Replace(ctx, "anyrouter", before); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		keys []string
		err  error
	}{
		{[]string{"key-new-aaaa", "", "key-new-cccc"}, ErrInvalidKey},
		{[]string{"key-new-aaaa", "bad\x1bkey"}, ErrInvalidKey},
		{[]string{"key-new-aaaa", strings.Repeat("k", 2561)}, ErrTooBig},
	} {
		err := s.Replace(ctx, "anyrouter", tc.keys)
		if !errors.Is(err, tc.err) {
			t.Errorf("Replace error = %v, want %v", err, tc.err)
		}
		if got, _ := s.Keys(ctx, "anyrouter"); !slices.Equal(got, before) {
			t.Errorf("a rejected Replace changed the keys to %q", got)
		}
	}
	if err := s.Replace(ctx, "anyrouter", make([]string, MaxKeys+1)); err == nil {
		t.Error("Replace accepted more than MaxKeys keys")
	}
}

func TestConcurrentAddsGetDistinctIndices(t *testing.T) {
	keyring.MockInit()
	s := New(time.Minute)
	const n = 8
	var wg sync.WaitGroup
	indices := make([]int, n)
	for i := range n {
		wg.Go(func() {
			idx, err := s.Add(ctx, "antigravity", fmt.Sprintf("key-concurrent-%04d", i))
			if err != nil {
				t.Error(err)
			}
			indices[i] = idx
		})
	}
	wg.Wait()
	slices.Sort(indices)
	for i, idx := range indices {
		if idx != i {
			t.Fatalf("indices = %v, want 0…%d each once", indices, n-1)
		}
	}
	if keys, _ := s.Keys(ctx, "antigravity"); len(keys) != n {
		t.Errorf("%d keys stored, want %d", len(keys), n)
	}
}

func TestProbe(t *testing.T) {
	keyring.MockInit()
	if err := New(time.Minute).Probe(ctx); err != nil {
		t.Errorf("Probe with a working keychain = %v", err)
	}
	keyring.MockInitWithError(dbus.Error{
		Name: "org.freedesktop.DBus.Error.ServiceUnknown",
		Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"},
	})
	err := New(time.Minute).Probe(ctx)
	var ue *UnavailableError
	if !errors.As(err, &ue) {
		t.Fatalf("Probe without a Secret Service = %v, want *UnavailableError", err)
	}
	if !strings.Contains(ue.Hint, "ID_API_KEYS") {
		t.Errorf("Probe hint %q does not mention ID_API_KEYS", ue.Hint)
	}
}

// TestErrorMapping feeds go-keyring the errors seen on headless Linux
// (docs/desktop.md §3) and checks what callers get.
func TestErrorMapping(t *testing.T) {
	const secretService = "install and start a Secret Service such as gnome-keyring or KeePassXC, and unlock it"
	const env = "meanwhile set ANYROUTER_API_KEYS=… (ID_API_KEYS) in the environment"
	for _, tc := range []struct {
		name     string
		err      error
		is       error    // for errors that are not *UnavailableError
		hint     []string // substrings of the hint
		inReason string   // substring of Error() before the hint
	}{
		{name: "not found", err: keyring.ErrNotFound, is: ErrNotFound},
		{name: "too big", err: keyring.ErrSetDataTooBig, is: ErrTooBig},
		{
			name: "no Secret Service on the bus",
			err: dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown",
				Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"}},
			hint:     []string{"no Secret Service", secretService, env},
			inReason: "not provided by any .service files",
		},
		{
			name:     "no Secret Service, pointer error",
			err:      dbus.NewError("org.freedesktop.DBus.Error.ServiceUnknown", []any{"gone"}),
			hint:     []string{"no Secret Service", secretService, env},
			inReason: "gone",
		},
		{
			name: "bad bus address",
			err: &net.OpError{Op: "dial", Net: "unix", Addr: &net.UnixAddr{Name: "/tmp/x", Net: "unix"},
				Err: errors.New("connect: no such file or directory")},
			hint:     []string{"cannot reach the D-Bus session bus", secretService, env},
			inReason: "dial unix /tmp/x",
		},
		{
			name:     "no dbus-launch",
			err:      &exec.Error{Name: "dbus-launch", Err: exec.ErrNotFound},
			hint:     []string{"DBUS_SESSION_BUS_ADDRESS", "dbus-run-session", secretService, env},
			inReason: `exec: "dbus-launch": executable file not found in $PATH`,
		},
		{
			name:     "locked collection",
			err:      errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"),
			hint:     []string{"locked", "unlock it", env},
			inReason: "failed to unlock correct collection",
		},
		{
			name:     "unsupported platform",
			err:      keyring.ErrUnsupportedPlatform,
			hint:     []string{"no keychain support", env},
			inReason: "unsupported platform",
		},
		{
			name:     "anything else",
			err:      errors.New("org.freedesktop.DBus.Error.NoReply"),
			hint:     []string{env},
			inReason: "NoReply",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keyring.MockInitWithError(tc.err)
			s := New(time.Minute)
			if tc.is != nil {
				if _, err := s.Add(ctx, "anyrouter", "sk-some-key-zzzz"); !errors.Is(err, tc.is) {
					t.Fatalf("error = %v, want %v", err, tc.is)
				}
				return
			}
			_, err := s.Keys(ctx, "anyrouter")
			var ue *UnavailableError
			if !errors.As(err, &ue) {
				t.Fatalf("error = %#v, want *UnavailableError", err)
			}
			if u := errors.Unwrap(err); u == nil || u.Error() != ue.Err.Error() {
				t.Errorf("Unwrap does not return Err")
			}
			want := "keychain unavailable: " + ue.Err.Error() + "; " + ue.Hint
			if err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
			if !strings.Contains(ue.Err.Error(), tc.inReason) {
				t.Errorf("reason %q lacks %q", ue.Err, tc.inReason)
			}
			for _, h := range tc.hint {
				if !strings.Contains(ue.Hint, h) {
					t.Errorf("hint %q lacks %q", ue.Hint, h)
				}
			}
			// Writes map the same way.
			if _, err := s.Add(ctx, "anyrouter", "sk-some-key-zzzz"); !errors.As(err, &ue) {
				t.Errorf("Add error = %v, want *UnavailableError", err)
			}
		})
	}
}

// fakeBackend is an in-memory backend whose calls can block until release is
// closed and whose Set can fail with an error that echoes the secret.
type fakeBackend struct {
	mu        sync.Mutex
	entries   map[string]string
	calls     int
	started   chan struct{} // receives once per call, if not nil
	release   chan struct{} // calls block until it is closed, if not nil
	echoOnSet bool          // Set fails with an error containing the password
}

func (f *fakeBackend) enter() {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	if f.started != nil {
		f.started <- struct{}{}
	}
	if f.release != nil {
		<-f.release
	}
}

func (f *fakeBackend) Get(service, user string) (string, error) {
	f.enter()
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.entries[service+"|"+user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (f *fakeBackend) Set(service, user, pass string) error {
	f.enter()
	if f.echoOnSet {
		return fmt.Errorf("org.freedesktop.DBus.Error.Failed: cannot store %q for %s", pass, user)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.entries == nil {
		f.entries = map[string]string{}
	}
	f.entries[service+"|"+user] = pass
	return nil
}

func (f *fakeBackend) Delete(service, user string) error {
	f.enter()
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.entries[service+"|"+user]; !ok {
		return keyring.ErrNotFound
	}
	delete(f.entries, service+"|"+user)
	return nil
}

func (f *fakeBackend) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// TestTimeout stands in for a locked desktop keychain, whose unlock prompt
// blocks go-keyring until the user answers.
func TestTimeout(t *testing.T) {
	defer goleak.VerifyNone(t)
	fake := &fakeBackend{started: make(chan struct{}, 1), release: make(chan struct{})}
	s := newStore(20*time.Millisecond, fake)

	_, err := s.Keys(ctx, "anyrouter")
	var ue *UnavailableError
	if !errors.As(err, &ue) {
		t.Fatalf("Keys on a blocked keychain = %v, want *UnavailableError", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout error %v does not match context.DeadlineExceeded", err)
	}
	const want = "keychain did not answer within 20ms (is it locked? unlock it and retry)"
	if !strings.Contains(err.Error(), want) || !strings.Contains(ue.Hint, "ANYROUTER_API_KEYS") {
		t.Errorf("timeout error = %q, want it to contain %q and name ANYROUTER_API_KEYS", err, want)
	}
	<-fake.started

	// While the first call is still stuck, later operations time out too,
	// without starting another keychain call (no pile-up of prompts).
	if err := s.Probe(ctx); !errors.As(err, &ue) {
		t.Errorf("Probe while the keychain is stuck = %v, want *UnavailableError", err)
	}
	if _, err := s.Add(ctx, "anyrouter", "sk-waiting-key-1234"); !errors.As(err, &ue) {
		t.Errorf("Add while the keychain is stuck = %v, want *UnavailableError", err)
	}
	if n := fake.callCount(); n != 1 {
		t.Errorf("%d keychain calls started while one was stuck, want 1", n)
	}

	// Once the keychain answers, the Store works again.
	close(fake.release)
	fake.started = nil // only this goroutine starts calls now; the stuck call has passed its send
	s.timeout = time.Minute
	if _, err := s.Add(ctx, "anyrouter", "sk-after-unlock-5678"); err != nil {
		t.Fatalf("Add after the keychain answered: %v", err)
	}
	if keys, err := s.Keys(ctx, "anyrouter"); err != nil || !slices.Equal(keys, []string{"sk-after-unlock-5678"}) {
		t.Errorf("Keys = %q, %v", keys, err)
	}
}

func TestCallerCancellation(t *testing.T) {
	defer goleak.VerifyNone(t)
	fake := &fakeBackend{started: make(chan struct{}, 1), release: make(chan struct{})}
	s := newStore(time.Minute, fake)
	cctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() {
		_, err := s.Keys(cctx, "kiro")
		errc <- err
	}()
	<-fake.started
	cancel()
	err := <-errc
	var ue *UnavailableError
	if !errors.Is(err, context.Canceled) || errors.As(err, &ue) {
		t.Errorf("Keys with a cancelled context = %v, want context.Canceled and not *UnavailableError", err)
	}
	close(fake.release)
	fake.started = nil
	if err := s.Probe(ctx); err != nil {
		t.Errorf("Probe after the stuck call returned: %v", err)
	}

	done, cancelDone := context.WithCancel(ctx)
	cancelDone()
	if err := s.Probe(done); !errors.Is(err, context.Canceled) {
		t.Errorf("Probe with a done context = %v, want context.Canceled", err)
	}
}

// TestCanaryNeverInErrors: a key must not reach an error string, even when
// the keychain's own error echoes it.
func TestCanaryNeverInErrors(t *testing.T) {
	const canary = "sk-canary-7d1e0c4a-5b2f-4f7e-9a61-CNRY"
	fake := &fakeBackend{echoOnSet: true}
	s := newStore(time.Minute, fake)
	var errs []error
	_, err := s.Add(ctx, "anyrouter", canary)
	errs = append(errs, err)
	errs = append(errs, s.Replace(ctx, "anyrouter", []string{canary}))
	for _, bad := range []string{canary + "\n" + canary, canary + "\x00", canary + strings.Repeat("x", 3000)} {
		_, err := s.Add(ctx, "anyrouter", bad)
		errs = append(errs, err)
		errs = append(errs, s.Replace(ctx, "anyrouter", []string{bad}))
	}
	for i, err := range errs {
		if err == nil {
			t.Errorf("case %d: no error", i)
			continue
		}
		var ue *UnavailableError
		if errors.As(err, &ue) && ue.Err != nil && strings.Contains(ue.Err.Error(), canary) {
			t.Errorf("case %d: wrapped error contains the canary: %q", i, ue.Err)
		}
		if strings.Contains(err.Error(), canary) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), canary) {
			t.Errorf("case %d: error contains the canary: %q", i, err)
		}
	}
	if !strings.Contains(errs[0].Error(), "…CNRY") {
		t.Errorf("scrubbed error %q should show the key masked", errs[0])
	}
}
