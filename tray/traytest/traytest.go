// Package traytest drives a StatusNotifierItem tray icon over a private D-Bus
// session bus, for tests: it starts a dbus-daemon that activates nothing,
// plays a minimal tray host (org.kde.StatusNotifierWatcher), and reads and
// clicks the item's menu through com.canonical.dbusmenu.
//
// A typical test:
//
//	bus := traytest.StartBus(t) // skips without dbus-daemon, fails when CI=true
//	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus.Addr)
//	w := traytest.StartWatcher(t, bus)
//	go run the program's tray
//	item := w.WaitItem(t, 10*time.Second)
//	menu := item.WaitMenu(t, 5*time.Second, func(m traytest.Node) bool { ... })
//	item.ClickLabel(t, "Quit")
//
// It needs dbus-daemon (Debian package dbus-daemon) and works on Linux.
// Only one systray can run in a process, and only once: keep one tray test
// per test binary.
//
// Race detector: fyne.io/systray v1.12.2 answers the first GetLayout after
// its menu is built with a goroutine that bumps the menu revision 150 ms
// later, sharing no lock with GetLayout, so go test -race reports a race
// inside systray unless a menu item is updated in between. WaitMenu keeps
// its own reads out of that window and calls Item.OnShallow right after the
// first read; package tray's test uses that to update an item. A -race test
// elsewhere needs the same kind of nudge (or runs without -race).
package traytest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

// Bus is a private dbus-daemon session bus.
type Bus struct {
	// Addr is the bus address, for DBUS_SESSION_BUS_ADDRESS.
	Addr string
}

// sessionConfs are where distributions keep the session bus configuration.
var sessionConfs = []string{"/usr/share/dbus-1/session.conf", "/etc/dbus-1/session.conf"}

// minimalConf is used when no session.conf is found.
const minimalConf = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

var (
	serviceDirsRE = regexp.MustCompile(`<standard_session_servicedirs\s*/>`)
	servicedirRE  = regexp.MustCompile(`(?s)<servicedir>.*?</servicedir>`)
	listenRE      = regexp.MustCompile(`(?s)<listen>.*?</listen>`)
)

// StartBus starts a private session bus and stops it when the test ends.
// The configuration is a copy of the system's session.conf without
// <standard_session_servicedirs/>, so no service (a keyring, a notification
// daemon, a real tray host) is ever activated, and its socket lives in a
// temporary folder.
//
// Without dbus-daemon the test is skipped, except when the environment has
// CI=true, where that is a failure.
func StartBus(t testing.TB) *Bus {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("dbus-daemon is not installed (CI=true): apt-get install dbus-daemon")
		}
		t.Skip("dbus-daemon is not installed (apt-get install dbus-daemon); skipping the D-Bus test")
	}
	dir, err := os.MkdirTemp("", "sybus") // short: a socket path is limited to 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })

	conf := minimalConf
	for _, p := range sessionConfs {
		if b, err := os.ReadFile(p); err == nil {
			conf = string(b)
			break
		}
	}
	conf = serviceDirsRE.ReplaceAllString(conf, "")
	conf = servicedirRE.ReplaceAllString(conf, "")
	conf = listenRE.ReplaceAllLiteralString(conf, "<listen>unix:dir="+dir+"</listen>")
	confPath := filepath.Join(dir, "session.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(daemon, "--config-file="+confPath, "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting dbus-daemon: %v", err)
	}
	waited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(waited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-waited
	})

	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	select {
	case a := <-addr:
		if a == "" {
			<-waited
			t.Fatalf("dbus-daemon printed no address: %s", stderr.String())
		}
		return &Bus{Addr: a}
	case <-time.After(10 * time.Second):
		t.Fatalf("dbus-daemon did not print its address within 10s: %s", stderr.String())
	}
	return nil
}

// Connect opens a new connection to the bus, closed when the test ends.
func (b *Bus) Connect(t testing.TB) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(b.Addr)
	if err != nil {
		t.Fatalf("connecting to %s: %v", b.Addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// Watcher is a minimal org.kde.StatusNotifierWatcher: the part of a tray
// host that items register with.
type Watcher struct {
	conn  *dbus.Conn
	props *prop.Properties
	items chan *Item

	mu         sync.Mutex
	registered []string
}

const (
	watcherName  = "org.kde.StatusNotifierWatcher"
	watcherPath  = "/StatusNotifierWatcher"
	itemIface    = "org.kde.StatusNotifierItem"
	menuIface    = "com.canonical.dbusmenu"
	itemPathDflt = "/StatusNotifierItem"
)

// StartWatcher provides the watcher on its own connection to the bus.
func StartWatcher(t testing.TB, b *Bus) *Watcher {
	t.Helper()
	w := &Watcher{conn: b.Connect(t), items: make(chan *Item, 8)}
	if err := w.conn.Export(watcherMethods{w}, watcherPath, watcherName); err != nil {
		t.Fatal(err)
	}
	props, err := prop.Export(w.conn, watcherPath, map[string]map[string]*prop.Prop{watcherName: {
		"RegisteredStatusNotifierItems":  {Value: []string{}, Emit: prop.EmitTrue},
		"IsStatusNotifierHostRegistered": {Value: true, Emit: prop.EmitTrue},
		"ProtocolVersion":                {Value: int32(0), Emit: prop.EmitTrue},
	}})
	if err != nil {
		t.Fatal(err)
	}
	w.props = props
	reply, err := w.conn.RequestName(watcherName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning %s: reply %v, %v", watcherName, reply, err)
	}
	return w
}

// watcherMethods holds the exported methods, so that Watcher's own methods
// are not exported on the bus.
type watcherMethods struct{ w *Watcher }

// RegisterStatusNotifierItem is called by items; service is either the
// item's bus name or, as systray sends it, its object path.
func (m watcherMethods) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	it := &Item{conn: m.w.conn, Service: string(sender), Path: dbus.ObjectPath(service)}
	if !strings.HasPrefix(service, "/") {
		it.Service, it.Path = service, itemPathDflt
	}
	m.w.mu.Lock()
	m.w.registered = append(m.w.registered, it.Service+string(it.Path))
	reg := append([]string(nil), m.w.registered...)
	m.w.mu.Unlock()
	m.w.props.SetMust(watcherName, "RegisteredStatusNotifierItems", reg)
	m.w.conn.Emit(watcherPath, watcherName+".StatusNotifierItemRegistered", it.Service+string(it.Path))
	select {
	case m.w.items <- it:
	default:
	}
	return nil
}

// RegisterStatusNotifierHost is part of the interface; hosts are not tracked.
func (m watcherMethods) RegisterStatusNotifierHost(service string) *dbus.Error { return nil }

// WaitItem waits for an item to register and returns it.
func (w *Watcher) WaitItem(t testing.TB, timeout time.Duration) *Item {
	t.Helper()
	select {
	case it := <-w.items:
		return it
	case <-time.After(timeout):
		t.Fatalf("no StatusNotifierItem registered within %v", timeout)
		return nil
	}
}

// Item is a registered StatusNotifierItem, seen from the host's side.
type Item struct {
	conn    *dbus.Conn
	Service string          // the item's bus name
	Path    dbus.ObjectPath // its object path

	// OnShallow, when set, is called by WaitMenu right after it read a
	// shallow layout (see WaitMenu): a test that can make the tray update a
	// menu item at that moment avoids the race detector's report.
	OnShallow func()
}

func (it *Item) obj() dbus.BusObject { return it.conn.Object(it.Service, it.Path) }

// Property reads one org.kde.StatusNotifierItem property.
func (it *Item) Property(name string) (dbus.Variant, error) {
	return it.obj().GetProperty(itemIface + "." + name)
}

// Title is the item's Title property.
func (it *Item) Title() (string, error) { return it.stringProp("Title") }

// ID is the item's Id property.
func (it *Item) ID() (string, error) { return it.stringProp("Id") }

func (it *Item) stringProp(name string) (string, error) {
	v, err := it.Property(name)
	if err != nil {
		return "", err
	}
	s, ok := v.Value().(string)
	if !ok {
		return "", fmt.Errorf("%s is %s, not a string", name, v.Signature())
	}
	return s, nil
}

// ToolTip is the title of the item's ToolTip property (what hosts show).
func (it *Item) ToolTip() (string, error) {
	v, err := it.Property("ToolTip")
	if err != nil {
		return "", err
	}
	tt, ok := v.Value().([]interface{})
	if !ok || len(tt) != 4 {
		return "", fmt.Errorf("ToolTip is %s", v.Signature())
	}
	s, _ := tt[2].(string)
	return s, nil
}

// Icon returns the first IconPixmap: its size and ARGB32 bytes (network order).
func (it *Item) Icon() (w, h int, argb []byte, err error) {
	v, err := it.Property("IconPixmap")
	if err != nil {
		return 0, 0, nil, err
	}
	px, ok := v.Value().([][]interface{})
	if !ok || len(px) == 0 || len(px[0]) != 3 {
		return 0, 0, nil, fmt.Errorf("IconPixmap is %s", v.Signature())
	}
	wi, _ := px[0][0].(int32)
	hi, _ := px[0][1].(int32)
	data, _ := px[0][2].([]byte)
	return int(wi), int(hi), data, nil
}

// Node is one entry of a dbusmenu layout.
type Node struct {
	ID       int32
	Label    string // as displayed: mnemonic underscores resolved
	RawLabel string // as sent
	Type     string // "separator" or "" (standard)
	// Checkable is toggle-type "checkmark"; Checked is toggle-state 1.
	Checkable, Checked bool
	Enabled, Visible   bool   // both default to true when not sent
	ChildrenDisplay    string // "submenu" for an entry with a submenu
	Children           []Node
}

// Layout reads the whole menu with GetLayout(0, -1). systray answers the
// first call after a reset with one level only, so read submenus with
// WaitMenu.
func (it *Item) Layout() (Node, error) {
	n, _, err := it.layout()
	return n, err
}

func (it *Item) layout() (Node, uint32, error) {
	menu, err := it.menuObj()
	if err != nil {
		return Node{}, 0, err
	}
	var rev uint32
	var root []interface{}
	if err := menu.Call(menuIface+".GetLayout", 0, int32(0), int32(-1), []string{}).Store(&rev, &root); err != nil {
		return Node{}, 0, fmt.Errorf("GetLayout: %w", err)
	}
	n, err := parseNode(root)
	return n, rev, err
}

func (it *Item) menuObj() (dbus.BusObject, error) {
	v, err := it.Property("Menu")
	if err != nil {
		return nil, fmt.Errorf("reading the Menu property: %w", err)
	}
	p, ok := v.Value().(dbus.ObjectPath)
	if !ok {
		return nil, fmt.Errorf("Menu is %s", v.Signature())
	}
	return it.conn.Object(it.Service, p), nil
}

func parseNode(v []interface{}) (Node, error) {
	if len(v) != 3 {
		return Node{}, fmt.Errorf("layout entry has %d fields", len(v))
	}
	n := Node{Enabled: true, Visible: true}
	n.ID, _ = v[0].(int32)
	props, _ := v[1].(map[string]dbus.Variant)
	for k, p := range props {
		switch k {
		case "label":
			n.RawLabel, _ = p.Value().(string)
			n.Label = unmnemonic(n.RawLabel)
		case "type":
			n.Type, _ = p.Value().(string)
		case "toggle-type":
			s, _ := p.Value().(string)
			n.Checkable = s == "checkmark" || s == "radio"
		case "toggle-state":
			n.Checked = toInt(p.Value()) == 1
		case "enabled":
			n.Enabled, _ = p.Value().(bool)
		case "visible":
			n.Visible, _ = p.Value().(bool)
		case "children-display":
			n.ChildrenDisplay, _ = p.Value().(string)
		}
	}
	children, _ := v[2].([]dbus.Variant)
	for _, c := range children {
		cv, ok := c.Value().([]interface{})
		if !ok {
			return Node{}, fmt.Errorf("child of %d is %s", n.ID, c.Signature())
		}
		cn, err := parseNode(cv)
		if err != nil {
			return Node{}, err
		}
		n.Children = append(n.Children, cn)
	}
	return n, nil
}

func toInt(v interface{}) int64 {
	switch x := v.(type) {
	case int32:
		return int64(x)
	case int64:
		return x
	case uint32:
		return int64(x)
	case int16:
		return int64(x)
	case byte:
		return int64(x)
	}
	return -1
}

// unmnemonic resolves dbusmenu label escapes: "__" shows as "_", and any
// other "_" marks an access key and is not shown.
func unmnemonic(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '_' {
			if i+1 < len(s) && s[i+1] == '_' {
				b.WriteByte('_')
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Shown returns the visible children.
func (n Node) Shown() []Node {
	var out []Node
	for _, c := range n.Children {
		if c.Visible {
			out = append(out, c)
		}
	}
	return out
}

// Labels lists the visible children: their labels, "---" for a separator.
func (n Node) Labels() []string {
	var out []string
	for _, c := range n.Shown() {
		if c.Type == "separator" {
			out = append(out, "---")
		} else {
			out = append(out, c.Label)
		}
	}
	return out
}

// Find returns the first visible entry, at any depth, labelled label.
func (n Node) Find(label string) (Node, bool) {
	for _, c := range n.Shown() {
		if c.Label == label {
			return c, true
		}
		if f, ok := c.Find(label); ok {
			return f, true
		}
	}
	return Node{}, false
}

// String renders the tree, one entry per line, for failure messages.
func (n Node) String() string {
	var b strings.Builder
	var walk func(Node, string)
	walk = func(n Node, indent string) {
		for _, c := range n.Children {
			fmt.Fprintf(&b, "%s%d ", indent, c.ID)
			switch {
			case c.Type == "separator":
				b.WriteString("---")
			case c.Checkable && c.Checked:
				b.WriteString("[x] " + c.Label)
			case c.Checkable:
				b.WriteString("[ ] " + c.Label)
			default:
				b.WriteString(c.Label)
			}
			if !c.Enabled {
				b.WriteString(" (disabled)")
			}
			if !c.Visible {
				b.WriteString(" (hidden)")
			}
			b.WriteByte('\n')
			walk(c, indent+"    ")
		}
	}
	walk(n, "")
	return b.String()
}

// Click sends a "clicked" event to the menu entry with this id.
func (it *Item) Click(id int32) error {
	menu, err := it.menuObj()
	if err != nil {
		return err
	}
	return menu.Call(menuIface+".Event", 0, id, "clicked", dbus.MakeVariant(int32(0)), uint32(time.Now().Unix())).Err
}

// ClickLabel clicks the visible entry labelled label, failing the test when
// there is none.
func (it *Item) ClickLabel(t testing.TB, label string) {
	t.Helper()
	m, err := it.Layout()
	if err != nil {
		t.Fatal(err)
	}
	n, ok := m.Find(label)
	if !ok {
		t.Fatalf("no menu entry %q in:\n%s", label, m)
	}
	if err := it.Click(n.ID); err != nil {
		t.Fatalf("clicking %q: %v", label, err)
	}
}

// WaitMenu polls the menu until ok accepts it, and returns it; the test
// fails with the last menu seen when that does not happen within timeout.
//
// Polling is needed: systray applies changes item by item, and it answers
// the first GetLayout after its menu was built (or reset) one level deep,
// then refreshes from another goroutine 150 ms later. A GetLayout in between
// is a data race inside systray (menuVersion) that go test -race reports, so
// after a shallow answer WaitMenu asks again only once that refresh is over.
// Read the menu first with WaitMenu (not Layout or ClickLabel) after the
// tray starts or rebuilds its menu.
func (it *Item) WaitMenu(t testing.TB, timeout time.Duration, ok func(Node) bool) Node {
	t.Helper()
	updated := make(chan *dbus.Signal, 64)
	match := []dbus.MatchOption{
		dbus.WithMatchSender(it.Service),
		dbus.WithMatchInterface(menuIface),
		dbus.WithMatchMember("LayoutUpdated"),
	}
	if err := it.conn.AddMatchSignal(match...); err != nil {
		t.Fatal(err)
	}
	it.conn.Signal(updated)
	defer func() {
		it.conn.RemoveSignal(updated)
		it.conn.RemoveMatchSignal(match...)
	}()

	deadline := time.Now().Add(timeout)
	var last Node
	var lastErr error
	for time.Now().Before(deadline) {
		sent := time.Now()
		var rev uint32
		last, rev, lastErr = it.layout()
		if lastErr == nil && !last.shallow() && ok(last) {
			return last
		}
		if lastErr == nil && last.shallow() { // never returned: the next read would race
			if it.OnShallow != nil {
				it.OnShallow()
			}
			waitRefresh(updated, rev, sent.Add(500*time.Millisecond), deadline)
			continue
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-updated:
		}
	}
	t.Fatalf("menu not as expected within %v (last error: %v); last menu:\n%s", timeout, lastErr, last)
	return last
}

// waitRefresh waits until systray's delayed refresh after a shallow layout
// (revision rev) is surely over: a LayoutUpdated newer than rev has arrived
// and notBefore has passed (the refresh fires 150 ms after the call was
// served), or deadline passed.
func waitRefresh(updated <-chan *dbus.Signal, rev uint32, notBefore, deadline time.Time) {
	seen := false
	for {
		now := time.Now()
		if (seen && !now.Before(notBefore)) || !now.Before(deadline) {
			return
		}
		wait := deadline.Sub(now)
		if seen {
			wait = notBefore.Sub(now)
		}
		select {
		case sig := <-updated:
			if len(sig.Body) > 0 {
				if r, ok := sig.Body[0].(uint32); ok && r > rev {
					seen = true
				}
			}
		case <-time.After(wait):
		}
	}
}

// shallow reports whether an entry has a submenu whose children were not
// sent: systray's first answer after a (re)build.
func (n Node) shallow() bool {
	for _, c := range n.Children {
		if (c.ChildrenDisplay == "submenu" && len(c.Children) == 0) || c.shallow() {
			return true
		}
	}
	return false
}

// Poll calls cond every 20 ms until it returns true or timeout passes, then
// returns context.DeadlineExceeded. It is for state that D-Bus delivers
// asynchronously, with no signal to wait for.
func Poll(timeout time.Duration, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if cond() {
			return nil
		}
		if time.Now().After(deadline) {
			return context.DeadlineExceeded
		}
		<-tick.C
	}
}
