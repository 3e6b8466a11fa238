package geministream_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"switchyard/gateway/convert/converttest"
	"switchyard/gateway/gemini"
	"switchyard/gateway/gemini/geministream"
	"switchyard/gateway/gemini/geminitest"
	"switchyard/gateway/protocol"
	"switchyard/gateway/sse"
)

// Stream golden transcripts: testdata/stream/NN-dir-name.in.sse is what
// the upstream sent, .want the client's bytes (compared chunk by chunk as
// parsed JSON). First line options:
//
//	: opts dir=to-hub|from-hub [include_usage] [thoughts] [format=json] [model=NAME]
//
// Regenerate with go test ./gateway/gemini -run Streams -update and review
// every diff.
var update = flag.Bool("update", false, "rewrite golden files")

type streamCase struct {
	name, dir string
	opt       protocol.StreamOptions
	format    gemini.StreamFormat
	thoughts  bool
	in        []byte
}

func loadStreamCases(t testing.TB) []streamCase {
	files, _ := filepath.Glob(filepath.Join("testdata", "stream", "*.in.sse"))
	if len(files) == 0 {
		t.Fatal("no transcripts")
	}
	var out []streamCase
	for _, f := range files {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := streamCase{name: strings.TrimSuffix(filepath.Base(f), ".in.sse"), in: in,
			opt: protocol.StreamOptions{Created: 1700000000, MessageID: "test"}}
		line, _, _ := strings.Cut(string(in), "\n")
		opts, ok := strings.CutPrefix(line, ": opts ")
		if !ok {
			t.Fatalf("%s: no opts line", f)
		}
		for _, o := range strings.Fields(opts) {
			k, v, _ := strings.Cut(o, "=")
			switch k {
			case "dir":
				c.dir = v
			case "include_usage":
				c.opt.IncludeUsage = true
			case "thoughts":
				c.thoughts = true
			case "format":
				c.format = gemini.StreamFormatJSONArray
			case "model":
				c.opt.ClientModel = v
			default:
				t.Fatalf("%s: unknown option %q", f, k)
			}
		}
		out = append(out, c)
	}
	return out
}

func (c *streamCase) converter() protocol.StreamConverter {
	if c.dir == "to-hub" {
		return geministream.NewToHubStream(c.opt)
	}
	return geministream.NewFromHubStream(c.opt, c.format, c.thoughts)
}

func (c *streamCase) check(out []byte) error {
	if c.dir == "to-hub" {
		return converttest.CheckOpenAIStream(out, converttest.WithCompleteToolArgs())
	}
	return geminitest.CheckStream(out, c.format)
}

// run feeds r through conv the way the gateway does.
func run(conv protocol.StreamConverter, r io.Reader) ([]byte, []protocol.Step) {
	rd := sse.NewReader(r)
	var out []byte
	var steps []protocol.Step
	for {
		ev, err := rd.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			st := conv.End(out, err)
			return st.Out, append(steps, st)
		}
		st := conv.Event(out, ev)
		out = st.Out
		steps = append(steps, st)
		if st.Done {
			return out, steps
		}
	}
}

func TestStreams(t *testing.T) {
	for _, c := range loadStreamCases(t) {
		t.Run(c.name, func(t *testing.T) {
			got, steps := run(c.converter(), bytes.NewReader(c.in))
			if err := c.check(got); err != nil {
				t.Errorf("invariants: %v\n%s", err, got)
			}
			checkSteps(t, steps)
			want := filepath.Join("testdata", "stream", c.name+".want")
			if *update {
				if err := os.WriteFile(want, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			w, err := os.ReadFile(want)
			if err != nil {
				t.Fatal(err)
			}
			if err := sameChunks(c, got, w); err != nil {
				t.Errorf("%v\n--- got:\n%s", err, got)
			}
			one, _ := run(c.converter(), iotest.OneByteReader(bytes.NewReader(c.in)))
			if !bytes.Equal(one, got) {
				t.Errorf("one byte at a time differs:\n%s", one)
			}
		})
	}
}

// checkSteps: Err only with Done, nothing after Done.
func checkSteps(t *testing.T, steps []protocol.Step) {
	t.Helper()
	doneAt := -1
	for i, st := range steps {
		if st.Err != nil && !st.Done {
			t.Errorf("step %d: Err without Done", i)
		}
		if doneAt < 0 && st.Done {
			doneAt = i
		}
	}
	if doneAt < 0 {
		t.Error("no step reported Done")
	}
}

func sameChunks(c streamCase, got, want []byte) error {
	if c.dir == "to-hub" {
		g, w := splitSSE(got), splitSSE(want)
		return compareJSONList(g, w)
	}
	g, err := geminitest.Chunks(got, c.format)
	if err != nil {
		return err
	}
	w, err := geminitest.Chunks(want, c.format)
	if err != nil {
		return err
	}
	return compareJSONList(g, w)
}

func splitSSE(b []byte) [][]byte {
	r := sse.NewReader(bytes.NewReader(b))
	var out [][]byte
	for {
		ev, err := r.Next()
		if err != nil {
			return out
		}
		out = append(out, append([]byte(nil), ev.Data...))
	}
}

func compareJSONList(g, w [][]byte) error {
	if len(g) != len(w) {
		return fmt.Errorf("%d chunks, want %d", len(g), len(w))
	}
	for i := range g {
		if !jsonEqual(g[i], w[i]) {
			return fmt.Errorf("chunk %d:\n got  %s\n want %s", i, g[i], w[i])
		}
	}
	return nil
}
