package gateway

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Refusal kinds: every request the gateway turns away before routing, by
// why. They are counted in /api/status (refusals) and logged, so a user
// whose IDE plugin is refused can find out why.
const (
	refuseHost        = "host"           // Host does not name this listener (DNS rebinding)
	refuseCrossOrigin = "cross_origin"   // a write from another origin or site
	refusePreflight   = "preflight"      // CORS preflight
	refuseContentType = "content_type"   // a write that is not application/json
	refuseTooLarge    = "body_too_large" // over body_limit_mb
	refuseAPIWrite    = "api_write"      // a settings write without the dashboard session
	refuseToken       = "token"          // the client token is missing or wrong
	refuseNotFound    = "not_found"      // no such route
	refuseMethod      = "method"         // the route exists, the method does not
	refuseShed        = "shed"           // at the in-flight limit
)

// refusalLogEvery is the least time between two log lines of one kind;
// what is refused meanwhile is counted and summed into the next line.
const refusalLogEvery = 10 * time.Second

// refusals counts refused requests by kind and logs them, rate-limited.
// Log lines carry the method, the path (never the query string, which
// can hold a key) and the reason: no header values, no bodies.
type refusals struct {
	log *slog.Logger
	now func() time.Time

	mu     sync.Mutex
	counts map[string]int64
	quiet  map[string]int64     // refused since the last log line of the kind
	last   map[string]time.Time // the last log line of the kind
}

func newRefusals(log *slog.Logger, now func() time.Time) *refusals {
	return &refusals{log: log, now: now, counts: map[string]int64{}, quiet: map[string]int64{}, last: map[string]time.Time{}}
}

// add counts one refusal and logs it unless the kind logged recently.
func (r *refusals) add(kind, method, path, reason string) {
	if r == nil {
		return
	}
	now := r.now()
	r.mu.Lock()
	r.counts[kind]++
	if t, ok := r.last[kind]; ok && now.Sub(t) < refusalLogEvery {
		r.quiet[kind]++
		r.mu.Unlock()
		return
	}
	suppressed := r.quiet[kind]
	r.quiet[kind] = 0
	r.last[kind] = now
	r.mu.Unlock()
	attrs := []slog.Attr{slog.String("kind", kind), slog.String("method", method), slog.String("path", trunc(path, 120)), slog.String("reason", reason)}
	if suppressed > 0 {
		attrs = append(attrs, slog.Int64("also_refused", suppressed))
	}
	r.log.LogAttrs(context.Background(), slog.LevelWarn, "request refused", attrs...)
}

// snapshot returns the counts by kind (nil when nothing was refused).
func (r *refusals) snapshot() map[string]int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.counts) == 0 {
		return nil
	}
	out := make(map[string]int64, len(r.counts))
	for k, v := range r.counts {
		out[k] = v
	}
	return out
}
