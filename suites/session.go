package suites

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2"
	gtypes "github.com/onsi/gomega/types"
	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

// query is the model plus key/value pairs, in order; a key may repeat.
func query(kv ...string) url.Values {
	q := probes.DefaultQuery()
	for i := 0; i+1 < len(kv); i += 2 {
		q.Add(kv[i], kv[i+1])
	}
	return q
}

// pcm16k is the default audio format; speech and silence are the test audio.
var pcm16k, _ = protocol.ParseAudioFormat("pcm_16000")

func speech(secs float64) []byte  { return pcm16k.Speech(secs) }
func silence(secs float64) []byte { return pcm16k.Silence(secs) }

// Open opens a session with the target's key and q. That a valid key and
// valid parameters open a session is MUST: anything else fails the spec.
func (s *Spec) Open(ctx context.Context, q url.Values) *probes.Conn {
	s.Need(gateSession)
	conn, _, ok := probes.OpenSession(ctx, s.Env.Target, q, s.Env.Probe)
	s.track(conn)
	if !ok {
		out, detail := conn.Outcome()
		if s.Case.Level == verdict.Info { // an observation needs a session; its absence is the MUST specs' finding
			ginkgo.Skip(fmt.Sprintf("no session to observe with: %s: %s", out, detail))
		}
		s.CheckAt(verdict.Must, conn, satisfied(false, "session_started as the first frame for a valid key and these parameters",
			fmt.Sprintf("%s: %s", out, detail)))
	}
	return conn
}

// Settle waits until the server has answered everything sent so far (a
// Barrier) and consumes what it sent, so later waits see only what follows.
func (s *Spec) Settle(ctx context.Context, c *probes.Conn) bool {
	before, ok := s.Barrier(ctx, c)
	for range before {
		wctx, cancel := s.wait(ctx)
		_, _ = c.Next(wctx)
		cancel()
	}
	return ok
}

// Dial opens the socket with the target's key and q, expecting nothing.
// What the socket does with q shows only once the key is accepted: where no
// session opens with the header, the spec is BLOCKED.
func (s *Spec) Dial(ctx context.Context, q url.Values) *probes.Conn {
	s.Need(gateSession)
	conn, _, _ := probes.OpenSession(ctx, s.Env.Target, q, s.Env.Probe)
	s.track(conn)
	return conn
}

// DialURL opens any URL with the target's key, expecting nothing.
func (s *Spec) DialURL(ctx context.Context, u string) *probes.Conn {
	s.Need(gateSession)
	h := map[string][]string{protocol.APIKeyHeader: {s.Env.Target.APIKey}}
	conn, _, _ := probes.DialAndWait(ctx, u, h, s.Env.Probe)
	s.track(conn)
	return conn
}

// track closes conn when the spec ends and hands its frames to the run's
// frame log, which SCHEMA-1 validates.
func (s *Spec) track(conn *probes.Conn) {
	ginkgo.DeferCleanup(func() {
		conn.Close()
		s.Env.log(s.Case.ID, conn.Timeline())
	})
}

// wait bounds one wait for the server.
func (s *Spec) wait(ctx context.Context) (context.Context, context.CancelFunc) {
	wctx, cancel := context.WithTimeout(ctx, s.Env.Probe.Timeout)
	return wctx, func() {
		s.noteExpiry(ctx, wctx)
		cancel()
	}
}

// Send streams audio (pcm_16000) in 0.25 s chunks, committing with the last
// when commit is set. A failed send is recorded in the timeline; the checks
// that follow see its effect.
func (s *Spec) Send(ctx context.Context, c *probes.Conn, audio []byte, commit bool) {
	_ = c.SendAudio(ctx, pcm16k, audio, 0.25, commit)
}

// Commit sends an empty commit.
func (s *Spec) Commit(ctx context.Context, c *probes.Conn) { _ = c.Commit(ctx, pcm16k.SampleRate) }

// Await returns the next frame of one of types, or ok false when the server
// sends an error, closes, or nothing comes before the timeout.
//
// Against the in-process fake, which answers frames in order, a Barrier first
// tells whether the frame is there at all, so a missing frame costs no wait.
func (s *Spec) Await(ctx context.Context, c *probes.Conn, types ...string) (probes.Frame, bool) {
	if needsCommit(types) {
		s.Need(gateCommit)
	}
	wctx, cancel := s.wait(ctx)
	defer cancel()
	if s.Env.Fake != nil {
		before, _ := c.Barrier(wctx)
		if !hasType(before, types...) {
			return probes.Frame{}, false
		}
	}
	f, err := c.WaitFor(wctx, types...)
	return f, err == nil
}

func hasType(frames []probes.Frame, types ...string) bool {
	for _, f := range frames {
		for _, t := range types {
			if f.Type == t {
				return true
			}
		}
	}
	return false
}

// count is how many frames are of type t.
func count(frames []probes.Frame, t string) int {
	n := 0
	for _, f := range frames {
		if f.Type == t {
			n++
		}
	}
	return n
}

// Collect gathers n frames of the given types (others are skipped), or as many
// as come before an error, the close or the timeout.
func (s *Spec) Collect(ctx context.Context, c *probes.Conn, n int, types ...string) []probes.Frame {
	var out []probes.Frame
	for len(out) < n {
		f, ok := s.Await(ctx, c, types...)
		if !ok {
			break
		}
		out = append(out, f)
	}
	return out
}

// Barrier returns what the server sent before answering a barrier frame; ok
// is false when it never answered (it closed, or broke the input_error rule).
func (s *Spec) Barrier(ctx context.Context, c *probes.Conn) ([]probes.Frame, bool) {
	wctx, cancel := s.wait(ctx)
	defer cancel()
	before, err := c.Barrier(wctx)
	return before, err == nil
}

// WaitClosed waits for the server to close (bounded by the close wait).
func (s *Spec) WaitClosed(ctx context.Context, c *probes.Conn) ([]probes.Frame, *probes.Close) {
	wctx, cancel := context.WithTimeout(ctx, s.Env.Probe.CloseWait)
	defer cancel()
	return c.WaitClosed(wctx)
}

// Advance moves the target's clock: the fake's jumps; a real target's only
// passes with --slow (a real wait); otherwise the spec is skipped.
func (s *Spec) Advance(ctx context.Context, d time.Duration) {
	switch {
	case s.Env.Probe.AdvanceClock != nil:
		s.Env.Probe.AdvanceClock(d)
	case s.Env.Probe.Slow:
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	default:
		ginkgo.Skip(fmt.Sprintf("needs:fake: the spec waits %s of the target's clock; the fake's jumps, a real target needs --slow", d))
	}
}

// NeedFakeOrSlow skips the spec early, before any audio is spent, on targets
// that are not the in-process fake unless --slow allows what it costs.
func (s *Spec) NeedFakeOrSlow(why string) {
	if s.Env.Probe.AdvanceClock == nil && !s.Env.Probe.Slow {
		ginkgo.Skip("needs:fake: " + why + "; on a real target it runs with --slow")
	}
}

// Config is session_started.config of a conn.
func config(c *probes.Conn) gjson.Result {
	f, _ := c.Timeline().Find(protocol.SessionStarted)
	return f.Get("config")
}

// Require grades one condition at lvl. conns give the evidence.
func (s *Spec) Require(lvl verdict.Level, ok bool, expected, actual string, conns ...*probes.Conn) {
	m := satisfied(ok, expected, actual)
	var ev []string
	for _, c := range conns {
		ev = append(ev, c.Timeline().Summary())
	}
	m.evidence = strings.Join(ev, "")
	s.CheckAt(lvl, nil, m)
}

// condition is a matcher over a condition already computed: the failure
// message is the expectation, what happened, and the timelines.
type condition struct {
	ok               bool
	expected, actual string
	evidence         string
}

func satisfied(ok bool, expected, actual string) *condition {
	return &condition{ok: ok, expected: expected, actual: actual}
}

var _ gtypes.GomegaMatcher = (*condition)(nil)

func (c *condition) Match(actual any) (bool, error) {
	if conn, isConn := actual.(*probes.Conn); isConn && c.evidence == "" {
		c.evidence = conn.Timeline().Summary()
	}
	return c.ok, nil
}

func (c *condition) FailureMessage(any) string {
	msg := fmt.Sprintf("Expected: %s\nActual:   %s\n", c.expected, c.actual)
	if c.evidence != "" {
		msg += "Evidence:\n" + indent(c.evidence)
	}
	return msg
}

func (c *condition) NegatedFailureMessage(any) string { return "Expected not: " + c.expected }

func indent(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("  " + line + "\n")
	}
	return b.String()
}

// frameLog is every frame the run received, for SCHEMA-1, and every
// socket's timeline, for the MULTI rules.
type frameLog struct {
	mu        sync.Mutex
	frames    []loggedFrame
	timelines []loggedTimeline
	spent     reports.Spent
}

type loggedTimeline struct {
	specID string
	tl     probes.Timeline
}

type loggedFrame struct {
	specID string
	frame  probes.Frame
}

func (e *Env) log(specID string, tl probes.Timeline) {
	e.frames.mu.Lock()
	defer e.frames.mu.Unlock()
	for _, f := range tl.Received() {
		e.frames.frames = append(e.frames.frames, loggedFrame{specID, f})
	}
	e.frames.timelines = append(e.frames.timelines, loggedTimeline{specID, tl})
	if f, ok := tl.First(); ok && f.Type == protocol.SessionStarted {
		e.frames.spent.Sessions++
	}
	e.frames.spent.AudioSeconds += tl.AudioSent()
}

// countMints adds the tokens a probe minted to what the run spent.
func (e *Env) countMints(ms []probes.Mint) {
	e.frames.mu.Lock()
	defer e.frames.mu.Unlock()
	for _, m := range ms {
		if m.OK() {
			e.frames.spent.TokensMinted++
		}
	}
}

// Spent is what the run has cost the target so far.
func (e *Env) Spent() reports.Spent {
	e.frames.mu.Lock()
	defer e.frames.mu.Unlock()
	return e.frames.spent
}

func (e *Env) loggedTimelines() []loggedTimeline {
	e.frames.mu.Lock()
	defer e.frames.mu.Unlock()
	return append([]loggedTimeline(nil), e.frames.timelines...)
}

func (e *Env) loggedFrames() []loggedFrame {
	e.frames.mu.Lock()
	defer e.frames.mu.Unlock()
	return append([]loggedFrame(nil), e.frames.frames...)
}
