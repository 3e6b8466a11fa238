package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// recorded is one request a fake server saw.
type recorded struct {
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Query  string          `json:"query,omitempty"`
	Header http.Header     `json:"header"`
	Body   json.RawMessage `json:"body,omitempty"`
	Raw    string          `json:"raw,omitempty"` // a body that is not JSON
	// Stream is what the fake answered, for the fixtures.
	Stream string `json:"-"`
}

// recorder keeps every request a fake server saw, in order.
type recorder struct {
	mu   sync.Mutex
	reqs []*recorded
}

func (rc *recorder) add(r *http.Request) (*recorded, []byte) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	rec := &recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone()}
	if json.Valid(body) {
		rec.Body = body
	} else if len(body) > 0 {
		rec.Raw = string(body)
	}
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, rec)
	rc.mu.Unlock()
	return rec, body
}

func (rc *recorder) all() []*recorded {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]*recorded(nil), rc.reqs...)
}

func (rc *recorder) setStream(rec *recorded, s string) {
	rc.mu.Lock()
	rec.Stream = s
	rc.mu.Unlock()
}

// summary lists the requests for a failure message.
func (rc *recorder) summary() string {
	var b strings.Builder
	for i, r := range rc.all() {
		fmt.Fprintf(&b, "  %d: %s %s", i+1, r.Method, r.Path)
		if r.Query != "" {
			fmt.Fprintf(&b, "?%s", r.Query)
		}
		fmt.Fprintf(&b, " (%d bytes)\n", len(r.Body)+len(r.Raw))
	}
	return b.String()
}

// serve runs h on a fresh loopback port until the test ends.
func serve(t testing.TB, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// sseWriter writes Server-Sent Events and keeps a copy for the fixtures.
type sseWriter struct {
	w    http.ResponseWriter
	copy bytes.Buffer
}

func newSSE(w http.ResponseWriter) *sseWriter {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	return &sseWriter{w: w}
}

// event writes one event; name "" writes a data-only event.
func (s *sseWriter) event(name string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var frame string
	if name != "" {
		frame = "event: " + name + "\n"
	}
	frame += "data: " + string(b) + "\n\n"
	s.raw(frame)
}

func (s *sseWriter) raw(frame string) {
	s.copy.WriteString(frame)
	io.WriteString(s.w, frame)
	if f, ok := s.w.(http.Flusher); ok {
		f.Flush()
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) string {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
	return string(b)
}

// secretHeaders are redacted in fixtures.
var secretHeaders = map[string]bool{"Authorization": true, "X-Api-Key": true, "X-Goog-Api-Key": true}

// saveFixtures writes the requests (headers redacted, every secret replaced)
// and the answers the fake gave, as testdata/<dir>/NN-<name>.json and
// NN-<name>.response. Only with -update.
func saveFixtures(t testing.TB, dir string, reqs []*recorded, secrets ...string) {
	t.Helper()
	if !*update {
		return
	}
	out := filepath.Join("testdata", dir)
	if err := os.RemoveAll(out); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	redact := func(s string) string {
		for _, k := range secrets {
			if k != "" {
				s = strings.ReplaceAll(s, k, "REDACTED")
			}
		}
		return s
	}
	for i, r := range reqs {
		c := *r
		c.Header = http.Header{}
		keys := make([]string, 0, len(r.Header))
		for k := range r.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range r.Header[k] {
				if secretHeaders[k] {
					if strings.HasPrefix(v, "Bearer ") {
						v = "Bearer REDACTED"
					} else {
						v = "REDACTED"
					}
				}
				c.Header.Add(k, v)
			}
		}
		var pretty bytes.Buffer
		if len(c.Body) > 0 && json.Indent(&pretty, c.Body, "", "  ") == nil {
			c.Body = pretty.Bytes()
		}
		b, err := json.MarshalIndent(&c, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		name := strings.NewReplacer("/", "_", ":", "_").Replace(strings.TrimPrefix(r.Path, "/"))
		base := filepath.Join(out, fmt.Sprintf("%02d-%s-%s", i+1, r.Method, name))
		if err := os.WriteFile(base+".json", []byte(redact(string(b))+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if r.Stream != "" {
			if err := os.WriteFile(base+".response", []byte(redact(r.Stream)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("wrote %d fixtures to %s", len(reqs), out)
}
