package gemini_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"switchyard/gateway/convert"
	"switchyard/gateway/gemini"
	"switchyard/gateway/protocol"
	"switchyard/gateway/sse"
)

// ns per upstream event of each converter, and of the chain Anthropic ->
// hub -> Gemini:
//
//	go test -run XXX -bench . -benchtime 20000x ./gateway/gemini/

func benchEvents(b *testing.B, file string) []sse.Event {
	in, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	r := sse.NewReader(bytes.NewReader(in))
	var evs []sse.Event
	for {
		ev, err := r.Next()
		if err != nil {
			return evs
		}
		evs = append(evs, sse.Event{Name: ev.Name, Data: append([]byte(nil), ev.Data...)})
	}
}

func benchConv(b *testing.B, evs []sse.Event, mk func() protocol.StreamConverter) {
	buf := make([]byte, 0, 64<<10)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c := mk()
		out := buf[:0]
		for _, ev := range evs {
			out = c.Event(out, ev).Out
		}
		out = c.End(out, nil).Out
		buf = out
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*(len(evs)+1)), "ns/event")
}

func BenchmarkToHubStream(b *testing.B) {
	evs := benchEvents(b, filepath.Join("testdata", "stream", "01-to-hub-text.in.sse"))
	evs = append(evs, benchEvents(b, filepath.Join("testdata", "stream", "02-to-hub-thinking-parallel-calls.in.sse"))[1:]...)
	benchConv(b, evs, func() protocol.StreamConverter {
		return gemini.NewToHubStream(protocol.StreamOptions{IncludeUsage: true, MessageID: "x"})
	})
}

func BenchmarkFromHubStream(b *testing.B) {
	evs := benchEvents(b, filepath.Join("testdata", "stream", "20-from-hub-text-thoughts.in.sse"))
	benchConv(b, evs, func() protocol.StreamConverter {
		return gemini.NewFromHubStream(protocol.StreamOptions{MessageID: "x"}, gemini.StreamFormatSSE, true)
	})
}

func BenchmarkChainAnthropicToGemini(b *testing.B) {
	evs := benchEvents(b, filepath.Join("..", "convert", "testdata", "stream", "50-a2o-claude-thinking-tool-use.in.sse"))
	benchConv(b, evs, func() protocol.StreamConverter {
		return protocol.Chain(convert.NewAToOStream(protocol.StreamOptions{IncludeUsage: true, MessageID: "c"}),
			gemini.NewFromHubStream(protocol.StreamOptions{MessageID: "x"}, gemini.StreamFormatSSE, true))
	})
}
