package responses

import (
	crand "crypto/rand"
	"crypto/sha256"
	"math/rand/v2"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// IDs makes a response's ids: Response (resp_ + 24 base62) and, from
// Next, its items' (msg_, fc_, rs_, … + 24 base62). With a fixed response
// id (tests) the sequence is derived from it and deterministic.
type IDs struct {
	Response string
	r        rand.ChaCha8
}

// NewIDs returns the ids of one response; fixed ("" = random) is its id.
func NewIDs(fixed string) *IDs {
	g := new(IDs)
	g.Init(fixed)
	return g
}

// Init seeds g in place (a stream converter keeps its ids inline).
func (g *IDs) Init(fixed string) {
	var seed [32]byte
	if fixed != "" {
		seed = sha256.Sum256([]byte("switchyard responses ids\x00" + fixed))
	} else {
		_, _ = crand.Read(seed[:])
	}
	g.r.Seed(seed)
	if fixed != "" {
		g.Response = fixed
	} else {
		g.Response = g.Next("resp_")
	}
}

// Next returns a new id: prefix + 24 base62.
func (g *IDs) Next(prefix string) string {
	b := make([]byte, 0, len(prefix)+24)
	b = append(b, prefix...)
	for range 24 {
		b = append(b, base62[g.r.Uint64()%62])
	}
	return string(b)
}
