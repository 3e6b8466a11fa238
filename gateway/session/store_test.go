package session

import (
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"switchyard/gateway/clock/clocktest"
)

var t0 = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

func pin(b string) Pin {
	return Pin{Backend: b, BaseURL: "http://" + b + ".test/v1", KeyFP: "abcdef012345"}
}

func TestStoreIdleTTLOnTheClock(t *testing.T) {
	clk := clocktest.New(t0)
	s := New(Options{IdleTTL: time.Hour, Now: clk.Now})
	if _, _, ok := s.Lookup(7); ok {
		t.Fatal("unknown session found")
	}
	s.Served(7, "OpenAI Chat", Prefix, pin("kiro"))
	clk.Advance(59 * time.Minute)
	p, idle, ok := s.Lookup(7)
	if !ok || p != pin("kiro") || idle != 59*time.Minute {
		t.Fatalf("Lookup = %+v, %v, %v; want kiro's pin, idle 59m", p, idle, ok)
	}
	s.Served(7, "OpenAI Chat", Prefix, pin("copilot")) // a turn: the pin moves, the idle clock restarts
	clk.Advance(59 * time.Minute)
	if p, _, ok := s.Lookup(7); !ok || p.Backend != "copilot" {
		t.Fatalf("after a turn: %+v %v, want copilot", p, ok)
	}
	clk.Advance(time.Minute) // idle a full hour
	if _, _, ok := s.Lookup(7); ok {
		t.Fatal("a session idle for the TTL is still pinned")
	}
	if n := s.Len(); n != 0 {
		t.Fatalf("Len = %d after the expired lookup, want 0", n)
	}
}

func TestStoreBoundEvictsLeastRecent(t *testing.T) {
	clk := clocktest.New(t0)
	const max = nShards * 4
	s := New(Options{Max: max, Now: clk.Now})
	// Keys whose top bits pick shard 0: a shard holds at most a quarter
	// over its share (the store's bound is checked below).
	key := func(i int) Key { return Key(uint64(i + 1)) }
	lim := s.shards[0].limit
	for i := range lim {
		s.Served(key(i), "p", Prefix, pin("a"))
		clk.Advance(time.Second)
	}
	s.Lookup(key(0))                          // a lookup is not a use
	s.Served(key(0), "p", Prefix, pin("a"))   // 0 is now the most recent
	s.Served(key(lim), "p", Prefix, pin("a")) // shard full: evicts 1, the least recent
	if _, _, ok := s.Lookup(key(1)); ok {
		t.Error("the least recently used session survived eviction")
	}
	for _, i := range []int{0, 2, lim - 1, lim} {
		if _, _, ok := s.Lookup(key(i)); !ok {
			t.Errorf("session %d was evicted", i)
		}
	}
	// Many more sessions than the bound, spread over every shard.
	for i := range 10 * max {
		s.Served(Key(uint64(i+1)*0x9E3779B97F4A7C15), "p", Prefix, pin("a"))
	}
	if n := s.Len(); n > max {
		t.Fatalf("Len = %d, bound %d", n, max)
	}
}

func TestStoreAddUsageAndSnapshot(t *testing.T) {
	clk := clocktest.New(t0)
	s := New(Options{Now: clk.Now})
	a, b := Key(1<<60|1), Key(2<<60|2)
	s.Served(a, "Anthropic Messages", MetadataUserID, pin("anyrouter"))
	s.AddUsage(a, 100, 900, 50)
	clk.Advance(time.Second)
	s.Served(b, "Anthropic Messages", MetadataUserID, pin("kiro"))
	// A report on a turn already served: counted, but it does not make
	// the session more recent (it comes after the answer, when the next
	// turn may already be on its way).
	clk.Advance(time.Second)
	s.AddUsage(a, 10, 990, 0)
	s.AddUsage(Key(3<<60|3), 5, 0, 0) // a session not (or no longer) held: ignored
	snap := s.Snapshot(10)
	if len(snap) != 2 || snap[0].Key != b || snap[1].Key != a {
		t.Fatalf("snapshot %+v: want b (most recent) then a, and no third", snap)
	}
	if got := snap[1]; got.Input != 110 || got.CacheRead != 1890 || got.CacheWrite != 50 || got.Turns != 1 || got.Pin.Backend != "anyrouter" || got.Source != MetadataUserID || got.Proto != "Anthropic Messages" || !got.LastUsed.Equal(t0) {
		t.Fatalf("session a = %+v", got)
	}
	if n := len(s.Snapshot(1)); n != 1 {
		t.Fatalf("Snapshot(1) has %d sessions", n)
	}
}

func TestStoreUnpinAndPrune(t *testing.T) {
	clk := clocktest.New(t0)
	s := New(Options{IdleTTL: time.Hour, Now: clk.Now})
	s.Served(1, "p", Prefix, pin("kiro"))
	s.Served(2<<58, "p", Prefix, pin("copilot"))
	s.AddUsage(1, 1, 2, 3)
	clk.Advance(30 * time.Minute)
	s.Served(3<<58, "p", Prefix, pin("kiro"))
	if n := s.Prune(func(p Pin) bool { return p.Backend != "kiro" }); n != 2 {
		t.Fatalf("Prune cleared %d pins, want 2", n)
	}
	if _, _, ok := s.Lookup(1); ok {
		t.Fatal("a refused pin survived Prune")
	}
	if _, _, ok := s.Lookup(2 << 58); !ok {
		t.Fatal("Prune cleared a pin it keeps")
	}
	if snap := s.Snapshot(10); len(snap) != 3 {
		t.Fatalf("Prune dropped sessions, not just pins: %+v", snap)
	}
	clk.Advance(31 * time.Minute) // 1 and 2 idle past the TTL, 3 not
	s.Prune(func(Pin) bool { return true })
	if n := s.Len(); n != 1 {
		t.Fatalf("Len = %d after pruning idle sessions, want 1", n)
	}
	s.Unpin(3 << 58)
	if _, _, ok := s.Lookup(3 << 58); ok {
		t.Fatal("Unpin left the pin")
	}
	s.Drop(3 << 58)
	if n := s.Len(); n != 0 {
		t.Fatalf("Len = %d after Drop", n)
	}
}

// TestStoreMemory: 100k sessions, each pinned with a fingerprint string of
// its own (as the gateway makes one per answer), fit in 20 MB of heap.
func TestStoreMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	const n = 100000
	urls := []string{"https://anyrouter.top", "https://pmpjfbhq.cn-nb1.rainapp.top", "http://127.0.0.1:8000/v1"}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := New(Options{Max: n})
	for i := range n {
		s.Served(Key(uint64(i+1)*0x9E3779B97F4A7C15), "Anthropic Messages", MetadataUserID,
			Pin{Backend: "anyrouter", BaseURL: urls[i%3], KeyFP: strings.Clone(fmt.Sprintf("%012x", i%7))})
		s.AddUsage(Key(uint64(i+1)*0x9E3779B97F4A7C15), 10, 20, 30)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if got := s.Len(); got != n {
		t.Fatalf("Len = %d, want %d", got, n)
	}
	mb := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / 1e6
	t.Logf("%d sessions: %.1f MB of heap (%.0f bytes each)", n, mb, mb*1e6/n)
	if mb > 20 {
		t.Fatalf("%d sessions take %.1f MB, over 20 MB", n, mb)
	}
	runtime.KeepAlive(s)
}

// BenchmarkAffinity is affinity's cost per request: key derivation
// (explicit id, or the hash of an 8 kB system prompt and the first turn),
// the pin lookup and the update after the answer, from 32 clients at once.
func BenchmarkAffinity(b *testing.B) {
	sys := strings.Repeat("You are a careful coding agent. ", 256) // 8 kB
	for _, bc := range []struct{ name, body string }{
		{"explicit", `{"model":"claude-sonnet-4-5","metadata":{"user_id":"user_0123_account__session_%d"},"system":"` + sys + `","messages":[{"role":"user","content":"fix the bug"},{"role":"assistant","content":"done"},{"role":"user","content":"thanks"}]}`},
		{"prefix8k", `{"model":"claude-sonnet-4-5","system":"` + sys + `","messages":[{"role":"user","content":"fix bug %d"},{"role":"assistant","content":"done"},{"role":"user","content":"thanks"}]}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			const sessions = 1000
			bodies := make([][]byte, sessions)
			spans := make([]Spans, sessions)
			for i := range bodies {
				bodies[i] = []byte(fmt.Sprintf(bc.body, i))
				spans[i] = scanSpans(bodies[i])
			}
			s := New(Options{})
			ns := Namespace("Anthropic Messages", "Bearer client-token", "claude-sonnet-4-5")
			p := pin("anyrouter")
			var next atomic.Int64
			b.SetParallelism(32 / max(1, runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(1))
				for pb.Next() {
					i++
					j := i % sessions
					sp := spans[j]
					k, src := Derive(ns, "", bodies[j], &sp)
					if _, _, ok := s.Lookup(k); !ok && src == None {
						b.Fail()
					}
					s.Served(k, "Anthropic Messages", src, p)
				}
			})
		})
	}
}
