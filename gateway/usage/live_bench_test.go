package usage

import (
	"testing"
	"time"
)

// BenchmarkWriteLive is the writer's cost per record as the gateway feeds
// it: 256-record batches of one hour's requests over a few backends, keys
// and models.
func BenchmarkWriteLive(b *testing.B) {
	s, _ := openTest(b, testOptions())
	gen := synthetic(b.N+1, 90)
	now := time.Now()
	batch := make([]Record, 0, 256)
	b.ResetTimer()
	for i := range b.N {
		r := gen(i)
		r.Time = now
		batch = append(batch, r)
		if len(batch) == cap(batch) || i == b.N-1 {
			if err := s.writeBatch(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}
