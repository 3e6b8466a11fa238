package geministream_test

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"switchyard/gateway/gemini"
	"switchyard/gateway/gemini/geministream"
	"switchyard/gateway/gemini/geminitest"
)

// TestPassStreamHoldsTheFinish: a Gemini stream is complete only when the
// body ends cleanly after the chunk carrying finishReason, so PassStream
// holds that chunk until the end. A clean end relays every chunk as it
// came; a cut after the finish gets one error chunk and no finishReason,
// never a finished answer followed by an error; a chunk after the finish
// goes out after it.
func TestPassStreamHoldsTheFinish(t *testing.T) {
	const (
		text   = `{"candidates":[{"content":{"role":"model","parts":[{"text":"hello "}]},"index":0}],"responseId":"r1"}`
		finish = `{"candidates":[{"content":{"role":"model","parts":[{"text":"world"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":2,"totalTokenCount":7},"responseId":"r1"}`
	)
	sseOf := func(chunks ...string) string {
		var b strings.Builder
		for _, c := range chunks {
			b.WriteString("data: " + c + "\n\n")
		}
		return b.String()
	}
	cases := []struct {
		name    string
		in      []string
		cut     bool
		want    []string // the chunks the client gets
		wantErr bool
	}{
		{name: "clean-end", in: []string{text, finish}, want: []string{text, finish}},
		{name: "one-chunk-answer", in: []string{finish}, want: []string{finish}},
		{name: "cut-after-finish", in: []string{text, finish}, cut: true, want: []string{text}, wantErr: true},
		{name: "cut-after-one-chunk-answer", in: []string{finish}, cut: true, wantErr: true},
		{name: "chunk-after-finish", in: []string{text, finish, text}, want: []string{text, finish, text}},
	}
	for _, format := range []gemini.StreamFormat{gemini.StreamFormatSSE, gemini.StreamFormatJSONArray} {
		form := map[gemini.StreamFormat]string{gemini.StreamFormatSSE: "sse", gemini.StreamFormatJSONArray: "array"}[format]
		for _, c := range cases {
			t.Run(form+"/"+c.name, func(t *testing.T) {
				var r io.Reader = strings.NewReader(sseOf(c.in...))
				if c.cut {
					r = io.MultiReader(r, iotest.ErrReader(io.ErrUnexpectedEOF))
				}
				got, steps := run(geministream.NewPassStream(format), r)
				checkSteps(t, steps)
				chunks, err := geminitest.Chunks(got, format)
				if err != nil {
					t.Fatalf("%v\n%s", err, got)
				}
				n := len(chunks)
				if c.wantErr {
					if _, ok := gemini.ParseError(chunks[n-1]); !ok {
						t.Fatalf("no error chunk last:\n%s", got)
					}
					n--
				}
				if n != len(c.want) {
					t.Fatalf("%d chunks before any error, want %d:\n%s", n, len(c.want), got)
				}
				for i := range c.want {
					if !bytes.Equal(chunks[i], []byte(c.want[i])) {
						t.Fatalf("chunk %d = %s, want it untouched: %s", i, chunks[i], c.want[i])
					}
				}
				if c.name != "chunk-after-finish" { // the upstream's own fault there
					if err := geminitest.CheckStream(got, format); err != nil {
						t.Fatalf("%v\n%s", err, got)
					}
				}
				if c.name == "one-chunk-answer" && steps[0].Content {
					t.Fatal("the held finish chunk counted as content before the end")
				}
			})
		}
	}
}
