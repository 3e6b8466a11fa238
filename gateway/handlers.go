package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/config"
	"switchyard/gateway/convert"
	"switchyard/gateway/guard"
	"switchyard/gateway/openai"
	"switchyard/gateway/route"
)

// inbound reads a client request; on failure it has answered (a body
// over the limit is counted as a refusal).
func (s *Server) inbound(c *gin.Context, p *clientProtocol) (*inbound, bool) {
	in, aerr := readInbound(c.Writer, c.Request, p)
	if aerr != nil {
		if aerr.Status == http.StatusRequestEntityTooLarge {
			s.refused.Add(guard.RefuseTooLarge, c.Request.Method, c.Request.URL.Path, aerr.Message)
		}
		writeError(c.Writer, p, aerr)
		return nil, false
	}
	return in, true
}

// handleProxy serves the routes of client protocol p (protocols.go):
// POST /v1/chat/completions, /v1/messages (?beta=true is tolerated;
// x-api-key or Authorization: Bearer is accepted and never forwarded),
// /v1/responses. Each goes through the same plan, failover and first-byte
// rule, converted through the hub for backends of other formats and
// untouched for backends of the protocol's own.
func (s *Server) handleProxy(p *clientProtocol) gin.HandlerFunc {
	return func(c *gin.Context) {
		in, ok := s.inbound(c, p)
		if !ok {
			return
		}
		if p.check != nil {
			if aerr := p.check(s, in); aerr != nil {
				writeError(c.Writer, p, aerr)
				return
			}
		}
		s.proxy(c.Writer, c.Request, in)
	}
}

// handleCountTokens serves POST /v1/messages/count_tokens: passed to the
// first Anthropic-format candidate when that is the first candidate,
// otherwise (or if that fails) a local estimate. It never answers 5xx.
func (s *Server) handleCountTokens(c *gin.Context) {
	in, ok := s.inbound(c, protoAnthropic)
	if !ok {
		return
	}
	req, aerr := in.anthropicRequest()
	if aerr != nil {
		writeError(c.Writer, protoAnthropic, aerr)
		return
	}
	plan := s.table.NewPlan(in.model)
	if a, ok := plan.Next(); ok && a.Backend.Format == string(config.FormatAnthropic) {
		if body, ok := s.countUpstream(c.Request.Context(), in, a, plan); ok {
			c.Header("X-Switchyard-Backend", a.Backend.ID)
			c.Data(http.StatusOK, "application/json", body)
			return
		}
	} else if ok {
		plan.Done(a, route.Canceled, "", 0) // not used: release a probe slot
	}
	c.Header("X-Switchyard-Estimate", "local")
	c.JSON(http.StatusOK, anthropic.CountTokensResponse{InputTokens: convert.EstimateAnthropicTokens(req)})
}

func (s *Server) countUpstream(ctx context.Context, in *inbound, a route.Attempt, plan *route.Plan) ([]byte, bool) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	ex := &exchange{body: in.body, path: "/v1/messages/count_tokens", format: config.FormatAnthropic}
	if m := a.Backend.UpstreamModel(in.model); m != in.model {
		if b, err := withModel(in.body, m); err == nil {
			ex.body = b
		}
	}
	req, err := newUpstreamRequest(ctx, &inbound{proto: protoAnthropic, passHeaders: in.passHeaders}, a, ex)
	if err != nil {
		plan.Done(a, route.Canceled, "", 0)
		return nil, false
	}
	resp, err := s.client.Do(req)
	if err != nil {
		plan.Done(a, route.Canceled, "", 0)
		return nil, false
	}
	defer resp.Body.Close()
	var out anthropic.CountTokensResponse
	var raw json.RawMessage
	if resp.StatusCode != 200 || json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(&raw) != nil || json.Unmarshal(raw, &out) != nil {
		plan.Done(a, route.Canceled, "", 0)
		return nil, false
	}
	plan.Done(a, route.OK, "", 0)
	return raw, true
}

// handleModels serves GET /v1/models: the union of the enabled backends'
// model lists (and their alias names), OpenAI list shape.
func (s *Server) handleModels(c *gin.Context) {
	cfg := s.config()
	seen := map[string]bool{}
	list := openai.ModelList{Object: "list", Data: []openai.Model{}}
	add := func(id, owner string) {
		if id != "" && !seen[id] {
			seen[id] = true
			list.Data = append(list.Data, openai.Model{ID: id, Object: "model", Created: 1700000000, OwnedBy: owner})
		}
	}
	enabled := map[string]bool{}
	for _, st := range s.table.Status() {
		enabled[st.ID] = st.Enabled
	}
	for _, b := range cfg.Backends {
		if !enabled[b.ID] {
			continue
		}
		for _, m := range b.ModelList {
			add(m, b.ID)
		}
		aliases := make([]string, 0, len(b.Aliases))
		for k := range b.Aliases {
			aliases = append(aliases, k)
		}
		slices.Sort(aliases)
		for _, k := range aliases {
			add(k, b.ID)
		}
	}
	c.JSON(http.StatusOK, list)
}

// handleHealth serves GET /healthz: 200 "ok" while serving, with a header
// that identifies Switchyard (a second launch uses it to find us).
func (s *Server) handleHealth(c *gin.Context) {
	c.Header("X-Switchyard-Version", s.opts.Version)
	c.Header("Cache-Control", "no-store")
	c.String(http.StatusOK, "ok")
}

func itoa(n int) string { return strconv.Itoa(n) }
