package usage

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Stats counts what happened to the records given to Add.
type Stats struct {
	Added   uint64 `json:"added"`   // accepted into the queue
	Written uint64 `json:"written"` // committed to the database
	Dropped uint64 `json:"dropped"` // refused: queue full or store closed
	Failed  uint64 `json:"failed"`  // lost to a failed write transaction
	Queued  int    `json:"queued"`  // waiting in the queue now
}

// Stats returns the writer's counters.
func (s *Store) Stats() Stats {
	return Stats{
		Added: s.added.Load(), Written: s.written.Load(),
		Dropped: s.dropped.Load(), Failed: s.failed.Load(),
		Queued: len(s.queue),
	}
}

// Add queues r for writing and returns at once. When the queue is full,
// or the store is closed, r is dropped and counted in Stats.Dropped; Add
// never blocks on the database.
func (s *Store) Add(r Record) {
	if r.Time.IsZero() {
		r.Time = s.opt.Now()
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		s.dropped.Add(1)
		return
	}
	select {
	case s.queue <- r:
		s.added.Add(1)
	default:
		s.dropped.Add(1)
	}
}

// Flush waits until every record added before it is committed (or lost
// to a failed write), or ctx ends.
func (s *Store) Flush(ctx context.Context) error {
	ack := make(chan struct{})
	select {
	case s.flushq <- ack:
	case <-s.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ack:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run is the writer goroutine.
func (s *Store) run() {
	defer close(s.done)
	batch := make([]Record, 0, s.opt.BatchSize)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	daily := time.NewTicker(24 * time.Hour)
	defer daily.Stop()
	write := func() {
		timer.Stop()
		s.commit(batch)
		batch = batch[:0]
	}
	for {
		select {
		case r := <-s.queue:
			if len(batch) == 0 {
				timer.Reset(s.opt.FlushInterval)
			}
			if batch = append(batch, r); len(batch) >= s.opt.BatchSize {
				write()
			}
		case <-timer.C:
			write()
		case ack := <-s.flushq:
			batch = s.drain(batch)
			write()
			close(ack)
		case <-daily.C:
			if err := s.prune(context.Background()); err != nil {
				s.opt.Logger.Warn("usage: retention", "err", err)
			}
		case <-s.stop:
			batch = s.drain(batch)
			write()
			return
		}
	}
}

// drain moves everything queued into batch, committing full batches.
func (s *Store) drain(batch []Record) []Record {
	for {
		select {
		case r := <-s.queue:
			if batch = append(batch, r); len(batch) >= s.opt.BatchSize {
				s.commit(batch)
				batch = batch[:0]
			}
		default:
			return batch
		}
	}
}

// commit writes batch in one transaction, counting the outcome.
func (s *Store) commit(batch []Record) {
	if len(batch) == 0 {
		return
	}
	if err := s.writeBatch(context.Background(), batch); err != nil {
		s.failed.Add(uint64(len(batch)))
		s.opt.Logger.Warn("usage: writing records failed; they are lost", "records", len(batch), "err", err)
		return
	}
	s.written.Add(uint64(len(batch)))
}

// hourKey identifies one row of the hourly table.
type hourKey struct{ hour, backend, key, model int64 }

type hourSums struct {
	requests, failures int64
	tok                Tokens
}

const insertRequest = `INSERT INTO requests (ts, request_id, protocol, backend, host, key_fp,
	model_asked, model_served, input, output, cache_read, cache_write, reasoning,
	status, attempts, stream, ttfb_ms, duration_ms)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const upsertHourly = `INSERT INTO hourly VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (hour, backend, key_fp, model) DO UPDATE SET
	requests = requests + excluded.requests, failures = failures + excluded.failures,
	input = input + excluded.input, output = output + excluded.output,
	cache_read = cache_read + excluded.cache_read, cache_write = cache_write + excluded.cache_write,
	reasoning = reasoning + excluded.reasoning`

// writeBatch inserts the records and adds them to the hourly totals in
// one transaction.
func (s *Store) writeBatch(ctx context.Context, batch []Record) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	n := newNamer(tx, s.names)
	ins, err := tx.PrepareContext(ctx, insertRequest)
	if err != nil {
		return err
	}
	defer ins.Close()
	hours := map[hourKey]*hourSums{}
	for _, r := range batch {
		r = r.sanitize()
		ids, err := n.ids(ctx, r.Protocol, r.Backend, r.Host, r.KeyFingerprint, r.ModelAsked, r.ModelServed, r.model())
		if err != nil {
			return err
		}
		if _, err := ins.ExecContext(ctx, r.Time.UnixMilli(), r.RequestID, ids[0], ids[1], ids[2], ids[3], ids[4], ids[5],
			r.InputTokens, r.OutputTokens, r.CacheReadTokens, r.CacheWriteTokens, r.ReasoningTokens,
			r.Status, r.Attempts, r.Stream, r.TTFB.Milliseconds(), r.Duration.Milliseconds()); err != nil {
			return fmt.Errorf("inserting record: %w", err)
		}
		k := hourKey{r.Time.Unix() / 3600, ids[1], ids[3], ids[6]}
		h := hours[k]
		if h == nil {
			h = &hourSums{}
			hours[k] = h
		}
		h.add(r)
	}
	if err := upsertHours(ctx, tx, hours); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	n.keep()
	return nil
}

func (h *hourSums) add(r Record) {
	h.requests++
	if r.Failed() {
		h.failures++
	}
	h.tok.add(Tokens{r.InputTokens, r.OutputTokens, r.CacheReadTokens, r.CacheWriteTokens, r.ReasoningTokens})
}

func upsertHours(ctx context.Context, tx *sql.Tx, hours map[hourKey]*hourSums) error {
	up, err := tx.PrepareContext(ctx, upsertHourly)
	if err != nil {
		return err
	}
	defer up.Close()
	for k, h := range hours {
		if _, err := up.ExecContext(ctx, k.hour, k.backend, k.key, k.model, h.requests, h.failures,
			h.tok.Input, h.tok.Output, h.tok.CacheRead, h.tok.CacheWrite, h.tok.Reasoning); err != nil {
			return fmt.Errorf("updating hourly totals: %w", err)
		}
	}
	return nil
}

// namer maps strings to their ids in names, inserting new ones. Ids
// learned inside a transaction join the writer's cache only once it
// commits.
type namer struct {
	tx      *sql.Tx
	cache   map[string]int64
	pending map[string]int64
}

const maxCachedNames = 10000

func newNamer(tx *sql.Tx, cache map[string]int64) *namer {
	return &namer{tx: tx, cache: cache, pending: map[string]int64{}}
}

func (n *namer) ids(ctx context.Context, names ...string) ([7]int64, error) {
	var out [7]int64
	for i, name := range names {
		id, err := n.id(ctx, name)
		if err != nil {
			return out, err
		}
		out[i] = id
	}
	return out, nil
}

func (n *namer) id(ctx context.Context, name string) (int64, error) {
	if id, ok := n.cache[name]; ok {
		return id, nil
	}
	if id, ok := n.pending[name]; ok {
		return id, nil
	}
	var id int64
	err := n.tx.QueryRowContext(ctx, `INSERT INTO names (name) VALUES (?)
		ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id`, name).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("naming %q: %w", name, err)
	}
	n.pending[name] = id
	return id, nil
}

func (n *namer) keep() {
	if len(n.cache)+len(n.pending) > maxCachedNames {
		clear(n.cache)
	}
	for k, v := range n.pending {
		n.cache[k] = v
	}
}

// prune deletes records older than the retention period.
func (s *Store) prune(ctx context.Context) error {
	if s.opt.RetentionDays < 0 {
		return nil
	}
	cutoff := s.opt.Now().Add(-time.Duration(s.opt.RetentionDays) * 24 * time.Hour)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM requests WHERE ts < ?`, cutoff.UnixMilli()); err != nil {
		return err
	}
	// An hour is kept while any of it is within retention.
	if _, err := tx.ExecContext(ctx, `DELETE FROM hourly WHERE hour < ?`, cutoff.Unix()/3600); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `PRAGMA incremental_vacuum`)
	return err
}
