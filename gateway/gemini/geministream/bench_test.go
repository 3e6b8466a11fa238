package geministream_test

import (
	"os"
	"path/filepath"
	"testing"

	"switchyard/gateway/convert/streamconv"
	"switchyard/gateway/gemini"
	"switchyard/gateway/gemini/geministream"
	"switchyard/gateway/protocol"
	"switchyard/gateway/protocol/protocoltest"
	"switchyard/gateway/sse"
)

// ns per upstream event of each converter, and of the chain Anthropic ->
// hub -> Gemini:
//
//	go test -run XXX -bench . -benchtime 20000x ./gateway/gemini/

func BenchmarkToHubStream(b *testing.B) {
	evs := benchFile(b, filepath.Join("testdata", "stream", "01-to-hub-text.in.sse"))
	evs = append(evs, benchFile(b, filepath.Join("testdata", "stream", "02-to-hub-thinking-parallel-calls.in.sse"))[1:]...)
	protocoltest.Bench(b, evs, func() protocol.StreamConverter {
		return geministream.NewToHubStream(protocol.StreamOptions{IncludeUsage: true, MessageID: "x"})
	})
}

func BenchmarkFromHubStream(b *testing.B) {
	evs := benchFile(b, filepath.Join("testdata", "stream", "20-from-hub-text-thoughts.in.sse"))
	protocoltest.Bench(b, evs, func() protocol.StreamConverter {
		return geministream.NewFromHubStream(protocol.StreamOptions{MessageID: "x"}, gemini.StreamFormatSSE, true)
	})
}

func BenchmarkChainAnthropicToGemini(b *testing.B) {
	evs := benchFile(b, filepath.Join("..", "..", "convert", "streamconv", "testdata", "stream", "50-a2o-claude-thinking-tool-use.in.sse"))
	protocoltest.Bench(b, evs, func() protocol.StreamConverter {
		return protocol.Chain(streamconv.NewAToOStream(protocol.StreamOptions{IncludeUsage: true, MessageID: "c"}),
			geministream.NewFromHubStream(protocol.StreamOptions{MessageID: "x"}, gemini.StreamFormatSSE, true))
	})
}

func benchFile(b *testing.B, path string) []sse.Event {
	in, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return protocoltest.Events(b, in)
}
