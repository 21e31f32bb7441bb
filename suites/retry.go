package suites

import (
	"context"
	"errors"
	"runtime/debug"
	"sync"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/scribecheck/scribecheck/internal/crash"
)

// Retries (--retries N) are for failures on a timeout only, the flakiness a
// live server shows: a spec that failed on a wait that expired runs again,
// and one that then passes is FLAKY. Any other failure is final: a retry
// fails at once with the first attempt's message, and sends nothing.
type attempts struct {
	mu   sync.Mutex
	last map[string]attempt
}

type attempt struct {
	failed, timedOut bool
	message          string
}

// notRetried heads a failure that --retries did not retry.
const notRetried = "not retried (the failure was no timeout): "

// runAttempt runs one attempt of c's body and remembers how it ended.
func runAttempt(ctx ginkgo.SpecContext, env *Env, c Case) {
	s := &Spec{Case: c, Env: env, ctx: ctx}
	if env.retries > 0 {
		if prev, ok := env.attempts.get(c.ID); ok && prev.failed && !prev.timedOut {
			ginkgo.Fail(notRetried + prev.message)
		}
		ginkgo.DeferCleanup(func() {
			r := ginkgo.CurrentSpecReport()
			env.attempts.set(c.ID, attempt{failed: r.Failed(), timedOut: s.timedOut, message: r.Failure.Message})
		})
	}
	defer func() {
		if v := recover(); v != nil {
			env.specPanicked(c, v, debug.Stack())
		}
	}()
	if env.InjectPanic == c.ID {
		panic("injected by " + InjectPanicEnv + " (a test of the crash path)")
	}
	c.Body(ctx, s)
}

// InjectPanicEnv names a spec whose body panics, or "main" for the command
// itself: how the tests prove a scribecheck bug prints one ERROR line.
const InjectPanicEnv = "SCRIBECHECK_INJECT_PANIC"

// specPanicked ends a spec whose body panicked as a harness fault (verdict
// ERROR) with one line and no Go stack on the terminal: Ginkgo prints a
// panic's full stack. A harnessFault is the spec's own verdict; any other
// panic is a scribecheck bug, its stack written to a file. Ginkgo's own
// panics (Fail, Skip) go on to Ginkgo.
func (env *Env) specPanicked(c Case, v any, stack []byte) {
	if _, ok := v.(types.GinkgoError); ok {
		panic(v)
	}
	line := ""
	if h, ok := v.(harnessFault); ok {
		line = h.Error()
	} else {
		line = crash.Report(env.CrashDir, "spec "+c.ID, v, stack, env.Redactor)
		ginkgo.AddReportEntry(entryBug, line, ginkgo.ReportEntryVisibilityNever)
	}
	ginkgo.AddReportEntry(entryHarness, line, ginkgo.ReportEntryVisibilityNever)
	ginkgo.Fail(line)
}

func (a *attempts) get(id string) (attempt, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	x, ok := a.last[id]
	return x, ok
}

func (a *attempts) set(id string, x attempt) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.last == nil {
		a.last = map[string]attempt{}
	}
	a.last[id] = x
}

// noteExpiry marks the spec as having waited out a timeout when wctx expired
// while the spec's own context was still live.
func (s *Spec) noteExpiry(ctx, wctx context.Context) {
	if errors.Is(wctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		s.timedOut = true
	}
}
