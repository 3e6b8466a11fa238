package usage

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The groups Summary accepts.
const (
	GroupBackend = "backend" // by backend id
	GroupModel   = "model"   // by model served (asked, when the upstream named none)
	GroupKey     = "key"     // by backend and key fingerprint: "anyrouter …D5xY"
	GroupDay     = "day"     // by day in Options.Location: "2026-12-04"
)

// Totals sums a set of records.
type Totals struct {
	Requests int64  `json:"requests"`
	Failures int64  `json:"failures"` // status 0 or outside 2xx/3xx
	Tokens   Tokens `json:"tokens"`
	// CacheHitRatio is cache-read / (input + cache-read + cache-write);
	// 0 when there was no input.
	CacheHitRatio float64 `json:"cache_hit_ratio"`
	// CostUSD is the estimated cost of the requests whose model has a
	// price; UnpricedRequests counts the others, whose cost is unknown.
	CostUSD          float64 `json:"cost_usd"`
	UnpricedRequests int64   `json:"unpriced_requests"`
}

// Row is one group of a Summary.
type Row struct {
	Group string `json:"group"`
	Totals
}

// bucket is one (hour, backend, key, model) total, from the hourly table
// or from raw records.
type bucket struct {
	hour, backend, key, model int64
	requests, failures        int64
	tok                       Tokens
}

// Summary totals the records in [from, to) by group (GroupBackend,
// GroupModel, GroupKey or GroupDay). Days come in order; other groups by
// tokens, most first. Whole hours are read from the hourly totals and
// only the partial hours at either end from the raw records. In a time
// zone whose offset is not a whole number of hours, GroupDay counts an
// hour in the day it starts in.
func (s *Store) Summary(ctx context.Context, from, to time.Time, group string) ([]Row, error) {
	label, err := s.labeller(group)
	if err != nil {
		return nil, err
	}
	names, err := s.loadNames(ctx)
	if err != nil {
		return nil, err
	}
	aggs := map[string]*aggregate{}
	err = s.buckets(ctx, from, to, group, names, func(b bucket) {
		l := label(b, names)
		a := aggs[l]
		if a == nil {
			a = &aggregate{models: map[int64]*modelSums{}}
			aggs[l] = a
		}
		a.add(b)
	})
	if err != nil {
		return nil, err
	}
	prices := s.priceTable()
	rows := make([]Row, 0, len(aggs))
	for l, a := range aggs {
		rows = append(rows, Row{Group: l, Totals: a.totals(prices, names)})
	}
	sortRows(rows, group)
	return rows, nil
}

// Today totals today's records (midnight to midnight in
// Options.Location), for the tray.
func (s *Store) Today(ctx context.Context) (Totals, error) {
	now := s.opt.Now().In(s.opt.Location)
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, s.opt.Location)
	return s.summarize(ctx, start, start.AddDate(0, 0, 1))
}

func (s *Store) summarize(ctx context.Context, from, to time.Time) (Totals, error) {
	names, err := s.loadNames(ctx)
	if err != nil {
		return Totals{}, err
	}
	a := &aggregate{models: map[int64]*modelSums{}}
	if err := s.buckets(ctx, from, to, "", names, a.add); err != nil {
		return Totals{}, err
	}
	return a.totals(s.priceTable(), names), nil
}

func (s *Store) labeller(group string) (func(bucket, map[int64]string) string, error) {
	switch group {
	case GroupBackend:
		return func(b bucket, n map[int64]string) string { return n[b.backend] }, nil
	case GroupModel:
		return func(b bucket, n map[int64]string) string { return n[b.model] }, nil
	case GroupKey:
		return func(b bucket, n map[int64]string) string {
			if k := n[b.key]; k != "" {
				return n[b.backend] + " " + k
			}
			return n[b.backend] + " (no key)"
		}, nil
	case GroupDay:
		loc := s.opt.Location
		return func(b bucket, _ map[int64]string) string {
			return time.Unix(b.hour*3600, 0).In(loc).Format(time.DateOnly)
		}, nil
	}
	return nil, fmt.Errorf("usage: unknown group %q (want backend, model, key or day)", group)
}

func sortRows(rows []Row, group string) {
	slices.SortFunc(rows, func(a, b Row) int {
		if group != GroupDay {
			if c := cmp.Compare(b.Tokens.total(), a.Tokens.total()); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.Group, b.Group)
	})
}

func (t Tokens) total() int64 { return t.Input + t.Output + t.CacheRead + t.CacheWrite }

type modelSums struct {
	requests int64
	tok      Tokens
}

// aggregate sums buckets, keeping tokens per model for pricing.
type aggregate struct {
	requests, failures int64
	models             map[int64]*modelSums
}

func (a *aggregate) add(b bucket) {
	a.requests += b.requests
	a.failures += b.failures
	m := a.models[b.model]
	if m == nil {
		m = &modelSums{}
		a.models[b.model] = m
	}
	m.requests += b.requests
	m.tok.add(b.tok)
}

func (a *aggregate) totals(prices PriceTable, names map[int64]string) Totals {
	t := Totals{Requests: a.requests, Failures: a.failures}
	for id, m := range a.models {
		t.Tokens.add(m.tok)
		if p, ok := prices.Lookup(names[id]); ok {
			t.CostUSD += p.Cost(m.tok)
		} else {
			t.UnpricedRequests += m.requests
		}
	}
	if in := t.Tokens.Input + t.Tokens.CacheRead + t.Tokens.CacheWrite; in > 0 {
		t.CacheHitRatio = float64(t.Tokens.CacheRead) / float64(in)
	}
	return t
}

func (s *Store) loadNames(ctx context.Context) (map[int64]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name FROM names`)
	if err != nil {
		return nil, fmt.Errorf("usage: reading names: %w", err)
	}
	defer rows.Close()
	names := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		names[id] = name
	}
	return names, rows.Err()
}

const msPerHour = 3600 * 1000

// buckets calls fn with the totals of [from, to): whole hours from the
// hourly table (already summed by group), the partial hours at the ends
// from the raw records (by hour, backend, key and model).
func (s *Store) buckets(ctx context.Context, from, to time.Time, group string, names map[int64]string, fn func(bucket)) error {
	f, t := from.UnixMilli(), to.UnixMilli()
	if t <= f {
		return nil
	}
	h0, h1 := ceilDiv(f, msPerHour), t/msPerHour // whole hours [h0, h1)
	if h0 >= h1 {
		return s.rawBuckets(ctx, f, t, names, fn)
	}
	if err := s.rawBuckets(ctx, f, h0*msPerHour, names, fn); err != nil {
		return err
	}
	if err := s.hourlyBuckets(ctx, h0, h1, group, fn); err != nil {
		return err
	}
	return s.rawBuckets(ctx, h1*msPerHour, t, names, fn)
}

func ceilDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a > 0 {
		q++
	}
	return q
}

// hourlySQL is, per group, the columns that stand for hour, backend and
// key in a bucket read from the hourly table, and what it is grouped by:
// the database sums the hours, so a 30-day summary returns a few rows.
var hourlySQL = map[string][4]string{
	GroupBackend: {"0", "backend", "0", "backend, model"},
	GroupKey:     {"0", "backend", "key_fp", "backend, key_fp, model"},
	GroupModel:   {"0", "0", "0", "model"},
	GroupDay:     {"days.h0", "0", "0", "days.h0, model"},
	"":           {"0", "0", "0", "model"},
}

// hourlyBuckets reads the whole hours [h0, h1), summed by group (and
// model, for pricing).
func (s *Store) hourlyBuckets(ctx context.Context, h0, h1 int64, group string, fn func(bucket)) error {
	cols := hourlySQL[group]
	q := fmt.Sprintf(`SELECT %s, %s, %s, model, sum(requests), sum(failures),
		sum(input), sum(output), sum(cache_read), sum(cache_write), sum(reasoning)
		FROM hourly WHERE hour >= ? AND hour < ? GROUP BY %s`, cols[0], cols[1], cols[2], cols[3])
	args := []any{h0, h1}
	if group == GroupDay {
		days, dayArgs := s.dayHours(h0, h1)
		q = "WITH days(h0, h1) AS (VALUES " + days + ") " +
			strings.Replace(q, "FROM hourly WHERE", "FROM days JOIN hourly ON hour >= days.h0 AND hour < days.h1 WHERE", 1)
		args = append(dayArgs, args...)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("usage: reading hourly totals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b bucket
		if err := rows.Scan(&b.hour, &b.backend, &b.key, &b.model, &b.requests, &b.failures,
			&b.tok.Input, &b.tok.Output, &b.tok.CacheRead, &b.tok.CacheWrite, &b.tok.Reasoning); err != nil {
			return err
		}
		fn(b)
	}
	return rows.Err()
}

// dayHours splits the hours [h0, h1) into local days: a VALUES list of
// (first hour, end hour) pairs and its arguments. A day starts with the
// first hour that starts at or after its local midnight.
func (s *Store) dayHours(h0, h1 int64) (string, []any) {
	var list strings.Builder
	var args []any
	t := time.UnixMilli(h0 * msPerHour).In(s.opt.Location)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, s.opt.Location)
	for start := h0; start < h1; {
		day = day.AddDate(0, 0, 1)
		end := min(ceilDiv(day.UnixMilli(), msPerHour), h1)
		if end > start {
			if len(args) > 0 {
				list.WriteString(", ")
			}
			list.WriteString("(?, ?)")
			args = append(args, start, end)
			start = end
		}
	}
	return list.String(), args
}

func (s *Store) rawBuckets(ctx context.Context, f, t int64, names map[int64]string, fn func(bucket)) error {
	if t <= f {
		return nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT ts / 3600000, backend, key_fp, model_asked, model_served,
		count(*), sum(status < 200 OR status >= 400),
		sum(input), sum(output), sum(cache_read), sum(cache_write), sum(reasoning)
		FROM requests WHERE ts >= ? AND ts < ? GROUP BY 1, 2, 3, 4, 5`, f, t)
	if err != nil {
		return fmt.Errorf("usage: reading records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b bucket
		var served int64
		if err := rows.Scan(&b.hour, &b.backend, &b.key, &b.model, &served, &b.requests, &b.failures,
			&b.tok.Input, &b.tok.Output, &b.tok.CacheRead, &b.tok.CacheWrite, &b.tok.Reasoning); err != nil {
			return err
		}
		if names[served] != "" {
			b.model = served
		}
		fn(b)
	}
	return rows.Err()
}

var csvHeader = []string{"time", "request_id", "protocol", "backend", "host", "key", "model_asked", "model_served",
	"input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens",
	"status", "attempts", "stream", "ttfb_ms", "duration_ms", "estimated_cost_usd"}

// ExportCSV writes the records in [from, to) to w as CSV, oldest first,
// one row at a time (memory stays flat however many there are). Times are
// RFC 3339 UTC; estimated_cost_usd is empty when the model has no price.
// A long export holds a read transaction, which keeps the WAL from being
// checkpointed past it until it ends.
func (s *Store) ExportCSV(ctx context.Context, w io.Writer, from, to time.Time) error {
	names, err := s.loadNames(ctx)
	if err != nil {
		return err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT ts, request_id, protocol, backend, host, key_fp, model_asked, model_served,
		input, output, cache_read, cache_write, reasoning, status, attempts, stream, ttfb_ms, duration_ms
		FROM requests WHERE ts >= ? AND ts < ? ORDER BY ts`, from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return fmt.Errorf("usage: export: %w", err)
	}
	defer rows.Close()
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	e := exporter{names: names, prices: s.priceTable(), cost: map[int64]*Price{}}
	for rows.Next() {
		rec, err := e.row(rows)
		if err != nil {
			return err
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

type exporter struct {
	names  map[int64]string
	prices PriceTable
	cost   map[int64]*Price // by model id; nil when unpriced
	out    []string
}

func (e *exporter) row(rows *sql.Rows) ([]string, error) {
	var ts int64
	var reqID string
	var ids [6]int64
	var n [10]int64
	var stream bool
	if err := rows.Scan(&ts, &reqID, &ids[0], &ids[1], &ids[2], &ids[3], &ids[4], &ids[5],
		&n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &n[6], &stream, &n[8], &n[9]); err != nil {
		return nil, err
	}
	e.out = append(e.out[:0], time.UnixMilli(ts).UTC().Format("2006-01-02T15:04:05.000Z07:00"), cell(reqID))
	for _, id := range ids {
		e.out = append(e.out, cell(e.names[id]))
	}
	for _, v := range n[:7] {
		e.out = append(e.out, strconv.FormatInt(v, 10))
	}
	e.out = append(e.out, strconv.FormatBool(stream), strconv.FormatInt(n[8], 10), strconv.FormatInt(n[9], 10))
	model := ids[5]
	if e.names[model] == "" {
		model = ids[4]
	}
	cost := ""
	if p := e.price(model); p != nil {
		cost = strconv.FormatFloat(p.Cost(Tokens{n[0], n[1], n[2], n[3], n[4]}), 'f', 6, 64)
	}
	return append(e.out, cost), nil
}

func (e *exporter) price(model int64) *Price {
	p, seen := e.cost[model]
	if !seen {
		if found, ok := e.prices.Lookup(e.names[model]); ok {
			p = &found
		}
		e.cost[model] = p
	}
	return p
}

// cell keeps a spreadsheet from reading a text field as a formula.
func cell(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}

// Totals totals the records in [from, to), every group together.
func (s *Store) Totals(ctx context.Context, from, to time.Time) (Totals, error) {
	return s.summarize(ctx, from, to)
}
