package route

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

func ev(i int) Failover {
	return Failover{Time: t0.Add(time.Duration(i) * time.Second), Model: "m", From: "a", To: "b", Reason: strconv.Itoa(i)}
}

func reasons(fs []Failover) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Reason
	}
	return out
}

func TestEventsRing(t *testing.T) {
	e := NewEvents(50)
	if r := e.Recent(); r == nil || len(r) != 0 {
		t.Fatalf("empty Recent = %#v", r)
	}
	if b, _ := json.Marshal(e.Recent()); string(b) != "[]" {
		t.Errorf("empty Recent marshals as %s", b)
	}
	tests := []struct {
		add        int
		wantLen    int
		wantNewest string
		wantOldest string
	}{
		{1, 1, "0", "0"},
		{49, 50, "49", "0"},
		{1, 50, "50", "1"},
		{60, 50, "110", "61"},
	}
	n := 0
	for _, tc := range tests {
		for range tc.add {
			e.Add(ev(n))
			n++
		}
		r := e.Recent()
		if len(r) != tc.wantLen || r[0].Reason != tc.wantNewest || r[len(r)-1].Reason != tc.wantOldest {
			t.Errorf("after %d adds: len %d newest %s oldest %s", n, len(r), r[0].Reason, r[len(r)-1].Reason)
		}
		for i := 1; i < len(r); i++ { // newest first
			if !r[i-1].Time.After(r[i].Time) {
				t.Fatalf("Recent not newest first at %d: %v", i, reasons(r))
			}
		}
	}
	// Recent is a copy.
	r := e.Recent()
	r[0].Reason = "changed"
	if e.Recent()[0].Reason == "changed" {
		t.Error("Recent shares memory with the log")
	}
}

func TestEventsRestore(t *testing.T) {
	e := NewEvents(50)
	e.Add(ev(1000))
	var list []Failover // oldest first, as persisted
	for i := range 70 {
		list = append(list, ev(i))
	}
	e.Restore(list)
	r := e.Recent()
	if len(r) != 50 || r[0].Reason != "69" || r[49].Reason != "20" {
		t.Fatalf("restored %d: newest %s oldest %s", len(r), r[0].Reason, r[49].Reason)
	}
	list[69].Reason = "mutated"
	if e.Recent()[0].Reason != "69" {
		t.Error("Restore kept the caller's slice")
	}
	// Round trip through JSON, the way the log is persisted.
	b, err := json.Marshal(e.Recent())
	if err != nil {
		t.Fatal(err)
	}
	var back []Failover
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	// Persisted newest first; restoring wants oldest first.
	for i, j := 0, len(back)-1; i < j; i, j = i+1, j-1 {
		back[i], back[j] = back[j], back[i]
	}
	e2 := NewEvents(50)
	e2.Restore(back)
	if got := reasons(e2.Recent()); !eq(got, reasons(e.Recent())) {
		t.Errorf("round trip %v", got)
	}
	if !e2.Recent()[0].Time.Equal(t0.Add(69 * time.Second)) {
		t.Errorf("time lost: %v", e2.Recent()[0].Time)
	}
	e2.Restore(nil)
	if len(e2.Recent()) != 0 {
		t.Error("Restore(nil) kept events")
	}
	// A small log keeps only its max.
	e3 := NewEvents(3)
	e3.Restore(list[:10])
	if got := reasons(e3.Recent()); !eq(got, []string{"9", "8", "7"}) {
		t.Errorf("max 3: %v", got)
	}
}

func TestEventsSubscribe(t *testing.T) {
	e := NewEvents(50)
	ch1, cancel1 := e.Subscribe()
	ch2, cancel2 := e.Subscribe()
	defer cancel2()
	pending := func(ch <-chan struct{}) int { return len(ch) }

	seq := e.Seq()
	e.Add(ev(1))
	e.Add(ev(2))
	e.Signal()
	if e.Seq() != seq+3 {
		t.Errorf("Seq %d → %d, want +3", seq, e.Seq())
	}
	// Coalesced: three changes, one pending signal each.
	if pending(ch1) != 1 || pending(ch2) != 1 {
		t.Fatalf("pending %d %d, want 1 1", pending(ch1), pending(ch2))
	}
	<-ch1
	<-ch2
	select {
	case <-ch1:
		t.Fatal("a second signal was queued")
	default:
	}

	cancel1()
	cancel1() // twice is fine
	e.Add(ev(3))
	select {
	case <-ch1:
		t.Error("canceled subscriber got a signal")
	default:
	}
	select {
	case <-ch2:
	default:
		t.Error("live subscriber got no signal")
	}

	// Table changes reach subscribers too.
	tb, _ := buildTable(t, be{id: "a", prio: 1, urls: 1})
	ch, cancel := tb.Events().Subscribe()
	defer cancel()
	for name, change := range map[string]func(){
		"SetEnabled":  func() { tb.SetEnabled("a", true) },
		"SetKeys":     func() { tb.SetKeys("a", keysFor("a", 1)) },
		"SetBackends": func() { tb.SetBackends([]BackendSpec{spec("a", 1, "https://a0.example/v1")}) },
		"Done": func() {
			p := tb.NewPlan("m")
			a, _ := p.Next()
			p.Done(a, OK, "", 0)
		},
	} {
		select {
		case <-ch:
		default:
		}
		change()
		select {
		case <-ch:
		default:
			t.Errorf("%s did not signal", name)
		}
	}
}
