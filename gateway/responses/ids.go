package responses

import (
	"crypto/sha256"
	"math/rand/v2"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// IDs makes a response's ids: Response (resp_ + 24 base62) and, from
// Next, its items' (msg_, fc_, rs_, … + 24 base62). With a fixed response
// id (tests) the sequence is derived from it and deterministic (a ChaCha8
// seeded from it); otherwise the ids come from math/rand/v2's generator,
// which the runtime seeds from the OS: unpredictable enough for ids that
// are no secret, and with no seeding per response (ChaCha8.Seed costs
// ~1.2 µs, a crypto/rand read a system call).
type IDs struct {
	Response string
	fixed    bool
	r        *rand.ChaCha8 // fixed only
}

// NewIDs returns the ids of one response; fixed ("" = random) is its id.
func NewIDs(fixed string) *IDs {
	g := new(IDs)
	g.Init(fixed)
	return g
}

// Init sets g up in place (a stream converter keeps its ids inline).
func (g *IDs) Init(fixed string) {
	g.fixed = fixed != ""
	if !g.fixed {
		g.Response = g.Next("resp_")
		return
	}
	g.r = rand.NewChaCha8(sha256.Sum256([]byte("switchyard responses ids\x00" + fixed)))
	g.Response = fixed
}

// Next returns a new id: prefix + 24 base62.
func (g *IDs) Next(prefix string) string {
	b := make([]byte, len(prefix)+24)
	id := b[copy(b, prefix):]
	if g.fixed {
		for i := range id {
			id[i] = base62[g.r.Uint64()%62]
		}
		return string(b)
	}
	for i := 0; i < len(id); i += 8 { // 62^8 < 2^64: 8 digits per draw
		x := rand.Uint64()
		for j := i; j < i+8; j++ {
			id[j] = base62[x%62]
			x /= 62
		}
	}
	return string(b)
}
