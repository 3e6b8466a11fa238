package realtest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"switchyard/keystore"
)

const howToRun = "run it with `bash scripts/keyring-session.sh go test -race -count=1 -run RealSecretService -v ./keystore/...` " +
	"(needs the Debian packages dbus-daemon and gnome-keyring)"

// requireSecretService returns a Store backed by a reachable, unlocked Secret
// Service. Without one it skips the test, or fails it when CI=true.
func requireSecretService(t *testing.T) *keystore.Store {
	t.Helper()
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skipf("TestRealSecretService targets the Linux Secret Service, not the %s keychain", runtime.GOOS)
	}
	missing := func(reason string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("no Secret Service (CI=true, so this fails instead of skipping): %s; %s", reason, howToRun)
		}
		t.Skipf("no Secret Service: %s; %s", reason, howToRun)
	}
	// Without a bus address godbus would try to autolaunch a bus with
	// dbus-launch; don't.
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		missing("DBUS_SESSION_BUS_ADDRESS is not set")
	}
	if err := keystore.New(3 * time.Second).Probe(context.Background()); err != nil {
		missing(err.Error())
	}
	return keystore.New(15 * time.Second)
}

func TestRealSecretService(t *testing.T) {
	s := requireSecretService(t)
	ctx := context.Background()
	id := "switchyard-test-" + strings.ToLower(rand.Text()[:12])
	canary := "sk-canary-" + rand.Text()
	key := func(i int) string { return fmt.Sprintf("%s-%04d", canary, i) }
	t.Cleanup(func() {
		if err := s.Replace(context.Background(), id, nil); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	var errs []error // every error seen, checked for the canary at the end
	expect := func(want []string) {
		t.Helper()
		got, err := s.Keys(ctx, id)
		if err != nil {
			t.Fatalf("Keys: %v", err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("Keys = %d keys %v, want %v", len(got), masks(got), masks(want))
		}
		// The layout other tools see: service "switchyard", user "<id>/<index>",
		// dense, nothing past the end.
		for i, k := range want {
			if v, err := keyring.Get(keystore.Service, fmt.Sprintf("%s/%d", id, i)); err != nil || v != k {
				t.Fatalf("raw entry %s/%d = %s, %v; want %s", id, i, keystore.Mask(v), err, keystore.Mask(k))
			}
		}
		_, err = keyring.Get(keystore.Service, fmt.Sprintf("%s/%d", id, len(want)))
		if !errors.Is(err, keyring.ErrNotFound) {
			t.Fatalf("raw entry %s/%d after the last key: %v, want keyring.ErrNotFound", id, len(want), err)
		}
	}

	expect([]string{})
	for i := range 3 {
		got, err := s.Add(ctx, id, "  "+key(i)+"\n")
		if err != nil || got != i {
			t.Fatalf("Add #%d = %d, %v", i, got, err)
		}
	}
	expect([]string{key(0), key(1), key(2)})

	if err := s.Delete(ctx, id, 1); err != nil {
		t.Fatalf("Delete(1): %v", err)
	}
	expect([]string{key(0), key(2)})

	if err := s.Replace(ctx, id, []string{key(3), key(4), key(5), key(6)}); err != nil {
		t.Fatalf("Replace (grow): %v", err)
	}
	expect([]string{key(3), key(4), key(5), key(6)})
	if err := s.Replace(ctx, id, []string{key(6), key(3)}); err != nil {
		t.Fatalf("Replace (shrink): %v", err)
	}
	expect([]string{key(6), key(3)})

	for _, idx := range []int{2, 7, -1} {
		err := s.Delete(ctx, id, idx)
		if !errors.Is(err, keystore.ErrNotFound) {
			t.Errorf("Delete(%d) = %v, want ErrNotFound", idx, err)
		}
		errs = append(errs, err)
	}

	// Rejected keys leave the stored ones alone and are not echoed.
	for _, bad := range []string{canary + "\nsecond-line", canary + "\x00", canary + strings.Repeat("x", keystore.MaxKeyBytes)} {
		_, err := s.Add(ctx, id, bad)
		errs = append(errs, err, s.Replace(ctx, id, []string{bad}))
		if err == nil {
			t.Errorf("Add accepted a bad key")
		}
	}
	expect([]string{key(6), key(3)})

	if err := s.Delete(ctx, id, 0); err != nil {
		t.Fatalf("Delete(0): %v", err)
	}
	expect([]string{key(3)})
	if err := s.Replace(ctx, id, nil); err != nil {
		t.Fatalf("Replace(nil): %v", err)
	}
	expect([]string{})
	err := s.Delete(ctx, id, 0)
	if !errors.Is(err, keystore.ErrNotFound) {
		t.Errorf("Delete on an emptied backend = %v, want ErrNotFound", err)
	}
	errs = append(errs, err)
	if err := s.Probe(ctx); err != nil {
		t.Errorf("Probe: %v", err)
	}

	for _, err := range errs {
		if err == nil {
			t.Error("expected an error, got nil")
			continue
		}
		if strings.Contains(err.Error(), canary) || strings.Contains(fmt.Sprintf("%#v", err), canary) {
			t.Errorf("error contains the canary key: %s", strings.ReplaceAll(err.Error(), canary, "<CANARY>"))
		}
	}
}

func masks(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = keystore.Mask(k)
	}
	return out
}
