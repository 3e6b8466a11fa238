package gateway_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"switchyard/gateway/config"
)

// One alias lookup serves every path that names a model upstream: the
// messages call and count_tokens agree. (An empty alias target is refused
// by config validation; the lookup would treat it as no alias.)
func TestAliasLookupIsOne(t *testing.T) {
	var models []string
	up := anthropicFake(t,
		func(w http.ResponseWriter, r *http.Request) {
			var b struct{ Model string }
			json.NewDecoder(r.Body).Decode(&b)
			models = append(models, "count:"+b.Model)
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"input_tokens":7}`))
		},
		func(w http.ResponseWriter, r *http.Request) {
			var b struct{ Model string }
			json.NewDecoder(r.Body).Decode(&b)
			models = append(models, "messages:"+b.Model)
			aReply{ID: "msg_a", Model: b.Model, Stop: "end_turn", Blocks: []aBlk{aText("ok")}}.answer()(w, r)
		})
	b := backend("a", 1, config.FormatAnthropic, up.URL)
	b.Aliases = map[string]string{"short": "claude-long-name"}
	g := startGateway(t, []config.Backend{b})
	for _, m := range []string{"short", "claude-other"} {
		g.post(t, "/v1/messages", `{"model":"`+m+`","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`)
		g.post(t, "/v1/messages/count_tokens", `{"model":"`+m+`","messages":[{"role":"user","content":"hi"}]}`)
	}
	want := []string{"messages:claude-long-name", "count:claude-long-name", "messages:claude-other", "count:claude-other"}
	if len(models) != len(want) {
		t.Fatalf("upstream saw %v", models)
	}
	for i := range want {
		if models[i] != want[i] {
			t.Fatalf("upstream saw %v, want %v", models, want)
		}
	}
}
