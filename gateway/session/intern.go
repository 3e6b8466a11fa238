package session

import (
	"sync"
	"sync/atomic"
)

// interner numbers the few distinct values a store holds many times over
// (pins: backends × URLs × keys; protocol names), so that an entry keeps a
// 2-byte index instead of the strings. Reads take no lock: the table is
// copied on the rare write. Index 0 is the zero value.
type interner[T comparable] struct {
	mu  sync.Mutex
	tab atomic.Pointer[internTab[T]]
}

type internTab[T comparable] struct {
	idx  map[T]uint16
	vals []T
}

// maxInterned bounds the table; past it, new values map to the zero
// value's index (a session then simply has no pin), which takes more
// distinct pairs than any configuration holds.
const maxInterned = 1 << 16

func (in *interner[T]) id(v T) uint16 {
	var zero T
	if v == zero {
		return 0
	}
	if t := in.tab.Load(); t != nil {
		if i, ok := t.idx[v]; ok {
			return i
		}
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	old := in.tab.Load()
	if old == nil {
		old = &internTab[T]{vals: []T{zero}}
	}
	if i, ok := old.idx[v]; ok {
		return i
	}
	if len(old.vals) >= maxInterned {
		return 0
	}
	t := &internTab[T]{idx: make(map[T]uint16, len(old.idx)+1), vals: append(old.vals[:len(old.vals):len(old.vals)], v)}
	for k, i := range old.idx {
		t.idx[k] = i
	}
	i := uint16(len(t.vals) - 1)
	t.idx[v] = i
	in.tab.Store(t)
	return i
}

func (in *interner[T]) val(i uint16) T {
	var zero T
	if i == 0 {
		return zero
	}
	return in.tab.Load().vals[i]
}
