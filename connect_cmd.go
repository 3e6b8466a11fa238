package main

// The `switchyard connect` command: point a tool (Claude Code, Codex,
// Gemini CLI, opencode, qwen-code, Continue) at the gateway, take it off
// again, or list which tools point at it. The work is package connect's;
// this file parses the arguments, works out the gateway's address from the
// configuration in effect and prints the result.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"switchyard/connect"
	"switchyard/gateway/config"
)

type connectFlags struct {
	configPath, addr, model string
	undo, status            bool
	tool                    string
}

// parseConnectFlags accepts the flags before or after the tool name.
func parseConnectFlags(args []string, stderr io.Writer) (*connectFlags, error) {
	f := &connectFlags{}
	fs := flag.NewFlagSet("connect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.configPath, "config", "", "config file (default $XDG_CONFIG_HOME/switchyard/config.yaml)")
	fs.StringVar(&f.addr, "addr", "", "the gateway's address, when it is not the configured one (default 127.0.0.1:7861, or SWITCHYARD_ADDR)")
	fs.StringVar(&f.model, "model", "", "model for tools that need one named in their config (default "+connect.DefaultModel+")")
	fs.BoolVar(&f.undo, "undo", false, "take TOOL off the gateway again")
	fs.BoolVar(&f.status, "status", false, "list which tools point at the gateway now")
	fs.Usage = func() { fmt.Fprint(stderr, connectUsage()) }
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case f.status && f.undo:
		return nil, errors.New("--status and --undo do not go together")
	case f.status && len(rest) > 0:
		return nil, fmt.Errorf("--status takes no tool (it lists them all), got %q", rest[0])
	case !f.status && len(rest) == 0:
		return nil, errors.New("which tool? name one")
	case len(rest) > 1:
		return nil, fmt.Errorf("one tool at a time, got %q", strings.Join(rest, " "))
	}
	if len(rest) == 1 {
		f.tool = rest[0]
	}
	return f, nil
}

func connectUsage() string {
	var b strings.Builder
	b.WriteString(`usage: switchyard connect [--config FILE] [--addr HOST:PORT] [--model MODEL] TOOL
       switchyard connect --undo TOOL
       switchyard connect --status

Points TOOL's own config files at this gateway (only the settings it
needs; every other setting and comment stays, the file is backed up next
to itself as NAME.switchyard-YYYYMMDD-HHMMSS.bak), or with --undo puts
them back as they were. Connecting twice changes nothing.

tools:
`)
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, t := range connect.Tools() {
		fmt.Fprintf(w, "  %s\t%s\n", t.ID, t.Description)
	}
	w.Flush()
	b.WriteString(`
exit status: 0 ok, 1 failure (e.g. a config file that does not parse: it is
left untouched), 2 usage error
`)
	return b.String()
}

// connectSetup builds the connect.Setup for this user: the gateway's URL
// from the configuration in effect (file, SWITCHYARD_ADDR, --addr), the
// home folder, the state folder for the undo record, and whether the
// gateway needs its client token.
func connectSetup(f *connectFlags) (*connect.Setup, error) {
	path := f.configPath
	if path == "" {
		p, err := config.DefaultPath()
		if err != nil {
			return nil, fmt.Errorf("finding the config directory: %w", err)
		}
		path = p
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	getenv := os.Getenv
	if f.addr != "" {
		cfg = cfg.Clone()
		cfg.Listen = f.addr
		getenv = func(k string) string {
			if k == config.EnvAddr {
				return "" // --addr wins over SWITCHYARD_ADDR
			}
			return os.Getenv(k)
		}
	}
	eff, _, err := config.ApplyEnv(cfg, getenv)
	if err != nil {
		return nil, err
	}
	return newToolSetup(eff.Listen, f.model)
}

// newToolSetup is the one builder of a connect.Setup, for the CLI and for
// the running app (the dashboard's Connect tab and the tray): the tools
// are pointed at a gateway listening on listen; the home folder, the
// variables that move the tools' files, the state folder for the undo
// record and whether the gateway needs its client token come from this
// process's environment.
func newToolSetup(listen, model string) (*connect.Setup, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, fmt.Errorf("finding your home folder: %w", err)
	}
	state, err := config.StateDir()
	if err != nil {
		return nil, err
	}
	return &connect.Setup{
		Home:       home,
		Getenv:     os.Getenv,
		GatewayURL: gatewayURL(listen),
		Model:      model,
		Token:      os.Getenv("SWITCHYARD_TOKEN") != "",
		StateDir:   state,
	}, nil
}

// gatewayURL is the URL clients on this machine use for a listen address:
// a wildcard address is reached over loopback.
func gatewayURL(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "http://" + listen
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// runConnect runs `switchyard connect ARGS…` (without "connect").
func runConnect(args []string, setup func(*connectFlags) (*connect.Setup, error), stdout, stderr io.Writer) int {
	f, err := parseConnectFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "switchyard connect: %v\n\n%s", err, connectUsage())
		return 2
	}
	s, err := setup(f)
	if err != nil {
		fmt.Fprintln(stderr, "switchyard connect:", err)
		return 1
	}
	p := &printer{w: stdout, home: s.Home}
	if f.status {
		p.status(s)
		return 0
	}
	known := false
	for _, t := range connect.Tools() {
		known = known || t.ID == f.tool
	}
	if !known {
		fmt.Fprintf(stderr, "switchyard connect: unknown tool %q\n\n%s", f.tool, connectUsage())
		return 2
	}
	var res *connect.Result
	if f.undo {
		res, err = s.Undo(f.tool)
	} else {
		res, err = s.Apply(f.tool)
	}
	if res != nil {
		p.result(s, res, f.undo)
	}
	if err != nil {
		fmt.Fprintln(stderr, "switchyard connect:", err)
		return 1
	}
	return 0
}

type printer struct {
	w    io.Writer
	home string
}

// short shows a path under the home folder as ~/….
func (p *printer) short(path string) string {
	if rel, err := filepath.Rel(p.home, path); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.Join("~", rel)
	}
	return path
}

func (p *printer) result(s *connect.Setup, r *connect.Result, undo bool) {
	name := r.Tool.Name
	switch {
	case !undo && !r.Changed():
		fmt.Fprintf(p.w, "%s already points at %s: nothing changed.\n", name, s.GatewayURL)
	case !undo:
		fmt.Fprintf(p.w, "%s now points at %s.\n", name, s.GatewayURL)
	case !r.Changed():
		fmt.Fprintf(p.w, "%s: nothing to undo.\n", name)
	default:
		fmt.Fprintf(p.w, "%s no longer points at Switchyard.\n", name)
	}
	for _, f := range r.Files {
		path := p.short(f.Path)
		switch f.Action {
		case connect.Unchanged:
			if !undo || r.Changed() {
				fmt.Fprintf(p.w, "  unchanged %s\n", path)
			}
		case connect.Missing:
			continue
		case connect.Created:
			fmt.Fprintf(p.w, "  created %s\n", path)
		case connect.Updated:
			fmt.Fprintf(p.w, "  updated %s\n", path)
		case connect.Restored:
			fmt.Fprintf(p.w, "  restored %s byte for byte from %s\n", path, p.short(f.Backup))
		case connect.Removed:
			fmt.Fprintf(p.w, "  removed %s (connect had created it)\n", path)
		case connect.Reverted:
			fmt.Fprintf(p.w, "  reverted %s: took out connect's settings, kept everything else\n", path)
		}
		if f.Action != connect.Restored {
			for _, c := range f.Changes {
				fmt.Fprintf(p.w, "      %s\n", c)
			}
		}
		for _, k := range f.Kept {
			fmt.Fprintf(p.w, "      kept %s\n", k)
		}
		if f.Backup != "" && f.Action != connect.Restored {
			fmt.Fprintf(p.w, "    backup: %s\n", p.short(f.Backup))
		}
	}
	if !undo {
		for _, n := range r.Notes {
			fmt.Fprintf(p.w, "  note: %s\n", n)
		}
		if r.Changed() {
			fmt.Fprintf(p.w, "Undo with: switchyard connect --undo %s\n", r.Tool.ID)
		}
	}
}

func (p *printer) status(s *connect.Setup) {
	fmt.Fprintf(p.w, "Gateway: %s\n", s.GatewayURL)
	w := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "TOOL\tSTATE\tFILES")
	for _, st := range s.Status() {
		state := "not connected"
		switch {
		case st.Error != "":
			state = "error"
		case st.Connected && len(st.Pending) > 0:
			state = "connected (connect would update it)"
		case st.Connected:
			state = "connected"
		}
		files := make([]string, len(st.Files))
		for i, f := range st.Files {
			files[i] = p.short(f)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", st.Tool.ID, state, strings.Join(files, ", "))
		if st.Error != "" {
			fmt.Fprintf(w, "\t\t%s\n", st.Error)
		}
	}
	w.Flush()
}
