package gateway_test

import (
	"database/sql"
	"encoding/csv"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchyard/gateway"
	"switchyard/gateway/config"
	"switchyard/gateway/usage"
)

// The usage every fake upstream below reports, in its own format, and
// what the store must hold for it (input excluding cache reads and
// writes; output including reasoning).
const (
	upOpenAIUsage    = `"usage":{"prompt_tokens":1000,"completion_tokens":50,"total_tokens":1050,"prompt_tokens_details":{"cached_tokens":600},"completion_tokens_details":{"reasoning_tokens":20}}`
	upAnthropicStart = `"usage":{"input_tokens":400,"cache_creation_input_tokens":300,"cache_read_input_tokens":600,"output_tokens":1}`
	upAnthropicUsage = `"usage":{"input_tokens":400,"cache_creation_input_tokens":300,"cache_read_input_tokens":600,"output_tokens":50}`
	upRespUsage      = `"usage":{"input_tokens":1000,"input_tokens_details":{"cached_tokens":600},"output_tokens":50,"output_tokens_details":{"reasoning_tokens":20},"total_tokens":1050}`
	upGeminiUsage    = `"usageMetadata":{"promptTokenCount":1000,"candidatesTokenCount":30,"cachedContentTokenCount":600,"thoughtsTokenCount":20,"totalTokenCount":1050}`
	servedModel      = "served-model-7"
	acctKey          = "sk-acct-secret-KEY9"
)

var wantTokens = map[config.Format]usage.Tokens{
	config.FormatOpenAI:    {Input: 400, CacheRead: 600, Output: 50, Reasoning: 20},
	config.FormatAnthropic: {Input: 400, CacheRead: 600, CacheWrite: 300, Output: 50},
	config.FormatResponses: {Input: 400, CacheRead: 600, Output: 50, Reasoning: 20},
	config.FormatGemini:    {Input: 400, CacheRead: 600, Output: 50, Reasoning: 20},
}

// usageUpstream answers in format f, streaming when asked, always with
// the usage above and the model servedModel.
func usageUpstream(t *testing.T, f config.Format) *upstream {
	return newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		stream := wantsStream(r) || strings.Contains(r.URL.Path, ":streamGenerateContent")
		if !stream {
			w.Header().Set("Content-Type", "application/json")
			switch f {
			case config.FormatOpenAI:
				fmt.Fprintf(w, `{"id":"c1","object":"chat.completion","created":1,"model":%q,"choices":[{"index":0,"message":{"role":"assistant","content":"hello there"},"finish_reason":"stop"}],%s}`, servedModel, upOpenAIUsage)
			case config.FormatAnthropic:
				fmt.Fprintf(w, `{"id":"msg_1","type":"message","role":"assistant","model":%q,"content":[{"type":"text","text":"hello there"}],"stop_reason":"end_turn","stop_sequence":null,%s}`, servedModel, upAnthropicUsage)
			case config.FormatResponses:
				fmt.Fprintf(w, `{"id":"resp_1","object":"response","created_at":1,"status":"completed","model":%q,"output":[{"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"hello there","annotations":[]}]}],%s,"error":null,"incomplete_details":null,"parallel_tool_calls":true,"tools":[]}`, servedModel, upRespUsage)
			case config.FormatGemini:
				fmt.Fprintf(w, `{"candidates":[{"content":{"role":"model","parts":[{"text":"hello there"}]},"finishReason":"STOP","index":0}],%s,"modelVersion":%q,"responseId":"r1"}`, upGeminiUsage, servedModel)
			}
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		var evs []string
		switch f {
		case config.FormatOpenAI:
			c := `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"` + servedModel + `","choices":%s,"usage":%s}`
			evs = []string{
				fmt.Sprintf(c, `[{"index":0,"delta":{"role":"assistant","content":"hello "},"finish_reason":null}]`, "null"),
				fmt.Sprintf(c, `[{"index":0,"delta":{"content":"there"},"finish_reason":null}]`, "null"),
				fmt.Sprintf(c, `[{"index":0,"delta":{},"finish_reason":"stop"}]`, "null"),
				fmt.Sprintf(c, `[]`, strings.TrimPrefix(upOpenAIUsage, `"usage":`)),
				"data: [DONE]",
			}
		case config.FormatAnthropic:
			evs = []string{
				`event: message_start` + "\n" + `data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"` + servedModel + `","content":[],"stop_reason":null,"stop_sequence":null,` + upAnthropicStart + `}}`,
				`event: content_block_start` + "\n" + `data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
				`event: content_block_delta` + "\n" + `data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hello there"}}`,
				`event: content_block_stop` + "\n" + `data: {"type":"content_block_stop","index":0}`,
				`event: message_delta` + "\n" + `data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":50}}`,
				`event: message_stop` + "\n" + `data: {"type":"message_stop"}`,
			}
		case config.FormatResponses:
			evs = []string{
				`event: response.created` + "\n" + `data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","created_at":1,"status":"in_progress","model":"` + servedModel + `","output":[],"usage":null}}`,
				`event: response.output_item.added` + "\n" + `data: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"msg_1","type":"message","status":"in_progress","role":"assistant","content":[]}}`,
				`event: response.output_text.delta` + "\n" + `data: {"type":"response.output_text.delta","sequence_number":2,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"hello there"}`,
				`event: response.completed` + "\n" + `data: {"type":"response.completed","sequence_number":3,"response":{"id":"resp_1","object":"response","created_at":1,"status":"completed","model":"` + servedModel + `","output":[{"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"hello there","annotations":[]}]}],` + upRespUsage + `}}`,
			}
		case config.FormatGemini:
			evs = []string{
				`data: {"candidates":[{"content":{"role":"model","parts":[{"text":"hello "}]},"index":0}],"usageMetadata":{"promptTokenCount":1000,"candidatesTokenCount":1,"cachedContentTokenCount":600,"totalTokenCount":1001},"modelVersion":"` + servedModel + `"}`,
				`data: {"candidates":[{"content":{"role":"model","parts":[{"text":"there"}]},"finishReason":"STOP","index":0}],` + upGeminiUsage + `,"modelVersion":"` + servedModel + `"}`,
			}
		}
		fl := w.(http.Flusher)
		for _, ev := range evs {
			fmt.Fprint(w, ev+"\n\n")
			fl.Flush()
		}
	})
}

// clientCall is one client protocol's request: path and body.
func clientCall(proto string, stream bool) (path, body string) {
	s := fmt.Sprint(stream)
	switch proto {
	case "openai":
		return "/v1/chat/completions", `{"model":"asked-model","stream":` + s + `,"stream_options":` + map[bool]string{true: `{"include_usage":true}`, false: "null"}[stream] + `,"messages":[{"role":"user","content":"PROMPT-CANARY-TEXT"}]}`
	case "anthropic":
		return "/v1/messages", `{"model":"asked-model","max_tokens":100,"stream":` + s + `,"messages":[{"role":"user","content":"PROMPT-CANARY-TEXT"}]}`
	case "responses":
		return "/v1/responses", `{"model":"asked-model","stream":` + s + `,"input":"PROMPT-CANARY-TEXT"}`
	}
	action := ":generateContent"
	if stream {
		action = ":streamGenerateContent?alt=sse"
	}
	return "/v1beta/models/asked-model" + action, `{"contents":[{"role":"user","parts":[{"text":"PROMPT-CANARY-TEXT"}]}]}`
}

// Every client protocol against every backend format, streaming and not,
// through the real gateway: the stored record holds exactly the tokens
// the upstream reported, and the request's other fields.
func TestUsageAccountingEveryPath(t *testing.T) {
	formats := []config.Format{config.FormatOpenAI, config.FormatAnthropic, config.FormatResponses, config.FormatGemini}
	var backends []config.Backend
	ups := map[config.Format]*upstream{}
	env := []string{}
	for i, f := range formats {
		up := usageUpstream(t, f)
		ups[f] = up
		base := up.URL
		switch f {
		case config.FormatOpenAI, config.FormatResponses:
			base += "/v1"
		case config.FormatGemini:
			base += "/v1beta"
		}
		b := backend(string(f), i+1, f, base)
		b.Enabled = false
		backends = append(backends, b)
		env = append(env, strings.ToUpper(string(f))+"_API_KEYS", acctKey)
	}
	dir := t.TempDir()
	added := make(chan usage.Record, 1)
	g := startGateway(t, backends, withUsage(dir, usage.Options{}), withEnv(env...), onUsage(added))
	st := g.UsageStore()
	var n int64
	for _, bf := range formats {
		for _, f := range formats {
			if err := g.SetEnabled(string(f), f == bf); err != nil {
				t.Fatal(err)
			}
		}
		for _, proto := range []string{"openai", "anthropic", "responses", "gemini"} {
			for _, stream := range []bool{false, true} {
				name := fmt.Sprintf("%s-client/%s-backend/stream=%v", proto, bf, stream)
				t.Run(name, func(t *testing.T) {
					path, body := clientCall(proto, stream)
					before := time.Now()
					resp, out := g.post(t, path, body)
					if resp.StatusCode != 200 || !strings.Contains(string(out), "hello") {
						t.Fatalf("%d %s", resp.StatusCode, out)
					}
					<-added // the record is queued after the answer has left
					if err := st.Flush(t.Context()); err != nil {
						t.Fatal(err)
					}
					n++
					recs := lastRecords(t, st, before)
					if len(recs) != 1 {
						t.Fatalf("%d records", len(recs))
					}
					r := recs[0]
					if r.Tokens != wantTokens[bf] {
						t.Errorf("tokens %+v\n  want %+v", r.Tokens, wantTokens[bf])
					}
					want := csvRecord{Protocol: proto, Backend: string(bf), Host: strings.TrimPrefix(ups[bf].URL, "http://"), Key: "…KEY9",
						ModelAsked: "asked-model", ModelServed: servedModel, Status: "200", Attempts: "1", Stream: fmt.Sprint(stream)}
					got := r
					got.Tokens, got.TTFB, got.Duration = usage.Tokens{}, "", ""
					if got != want {
						t.Errorf("record %+v\n  want %+v", got, want)
					}
				})
			}
		}
	}
	var tot struct{ Totals usage.Totals }
	getJSON(t, g.URL+"/api/usage", &tot)
	if tot.Totals.Requests != n {
		t.Errorf("%d requests in the totals, want %d", tot.Totals.Requests, n)
	}
}

// onUsage hands the gateway's usage records to ch as they are queued.
func onUsage(ch chan<- usage.Record) gwOpt {
	return func(o *gateway.Options, _ *config.Config) { o.OnUsage = func(r usage.Record) { ch <- r } }
}

// A failed request (every backend down) is recorded with its status and
// attempts.
func TestUsageAccountingFailure(t *testing.T) {
	added := make(chan usage.Record, 1)
	g := startGateway(t, []config.Backend{backend("x", 1, config.FormatOpenAI, deadURL(t)), backend("y", 2, config.FormatAnthropic, deadURL(t))},
		withUsage(t.TempDir(), usage.Options{}), onUsage(added))
	before := time.Now()
	path, body := clientCall("anthropic", true)
	resp, _ := g.post(t, path, body)
	if resp.StatusCode != 503 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	<-added
	flushUsage(t, g)
	recs := lastRecords(t, g.UsageStore(), before)
	if len(recs) != 1 || recs[0].Status != "503" || recs[0].Attempts != "2" || recs[0].Backend != "y" || recs[0].Tokens != (usage.Tokens{}) {
		t.Fatalf("records %+v", recs)
	}
	var rep struct{ Totals usage.Totals }
	getJSON(t, g.URL+"/api/usage", &rep)
	if rep.Totals.Failures != 1 {
		t.Errorf("failures %d", rep.Totals.Failures)
	}
}

// A full queue drops records and counts them; requests are unaffected:
// with the database locked by another connection the writer is stuck on
// its first record, one more fits the queue, the rest are dropped, and
// every request is answered at once all the same.
func TestUsageAccountingQueueFull(t *testing.T) {
	dir := t.TempDir()
	up := usageUpstream(t, config.FormatOpenAI)
	added := make(chan usage.Record, 1)
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL+"/v1")},
		withUsage(dir, usage.Options{QueueSize: 1, BatchSize: 1, BusyTimeout: 20 * time.Second}), onUsage(added))
	db, err := sql.Open("sqlite", filepath.Join(dir, "usage.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(t.Context(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	path, body := clientCall("openai", false)
	start := time.Now()
	for i := range 6 {
		if resp, out := g.post(t, path, body); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, out)
		}
		<-added
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("6 requests took %v with the database locked", d)
	}
	var status struct {
		Usage struct{ Dropped uint64 }
	}
	getJSON(t, g.URL+"/api/status", &status)
	stats := g.UsageStore().Stats()
	if stats.Dropped < 4 || stats.Added+stats.Dropped != 6 || status.Usage.Dropped != stats.Dropped {
		t.Errorf("stats %+v, status dropped %d", stats, status.Usage.Dropped)
	}
	if _, err := conn.ExecContext(t.Context(), "COMMIT"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	flushUsage(t, g)
	if st := g.UsageStore().Stats(); st.Written != stats.Added {
		t.Errorf("after the lock: %+v", st)
	}
}

// csvRecord is one stored request as ExportCSV writes it.
type csvRecord struct {
	Protocol, Backend, Host, Key, ModelAsked, ModelServed string
	Tokens                                                usage.Tokens
	Status, Attempts, Stream, TTFB, Duration              string
}

// lastRecords reads the records stored since t through the CSV export.
func lastRecords(t *testing.T, st *usage.Store, since time.Time) []csvRecord {
	t.Helper()
	var b strings.Builder
	if err := st.ExportCSV(t.Context(), &b, since.Truncate(time.Millisecond), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("csv: %v %q", err, b.String())
	}
	var out []csvRecord
	for _, r := range rows[1:] {
		n := func(i int) int64 { v, _ := strconv.ParseInt(r[i], 10, 64); return v }
		out = append(out, csvRecord{Protocol: r[2], Backend: r[3], Host: r[4], Key: r[5], ModelAsked: r[6], ModelServed: r[7],
			Tokens: usage.Tokens{Input: n(8), Output: n(9), CacheRead: n(10), CacheWrite: n(11), Reasoning: n(12)},
			Status: r[13], Attempts: r[14], Stream: r[15], TTFB: r[16], Duration: r[17]})
	}
	return out
}
