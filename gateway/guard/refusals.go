package guard

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
	RefuseHost        = "host"           // Host does not name this listener (DNS rebinding)
	RefuseCrossOrigin = "cross_origin"   // a write from another origin or site
	RefusePreflight   = "preflight"      // CORS preflight
	RefuseContentType = "content_type"   // a write that is not application/json
	RefuseTooLarge    = "body_too_large" // over body_limit_mb
	RefuseAPIWrite    = "api_write"      // a settings write without the dashboard session
	RefuseToken       = "token"          // the client token is missing or wrong
	RefuseNotFound    = "not_found"      // no such route
	RefuseMethod      = "method"         // the route exists, the method does not
	RefuseShed        = "shed"           // at the in-flight limit
)

// refusalLogEvery is the least time between two log lines of one kind;
// what is refused meanwhile is counted and summed into the next line.
const refusalLogEvery = 10 * time.Second

// Refusals counts refused requests by kind and logs them, rate-limited.
// Log lines carry the method, the path (never the query string, which
// can hold a key) and the reason: no header values, no bodies.
type Refusals struct {
	log *slog.Logger
	now func() time.Time

	mu     sync.Mutex
	counts map[string]int64
	quiet  map[string]int64     // refused since the last log line of the kind
	last   map[string]time.Time // the last log line of the kind
}

// NewRefusals returns an empty count that logs to log, rate-limited on the
// clock now reads.
func NewRefusals(log *slog.Logger, now func() time.Time) *Refusals {
	return &Refusals{log: log, now: now, counts: map[string]int64{}, quiet: map[string]int64{}, last: map[string]time.Time{}}
}

// Add counts one refusal of kind (a Refuse… constant) and logs it unless
// the kind logged recently. A nil *Refusals counts nothing.
func (r *Refusals) Add(kind, method, path, reason string) {
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

// Snapshot returns the counts by kind (nil when nothing was refused).
func (r *Refusals) Snapshot() map[string]int64 {
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
