package gateway_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"switchyard/gateway"
	"switchyard/gateway/clock/clocktest"
	"switchyard/gateway/config"
)

func withModelRefresh(d time.Duration) gwOpt {
	return func(o *gateway.Options, _ *config.Config) { o.ModelRefresh = d }
}

// listUpstream answers its format's model list with names, or 503 while
// down; it checks the format's auth.
func listUpstream(t *testing.T, format config.Format, key string, down *atomic.Bool, names ...string) *upstream {
	return newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.WriteHeader(404)
			return
		}
		var auth string
		switch format {
		case config.FormatAnthropic:
			auth = r.Header.Get("x-api-key")
			if r.URL.Path != "/v1/models" || r.Header.Get("anthropic-version") == "" {
				t.Errorf("anthropic list at %s (version %q)", r.URL.Path, r.Header.Get("anthropic-version"))
			}
		case config.FormatGemini:
			auth = r.Header.Get("x-goog-api-key")
		default:
			auth = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		}
		if auth != key {
			t.Errorf("%s list request with key %q", format, auth)
		}
		if down.Load() {
			w.WriteHeader(503)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		var items []string
		for _, n := range names {
			if format == config.FormatGemini {
				items = append(items, fmt.Sprintf(`{"name":"models/%s","supportedGenerationMethods":["generateContent"]}`, n))
			} else {
				items = append(items, fmt.Sprintf(`{"id":%q,"object":"model"}`, n))
			}
		}
		if format == config.FormatGemini {
			items = append(items, `{"name":"models/text-embedding-004","supportedGenerationMethods":["embedContent"]}`)
			fmt.Fprintf(w, `{"models":[%s]}`, strings.Join(items, ","))
			return
		}
		fmt.Fprintf(w, `{"object":"list","data":[%s]}`, strings.Join(items, ","))
	})
}

func listIDs(t *testing.T, g *gw, path string, hdr ...string) []string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, g.URL+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var l struct {
		Data   []struct{ ID string }
		Models []struct{ Name string }
	}
	json.NewDecoder(resp.Body).Decode(&l)
	var ids []string
	for _, d := range l.Data {
		ids = append(ids, d.ID)
	}
	for _, m := range l.Models {
		ids = append(ids, strings.TrimPrefix(m.Name, "models/"))
	}
	slices.Sort(ids)
	return ids
}

// Each enabled backend's own list (every format, its own auth) joins the
// configured names in /v1/models, Anthropic's and Gemini's list shapes; a
// failed refresh keeps the last list; a restart lists them before the
// first fetch; the fetch runs again on the clock.
func TestLiveModelLists(t *testing.T) {
	var down atomic.Bool
	o := listUpstream(t, config.FormatOpenAI, "ko", &down, "gpt-live")
	a := listUpstream(t, config.FormatAnthropic, "ka", &down, "claude-live")
	gm := listUpstream(t, config.FormatGemini, "kg", &down, "gemini-live")
	r := listUpstream(t, config.FormatResponses, "kr", &down, "codex-live")
	off := listUpstream(t, config.FormatOpenAI, "kx", &down, "never-listed")
	bo := backend("o", 1, config.FormatOpenAI, o.URL)
	bo.ModelList = []string{"gpt-configured"}
	bx := backend("x", 5, config.FormatOpenAI, off.URL)
	bx.Enabled = false
	backends := []config.Backend{bo, backend("a", 2, config.FormatAnthropic, a.URL), backend("g", 3, config.FormatGemini, gm.URL),
		backend("r", 4, config.FormatResponses, r.URL), bx}
	env := withEnv("O_API_KEYS", "ko", "A_API_KEYS", "ka", "G_API_KEYS", "kg", "R_API_KEYS", "kr", "X_API_KEYS", "kx")
	state := t.TempDir()
	clk := clocktest.New(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	g := startGateway(t, backends, env, withStateDir(state), withClock(clk), withModelRefresh(30*time.Minute))
	// The first fetch runs at start; wait for its timer to the next one.
	if !clk.WaitFor(30*time.Minute, 5*time.Second) {
		t.Fatal("no refresh scheduled on the clock")
	}
	want := []string{"claude-live", "codex-live", "gemini-live", "gpt-configured", "gpt-live"}
	if got := listIDs(t, g, "/v1/models"); !slices.Equal(got, want) {
		t.Fatalf("/v1/models %v, want %v", got, want)
	}
	if got := listIDs(t, g, "/v1/models", "anthropic-version", "2023-06-01"); !slices.Equal(got, want) {
		t.Fatalf("anthropic shape %v", got)
	}
	if got := listIDs(t, g, "/v1beta/models"); !slices.Equal(got, want) {
		t.Fatalf("gemini shape %v", got)
	}
	if off.count.Load() != 0 {
		t.Fatal("a disabled backend's list was fetched")
	}
	// Down: the refresh fails, the lists stay, the failure is shown.
	down.Store(true)
	resp, body := g.post(t, "/api/models/refresh", `{}`, "Authorization", "Bearer none")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("an unauthenticated refresh: %d %s", resp.StatusCode, body)
	}
	before := o.count.Load()
	clk.Advance(30 * time.Minute) // fires the refresh; the next is armed when it is done
	if !clk.WaitFor(30*time.Minute, 5*time.Second) || o.count.Load() == before {
		t.Fatal("the periodic refresh did not run")
	}
	if got := listIDs(t, g, "/v1/models"); !slices.Equal(got, want) {
		t.Fatalf("after a failed refresh %v, want the last lists %v", got, want)
	}
	r2, _ := http.Get(g.URL + "/api/models")
	var lists map[string]struct{ Error string }
	json.NewDecoder(r2.Body).Decode(&lists)
	r2.Body.Close()
	if !strings.Contains(lists["o"].Error, "503") {
		t.Fatalf("the failure is not recorded: %+v", lists)
	}
	g.stop()
	// A restart lists them from models.json before any fetch.
	g2 := startGateway(t, backends, env, withStateDir(state))
	if got := listIDs(t, g2, "/v1/models"); !slices.Equal(got, want) {
		t.Fatalf("after a restart %v, want %v", got, want)
	}
}
