package gateway_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchyard/gateway/clock/clocktest"
	"switchyard/gateway/config"
)

// clockRig is a gateway on a fake clock in front of a backend that hangs
// (priority 1, attempt timeout 1h, first-byte timeout 2h) and one that
// answers (priority 2).
type clockRig struct {
	g                  *gw
	clk                *clocktest.Fake
	arrived, cancelled chan struct{}
}

func newClockRig(t *testing.T) *clockRig {
	r := &clockRig{clk: clocktest.New(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)),
		arrived: make(chan struct{}, 4), cancelled: make(chan struct{}, 4)}
	hangs := hang(r.cancelled)
	hung := newUpstream(t, func(w http.ResponseWriter, req *http.Request) { r.arrived <- struct{}{}; hangs(w, req) })
	good := newUpstream(t, chatOK("good"))
	hb := backend("hang", 1, config.FormatOpenAI, hung.URL)
	hb.Timeout, hb.StreamTimeout = time.Hour, 5*time.Hour
	r.g = startGateway(t, []config.Backend{hb, backend("good", 2, config.FormatOpenAI, good.URL)}, withClock(r.clk),
		withConfig(func(c *config.Config) { c.FirstByteTimeout = 2 * time.Hour }))
	return r
}

// expire waits until the request is at the hung upstream and its timer
// of duration d is armed, then moves the fake clock past it.
func (r *clockRig) expire(t *testing.T, d time.Duration, done <-chan string) string {
	t.Helper()
	wait(t, r.arrived, "the request never reached the hung upstream")
	if !r.clk.WaitFor(d, 5*time.Second) {
		t.Fatalf("no %v timer armed on the injected clock", d)
	}
	select {
	case got := <-done:
		t.Fatalf("answered %q before the fake clock moved", got)
	default:
	}
	r.clk.Advance(d)
	var got string
	select {
	case got = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("no answer 5s after the fake clock passed the timeout")
	}
	wait(t, r.cancelled, "the hung upstream call was not cancelled")
	return got
}

func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal(what)
	}
}

// The attempt and first-byte timers run on the injected clock: a backend
// with an hour-long timeout fails over the moment the fake clock passes
// the hour; no test waits on the wall clock for a timeout to fire.
func TestTimersRunOnInjectedClock(t *testing.T) {
	t.Run("attempt timeout", func(t *testing.T) {
		r := newClockRig(t)
		done := make(chan string, 1)
		go func() {
			resp, err := r.g.openai().Chat.Completions.New(context.Background(), chatParams("m"))
			if err != nil {
				done <- err.Error()
				return
			}
			done <- resp.Choices[0].Message.Content
		}()
		if got := r.expire(t, time.Hour, done); got != "hello from good" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("first byte timeout", func(t *testing.T) {
		r := newClockRig(t)
		done := make(chan string, 1)
		go func() {
			resp, err := http.Post(r.g.URL+"/v1/chat/completions", "application/json",
				strings.NewReader(`{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`))
			if err != nil {
				done <- err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			done <- resp.Header.Get("X-Switchyard-Backend") + " " + string(b)
		}()
		if got := r.expire(t, 2*time.Hour, done); !strings.HasPrefix(got, "good ") || !strings.Contains(got, "[DONE]") {
			t.Fatalf("got %q", got)
		}
	})
}
