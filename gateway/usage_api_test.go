package gateway_test

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchyard/gateway"
	"switchyard/gateway/config"
	"switchyard/gateway/usage"
)

// withUsage turns accounting on with the database in dir.
func withUsage(dir string, uo usage.Options) gwOpt {
	return func(o *gateway.Options, _ *config.Config) {
		o.UsageDB = filepath.Join(dir, "usage.db")
		if uo.Location == nil {
			uo.Location = time.UTC
		}
		o.UsageOptions = uo
	}
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v: %s", url, err, body)
		}
	}
	return resp.StatusCode
}

func flushUsage(t *testing.T, g *gw) {
	t.Helper()
	if err := g.UsageStore().Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestUsageAPI(t *testing.T) {
	up := newUpstream(t, chatOK("x"))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL)}, withUsage(t.TempDir(), usage.Options{}))
	st := g.UsageStore()
	if st == nil {
		t.Fatal("accounting is off")
	}
	now := time.Now().UTC()
	today := now.Format("2006-01-02")
	yesterday := now.AddDate(0, 0, -1).Format("2006-01-02")
	st.Add(usage.Record{Time: now, Protocol: "openai", Backend: "a", KeyFingerprint: "…abcd", ModelAsked: "claude-sonnet-4-5", ModelServed: "claude-sonnet-4-5",
		InputTokens: 100, OutputTokens: 50, CacheReadTokens: 300, CacheWriteTokens: 100, ReasoningTokens: 10, Status: 200, Attempts: 1})
	st.Add(usage.Record{Time: now.AddDate(0, 0, -1), Protocol: "anthropic", Backend: "b", ModelAsked: "mystery", Status: 503, Attempts: 2})
	flushUsage(t, g)

	var rep struct {
		Enabled  bool
		From, To string
		Group    string
		Rows     []map[string]any
		Totals   usage.Totals
		Dropped  *uint64
		Warning  *string
	}
	if code := getJSON(t, g.URL+"/api/usage", &rep); code != 200 {
		t.Fatalf("status %d", code)
	}
	if !rep.Enabled || rep.To != today || rep.Group != "day" || rep.Dropped == nil || rep.Warning == nil {
		t.Fatalf("report %+v", rep)
	}
	if from, _ := time.Parse("2006-01-02", rep.From); now.Sub(from) < 29*24*time.Hour || now.Sub(from) > 30*24*time.Hour {
		t.Errorf("default from = %s, want 29 days before %s", rep.From, today)
	}
	want := usage.Totals{Requests: 2, Failures: 1, Tokens: usage.Tokens{Input: 100, Output: 50, CacheRead: 300, CacheWrite: 100, Reasoning: 10},
		CacheHitRatio: 0.6, CostUSD: (100*3 + 50*15 + 300*0.30 + 100*3.75) / 1e6, UnpricedRequests: 1}
	if d := rep.Totals.CostUSD - want.CostUSD; d > 1e-12 || d < -1e-12 {
		t.Errorf("cost %v, want %v", rep.Totals.CostUSD, want.CostUSD)
	}
	rep.Totals.CostUSD = want.CostUSD
	if rep.Totals != want {
		t.Errorf("totals %+v\nwant %+v", rep.Totals, want)
	}
	if len(rep.Rows) != 2 || rep.Rows[0]["group"] != yesterday || rep.Rows[1]["group"] != today {
		t.Errorf("rows %v", rep.Rows)
	}
	tok, _ := rep.Rows[1]["tokens"].(map[string]any)
	for _, k := range []string{"input", "output", "cache_read", "cache_write", "reasoning"} {
		if _, ok := tok[k]; !ok {
			t.Errorf("row tokens lack %q: %v", k, rep.Rows[1])
		}
	}
	for _, k := range []string{"requests", "failures", "cache_hit_ratio", "cost_usd", "unpriced_requests"} {
		if _, ok := rep.Rows[1][k]; !ok {
			t.Errorf("row lacks %q: %v", k, rep.Rows[1])
		}
	}

	getJSON(t, g.URL+"/api/usage?group=backend&from="+today+"&to="+today, &rep)
	if len(rep.Rows) != 1 || rep.Rows[0]["group"] != "a" || rep.Totals.Requests != 1 || rep.From != today {
		t.Errorf("one day by backend: %+v", rep)
	}
	getJSON(t, g.URL+"/api/usage?group=key&to="+yesterday, &rep)
	if len(rep.Rows) != 1 || rep.Totals.Requests != 1 || rep.Totals.Failures != 1 {
		t.Errorf("up to yesterday by key: %+v", rep)
	}

	for q, param := range map[string]string{
		"group=week": "group", "from=2026-13-01": "from", "to=yesterday": "to", "from=" + today + "&to=" + yesterday: "from",
	} {
		var e struct{ Error struct{ Message string } }
		if code := getJSON(t, g.URL+"/api/usage?"+q, &e); code != 400 || !strings.HasPrefix(e.Error.Message, param+":") {
			t.Errorf("?%s: %d %q, want 400 naming %s", q, code, e.Error.Message, param)
		}
	}

	var td struct {
		Enabled bool
		usage.Totals
	}
	getJSON(t, g.URL+"/api/usage/today", &td)
	if !td.Enabled || td.Requests != 1 || td.Tokens.Output != 50 {
		t.Errorf("today %+v", td)
	}

	resp, err := http.Get(g.URL + "/api/usage.csv?from=" + yesterday + "&to=" + today)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	resp.Body.Close()
	if err != nil || len(rows) != 3 {
		t.Fatalf("csv: %v %v", err, rows)
	}
	if ct, cd := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"); !strings.HasPrefix(ct, "text/csv") ||
		cd != `attachment; filename="switchyard-usage-`+yesterday+"-"+today+`.csv"` {
		t.Errorf("csv headers %q %q", ct, cd)
	}

	var status struct{ Usage gateway.UsageStatus }
	getJSON(t, g.URL+"/api/status", &status)
	if !status.Usage.Enabled || status.Usage.Warning != "" {
		t.Errorf("status usage %+v", status.Usage)
	}

	// The guard covers the usage routes: a foreign Host is refused.
	req, _ := http.NewRequest("GET", g.URL+"/api/usage", nil)
	req.Host = "evil.example:7861"
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 && resp.StatusCode != 421 {
		t.Errorf("foreign Host: %d", resp.StatusCode)
	}
}

func TestUsageAPIOff(t *testing.T) {
	up := newUpstream(t, chatOK("x"))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL)}, withUsage(t.TempDir(), usage.Options{}),
		func(_ *gateway.Options, c *config.Config) { c.Usage.Enabled = false })
	for _, p := range []string{"/api/usage", "/api/usage/today"} {
		var raw map[string]any
		if code := getJSON(t, g.URL+p, &raw); code != 200 || len(raw) != 1 || raw["enabled"] != false {
			t.Errorf("%s with accounting off: %d %v", p, code, raw)
		}
	}
	if code := getJSON(t, g.URL+"/api/usage.csv", nil); code != 404 {
		t.Errorf("csv with accounting off: %d", code)
	}
}

// A corrupt database file at start is moved aside; the gateway serves and
// says so in /api/status and /api/usage.
func TestUsageCorruptDatabase(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "usage.db")
	if err := os.WriteFile(db, []byte(strings.Repeat("not a database ", 500)), 0o600); err != nil {
		t.Fatal(err)
	}
	up := newUpstream(t, chatOK("hello"))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL)}, withUsage(dir, usage.Options{}))
	if _, err := g.openai().Chat.Completions.New(t.Context(), chatParams("m")); err != nil {
		t.Fatal(err)
	}
	var status struct{ Usage gateway.UsageStatus }
	getJSON(t, g.URL+"/api/status", &status)
	if !status.Usage.Enabled || !strings.Contains(status.Usage.Warning, "moved it to") {
		t.Errorf("status usage %+v", status.Usage)
	}
	aside, _ := filepath.Glob(db + ".corrupt-*")
	if len(aside) != 1 {
		t.Errorf("moved aside: %v", aside)
	}
	flushUsage(t, g)
	var rep struct {
		Totals  usage.Totals
		Warning string
	}
	getJSON(t, g.URL+"/api/usage", &rep)
	if rep.Totals.Requests != 1 || rep.Warning == "" {
		t.Errorf("after recovery: %+v", rep)
	}
}

// A database that cannot be opened at all (its folder is a file): one log
// line, a warning in /api/status and /api/usage, and the gateway serves.
func TestUsageDatabaseUnavailable(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "not-a-dir"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	up := newUpstream(t, chatOK("hello"))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL)}, withUsage(filepath.Join(dir, "not-a-dir"), usage.Options{}))
	if _, err := g.openai().Chat.Completions.New(t.Context(), chatParams("m")); err != nil {
		t.Fatal(err)
	}
	var status struct{ Usage gateway.UsageStatus }
	getJSON(t, g.URL+"/api/status", &status)
	if status.Usage.Enabled || !strings.Contains(status.Usage.Warning, "usage accounting is off") {
		t.Errorf("status usage %+v", status.Usage)
	}
	var raw map[string]any
	getJSON(t, g.URL+"/api/usage", &raw)
	if raw["enabled"] != false || raw["warning"] == "" || raw["warning"] == nil {
		t.Errorf("/api/usage: %v", raw)
	}
	if n := strings.Count(g.logs.String(), "usage accounting is off"); n != 1 {
		t.Errorf("%d log lines about it:\n%s", n, g.logs.String())
	}
}

// Prices from the config (inline, and a file next to config.yaml) price
// the records; a model without a price is counted as unpriced.
func TestUsagePricesFromConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(t *testing.T, o *gateway.Options, c *config.Config)
	}{
		{"inline", func(_ *testing.T, _ *gateway.Options, c *config.Config) {
			c.Usage.Prices = map[string]config.Price{"served-model": {Input: 1, Output: 10, CacheRead: 0.5, CacheWrite: 2}}
		}},
		{"file", func(t *testing.T, o *gateway.Options, c *config.Config) {
			c.Usage.PricesFile = "prices.yaml"
			data := "served-model: {input: 1, output: 10, cache_read: 0.5, cache_write: 2}\n"
			if err := os.WriteFile(filepath.Join(filepath.Dir(o.ConfigPath), "prices.yaml"), []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := startGateway(t, nil, withUsage(t.TempDir(), usage.Options{}), func(o *gateway.Options, c *config.Config) { tc.set(t, o, c) })
			st := g.UsageStore()
			now := time.Now()
			st.Add(usage.Record{Time: now, Backend: "a", ModelServed: "served-model-7", InputTokens: 1e6, OutputTokens: 1e6, CacheReadTokens: 1e6, CacheWriteTokens: 1e6, Status: 200})
			st.Add(usage.Record{Time: now, Backend: "a", ModelServed: "nobody-prices-this", InputTokens: 5, Status: 200})
			flushUsage(t, g)
			var rep struct{ Totals usage.Totals }
			getJSON(t, g.URL+"/api/usage", &rep)
			if rep.Totals.CostUSD != 13.5 || rep.Totals.UnpricedRequests != 1 {
				t.Errorf("totals %+v, want cost 13.5 and 1 unpriced", rep.Totals)
			}
		})
	}
}
