package gateway

import (
	"time"

	"switchyard/gateway/protocols"
	"switchyard/gateway/route"
	"switchyard/gateway/session"
)

// sessionRef is one request's session (package session): the store and
// the key, or nothing (affinity off, or a request that names no session).
type sessionRef struct {
	st    *session.Store
	key   session.Key
	src   session.Source
	proto string
}

// sessionOf derives the request's session key when affinity is on.
func (s *Server) sessionOf(in *protocols.Inbound) sessionRef {
	if s.sessions == nil || in.CountTokens {
		return sessionRef{}
	}
	k, src := in.SessionKey()
	if k == 0 {
		return sessionRef{}
	}
	return sessionRef{st: s.sessions, key: k, src: src, proto: in.Proto.Name}
}

// planFor is the request's plan: a pinned session whose last turn is
// younger than cacheTTL goes to its pin first and stays there while it
// works (no move back to a higher-priority backend that recovered: its
// prompt cache is elsewhere); any other request takes the usual plan. A pin
// that names a pair no longer configured is cleared here.
func (s *Server) planFor(in *protocols.Inbound, sess sessionRef, cacheTTL time.Duration) *route.Plan {
	if sess.st == nil {
		return s.table.NewPlan(in.Model)
	}
	s.prunePins()
	pin, idle, ok := sess.st.Lookup(sess.key)
	if !ok || idle >= cacheTTL {
		return s.table.NewPlan(in.Model)
	}
	p, ok := s.table.NewSessionPlan(in.Model, route.Pin(pin))
	if !ok {
		sess.st.Unpin(sess.key)
	}
	return p
}

// served moves the session's pin to the pair that answered.
func (r sessionRef) served(a route.Attempt) {
	if r.st != nil {
		r.st.Served(r.key, r.proto, r.src, session.Pin{Backend: a.Backend.ID, BaseURL: a.BaseURL, KeyFP: a.Key.Fingerprint()})
	}
}

// prunePins clears the pins of pairs that are gone, once after each change
// of the table's backends, enabled states or keys.
func (s *Server) prunePins() {
	g := s.table.Generation()
	if old := s.pinGen.Load(); old != g && s.pinGen.CompareAndSwap(old, g) {
		keep := s.table.PinChecker()
		s.sessions.Prune(func(p session.Pin) bool { return keep(route.Pin(p)) })
	}
}

// addUsage adds one answer's upstream-reported tokens to the session
// (account, from the usage meter).
func (r sessionRef) addUsage(input, cacheRead, cacheWrite int64) {
	if r.st != nil {
		r.st.AddUsage(r.key, input, cacheRead, cacheWrite)
	}
}
