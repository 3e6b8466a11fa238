package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/config"
	"switchyard/gateway/convert"
	"switchyard/gateway/gemini"
	"switchyard/gateway/guard"
	"switchyard/gateway/openai"
	"switchyard/gateway/protocols"
	"switchyard/gateway/route"
)

// read reads a client request; on failure it has answered (a body
// over the limit is counted as a refusal).
func (s *Server) read(c *gin.Context, p *protocols.Client) (*protocols.Inbound, bool) {
	in, aerr := protocols.Read(c.Writer, c.Request, p)
	if aerr != nil {
		if aerr.Status == http.StatusRequestEntityTooLarge {
			s.refused.Add(guard.RefuseTooLarge, c.Request.Method, c.Request.URL.Path, aerr.Message)
		}
		protocols.WriteError(c.Writer, p, aerr)
		return nil, false
	}
	return in, true
}

// handleProxy serves the routes of client protocol p (package protocols):
// POST /v1/chat/completions, /v1/messages (?beta=true is tolerated;
// x-api-key or Authorization: Bearer is accepted and never forwarded),
// /v1/responses. Each goes through the same plan, failover and first-byte
// rule, converted through the hub for backends of other formats and
// untouched for backends of the protocol's own.
func (s *Server) handleProxy(p *protocols.Client) gin.HandlerFunc {
	return func(c *gin.Context) {
		in, ok := s.read(c, p)
		if !ok {
			return
		}
		if in.CountTokens && p.Count != nil {
			body, aerr := p.Count(in)
			if aerr != nil {
				protocols.WriteError(c.Writer, p, aerr)
				return
			}
			c.Header("X-Switchyard-Estimate", "local")
			c.Data(http.StatusOK, "application/json", body)
			return
		}
		if p.Check != nil {
			if aerr := p.Check(in, s.log); aerr != nil {
				protocols.WriteError(c.Writer, p, aerr)
				return
			}
		}
		s.proxy(c.Writer, c.Request, in)
	}
}

// geminiAction lets a Gemini model route through to next only for a
// method the gateway serves; any other is an unknown route.
func (s *Server) geminiAction(next gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, _, ok := protocols.GeminiAction(c.Request.URL.Path); !ok {
			s.handleNoRoute(c)
			return
		}
		next(c)
	}
}

// handleCountTokens serves POST /v1/messages/count_tokens: passed to the
// first Anthropic-format candidate when that is the first candidate,
// otherwise (or if that fails) a local estimate. It never answers 5xx.
func (s *Server) handleCountTokens(c *gin.Context) {
	in, ok := s.read(c, protocols.Anthropic)
	if !ok {
		return
	}
	req, aerr := in.AnthropicRequest()
	if aerr != nil {
		protocols.WriteError(c.Writer, protocols.Anthropic, aerr)
		return
	}
	plan := s.table.NewPlan(in.Model)
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

func (s *Server) countUpstream(ctx context.Context, in *protocols.Inbound, a route.Attempt, plan *route.Plan) ([]byte, bool) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	ex := &protocols.Exchange{Body: in.Body, Path: "/v1/messages/count_tokens", Format: config.FormatAnthropic}
	if m := a.Backend.UpstreamModel(in.Model); m != in.Model {
		if b, err := protocols.WithModel(in.Body, m); err == nil {
			ex.Body = b
		}
	}
	req, err := protocols.NewUpstreamRequest(ctx, &protocols.Inbound{Proto: protocols.Anthropic, PassHeaders: in.PassHeaders}, a, ex)
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
// configured and fetched model lists and their alias names (eachModel),
// in OpenAI's list shape, or Anthropic's for an Anthropic client.
func (s *Server) handleModels(c *gin.Context) {
	if c.GetHeader("anthropic-version") != "" {
		var ids []string
		s.eachModel(func(id, _ string) { ids = append(ids, id) })
		c.JSON(http.StatusOK, anthropicModels(ids))
		return
	}
	list := openai.ModelList{Object: "list", Data: []openai.Model{}}
	s.eachModel(func(id, owner string) {
		list.Data = append(list.Data, openai.Model{ID: id, Object: "model", Created: 1700000000, OwnedBy: owner})
	})
	c.JSON(http.StatusOK, list)
}

// handleGeminiModels serves GET /v1beta/models (and /v1/models under the
// Gemini prefix): the same union in Gemini's list shape.
func (s *Server) handleGeminiModels(c *gin.Context) {
	var ids []string
	s.eachModel(func(id, _ string) { ids = append(ids, id) })
	c.Data(http.StatusOK, "application/json", gemini.ModelList(ids))
}

// handleGeminiModel serves GET /v1beta/models/{model}: the model's entry
// when a backend lists it, else 404 in Google's shape.
func (s *Server) handleGeminiModel(c *gin.Context) {
	want := strings.TrimPrefix(c.Param("action"), "models/")
	found := false
	s.eachModel(func(id, _ string) { found = found || id == want })
	if !found {
		protocols.WriteError(c.Writer, protocols.Gemini, &protocols.Error{Status: 404, Message: "model " + strconv.Quote(want) + " is not in any enabled backend's model list"})
		return
	}
	c.JSON(http.StatusOK, gemini.ModelInfo(want))
}

// handleHealth serves GET /healthz: 200 "ok" while serving, with a header
// that identifies Switchyard (a second launch uses it to find us).
func (s *Server) handleHealth(c *gin.Context) {
	c.Header("X-Switchyard-Version", s.opts.Version)
	c.Header("Cache-Control", "no-store")
	c.String(http.StatusOK, "ok")
}

func itoa(n int) string { return strconv.Itoa(n) }
