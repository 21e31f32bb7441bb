package suites

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/probes"
)

// Verifiers, after h2spec's Verify* functions: each waits on a socket for
// the one thing a spec expects and grades it at the spec's own level, the
// one in its Case, so a spec states its level once. When the thing does not
// come, Actual is the last thing the target did on that socket (its last
// frame, its close, or silence): the clue a reader of the failure needs.

// Verify grades a condition the spec computed, at the spec's level. conns
// give the evidence.
func (s *Spec) Verify(ok bool, expected, actual string, conns ...*probes.Conn) {
	s.Require(s.Case.Level, ok, expected, actual, conns...)
}

// FrameCheck is one property a frame must have.
type FrameCheck struct {
	// Expected says it, for the failure message.
	Expected string
	Holds    func(probes.Frame) bool
}

// Field: the frame's value at a gjson path is want, of the same JSON type
// (a string, a number or a boolean).
func Field(path string, want any) FrameCheck {
	return FrameCheck{
		Expected: fmt.Sprintf("%s %s", path, jsonValue(want)),
		Holds: func(f probes.Frame) bool {
			v := f.Get(path)
			switch w := want.(type) {
			case string:
				return v.Type == gjson.String && v.Str == w
			case bool:
				return (v.Type == gjson.True || v.Type == gjson.False) && v.Bool() == w
			case int:
				return v.Type == gjson.Number && v.Num == float64(w)
			case float64:
				return v.Type == gjson.Number && v.Num == w
			}
			return false
		},
	}
}

func jsonValue(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}

// VerifyFrame waits for the next frame of type mt (other types pass by) and
// grades it against checks. It returns the frame and whether it came.
func (s *Spec) VerifyFrame(ctx context.Context, c *probes.Conn, mt string, checks ...FrameCheck) (probes.Frame, bool) {
	f, ok := s.Await(ctx, c, mt)
	expected := []string{mt}
	held := ok
	for _, ch := range checks {
		expected = append(expected, ch.Expected)
		held = held && ch.Holds(f)
	}
	actual := text.Clip(f.Raw, 300)
	if !ok {
		actual = "no " + mt + "; " + lastEvent(c.Timeline(), f)
	}
	s.Verify(held, strings.Join(expected, ", "), actual, c)
	return f, ok
}

// VerifyError waits for an error frame of errType with exactly this text.
func (s *Spec) VerifyError(ctx context.Context, c *probes.Conn, errType, text string) (probes.Frame, bool) {
	return s.VerifyFrame(ctx, c, errType, Field("error", text))
}

// VerifyClose waits for the server to close the socket with code and reason.
func (s *Spec) VerifyClose(ctx context.Context, c *probes.Conn, code int, reason string) *probes.Close {
	_, cl := s.WaitClosed(ctx, c)
	actual := describeClose(cl)
	if cl == nil {
		actual = "no close; " + lastEvent(c.Timeline(), probes.Frame{})
	}
	s.Verify(cl != nil && cl.Code == code && cl.Reason == reason,
		fmt.Sprintf("close %d %q", code, reason), actual, c)
	return cl
}

// VerifyNone: by a barrier (everything the server had to send before
// answering it), no frame of these types came.
func (s *Spec) VerifyNone(ctx context.Context, c *probes.Conn, types ...string) {
	before, answered := s.Barrier(ctx, c)
	if !answered {
		s.Verify(false, "no "+strings.Join(types, " or ")+", by a barrier the server answers", "no answer to the barrier; "+lastEvent(c.Timeline(), probes.Frame{}), c)
		return
	}
	var came []string
	for _, f := range before {
		if hasType([]probes.Frame{f}, types...) {
			came = append(came, text.Clip(f.Raw, 200))
		}
	}
	s.Verify(len(came) == 0, "no "+strings.Join(types, " or "), orText(strings.Join(came, "; "), "none came"), c)
}

// lastEvent says what the target did last on a socket: the frame that ended a
// wait (an error), else its last frame, then its close or its silence.
func lastEvent(tl probes.Timeline, ended probes.Frame) string {
	if tl.Upgrade.Status != http.StatusSwitchingProtocols {
		return "the socket never opened: " + strings.TrimSpace(strings.SplitN(tl.Summary(), "\n", 2)[0])
	}
	last := ended
	if last.Raw == "" {
		for _, f := range tl.Received() {
			if !probes.IsBarrierAnswer(f) {
				last = f
			}
		}
	}
	what := "no frame from the server"
	if last.Raw != "" {
		what = fmt.Sprintf("last frame at %s: %s", last.At.Round(time.Microsecond), text.Clip(last.Raw, 300))
	}
	if tl.Close != nil && !tl.Close.ByUs {
		return what + "; then " + describeClose(tl.Close)
	}
	return what + "; then nothing more before the wait ended"
}

// Present: the frame has a value at path.
func Present(path string) FrameCheck {
	return FrameCheck{Expected: "with " + path, Holds: func(f probes.Frame) bool { return f.Get(path).Exists() }}
}

// Array: the frame's value at path is an array.
func Array(path string) FrameCheck {
	return FrameCheck{Expected: path + " an array", Holds: func(f probes.Frame) bool { return f.Get(path).IsArray() }}
}
