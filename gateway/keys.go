package gateway

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"switchyard/gateway/route"
)

// KeyStore is what the gateway needs of the OS keychain (keystore.Store
// satisfies it). Keys are returned in rotation order.
type KeyStore interface {
	Keys(ctx context.Context, backendID string) ([]string, error)
	Add(ctx context.Context, backendID, key string) (int, error)
	Delete(ctx context.Context, backendID string, index int) error
}

// keyRefresh is how stale the cached keychain view may get before a
// request triggers a background re-read (so `switchyard keys set` in a
// shell reaches a running gateway without a restart).
const keyRefresh = 10 * time.Second

// keyCache feeds the routing table with keys: ID_API_KEYS from the
// environment win (and are never persisted); otherwise the keychain's.
// Reads of the keychain happen off the request path.
type keyCache struct {
	store   KeyStore
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

func (k *keyCache) sourceOf(id string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.source[id]
}

// load reads every backend's keys now (start-up, after a key change).
func (k *keyCache) load(ctx context.Context, ids []string) {
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

// maybeRefresh starts a background re-read when the cache is stale. It
// never blocks the request that calls it.
func (k *keyCache) maybeRefresh(ids func() []string) {
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
		k.load(context.Background(), ids())
		k.mu.Lock()
		k.loading = false
		k.mu.Unlock()
	}()
}

func secrets(keys []string) []route.Secret {
	out := make([]route.Secret, 0, len(keys))
	for _, s := range keys {
		if s != "" {
			out = append(out, route.NewSecret(s))
		}
	}
	return out
}
