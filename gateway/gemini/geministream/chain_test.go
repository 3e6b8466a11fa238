package geministream_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"switchyard/gateway/convert/converttest"
	"switchyard/gateway/convert/streamconv"
	"switchyard/gateway/gemini"
	"switchyard/gateway/gemini/geministream"
	"switchyard/gateway/gemini/geminitest"
	"switchyard/gateway/protocol"
)

// Anthropic upstream -> hub -> Gemini client: every a2o transcript of
// package convert gives a valid Gemini stream, or exactly one error where
// the upstream failed; in both stream forms.
func TestChainAnthropicToGemini(t *testing.T) {
	files, _ := filepath.Glob("../../convert/streamconv/testdata/stream/*-a2o-*.in.sse")
	if len(files) == 0 {
		t.Fatal("no a2o transcripts")
	}
	for _, f := range files {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, format := range []gemini.StreamFormat{gemini.StreamFormatSSE, gemini.StreamFormatJSONArray} {
			up := streamconv.NewAToOStream(protocol.StreamOptions{IncludeUsage: true, MessageID: "chatcmpl-x"})
			down := geministream.NewFromHubStream(protocol.StreamOptions{MessageID: "r"}, format, true)
			out, steps := run(protocol.Chain(up, down), bytes.NewReader(in))
			_, direct := run(streamconv.NewAToOStream(protocol.StreamOptions{IncludeUsage: true}), bytes.NewReader(in))
			failed := direct[len(direct)-1].Err != nil
			if err := geminitest.CheckStream(out, format); err != nil {
				t.Errorf("%s format %d: %v\n%s", filepath.Base(f), format, err, out)
			}
			last := steps[len(steps)-1]
			if (last.Err != nil) != failed || failed && strings.Count(string(out), `"error"`) != 1 {
				t.Errorf("%s format %d: chain err %v, direct failed %v\n%s", filepath.Base(f), format, last.Err, failed, out)
			}
		}
	}
}

// Gemini upstream -> hub -> Anthropic client passes the Anthropic checker.
func TestChainGeminiToAnthropic(t *testing.T) {
	for _, c := range loadStreamCases(t) {
		if c.dir != "to-hub" {
			continue
		}
		up := geministream.NewToHubStream(protocol.StreamOptions{IncludeUsage: true, MessageID: "chatcmpl-x"})
		down := streamconv.NewOToAStream(protocol.StreamOptions{MessageID: "msg_x"})
		out, steps := run(protocol.Chain(up, down), bytes.NewReader(c.in))
		if err := converttest.CheckAnthropicStream(out); err != nil {
			t.Errorf("%s: %v\n%s", c.name, err, out)
		}
		_, direct := run(geministream.NewToHubStream(c.opt), bytes.NewReader(c.in))
		if (steps[len(steps)-1].Err != nil) != (direct[len(direct)-1].Err != nil) {
			t.Errorf("%s: chain and direct disagree on failure\n%s", c.name, out)
		}
	}
}
