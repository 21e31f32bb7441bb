package fakeserver

import (
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/protocol"
)

// startWith starts a fake with opts on a manual clock.
func startWith(t testing.TB, opts Options) (*Server, string, *ManualClock) {
	t.Helper()
	clock := NewManualClock(time.Now())
	opts.Clock = clock
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, testkit.Serve(t, s), clock
}

// A filter that keeps the socket open after one frame swallows that close
// only: the idle timer still closes the session later.
func TestKeepOpenSwallowsOnlyTheCloseAfterItsFrame(t *testing.T) {
	t.Parallel()
	s, base, clock := startWith(t, Options{Faults: []string{FaultThrottleWithoutClose}})
	sock := open(t, base, query(), s.TestKey())
	sock.stream(t, pcm16k.Speech(0.2), true)
	sock.read(t, 2)
	if got := gjson.Get(sock.frames[1], "message_type").String(); got != protocol.ErrCommitThrottled || sock.code != 0 {
		t.Fatalf("frames %v, close %d: want commit_throttled and the socket open", sock.frames, sock.code)
	}
	clock.Advance(DefaultIdleTimeout)
	sock.read(t, 0)
	if sock.code != 1000 {
		t.Errorf("idle close after a kept-open throttle: close %d, frames %v", sock.code, sock.frames)
	}
}

// A client commit on the chunk that reaches the auto-commit interval is
// answered by the auto-commit, not throttled (choice auto-commit-takes-the-commit).
func TestAutoCommitTakesTheClientCommit(t *testing.T) {
	t.Parallel()
	s, base, _ := startWith(t, Options{Session: SessionOptions{AutoCommitSecs: 2}})
	sock := open(t, base, query(), s.TestKey())
	sock.stream(t, pcm16k.Speech(2), true)
	committed, throttled := 0, 0
	for _, fr := range sock.finish(t) {
		switch gjson.Get(fr, "message_type").String() {
		case protocol.CommittedTranscript:
			committed++
		case protocol.ErrCommitThrottled:
			throttled++
		}
	}
	if committed != 1 || throttled != 1 { // finish's own empty commit is the one throttled
		t.Errorf("%d committed, %d throttled; want 1 and only finish's throttle", committed, throttled)
	}
}
