package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/calibrate"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/targets"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/reports"
	"github.com/scribecheck/scribecheck/suites"
)

const runHelp = `scribecheck run: run the specs against a target and write JUnit reports.

  scribecheck run                                    the in-process fake (no network)
  scribecheck run --fake-bug sutkn-query-rejected    reproduce the sutkn auth_error bug offline
  ELEVENLABS_API_KEY=... scribecheck run --target live
  ELEVENLABS_API_KEY=<test key> scribecheck run --target http://127.0.0.1:PORT

Reports (in --out): junit.xml (every spec), auth-matrix.xml (one testsuite per
auth path), results.json; the auth matrix is printed last. Specs labelled
needs:fake are skipped on targets other than the in-process fake, with the reason.

For a nightly job:
  --baseline DIR|results.json   compare with an earlier run: specs newly failing or
                                passing, verdicts that changed, and INFO observations
                                that changed value (the drift a nightly run exists to
                                see); written to OUT/changes.json too
  --known-failing FILE          spec IDs one a line, each with "# why": the run exits 0
                                while only those fail, and names a listed spec that
                                passes now, so the list can shrink

To match the fake to a live server (--target fake only):
  --calibrate DIR|results.json  answer each unconfirmed input (stimulus) as the target
                                of that earlier run did, per its INFO specs; the fake's
                                changes are printed before the run
`

// failT stands in for testing.T when the binary runs the suites itself.
type failT struct{ failed bool }

func (t *failT) Fail() { t.failed = true }

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("run", runHelp, stderr)
	target := fs.String("target", "fake", "fake, live, or an http(s)://HOST[:PORT] URL")
	var bugs, deviations, focus stringList
	fs.Var(&bugs, "fake-bug", "switch on a bug of the in-process fake (repeatable): "+joinNames(fakeserver.Bug))
	fs.Var(&deviations, "fake-deviate", "switch on a deviation of the in-process fake (repeatable): "+joinNames(fakeserver.Deviation))
	junit := fs.String("junit", "", "write Ginkgo's JUnit report here (default OUT/junit.xml)")
	out := fs.String("out", "scribecheck-report", "folder for every report")
	labels := fs.String("label-filter", "", "run only specs whose labels match, e.g. 'auth:token-query || level:must'")
	fs.Var(&focus, "focus", "run only specs whose name matches this regular expression (repeatable)")
	strict := fs.Bool("strict", false, "treat NON-STRICT (SHOULD) deviations as failures")
	slow := fs.Bool("slow", false, "allow real waits on targets whose clock cannot jump (token-expired waits 15 minutes)")
	verbose := fs.Bool("v", false, "print every spec's evidence, not only failures'")
	fakeLog := fs.Bool("fake-log", false, "print the in-process fake's decisions to stderr")
	baseline := fs.String("baseline", "", "an earlier run's --out folder or results.json: report what changed since")
	knownFile := fs.String("known-failing", "", "a file of spec IDs (one a line, # why) allowed to fail")
	retries := fs.Int("retries", 0, "run a spec that failed on a timeout up to N more times; one that then passes is FLAKY")
	timeout := fs.Duration("timeout", 0, "bound the whole run (e.g. 10m): the spec running then is interrupted and the rest are reported not run; no bound if 0")
	calibrateFrom := fs.String("calibrate", "", "an earlier run's --out folder or results.json: the in-process fake answers each stimulus as that run's target did")
	if err := parseFlags(fs, args); err != nil {
		return exitCode(err, stderr)
	}
	faults, err := faultList(bugs, deviations)
	if err != nil {
		return exitCode(err, stderr)
	}
	var base []reports.SpecResult
	if *baseline != "" {
		if base, err = reports.LoadResults(*baseline); err != nil {
			return exitCode(&exitcode.Error{Code: exitcode.Usage, Err: err}, stderr)
		}
	}
	var known reports.KnownFailing
	if *knownFile != "" {
		isSpec := func(id string) bool { _, ok := suites.Lookup(id); return ok }
		if known, err = reports.LoadKnownFailing(*knownFile, isSpec); err != nil {
			return exitCode(exitcode.Usagef("--known-failing %w", err), stderr)
		}
	}
	if err := suites.ValidateSelection(*labels, focus); err != nil {
		return exitCode(err, stderr)
	}
	ts := targets.Spec{Name: *target, APIKey: os.Getenv(targets.APIKeyEnv), FakeFaults: faults}
	if ts.Calibration, err = calibrate.Read(*calibrateFrom, stdout); err != nil {
		return exitCode(err, stderr)
	}
	if *fakeLog {
		ts.FakeLog = stderr
	}
	tgt, err := targets.Start(ts)
	if err != nil {
		return exitCode(err, stderr)
	}
	defer tgt.Stop()
	env := &suites.Env{Running: *tgt}
	calibrate.WriteChanges(stdout, env.Fake)
	env.Strict = *strict
	env.CrashDir, env.InjectPanic = *out, os.Getenv(suites.InjectPanicEnv)
	if env.InjectPanic == "main" {
		panic("injected by " + suites.InjectPanicEnv + " (a test of the crash path)")
	}
	env.Probe.Slow = *slow
	if err := targets.Reachable(ctx, env.Target); err != nil {
		return exitCode(err, stderr)
	}
	title := fmt.Sprintf("Auth matrix, target %s", env.Target.Name)
	if len(faults) > 0 {
		title += fmt.Sprintf(" (fake with %v)", faults)
	}
	env.Redactor = secrets.New()
	ran, err := suites.Run(&failT{}, env, suites.RunOptions{
		LabelFilter: *labels, Focus: focus, NoColor: !text.IsTerminal(os.Stdout), Verbose: *verbose,
		Timeout: *timeout, Retries: *retries,
	})
	if err != nil {
		return exitCode(err, stderr)
	}
	rr := reports.RunReport{Title: title, Target: env.Target.Name, When: time.Now(), Spent: env.Spent(),
		Results: ran.Results, TimedOut: ran.TimedOut}
	if base != nil {
		rr.Baseline, rr.Changes = *baseline, reports.Compare(base, ran.Results, *strict)
	}
	files, err := reports.WriteRun(*out, *junit, rr, env.Redactor)
	if err != nil {
		return exitCode(&exitcode.Error{Code: exitcode.Failed, Err: err}, stderr)
	}
	reports.WriteRunConsole(stdout, rr, env.Redactor)
	if base != nil {
		reports.WriteChanges(stdout, *baseline, rr.Changes, env.Redactor)
	}
	fmt.Fprintln(stdout, "reports:")
	for _, f := range files {
		fmt.Fprintf(stdout, "  %s\n", f)
	}
	if err := reports.WriteCI(stdout, rr, env.Redactor, os.Getenv); err != nil {
		fmt.Fprintf(stderr, "scribecheck: %v\n", err)
	}
	failed := rr.Failed()
	if known != nil {
		failed = known.Report(stdout, *knownFile, ran.Results, *strict, failed)
	}
	code := exitcode.OK
	if failed {
		code = exitcode.Failed
	}
	for _, line := range ran.Bugs { // last, where the eye lands: a bug of ours, not the target's
		fmt.Fprintln(stderr, env.Redactor.Redact(line))
		code = exitcode.Internal
	}
	return code
}

// faultList checks that each --fake-bug names a bug and each --fake-deviate
// a deviation.
func faultList(bugs, deviations []string) ([]string, error) {
	var out []string
	for _, group := range []struct {
		names []string
		kind  fakeserver.FaultKind
		flag  string
	}{{bugs, fakeserver.Bug, "--fake-bug"}, {deviations, fakeserver.Deviation, "--fake-deviate"}} {
		for _, n := range group.names {
			f, ok := fakeserver.LookupFault(n)
			if !ok || f.Kind != group.kind {
				return nil, &exitcode.Error{Code: exitcode.Usage,
					Err: fmt.Errorf("%s %q: not a known %s; choose from %s", group.flag, n, group.kind, joinNames(group.kind))}
			}
			out = append(out, n)
		}
	}
	return out, nil
}
