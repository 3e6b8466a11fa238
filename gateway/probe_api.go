package gateway

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"switchyard/gateway/config"
	"switchyard/gateway/probe"
	"switchyard/gateway/protocols"
	"switchyard/gateway/route"
)

// Health checks (gateway/probe): the periodic check of backends with
// probe: true, and the Test of POST /api/backends/{id}/test and the
// tray's "Test all backends". Results land in the route table and show
// in /api/status as each endpoint's "probe".

func (s *Server) newProber() *probe.Prober {
	return probe.New(probe.Options{
		Client: s.client, Clock: s.clock, Table: s.table, Log: s.log,
		Targets:  func() []probe.Target { return s.probeTargets(false) },
		Interval: func() time.Duration { return s.config().ProbeInterval },
		Rand:     s.opts.ProbeRand,
	})
}

// probeTargets lists every endpoint of every configured backend (only
// the enabled ones with a usable key when enabledOnly), each with its
// checks: the models GET and the Test completion in the backend's format.
func (s *Server) probeTargets(enabledOnly bool) []probe.Target {
	var out []probe.Target
	for _, b := range s.config().Backends {
		out = append(out, s.backendTargets(b, enabledOnly)...)
	}
	return out
}

func (s *Server) backendTargets(b config.Backend, enabledOnly bool) []probe.Target {
	spec, eps, ok := s.table.Endpoints(b.ID)
	if !ok {
		return nil
	}
	usable := spec.Enabled && !(spec.NeedsKey && len(eps) > 0 && eps[0].Key.Empty())
	if enabledOnly && !usable {
		return nil
	}
	f := b.Format
	model := s.testModel(b, &spec)
	out := make([]probe.Target, 0, len(eps))
	for _, ep := range eps {
		t := probe.Target{
			Backend: b.ID, BaseURL: ep.BaseURL, Key: ep.Key, Periodic: b.Probe && usable,
			Check: func(ctx context.Context) (*http.Request, error) {
				return protocols.ModelsRequest(ctx, f, ep.BaseURL, ep.Key)
			},
			Answer: func(body []byte) (string, bool) { return protocols.TestAnswer(f, body) },
			NoTest: "no model to test with: give the backend a model_list, an alias, or a model list endpoint",
		}
		if model != "" {
			t.Test = func(ctx context.Context) (*http.Request, error) {
				return protocols.TestRequest(ctx, f, ep.BaseURL, ep.Key, model)
			}
		}
		out = append(out, t)
	}
	return out
}

// testModel is the upstream model a Test asks for: the backend's first
// configured model (model_list, through its alias), else its first
// alias's target, else the first model its list endpoint named; "" when
// it knows none.
func (s *Server) testModel(b config.Backend, spec *route.BackendSpec) string {
	if len(b.ModelList) > 0 {
		return spec.UpstreamModel(b.ModelList[0])
	}
	if len(b.Aliases) > 0 {
		keys := make([]string, 0, len(b.Aliases))
		for k := range b.Aliases {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return spec.UpstreamModel(keys[0])
	}
	if ms := s.models.Models(b.ID); len(ms) > 0 {
		return ms[0]
	}
	return ""
}

// TestBackend tests backend id's endpoints now (only baseURL's when it
// is not ""), one tiny completion each, and returns the results.
func (s *Server) TestBackend(ctx context.Context, id, baseURL string) ([]probe.Result, error) {
	b := s.backendConfig(id)
	if b == nil {
		return nil, &protocols.Error{Status: 404, Message: "unknown backend " + strconv.Quote(id)}
	}
	ts := s.backendTargets(*b, false)
	if baseURL != "" {
		ts = slices.DeleteFunc(ts, func(t probe.Target) bool { return t.BaseURL != baseURL })
		if len(ts) == 0 {
			return nil, &protocols.Error{Status: 404, Message: "backend " + strconv.Quote(id) + " has no base URL " + strconv.Quote(baseURL)}
		}
	}
	return s.probes.TestAll(ctx, ts), nil
}

// TestAll tests every endpoint of every enabled backend that has the key
// it needs (the tray's "Test all backends") and returns the results.
func (s *Server) TestAll(ctx context.Context) []probe.Result {
	return s.probes.TestAll(ctx, s.probeTargets(true))
}

// testBody is the answer of POST /api/backends/{id}/test.
type testBody struct {
	Backend string         `json:"backend"`
	Results []probe.Result `json:"results"`
}

// handleTest serves POST /api/backends/{id}/test[?url=BASE]: a Test of
// the backend's endpoints (behind the guard's /api write rule).
func (s *Server) handleTest(c *gin.Context) {
	id := c.Param("id")
	rs, err := s.TestBackend(c.Request.Context(), id, c.Query("url"))
	if err != nil {
		protocols.WriteError(c.Writer, protocols.OpenAI, apiErrorOf(err))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, testBody{Backend: id, Results: rs})
}
