package gateway

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/gin-gonic/gin"

	"switchyard/gateway/config"
	"switchyard/gateway/protocols"
	"switchyard/gateway/usage"
)

// Usage accounting: the store (gateway/usage) opened from the config's
// usage section, the /api/usage routes and the status line. Records are
// built per request in proxy (accounting.go) and handed to the store's
// batched writer, never written on the request path.

// openUsage opens the usage database when accounting is on. A database
// that cannot be opened costs one log line and a warning in /api/status;
// the gateway serves without accounting.
func (s *Server) openUsage(eff *config.Config) {
	u := eff.Usage
	if !u.Enabled || s.opts.UsageDB == "" {
		return
	}
	o := s.opts.UsageOptions
	o.RetentionDays = u.RetentionDays
	o.Logger = s.log
	if o.Now == nil {
		o.Now = s.clock.Now
	}
	prices, err := s.usagePrices(u)
	if err != nil {
		s.log.Warn("usage: price table not loaded; using the shipped prices", "err", err)
		s.usageWarn = err.Error()
	}
	o.Prices = prices
	st, err := usage.Open(s.opts.UsageDB, o)
	if err != nil {
		s.log.Warn("usage accounting is off: the usage database cannot be opened", "err", err)
		s.usageWarn = "usage accounting is off: " + err.Error()
		return
	}
	if w := st.Warning(); w != nil { // already logged by the store
		s.usageWarn = w.Error()
	}
	s.acct = st
}

// usagePrices is the shipped price table with the config's file or inline
// table laid over it.
func (s *Server) usagePrices(u config.Usage) (usage.PriceTable, error) {
	base := usage.DefaultPrices()
	switch {
	case u.PricesFile != "":
		p := u.PricesFile
		if !filepath.IsAbs(p) && s.opts.ConfigPath != "" {
			p = filepath.Join(filepath.Dir(s.opts.ConfigPath), p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return base, fmt.Errorf("usage.prices: %w", err)
		}
		t, err := usage.ParsePrices(data)
		if err != nil {
			return base, fmt.Errorf("usage.prices %s: %w", p, err)
		}
		return base.Merge(t), nil
	case len(u.Prices) > 0:
		t := make(usage.PriceTable, len(u.Prices))
		for m, p := range u.Prices {
			t[m] = usage.Price{Input: p.Input, Output: p.Output, CacheRead: p.CacheRead, CacheWrite: p.CacheWrite}
		}
		return base.Merge(t), nil
	}
	return base, nil
}

// UsageStatus is /api/status's "usage" object.
type UsageStatus struct {
	Enabled bool   `json:"enabled"`
	Dropped uint64 `json:"dropped"` // records lost: queue full, store closed or a failed write
	Warning string `json:"warning"` // the database was moved aside or cannot be opened; "" = fine
}

func (s *Server) usageStatus() UsageStatus {
	st := UsageStatus{Enabled: s.acct != nil, Warning: s.usageWarn}
	if s.acct != nil {
		x := s.acct.Stats()
		st.Dropped = x.Dropped + x.Failed
	}
	return st
}

// UsageStore is the usage database, nil when accounting is off.
func (s *Server) UsageStore() *usage.Store { return s.acct }

// UsageToday returns today's totals (the tray's "Today" line); ok is
// false when accounting is off or the query failed.
func (s *Server) UsageToday(ctx context.Context) (usage.Totals, bool) {
	if s.acct == nil {
		return usage.Totals{}, false
	}
	t, err := s.acct.Today(ctx)
	return t, err == nil
}

func (s *Server) usageLocation() *time.Location {
	if l := s.opts.UsageOptions.Location; l != nil {
		return l
	}
	return time.Local
}

const dayLayout = "2006-01-02"

// usageRange reads from and to (local days, to inclusive; default the
// last 30 days ending today) and returns [start, end) and the day names.
func (s *Server) usageRange(c *gin.Context) (start, end time.Time, from, to string, err error) {
	loc := s.usageLocation()
	now := s.clock.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	endDay, startDay := today, today.AddDate(0, 0, -29)
	if v := c.Query("to"); v != "" {
		d, perr := time.ParseInLocation(dayLayout, v, loc)
		if perr != nil {
			return start, end, "", "", fmt.Errorf("to: %q is not a date; use YYYY-MM-DD", trunc(v, 40))
		}
		endDay = d
		if c.Query("from") == "" {
			startDay = d.AddDate(0, 0, -29)
		}
	}
	if v := c.Query("from"); v != "" {
		d, perr := time.ParseInLocation(dayLayout, v, loc)
		if perr != nil {
			return start, end, "", "", fmt.Errorf("from: %q is not a date; use YYYY-MM-DD", trunc(v, 40))
		}
		startDay = d
	}
	if startDay.After(endDay) {
		return start, end, "", "", fmt.Errorf("from: %s is after to (%s)", startDay.Format(dayLayout), endDay.Format(dayLayout))
	}
	if endDay.Sub(startDay) > 3700*24*time.Hour {
		return start, end, "", "", fmt.Errorf("from: the range is longer than ten years")
	}
	return startDay, endDay.AddDate(0, 0, 1), startDay.Format(dayLayout), endDay.Format(dayLayout), nil
}

func usageBadRequest(c *gin.Context, err error) {
	protocols.WriteError(c.Writer, protocols.OpenAI, &protocols.Error{Status: http.StatusBadRequest, Message: err.Error()})
}

// usageOff is the answer of the usage routes with accounting off.
func (s *Server) usageOff(c *gin.Context) {
	body := gin.H{"enabled": false}
	if s.usageWarn != "" {
		body["warning"] = s.usageWarn
	}
	c.JSON(http.StatusOK, body)
}

// usageReport is the body of GET /api/usage.
type usageReport struct {
	Enabled bool         `json:"enabled"`
	From    string       `json:"from"`
	To      string       `json:"to"`
	Group   string       `json:"group"`
	Rows    []usage.Row  `json:"rows"`
	Totals  usage.Totals `json:"totals"`
	Dropped uint64       `json:"dropped"`
	Warning string       `json:"warning"`
}

// handleUsage serves GET /api/usage?from=&to=&group=day|backend|model|key.
func (s *Server) handleUsage(c *gin.Context) {
	if s.acct == nil {
		s.usageOff(c)
		return
	}
	group := c.DefaultQuery("group", usage.GroupDay)
	switch group {
	case usage.GroupDay, usage.GroupBackend, usage.GroupModel, usage.GroupKey:
	default:
		usageBadRequest(c, fmt.Errorf("group: %q is not a grouping; use day, backend, model or key", trunc(group, 40)))
		return
	}
	start, end, from, to, err := s.usageRange(c)
	if err != nil {
		usageBadRequest(c, err)
		return
	}
	ctx := c.Request.Context()
	rows, err := s.acct.Summary(ctx, start, end, group)
	if err != nil {
		s.usageFailed(c, err)
		return
	}
	tot, err := s.acct.Totals(ctx, start, end)
	if err != nil {
		s.usageFailed(c, err)
		return
	}
	st := s.usageStatus()
	c.JSON(http.StatusOK, usageReport{Enabled: true, From: from, To: to, Group: group, Rows: rows, Totals: tot, Dropped: st.Dropped, Warning: st.Warning})
}

func (s *Server) usageFailed(c *gin.Context, err error) {
	s.log.Warn("usage query failed", "err", err)
	protocols.WriteError(c.Writer, protocols.OpenAI, &protocols.Error{Status: http.StatusInternalServerError, Message: "usage query failed: " + err.Error()})
}

// handleUsageCSV serves GET /api/usage.csv?from=&to= as an attachment.
func (s *Server) handleUsageCSV(c *gin.Context) {
	if s.acct == nil {
		protocols.WriteError(c.Writer, protocols.OpenAI, &protocols.Error{Status: http.StatusNotFound, Code: "not_found", Message: "usage accounting is off (usage.enabled in config.yaml)"})
		return
	}
	start, end, from, to, err := s.usageRange(c)
	if err != nil {
		usageBadRequest(c, err)
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="switchyard-usage-`+from+"-"+to+`.csv"`)
	h.Set("Cache-Control", "no-store")
	if err := s.acct.ExportCSV(c.Request.Context(), c.Writer, start, end); err != nil {
		s.log.Warn("usage CSV export failed", "err", err)
		if !c.Writer.Written() {
			h.Del("Content-Disposition")
			s.usageFailed(c, err)
		}
	}
}

// todayReport is the body of GET /api/usage/today: today's Totals.
type todayReport struct {
	Enabled bool `json:"enabled"`
	usage.Totals
}

// handleUsageToday serves GET /api/usage/today.
func (s *Server) handleUsageToday(c *gin.Context) {
	if s.acct == nil {
		s.usageOff(c)
		return
	}
	t, err := s.acct.Today(c.Request.Context())
	if err != nil {
		s.usageFailed(c, err)
		return
	}
	c.JSON(http.StatusOK, todayReport{Enabled: true, Totals: t})
}
