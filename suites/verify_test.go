package suites

import (
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

func TestFieldComparesJSONTypes(t *testing.T) {
	f := probes.Frame{Raw: `{"text":"","n":3,"ok":true,"s":"3"}`}
	for _, c := range []struct {
		check FrameCheck
		want  bool
	}{
		{Field("text", ""), true},
		{Field("missing", ""), false}, // absent is not ""
		{Field("n", 3), true},
		{Field("n", 3.0), true},
		{Field("s", 3), false}, // "3" is a string, not a number
		{Field("n", "3"), false},
		{Field("ok", true), true},
		{Field("ok", false), false},
		{Present("n"), true},
		{Present("words"), false},
		{Array("n"), false},
	} {
		if got := c.check.Holds(f); got != c.want {
			t.Errorf("%s on %s: %t, want %t", c.check.Expected, f.Raw, got, c.want)
		}
	}
	if got := Field("error", "x").Expected; got != `error "x"` {
		t.Errorf("Expected = %s", got)
	}
}

// A verifier's Actual is the last thing the target did: the frame that ended
// the wait, else its last frame (never our barrier's answer), then its close
// or its silence; or that the socket never opened.
func TestLastEventNamesWhatTheTargetDidLast(t *testing.T) {
	started := probes.Frame{At: 2 * time.Millisecond, Raw: `{"message_type":"session_started"}`, Type: protocol.SessionStarted}
	partial := probes.Frame{At: 9 * time.Millisecond, Raw: `{"message_type":"partial_transcript","text":"hel"}`, Type: protocol.PartialTranscript}
	barrier := probes.Frame{At: 10 * time.Millisecond, Type: protocol.ErrInput,
		Raw: `{"message_type":"input_error","error":"` + protocol.UnexpectedMessageTypePrefix + probes.BarrierType + `"}`}
	open := probes.Upgrade{Status: 101}
	for _, c := range []struct {
		name  string
		tl    probes.Timeline
		ended probes.Frame
		want  []string
	}{
		{"silent after a partial", probes.Timeline{Upgrade: open, Frames: []probes.Frame{started, partial, barrier}}, probes.Frame{},
			[]string{"last frame at 9ms", "partial_transcript", "nothing more before the wait ended"}},
		{"closed", probes.Timeline{Upgrade: open, Frames: []probes.Frame{started}, Close: &probes.Close{Code: 1011, Reason: "boom"}}, probes.Frame{},
			[]string{"session_started", `then close 1011 "boom"`}},
		{"an error ended the wait", probes.Timeline{Upgrade: open, Frames: []probes.Frame{started}},
			probes.Frame{At: 3 * time.Millisecond, Raw: `{"message_type":"quota_exceeded","error":"x"}`},
			[]string{"last frame at 3ms", "quota_exceeded"}},
		{"nothing at all", probes.Timeline{Upgrade: open}, probes.Frame{},
			[]string{"no frame from the server"}},
		{"refused at the upgrade", probes.Timeline{URL: "ws://h/x", Upgrade: probes.Upgrade{Status: 403, Body: "no"}}, probes.Frame{},
			[]string{"never opened", "HTTP 403"}},
	} {
		got := lastEvent(c.tl, c.ended)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", c.name, got, w)
			}
		}
		if strings.Contains(got, probes.BarrierType) {
			t.Errorf("%s: %q names our own barrier", c.name, got)
		}
	}
}
