package fakeserver

import (
	"testing"
	"time"
)

func TestManualClockFiresTimersInOrderOnAdvance(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	c := NewManualClock(start)
	var fired []string
	var seenAt []time.Duration
	c.AfterFunc(2*time.Second, func() { fired = append(fired, "b"); seenAt = append(seenAt, c.Now().Sub(start)) })
	c.AfterFunc(1*time.Second, func() { fired = append(fired, "a"); seenAt = append(seenAt, c.Now().Sub(start)) })
	stopped := c.AfterFunc(1500*time.Millisecond, func() { fired = append(fired, "stopped") })
	if !stopped.Stop() {
		t.Fatal("Stop on a pending timer reported false")
	}
	c.Advance(500 * time.Millisecond)
	if len(fired) != 0 {
		t.Fatalf("timers fired early: %v", fired)
	}
	c.Advance(5 * time.Second)
	if got := len(fired); got != 2 || fired[0] != "a" || fired[1] != "b" {
		t.Fatalf("fired %v, want [a b]", fired)
	}
	if seenAt[0] != time.Second || seenAt[1] != 2*time.Second {
		t.Errorf("timers saw the clock at %v, want their due times", seenAt)
	}
	if c.Now().Sub(start) != 5500*time.Millisecond {
		t.Errorf("clock at %v after advancing 5.5s", c.Now().Sub(start))
	}
	if c.Pending() != 0 {
		t.Errorf("%d timers pending", c.Pending())
	}
}

func TestManualClockTimerMayScheduleAnother(t *testing.T) {
	t.Parallel()
	c := NewManualClock(time.Unix(0, 0))
	n := 0
	var tick func()
	tick = func() {
		n++
		if n < 3 {
			c.AfterFunc(time.Second, tick)
		}
	}
	c.AfterFunc(time.Second, tick)
	c.Advance(10 * time.Second)
	if n != 3 {
		t.Errorf("chained timer ran %d times, want 3", n)
	}
}
