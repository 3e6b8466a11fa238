package responses

import (
	crand "crypto/rand"
	"crypto/sha256"
	"math/rand/v2"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// ids makes a response's ids: resp_, msg_, fc_, rs_ + 24 base62. With a
// fixed id (tests) the sequence is derived from it and deterministic.
type ids struct {
	response string
	r        rand.ChaCha8
}

func newIDs(fixed string) *ids {
	g := new(ids)
	g.init(fixed)
	return g
}

// init seeds g (in place: a stream converter keeps its ids inline).
func (g *ids) init(fixed string) {
	var seed [32]byte
	if fixed != "" {
		seed = sha256.Sum256([]byte("switchyard responses ids\x00" + fixed))
	} else {
		_, _ = crand.Read(seed[:])
	}
	g.r.Seed(seed)
	if fixed != "" {
		g.response = fixed
	} else {
		g.response = g.next("resp_")
	}
}

func (g *ids) next(prefix string) string {
	b := make([]byte, 0, len(prefix)+24)
	b = append(b, prefix...)
	for range 24 {
		b = append(b, base62[g.r.Uint64()%62])
	}
	return string(b)
}
