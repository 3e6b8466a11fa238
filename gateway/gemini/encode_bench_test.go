package gemini

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkAppendResponse(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	resps := make([]*GenerateContentResponse, 64)
	for i := range resps {
		resps[i] = randResponse(r)
	}
	var buf []byte
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf, _ = AppendResponse(buf[:0], resps[i%len(resps)])
	}
}
