package sse

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func readAll(t *testing.T, r io.Reader) ([]Event, error) {
	t.Helper()
	rd := NewReader(r)
	var out []Event
	for {
		ev, err := rd.Next()
		if err != nil {
			if err == io.EOF {
				return out, nil
			}
			return out, err
		}
		out = append(out, Event{Name: ev.Name, Data: append([]byte(nil), ev.Data...)})
	}
}

func TestReader(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string // "name|data"
		wantErr  error
	}{
		{"lf", "data: a\n\ndata: b\n\n", []string{"|a", "|b"}, nil},
		{"crlf", "event: x\r\ndata: a\r\n\r\n", []string{"x|a"}, nil},
		{"cr", "data: a\r\rdata: b\r\r", []string{"|a", "|b"}, nil},
		{"multiline", "data: a\ndata: b\n\n", []string{"|a\nb"}, nil},
		{"comment", ": ping\n\ndata: {}\n\n", []string{"|{}"}, nil},
		{"bom", "\xef\xbb\xbfdata: a\n\n", []string{"|a"}, nil},
		{"nospace", "data:a\n\n", []string{"|a"}, nil},
		{"event only", "event: ping\n\n", nil, nil},
		{"cut", "data: a\n\ndata: b\n", []string{"|a"}, io.ErrUnexpectedEOF},
		{"cut midline", "data: a\n\ndata: b", []string{"|a"}, io.ErrUnexpectedEOF},
		{"name reset", "event: e\ndata: 1\n\ndata: 2\n\n", []string{"e|1", "|2"}, nil},
	}
	for _, c := range cases {
		for _, mode := range []string{"whole", "onebyte"} {
			t.Run(c.name+"/"+mode, func(t *testing.T) {
				var r io.Reader = strings.NewReader(c.in)
				if mode == "onebyte" {
					r = iotest.OneByteReader(r)
				}
				got, err := readAll(t, r)
				if err != c.wantErr {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
				var gs []string
				for _, e := range got {
					gs = append(gs, e.Name+"|"+string(e.Data))
				}
				if strings.Join(gs, ",") != strings.Join(c.want, ",") {
					t.Fatalf("got %q, want %q", gs, c.want)
				}
			})
		}
	}
}

func TestAppendEventRoundTrip(t *testing.T) {
	b := AppendEvent(nil, "message_start", []byte("{\"a\":1}"))
	b = AppendEvent(b, "", []byte("x\ny"))
	if string(b) != "event: message_start\ndata: {\"a\":1}\n\ndata: x\ndata: y\n\n" {
		t.Fatalf("wire form %q", b)
	}
	got, err := readAll(t, strings.NewReader(string(b)))
	if err != nil || len(got) != 2 || got[1].Name != "" || string(got[1].Data) != "x\ny" {
		t.Fatalf("round trip: %v %+v", err, got)
	}
}

func FuzzReader(f *testing.F) {
	for _, s := range []string{"data: a\n\n", "event: x\r\ndata: {}\r\n\r\n", ":c\rdata:1\r\r", "\xef\xbb\xbfdata:\n\n", "data: a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		// Whole and byte-at-a-time reads must agree, and never panic.
		a, errA := readAll(t, strings.NewReader(in))
		b, errB := readAll(t, iotest.OneByteReader(strings.NewReader(in)))
		if errA != errB || len(a) != len(b) {
			t.Fatalf("chunking changed result: %v/%v %d/%d", errA, errB, len(a), len(b))
		}
		for i := range a {
			if a[i].Name != b[i].Name || string(a[i].Data) != string(b[i].Data) {
				t.Fatalf("event %d differs", i)
			}
		}
	})
}

// A Reader made from a Released one starts clean: nothing of the last
// stream (buffered input, a half-read event, its name) leaks into the next.
func TestReleasedReaderStartsClean(t *testing.T) {
	for i := 0; i < 50; i++ { // sync.Pool may drop a Put; many rounds reuse one
		r := NewReader(strings.NewReader("event: message_start\ndata: {\"a\":1}\n\nevent: custom_name\ndata: half"))
		ev, err := r.Next()
		if err != nil || ev.Name != "message_start" || string(ev.Data) != `{"a":1}` {
			t.Fatalf("first stream: %q %q %v", ev.Name, ev.Data, err)
		}
		if _, err := r.Next(); err != io.ErrUnexpectedEOF {
			t.Fatalf("cut event: %v", err)
		}
		r.Release()
		r2 := NewReader(strings.NewReader("data: x\n\nevent: custom_name\ndata: y\n\n"))
		ev, err = r2.Next()
		if err != nil || ev.Name != "" || string(ev.Data) != "x" {
			t.Fatalf("reused reader: %q %q %v", ev.Name, ev.Data, err)
		}
		ev, err = r2.Next()
		if err != nil || ev.Name != "custom_name" || string(ev.Data) != "y" {
			t.Fatalf("reused reader, second event: %q %q %v", ev.Name, ev.Data, err)
		}
		if _, err := r2.Next(); err != io.EOF {
			t.Fatalf("end: %v", err)
		}
		r2.Release()
	}
}

func TestKnownEventNamesDoNotAllocate(t *testing.T) {
	in := strings.Repeat("event: content_block_delta\ndata: {}\n\n", 100)
	r := NewReader(strings.NewReader(in))
	r.Next() // the first fills the buffer
	n := testing.AllocsPerRun(50, func() { r.Next() })
	if n != 0 {
		t.Fatalf("%v allocations per known-name event", n)
	}
}
