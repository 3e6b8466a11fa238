package openai

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkAppendChatRequest(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	reqs := make([]*ChatRequest, 64)
	for i := range reqs {
		reqs[i] = randChatRequest(r, encodePool)
	}
	var buf []byte
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf, _ = AppendChatRequest(buf[:0], reqs[i%len(reqs)])
	}
}
