// Package connect points the user's AI coding tools at the Switchyard
// gateway, and back: one call per tool edits the tool's own config files
// (Claude Code, Codex CLI, Gemini CLI, opencode, qwen-code, Continue) so
// that it talks to http://127.0.0.1:7861 (or wherever the gateway
// listens), and another undoes exactly that.
//
// What every edit guarantees:
//
//   - Minimal: only the settings connect owns change, at the text level;
//     every other setting, comment, blank line and the key order stay byte
//     for byte (JSON with comments and trailing commas, TOML, YAML, .env).
//     After each edit the file is decoded again and must equal the old
//     content with exactly that setting changed, or nothing is written.
//   - Safe: a file that does not parse is left untouched and the error
//     names the file and line; nothing of a tool is written unless all of
//     its files can be edited. Files are replaced atomically (temporary
//     file + rename) with their mode kept; new files get 0600.
//   - Backed up: before changing an existing file connect copies it next
//     to itself as NAME.switchyard-YYYYMMDD-HHMMSS.bak.
//   - Idempotent: connecting a tool that is already connected changes
//     nothing (no write, no backup).
//   - Undoable: Undo restores the file byte for byte from the backup
//     taken at the first connect when nobody changed the file since;
//     otherwise (the user edited it) it removes only what connect added
//     and puts back the values connect replaced, leaving any setting the
//     user changed since as it is. A file connect created is removed. The
//     record of what was changed lives in StateDir/connect.json; without
//     it (deleted, or the tool was set up by hand) Undo removes the
//     settings whose values are exactly what connect writes.
//
// The API is what the CLI (switchyard connect), the dashboard and the
// tray use: Tools lists the tools, Setup.Status tells which point at the
// gateway now, Setup.Apply and Setup.Undo do the work and report each
// file touched. The package knows nothing of the gateway's configuration:
// the caller passes the gateway's URL (from the configuration in effect)
// and whether it needs its client token.
package connect

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"switchyard/connect/doc"
)

// DefaultModel is the model connect writes for tools that need one named
// in their config (Codex when it has none, opencode, qwen-code,
// Continue): every built-in backend serves it.
const DefaultModel = "claude-sonnet-4-5"

// TokenEnv is the variable that holds the gateway's client token.
// connect never writes the token itself into a tool's file: where a tool
// can read a key from a named variable, connect names this one.
const TokenEnv = "SWITCHYARD_TOKEN"

// Placeholder is the API key connect writes for tools that insist on
// having one when the gateway needs no client token: the gateway ignores
// the client's key (and never forwards it).
const Placeholder = "switchyard"

// Tool describes one tool connect can set up.
type Tool struct {
	ID          string `json:"id"`   // claude-code, codex, gemini, opencode, qwen, continue
	Name        string `json:"name"` // Claude Code, ...
	Description string `json:"description"`
}

// Tools lists the tools connect knows, in a stable order.
func Tools() []Tool {
	out := make([]Tool, len(tools))
	for i, t := range tools {
		out[i] = t.Tool
	}
	return out
}

// Setup is where the tools' files are and what they should point at.
type Setup struct {
	// Home is the user's home folder (the tools' files are under it).
	Home string
	// Getenv reads the variables that move the tools' files
	// (CLAUDE_CONFIG_DIR, CODEX_HOME, GEMINI_CLI_HOME, XDG_CONFIG_HOME,
	// CONTINUE_GLOBAL_DIR). nil reads none.
	Getenv func(string) string
	// GatewayURL is the gateway's root URL, e.g. http://127.0.0.1:7861.
	GatewayURL string
	// Model is the model for tools that need one in their config; ""
	// means DefaultModel.
	Model string
	// Token: the gateway requires its client token (SWITCHYARD_TOKEN).
	// Tools are then told to read it from that variable instead of
	// getting a placeholder key.
	Token bool
	// StateDir holds the record of what connect changed (connect.json),
	// which undo needs to restore files exactly. "" keeps no record.
	StateDir string
	// Now is the clock for backup names; nil is time.Now.
	Now func() time.Time
}

func (s *Setup) env(k string) string {
	if s.Getenv == nil {
		return ""
	}
	return s.Getenv(k)
}

func (s *Setup) model() string {
	if s.Model != "" {
		return s.Model
	}
	return DefaultModel
}

func (s *Setup) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Setup) base() string { return strings.TrimRight(s.GatewayURL, "/") }

// v1 is the OpenAI-style base URL: the gateway root + /v1.
func (s *Setup) v1() string { return s.base() + "/v1" }

func (s *Setup) check() error {
	if s.Home == "" {
		return errors.New("connect: no home folder")
	}
	if !strings.HasPrefix(s.GatewayURL, "http://") && !strings.HasPrefix(s.GatewayURL, "https://") {
		return fmt.Errorf("connect: gateway URL %q is not an http:// URL", s.GatewayURL)
	}
	return nil
}

// Result reports what Apply or Undo did to one tool.
type Result struct {
	Tool  Tool         `json:"tool"`
	Files []FileResult `json:"files"`
	// Notes are what the user still has to know or do (a variable to
	// export, a precedence rule of the tool).
	Notes []string `json:"notes,omitempty"`
}

// Changed reports whether any file was written or removed.
func (r *Result) Changed() bool {
	for _, f := range r.Files {
		if f.Action != Unchanged && f.Action != Missing {
			return true
		}
	}
	return false
}

// What happened to a file.
const (
	Created   = "created"   // connect made the file
	Updated   = "updated"   // connect changed settings in it
	Unchanged = "unchanged" // it already was as connect would make it
	Restored  = "restored"  // undo: put back byte for byte from the backup
	Removed   = "removed"   // undo: the file connect had created is gone
	Reverted  = "reverted"  // undo: connect's settings taken out, the rest kept
	Missing   = "missing"   // undo: the file is not there
)

// FileResult is one file of a Result.
type FileResult struct {
	Path   string `json:"path"`
	Action string `json:"action"`
	// Backup is the copy made before this change, if any.
	Backup string `json:"backup,omitempty"`
	// Changes lists the settings written or taken out, e.g.
	// `env.ANTHROPIC_BASE_URL = "http://127.0.0.1:7861"`.
	Changes []string `json:"changes,omitempty"`
	// Kept lists settings undo left alone because they changed since
	// connect wrote them.
	Kept []string `json:"kept,omitempty"`
}

// ToolStatus says whether a tool points at the gateway now.
type ToolStatus struct {
	Tool Tool `json:"tool"`
	// Connected: the settings that send the tool's requests to the
	// gateway are in place.
	Connected bool `json:"connected"`
	// Files are the files connect edits for the tool.
	Files []string `json:"files"`
	// Pending lists what Apply would still write (empty when nothing).
	Pending []string `json:"pending,omitempty"`
	// Recorded: connect changed these files and can undo it exactly.
	Recorded bool `json:"recorded"`
	// Error is why the tool's files cannot be read (a broken file).
	Error string `json:"error,omitempty"`
}

func findTool(id string) (*toolDef, error) {
	for _, t := range tools {
		if t.ID == id {
			return t, nil
		}
	}
	ids := make([]string, len(tools))
	for i, t := range tools {
		ids[i] = t.ID
	}
	return nil, fmt.Errorf("unknown tool %q: connect knows %s", id, strings.Join(ids, ", "))
}

// loaded is one file read and parsed.
type loaded struct {
	spec   fileSpec
	data   []byte
	mode   os.FileMode
	exists bool
	d      doc.Doc
}

func load(spec fileSpec) (*loaded, error) {
	data, mode, exists, err := readFile(spec.path)
	if err != nil {
		return nil, err
	}
	l := &loaded{spec: spec, data: data, mode: mode, exists: exists}
	text := data
	if !exists {
		text = []byte(spec.template)
		l.mode = 0o600
	}
	l.d, err = parseDoc(spec.format, spec.path, text)
	return l, err
}

// Apply points tool id at the gateway.
func (s *Setup) Apply(id string) (*Result, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	t, err := findTool(id)
	if err != nil {
		return nil, err
	}
	specs := t.files(s)
	man, err := loadManifest(s.StateDir)
	if err != nil {
		return nil, err
	}
	// Everything is computed before anything is written: one broken
	// file stops the whole tool.
	type planned struct {
		l          *loaded
		changes    []change
		containers [][]string
		lines      []string
	}
	var plans []planned
	for _, spec := range specs {
		l, err := load(spec)
		if err != nil {
			return nil, err
		}
		p := planned{l: l}
		for _, o := range spec.ops {
			ch, created, err := doc.Apply(l.d, spec.path, o.docOp())
			if err != nil {
				return nil, err
			}
			if ch != nil {
				p.changes = append(p.changes, *ch)
				p.containers = append(p.containers, created...)
				p.lines = append(p.lines, describe(*ch))
			}
		}
		plans = append(plans, p)
	}
	res := &Result{Tool: t.Tool, Notes: t.notes(s)}
	now := s.now()
	for _, p := range plans {
		fr := FileResult{Path: p.l.spec.path, Action: Unchanged}
		if len(p.changes) == 0 {
			res.Files = append(res.Files, fr)
			continue
		}
		out := p.l.d.Bytes()
		if p.l.exists {
			fr.Backup, err = backup(p.l.spec.path, p.l.data, p.l.mode, now)
			if err != nil {
				return res, fmt.Errorf("backing up %s: %w; nothing was written to it", p.l.spec.path, err)
			}
			fr.Action = Updated
		} else {
			fr.Action = Created
		}
		if err := writeAtomic(p.l.spec.path, out, p.l.mode); err != nil {
			return res, fmt.Errorf("writing %s: %w", p.l.spec.path, err)
		}
		fr.Changes = p.lines
		res.Files = append(res.Files, fr)
		man.record(t.ID, p.l, fr.Backup, out, p.changes, p.containers, now)
		if err := man.save(s.StateDir); err != nil {
			return res, fmt.Errorf("%s was written, but the undo record was not: %w", p.l.spec.path, err)
		}
	}
	return res, nil
}

// record notes what Apply wrote to a file.
func (m *manifest) record(tool string, l *loaded, bak string, out []byte, changes []change, containers [][]string, now time.Time) {
	path := l.spec.path
	rec := m.Files[path]
	if rec == nil || !l.exists {
		rec = &fileRecord{Tool: tool, Created: !l.exists, Exact: true}
		if l.exists {
			rec.Backup, rec.OriginalSHA256 = bak, sum(l.data)
		}
		m.Files[path] = rec
	} else if sum(l.data) != rec.WrittenSHA256 {
		// Someone changed the file between two connects: the backup
		// is no longer "this file minus connect's settings".
		rec.Exact = false
	}
	for _, ch := range changes {
		merged := false
		for i := range rec.Changes {
			if slices.Equal(rec.Changes[i].Path, ch.Path) && doc.Equal(plainMatch(rec.Changes[i].Match), plainMatch(ch.Match)) {
				rec.Changes[i].New = ch.New
				merged = true
			}
		}
		if !merged {
			rec.Changes = append(rec.Changes, ch)
		}
	}
	rec.Containers = append(rec.Containers, containers...)
	rec.WrittenSHA256 = sum(out)
	rec.Time = now
}

func plainMatch(m map[string]any) any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// Undo takes tool id off the gateway: see the package comment for how
// exact it is.
func (s *Setup) Undo(id string) (*Result, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	t, err := findTool(id)
	if err != nil {
		return nil, err
	}
	man, err := loadManifest(s.StateDir)
	if err != nil {
		return nil, err
	}
	specs := t.files(s)
	// The recorded files of the tool too: CODEX_HOME may have moved.
	seen := map[string]bool{}
	for _, sp := range specs {
		seen[sp.path] = true
	}
	var extra []string
	for path, rec := range man.Files {
		if rec.Tool == t.ID && !seen[path] {
			extra = append(extra, path)
		}
	}
	sort.Strings(extra)
	for _, p := range extra {
		for _, sp := range t.allFiles(s) {
			if sp.path == p {
				specs = append(specs, sp)
			}
		}
		if !hasPath(specs, p) {
			specs = append(specs, fileSpec{path: p, format: formatOf(p)})
		}
	}
	res := &Result{Tool: t.Tool}
	now := s.now()
	for _, spec := range specs {
		rec := man.Files[spec.path]
		fr, err := s.undoFile(spec, rec, now)
		if fr != nil {
			res.Files = append(res.Files, *fr)
		}
		if err != nil {
			return res, err
		}
		if rec != nil {
			delete(man.Files, spec.path)
			if err := man.save(s.StateDir); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

func hasPath(specs []fileSpec, p string) bool {
	for _, sp := range specs {
		if sp.path == p {
			return true
		}
	}
	return false
}

func (s *Setup) undoFile(spec fileSpec, rec *fileRecord, now time.Time) (*FileResult, error) {
	fr := &FileResult{Path: spec.path, Action: Unchanged}
	data, mode, exists, err := readFile(spec.path)
	if err != nil {
		return fr, err
	}
	if !exists {
		fr.Action = Missing
		return fr, nil
	}
	if done, err := restoreExact(spec, rec, data, mode, fr); done || err != nil {
		return fr, err
	}
	d, err := parseDoc(spec.format, spec.path, data)
	if err != nil {
		return fr, err
	}
	var changes []change
	var containers [][]string
	if rec != nil {
		changes, containers = rec.Changes, rec.Containers
	} else {
		changes, containers = guessChanges(spec)
	}
	for i := len(changes) - 1; i >= 0; i-- {
		did, kept, err := doc.Revert(d, spec.path, changes[i])
		if err != nil {
			return fr, err
		}
		if did {
			fr.Changes = append(fr.Changes, undescribe(changes[i]))
		}
		if kept != "" {
			fr.Kept = append(fr.Kept, kept)
		}
	}
	sort.SliceStable(containers, func(i, j int) bool { return len(containers[i]) > len(containers[j]) })
	for _, c := range containers {
		v, ok, _ := doc.Lookup(d.Tree(), c)
		if ok && doc.IsEmpty(v) {
			before := d.Tree()
			if err := d.Del(c); err != nil {
				return fr, err
			}
			if !doc.Equal(d.Tree(), doc.WithDeleted(before, c)) {
				return fr, fmt.Errorf("%s: internal error: removing %s changed more than that; nothing was written", spec.path, doc.ShowPath(c))
			}
			fr.Changes = append(fr.Changes, "removed "+doc.ShowPath(c)+" (empty)")
		}
	}
	out := d.Bytes()
	if string(out) == string(data) {
		return fr, nil
	}
	if rec != nil && rec.Created && len(d.Tree()) == 0 && len(strings.TrimSpace(string(out))) <= 2 {
		if err := os.Remove(spec.path); err != nil {
			return fr, err
		}
		fr.Action = Removed
		return fr, nil
	}
	if rec == nil || !rec.Created {
		if fr.Backup, err = backup(spec.path, data, mode, now); err != nil {
			return fr, fmt.Errorf("backing up %s: %w; nothing was written to it", spec.path, err)
		}
	}
	if err := writeAtomic(spec.path, out, mode); err != nil {
		return fr, err
	}
	fr.Action = Reverted
	return fr, nil
}

// restoreExact undoes a file nobody edited since connect wrote it: the
// file connect created is removed, else the backup comes back byte for
// byte. done is false when that is not possible (edited since, backup gone
// or changed): then the settings are taken out instead.
func restoreExact(spec fileSpec, rec *fileRecord, data []byte, mode os.FileMode, fr *FileResult) (done bool, err error) {
	if rec == nil || !rec.Exact || sum(data) != rec.WrittenSHA256 {
		return false, nil
	}
	if rec.Created {
		if err := os.Remove(spec.path); err != nil {
			return true, err
		}
		fr.Action = Removed
		return true, nil
	}
	orig, err := os.ReadFile(rec.Backup)
	if err != nil || sum(orig) != rec.OriginalSHA256 {
		return false, nil
	}
	if err := writeAtomic(spec.path, orig, mode); err != nil {
		return true, err
	}
	fr.Action, fr.Backup = Restored, rec.Backup
	for _, ch := range rec.Changes {
		fr.Changes = append(fr.Changes, undescribe(ch))
	}
	return true, nil
}

// guessChanges is what connect would have written to a file it has no
// record of: its settings (none existed before) and the containers that
// hold them, removed when left empty.
func guessChanges(spec fileSpec) ([]change, [][]string) {
	var changes []change
	var containers [][]string
	seen := map[string]bool{}
	for _, o := range spec.ops {
		ch := change{Path: o.path, New: doc.Plain(o.value)}
		if o.match != nil {
			ch.Match, _ = doc.Plain(o.match).(map[string]any)
		}
		changes = append(changes, ch)
		for i := 1; i < len(o.path); i++ {
			k := strings.Join(o.path[:i], "\x00")
			if !seen[k] {
				seen[k] = true
				containers = append(containers, append([]string(nil), o.path[:i]...))
			}
		}
	}
	return changes, containers
}

// Status tells, for every tool, whether it points at the gateway now.
func (s *Setup) Status() []ToolStatus {
	out := make([]ToolStatus, 0, len(tools))
	for _, t := range tools {
		out = append(out, s.StatusOf(t.ID))
	}
	return out
}

// StatusOf is Status for one tool.
func (s *Setup) StatusOf(id string) ToolStatus {
	t, err := findTool(id)
	if err != nil {
		return ToolStatus{Tool: Tool{ID: id}, Error: err.Error()}
	}
	st := ToolStatus{Tool: t.Tool, Connected: true}
	if err := s.check(); err != nil {
		st.Connected, st.Error = false, err.Error()
		return st
	}
	if man, err := loadManifest(s.StateDir); err == nil {
		for _, rec := range man.Files {
			if rec.Tool == t.ID {
				st.Recorded = true
			}
		}
	}
	for _, spec := range t.files(s) {
		st.Files = append(st.Files, spec.path)
		l, err := load(spec)
		if err != nil {
			st.Connected, st.Error = false, err.Error()
			continue
		}
		tree := l.d.Tree()
		for _, o := range spec.ops {
			ok, err := doc.Satisfied(tree, o.docOp())
			if err != nil {
				st.Connected, st.Error = false, fmt.Sprintf("%s: %v", spec.path, err)
				continue
			}
			if !ok {
				st.Pending = append(st.Pending, fmt.Sprintf("%s: %s", spec.path, describeOp(o)))
				if o.key {
					st.Connected = false
				}
			}
		}
	}
	return st
}
