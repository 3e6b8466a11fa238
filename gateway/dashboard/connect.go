package dashboard

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// One-click tool setup (the Connect tab), behind the guard; the POST is a
// write under /api/, so it needs the session and its CSRF token:
//
//	GET  /api/connect         {"gateway_url":"…","home":"…","tools":[ToolState…]}
//	                          (no tools when the gateway has no tool setup)
//	POST /api/connect/{tool}  {"action":"apply"|"undo"} → {"tool":ToolState,"result":ToolResult}
//
// The work is package connect's; the gateway adapts it to Connector, so
// this package knows only the JSON.

// Connector points the user's tools at the gateway and back.
type Connector interface {
	// Where returns the URL the tools are pointed at and the user's home
	// folder (the page shows paths under it as ~/…).
	Where() (gatewayURL, home string)
	// Tools lists every tool with its state now, in a stable order.
	Tools() []ToolState
	// Connect applies (undo false) or undoes the setup of one tool. An
	// error may carry its HTTP status (StatusError): 404 for an unknown
	// tool, 422 for a file that does not parse; else 500.
	Connect(tool string, undo bool) (*ToolResult, error)
}

// ToolState is one tool in GET /api/connect.
type ToolState struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Files       []string `json:"files"`     // the files setup edits
	Connected   bool     `json:"connected"` // points at the gateway now
	Pending     []string `json:"pending,omitempty"`
	Undo        bool     `json:"undo"`            // setup changed its files and can undo it exactly
	Error       string   `json:"error,omitempty"` // e.g. a file that does not parse
}

// ToolResult is what one apply or undo did.
type ToolResult struct {
	Changed bool         `json:"changed"`
	Files   []ToolFileOp `json:"files"`
	Notes   []string     `json:"notes,omitempty"`
}

// ToolFileOp is one file of a ToolResult.
type ToolFileOp struct {
	Path    string   `json:"path"`
	Action  string   `json:"action"` // created, updated, unchanged, restored, removed, reverted, missing
	Backup  string   `json:"backup,omitempty"`
	Changes []string `json:"changes,omitempty"`
	Kept    []string `json:"kept,omitempty"`
}

func (d *Dashboard) connectRoutes(e *gin.Engine) {
	e.GET("/api/connect", d.handleConnectList)
	e.POST("/api/connect/:tool", d.handleConnect)
}

func (d *Dashboard) handleConnectList(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	if d.opts.Connector == nil {
		c.JSON(http.StatusOK, gin.H{"tools": []ToolState{}})
		return
	}
	url, home := d.opts.Connector.Where()
	c.JSON(http.StatusOK, gin.H{"gateway_url": url, "home": home, "tools": scrubTools(d.opts.Connector.Tools())})
}

func (d *Dashboard) handleConnect(c *gin.Context) {
	con := d.opts.Connector
	if con == nil {
		d.opts.WriteError(c.Writer, http.StatusNotFound, "tool setup is not available in this gateway")
		return
	}
	var body struct {
		Action string `json:"action"`
	}
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || body.Action != "apply" && body.Action != "undo" {
		d.opts.WriteError(c.Writer, http.StatusBadRequest, `invalid body: want {"action":"apply"} or {"action":"undo"}`)
		return
	}
	id := c.Param("tool")
	var state *ToolState
	for _, t := range con.Tools() {
		if t.ID == id {
			state = &t
			break
		}
	}
	if state == nil {
		d.opts.WriteError(c.Writer, http.StatusNotFound, "unknown tool "+strconv.Quote(id))
		return
	}
	res, err := con.Connect(id, body.Action == "undo")
	if err != nil {
		status := http.StatusInternalServerError
		var se StatusError
		if errors.As(err, &se) {
			status = se.HTTPStatus()
		}
		d.opts.WriteError(c.Writer, status, Scrub(err.Error()))
		return
	}
	for _, t := range scrubTools(con.Tools()) {
		if t.ID == id {
			state = &t
		}
	}
	for i := range res.Files {
		res.Files[i].Changes = scrubAll(res.Files[i].Changes)
		res.Files[i].Kept = scrubAll(res.Files[i].Kept)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"tool": state, "result": res})
}

// scrubTools is the second net over what a tool's files say (connect
// never shows a credential's value; a parser's message might quote one).
func scrubTools(list []ToolState) []ToolState {
	out := make([]ToolState, len(list))
	for i, t := range list {
		t.Error, t.Pending = Scrub(t.Error), scrubAll(t.Pending)
		out[i] = t
	}
	return out
}

func scrubAll(list []string) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = Scrub(s)
	}
	return out
}
