package clocktest

import (
	"testing"
	"time"
)

func TestFakeFiresInOrderOnlyWhenAdvanced(t *testing.T) {
	c := New(time.Unix(1000, 0))
	got := make(chan int, 3)
	c.AfterFunc(2*time.Second, func() { got <- 2 })
	c.AfterFunc(time.Second, func() { got <- 1 })
	stopped := c.AfterFunc(time.Second, func() { got <- 9 })
	if !stopped.Stop() || c.Pending() != 2 {
		t.Fatalf("stop: pending %d", c.Pending())
	}
	c.Advance(999 * time.Millisecond)
	select {
	case v := <-got:
		t.Fatalf("fired %d before its time", v)
	default:
	}
	c.Advance(time.Millisecond)
	if v := <-got; v != 1 {
		t.Fatalf("first fired %d", v)
	}
	if !c.WaitFor(2*time.Second, time.Second) {
		t.Fatal("the 2s timer is armed")
	}
	c.Advance(time.Second)
	if v := <-got; v != 2 {
		t.Fatalf("second fired %d", v)
	}
	if c.Now() != time.Unix(1002, 0) || c.Pending() != 0 {
		t.Fatalf("now %v pending %d", c.Now(), c.Pending())
	}
	if c.WaitFor(time.Minute, 10*time.Millisecond) {
		t.Fatal("no such timer")
	}
}

func TestFakeReset(t *testing.T) {
	c := New(time.Unix(0, 0))
	got := make(chan struct{}, 1)
	tm := c.AfterFunc(time.Second, func() { got <- struct{}{} })
	c.Advance(500 * time.Millisecond)
	tm.Reset(time.Second)
	c.Advance(600 * time.Millisecond)
	select {
	case <-got:
		t.Fatal("fired before the reset duration")
	default:
	}
	c.Advance(400 * time.Millisecond)
	<-got
}
