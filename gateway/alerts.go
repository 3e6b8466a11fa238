package gateway

import (
	"context"
	"strings"
	"time"

	"switchyard/gateway/config"
	"switchyard/gateway/protocols"
	"switchyard/gateway/route"
	"switchyard/notify"
)

// alert hands one event about backend to the desktop notifications, when
// they are on (config notifications: true) and a notifier was given.
func (s *Server) alert(backend, text string) {
	if s.alerts == nil || !s.config().Notifications {
		return
	}
	name := backend
	if b := s.backendConfig(backend); b != nil && b.Name != "" {
		name = b.Name
	}
	s.alerts.Event(backend, notify.App+": "+name, text)
}

// alertWatch follows the routing state for the notifications: which
// backends are down and which keys refused, as last seen.
type alertWatch struct {
	ch      <-chan struct{}
	cancel  func()
	down    map[string]bool
	refused map[string]bool // backend + "\x00" + key mask
	fresh   bool            // the next pass takes a baseline without alerting
}

// newAlertWatch subscribes to the routing state and takes its baseline
// now (Serve calls it before serving, so no change is missed); nil
// without a Notifier.
func (s *Server) newAlertWatch() *alertWatch {
	if s.alerts == nil {
		return nil
	}
	w := &alertWatch{down: map[string]bool{}, refused: map[string]bool{}, fresh: true}
	w.ch, w.cancel = s.Subscribe()
	s.alertPass(w)
	return w
}

// watchAlerts raises an alert when a backend goes down (no pair usable)
// or comes back, and when a key is refused (401/403), until ctx ends. It
// reads the state only while notifications are on; turning them on takes
// a fresh baseline, without alerting.
func (s *Server) watchAlerts(ctx context.Context, w *alertWatch) {
	if w == nil {
		return
	}
	defer w.cancel()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.ch:
		}
		s.alertPass(w)
		// Every request's outcome signals: a pass (the whole status) per
		// request under load would cost more than the alerts it can raise,
		// which are coalesced to one a minute per backend anyway.
		select {
		case <-ctx.Done():
			return
		case <-time.After(alertPassEvery):
		}
	}
}

// alertPassEvery is the shortest time between two passes of watchAlerts
// (real time: the pace of the work, not of what is watched).
const alertPassEvery = 250 * time.Millisecond

func (s *Server) alertPass(w *alertWatch) {
	if !s.config().Notifications {
		w.fresh = true
		return
	}
	first := w.fresh
	w.fresh = false
	for _, b := range s.table.Status() {
		isDown := b.Enabled && (b.State == "failing" || b.State == "cooling")
		if !first && isDown && !w.down[b.ID] {
			s.alert(b.ID, "down: "+lastError(b))
		}
		if !first && w.down[b.ID] && b.Enabled && b.State == "ok" {
			s.alert(b.ID, "back")
		}
		if b.Enabled {
			w.down[b.ID] = isDown
		} else {
			delete(w.down, b.ID)
		}
		now := map[string]bool{}
		for _, ep := range b.Endpoints {
			id := b.ID + "\x00" + ep.Key
			if now[id] || ep.State != "cooling" || ep.LastError == nil ||
				!strings.HasPrefix(*ep.LastError, "http 401") && !strings.HasPrefix(*ep.LastError, "http 403") {
				continue
			}
			now[id] = true
			if !w.refused[id] && !first {
				s.alert(b.ID, keyName(ep.Key)+" refused ("+(*ep.LastError)[:8]+")")
			}
		}
		for id := range w.refused {
			if strings.HasPrefix(id, b.ID+"\x00") && !now[id] {
				delete(w.refused, id)
			}
		}
		for id := range now {
			w.refused[id] = true
		}
	}
}

// lastError is a down backend's first endpoint error, short.
func lastError(b route.BackendStatus) string {
	for _, ep := range b.Endpoints {
		if ep.LastError != nil {
			return trunc(*ep.LastError, 100)
		}
	}
	return b.State
}

// SetNotifications turns desktop notifications on or off (the tray's
// checkbox) and saves the config.
func (s *Server) SetNotifications(on bool) error {
	return s.updateSettings(func(c *config.Config) { c.Notifications = on })
}

// updateSettings edits the file config's top-level settings as
// UpdateBackend edits a backend: validated, saved, applied at once.
func (s *Server) updateSettings(edit func(*config.Config)) error {
	s.mu.Lock()
	next := s.fileCfg.Clone()
	edit(next)
	if err := next.Validate(); err != nil {
		s.mu.Unlock()
		return &protocols.Error{Status: 400, Message: err.Error()}
	}
	eff, _, err := config.ApplyEnv(next, s.opts.Getenv)
	if err != nil {
		s.mu.Unlock()
		return &protocols.Error{Status: 400, Message: err.Error()}
	}
	if s.opts.ConfigPath != "" {
		if err := next.Save(s.opts.ConfigPath); err != nil {
			s.mu.Unlock()
			return &protocols.Error{Status: 500, Message: "saving config: " + err.Error()}
		}
	}
	s.fileCfg, s.cfg = next, eff
	s.mu.Unlock()
	s.quota.store.SetThreshold(threshold(eff))
	s.table.Events().Signal()
	return nil
}
