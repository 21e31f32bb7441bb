package suites

import (
	"context"
	"fmt"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
	gtypes "github.com/onsi/gomega/types"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/targets"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

// Env is what every spec of a run shares: the target and how to reach it.
// ForFake makes one for a fake running in this process; for the live API or
// any other server, set Target (and Kind "live" or "url") yourself.
type Env struct {
	// Target is the server the specs run against: a base URL and its keys.
	Target probes.Target
	// Kind labels every spec target:Kind: fake, live or url.
	Kind string
	// Probe is how the probes reach the target: timeouts, the clock jump of
	// a fake, the audio to stream.
	Probe probes.Options
	// Fake is the fake when it runs in this process: it answers in order,
	// so a spec asks it with a barrier whether a frame is there at all.
	Fake *fakeserver.Server
	// Redactor learns the keys and every minted token; a new one if nil.
	Redactor *reports.Redactor
	// Strict turns NON-STRICT deviations into failures.
	Strict bool
	// CrashDir receives the stack of a spec that panicked (a scribecheck
	// bug); the temporary folder if empty.
	CrashDir string
	// InjectPanic is a spec ID whose body panics (tests of the crash path).
	InjectPanic string

	frames  frameLog
	schemas *protocol.Schemas
	gates   gates
	// retries and attempts: a spec that failed on a timeout runs again.
	retries  int
	attempts attempts
}

// ForFake is an Env for a fake started in this process
// (fakeserver.NewServer). Give the fake a fakeserver.ManualClock and the specs
// of timers (idle close, token expiry, auto-commit) jump it instead of
// waiting; with another clock they are skipped, saying why.
func ForFake(srv *fakeserver.Server) *Env {
	r := targets.Fake(srv)
	return &Env{Target: r.Target, Kind: r.Kind, Probe: r.Probe, Fake: r.Fake}
}

// Report entry names a spec uses to hand its findings to the reports.
const (
	entryExpected    = "scribecheck.expected"
	entryOutcome     = "scribecheck.outcome"
	entryEvidence    = "scribecheck.evidence"
	entryNonStrict   = "scribecheck.nonstrict"
	entryObservation = "scribecheck.observation"
	entryNotOffered  = "scribecheck.not-offered"
	entryBlocked     = "scribecheck.blocked"
	entryReaction    = "scribecheck.reaction"
	entryFlaky       = "scribecheck.flaky"
	entryHarness     = "scribecheck.harness"
	entryBug         = "scribecheck.bug"
)

// Spec is the running spec's handle: its case and the run's environment.
type Spec struct {
	Case Case
	Env  *Env
	ctx  context.Context
	// timedOut: a wait of this attempt expired (see retry.go).
	timedOut bool
}

// Probe runs an auth path against the target and records what it did as the
// spec's outcome and evidence. A harness fault ends the spec as an error, a
// path the target cannot run skips it.
func (s *Spec) Probe(ctx ginkgo.SpecContext, path probes.AuthPath) probes.Result {
	return s.record(probes.Run(ctx, s.Env.Target, path, s.Env.Probe), true)
}

// record makes a probe's result the spec's outcome and evidence; fresh
// results also go to the run's frame log and spend (the gate probe's went
// there when it ran).
func (s *Spec) record(res probes.Result, fresh bool) probes.Result {
	outcome := res.Detail
	if res.Precondition != "" {
		outcome = "first use refused: " + outcome
	}
	if res.Stages.Committed {
		outcome += fmt.Sprintf(", committed %q", res.Stages.CommittedText)
	}
	if probeTimedOut(res) {
		s.timedOut = true // the probe waited out its timeout
	}
	s.entry(entryOutcome, outcome)
	s.entry(entryEvidence, probes.Evidence(res))
	s.matrixRow(res)
	if fresh {
		for _, tl := range res.Sockets {
			s.Env.log(s.Case.ID, tl)
		}
		s.Env.countMints(res.Mints)
	}
	if res.Skip != "" {
		ginkgo.Skip(res.Skip)
	}
	if res.Fault != "" {
		s.Harness("%s", res.Fault)
	}
	return res
}

// Check grades actual against m at the spec's level.
func (s *Spec) Check(actual any, m gtypes.GomegaMatcher) {
	s.CheckAt(s.Case.Level, actual, m)
}

// CheckAt grades actual against m at lvl: MUST fails, SHOULD is NON-STRICT
// (a failure under --strict), INFO is an observation.
func (s *Spec) CheckAt(lvl verdict.Level, actual any, m gtypes.GomegaMatcher) {
	head := fmt.Sprintf("%s (%s): %s", s.Case.ID, lvl, s.Case.Requirement)
	m = redacting{m, s.Env.Redactor}
	if lvl == verdict.Must {
		gomega.Expect(actual).To(m, s.redact(head))
		return
	}
	ok, err := m.Match(actual)
	if err != nil {
		s.Harness("%s: the check itself failed: %v", s.Case.ID, err)
	}
	if ok {
		return
	}
	msg := s.redact(head + "\n" + m.FailureMessage(actual))
	switch {
	case lvl == verdict.Should && s.Env.Strict:
		ginkgo.Fail(string(verdict.NonStrict) + ", failing under --strict: " + msg)
	case lvl == verdict.Should:
		s.entry(entryNonStrict, msg)
	default:
		s.Observe(msg)
	}
}

// Observe records what the target did, for an INFO spec.
func (s *Spec) Observe(text string) {
	s.entry(entryObservation, s.redact(text))
}

// NotOffered records that the target does not offer a feature of the newest
// contract (C). Whether a server offers one is INFO: the spec's verdict is
// INFORMATIONAL, never a failure; its caller returns.
func (s *Spec) NotOffered(what string) {
	s.entry(entryNotOffered, s.redact("not offered: "+what))
}

// Harness ends the spec as a harness fault (JUnit <error>): the spec could
// not judge the target.
func (s *Spec) Harness(format string, args ...any) {
	panic(harnessFault(s.redact(fmt.Sprintf(format, args...))))
}

// harnessFault is the panic value of a harness fault.
type harnessFault string

func (h harnessFault) Error() string { return "harness fault: " + string(h) }

// entry records a finding in the report. Expected, outcome and evidence stay
// out of the console (a failure message already carries them); verdict notes
// show with failures and under -v.
func (s *Spec) entry(name, value string) {
	vis := ginkgo.ReportEntryVisibilityNever
	if name == entryNonStrict || name == entryObservation || name == entryNotOffered {
		vis = ginkgo.ReportEntryVisibilityFailureOrVerbose
	}
	ginkgo.AddReportEntry(name, s.redact(value), vis)
}

func (s *Spec) redact(v string) string { return s.Env.Redactor.Redact(v) }

// redacting wraps a matcher so that its failure messages, which Gomega hands
// to Ginkgo without us seeing them, never carry a secret.
type redacting struct {
	gtypes.GomegaMatcher
	red *reports.Redactor
}

func (r redacting) FailureMessage(actual any) string {
	return r.red.Redact(r.GomegaMatcher.FailureMessage(actual))
}

func (r redacting) NegatedFailureMessage(actual any) string {
	return r.red.Redact(r.GomegaMatcher.NegatedFailureMessage(actual))
}
