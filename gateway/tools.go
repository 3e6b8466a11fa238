package gateway

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"switchyard/connect"
	"switchyard/gateway/dashboard"
	"switchyard/gateway/protocols"
)

// One-click tool setup, for the dashboard's Connect tab and the tray: the
// gateway adapts package connect to dashboard.Connector. Both go through
// the one toolSetup here, so a tray click and a dashboard click never
// write the same files at once.

// toolsTTL is how long a read of the tools' files is reused: the tray
// reads the state on every status change.
const toolsTTL = 2 * time.Second

type toolSetup struct {
	s     *Server
	setup func() (*connect.Setup, error)

	mu     sync.Mutex // one apply or undo at a time; guards the cache
	cached []dashboard.ToolState
	at     time.Time
}

// Where is the URL the tools are pointed at and the home folder.
func (t *toolSetup) Where() (string, string) {
	if su, err := t.setup(); err == nil {
		return su.GatewayURL, su.Home
	}
	return "", ""
}

// Tools is every tool's state, read at most every toolsTTL.
func (t *toolSetup) Tools() []dashboard.ToolState {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	if t.cached != nil && now.Sub(t.at) < toolsTTL {
		return t.cached
	}
	su, err := t.setup()
	var out []dashboard.ToolState
	for _, tool := range connect.Tools() {
		st := dashboard.ToolState{ID: tool.ID, Name: tool.Name, Description: tool.Description}
		if err != nil {
			st.Error = err.Error()
		} else {
			cs := su.StatusOf(tool.ID)
			st.Files, st.Connected, st.Pending, st.Undo, st.Error = cs.Files, cs.Connected, cs.Pending, cs.Recorded, cs.Error
		}
		out = append(out, st)
	}
	t.cached, t.at = out, now
	return out
}

// Connect applies or undoes one tool's setup, then tells the status
// subscribers (the tray redraws its menu).
func (t *toolSetup) Connect(id string, undo bool) (*dashboard.ToolResult, error) {
	known := false
	for _, tool := range connect.Tools() {
		known = known || tool.ID == id
	}
	if !known {
		return nil, &protocols.Error{Status: http.StatusNotFound, Message: "unknown tool " + id}
	}
	su, err := t.setup()
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	var res *connect.Result
	if undo {
		res, err = su.Undo(id)
	} else {
		res, err = su.Apply(id)
	}
	t.cached = nil
	t.mu.Unlock()
	t.s.table.Events().Signal()
	if err != nil {
		var se *connect.SyntaxError
		if errors.As(err, &se) {
			return nil, &protocols.Error{Status: http.StatusUnprocessableEntity, Message: "config does not parse: " + err.Error()}
		}
		return nil, &protocols.Error{Status: http.StatusInternalServerError, Message: err.Error()}
	}
	out := &dashboard.ToolResult{Changed: res.Changed(), Notes: res.Notes}
	for _, f := range res.Files {
		out.Files = append(out.Files, dashboard.ToolFileOp{Path: f.Path, Action: f.Action, Backup: f.Backup, Changes: f.Changes, Kept: f.Kept})
	}
	return out, nil
}

// Tools lists the tools the gateway can set up and whether each points
// at it now (nil without Options.ToolSetup). The tray's submenu reads it.
func (s *Server) Tools() []dashboard.ToolState {
	if s.tools == nil {
		return nil
	}
	return s.tools.Tools()
}

// ConnectTool points a tool at the gateway (undo false) or takes it off
// again; the error's message is for the user.
func (s *Server) ConnectTool(id string, undo bool) (*dashboard.ToolResult, error) {
	if s.tools == nil {
		return nil, errors.New("tool setup is not available")
	}
	return s.tools.Connect(id, undo)
}
