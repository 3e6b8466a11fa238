// Package protocoltest runs stream converters the way the gateway does,
// for the tests and benchmarks of every protocol adapter (protocol,
// convert, responses, gemini). It is test support: only tests import it.
package protocoltest

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"switchyard/gateway/protocol"
	"switchyard/gateway/sse"
)

// Run feeds an upstream transcript through c event by event, then End at
// the end of input (nil for a clean EOF, the read error otherwise), and
// stops at the first Done step. It returns the client's bytes, the
// stream's error (nil when it finished cleanly) and whether any step
// carried content.
func Run(c protocol.StreamConverter, in []byte) (out []byte, err *protocol.StreamError, content bool) {
	r := sse.NewReader(bytes.NewReader(in))
	for {
		ev, rerr := r.Next()
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				rerr = nil
			}
			st := c.End(out, rerr)
			return st.Out, st.Err, content || st.Content
		}
		st := c.Event(out, ev)
		out, content = st.Out, content || st.Content
		if st.Done {
			return out, st.Err, content
		}
	}
}

// Events parses a transcript into events that own their data.
func Events(tb testing.TB, in []byte) []sse.Event {
	tb.Helper()
	r := sse.NewReader(bytes.NewReader(in))
	var evs []sse.Event
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return evs
		}
		if err != nil {
			tb.Fatal(err)
		}
		evs = append(evs, sse.Event{Name: ev.Name, Data: append([]byte(nil), ev.Data...)})
	}
}

// Bench runs a fresh converter from mk over evs (then End) b.N times,
// reusing one output buffer, and reports ns per upstream event.
func Bench(b *testing.B, evs []sse.Event, mk func() protocol.StreamConverter) {
	b.Helper()
	var out []byte
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c := mk()
		for _, ev := range evs {
			out = c.Event(out[:0], ev).Out
		}
		out = c.End(out[:0], nil).Out
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
}

// CheckRecycled runs each input through a converter from mk right after
// a converter that ran every other input was Released (so that mk may hand
// back a recycled one, with that stream's state cleared), and fails when
// the output differs from the input's through a converter taken before
// any release. mk must fix the converter's ids (StreamOptions.MessageID)
// so that two runs can be compared.
func CheckRecycled(t *testing.T, inputs map[string][]byte, mk func() protocol.StreamConverter) {
	t.Helper()
	want := map[string][]byte{}
	for name, in := range inputs {
		out, _, _ := Run(mk(), in)
		want[name] = out
	}
	for prev, pin := range inputs {
		for name, in := range inputs {
			c := mk()
			Run(c, pin)
			protocol.Release(c)
			c = mk()
			got, _, _ := Run(c, in)
			protocol.Release(c)
			if !bytes.Equal(got, want[name]) {
				t.Fatalf("%s after a recycled converter ran %s:\n got %s\nwant %s", name, prev, got, want[name])
			}
		}
	}
}
