package suites

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/onsi/ginkgo/v2"

	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// A gate is a precondition many specs share: a session opens with the
// xi-api-key header; a commit is answered. It is found out once per run, by
// one probe of the header path, the first time a spec needs it. When it fails,
// every spec that needs it is BLOCKED at once, pointing at the spec that
// states the precondition (its root), instead of failing after its own
// timeout: one root cause, not a cascade.
type gate struct {
	name string
	// root is the spec whose requirement the gate is.
	root string
	what string
}

var (
	gateSession = gate{"session", "AUTH-1", "a session opens with the xi-api-key header"}
	gateCommit  = gate{"commit", "COMMIT-1", "a commit after speech is answered with committed_transcript"}
)

// gates holds what the run found out about its gates.
type gates struct {
	once     sync.Once
	tries    int
	done     atomic.Bool
	res      probes.Result
	evidence string
}

// holds says whether gt held in the gate probe. Whether commits are answered
// is judged only where a session opened; where none did, the session gate is
// the one that fails.
func (g *gates) holds(gt gate) bool {
	session := g.res.Outcome == probes.OutcomeSession
	if gt == gateSession {
		return session
	}
	return !session || g.res.Stages.Committed
}

// check runs the gate probe once: the header path, end to end.
func (e *Env) checkGates(ctx context.Context) *gates {
	g := &e.gates
	g.once.Do(func() {
		defer g.done.Store(true)
		// Under --retries a probe that failed on a timeout runs again, as a
		// spec would; AUTH-1, whose probe this is, then says FLAKY.
		for g.tries = 1; ; g.tries++ {
			g.res = probes.Run(ctx, e.Target, probes.PathHeader, e.Probe)
			e.countMints(g.res.Mints)
			for _, tl := range g.res.Sockets {
				e.log(gateSession.root, tl) // the gate probe is AUTH-1's probe
			}
			if g.tries > e.retries || !probeTimedOut(g.res) || ctx.Err() != nil {
				break
			}
		}
		switch {
		case g.res.Fault != "":
			g.evidence = "the run's precondition probe could not run: " + g.res.Fault
		case !g.holds(gateSession):
			g.evidence = fmt.Sprintf("the header path came to %s: %s", g.res.Outcome, g.res.Detail)
		case !g.holds(gateCommit):
			g.evidence = fmt.Sprintf("a session opened with the header; %.1f s of speech and a commit got no committed_transcript within %s",
				e.Probe.AudioSeconds, e.Probe.Timeout)
		}
		g.evidence = e.Redactor.Redact(g.evidence)
	})
	return g
}

// probeTimedOut says whether a probe failed by waiting out its timeout: no
// answer at all, or a session whose commit was never answered.
func probeTimedOut(res probes.Result) bool {
	return res.Outcome == probes.OutcomeNoAnswer || (res.Stages.SessionStarted && res.Stages.AudioSent && !res.Stages.Committed)
}

// passed says whether gate holds (found out now if not yet).
func (e *Env) passed(ctx context.Context, gt gate) (bool, string) {
	g := e.checkGates(ctx)
	return g.holds(gt), g.evidence
}

// Need blocks the spec when gate failed. The gate's own root spec is never
// blocked by it: it runs and fails with its own evidence. A commit needs a
// session first.
func (s *Spec) Need(gt gate) {
	if gt == gateCommit {
		s.Need(gateSession)
	}
	if s.Case.ID == gt.root {
		return
	}
	if ok, evidence := s.Env.passed(s.ctx, gt); !ok {
		s.Block(gt.root, fmt.Sprintf("%s, which this spec needs, does not hold: %s", gt.what, evidence))
	}
}

// commitsKnownLost says, without running the gate probe, whether it already
// found that sessions open but commits go unanswered.
func (e *Env) commitsKnownLost() bool { return e.gates.done.Load() && !e.gates.holds(gateCommit) }

// Block ends the spec as BLOCKED by the failed spec root: it did not run
// and did not wait out its timeout.
func (s *Spec) Block(root, why string) {
	s.entry(entryBlocked, root)
	ginkgo.Skip(fmt.Sprintf("%s by %s: %s", verdict.Blocked, root, s.redact(why)))
}

// commitAnswers are the frames that come only in answer to a commit.
var commitAnswers = []string{protocol.CommittedTranscript, protocol.CommittedTranscriptWithTimestamps,
	protocol.CommittedTranscriptEntities, protocol.RedactedTranscript, protocol.EditedTranscript,
	protocol.DiarizedTranscript, protocol.SpeakersMerged}

// needsCommit says whether any of types answers a commit.
func needsCommit(types []string) bool {
	return slices.ContainsFunc(types, func(t string) bool { return slices.Contains(commitAnswers, t) })
}

// RootOf fails the gate's root spec with the gate probe's evidence when the
// gate does not hold, so the specs it blocks point at a failure the run saw
// (and the root does not wait out a second timeout to see it again).
func (s *Spec) RootOf(gt gate, expected string) {
	ok, evidence := s.Env.passed(s.ctx, gt)
	if ok {
		return
	}
	s.Verify(false, expected, "the run's precondition probe: "+evidence)
}
