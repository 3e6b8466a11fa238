package geministream_test

import (
	"bytes"
	"testing"

	"switchyard/gateway/convert/converttest"
	"switchyard/gateway/gemini"
	"switchyard/gateway/gemini/geministream"
	"switchyard/gateway/gemini/geminitest"
	"switchyard/gateway/protocol"
)

//	go test ./gateway/gemini -run XXX -fuzz FuzzToHubStream -fuzztime 30s
//	go test ./gateway/gemini -run XXX -fuzz FuzzFromHubStream -fuzztime 30s
//	go test ./gateway/gemini -run XXX -fuzz FuzzRequestToHub -fuzztime 30s

func FuzzToHubStream(f *testing.F) {
	for _, c := range loadStreamCases(f) {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, steps := run(geministream.NewToHubStream(protocol.StreamOptions{IncludeUsage: true, MessageID: "x"}), bytes.NewReader(in))
		if err := converttest.CheckOpenAIStream(out); err != nil {
			t.Fatalf("%v\ninput %q\n%s", err, in, out)
		}
		checkSteps(t, steps)
	})
}

func FuzzFromHubStream(f *testing.F) {
	for _, c := range loadStreamCases(f) {
		f.Add(c.in, false)
		f.Add(c.in, true)
	}
	f.Fuzz(func(t *testing.T, in []byte, array bool) {
		format := gemini.StreamFormatSSE
		if array {
			format = gemini.StreamFormatJSONArray
		}
		out, steps := run(geministream.NewFromHubStream(protocol.StreamOptions{MessageID: "x"}, format, true), bytes.NewReader(in))
		if err := geminitest.CheckStream(out, format); err != nil {
			t.Fatalf("%v\ninput %q\n%s", err, in, out)
		}
		checkSteps(t, steps)
	})
}
