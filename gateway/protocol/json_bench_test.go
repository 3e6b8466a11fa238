package protocol

import "testing"

var benchStrings = []string{
	"plain ascii text of a moderate length, as most deltas are",
	"a<b>&c \"q\" \\ \n\t\x01 é ✓ \u2028 \xff",
	"日本語のテキストとemoji 🎉 mixed with ascii",
}

func BenchmarkAppendJSONString(b *testing.B) {
	var buf []byte
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf = AppendJSONString(buf[:0], benchStrings[i%len(benchStrings)])
	}
}
