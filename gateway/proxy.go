package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"switchyard/gateway/clock"
	"switchyard/gateway/convert"
	"switchyard/gateway/guard"
	"switchyard/gateway/protocol"
	"switchyard/gateway/protocols"
	"switchyard/gateway/route"
	"switchyard/gateway/sse"
	"switchyard/gateway/streamout"
)

// Causes for cancelling an attempt, told apart in classification.
var (
	errAttemptTimeout = errors.New("upstream timeout")
	errFirstByte      = errors.New("no first event in time")
	errStreamIdle     = errors.New("stream went quiet")
	errStreamTimeout  = errors.New("stream timeout")
)

// maxUpstreamBody bounds a non-streaming upstream response we buffer.
const maxUpstreamBody = 64 << 20

// outcome is what one attempt produced.
type outcome struct {
	class      route.Class
	reason     string
	status     int
	retryAfter time.Duration
	committed  bool             // bytes were written to the client: no failover
	clientErr  *protocols.Error // ClientFault: what to send
}

// proxy carries a request through the routing plan: one attempt after
// another until one answers, the request's own fault comes back, the
// client leaves, or nothing is left (503 naming each backend and why).
func (s *Server) proxy(w http.ResponseWriter, r *http.Request, in *protocols.Inbound) {
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		s.refused.Add(guard.RefuseShed, r.Method, r.URL.Path, "at the in-flight limit")
		protocols.WriteError(w, in.Proto, &protocols.Error{Status: 503, Type: "overloaded_error", RetryAfter: "1",
			Message: "switchyard is at its limit of " + strconv.Itoa(cap(s.slots)) + " requests in flight; retry shortly"})
		if u := s.newUsageAcc(); u != nil {
			s.account(in, route.Attempt{}, 503, 0, s.clock.Now(), u) // shed: a failure with no attempt
		}
		return
	}
	start := s.clock.Now()
	cfg := s.config()
	ctx, cancel := context.WithTimeout(r.Context(), cfg.RequestDeadline)
	defer cancel()
	s.keys.MaybeRefresh(s.backendIDs)

	plan := s.table.NewPlan(in.Model)
	u := s.newUsageAcc() // nil with accounting off
	var lastAttempt route.Attempt
	for a, ok := plan.Next(); ok; a, ok = plan.Next() {
		lastAttempt = a
		rec := &record{plan: plan, a: a, u: u}
		o := s.attempt(ctx, w, in, a, cfg.RequestDeadline, rec)
		if o.class != route.OK && r.Context().Err() != nil {
			// The client left: whatever failed is not the upstream's
			// fault. (A finished answer stays OK even when the client hangs
			// up the moment it has read the last byte.)
			o.class = route.Canceled
		} else if ctx.Err() != nil && !o.committed && o.class != route.OK {
			// The overall deadline ran out: stop here, and do not count
			// the cut attempt against a backend that was merely last.
			rec.done(outcome{class: route.Canceled, reason: o.reason})
			s.logRequest(in, a, 504, plan.Attempts(), start, "request deadline exceeded", u)
			protocols.WriteError(w, in.Proto, &protocols.Error{Status: 504, Type: "timeout_error", Message: fmt.Sprintf("no backend answered within the request deadline (%s, request_deadline in config.yaml); tried: %s", cfg.RequestDeadline, plan.Summary())})
			return
		}
		act := rec.done(o)
		if o.committed || act == route.Finish {
			switch {
			case o.class == route.Canceled:
				s.logRequest(in, a, 499, plan.Attempts(), start, "client went away", u)
			case o.clientErr != nil && !o.committed:
				setRouteHeaders(w, a)
				protocols.WriteError(w, in.Proto, o.clientErr)
				s.logRequest(in, a, o.clientErr.Status, plan.Attempts(), start, o.reason, u)
			default:
				s.logRequest(in, a, o.status, plan.Attempts(), start, o.reason, u)
			}
			return
		}
	}
	msg := "all backends failed for model " + strconv.Quote(in.Model) + ": " + plan.Summary()
	if plan.Attempts() == 0 {
		msg = "no backend can serve model " + strconv.Quote(in.Model) + ": " + plan.Summary()
	}
	w.Header().Set("X-Switchyard-Attempts", strconv.Itoa(plan.Attempts()))
	protocols.WriteError(w, in.Proto, &protocols.Error{Status: 503, Type: "overloaded_error", Message: msg})
	s.logRequest(in, lastAttempt, 503, plan.Attempts(), start, plan.Summary(), u)
}

// record enters one attempt's outcome in the plan, once: a relay records
// a good answer before writing its last bytes, so /api/status and the tray
// name the pair that answered by the time the client has the answer; the
// loop records whatever else the attempt came to.
type record struct {
	plan *route.Plan
	a    route.Attempt
	did  bool
	act  route.Action
	u    *usageAcc // the request's usage accounting; nil when off
}

func (r *record) done(o outcome) route.Action {
	if !r.did {
		r.did = true
		r.act = r.plan.Done(r.a, o.class, o.reason, o.retryAfter)
	}
	return r.act
}

// setApproximated tells the client what its request's conversion could
// only approximate: X-Switchyard-Approximated: response_format=json_schema->tool.
func setApproximated(h http.Header, ex *protocols.Exchange) {
	if len(ex.Notes.Approximated) > 0 {
		h.Set("X-Switchyard-Approximated", strings.Join(ex.Notes.Approximated, ", "))
	}
}

func setRouteHeaders(w http.ResponseWriter, a route.Attempt) {
	h := w.Header()
	h.Set("X-Switchyard-Backend", a.Backend.ID)
	h.Set("X-Switchyard-Attempts", strconv.Itoa(a.N))
}

func (s *Server) logRequest(in *protocols.Inbound, a route.Attempt, status, attempts int, start time.Time, note string, u *usageAcc) {
	if u != nil {
		s.account(in, a, status, attempts, start, u) // queued for the batched writer; never blocks
	}
	if s.log.Enabled(context.Background(), slog.LevelInfo) {
		// LogAttrs on a stack array: no []any, no boxing (BenchmarkHandler).
		var buf [8]slog.Attr
		attrs := append(buf[:0], slog.String("model", in.Model), slog.Bool("stream", in.Stream), slog.Int("status", status),
			slog.Int("attempts", attempts), slog.Int64("duration_ms", time.Since(start).Milliseconds()))
		if a.Backend.ID != "" {
			attrs = append(attrs, slog.String("backend", a.Backend.ID), slog.String("endpoint", route.Host(a.BaseURL)))
		}
		if note != "" {
			attrs = append(attrs, slog.String("note", note))
		}
		s.log.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
	}
	s.dash.RequestDone(in.Model, in.Stream, a.Backend.ID, a.BaseURL, status, attempts, start, note) // dashboard feed; cheap, non-blocking
}

// attempt runs one upstream try and, if it succeeds, answers the client.
// deadline is the request_deadline that bounds ctx (for messages); the
// backend's own limits are on its spec (a.Backend).
func (s *Server) attempt(ctx context.Context, w http.ResponseWriter, in *protocols.Inbound, a route.Attempt, deadline time.Duration, rec *record) outcome {
	ex, aerr := protocols.Prepare(in, &a.Backend)
	if aerr != nil {
		return outcome{class: route.ClientFault, reason: aerr.Message, status: aerr.Status, clientErr: aerr}
	}
	rec.u.attempt(ex.Format) // this attempt's answer is metered afresh
	if len(ex.Notes.Approximated) > 0 && !in.ApproxLogged {
		in.ApproxLogged = true // once per request, not per attempt
		s.log.Info("request approximated for the backend's protocol", "model", in.Model, "backend", a.Backend.ID, "what", strings.Join(ex.Notes.Approximated, ","))
	}
	actx, acancel := context.WithCancelCause(ctx)
	defer acancel(nil)
	var timer clock.Timer
	if in.Stream {
		timer = s.clock.AfterFunc(a.Backend.FirstByteTimeout, func() { acancel(errFirstByte) })
	} else {
		timer = s.clock.AfterFunc(a.Backend.Timeout, func() { acancel(errAttemptTimeout) })
	}
	defer timer.Stop()
	c := &call{ctx: ctx, actx: actx, cancel: acancel, firstByte: timer, w: w, in: in, a: a, ex: ex, deadline: deadline, rec: rec}

	req, err := protocols.NewUpstreamRequest(actx, in, a, ex)
	if err != nil {
		return outcome{class: route.Server, reason: "building request: " + err.Error()}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return c.failure(err)
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		o := outcome{status: resp.StatusCode, class: route.Classify(ctx, resp.StatusCode, nil), reason: "http " + strconv.Itoa(resp.StatusCode)}
		o.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"))
		msg, typ := convert.ParseUpstreamError(body)
		if msg != "" {
			o.reason += ": " + trunc(redact(msg, a.Key), 200)
		}
		if o.class == route.ClientFault {
			o.clientErr = &protocols.Error{Status: resp.StatusCode, Type: typ, Message: redact(msg, a.Key), RetryAfter: resp.Header.Get("Retry-After")}
			if o.clientErr.Message == "" {
				o.clientErr.Message = "upstream " + a.Backend.ID + " rejected the request (http " + strconv.Itoa(resp.StatusCode) + ")"
			}
		}
		return o
	}
	if in.Stream {
		return s.relayStream(c, resp)
	}
	return s.relayJSON(c, resp)
}

// call is one attempt in flight, as the relays need it: the client's
// request and writer, the attempt (backend spec with its limits, URL,
// key), the prepared exchange, and the contexts and timer that bound it
// (ctx: the client request under request_deadline; actx: this attempt,
// cancelled with a cause by the attempt timers).
type call struct {
	ctx, actx context.Context
	cancel    context.CancelCauseFunc
	firstByte clock.Timer // streams: stopped at the first content
	w         http.ResponseWriter
	in        *protocols.Inbound
	a         route.Attempt
	ex        *protocols.Exchange
	deadline  time.Duration // request_deadline, which bounds ctx
	rec       *record       // records the good answer before it is written
}

// failure classifies a transport error, telling our own timeouts apart.
func (c *call) failure(err error) outcome {
	ctx, b := c.ctx, &c.a.Backend
	switch cause := context.Cause(c.actx); {
	case ctx.Err() != nil && errors.Is(context.Cause(ctx), context.Canceled):
		return outcome{class: route.Canceled, reason: "client went away"}
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return outcome{class: route.Timeout, reason: "request deadline (" + c.deadline.String() + ", request_deadline) exceeded"}
	case errors.Is(cause, errAttemptTimeout):
		return outcome{class: route.Timeout, reason: "timeout after " + b.Timeout.String()}
	case errors.Is(cause, errFirstByte):
		return outcome{class: route.Timeout, reason: "no first event within " + b.FirstByteTimeout.String()}
	case errors.Is(cause, errStreamIdle):
		return outcome{class: route.Timeout, reason: "stream silent for " + b.StreamIdleTimeout.String()}
	case errors.Is(cause, errStreamTimeout):
		return outcome{class: route.Timeout, reason: "stream exceeded " + b.StreamTimeout.String()}
	}
	class := route.Classify(ctx, 0, err)
	return outcome{class: class, reason: transportReason(class, err)}
}

func transportReason(c route.Class, err error) string {
	switch c {
	case route.Connect:
		if strings.Contains(err.Error(), "refused") {
			return "connection refused"
		}
		return "cannot connect: " + trunc(lastColon(err.Error()), 120)
	case route.Timeout:
		return "timeout"
	}
	return trunc(lastColon(err.Error()), 120)
}

// lastColon keeps the tail of a wrapped Go error ("… read: connection
// reset by peer" -> "connection reset by peer"), which never holds a key.
func lastColon(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		return s[i+2:]
	}
	return s
}

func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

// redact removes the attempt's key from upstream text, in case an
// upstream echoes it in an error message.
func redact(s string, key route.Secret) string {
	if k := key.Reveal(); len(k) >= 4 && strings.Contains(s, k) {
		s = strings.ReplaceAll(s, k, "[REDACTED]")
	}
	return s
}

// redactBytes replaces every occurrence of key (raw bytes of the
// attempt's key) in b: an upstream may echo the key it got anywhere in an
// answer it sends, e.g. in a 200 error body or an SSE error event, which
// are relayed as they are.
func redactBytes(b, key []byte) []byte {
	if len(key) >= 4 && bytes.Contains(b, key) {
		b = bytes.ReplaceAll(b, key, []byte("[REDACTED]"))
	}
	return b
}

// relayJSON answers a non-streaming request.
func (s *Server) relayJSON(c *call, resp *http.Response) outcome {
	w, in, a, ex := c.w, c.in, c.a, c.ex
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxUpstreamBody+1))
	if err != nil {
		return c.failure(err)
	}
	if len(body) > maxUpstreamBody {
		return outcome{class: route.Server, reason: "upstream response too large"}
	}
	if u := c.rec.u; u != nil {
		u.m.Body(body) // the upstream's own answer, in its format, before any conversion
	}
	if ex.Convert {
		hub, ok := protocols.Backends[ex.Format].ToHub(body, ex, in.Model)
		if !ok {
			return outcome{class: route.Server, status: resp.StatusCode, reason: "upstream sent an invalid " + string(ex.Format) + " response"}
		}
		body = in.Proto.FromHub(in, ex.Hub, hub)
	} else {
		// Passthrough: the body goes out as it is, but an error object
		// behind a 200 (some proxies answer so) is a failed attempt, as on
		// the converted paths, not an empty success for the client.
		var pk struct {
			Type    string          `json:"type"`
			Error   json.RawMessage `json:"error"`
			Choices json.RawMessage `json:"choices"`
		}
		if err := json.Unmarshal(body, &pk); err != nil {
			return outcome{class: route.Server, status: resp.StatusCode, reason: "upstream sent invalid JSON"}
		}
		if pk.Type == "error" || len(pk.Error) > 0 && string(pk.Error) != "null" && len(pk.Choices) == 0 {
			msg, _ := convert.ParseUpstreamError(body)
			return outcome{class: route.Server, status: resp.StatusCode, reason: "upstream sent an error with http 200: " + trunc(redact(msg, a.Key), 160)}
		}
	}
	body = redactBytes(body, []byte(a.Key.Reveal()))
	h := w.Header()
	setRouteHeaders(w, a)
	setApproximated(h, ex)
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	copyRequestID(h, resp.Header)
	c.rec.done(outcome{class: route.OK})
	if u := c.rec.u; u != nil {
		u.firstByte(s.clock.Now())
	}
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(body); err != nil {
		return outcome{class: route.Canceled, committed: true, status: 200, reason: "client went away"}
	}
	if f, ok := w.(http.Flusher); ok {
		f.Flush() // the answer leaves now, not after the log and the bookkeeping
	}
	return outcome{class: route.OK, committed: true, status: 200}
}

func copyRequestID(dst, src http.Header) {
	// Echo the upstream's id under both names (docs/conversion.md §4: request-id for
	// Anthropic clients, x-request-id for OpenAI ones), so a converted
	// answer carries the name its client reads.
	v := src.Get("request-id")
	if v == "" {
		v = src.Get("x-request-id")
	}
	if v != "" {
		dst.Set("request-id", v)
		dst.Set("x-request-id", v)
	}
}

// relayStream answers a streaming request under the first-byte rule:
// nothing reaches the client until the upstream's first meaningful event
// (content or a tool call). Until then, an error event, a cut, silence or
// a non-SSE answer is a failed attempt and the request moves on. After it,
// every event is written and flushed as it arrives; a failure ends the
// stream with one error event in the client's protocol.
func (s *Server) relayStream(c *call, resp *http.Response) outcome {
	ct := resp.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "text/event-stream") {
		return outcome{class: route.Server, status: resp.StatusCode, reason: "upstream did not stream (content-type " + trunc(ct, 40) + ")"}
	}
	cancel := c.cancel // the timers capture the func, not c (which then stays on the stack)
	total := s.clock.AfterFunc(c.a.Backend.StreamTimeout, func() { cancel(errStreamTimeout) })
	defer total.Stop()
	out := streamout.New(s.clock, c.w, c.in.StreamKeepAlive())
	defer out.Close()
	defer out.Flush() // first: the last events leave before the bookkeeping
	bp := relayBufs.Get().(*[]byte)
	rl := &streamRelay{s: s, c: *c, resp: resp, out: out, conv: c.in.StreamConverter(c.ex, s.clock.Now().Unix()), key: []byte(c.a.Key.Reveal()), buf: (*bp)[:0]}
	defer func() {
		if rl.idle != nil {
			rl.idle.Stop()
		}
		if cap(rl.buf) <= 64<<10 { // written out already; nothing keeps it
			*bp = rl.buf[:0]
			relayBufs.Put(bp)
		}
	}()
	rd := sse.NewReader(out.Body(resp.Body))
	for {
		ev, rerr := rd.Next()
		if o, done := rl.step(ev, rerr); done {
			return o
		}
	}
}

// relayBufs recycles the relays' output buffers: a converted stream's
// first step (a Responses stream's two snapshot events, ~1.5 kB) would
// otherwise grow a new one from nothing for every request.
var relayBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// streamRelay is one stream being relayed (relayStream): the converter,
// the client's side, and whether the stream is committed to this attempt.
type streamRelay struct {
	s         *Server
	c         call // a copy: the *call stays on attempt's stack
	resp      *http.Response
	out       *streamout.Writer
	conv      protocols.StreamConverter
	key       []byte // the attempt's key, redacted from what is relayed
	buf       []byte
	committed bool
	idle      *streamout.QuietTimer
}

// step handles one upstream event (or the end: rerr != nil) and reports
// the attempt's outcome once there is one.
func (rl *streamRelay) step(ev sse.Event, rerr error) (outcome, bool) {
	c := &rl.c
	var st protocol.Step
	atEnd := rerr != nil
	if atEnd {
		if rerr == io.EOF {
			rerr = nil
		}
		if !rl.committed && rerr != nil {
			// Cut, reset or timed out before any content: a failed
			// attempt the client never sees.
			o := c.failure(rerr)
			if o.class == route.Server {
				o.reason = "stream cut before any content: " + o.reason
			}
			return o, true
		}
		st = rl.conv.End(rl.buf, rerr)
	} else {
		if rl.idle != nil {
			rl.idle.Touch()
		}
		if u := c.rec.u; u != nil {
			u.m.Event(ev.Data) // before the converter: the upstream's event in its format
		}
		st = rl.conv.Event(rl.buf, ev)
	}
	rl.buf = st.Out
	if !rl.committed {
		if st.Err != nil {
			return outcome{class: route.Server, status: rl.resp.StatusCode, reason: "error before first content: " + trunc(redact(st.Err.Message, c.a.Key), 160)}, true
		}
		if !st.Content && !st.Done && !atEnd {
			return outcome{}, false // framing only (message_start, role chunk): hold it
		}
		rl.commit()
	}
	if (st.Done || atEnd) && st.Err == nil {
		c.rec.done(outcome{class: route.OK}) // before the last bytes leave
	}
	ok := rl.out.Write(redactBytes(rl.buf, rl.key))
	rl.buf = rl.buf[:0]
	if !ok {
		return outcome{class: route.Canceled, committed: true, status: 200, reason: "client went away"}, true
	}
	if st.Err != nil {
		return rl.failed(st.Err.Message, rerr), true
	}
	if st.Done || atEnd {
		if !atEnd {
			drainAfterDone(rl.s.clock, rl.out, rl.resp.Body, c.cancel)
		}
		return outcome{class: route.OK, committed: true, status: 200}, true
	}
	return outcome{}, false
}

// commit sends the headers at the first content: the stream is this
// attempt's from here on (the first-byte rule).
func (rl *streamRelay) commit() {
	c := &rl.c
	c.firstByte.Stop()
	cancel := c.cancel
	rl.idle = streamout.NewQuietTimer(rl.s.clock, c.a.Backend.StreamIdleTimeout, func() { cancel(errStreamIdle) })
	h := c.w.Header()
	setRouteHeaders(c.w, c.a)
	setApproximated(h, c.ex)
	h.Set("Content-Type", c.in.StreamContentType())
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	copyRequestID(h, rl.resp.Header)
	rl.out.Start(rl.s.opts.KeepAlive)
	rl.committed = true
	if u := c.rec.u; u != nil {
		u.firstByte(rl.s.clock.Now())
	}
}

// failed is the outcome of a committed stream that ended with an error
// event (written): the reason is the read error's when there was one.
func (rl *streamRelay) failed(msg string, rerr error) outcome {
	reason := msg
	if rerr != nil {
		f := rl.c.failure(rerr)
		if f.class == route.Canceled {
			return outcome{class: route.Canceled, committed: true, status: 200, reason: "client went away"}
		}
		reason = f.reason
	}
	return outcome{class: route.Server, committed: true, status: 200, reason: "stream failed after first byte: " + trunc(redact(reason, rl.c.a.Key), 160)}
}

// drainAfterDone reads what the upstream still sends after its last event
// (normally only the chunked body's terminator), so that its connection
// goes back to the pool: a body closed before EOF costs a later request a
// new connection and leaves a socket in TIME-WAIT (strace: 25 connects in
// 5 s of one client's streams). The client's events are flushed first;
// the wait is bounded.
func drainAfterDone(clk clock.Clock, out *streamout.Writer, body io.Reader, acancel context.CancelCauseFunc) {
	out.Flush()
	t := clk.AfterFunc(50*time.Millisecond, func() { acancel(nil) })
	io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	t.Stop()
}
