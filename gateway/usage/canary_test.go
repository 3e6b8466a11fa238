package usage

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCanaryNoKeyInDatabase feeds records whose fields would carry a key
// if the caller misused them, and checks that no byte of the key reaches
// the database, its WAL or an export; only "…" + the last 4 does.
func TestCanaryNoKeyInDatabase(t *testing.T) {
	const canary = "sk-CANARY-7f3a9c1e5b2d4086aa"
	const secretPart = "CANARY-7f3a9c1e5b2d40" // the key minus its last 4
	opt := testOptions()
	opt.FlushInterval = time.Hour // keep the WAL un-checkpointed until Flush
	s, path := openTest(t, opt)
	for i := range 100 {
		r := rec(epoch.Add(-time.Duration(i)*time.Minute), "anyrouter", canary, "claude-sonnet-4-5", 10, 10, 0, 0, 200)
		r.Host = "https://user:" + canary + "@anyrouter.top/v1?key=" + canary
		s.Add(r)
	}
	flush(t, s)
	assertNoCanary(t, path, secretPart, "…"+canary[len(canary)-4:])

	var export bytes.Buffer
	if err := s.ExportCSV(ctx, &export, epoch.Add(-24*time.Hour), epoch); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(export.Bytes(), []byte(secretPart)) {
		t.Error("the CSV export contains key material")
	}
	s.Close()
	assertNoCanary(t, path, secretPart, "…"+canary[len(canary)-4:])
}

func assertNoCanary(t *testing.T, path, secret, fingerprint string) {
	t.Helper()
	files, _ := filepath.Glob(path + "*")
	var all []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s contains key material", filepath.Base(f))
		}
		all = append(all, b...)
	}
	if !bytes.Contains(all, []byte(fingerprint)) {
		t.Errorf("fingerprint %q not found in %v: is the test looking at the right files?", fingerprint, files)
	}
}
