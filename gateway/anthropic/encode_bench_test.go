package anthropic

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkAppendMessagesRequest(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	reqs := make([]*MessagesRequest, 64)
	for i := range reqs {
		reqs[i] = randMessagesRequest(r, encodePool)
	}
	var buf []byte
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf, _ = AppendMessagesRequest(buf[:0], reqs[i%len(reqs)])
	}
}
