//go:build cgo || !darwin

package tray

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"fyne.io/systray"

	"switchyard/assets"
)

// reapplyAfter is when the icon, title and tooltip are set again after the
// tray is ready: on Linux a set that lands while systray is still exporting
// its D-Bus properties is silently lost (fyne-io/systray#35).
const reapplyAfter = time.Second

// maxReapplies bounds the re-applies while waiting for the export.
const maxReapplies = 30

// Test hooks, set before Run. testHookApplied is called on the UI goroutine
// after each change has been applied. A receive on testHookTouch makes the
// UI goroutine set the header's label again: the D-Bus test uses it to order
// systray's own goroutines for the race detector (see the test).
var (
	testHookApplied func()
	testHookTouch   chan chan struct{} // the UI goroutine closes the inner channel when done
)

// Run shows the tray icon and menu and blocks until the user quits (after
// c.Quit returns) or ctx is cancelled; then it returns nil. Call it on the
// main goroutine (macOS needs that) and only once per process.
//
// Where there is no tray it returns an error wrapping ErrNoTray instead, within
// a few seconds: on Linux when DBUS_SESSION_BUS_ADDRESS is unset or its bus
// cannot be reached, or when no StatusNotifierWatcher (tray host) shows up
// on the bus within five seconds.
func Run(ctx context.Context, c Controller, log *slog.Logger) (err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := probe(ctx); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return nil
	}
	u := &ui{
		ctx:    ctx,
		c:      c,
		log:    log,
		clicks: make(chan *slot, 16),
		work:   make(chan action, 8),
		quitCh: make(chan struct{}),
		built:  make(chan struct{}),
		done:   make(chan struct{}),
	}
	if titleIsTooltip {
		// Set the icon before systray exports it over D-Bus, so the first
		// export already has it, and the item's Id (taken from the title at
		// export) is a stable "Switchyard".
		s := c.Snapshot()
		st := iconState(s)
		setIcon(st)
		systray.SetTitle("Switchyard")
		systray.SetTooltip(tooltip(s, st))
	}

	// systray.Quit panics closing a nil connection when the bus vanished
	// between the probe and the start; report that as no tray.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: systray: %v", ErrNoTray, r)
		}
	}()
	systray.Run(u.onReady, nil)
	u.wg.Wait()
	return nil
}

// ui is the state of the UI goroutine (loop). Only that goroutine touches
// systray, the slots and the fields below wg.
type ui struct {
	ctx    context.Context
	c      Controller
	log    *slog.Logger
	clicks chan *slot     // clicked items, from the per-item forwarders
	work   chan action    // controller calls, for the worker
	quitCh chan struct{}  // closed by the worker once c.Quit returned
	quit1  sync.Once      // closes quitCh
	built  chan struct{}  // closed when the first menu is in place
	done   chan struct{}  // closed when the loop has quit the tray
	wg     sync.WaitGroup // loop and worker

	top       []*slot // applied top-level entries
	gen       int     // bumped on every rebuild; stale slots are ignored
	icon      state   // the icon last set
	reapplies int     // times the export was not seen yet
	quitting  bool
}

// slot is one applied menu entry: the systray item and what it shows.
type slot struct {
	mi       *systray.MenuItem // nil for separators
	item     menuItem          // as applied (children not used)
	hidden   bool
	children []*slot
	gen      int
}

func (u *ui) onReady() {
	u.wg.Add(2)
	go u.loop()
	go u.worker()
	// systray answers GetLayout only after onReady returns: return once the
	// first menu is complete, so no host ever sees half of it.
	<-u.built
}

// loop is the UI goroutine: it owns every systray call, including Quit.
func (u *ui) loop() {
	defer u.wg.Done()
	s := u.c.Snapshot()
	u.apply(buildMenu(s))
	u.applyTray(s, true, false)
	close(u.built)

	reapply := time.NewTimer(reapplyAfter)
	defer reapply.Stop()
	for {
		select {
		case <-u.ctx.Done():
			u.shutdown()
			return
		case <-u.quitCh:
			u.shutdown()
			return
		case <-u.c.Changed():
			s = u.c.Snapshot()
			u.apply(buildMenu(s))
			u.applyTray(s, false, true)
			if testHookApplied != nil {
				testHookApplied()
			}
		case <-reapply.C:
			// Until systray has exported the item, a set may be lost and a
			// title would become the item's Id: keep the title and try later.
			s = u.c.Snapshot()
			ready := itemExported()
			u.applyTray(s, true, ready)
			if !ready && u.reapplies < maxReapplies {
				u.reapplies++
				reapply.Reset(reapplyAfter)
			}
		case sl := <-u.clicks:
			u.clicked(sl)
		case done := <-testHookTouch:
			if len(u.top) > 0 && u.top[0].mi != nil {
				u.top[0].mi.SetTitle(menuLabel(u.top[0].item.label))
			}
			close(done)
		}
	}
}

// shutdown quits systray; nothing may call systray after this.
func (u *ui) shutdown() {
	close(u.done)
	systray.Quit()
}

func (u *ui) clicked(sl *slot) {
	if sl.gen != u.gen || sl.hidden || u.quitting {
		return // an item from a menu that is gone
	}
	a := sl.item.action
	if a.kind == actNone || !sl.item.enabled {
		return
	}
	if a.kind == actQuit {
		u.quitting = true
	}
	select {
	case u.work <- a:
	default:
		u.log.Warn("tray: busy, click ignored", "item", sl.item.label)
	}
}

// worker makes the controller calls, one at a time, off the UI goroutine.
func (u *ui) worker() {
	defer u.wg.Done()
	for {
		select {
		case <-u.done:
			return
		case a := <-u.work:
			u.do(a)
		}
	}
}

func (u *ui) do(a action) {
	var err error
	var what string
	switch a.kind {
	case actToggleBackend:
		what = "enabling backend " + a.backendID
		if !a.on {
			what = "disabling backend " + a.backendID
		}
		err = u.c.SetEnabled(a.backendID, a.on)
	case actOpenDashboard:
		what = "opening the dashboard"
		err = u.c.OpenDashboard()
	case actCopy:
		what = "copying to the clipboard"
		err = u.c.CopyText(a.text)
	case actSetUpTool:
		what = "setting up " + a.backendID
		if !a.on {
			what = "undoing the setup of " + a.backendID
		}
		err = u.c.SetUpTool(a.backendID, !a.on)
	case actAutostart:
		what = "changing start at login"
		err = u.c.SetAutostart(a.on)
	case actTestAll:
		what = "testing all backends"
		err = u.c.TestAll()
	case actNotifications:
		what = "changing desktop notifications"
		err = u.c.SetNotifications(a.on)
	case actQuit:
		u.c.Quit()
		u.quit1.Do(func() { close(u.quitCh) })
	}
	if err != nil {
		u.log.Error("tray: "+what+" failed", "err", err)
	}
}

// applyTray sets icon, tooltip and (Linux) title from the snapshot.
//
// It runs on every change and, with force, once reapplyAfter the start, so a
// set that systray dropped while exporting (fyne-io/systray#35) is repaired.
// The icon is set only when its state changed or with force: systray updates
// the exported IconPixmap in place, racing with a host's read of it
// (godbus prop stores into the old slice), so fewer sets mean fewer torn
// reads. Title and tooltip have no such problem and are set every time.
// withTitle false keeps the title "Switchyard" until the item is exported,
// because the item's Id is taken from it.
func (u *ui) applyTray(s Snapshot, force, withTitle bool) {
	st := iconState(s)
	tip := tooltip(s, st)
	if force || st != u.icon {
		setIcon(st)
		u.icon = st
	}
	if withTitle && titleIsTooltip {
		systray.SetTitle(tip)
	}
	systray.SetTooltip(tip)
}

// titleIsTooltip: SNI hosts show the title where others show a tooltip
// (as Tailscale does); on macOS a title would be text in the menu bar.
const titleIsTooltip = runtime.GOOS != "darwin" && runtime.GOOS != "windows"

func setIcon(st state) {
	switch runtime.GOOS {
	case "darwin":
		systray.SetTemplateIcon(assets.Icon(string(st), assets.FormatTemplate), assets.Icon(string(st), assets.FormatPNG))
	case "windows":
		systray.SetIcon(assets.Icon(string(st), assets.FormatICO))
	default:
		systray.SetIcon(assets.Icon(string(st), assets.FormatPNG))
	}
}

// apply makes the systray menu match m.
//
// Items are updated in place whenever the menu keeps its shape (the same
// kinds of entries in the same order at the top level), which is nearly
// always: a backend's state, a label or a check mark changed. Submenus may
// grow (new items are appended, which is where they belong) and shrink
// (surplus items are hidden and reused later). Updating in place keeps the
// dbusmenu item ids stable, so a click already on its way still lands on the
// item the user saw, an open menu is not torn down under the pointer, and
// systray's Remove (which closes ClickedCh while a click may be sent on it)
// is avoided. Only when the top-level shape changes (a backend was added or
// removed) is the menu reset and rebuilt, since systray cannot insert an item
// in the middle.
func (u *ui) apply(m menuModel) {
	if !u.sameShape(m) {
		u.rebuild(m)
		return
	}
	for i, it := range m.items {
		sl := u.top[i]
		if it.kind == kindSeparator {
			continue
		}
		u.update(sl, it)
		if it.kind == kindSubmenu {
			u.applyChildren(sl, it.children)
		}
	}
}

func (u *ui) sameShape(m menuModel) bool {
	if len(u.top) != len(m.items) {
		return false
	}
	for i, it := range m.items {
		sl := u.top[i]
		if sl.item.kind != it.kind {
			return false
		}
		for j, ch := range it.children {
			if j < len(sl.children) && sl.children[j].item.kind != ch.kind {
				return false
			}
		}
	}
	return true
}

func (u *ui) rebuild(m menuModel) {
	if u.top != nil {
		systray.ResetMenu() // closes the old items' ClickedCh: their forwarders end
		if runtime.GOOS == "linux" {
			// libdbusmenu hosts may handle the reset and the new items out of
			// order (Tailscale waits the same); this is rare (a backend added
			// or removed), so a short pause on the UI goroutine is fine.
			time.Sleep(10 * time.Millisecond)
		}
	}
	u.gen++
	u.top = nil
	for _, it := range m.items {
		if it.kind == kindSeparator {
			systray.AddSeparator()
			u.top = append(u.top, &slot{item: it, gen: u.gen})
			continue
		}
		sl := u.create(nil, it)
		u.top = append(u.top, sl)
		for _, ch := range it.children {
			sl.children = append(sl.children, u.create(sl.mi, ch))
		}
		if it.kind == kindSubmenu {
			// Create the submenu's every slot now, the surplus hidden:
			// libdbusmenu-gtk hosts do not show children appended to a
			// submenu after they first read it, but they do follow
			// visibility and label changes of existing items.
			for len(sl.children) < maxFailovers {
				ph := u.create(sl.mi, menuItem{kind: kindItem})
				ph.mi.Hide()
				ph.hidden = true
				sl.children = append(sl.children, ph)
			}
		}
	}
}

// create adds an item (to the top level, or to parent's submenu) and starts
// the goroutine that is always receiving its clicks: systray drops a click
// when nobody is receiving at that moment.
func (u *ui) create(parent *systray.MenuItem, it menuItem) *slot {
	label := menuLabel(it.label)
	var mi *systray.MenuItem
	switch {
	case parent == nil && it.kind == kindCheckbox:
		mi = systray.AddMenuItemCheckbox(label, it.tooltip, it.checked)
	case parent == nil:
		mi = systray.AddMenuItem(label, it.tooltip)
	case it.kind == kindCheckbox:
		mi = parent.AddSubMenuItemCheckbox(label, it.tooltip, it.checked)
	default:
		mi = parent.AddSubMenuItem(label, it.tooltip)
	}
	if !it.enabled {
		mi.Disable()
	}
	sl := &slot{mi: mi, item: it, gen: u.gen}
	go u.forward(mi.ClickedCh, sl)
	return sl
}

func (u *ui) forward(ch <-chan struct{}, sl *slot) {
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
			select {
			case u.clicks <- sl:
			case <-u.done:
				return
			}
		case <-u.done:
			return
		}
	}
}

// update changes only what differs, so an unchanged item costs no D-Bus traffic.
func (u *ui) update(sl *slot, it menuItem) {
	old := sl.item
	if it.label != old.label {
		sl.mi.SetTitle(menuLabel(it.label))
	}
	if it.tooltip != old.tooltip {
		sl.mi.SetTooltip(it.tooltip)
	}
	if it.kind == kindCheckbox && it.checked != old.checked {
		if it.checked {
			sl.mi.Check()
		} else {
			sl.mi.Uncheck()
		}
	}
	if it.enabled != old.enabled {
		if it.enabled {
			sl.mi.Enable()
		} else {
			sl.mi.Disable()
		}
	}
	if sl.hidden {
		sl.mi.Show()
		sl.hidden = false
	}
	it.children = nil
	sl.item = it
}

func (u *ui) applyChildren(parent *slot, items []menuItem) {
	for i, it := range items {
		if i < len(parent.children) {
			u.update(parent.children[i], it)
			continue
		}
		parent.children = append(parent.children, u.create(parent.mi, it))
	}
	for _, sl := range parent.children[len(items):] {
		if !sl.hidden {
			sl.mi.Hide()
			sl.hidden = true
		}
	}
}

// menuLabel escapes the characters the platform's menus treat as mnemonic
// markers: "_" in dbusmenu labels (Linux), "&" in Win32 menus.
func menuLabel(s string) string {
	switch runtime.GOOS {
	case "windows":
		return strings.ReplaceAll(s, "&", "&&")
	case "darwin":
		return s
	default:
		return strings.ReplaceAll(s, "_", "__")
	}
}
