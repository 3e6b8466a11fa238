package route

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"switchyard/gateway/clock/clocktest"
)

func TestStatus(t *testing.T) {
	tb, clk := buildTable(t,
		be{id: "a", prio: 1, urls: 2, keys: 2, rule: "claude | gpt"},
		be{id: "nk", prio: 2, urls: 1, needsKey: true},
		be{id: "off", prio: 3, urls: 1, disabled: true},
		be{id: "free", prio: 4, urls: 1, rule: "free"},
		be{id: "c", prio: 5, urls: 1, keys: 1, rule: "only-c"},
	)
	if tb.Now() != t0 {
		t.Errorf("Now() = %v", tb.Now())
	}
	r := request(t, tb, "claude-x", byPair(map[string]Class{"a:u0:k0": Connect, "a:u1:k0": Server}))
	if !eq(r.trace, []string{"a:u0:k0", "a:u1:k0", "a:u1:k1"}) {
		t.Fatalf("trace %v", r.trace)
	}
	request(t, tb, "only-c", always(Quota)) // c's only pair cools for QuotaDefault

	st := tb.Status()
	ids := []string{}
	for _, b := range st {
		ids = append(ids, b.ID)
	}
	if !eq(ids, []string{"a", "nk", "off", "free", "c"}) {
		t.Fatalf("order %v", ids)
	}

	a := st[0]
	if a.Name != "A" || a.Priority != 1 || a.Format != "openai" || !a.Enabled || a.State != "ok" ||
		a.ModelsRule != "claude | gpt" || a.Requests != 3 || a.Failures != 2 {
		t.Errorf("a = %+v", a)
	}
	if a.ActiveEndpoint == nil || *a.ActiveEndpoint != (ActiveStatus{BaseURL: "https://a1.example/v1", Key: maskOf("a", 1), KeyIndex: 1}) {
		t.Errorf("a active = %+v", a.ActiveEndpoint)
	}
	until := t0.Add(TransientBase)
	type ep struct {
		url, key, state string
		ki              int
		cooling         bool
		lastErr         string
	}
	wantEP := []ep{ // key-major, URL-minor
		{"https://a0.example/v1", maskOf("a", 0), "cooling", 0, true, "connection refused"},
		{"https://a1.example/v1", maskOf("a", 0), "cooling", 0, true, "http 500"},
		{"https://a0.example/v1", maskOf("a", 1), "ok", 1, false, ""},
		{"https://a1.example/v1", maskOf("a", 1), "ok", 1, false, ""},
	}
	if len(a.Endpoints) != len(wantEP) {
		t.Fatalf("a endpoints %+v", a.Endpoints)
	}
	for i, w := range wantEP {
		g := a.Endpoints[i]
		if g.BaseURL != w.url || g.Key != w.key || g.KeyIndex != w.ki || g.State != w.state {
			t.Errorf("endpoint %d = %+v, want %+v", i, g, w)
		}
		if w.cooling != (g.CooldownUntil != nil) || (w.cooling && (!g.CooldownUntil.Equal(until) || g.CooldownUntil.Location() != time.UTC)) {
			t.Errorf("endpoint %d cooldown_until %v, want cooling=%v until %v", i, g.CooldownUntil, w.cooling, until)
		}
		if (w.lastErr == "") != (g.LastError == nil) || (g.LastError != nil && *g.LastError != w.lastErr) {
			t.Errorf("endpoint %d last_error %v, want %q", i, g.LastError, w.lastErr)
		}
	}

	nk := st[1]
	if nk.State != "needs_key" || nk.ActiveEndpoint != nil || len(nk.Endpoints) != 1 || nk.Endpoints[0].Key != "" ||
		nk.Endpoints[0].State != "ok" {
		t.Errorf("nk = %+v", nk)
	}
	off := st[2]
	if off.State != "disabled" || off.Enabled || off.ActiveEndpoint == nil || off.ActiveEndpoint.Key != "" {
		t.Errorf("off = %+v", off)
	}
	free := st[3]
	if free.State != "ok" || free.ActiveEndpoint == nil || *free.ActiveEndpoint != (ActiveStatus{BaseURL: "https://free0.example/v1"}) ||
		free.Endpoints[0].Key != "" || free.ModelsRule != "free" {
		t.Errorf("free = %+v", free)
	}
	c := st[4]
	if c.State != "cooling" || c.Requests != 1 || c.Failures != 1 || !c.Endpoints[0].CooldownUntil.Equal(t0.Add(QuotaDefault)) {
		t.Errorf("c = %+v", c)
	}

	// The JSON shape of /api/status's backends, keys masked only.
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	js := string(b)
	if strings.Contains(js, "sk-secret") {
		t.Fatalf("status reveals a key: %s", js)
	}
	var raw []map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"id", "name", "priority", "format", "enabled", "state", "active_endpoint", "endpoints",
		"models_rule", "requests", "failures"} {
		if _, ok := raw[0][f]; !ok {
			t.Errorf("backend JSON lacks %q: %v", f, raw[0])
		}
	}
	e0 := raw[0]["endpoints"].([]any)[0].(map[string]any)
	e2 := raw[0]["endpoints"].([]any)[2].(map[string]any)
	for _, f := range []string{"base_url", "key", "key_index", "state", "cooldown_until", "last_error"} {
		if _, ok := e2[f]; !ok {
			t.Errorf("endpoint JSON lacks %q: %v", f, e2)
		}
	}
	if e2["cooldown_until"] != nil || e2["last_error"] != nil {
		t.Errorf("ok endpoint: %v", e2)
	}
	if e0["cooldown_until"] != until.Format(time.RFC3339Nano) || e0["state"] != "cooling" {
		t.Errorf("cooling endpoint: %v", e0)
	}
	if raw[1]["active_endpoint"] != nil {
		t.Errorf("needs_key backend has an active endpoint: %v", raw[1])
	}
	ae := raw[0]["active_endpoint"].(map[string]any)
	if ae["key"] != maskOf("a", 1) || ae["key_index"] != 1.0 || ae["base_url"] != "https://a1.example/v1" {
		t.Errorf("active_endpoint JSON %v", ae)
	}
	// An empty table still marshals as a list.
	empty, _ := newTestTable(t)
	if b, _ := json.Marshal(empty.Status()); string(b) != "[]" {
		t.Errorf("empty status %s", b)
	}

	// Time passes: the cooling pairs are failing (cooldown over, no success yet).
	clk.Advance(TransientBase)
	for _, e := range statusOf(t, tb, "a").Endpoints[:2] {
		if e.State != "failing" || e.CooldownUntil != nil || e.LastError == nil {
			t.Errorf("after cooldown %+v", e)
		}
	}
	clk.Advance(QuotaDefault)
	if s := statusOf(t, tb, "c"); s.State != "failing" {
		t.Errorf("c after cooldown %q", s.State)
	}
	request(t, tb, "only-c", always(OK))
	if s := statusOf(t, tb, "c"); s.State != "ok" || s.Endpoints[0].LastError != nil || s.Requests != 2 || s.Failures != 1 {
		t.Errorf("c after success %+v", s)
	}
}

func TestSetKeys(t *testing.T) {
	k := keysFor("a", 3)
	tb, _ := buildTable(t, be{id: "a", prio: 1, urls: 2, keys: 3})
	// k0 refused on u0 → k1 serves and is active.
	request(t, tb, "m", byPair(map[string]Class{"a:u0:k0": Auth}))
	active := func() *ActiveStatus { return statusOf(t, tb, "a").ActiveEndpoint }
	if a := active(); a.KeyIndex != 1 || a.Key != maskOf("a", 1) {
		t.Fatalf("active %+v", a)
	}

	seq := tb.Events().Seq()
	tb.SetKeys("a", []Secret{k[0], k[1], k[2]}) // same list: nothing changes, no signal
	if tb.Events().Seq() != seq {
		t.Error("SetKeys with the same keys signalled")
	}
	tb.SetKeys("a", []Secret{NewSecret(rawKey("a", 0)), NewSecret(rawKey("a", 1)), NewSecret(rawKey("a", 2))})
	if tb.Events().Seq() != seq {
		t.Error("SetKeys with equal keys (new Secret values) signalled")
	}

	tests := []struct {
		name       string
		keys       []Secret
		wantIdx    int
		wantMask   string
		k0Cooling  bool // health of k0's pair (u0) is still there
		k0Endpoint int  // index of k0 in the new list (-1: removed)
	}{
		{"reordered: active key followed by identity", []Secret{k[2], k[0], k[1]}, 2, maskOf("a", 1), true, 1},
		{"reordered again", []Secret{k[1], k[2], k[0]}, 0, maskOf("a", 1), true, 2},
		{"active key removed: reset to the first", []Secret{k[2], k[0]}, 0, maskOf("a", 2), true, 1},
		{"k0 removed: its health is dropped", []Secret{k[2]}, 0, maskOf("a", 2), false, -1},
		{"k0 back: starts fresh", []Secret{k[0], k[2]}, 1, maskOf("a", 2), false, 0},
	}
	for _, tc := range tests {
		before := tb.Events().Seq()
		tb.SetKeys("a", tc.keys)
		if tb.Events().Seq() == before {
			t.Errorf("%s: no signal", tc.name)
		}
		a := active()
		if a.KeyIndex != tc.wantIdx || a.Key != tc.wantMask {
			t.Errorf("%s: active %+v, want index %d %s", tc.name, a, tc.wantIdx, tc.wantMask)
		}
		if tc.k0Endpoint >= 0 {
			e := endpointOf(t, tb, "a", 0, tc.k0Endpoint)
			if e.Key != maskOf("a", 0) || (e.State == "cooling") != tc.k0Cooling {
				t.Errorf("%s: k0 endpoint %+v, cooling want %v", tc.name, e, tc.k0Cooling)
			}
		}
		if n := len(statusOf(t, tb, "a").Endpoints); n != 2*len(tc.keys) {
			t.Errorf("%s: %d endpoints", tc.name, n)
		}
	}
	// The next plan starts at the active key.
	if r := request(t, tb, "m", always(OK)); !eq(r.trace, []string{"a:u0:k1"}) {
		t.Errorf("trace %v", r.trace)
	}

	// Unknown backend: ignored.
	tb.SetKeys("nope", k)

	// A backend that needs a key loses its keys: needs_key, and plans skip it.
	tb2, _ := buildTable(t, be{id: "a", prio: 1, urls: 1, keys: 1, needsKey: true}, be{id: "b", prio: 2, urls: 1})
	tb2.SetKeys("a", nil)
	if s := statusOf(t, tb2, "a"); s.State != "needs_key" || s.ActiveEndpoint != nil {
		t.Errorf("a without keys %+v", s)
	}
	if r := request(t, tb2, "m", always(OK)); !eq(r.trace, []string{"b:u0:k0"}) {
		t.Errorf("trace %v", r.trace)
	}
	// SetKeys copies the slice.
	ks := keysFor("a", 2)
	tb2.SetKeys("a", ks)
	ks[0] = NewSecret("sk-secret-mutated-after-the-call")
	if statusOf(t, tb2, "a").Endpoints[0].Key != maskOf("a", 0) {
		t.Error("SetKeys kept the caller's slice")
	}
}

func TestActivePairsRoundTrip(t *testing.T) {
	mk := func() (*Table, *clocktest.Fake) {
		return buildTable(t, be{id: "a", prio: 1, urls: 3, keys: 3, rule: "claude"}, be{id: "b", prio: 2, urls: 2, rule: "gpt"})
	}
	tb, _ := mk()
	r := request(t, tb, "claude-x", byPair(map[string]Class{"a:u0:k0": Auth, "a:u0:k1": Connect, "a:u1:k1": Connect}))
	if !eq(r.trace, []string{"a:u0:k0", "a:u0:k1", "a:u1:k1", "a:u2:k1"}) {
		t.Fatalf("trace %v", r.trace)
	}
	request(t, tb, "gpt-x", byPair(map[string]Class{"b:u0:k0": Timeout}))

	pairs := tb.ActivePairs()
	want := map[string]Active{
		"a": {BaseURL: "https://a2.example/v1", KeyFingerprint: NewSecret(rawKey("a", 1)).Fingerprint()},
		"b": {BaseURL: "https://b1.example/v1"},
	}
	if len(pairs) != 2 || pairs["a"] != want["a"] || pairs["b"] != want["b"] {
		t.Fatalf("ActivePairs = %+v, want %+v", pairs, want)
	}
	b, _ := json.Marshal(pairs)
	if strings.Contains(string(b), "sk-secret") || strings.Contains(string(b), maskOf("a", 1)) {
		t.Fatalf("persisted form reveals a key: %s", b)
	}
	if strings.Contains(string(b), `"b":{"base_url":"https://b1.example/v1","key_fingerprint"`) {
		t.Errorf("keyless backend persisted a fingerprint: %s", b)
	}
	var loaded map[string]Active
	if err := json.Unmarshal(b, &loaded); err != nil {
		t.Fatal(err)
	}

	// A restart: keys come back in another order, then RestoreActive.
	tb2, _ := mk()
	tb2.SetKeys("a", []Secret{NewSecret(rawKey("a", 2)), NewSecret(rawKey("a", 0)), NewSecret(rawKey("a", 1))})
	tb2.RestoreActive(loaded)
	if a := statusOf(t, tb2, "a").ActiveEndpoint; a.BaseURL != "https://a2.example/v1" || a.KeyIndex != 2 || a.Key != maskOf("a", 1) {
		t.Errorf("restored a = %+v", a)
	}
	if got := tb2.ActivePairs(); got["a"] != want["a"] || got["b"] != want["b"] {
		t.Errorf("ActivePairs after restore = %+v", got)
	}
	if r := request(t, tb2, "claude-x", always(OK)); !eq(r.trace, []string{"a:u2:k2"}) {
		t.Errorf("first plan after restore %v", r.trace)
	}
	if r := request(t, tb2, "gpt-x", always(OK)); !eq(r.trace, []string{"b:u1:k0"}) {
		t.Errorf("first plan after restore %v", r.trace)
	}

	// Unknown backends, URLs and fingerprints are ignored, field by field.
	tb2.RestoreActive(map[string]Active{
		"gone": {BaseURL: "https://x.example"},
		"a":    {BaseURL: "https://not-listed.example", KeyFingerprint: "000000000000"},
		"b":    {BaseURL: ""},
	})
	if got := tb2.ActivePairs(); got["a"] != want["a"] || got["b"] != want["b"] || len(got) != 2 {
		t.Errorf("unknown entries changed the pairs: %+v", got)
	}
	tb2.RestoreActive(map[string]Active{"a": {BaseURL: "https://a0.example/v1", KeyFingerprint: "ffffffffffff"}})
	if a := statusOf(t, tb2, "a").ActiveEndpoint; a.BaseURL != "https://a0.example/v1" || a.KeyIndex != 2 {
		t.Errorf("known URL with unknown key: %+v", a)
	}
	tb2.RestoreActive(nil)

	// Restoring before the keys are known keeps the URL and ignores the key.
	tb3, _ := mk()
	tb3.SetKeys("a", nil)
	tb3.RestoreActive(loaded)
	if got := tb3.ActivePairs()["a"]; got.BaseURL != "https://a2.example/v1" || got.KeyFingerprint != "" {
		t.Errorf("restore without keys: %+v", got)
	}
}

func TestSetBackendsKeepsState(t *testing.T) {
	tb, _ := buildTable(t, be{id: "a", prio: 1, urls: 3, keys: 1}, be{id: "gone", prio: 2, urls: 1})
	request(t, tb, "m", byPair(map[string]Class{"a:u0:k0": Connect, "a:u1:k0": Connect})) // u2 active
	seq := tb.Events().Seq()

	urls := []string{"https://a2.example/v1", "https://a0.example/v1"}
	newA := spec("a", 5, urls...)
	newA.Name = "Renamed"
	tb.SetBackends([]BackendSpec{spec("new", 1, "https://new0.example/v1"), newA})
	urls[0] = "https://mutated.example" // the table copied the slice
	if tb.Events().Seq() == seq {
		t.Error("SetBackends did not signal")
	}
	st := tb.Status()
	if len(st) != 2 || st[0].ID != "new" || st[1].ID != "a" || st[1].Name != "Renamed" || st[1].Priority != 5 {
		t.Fatalf("status %+v", st)
	}
	a := st[1]
	if a.ActiveEndpoint.BaseURL != "https://a2.example/v1" || a.Requests != 3 || a.Failures != 2 {
		t.Errorf("a kept state? %+v", a)
	}
	if a.Endpoints[1].BaseURL != "https://a0.example/v1" || a.Endpoints[1].State != "cooling" {
		t.Errorf("a0 health lost: %+v", a.Endpoints[1])
	}
	if a.Endpoints[0].State != "ok" || a.Endpoints[0].Key != maskOf("a", 0) {
		t.Errorf("keys lost: %+v", a.Endpoints[0])
	}

	// The active URL removed: back to the first.
	tb.SetBackends([]BackendSpec{spec("a", 1, "https://a0.example/v1", "https://a1.example/v1")})
	if got := statusOf(t, tb, "a").ActiveEndpoint.BaseURL; got != "https://a0.example/v1" {
		t.Errorf("active after removal %q", got)
	}
	// Same priority: order as given (stable).
	tb.SetBackends([]BackendSpec{spec("z", 1, "https://z0.example/v1"), spec("a", 1, "https://a0.example/v1"), spec("m", 0, "https://m0.example/v1")})
	var ids []string
	for _, b := range tb.Status() {
		ids = append(ids, b.ID)
	}
	if !eq(ids, []string{"m", "z", "a"}) {
		t.Errorf("order %v", ids)
	}
}

func TestSetEnabled(t *testing.T) {
	tb, _ := buildTable(t, be{id: "a", prio: 1, urls: 1}, be{id: "b", prio: 2, urls: 1})
	if tb.SetEnabled("nope", false) {
		t.Error("SetEnabled(unknown) = true")
	}
	seq := tb.Events().Seq()
	if !tb.SetEnabled("a", false) {
		t.Fatal("SetEnabled(a) = false")
	}
	if tb.Events().Seq() == seq {
		t.Error("no signal")
	}
	p := tb.NewPlan("m")
	if !eq(p.Candidates(), []string{"b"}) {
		t.Errorf("candidates %v", p.Candidates())
	}
	if s := statusOf(t, tb, "a"); s.State != "disabled" || s.Enabled {
		t.Errorf("a %+v", s)
	}
	tb.SetEnabled("a", true)
	if p := tb.NewPlan("m"); !eq(p.Candidates(), []string{"a", "b"}) {
		t.Errorf("candidates %v", p.Candidates())
	}
	// A plan made before a backend was disabled keeps its candidates.
	p = tb.NewPlan("m")
	tb.SetEnabled("a", false)
	if a, _ := p.Next(); a.Backend.ID != "a" {
		t.Errorf("plan lost its candidate: %s", label(a))
	}
}

func TestNewTableNilClock(t *testing.T) {
	tb := NewTable([]BackendSpec{spec("a", 1, "https://a0.example")}, nil)
	if d := time.Since(tb.Now()); d < 0 || d > time.Minute {
		t.Errorf("nil clock: Now() = %v", tb.Now())
	}
}

func TestHostAndEndpoint(t *testing.T) {
	hosts := []struct{ in, want string }{
		{"https://anyrouter.top", "anyrouter.top"},
		{"https://a.example:8443/v1", "a.example:8443"},
		{"http://[::1]:9000/v1", "[::1]:9000"},
		{"https://user:pass@h.example/x", "h.example"}, // userinfo never shown
		{"not a url", "not a url"},
		{"", ""},
		{"127.0.0.1:9000", "127.0.0.1:9000"},
	}
	for _, tc := range hosts {
		if got := Host(tc.in); got != tc.want {
			t.Errorf("Host(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	eps := []struct {
		a    Attempt
		want string
	}{
		{Attempt{BaseURL: "https://anyrouter.top"}, "anyrouter.top"},
		{Attempt{BaseURL: "https://anyrouter.top/v1", Key: NewSecret("sk-ant-api03-XYZD5xY")}, "anyrouter.top key …D5xY"},
		{Attempt{BaseURL: "https://h.example", Key: NewSecret("short")}, "h.example key …"},
	}
	for _, tc := range eps {
		if got := tc.a.Endpoint(); got != tc.want {
			t.Errorf("Endpoint() = %q, want %q", got, tc.want)
		}
	}
}

// TestUpstreamModel: the one alias lookup; an empty alias target means no
// alias.
func TestUpstreamModel(t *testing.T) {
	b := BackendSpec{Aliases: map[string]string{"fast": "claude-haiku-4-5", "blank": ""}}
	for model, want := range map[string]string{"fast": "claude-haiku-4-5", "blank": "blank", "other": "other"} {
		if got := b.UpstreamModel(model); got != want {
			t.Errorf("UpstreamModel(%q) = %q, want %q", model, got, want)
		}
	}
	if got := (&BackendSpec{}).UpstreamModel("m"); got != "m" {
		t.Errorf("no aliases: %q", got)
	}
}
