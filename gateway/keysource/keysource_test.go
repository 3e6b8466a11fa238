package keysource

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"switchyard/gateway/route"
)

// store is a keychain that counts its reads and can fail them.
type store struct {
	mu    sync.Mutex
	keys  map[string][]string
	reads int
	err   error
}

func (s *store) Keys(_ context.Context, id string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	return s.keys[id], s.err
}
func (s *store) Add(context.Context, string, string) (int, error) { return 0, nil }
func (s *store) Delete(context.Context, string, int) error        { return nil }

// TestSourcesAndRefresh: environment keys win over the keychain's and are
// never read from it; a stale view is re-read in the background, not
// before keyRefresh has passed; a failed read leaves the keys in place.
func TestSourcesAndRefresh(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	table := route.NewTable([]route.BackendSpec{{ID: "a", Enabled: true, NeedsKey: true, BaseURLs: []string{"http://a"}},
		{ID: "b", Enabled: true, NeedsKey: true, BaseURLs: []string{"http://b"}}}, clock)
	st := &store{keys: map[string][]string{"a": {"sk-chain-a"}, "b": {"sk-chain-b"}}}
	c := New(Options{Store: st, Env: map[string][]string{"a": {"sk-env-a"}}, Table: table, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clock})
	ids := func() []string { return []string{"a", "b"} }
	c.Load(context.Background(), ids())
	if got := [2]string{c.SourceOf("a"), c.SourceOf("b")}; got != [2]string{"env", "keychain"} {
		t.Fatalf("sources %v", got)
	}
	if st.reads != 1 {
		t.Fatalf("keychain read %d times, want once (b only)", st.reads)
	}
	c.MaybeRefresh(ids)
	c.Wait()
	if st.reads != 1 {
		t.Fatalf("fresh view re-read: %d reads", st.reads)
	}
	now = now.Add(keyRefresh)
	st.err = errors.New("keychain locked")
	c.MaybeRefresh(ids)
	c.Wait()
	if st.reads != 2 {
		t.Fatalf("stale view not re-read: %d reads", st.reads)
	}
	for _, b := range table.Status() {
		if b.State == "needs_key" {
			t.Fatalf("backend %s lost its keys to a failed read: %+v", b.ID, b)
		}
	}
}
