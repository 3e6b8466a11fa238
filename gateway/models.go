package gateway

import (
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"switchyard/gateway/modellist"
	"switchyard/gateway/protocols"
)

// defaultModelRefresh is how often the live model lists are fetched.
const defaultModelRefresh = 30 * time.Minute

func (s *Server) newModelLists() *modellist.Store {
	path := ""
	if s.opts.StateDir != "" {
		path = filepath.Join(s.opts.StateDir, "models.json")
	}
	return modellist.New(path, s.client, s.clock, s.log)
}

// modelTargets are the enabled backends whose format has a list endpoint,
// each at its active pair.
func (s *Server) modelTargets() []modellist.Target {
	var out []modellist.Target
	for _, b := range s.config().Backends {
		bf := protocols.Backends[b.Format]
		if bf == nil || bf.ModelsPath == "" {
			continue
		}
		base, key, ok := s.table.ActiveEndpoint(b.ID)
		if !ok {
			continue
		}
		out = append(out, modellist.Target{ID: b.ID, Parse: bf.ParseModels, Request: func(ctx context.Context) (*http.Request, error) {
			return protocols.ModelsRequest(ctx, b.Format, base, key)
		}})
	}
	return out
}

// runModelLists fetches the lists at start and every period until ctx
// ends (period < 0: never).
func (s *Server) runModelLists(ctx context.Context) {
	period := s.opts.ModelRefresh
	if period < 0 {
		return
	}
	if period == 0 {
		period = defaultModelRefresh
	}
	s.models.Run(ctx, period, s.modelTargets)
}

// RefreshModels fetches every enabled backend's model list now (the
// dashboard's and tray's "refresh"), and returns the lists.
func (s *Server) RefreshModels(ctx context.Context) map[string]modellist.List {
	s.models.Refresh(ctx, s.modelTargets())
	return s.models.Lists()
}

// handleModelLists serves GET /api/models (the lists as fetched, with
// their age and last error) and POST /api/models/refresh (fetch now).
func (s *Server) handleModelLists(c *gin.Context) {
	if c.Request.Method == http.MethodPost {
		c.JSON(http.StatusOK, s.RefreshModels(c.Request.Context()))
		return
	}
	c.JSON(http.StatusOK, s.models.Lists())
}

// eachModel calls visit once per model id the enabled backends serve by
// name: configured model lists, alias names, then the fetched lists; the
// first backend to name a model owns it.
func (s *Server) eachModel(visit func(id, owner string)) {
	seen := map[string]bool{}
	add := func(id, owner string) {
		if id != "" && !seen[id] {
			seen[id] = true
			visit(id, owner)
		}
	}
	enabled := map[string]bool{}
	for _, st := range s.table.Status() {
		enabled[st.ID] = st.Enabled
	}
	for _, b := range s.config().Backends {
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
		for _, m := range s.models.Models(b.ID) {
			add(m, b.ID)
		}
	}
}

// anthropicModels is GET /v1/models for an Anthropic client (it sends
// anthropic-version): Anthropic's list shape.
func anthropicModels(ids []string) gin.H {
	data := make([]gin.H, len(ids))
	for i, id := range ids {
		data[i] = gin.H{"type": "model", "id": id, "display_name": id, "created_at": "2024-01-01T00:00:00Z"}
	}
	first, last := "", ""
	if len(ids) > 0 {
		first, last = ids[0], ids[len(ids)-1]
	}
	return gin.H{"data": data, "has_more": false, "first_id": first, "last_id": last}
}
