package usage

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations, in order: migrations[i] takes the schema from version i to
// version i+1. Never edit a released migration; append a new one.
var migrations = []func(ctx context.Context, tx *sql.Tx) error{
	migrateV1,
	migrateV2,
}

// migrateV1: the raw records, with every string stored once in names.
// Times are Unix milliseconds, durations milliseconds.
func migrateV1(ctx context.Context, tx *sql.Tx) error {
	return execAll(ctx, tx,
		`CREATE TABLE names (
			id   INTEGER PRIMARY KEY,
			name TEXT NOT NULL UNIQUE
		)`,
		`CREATE TABLE requests (
			id           INTEGER PRIMARY KEY,
			ts           INTEGER NOT NULL,
			request_id   TEXT NOT NULL,
			protocol     INTEGER NOT NULL,
			backend      INTEGER NOT NULL,
			host         INTEGER NOT NULL,
			key_fp       INTEGER NOT NULL,
			model_asked  INTEGER NOT NULL,
			model_served INTEGER NOT NULL,
			input        INTEGER NOT NULL,
			output       INTEGER NOT NULL,
			cache_read   INTEGER NOT NULL,
			cache_write  INTEGER NOT NULL,
			reasoning    INTEGER NOT NULL,
			status       INTEGER NOT NULL,
			attempts     INTEGER NOT NULL,
			stream       INTEGER NOT NULL,
			ttfb_ms      INTEGER NOT NULL,
			duration_ms  INTEGER NOT NULL
		)`,
		`CREATE INDEX requests_ts ON requests(ts)`,
	)
}

// migrateV2: hourly totals per (backend, key, model), kept by the writer
// in the same transaction as the raw rows, and filled from them here.
// hour is Unix seconds / 3600; model is model_served, or model_asked when
// the upstream named none.
func migrateV2(ctx context.Context, tx *sql.Tx) error {
	return execAll(ctx, tx,
		`CREATE TABLE hourly (
			hour        INTEGER NOT NULL,
			backend     INTEGER NOT NULL,
			key_fp      INTEGER NOT NULL,
			model       INTEGER NOT NULL,
			requests    INTEGER NOT NULL,
			failures    INTEGER NOT NULL,
			input       INTEGER NOT NULL,
			output      INTEGER NOT NULL,
			cache_read  INTEGER NOT NULL,
			cache_write INTEGER NOT NULL,
			reasoning   INTEGER NOT NULL,
			PRIMARY KEY (hour, backend, key_fp, model)
		) WITHOUT ROWID`,
		`INSERT INTO hourly
		SELECT ts / 3600000, backend, key_fp,
			CASE WHEN model_served = (SELECT id FROM names WHERE name = '') THEN model_asked ELSE model_served END,
			count(*), sum(status < 200 OR status >= 400),
			sum(input), sum(output), sum(cache_read), sum(cache_write), sum(reasoning)
		FROM requests GROUP BY 1, 2, 3, 4`,
	)
}

func execAll(ctx context.Context, tx *sql.Tx, stmts ...string) error {
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// migrate brings the schema to version target (len(migrations) outside
// tests) in one immediate transaction, which also proves the file
// writable within the busy timeout.
func migrate(ctx context.Context, db *sql.DB, target int) error {
	if _, err := db.ExecContext(ctx, "PRAGMA auto_vacuum = INCREMENTAL"); err != nil {
		return err // takes effect on a new, empty file only
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning migration: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return err
	}
	var v int
	err = tx.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v)
	if err == sql.ErrNoRows {
		_, err = tx.ExecContext(ctx, `INSERT INTO schema_version VALUES (0)`)
	}
	if err != nil {
		return fmt.Errorf("reading schema version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this program's %d", v, len(migrations))
	}
	for ; v < target; v++ {
		if err := migrations[v](ctx, tx); err != nil {
			return fmt.Errorf("migrating to schema version %d: %w", v+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, v); err != nil {
		return err
	}
	return tx.Commit()
}
