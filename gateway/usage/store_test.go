package usage

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	ctx   = context.Background()
	epoch = time.Date(2026, 12, 4, 15, 30, 0, 0, time.UTC)
	quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
)

// testOptions is a fixed clock in UTC, quiet logs and a fast flush.
func testOptions() Options {
	return Options{
		Now:           func() time.Time { return epoch },
		Location:      time.UTC,
		Logger:        quiet,
		FlushInterval: 10 * time.Millisecond,
	}
}

func openTest(t testing.TB, opt Options) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "usage.db")
	s, err := Open(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	if s.Warning() != nil {
		t.Fatalf("fresh database warned: %v", s.Warning())
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func flush(t testing.TB, s *Store) {
	t.Helper()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func rec(at time.Time, backend, key, model string, in, out, cr, cw int64, status int) Record {
	return Record{
		Time: at, RequestID: "req_1", Protocol: "anthropic", Backend: backend, Host: "api.example.com",
		KeyFingerprint: key, ModelAsked: model, ModelServed: model,
		InputTokens: in, OutputTokens: out, CacheReadTokens: cr, CacheWriteTokens: cw,
		Status: status, Attempts: 1, Stream: true, TTFB: 300 * time.Millisecond, Duration: 2 * time.Second,
	}
}

func byGroup(rows []Row) map[string]Row {
	m := map[string]Row{}
	for _, r := range rows {
		m[r.Group] = r
	}
	return m
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9*max(1, math.Abs(b)) }

func TestSummaryGroupsAndCost(t *testing.T) {
	s, _ := openTest(t, testOptions())
	at := epoch.Add(-2 * time.Hour)
	s.Add(rec(at, "anyrouter", "…aaaa", "claude-sonnet-4-5-20250929", 1000, 500, 3000, 1000, 200))
	s.Add(rec(at, "anyrouter", "…bbbb", "claude-sonnet-4-5-20250929", 1000, 500, 0, 0, 502))
	s.Add(rec(at.Add(-24*time.Hour), "copilot", "", "gpt-4o", 2000, 100, 0, 0, 200))
	s.Add(rec(at, "kiro", "…cccc", "mystery-model", 10, 10, 0, 0, 0))
	flush(t, s)
	from, to := epoch.Add(-30*24*time.Hour), epoch

	rows, err := s.Summary(ctx, from, to, GroupBackend)
	if err != nil {
		t.Fatal(err)
	}
	g := byGroup(rows)
	ar := g["anyrouter"]
	if ar.Requests != 2 || ar.Failures != 1 || ar.Tokens.Input != 2000 || ar.Tokens.CacheRead != 3000 {
		t.Errorf("anyrouter = %+v", ar)
	}
	// sonnet: (2000*3 + 1000*15 + 3000*0.3 + 1000*3.75) / 1e6
	if want := (2000*3 + 1000*15 + 3000*0.3 + 1000*3.75) / 1e6; !near(ar.CostUSD, want) {
		t.Errorf("anyrouter cost = %v, want %v", ar.CostUSD, want)
	}
	if want := 3000.0 / (2000 + 3000 + 1000); !near(ar.CacheHitRatio, want) {
		t.Errorf("cache hit ratio = %v, want %v", ar.CacheHitRatio, want)
	}
	if k := g["kiro"]; k.UnpricedRequests != 1 || k.CostUSD != 0 || k.Failures != 1 {
		t.Errorf("kiro (unknown model, status 0) = %+v", k)
	}
	if rows[0].Group != "anyrouter" {
		t.Errorf("rows not sorted by tokens: %v", rows)
	}

	rows, _ = s.Summary(ctx, from, to, GroupKey)
	g = byGroup(rows)
	if g["anyrouter …aaaa"].Requests != 1 || g["copilot (no key)"].Requests != 1 {
		t.Errorf("by key = %+v", rows)
	}
	rows, _ = s.Summary(ctx, from, to, GroupModel)
	if g = byGroup(rows); g["gpt-4o"].Requests != 1 || g["claude-sonnet-4-5-20250929"].Requests != 2 {
		t.Errorf("by model = %+v", rows)
	}
	rows, _ = s.Summary(ctx, from, to, GroupDay)
	if len(rows) != 2 || rows[0].Group != "2026-12-03" || rows[1].Group != "2026-12-04" || rows[1].Requests != 3 {
		t.Errorf("by day = %+v", rows)
	}
	if _, err := s.Summary(ctx, from, to, "week"); err == nil {
		t.Error("unknown group accepted")
	}
}

func TestModelServedFallsBackToAsked(t *testing.T) {
	s, _ := openTest(t, testOptions())
	r := rec(epoch.Add(-time.Hour), "a", "", "gpt-5", 10, 10, 0, 0, 200)
	r.ModelServed = ""
	s.Add(r)
	r.Time = epoch.Add(-time.Minute) // a partial hour, read from raw records
	s.Add(r)
	flush(t, s)
	rows, err := s.Summary(ctx, epoch.Add(-3*time.Hour), epoch, GroupModel)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Group != "gpt-5" || rows[0].Requests != 2 || rows[0].UnpricedRequests != 0 {
		t.Errorf("rows = %+v", rows)
	}
}

// TestSummaryMatchesRecords checks the hourly/raw split against sums
// computed from the records themselves, for ranges that start and end
// anywhere.
func TestSummaryMatchesRecords(t *testing.T) {
	s, _ := openTest(t, testOptions())
	var recs []Record
	backends := []string{"a", "b", "c"}
	for i := range 2000 {
		at := epoch.Add(-time.Duration(i*97) * time.Second)
		r := rec(at, backends[i%3], "…k"+string(rune('0'+i%5)), []string{"gpt-5", "claude-opus-4-1", "x"}[i%3*i%2],
			int64(i%100), int64(i%7), int64(i%13), int64(i%3), 200+i%2*300)
		recs = append(recs, r)
		s.Add(r)
	}
	flush(t, s)
	ranges := [][2]time.Time{
		{epoch.Add(-100 * time.Hour), epoch.Add(time.Hour)},
		{epoch.Add(-50*time.Hour - 17*time.Minute), epoch.Add(-3*time.Hour - 59*time.Second)},
		{epoch.Add(-5*time.Hour - 30*time.Minute), epoch.Add(-5*time.Hour - 10*time.Minute)}, // inside one hour
		{epoch.Add(-7 * time.Hour).Truncate(time.Hour), epoch.Add(-2 * time.Hour).Truncate(time.Hour)},
	}
	for _, rg := range ranges {
		rows, err := s.Summary(ctx, rg[0], rg[1], GroupBackend)
		if err != nil {
			t.Fatal(err)
		}
		got := byGroup(rows)
		for _, b := range backends {
			var want Totals
			for _, r := range recs {
				if r.Backend == b && !r.Time.Before(rg[0]) && r.Time.Before(rg[1]) {
					want.Requests++
					want.Tokens.add(Tokens{r.InputTokens, r.OutputTokens, r.CacheReadTokens, r.CacheWriteTokens, 0})
					if r.Failed() {
						want.Failures++
					}
				}
			}
			g := got[b]
			if g.Requests != want.Requests || g.Failures != want.Failures || g.Tokens != want.Tokens {
				t.Errorf("range %v: %s = %+v, want %+v", rg, b, g.Totals, want)
			}
		}
	}
}

func TestToday(t *testing.T) {
	opt := testOptions()
	loc := time.FixedZone("UTC+10", 10*3600)
	opt.Location = loc
	s, _ := openTest(t, opt)
	// epoch is 01:30 on Dec 5 in UTC+10: today began at 14:00 UTC on Dec 4.
	s.Add(rec(epoch.Add(-time.Hour), "a", "", "gpt-5", 100, 10, 0, 0, 200))
	s.Add(rec(epoch.Add(-2*time.Hour), "a", "", "gpt-5", 100, 10, 0, 0, 200))
	s.Add(rec(epoch, "a", "", "gpt-5", 100, 10, 0, 0, 200)) // now
	flush(t, s)
	tot, err := s.Today(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tot.Requests != 2 || tot.Tokens.Input != 200 || tot.CostUSD <= 0 {
		t.Errorf("today = %+v", tot)
	}
}

func TestRetention(t *testing.T) {
	opt := testOptions()
	opt.RetentionDays = 30
	s, path := openTest(t, opt)
	s.Add(rec(epoch.Add(-40*24*time.Hour), "a", "", "gpt-5", 1, 1, 0, 0, 200))
	s.Add(rec(epoch.Add(-20*24*time.Hour), "a", "", "gpt-5", 1, 1, 0, 0, 200))
	flush(t, s)
	s.Close()
	s, err := Open(path, opt) // retention runs at open
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := count(t, s, "requests"); n != 1 {
		t.Errorf("after open: %d records, want 1", n)
	}
	rows, _ := s.Summary(ctx, epoch.Add(-100*24*time.Hour), epoch, GroupBackend)
	if len(rows) != 1 || rows[0].Requests != 1 {
		t.Errorf("hourly totals not pruned: %+v", rows)
	}
	s.opt.Now = func() time.Time { return epoch.Add(11 * 24 * time.Hour) } // the daily run, later
	if err := s.prune(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "requests"); n != 0 {
		t.Errorf("after daily prune: %d records, want 0", n)
	}
}

func count(t testing.TB, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAddNeverBlocksAndCountsDrops(t *testing.T) {
	opt := testOptions()
	opt.QueueSize = 4
	opt.BatchSize = 1
	s, path := openTest(t, opt)
	// Another connection holds the write lock, so the writer blocks in
	// its first transaction while Add keeps being called.
	other := rawDB(t, path)
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("INSERT INTO names (name) VALUES ('lock')"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for range 1000 {
		s.Add(rec(epoch, "a", "", "m", 1, 1, 0, 0, 200))
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("1000 Adds against a locked database took %v", d)
	}
	st := s.Stats()
	if st.Dropped < 1000-6 || st.Added+st.Dropped != 1000 {
		t.Errorf("stats while locked = %+v", st)
	}
	tx.Rollback()
	s.Close()
	st = s.Stats()
	if st.Written != st.Added || st.Queued != 0 {
		t.Errorf("stats after close = %+v", st)
	}
	s.Add(rec(epoch, "a", "", "m", 1, 1, 0, 0, 200))
	if s.Stats().Dropped != st.Dropped+1 {
		t.Error("Add after Close was not counted as dropped")
	}
}

func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestBatchBySize(t *testing.T) {
	opt := testOptions()
	opt.FlushInterval = time.Hour // only the size can trigger a write
	opt.BatchSize = 10
	s, _ := openTest(t, opt)
	for range 25 {
		s.Add(rec(epoch, "a", "", "m", 1, 1, 0, 0, 200))
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().Written < 20 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if st := s.Stats(); st.Written != 20 {
		t.Errorf("written = %d, want 20 (two full batches, the rest waiting)", st.Written)
	}
	s.Close()
	if st := s.Stats(); st.Written != 25 {
		t.Errorf("after Close written = %d, want 25", st.Written)
	}
}

func TestExportCSV(t *testing.T) {
	s, _ := openTest(t, testOptions())
	s.Add(rec(epoch.Add(-time.Hour), "a", "…abcd", "gpt-5", 1000000, 0, 0, 0, 200))
	r := rec(epoch.Add(-time.Minute), "b", "", "=HYPERLINK(\"x\")", 5, 5, 0, 0, 500)
	r.ModelServed = ""
	s.Add(r)
	s.Add(rec(epoch.Add(-48*time.Hour), "c", "", "gpt-5", 1, 1, 0, 0, 200)) // outside
	flush(t, s)
	var b strings.Builder
	if err := s.ExportCSV(ctx, &b, epoch.Add(-24*time.Hour), epoch); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("export:\n%s", b.String())
	}
	if !strings.HasPrefix(lines[0], "time,request_id,protocol,backend,host,key,") {
		t.Errorf("header = %s", lines[0])
	}
	want1 := "2026-12-04T14:30:00.000Z,req_1,anthropic,a,api.example.com,…abcd,gpt-5,gpt-5,1000000,0,0,0,0,200,1,true,300,2000,1.250000"
	if lines[1] != want1 {
		t.Errorf("row 1 =\n%s\nwant\n%s", lines[1], want1)
	}
	if !strings.Contains(lines[2], `"'=HYPERLINK(""x"")"`) || !strings.HasSuffix(lines[2], ",") {
		t.Errorf("row 2 (formula escaped, cost unknown) = %s", lines[2])
	}
}

func TestRecordSanitize(t *testing.T) {
	r := Record{
		KeyFingerprint: "sk-live-0123456789abcdef", Host: "https://user:pw@relay.example:8443/v1?key=x",
		ModelAsked: strings.Repeat("é", 300), InputTokens: -5,
	}.sanitize()
	if r.KeyFingerprint != "…cdef" || r.Host != "relay.example:8443" || len(r.ModelAsked) > maxField || r.InputTokens != 0 {
		t.Errorf("sanitized = %+v", r)
	}
	for in, want := range map[string]string{"…D5xY": "…D5xY", "short": "…", "": "", "…toolongtail": "…tail"} {
		if got := mask(in); got != want {
			t.Errorf("mask(%q) = %q, want %q", in, got, want)
		}
	}
	if hostOnly("api.example.com") != "api.example.com" {
		t.Error("bare host changed")
	}
}

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}
