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
		"github.com/gin-gonic/gin":      "switchyard/gateway",
		"github.com/zalando/go-keyring": "switchyard/keystore",
		"fyne.io/systray":               "switchyard/tray",
		"github.com/adrg/xdg":           "switchyard/gateway/config",
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
		if strings.HasPrefix(x, "switchyard/") || x == "github.com/gin-gonic/gin" {
			t.Errorf("switchyard/gateway/streamout depends on %s", x)
		}
	}
	// Pure packages: wire types, SSE, the JSON scanner and the converters
	// do no I/O over HTTP and know nothing of configuration, routing or the
	// server. They may import the standard library (but net/http) and each
	// other, nothing else.
	pure := map[string]bool{"switchyard/gateway/sse": true, "switchyard/gateway/openai": true,
		"switchyard/gateway/anthropic": true, "switchyard/gateway/protocol": true, "switchyard/gateway/jscan": true,
		"switchyard/gateway/convert": true, "switchyard/gateway/responses": true, "switchyard/gateway/gemini": true,
		"switchyard/gateway/responses/responsesconv": true, "switchyard/gateway/responses/responsesstream": true,
		"switchyard/gateway/gemini/geminiconv": true, "switchyard/gateway/gemini/geministream": true,
		"switchyard/gateway/modelrule": true, "switchyard/gateway/passthrough": true}
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
	// The dashboard sees the gateway through its Host interface only.
	for _, x := range deps["switchyard/gateway/dashboard"] {
		if x == "switchyard/gateway" || x == "switchyard/keystore" || x == "switchyard/tray" {
			t.Errorf("switchyard/gateway/dashboard depends on %s", x)
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
