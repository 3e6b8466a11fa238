package gateway

import (
	"sync"
	"time"

	"switchyard/gateway/config"
	"switchyard/gateway/meter"
	"switchyard/gateway/protocols"
	"switchyard/gateway/route"
	"switchyard/gateway/usage"
)

// usageAcc is one request's usage accounting while it is proxied: the
// meter the relays feed with the upstream's answer (reset at each attempt,
// so the answer that was relayed is the one counted) and the time of the
// first byte sent to the client.
type usageAcc struct {
	m     meter.Meter
	first time.Time
}

// usageAccs recycles usageAcc values (and their meters' buffers).
var usageAccs = sync.Pool{New: func() any { return new(usageAcc) }}

// newUsageAcc starts a request's accounting; nil when accounting is off.
func (s *Server) newUsageAcc() *usageAcc {
	if s.acct == nil {
		return nil
	}
	u := usageAccs.Get().(*usageAcc)
	u.first = time.Time{}
	u.m.Reset(meter.OpenAI)
	return u
}

// attempt starts metering a new attempt's answer in the backend's format.
func (u *usageAcc) attempt(f config.Format) {
	if u == nil {
		return
	}
	mf, _ := meter.Parse(string(f))
	u.m.Reset(mf)
}

// firstByte notes when the client got its first byte (the first call
// wins).
func (u *usageAcc) firstByte(now time.Time) {
	if u.first.IsZero() {
		u.first = now
	}
}

// account queues the request's record for the usage store (whose writer
// batches it off the request path; a full queue drops and counts it) and
// recycles u. a is the attempt that answered, or the last one tried; the
// token counts are the upstream's own report of that attempt's answer.
//
// The upstream's usage (u.m.Usage(): input, cache reads and writes, the
// served model) is what per-session accounting would be fed with too.
func (s *Server) account(in *protocols.Inbound, a route.Attempt, status, attempts int, start time.Time, u *usageAcc) {
	mu := u.m.Usage()
	r := usage.Record{
		Time: start, Protocol: string(in.Proto.Native), Backend: a.Backend.ID, Host: route.Host(a.BaseURL),
		KeyFingerprint: route.Mask(a.Key.Reveal()), ModelAsked: in.Model, ModelServed: mu.Model,
		InputTokens: mu.Input, OutputTokens: mu.Output, CacheReadTokens: mu.CacheRead, CacheWriteTokens: mu.CacheWrite,
		ReasoningTokens: mu.Reasoning, Status: status, Attempts: attempts, Stream: in.Stream,
		Duration: s.clock.Now().Sub(start),
	}
	if a.BaseURL == "" {
		r.Host = ""
	}
	if !u.first.IsZero() {
		r.TTFB = u.first.Sub(start)
	}
	usageAccs.Put(u)
	s.acct.Add(r)
	if s.opts.OnUsage != nil {
		s.opts.OnUsage(r)
	}
}
