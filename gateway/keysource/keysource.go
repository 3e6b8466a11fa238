// Package keysource feeds the routing table with backend keys: ID_API_KEYS
// from the environment win (and are never persisted); otherwise the OS
// keychain's (Store), re-read in the background when a request finds the
// view stale, so `switchyard keys set` reaches a running gateway.
package keysource

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"switchyard/gateway/route"
)

// Store is what the gateway needs of the OS keychain (keystore.Store
// satisfies it; the gateway calls it KeyStore). Keys are returned in
// rotation order.
type Store interface {
	Keys(ctx context.Context, backendID string) ([]string, error)
	Add(ctx context.Context, backendID, key string) (int, error)
	Delete(ctx context.Context, backendID string, index int) error
}

// keyRefresh is how stale the cached keychain view may get before a
// request triggers a background re-read (so `switchyard keys set` in a
// shell reaches a running gateway without a restart).
const keyRefresh = 10 * time.Second

// Options configure a Cache.
type Options struct {
	Store Store               // the keychain; nil = keys only from Env
	Env   map[string][]string // ID_API_KEYS by backend id
	Table *route.Table        // receives the keys
	Log   *slog.Logger
	Now   func() time.Time // the gateway's clock
	// Timeout bounds one keychain read; 0 = 5s.
	Timeout time.Duration
}

// Cache feeds the routing table with keys: ID_API_KEYS from the
// environment win (and are never persisted); otherwise the keychain's.
// Reads of the keychain happen off the request path.
type Cache struct {
	store   Store
	env     map[string][]string
	table   *route.Table
	log     *slog.Logger
	timeout time.Duration
	now     func() time.Time

	mu        sync.Mutex
	loaded    time.Time
	loading   bool
	source    map[string]string // id -> "env" | "keychain" | ""
	lastError error
	wg        sync.WaitGroup
}

// New returns a cache that has loaded nothing yet (call Load).
func New(o Options) *Cache {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	return &Cache{store: o.Store, env: o.Env, table: o.Table, log: o.Log, timeout: o.Timeout, now: o.Now}
}

// SourceOf says where backend id's keys come from: "env", "keychain" or "".
func (k *Cache) SourceOf(id string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.source[id]
}

// Load reads every backend's keys now (start-up, after a key change).
func (k *Cache) Load(ctx context.Context, ids []string) {
	src := map[string]string{}
	var firstErr error
	for _, id := range ids {
		if env := k.env[id]; len(env) > 0 {
			k.table.SetKeys(id, secrets(env))
			src[id] = "env"
			continue
		}
		if k.store == nil {
			k.table.SetKeys(id, nil)
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, k.timeout)
		keys, err := k.store.Keys(cctx, id)
		cancel()
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue // keep what we had: a flaky keychain must not drop keys
		}
		k.table.SetKeys(id, secrets(keys))
		if len(keys) > 0 {
			src[id] = "keychain"
		}
	}
	k.mu.Lock()
	k.loaded = k.now()
	k.source = src
	if firstErr != nil && (k.lastError == nil || k.lastError.Error() != firstErr.Error()) {
		k.log.Warn("reading API keys from the OS keychain failed; backends keep the keys they had", "err", firstErr)
	}
	k.lastError = firstErr
	k.mu.Unlock()
}

// MaybeRefresh starts a background re-read when the cache is stale. It
// never blocks the request that calls it.
func (k *Cache) MaybeRefresh(ids func() []string) {
	if k.store == nil {
		return
	}
	k.mu.Lock()
	if k.loading || k.now().Sub(k.loaded) < keyRefresh {
		k.mu.Unlock()
		return
	}
	k.loading = true
	k.wg.Add(1)
	k.mu.Unlock()
	go func() {
		defer k.wg.Done()
		k.Load(context.Background(), ids())
		k.mu.Lock()
		k.loading = false
		k.mu.Unlock()
	}()
}

// Wait waits for a background re-read in progress.
func (k *Cache) Wait() { k.wg.Wait() }

func secrets(keys []string) []route.Secret {
	out := make([]route.Secret, 0, len(keys))
	for _, s := range keys {
		if s != "" {
			out = append(out, route.NewSecret(s))
		}
	}
	return out
}
