// Command switchyard is a desktop tray app with a local LLM gateway: one
// endpoint on 127.0.0.1:7861 in front of several flaky backends, with
// priority failover, endpoint/key rotation and OpenAI ⇄ Anthropic
// conversion. main is the composition root: it parses the subcommand,
// loads config, opens the keychain, builds the gateway and runs it, with
// the tray or headless. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"switchyard/connect"
	"switchyard/gateway"
	"switchyard/gateway/config"
	"switchyard/gateway/listen"
	"switchyard/keystore"
	"switchyard/notify"
)

// Set by the release build (-ldflags -X).
var (
	version = "dev"
	commit  = ""
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	cmd := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "":
		return runApp(args)
	case "serve":
		return runServe(args)
	case "keys":
		return runKeysCommand(args)
	case "connect":
		return runConnect(args, connectSetup, os.Stdout, os.Stderr)
	case "version":
		fmt.Printf("switchyard %s (commit %s, %s, %s/%s)\n", version, orUnknown(commit), runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return 0
	case "help":
		usage(os.Stdout)
		return 0
	}
	fmt.Fprintf(os.Stderr, "switchyard: unknown command %q\n\n", cmd)
	usage(os.Stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  switchyard                      the desktop app: tray icon + gateway
  switchyard serve [--addr HOST:PORT] [--config FILE]
                                  the gateway alone, in the foreground
  switchyard keys set|add|list|rm  manage backend API keys in the OS keychain
  switchyard connect [--undo] TOOL | --status
                                  point Claude Code, Codex, Gemini CLI, opencode,
                                  qwen-code or Continue at the gateway (or back)
  switchyard version

Clients: OpenAI base URL http://127.0.0.1:7861/v1, Anthropic base URL http://127.0.0.1:7861
`)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// serveFlags are the flags shared by the app and `serve`.
type serveFlags struct {
	addr        string
	configPath  string
	allowRemote bool
}

func parseServeFlags(name string, args []string) (*serveFlags, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	f := &serveFlags{}
	fs.StringVar(&f.addr, "addr", "", "listen address (default 127.0.0.1:7861, or SWITCHYARD_ADDR)")
	fs.StringVar(&f.configPath, "config", "", "config file (default $XDG_CONFIG_HOME/switchyard/config.yaml)")
	fs.BoolVar(&f.allowRemote, "allow-remote", false, "allow a non-loopback --addr (requires SWITCHYARD_TOKEN)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return f, nil
}

// app is everything main builds: the gateway and what it needs.
type app struct {
	gw        *gateway.Server
	ln        net.Listener
	log       *slog.Logger
	addr      string
	cfgPath   string
	store     *keystore.Store
	listenErr error
}

// buildApp loads config and keys and builds the gateway. A listen error
// is returned in app.listenErr (the tray shows it), other errors fail.
func buildApp(f *serveFlags, log *slog.Logger) (*app, error) {
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
	if f.addr != "" {
		cfg = cfg.Clone()
		cfg.Listen = f.addr
	}
	getenv := os.Getenv
	if f.addr != "" {
		// --addr wins over SWITCHYARD_ADDR.
		getenv = func(k string) string {
			if k == "SWITCHYARD_ADDR" {
				return ""
			}
			return os.Getenv(k)
		}
	}
	token := os.Getenv("SWITCHYARD_TOKEN")
	stateDir, err := config.StateDir()
	if err != nil {
		log.Warn("no state directory; failovers and active endpoints will not survive a restart", "err", err)
		stateDir = ""
	}
	store := keystore.New(5 * time.Second)
	pctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	perr := store.Probe(pctx)
	cancel()
	var ks gateway.KeyStore = store
	if perr != nil {
		log.Warn("OS keychain unavailable; keys only from ID_API_KEYS environment variables", "err", perr)
		ks = nil
	}
	var gw *gateway.Server
	gw, err = gateway.New(gateway.Options{
		Config: cfg, ConfigPath: path, Getenv: getenv, Keys: ks, StateDir: stateDir, UsageDB: config.UsageDBPath(),
		Logger: log, Version: version, Token: token,
		Notifier: notify.New(log), // shown only while the config's notifications is on
		// The dashboard's Connect tab and the tray set tools up as
		// `switchyard connect` does, pointing them at the address served.
		ToolSetup: func() (*connect.Setup, error) { return newToolSetup(gw.Addr(), "") },
	})
	if err != nil {
		return nil, err // the environment overrides are applied (once) by gateway.New
	}
	addr := gw.Addr() // the effective listen address: file, SWITCHYARD_ADDR, --addr
	if err := checkBind(addr, f.allowRemote, token); err != nil {
		return nil, err
	}
	a := &app{gw: gw, log: log, addr: addr, cfgPath: path, store: store}
	a.ln, a.listenErr = listen.Open(addr)
	if a.listenErr == nil {
		gw.Listening(a.ln) // --addr 127.0.0.1:0: the port the system picked
		a.addr = gw.Addr()
	}
	return a, nil
}

// checkBind refuses a non-loopback listener unless asked for explicitly
// and protected by a client token (docs/hardening.md S1).
func checkBind(addr string, allowRemote bool, token string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q: want HOST:PORT, e.g. 127.0.0.1:7861", addr)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	if !allowRemote {
		return fmt.Errorf("refusing to listen on %s: it is reachable from other machines; pass --allow-remote and set SWITCHYARD_TOKEN if you really mean it", addr)
	}
	if len(token) < 16 {
		return errors.New("listening beyond loopback needs SWITCHYARD_TOKEN set to a random token of at least 16 characters")
	}
	return nil
}

func newLogger(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	if os.Getenv("SWITCHYARD_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// startApp parses the flags shared by the app and `serve` and builds the
// app; a non-negative code means "exit with it" (usage or a config error,
// already reported).
func startApp(name string, args []string) (*app, *slog.Logger, int) {
	f, err := parseServeFlags(name, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, 0
		}
		return nil, nil, 2
	}
	log := newLogger(os.Stderr)
	a, err := buildApp(f, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "switchyard:", err)
		return nil, nil, 1
	}
	return a, log, -1
}

// runServe is `switchyard serve`: the gateway in the foreground.
func runServe(args []string) int {
	a, log, code := startApp("serve", args)
	if code >= 0 {
		return code
	}
	if a.listenErr != nil {
		if isSwitchyard(a.addr) {
			fmt.Fprintf(os.Stderr, "switchyard: already running at http://%s/ (stop it first, or use --addr for a second instance)\n", a.addr)
		} else {
			fmt.Fprintln(os.Stderr, "switchyard:", a.listenErr)
		}
		a.gw.Close()
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Info("switchyard serving", "addr", a.addr, "openai_base_url", "http://"+a.addr+"/v1", "anthropic_base_url", "http://"+a.addr, "config", a.cfgPath, "version", version)
	fmt.Fprintf(os.Stderr, "\n  Dashboard (this link unlocks editing once, for 10 minutes):\n  %s\n\n", a.gw.NewLaunchURL())
	if err := a.gw.Serve(ctx, a.ln, 10*time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "switchyard:", err)
		return 1
	}
	log.Info("switchyard stopped")
	return 0
}

// runKeysCommand is `switchyard keys …` (see keys_cmd.go).
func runKeysCommand(args []string) int {
	path, err := config.DefaultPath()
	if err != nil {
		fmt.Fprintln(os.Stderr, "switchyard:", err)
		return 1
	}
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "switchyard:", err)
		return 1
	}
	eff, envKeys, err := config.ApplyEnv(cfg, os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "switchyard:", err)
		return 1
	}
	ids := make([]string, len(eff.Backends))
	for i, b := range eff.Backends {
		ids[i] = b.ID
	}
	return runKeys(context.Background(), args, stdioKeysDeps(keystore.New(10*time.Second), ids, envKeys))
}
