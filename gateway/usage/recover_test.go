package usage

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestMigrateFromEmptyAndReopen(t *testing.T) {
	s, path := openTest(t, testOptions())
	var v int
	if err := s.db.QueryRow("SELECT version FROM schema_version").Scan(&v); err != nil || v != len(migrations) {
		t.Fatalf("schema version = %d, %v; want %d", v, err, len(migrations))
	}
	var mode string
	s.db.QueryRow("PRAGMA journal_mode").Scan(&mode)
	if mode != "wal" {
		t.Errorf("journal_mode = %s", mode)
	}
	s.Add(rec(epoch, "a", "", "m", 1, 1, 0, 0, 200))
	s.Close()
	s2, err := Open(path, testOptions())
	if err != nil || s2.Warning() != nil {
		t.Fatalf("reopen: %v, warning %v", err, s2.Warning())
	}
	defer s2.Close()
	if n := count(t, s2, "requests"); n != 1 {
		t.Errorf("records after reopen = %d", n)
	}
}

// TestMigrateFromV1 builds a version 1 database by hand (raw records, no
// hourly totals) and checks that Open fills the hourly totals from it.
func TestMigrateFromV1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "usage.db")
	db := rawDB(t, path)
	if err := migrate(ctx, db, 1); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO names (id, name) VALUES (1, ''), (2, 'anyrouter'), (3, '…abcd'), (4, 'gpt-5'), (5, 'gpt-5-2025'), (6, 'openai')`,
		// served named, served empty (falls back to asked), and a failure
		fmt.Sprintf(`INSERT INTO requests VALUES
			(NULL, %[1]d, 'r1', 6, 2, 1, 3, 4, 5, 100, 10, 50, 0, 2, 200, 1, 1, 100, 900),
			(NULL, %[1]d, 'r2', 6, 2, 1, 3, 4, 1, 100, 10, 0, 0, 0, 200, 1, 0, 100, 900),
			(NULL, %[1]d, 'r3', 6, 2, 1, 3, 4, 1, 0, 0, 0, 0, 0, 429, 3, 0, 100, 900)`,
			epoch.Add(-3*time.Hour).UnixMilli()),
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s, err := Open(path, testOptions())
	if err != nil || s.Warning() != nil {
		t.Fatalf("open v1: %v, warning %v", err, s.Warning())
	}
	defer s.Close()
	if n := count(t, s, "hourly"); n != 2 {
		t.Errorf("hourly rows = %d, want 2 (gpt-5-2025 and gpt-5)", n)
	}
	rows, err := s.Summary(ctx, epoch.Add(-24*time.Hour), epoch, GroupModel)
	if err != nil {
		t.Fatal(err)
	}
	g := byGroup(rows)
	if g["gpt-5"].Requests != 2 || g["gpt-5"].Failures != 1 || g["gpt-5-2025"].Tokens.CacheRead != 50 {
		t.Errorf("summary after migration = %+v", rows)
	}
}

func TestNewerSchemaMovedAside(t *testing.T) {
	s, path := openTest(t, testOptions())
	s.db.Exec("UPDATE schema_version SET version = 99")
	s.Close()
	assertRecovered(t, path, testOptions())
}

func TestNotADatabaseMovedAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "usage.db")
	junk := bytes.Repeat([]byte("this is not sqlite "), 1000)
	os.WriteFile(path, junk, 0o600)
	aside := assertRecovered(t, path, testOptions())
	if b, _ := os.ReadFile(aside); !bytes.Equal(b, junk) {
		t.Error("the moved-aside file is not the original")
	}
}

func TestCorruptPagesMovedAside(t *testing.T) {
	s, path := openTest(t, testOptions())
	for i := range 3000 {
		s.Add(rec(epoch.Add(-time.Duration(i)*time.Minute), "backend", "…abcd", "gpt-5", 1, 2, 3, 4, 200))
	}
	s.Close()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()
	// Scribble over the middle of the file: b-tree pages of the records.
	f.WriteAt(bytes.Repeat([]byte{0xA5}, 3*4096), st.Size()/2/4096*4096)
	f.Close()
	assertRecovered(t, path, testOptions())
}

func TestLockedBeyondTimeoutMovedAside(t *testing.T) {
	s, path := openTest(t, testOptions())
	s.Close()
	holder := rawDB(t, path)
	tx, err := holder.Begin() // BEGIN IMMEDIATE: the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec("INSERT INTO names (name) VALUES ('held')"); err != nil {
		t.Fatal(err)
	}
	opt := testOptions()
	opt.BusyTimeout = 200 * time.Millisecond
	assertRecovered(t, path, opt)
}

// assertRecovered opens path, expects a warning and a moved-aside file,
// and checks the fresh store works. It returns the moved-aside path.
func assertRecovered(t *testing.T, path string, opt Options) string {
	t.Helper()
	s, err := Open(path, opt)
	if err != nil {
		t.Fatalf("Open failed instead of recovering: %v", err)
	}
	defer s.Close()
	if s.Warning() == nil {
		t.Fatal("no warning")
	}
	matches, _ := filepath.Glob(path + ".corrupt-*")
	var aside string
	for _, m := range matches {
		if !strings.HasSuffix(m, "-wal") && !strings.HasSuffix(m, "-shm") {
			aside = m
		}
	}
	if aside == "" || !strings.Contains(s.Warning().Error(), aside) {
		t.Fatalf("moved-aside file %v not named in warning %v", matches, s.Warning())
	}
	s.Add(rec(epoch, "a", "", "gpt-5", 1, 1, 0, 0, 200))
	flush(t, s)
	if n := count(t, s, "requests"); n != 1 {
		t.Errorf("fresh database has %d records, want 1", n)
	}
	t.Logf("warning: %v", s.Warning())
	return aside
}

func TestOpenFailsOnlyWhenNothingCanBeCreated(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, nil, 0o600)
	if _, err := Open(filepath.Join(blocker, "usage.db"), testOptions()); err == nil {
		t.Fatal("Open under a regular file succeeded")
	}
}

const childEnv = "SWITCHYARD_USAGE_KILL_CHILD"

// runChild is the process TestKilledProcessLosesAtMostTheQueue kills: it
// adds records as fast as it can and, after each Flush, prints how many
// are committed.
func runChild() int {
	opt := Options{BatchSize: 64, FlushInterval: 5 * time.Millisecond, Logger: quiet}
	s, err := Open(os.Getenv(childEnv), opt)
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	go func() {
		for {
			s.Add(rec(time.Now(), "bg", "…abcd", "gpt-5", 1, 1, 0, 0, 200))
			time.Sleep(20 * time.Microsecond)
		}
	}()
	for i := 0; ; i++ {
		s.Add(rec(time.Now(), "fg", "…abcd", "gpt-5", 1, 1, 0, 0, 200))
		if i%50 == 0 {
			s.Flush(ctx)
			fmt.Println("written", s.Stats().Written)
		}
	}
}

func TestKilledProcessLosesAtMostTheQueue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "usage.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var committed uint64
	sc := bufio.NewScanner(out)
	for committed < 3000 && sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == "written" {
			committed, _ = strconv.ParseUint(f[1], 10, 64)
		} else {
			t.Logf("child: %s", sc.Text())
		}
	}
	cmd.Process.Kill() // SIGKILL, mid-batch
	cmd.Wait()
	if committed < 3000 {
		t.Fatalf("child stopped after %d committed records", committed)
	}
	s, err := Open(path, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Warning() != nil {
		t.Fatalf("database did not reopen cleanly: %v", s.Warning())
	}
	n := count(t, s, "requests")
	if uint64(n) < committed {
		t.Errorf("%d records after the kill, fewer than the %d reported committed", n, committed)
	}
	var hourly int
	s.db.QueryRow("SELECT sum(requests) FROM hourly").Scan(&hourly)
	if hourly != n {
		t.Errorf("hourly totals count %d records, raw table %d", hourly, n)
	}
	t.Logf("committed before kill >= %d, in database after: %d", committed, n)
}
