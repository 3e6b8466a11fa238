package gateway_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"switchyard/gateway"
	"switchyard/gateway/clock/clocktest"
	"switchyard/gateway/config"
	"switchyard/gateway/probe"
)

const probeKey = "sk-secret-probe-key-7f3a9c21d0e4"

// formatUpstream answers the model list GET and one completion in format
// f, naming answerModel as the model that answered; it refuses any other
// key with the upstream's own 401 (which echoes the key it got).
func formatUpstream(t *testing.T, f config.Format, answerModel string) *upstream {
	return newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("Authorization") + r.Header.Get("x-api-key") + r.Header.Get("x-goog-api-key")
		if !strings.Contains(got, probeKey) {
			w.WriteHeader(401)
			fmt.Fprintf(w, `{"error":{"message":"bad key %s"}}`, got)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.Method == "GET" {
			if f == config.FormatGemini {
				io.WriteString(w, `{"models":[{"name":"models/`+answerModel+`"}]}`)
				return
			}
			io.WriteString(w, `{"data":[{"id":"`+answerModel+`"}]}`)
			return
		}
		switch f {
		case config.FormatOpenAI:
			fmt.Fprintf(w, `{"id":"c1","object":"chat.completion","model":%q,"choices":[{"index":0,"message":{"role":"assistant","content":"OK"},"finish_reason":"stop"}]}`, answerModel)
		case config.FormatAnthropic:
			fmt.Fprintf(w, `{"id":"m1","type":"message","role":"assistant","model":%q,"content":[{"type":"text","text":"OK"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":1}}`, answerModel)
		case config.FormatResponses:
			fmt.Fprintf(w, `{"id":"resp_1","object":"response","status":"completed","model":%q,"output":[{"type":"message","id":"msg_1","role":"assistant","status":"completed","content":[{"type":"output_text","text":"OK"}]}]}`, answerModel)
		case config.FormatGemini:
			fmt.Fprintf(w, `{"candidates":[{"content":{"role":"model","parts":[{"text":"OK"}]},"finishReason":"STOP"}],"modelVersion":%q}`, answerModel)
		}
	})
}

func testResults(t *testing.T, body []byte) []probe.Result {
	t.Helper()
	var tb struct {
		Results []probe.Result `json:"results"`
	}
	if err := json.Unmarshal(body, &tb); err != nil {
		t.Fatalf("test answer %s: %v", body, err)
	}
	return tb.Results
}

// The Test of each backend format through the API: one completion in the
// format, on its path with its auth, the model that answered read from
// the answer, shown in /api/status; the key nowhere.
func TestProbeTestEachFormat(t *testing.T) {
	formats := []config.Format{config.FormatOpenAI, config.FormatAnthropic, config.FormatResponses, config.FormatGemini}
	ups := map[config.Format]*upstream{}
	var bs []config.Backend
	env := []string{}
	for i, f := range formats {
		ups[f] = formatUpstream(t, f, "answered-by-"+string(f))
		b := backend(string(f)+"-b", i+1, f, ups[f].URL)
		b.ModelList = []string{"client-name"}
		b.Aliases = map[string]string{"client-name": "up-" + string(f)}
		bs = append(bs, b)
		env = append(env, strings.ToUpper(string(f))+"_B_API_KEYS", probeKey)
	}
	g := startGateway(t, bs, withEnv(env...))
	cookie, csrf := g.session(t)
	wantPath := map[config.Format]string{config.FormatOpenAI: "/chat/completions", config.FormatAnthropic: "/v1/messages",
		config.FormatResponses: "/responses", config.FormatGemini: "/models/up-gemini:generateContent"}
	var answers []string
	for _, f := range formats {
		resp, body := g.do(t, "POST", "/api/backends/"+string(f)+"-b/test", "{}", cookie, csrf)
		answers = append(answers, string(body))
		rs := testResults(t, body)
		if resp.StatusCode != 200 || len(rs) != 1 {
			t.Fatalf("%s: %d %s", f, resp.StatusCode, body)
		}
		r := rs[0]
		if !r.OK || r.Kind != "completion" || r.Status != 200 || r.Model != "answered-by-"+string(f) || r.Error != "" || r.At.IsZero() || r.Key != "…d0e4" {
			t.Errorf("%s: result %+v", f, r)
		}
		reqs := ups[f].requests()
		if len(reqs) != 1 || reqs[0].Path != wantPath[f] || !strings.Contains(string(reqs[0].Body), "Reply with OK") {
			t.Errorf("%s: upstream saw %+v", f, reqs)
		}
		if f != config.FormatGemini && !strings.Contains(string(reqs[0].Body), `"model":"up-`+string(f)+`"`) {
			t.Errorf("%s: the test asked for the wrong model: %s", f, reqs[0].Body)
		}
	}
	st := g.status(t)
	for _, b := range st.Backends {
		p := b.Endpoints[0].Probe
		if p == nil || !p.OK || p.Model != "answered-by-"+b.Format {
			t.Errorf("%s: status probe %+v", b.ID, p)
		}
	}
	stJSON, _ := json.Marshal(st)
	for _, s := range append(answers, string(stJSON), g.logs.String()) {
		if strings.Contains(s, "sk-secret") {
			t.Fatalf("key leaked: %s", s)
		}
	}
}

// POST /api/backends/{id}/test is a write: it needs the session and its
// CSRF token; unknown backends and URLs are 404; ?url= tests one URL.
func TestProbeTestAPIWriteRule(t *testing.T) {
	good := formatUpstream(t, config.FormatOpenAI, "m-good")
	dead := deadURL(t)
	b := backend("a", 1, config.FormatOpenAI, good.URL, dead)
	b.ModelList = []string{"m"}
	g := startGateway(t, []config.Backend{b}, withEnv("A_API_KEYS", probeKey))
	for name, c := range map[string]struct {
		cookie bool
		csrf   string
	}{"no session": {false, ""}, "no csrf": {true, ""}, "wrong csrf": {true, "nope"}} {
		cookie, _ := g.session(t)
		if !c.cookie {
			cookie = nil
		}
		resp, body := g.do(t, "POST", "/api/backends/a/test", "{}", cookie, c.csrf)
		if resp.StatusCode != 403 {
			t.Errorf("%s: %d %s, want 403", name, resp.StatusCode, body)
		}
	}
	if n := good.count.Load(); n != 0 {
		t.Fatalf("refused tests reached the upstream %d times", n)
	}
	cookie, csrf := g.session(t)
	resp, body := g.do(t, "POST", "/api/backends/a/test", "{}", cookie, csrf)
	rs := testResults(t, body)
	if resp.StatusCode != 200 || len(rs) != 2 || !rs[0].OK || rs[1].OK || rs[1].Error != "connection refused" || rs[1].BaseURL != dead {
		t.Fatalf("test all URLs: %d %s", resp.StatusCode, body)
	}
	resp, body = g.do(t, "POST", "/api/backends/a/test?url="+url.QueryEscape(good.URL), "{}", cookie, csrf)
	if rs := testResults(t, body); resp.StatusCode != 200 || len(rs) != 1 || rs[0].BaseURL != good.URL {
		t.Fatalf("test one URL: %d %s", resp.StatusCode, body)
	}
	for _, path := range []string{"/api/backends/zz/test", "/api/backends/a/test?url=http://127.0.0.1:9"} {
		if resp, body := g.do(t, "POST", path, "{}", cookie, csrf); resp.StatusCode != 404 {
			t.Errorf("%s: %d %s, want 404", path, resp.StatusCode, body)
		}
	}
	// The refused URL now cools; the status shows the probe's error.
	ep := g.status(t).Backends[0].Endpoints[1]
	if ep.State != "cooling" || ep.Probe == nil || ep.Probe.Error != "connection refused" {
		t.Fatalf("dead endpoint: %+v", ep)
	}
}

// A backend with probe: true is checked every probe_interval on the
// gateway clock; a failed check cools it, so a real request goes to the
// next backend without trying it; a passing Test ends the cooldown and
// requests come back.
func TestProbePeriodicFailureRoutesElsewhere(t *testing.T) {
	var sick = make(chan bool, 1)
	sick <- true
	a := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		s := <-sick
		sick <- s
		if s {
			status(503)(w, r)
			return
		}
		if r.Method == "GET" {
			io.WriteString(w, `{"data":[]}`)
			return
		}
		chatOK("a")(w, r)
	})
	bUp := newUpstream(t, chatOK("b"))
	clk := clocktest.New(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	ab := backend("a", 1, config.FormatOpenAI, a.URL)
	ab.Probe = true
	ab.ModelList = []string{"m"}
	g := startGateway(t, []config.Backend{ab, backend("b", 2, config.FormatOpenAI, bUp.URL)}, withClock(clk),
		withConfig(func(c *config.Config) { c.ProbeInterval = time.Minute }),
		withoutSessions(), // the requests are one conversation: affinity would keep it on b (tested in sessions_test.go)
		func(o *gateway.Options, _ *config.Config) { o.ProbeRand = func() float64 { return 0.5 } })
	changed, cancel := g.Table().Events().Subscribe()
	defer cancel()
	if !clk.WaitFor(time.Minute, 5*time.Second) {
		t.Fatal("no periodic check armed at probe_interval")
	}
	clk.Advance(time.Minute)
	deadline := time.After(5 * time.Second)
	for st := g.Status(); st.Backends[0].Endpoints[0].Probe == nil; st = g.Status() {
		select {
		case <-changed:
		case <-deadline:
			t.Fatal("the periodic check was not recorded")
		}
	}
	ep := g.Status().Backends[0].Endpoints[0]
	if ep.State != "cooling" || ep.Probe.Kind != "models" || ep.Probe.Status != 503 || !strings.HasPrefix(ep.Probe.Error, "http 503") {
		t.Fatalf("after a failed check: %+v probe %+v", ep, ep.Probe)
	}
	if reqs := a.requests(); len(reqs) != 1 || reqs[0].Path != "/models" {
		t.Fatalf("a saw %+v", reqs)
	}
	resp, body := g.post(t, "/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "hello from b") || a.count.Load() != 1 {
		t.Fatalf("request while a cools: %d %s (a saw %d requests)", resp.StatusCode, body, a.count.Load())
	}
	<-sick
	sick <- false
	rs, err := g.TestBackend(t.Context(), "a", "")
	if err != nil || len(rs) != 1 || !rs[0].OK {
		t.Fatalf("test after recovery: %+v %v", rs, err)
	}
	resp, body = g.post(t, "/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "hello from a") {
		t.Fatalf("request after the passing test: %d %s", resp.StatusCode, body)
	}
}

// probe: true set through PATCH schedules the periodic check at once
// (and is saved), and the check runs when it comes due.
func TestProbePatchSchedules(t *testing.T) {
	up := formatUpstream(t, config.FormatOpenAI, "m")
	clk := clocktest.New(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL)}, withClock(clk),
		withEnv("A_API_KEYS", probeKey),
		withConfig(func(c *config.Config) { c.ProbeInterval = 77 * time.Second }),
		func(o *gateway.Options, _ *config.Config) { o.ProbeRand = func() float64 { return 0.5 } })
	if clk.WaitFor(77*time.Second, 200*time.Millisecond) {
		t.Fatal("a check is scheduled for a backend with probe off")
	}
	cookie, csrf := g.session(t)
	if resp, body := g.do(t, "PATCH", "/api/backends/a", `{"probe":true}`, cookie, csrf); resp.StatusCode != 200 {
		t.Fatalf("PATCH: %d %s", resp.StatusCode, body)
	}
	if !clk.WaitFor(77*time.Second, 5*time.Second) {
		t.Fatal("no check scheduled after probe: true")
	}
	if cfg, err := config.Load(g.cfgPath); err != nil || !cfg.Backend("a").Probe {
		t.Fatalf("probe: true not saved (%v)", err)
	}
	if _, body := g.do(t, "GET", "/api/backends", "", nil, ""); !strings.Contains(string(body), `"probe":true`) {
		t.Fatalf("/api/backends: %s", body)
	}
	clk.Advance(77 * time.Second)
	changed, cancel := g.Table().Events().Subscribe()
	defer cancel()
	deadline := time.After(5 * time.Second)
	for g.Status().Backends[0].Endpoints[0].Probe == nil {
		select {
		case <-changed:
		case <-deadline:
			t.Fatal("the scheduled check was not recorded")
		}
	}
	if p := g.Status().Backends[0].Endpoints[0].Probe; !p.OK || p.Kind != "models" || up.requests()[0].Path != "/models" {
		t.Fatalf("check %+v, upstream %+v", p, up.requests())
	}
}
