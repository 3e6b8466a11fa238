// Package session is the gateway's session affinity: the key that names
// one client conversation (Derive: the client's explicit session id where
// its protocol has one, else a hash of the system prompt and the first
// user turn, namespaced by protocol and client token), and Store, a
// bounded LRU of sessions with an idle TTL that remembers the (backend,
// base URL, key fingerprint) that last served each one, its turns and its
// token counters. A conversation that stays on one pair keeps the
// upstream's prompt cache warm.
//
// Stdlib only, no I/O: the route plan reads the pin, the gateway moves it
// after each answer, the usage meter adds tokens (AddUsage).
package session

import (
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Key names one session: a 64-bit hash (never a raw client id). 0 is "no
// session".
type Key uint64

// String is the key as shown by /api/sessions: 16 hex digits.
func (k Key) String() string {
	s := strconv.FormatUint(uint64(k), 16)
	for len(s) < 16 {
		s = "0" + s
	}
	return s
}

// Pin is the upstream pair that last served a session, by identity: the
// backend id, the base URL and the key's fingerprint (route.Secret's
// Fingerprint; never the key).
type Pin struct {
	Backend string
	BaseURL string
	KeyFP   string
}

// Defaults.
const (
	DefaultMax      = 100000
	DefaultIdleTTL  = time.Hour
	DefaultCacheTTL = 5 * time.Minute
)

// Options configure a Store.
type Options struct {
	Max     int              // sessions kept at most (LRU beyond); 0 = DefaultMax
	IdleTTL time.Duration    // a session idle this long is forgotten; 0 = DefaultIdleTTL
	Now     func() time.Time // the gateway clock; nil = time.Now
}

// Info is one session as /api/sessions shows it.
type Info struct {
	Key        Key
	Proto      string
	Source     Source
	Pin        Pin
	Turns      int64
	LastUsed   time.Time
	Input      int64
	CacheRead  int64
	CacheWrite int64
}

// nShards spreads the lock: 32 clients at once rarely meet on one.
const nShards = 64

// Store is a sharded LRU of sessions with an idle TTL. It is safe for
// concurrent use.
type Store struct {
	shards [nShards]shard
	idle   int64 // nanoseconds
	now    func() time.Time
	max    int64
	count  atomic.Int64 // sessions held, every shard
	pins   interner[Pin]
	protos interner[string]
}

// entry is one session. Entries live in a shard's slab and link by index,
// with their pin and protocol interned: no pointers (100k sessions cost the
// GC nothing to scan) and 56 bytes each.
type entry struct {
	key        Key
	prev, next int32 // LRU list; -1 = none
	turns      int32
	src        Source
	last       int64  // unix nanoseconds of the last use
	pin        uint16 // Store.pins; 0 = none
	proto      uint8  // Store.protos
	in, cr, cw int64
}

type shard struct {
	mu    sync.Mutex
	m     map[Key]int32
	ents  []entry
	head  int32 // most recent; -1 = empty
	tail  int32 // least recent
	free  int32 // a free slot's index, linked by next; -1 = none
	limit int
}

// New returns an empty store.
func New(o Options) *Store {
	if o.Max <= 0 {
		o.Max = DefaultMax
	}
	if o.IdleTTL <= 0 {
		o.IdleTTL = DefaultIdleTTL
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Store{idle: int64(o.IdleTTL), now: o.Now, max: int64(o.Max)}
	// The bound is on the whole store; a shard may hold a quarter more
	// than its share (keys are hashes: shards fill evenly, within a few
	// percent), so the store fills to Max before it evicts.
	per := (o.Max+nShards-1)/nShards + (o.Max+nShards-1)/nShards/4 + 1
	for i := range s.shards {
		sh := &s.shards[i]
		sh.m = map[Key]int32{}
		sh.head, sh.tail, sh.free = -1, -1, -1
		sh.limit = per
	}
	return s
}

func (s *Store) shard(k Key) *shard {
	// The key is a hash already: its high bits pick the shard (the map
	// uses its own hash of the whole key).
	return &s.shards[uint64(k)>>58]
}

// Lookup returns the session's pin and how long it has been idle. ok is
// false for an unknown session, one without a pin yet, or one idle past
// the TTL (which is dropped).
func (s *Store) Lookup(k Key) (pin Pin, idle time.Duration, ok bool) {
	if k == 0 {
		return Pin{}, 0, false
	}
	now := s.now().UnixNano()
	sh := s.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	i, found := sh.m[k]
	if !found {
		return Pin{}, 0, false
	}
	e := &sh.ents[i]
	if now-e.last >= s.idle {
		sh.remove(s, i)
		return Pin{}, 0, false
	}
	if e.pin == 0 {
		return Pin{}, 0, false
	}
	return s.pins.val(e.pin), time.Duration(now - e.last), true
}

// Served records that pin answered a turn of session k (of client protocol
// proto, key from src): the pin moves there, the turn is counted, the
// session becomes the most recent. A new session may evict the least
// recently used one of its shard.
func (s *Store) Served(k Key, proto string, src Source, pin Pin) {
	if k == 0 {
		return
	}
	now := s.now().UnixNano()
	sh := s.shard(k)
	sh.mu.Lock()
	e := sh.get(s, k, now)
	if e.pin == 0 || s.pins.val(e.pin) != pin { // a turn on the same pair interns nothing
		e.pin = s.pins.id(pin)
	}
	if e.proto == 0 || s.protos.val(uint16(e.proto)) != proto {
		e.proto = uint8(s.protos.id(proto))
	}
	e.src = src
	e.turns++
	e.last = now
	sh.mu.Unlock()
}

// AddUsage adds the upstream-reported tokens of one answer to session k:
// input (uncached prompt), cache reads and cache writes. An unknown
// session is created (the meter may report before the pin is recorded).
func (s *Store) AddUsage(k Key, input, cacheRead, cacheWrite int64) {
	if k == 0 {
		return
	}
	// A report on a turn already counted: it neither makes the session
	// more recent (the report comes after the answer, when the next turn
	// may be on its way) nor brings back a session gone meanwhile.
	sh := s.shard(k)
	sh.mu.Lock()
	if i, ok := sh.m[k]; ok {
		e := &sh.ents[i]
		e.in += input
		e.cr += cacheRead
		e.cw += cacheWrite
	}
	sh.mu.Unlock()
}

// Drop forgets session k.
func (s *Store) Drop(k Key) {
	sh := s.shard(k)
	sh.mu.Lock()
	if i, ok := sh.m[k]; ok {
		sh.remove(s, i)
	}
	sh.mu.Unlock()
}

// Unpin clears session k's pin (it names a pair that is gone); the
// session and its counters stay.
func (s *Store) Unpin(k Key) {
	sh := s.shard(k)
	sh.mu.Lock()
	if i, ok := sh.m[k]; ok {
		sh.ents[i].pin = 0
	}
	sh.mu.Unlock()
}

// Prune clears every pin keep refuses (its backend was disabled or
// removed, its URL or key is no longer configured) and drops every
// session idle past the TTL. It returns how many pins it cleared.
func (s *Store) Prune(keep func(Pin) bool) int {
	now := s.now().UnixNano()
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for j := sh.tail; j >= 0; {
			e := &sh.ents[j]
			prev := e.prev
			switch {
			case now-e.last >= s.idle:
				sh.remove(s, j)
			case e.pin != 0 && !keep(s.pins.val(e.pin)):
				e.pin = 0
				n++
			}
			j = prev
		}
		sh.mu.Unlock()
	}
	return n
}

// Len returns the number of sessions held (idle ones not yet dropped
// included).
func (s *Store) Len() int { return int(s.count.Load()) }

// Snapshot returns up to limit live sessions, most recently used first.
func (s *Store) Snapshot(limit int) []Info {
	now := s.now().UnixNano()
	var out []Info
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		// Each shard's list is in recency order: its first limit are enough.
		c := 0
		for j := sh.head; j >= 0 && c < limit; j = sh.ents[j].next {
			e := &sh.ents[j]
			if now-e.last >= s.idle {
				continue
			}
			out = append(out, Info{Key: e.key, Proto: s.protos.val(uint16(e.proto)), Source: e.src, Pin: s.pins.val(e.pin), Turns: int64(e.turns),
				LastUsed: time.Unix(0, e.last), Input: e.in, CacheRead: e.cr, CacheWrite: e.cw})
			c++
		}
		sh.mu.Unlock()
	}
	sort.Slice(out, func(a, b int) bool {
		if !out[a].LastUsed.Equal(out[b].LastUsed) {
			return out[a].LastUsed.After(out[b].LastUsed)
		}
		return out[a].Key < out[b].Key
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// get returns k's entry, created if absent or idle past the TTL, and
// moved to the front (sh.mu held). A new entry evicts this shard's least
// recent one when the store is at its bound or the shard at its limit.
func (sh *shard) get(s *Store, k Key, now int64) *entry {
	if i, ok := sh.m[k]; ok {
		e := &sh.ents[i]
		if now-e.last < s.idle {
			sh.unlink(i)
			sh.pushFront(i)
			return e
		}
		sh.remove(s, i)
	}
	if sh.tail >= 0 && (s.count.Load() >= s.max || len(sh.m) >= sh.limit) {
		sh.remove(s, sh.tail)
	}
	var i int32
	if sh.free >= 0 {
		i = sh.free
		sh.free = sh.ents[i].next
	} else {
		if len(sh.ents) == cap(sh.ents) {
			// Grow by a quarter, never past the limit.
			n := make([]entry, len(sh.ents), min(max(cap(sh.ents)*5/4, 16), sh.limit))
			copy(n, sh.ents)
			sh.ents = n
		}
		sh.ents = append(sh.ents, entry{})
		i = int32(len(sh.ents) - 1)
	}
	sh.ents[i] = entry{key: k, prev: -1, next: -1, last: now}
	sh.m[k] = i
	sh.pushFront(i)
	s.count.Add(1)
	return &sh.ents[i]
}

func (sh *shard) remove(s *Store, i int32) {
	delete(sh.m, sh.ents[i].key)
	sh.unlink(i)
	sh.ents[i] = entry{prev: -1, next: sh.free}
	sh.free = i
	s.count.Add(-1)
}

func (sh *shard) unlink(i int32) {
	e := &sh.ents[i]
	if e.prev >= 0 {
		sh.ents[e.prev].next = e.next
	} else {
		sh.head = e.next
	}
	if e.next >= 0 {
		sh.ents[e.next].prev = e.prev
	} else {
		sh.tail = e.prev
	}
	e.prev, e.next = -1, -1
}

func (sh *shard) pushFront(i int32) {
	e := &sh.ents[i]
	e.prev, e.next = -1, sh.head
	if sh.head >= 0 {
		sh.ents[sh.head].prev = i
	}
	sh.head = i
	if sh.tail < 0 {
		sh.tail = i
	}
}
