// Package usage records what each proxied request used (backend, endpoint,
// key fingerprint, models, token counts, status, latency) in an embedded
// SQLite database and answers the questions the dashboard and the tray
// ask about it: totals by backend, model, key or day, cache hit ratios,
// estimated cost, today's totals and a CSV export.
//
// The database is written off the request path. Add only queues a Record
// (a full queue drops it and counts the drop); one goroutine writes the
// queue in batches, one transaction per batch. Alongside the raw rows it
// keeps hourly totals per (backend, key, model), so a 30-day summary reads
// a few thousand rows however many requests were made.
//
// Loss bound: the database is in WAL mode with synchronous=NORMAL, and a
// batch is committed at least every Options.FlushInterval (default 500 ms)
// or every Options.BatchSize records (default 256). A process that is
// killed loses at most what was queued and not yet committed: the current
// batch window plus the queue (Options.QueueSize, default 8192). A power
// loss can also lose the last transactions since the WAL was synced (WAL
// with synchronous=NORMAL trades those for speed), never the database's
// integrity.
//
// Nothing in the database is secret: see Record for what is kept and what
// never is. Open takes the database's path; the gateway's config package
// decides where it lives ($XDG_DATA_HOME/switchyard/usage.db).
package usage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
)

// Options tune a Store. Each zero value means the default written next
// to it.
type Options struct {
	// BatchSize is how many records make the writer commit at once.
	// Default 256.
	BatchSize int
	// FlushInterval is the longest a queued record waits for its batch to
	// be committed. Default 500 ms.
	FlushInterval time.Duration
	// QueueSize bounds the records waiting to be written; Add drops and
	// counts what does not fit. Default 8192.
	QueueSize int
	// RetentionDays is how long records are kept; older ones are deleted
	// when the store opens and once a day. Default 90; negative keeps
	// records forever.
	RetentionDays int
	// BusyTimeout is how long a statement waits for a lock held by another
	// connection or process. Open moves aside a file still locked after
	// it. Default 5 s.
	BusyTimeout time.Duration
	// Prices prices records for the cost estimates. Default DefaultPrices();
	// SetPrices replaces it later.
	Prices PriceTable
	// Location is the time zone of Today and of the "day" group. Default
	// time.Local.
	Location *time.Location
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger gets write errors and the recovery warning. Default
	// slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.BatchSize <= 0 {
		o.BatchSize = 256
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = 500 * time.Millisecond
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 8192
	}
	if o.RetentionDays == 0 {
		o.RetentionDays = 90
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.Prices == nil {
		o.Prices = DefaultPrices()
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Store is an open usage database with its batched writer. Its methods
// are safe for concurrent use.
type Store struct {
	db      *sql.DB
	path    string
	opt     Options
	warning error
	prices  atomic.Pointer[PriceTable]

	mu     sync.RWMutex // guards closed against Add racing Close
	closed bool
	queue  chan Record
	flushq chan chan struct{}
	stop   chan struct{}
	done   chan struct{}

	added, written, dropped, failed atomic.Uint64
	names                           map[string]int64 // writer goroutine only
}

// Open opens (creating if needed) the usage database at path, brings its
// schema up to date, deletes records past retention and starts the writer.
//
// A file that is not a database, fails PRAGMA quick_check, has a schema
// newer than this code, or stays locked beyond Options.BusyTimeout is
// renamed to path + ".corrupt-<UTC timestamp>" (with its -wal and -shm
// files) and a fresh database is opened in its place; Warning then says
// so. Open fails only when not even a fresh database can be created.
func Open(path string, opt Options) (*Store, error) {
	opt = opt.withDefaults()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("usage store: %w", err)
	}
	db, err := openDB(path, opt)
	var warning error
	if err != nil {
		aside, merr := moveAside(path, opt.Now())
		if merr != nil {
			return nil, fmt.Errorf("usage store: %w (and moving it aside failed: %w)", err, merr)
		}
		what := "unusable"
		if isBusy(err) {
			what = fmt.Sprintf("locked for more than %v", opt.BusyTimeout)
		}
		warning = fmt.Errorf("usage database %s was %s (%w); moved it to %s and started a fresh one", path, what, err, aside)
		opt.Logger.Warn("usage: " + warning.Error())
		if db, err = openDB(path, opt); err != nil {
			return nil, fmt.Errorf("usage store: fresh database: %w", err)
		}
	}
	s := &Store{
		db: db, path: path, opt: opt, warning: warning,
		queue:  make(chan Record, opt.QueueSize),
		flushq: make(chan chan struct{}),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		names:  map[string]int64{},
	}
	s.SetPrices(opt.Prices)
	if err := s.prune(context.Background()); err != nil {
		opt.Logger.Warn("usage: retention", "err", err)
	}
	go s.run()
	return s, nil
}

// Warning is nil, or says that Open found the database unusable and moved
// it aside.
func (s *Store) Warning() error { return s.warning }

// SetPrices replaces the price table used by later queries.
func (s *Store) SetPrices(t PriceTable) {
	if t == nil {
		t = DefaultPrices()
	}
	s.prices.Store(&t)
}

func (s *Store) priceTable() PriceTable { return *s.prices.Load() }

// openDB opens path, checks it and migrates it; any error leaves nothing
// open.
func openDB(path string, opt Options) (*sql.DB, error) {
	dsn := fmt.Sprintf("%s?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)"+
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(0)&_pragma=journal_size_limit(67108864)"+
		"&_txlock=immediate", path, opt.BusyTimeout.Milliseconds())
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	if err := checkAndMigrate(db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func checkAndMigrate(db *sql.DB) error {
	ctx := context.Background()
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil {
		return fmt.Errorf("quick_check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("quick_check: %s", clip(strings.ReplaceAll(res, "\n", "; ")))
	}
	return migrate(ctx, db, len(migrations))
}

// moveAside renames path and its -wal and -shm files out of the way and
// returns the new name of the database file.
func moveAside(path string, now time.Time) (string, error) {
	aside := path + ".corrupt-" + now.UTC().Format("20060102T150405.000Z")
	if err := os.Rename(path, aside); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Rename(path+suffix, aside+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
	}
	return aside, nil
}

// isBusy reports a lock that outlived the busy timeout.
func isBusy(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff
		return code == 5 || code == 6 // SQLITE_BUSY, SQLITE_LOCKED
	}
	return false
}

// Close writes what is queued, stops the writer and closes the database.
// Records added after Close are dropped and counted.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.stop)
	<-s.done
	_, _ = s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	return s.db.Close()
}
