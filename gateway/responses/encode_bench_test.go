package responses

import "testing"

func BenchmarkAppendResponse(b *testing.B) {
	cases := encodeCases()
	var buf []byte
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf = AppendResponse(buf[:0], cases[i%len(cases)])
	}
}
