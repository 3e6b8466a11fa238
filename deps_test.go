package main

import (
	"bufio"
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestDependencyRules enforces the package layout of docs/architecture.md
// (as Tailscale's deptest does): each outside library has one importer,
// the converters stay pure, and nothing reaches back up to main or the
// tray. It reads `go list` for every package of the module.
func TestDependencyRules(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	imports := listDeps(t, "{{.ImportPath}}|{{join .Imports \" \"}}")
	deps := listDeps(t, "{{.ImportPath}}|{{join .Deps \" \"}}")
	if len(imports) < 10 {
		t.Fatalf("go list found %d packages", len(imports))
	}
	// One importer per outside library (gin: the gateway and its
	// dashboard).
	owners := map[string]string{
		"github.com/gin-gonic/gin":        "switchyard/gateway",
		"github.com/zalando/go-keyring":   "switchyard/keystore",
		"fyne.io/systray":                 "switchyard/tray",
		"github.com/adrg/xdg":             "switchyard/gateway/config",
		"github.com/pelletier/go-toml/v2": "switchyard/connect/tomledit",
		"modernc.org/sqlite":              "switchyard/gateway/usage",
	}
	for pkg, imps := range imports {
		for _, imp := range imps {
			if owner, ok := owners[imp]; ok && pkg != owner && !(imp == "github.com/gin-gonic/gin" && pkg == "switchyard/gateway/dashboard") {
				t.Errorf("%s imports %s: only %s may", pkg, imp, owner)
			}
			if (imp == "switchyard/tray" || imp == "switchyard") && pkg != "switchyard" {
				t.Errorf("%s imports %s: only main may", pkg, imp)
			}
		}
	}
	// streamout writes to the client (net/http), but knows nothing above it.
	for _, x := range deps["switchyard/gateway/streamout"] {
		if strings.HasPrefix(x, "switchyard/") && x != "switchyard/gateway/clock" || x == "github.com/gin-gonic/gin" {
			t.Errorf("switchyard/gateway/streamout depends on %s", x)
		}
	}
	// The gateway's leaf pieces (guard, listener, key source, state file, model lists, health probes)
	// are wired by the gateway root and know nothing above them: no gin, no
	// gateway root, no dashboard, no keychain; each imports only the
	// standard library and the module packages listed for it.
	leaves := map[string][]string{
		"switchyard/gateway/guard":     nil,
		"switchyard/gateway/listen":    nil,
		"switchyard/gateway/keysource": {"switchyard/gateway/route"},
		"switchyard/gateway/statefile": {"switchyard/gateway/route", "switchyard/atomicfile", "switchyard/gateway/clock"},
		"switchyard/gateway/modellist": {"switchyard/atomicfile", "switchyard/gateway/clock"},
		"switchyard/gateway/probe":     {"switchyard/gateway/route", "switchyard/gateway/clock"},
		"switchyard/gateway/quota":     {"switchyard/gateway/clock"},
		"switchyard/gateway/usage":     {"modernc.org/sqlite", "go.yaml.in/yaml/v3"},
	}
	for p, allowed := range leaves {
		imps, ok := imports[p]
		if !ok {
			t.Errorf("package %s not found", p)
			continue
		}
		for _, imp := range imps {
			stdlib := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") && !strings.HasPrefix(imp, "switchyard")
			if !stdlib && !slices.Contains(allowed, imp) {
				t.Errorf("%s imports %s: it may import only the standard library and %v", p, imp, allowed)
			}
		}
		for _, x := range deps[p] {
			if x == "github.com/gin-gonic/gin" || x == "switchyard/gateway" || x == "switchyard/gateway/dashboard" || x == "switchyard/keystore" {
				t.Errorf("%s depends on %s", p, x)
			}
		}
	}
	// Desktop notifications: notify talks to the notification service
	// (godbus, or a toast/osascript command) and knows only the clock;
	// only main (the notifier) and the gateway root (the coalescer) use it.
	if _, ok := imports["switchyard/notify"]; !ok {
		t.Errorf("package switchyard/notify not found")
	}
	for _, imp := range imports["switchyard/notify"] {
		stdlib := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") && !strings.HasPrefix(imp, "switchyard")
		if !stdlib && imp != "github.com/godbus/dbus/v5" && imp != "switchyard/gateway/clock" {
			t.Errorf("switchyard/notify imports %s: it may import only the standard library, godbus and the clock", imp)
		}
	}
	for pkg, imps := range imports {
		if slices.Contains(imps, "switchyard/notify") && pkg != "switchyard" && pkg != "switchyard/gateway" {
			t.Errorf("%s imports switchyard/notify: only main and the gateway root may", pkg)
		}
	}
	// Pure packages: wire types, SSE, the JSON scanner and the converters
	// do no I/O over HTTP and know nothing of configuration, routing or the
	// server. They may import the standard library (but net/http) and each
	// other, nothing else.
	pure := map[string]bool{"switchyard/gateway/sse": true, "switchyard/gateway/openai": true,
		"switchyard/gateway/anthropic": true, "switchyard/gateway/protocol": true, "switchyard/gateway/jscan": true,
		"switchyard/gateway/convert": true, "switchyard/gateway/convert/anthropicreq": true, "switchyard/gateway/convert/streamconv": true,
		"switchyard/gateway/responses": true, "switchyard/gateway/gemini": true,
		"switchyard/gateway/responses/responsesconv": true, "switchyard/gateway/responses/responsesstream": true,
		"switchyard/gateway/gemini/geminiconv": true, "switchyard/gateway/gemini/geministream": true,
		"switchyard/gateway/modelrule": true, "switchyard/gateway/passthrough": true, "switchyard/gateway/clock": true,
		"switchyard/gateway/session": true, "switchyard/gateway/meter": true}
	for p := range pure {
		imps, ok := imports[p]
		if !ok {
			t.Errorf("pure package %s not found", p)
			continue
		}
		for _, imp := range imps {
			stdlib := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") && !strings.HasPrefix(imp, "switchyard")
			if imp == "net/http" || !stdlib && !pure[imp] {
				t.Errorf("%s imports %s: converters and wire types may import only the standard library (not net/http) and each other", p, imp)
			}
		}
	}
	// The protocol layer knows HTTP but not the server: no gin, no gateway
	// root, no dashboard, no keystore.
	for _, x := range deps["switchyard/gateway/protocols"] {
		switch x {
		case "github.com/gin-gonic/gin", "switchyard/gateway", "switchyard/gateway/dashboard", "switchyard/keystore":
			t.Errorf("switchyard/gateway/protocols depends on %s", x)
		}
	}
	// convert's subpackages build on it, never on each other (and, the
	// compiler sees to it, convert never on them).
	for _, p := range []string{"switchyard/gateway/convert/anthropicreq", "switchyard/gateway/convert/streamconv"} {
		for _, x := range deps[p] {
			if strings.HasPrefix(x, "switchyard/gateway/convert/") {
				t.Errorf("%s depends on %s", p, x)
			}
		}
	}
	// A protocol adapter split in layers imports one way: wire types,
	// then the conversions to and from the hub, then the stream
	// converters; never back up.
	for _, layers := range [][]string{
		{"switchyard/gateway/responses", "switchyard/gateway/responses/responsesconv", "switchyard/gateway/responses/responsesstream"},
		{"switchyard/gateway/gemini", "switchyard/gateway/gemini/geminiconv", "switchyard/gateway/gemini/geministream"},
	} {
		for i, p := range layers {
			for _, x := range deps[p] {
				if slices.Contains(layers[i+1:], x) {
					t.Errorf("%s depends on %s: the layers of an adapter import downward only", p, x)
				}
			}
		}
	}
	// Routing decides; it does not read configuration or serve HTTP.
	for _, x := range deps["switchyard/gateway/route"] {
		if x == "switchyard/gateway/config" || x == "github.com/gin-gonic/gin" || x == "net/http" {
			t.Errorf("switchyard/gateway/route depends on %s", x)
		}
	}
	// The dashboard sees the gateway through its Host, Writer and
	// Connector interfaces only (tool setup is adapted by the gateway).
	for _, x := range deps["switchyard/gateway/dashboard"] {
		if x == "switchyard/gateway" || x == "switchyard/keystore" || x == "switchyard/tray" || x == "switchyard/connect" {
			t.Errorf("switchyard/gateway/dashboard depends on %s", x)
		}
	}
	// Tool setup edits files on disk and nothing else: it knows no other
	// package of the module but the one atomic writer (the caller passes
	// the gateway's URL) and serves nothing over HTTP.
	if _, ok := imports["switchyard/connect"]; !ok {
		t.Errorf("package switchyard/connect not found")
	}
	for _, x := range deps["switchyard/connect"] {
		if strings.HasPrefix(x, "switchyard/") && !strings.HasPrefix(x, "switchyard/connect/") && x != "switchyard/atomicfile" || x == "net/http" || x == "github.com/gin-gonic/gin" ||
			x == "fyne.io/systray" || x == "github.com/zalando/go-keyring" || x == "github.com/adrg/xdg" {
			t.Errorf("switchyard/connect depends on %s", x)
		}
	}
	// The one atomic writer is a leaf: the standard library only.
	for _, x := range imports["switchyard/atomicfile"] {
		if strings.Contains(strings.SplitN(x, "/", 2)[0], ".") || strings.HasPrefix(x, "switchyard") {
			t.Errorf("switchyard/atomicfile imports %s", x)
		}
	}
	// Its layers: the document model (connect/doc) and one editor per
	// file format, each importing only the document model, the standard
	// library and its one parsing library; only connect (and main) import
	// them.
	editors := map[string]string{"switchyard/connect/doc": "", "switchyard/connect/jsonc": "",
		"switchyard/connect/tomledit": "github.com/pelletier/go-toml/v2", "switchyard/connect/yamledit": "go.yaml.in/yaml/v3",
		"switchyard/connect/dotenv": ""}
	for p, lib := range editors {
		imps, ok := imports[p]
		if !ok {
			t.Errorf("package %s not found", p)
			continue
		}
		for _, imp := range imps {
			stdlib := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") && !strings.HasPrefix(imp, "switchyard")
			if !stdlib && imp != "switchyard/connect/doc" && (lib == "" || imp != lib) {
				t.Errorf("%s imports %s: it may import only the standard library, switchyard/connect/doc and its one library", p, imp)
			}
		}
	}
	for pkg, imps := range imports {
		for _, imp := range imps {
			if _, ok := editors[imp]; ok && pkg != "switchyard/connect" && pkg != "switchyard" && !strings.HasPrefix(pkg, "switchyard/connect/") {
				t.Errorf("%s imports %s: only switchyard/connect may", pkg, imp)
			}
			if _, ok := editors[pkg]; ok && imp != "switchyard/connect/doc" && strings.HasPrefix(imp, "switchyard/connect/") {
				t.Errorf("%s imports %s: the editors do not import each other", pkg, imp)
			}
		}
	}
	// Configuration is read by routing, never the reverse: config
	// validates model rules with modelrule, not route.
	for _, x := range deps["switchyard/gateway/config"] {
		if x == "switchyard/gateway/route" || x == "switchyard/gateway" || x == "github.com/gin-gonic/gin" {
			t.Errorf("switchyard/gateway/config depends on %s", x)
		}
	}
}

// listDeps runs go list over the module with a "pkg|a b c" template.
func listDeps(t *testing.T, format string) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", format, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	m := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		pkg, list, _ := strings.Cut(sc.Text(), "|")
		m[pkg] = strings.Fields(list)
	}
	return m
}
