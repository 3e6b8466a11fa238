// Package modellist keeps each backend's live model list: fetched from the
// upstream's own list endpoint in its format (GET {base}/models, Anthropic
// {base}/v1/models, Gemini {base}/models), when the gateway starts, every
// 30 minutes and on demand, and kept in models.json in the state directory
// so a restart lists them before the first fetch. A failed fetch keeps the
// last list and records why. The lists add names to what the gateway
// lists; the model rule still decides routing.
package modellist

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"switchyard/atomicfile"
	"switchyard/gateway/clock"
)

// List is one backend's fetched models.
type List struct {
	Models  []string  `json:"models"`
	Fetched time.Time `json:"fetched,omitzero"` // when Models were fetched
	Error   string    `json:"error,omitempty"`  // the last fetch's failure, if it failed
	Tried   time.Time `json:"tried,omitzero"`   // the last attempt
}

// Target is one backend to fetch: its request and how to read the answer.
type Target struct {
	ID      string
	Request func(ctx context.Context) (*http.Request, error)
	Parse   func(body []byte) ([]string, error)
}

// Store holds the lists. It is safe for concurrent use.
type Store struct {
	path   string // "" = not persisted
	client *http.Client
	clock  clock.Clock
	log    *slog.Logger

	mu    sync.Mutex
	lists map[string]List
}

// New returns a Store persisted at path (read now; a missing or corrupt
// file starts empty).
func New(path string, client *http.Client, clk clock.Clock, log *slog.Logger) *Store {
	s := &Store{path: path, client: client, clock: clk, log: log, lists: map[string]List{}}
	if path == "" {
		return s
	}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &s.lists); err != nil {
			log.Warn("model list cache is corrupt; starting empty", "path", path, "err", err)
			s.lists = map[string]List{}
		}
	}
	return s
}

// Lists returns a copy of every backend's list.
func (s *Store) Lists() map[string]List {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]List, len(s.lists))
	for id, l := range s.lists {
		l.Models = slices.Clone(l.Models)
		out[id] = l
	}
	return out
}

// Models returns backend id's fetched models (nil if none).
func (s *Store) Models(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.lists[id].Models)
}

// fetchTimeout bounds one backend's fetch.
const fetchTimeout = 15 * time.Second

// Refresh fetches every target at once and waits for all of them.
func (s *Store) Refresh(ctx context.Context, targets []Target) {
	var wg sync.WaitGroup
	for _, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.fetch(ctx, t)
		}()
	}
	wg.Wait()
	s.save()
}

func (s *Store) fetch(ctx context.Context, t Target) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	models, err := s.get(ctx, t)
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.lists[t.ID]
	l.Tried = now
	if err != nil {
		l.Error = err.Error() // the last list stays
		s.log.Info("model list not refreshed", "backend", t.ID, "err", l.Error)
	} else {
		l.Models, l.Fetched, l.Error = models, now, ""
	}
	s.lists[t.ID] = l
}

func (s *Store) get(ctx context.Context, t Target) ([]string, error) {
	req, err := t.Request(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, errorf("cannot reach the list endpoint")
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, errorf("reading the list: " + err.Error())
	}
	if resp.StatusCode != http.StatusOK {
		return nil, errorf("the list endpoint answered http " + strconv.Itoa(resp.StatusCode))
	}
	models, err := t.Parse(body)
	if err != nil {
		return nil, errorf("the list is not in the backend's format: " + err.Error())
	}
	return models, nil
}

// Forget drops the lists of backends not in ids (removed from the config).
func (s *Store) Forget(ids []string) {
	s.mu.Lock()
	for id := range s.lists {
		if !slices.Contains(ids, id) {
			delete(s.lists, id)
		}
	}
	s.mu.Unlock()
}

func (s *Store) save() {
	if s.path == "" {
		return
	}
	s.mu.Lock()
	b, err := json.MarshalIndent(s.lists, "", " ")
	s.mu.Unlock()
	if err == nil {
		err = atomicfile.Write(s.path, b, 0o600)
	}
	if err != nil {
		s.log.Warn("writing the model list cache", "path", s.path, "err", err)
	}
}

// Run refreshes now and then every period until ctx ends; targets is read
// at each refresh (enabled backends, their active pair).
func (s *Store) Run(ctx context.Context, period time.Duration, targets func() []Target) {
	for {
		s.Refresh(ctx, targets())
		tick := make(chan struct{})
		t := s.clock.AfterFunc(period, func() { close(tick) })
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-tick:
		}
	}
}

type fetchError string

func (e fetchError) Error() string { return string(e) }

func errorf(s string) error { return fetchError(s) }
