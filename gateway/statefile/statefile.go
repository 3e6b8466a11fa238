// Package statefile keeps what must survive a restart, and no key: the
// route table's recent failovers and active pairs, in
// $XDG_STATE_HOME/switchyard/state.json, written atomically
// (atomicfile.Write) after a change, at most once a second on the
// gateway's clock.
package statefile

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"switchyard/atomicfile"
	"switchyard/gateway/clock"
	"switchyard/gateway/route"
)

// persisted is the state file: what must survive a restart, and no key.
type persisted struct {
	Active    map[string]route.Active `json:"active"`
	Failovers []route.Failover        `json:"failovers"` // newest first
}

// File writes the table's failovers and active pairs to
// $XDG_STATE_HOME/switchyard/state.json, at most once a second and only
// after a change, off the request path.
type File struct {
	path  string
	table *route.Table
	log   *slog.Logger
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
	last  []byte
	clock clock.Clock
}

// New returns the state file state.json in dir for table t; clk runs its
// once-a-second timer. It reads and writes nothing until Restore.
func New(dir string, t *route.Table, log *slog.Logger, clk clock.Clock) *File {
	return &File{path: filepath.Join(dir, "state.json"), table: t, log: log, clock: clk, stop: make(chan struct{}), done: make(chan struct{})}
}

// Restore loads the file into the table (a missing or corrupt file starts
// fresh), then starts writing changes until Close.
func (f *File) Restore() {
	defer func() { go f.loop() }()
	b, err := os.ReadFile(f.path)
	if err != nil {
		if !os.IsNotExist(err) {
			f.log.Warn("reading state file", "path", f.path, "err", err)
		}
		return
	}
	var p persisted
	if err := json.Unmarshal(b, &p); err != nil {
		f.log.Warn("state file is corrupt; starting fresh", "path", f.path, "err", err)
		return
	}
	// Stored newest first; the log keeps oldest first.
	for i, j := 0, len(p.Failovers)-1; i < j; i, j = i+1, j-1 {
		p.Failovers[i], p.Failovers[j] = p.Failovers[j], p.Failovers[i]
	}
	f.table.Events().Restore(p.Failovers)
	f.table.RestoreActive(p.Active)
	f.last, _ = json.Marshal(persisted{Active: f.table.ActivePairs(), Failovers: f.table.Events().Recent()})
}

func (f *File) loop() {
	defer close(f.done)
	ch, cancel := f.table.Events().Subscribe()
	defer cancel()
	for {
		select {
		case <-f.stop:
			f.write()
			return
		case <-ch:
		}
		f.write()
		select { // at most one write a second
		case <-f.stop:
			f.write()
			return
		case <-f.after(time.Second):
		}
	}
}

// after is time.After on the gateway's clock.
func (f *File) after(d time.Duration) <-chan struct{} {
	ch := make(chan struct{})
	f.clock.AfterFunc(d, func() { close(ch) })
	return ch
}

func (f *File) write() {
	b, err := json.MarshalIndent(persisted{Active: f.table.ActivePairs(), Failovers: f.table.Events().Recent()}, "", " ")
	if err != nil || string(b) == string(f.last) {
		return
	}
	if err := atomicfile.Write(f.path, b, 0o600); err != nil {
		f.log.Warn("writing state file", "path", f.path, "err", err)
		return
	}
	f.last = b
}

// Close writes what changed last and stops.
func (f *File) Close() {
	f.once.Do(func() { close(f.stop) })
	<-f.done
}
