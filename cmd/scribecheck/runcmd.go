package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/scribecheck/scribecheck/internal/calibrate"
	"github.com/scribecheck/scribecheck/internal/cli"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/targets"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/reports"
	"github.com/scribecheck/scribecheck/suites"
)

// failT stands in for testing.T when the binary runs the suites itself.
type failT struct{ failed bool }

func (t *failT) Fail() { t.failed = true }

func runCommand(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	target := addTargetFlag(fs)
	faultFlags := addFaultFlags(fs, "the in-process fake")
	junit := fs.String("junit", "", "write Ginkgo's JUnit report here (default OUT/junit.xml)")
	out := fs.String("out", "scribecheck-report", "folder for every report")
	labels := fs.String("label-filter", "", "run only specs whose labels match, e.g. 'auth:token-query || level:must'")
	var focus cli.StringList
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
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	sw, err := faultFlags()
	if err != nil {
		return err
	}
	name, err := targets.Parse("--target", *target)
	if err != nil {
		return err
	}
	var base []reports.SpecResult
	if *baseline != "" {
		if base, err = reports.LoadResults(*baseline); err != nil {
			return exitcode.Usagef("%w", err)
		}
	}
	var known reports.KnownFailing
	if *knownFile != "" {
		isSpec := func(id string) bool { _, ok := suites.Lookup(id); return ok }
		if known, err = reports.LoadKnownFailing(*knownFile, isSpec); err != nil {
			return exitcode.Usagef("--known-failing %w", err)
		}
	}
	if err := suites.ValidateSelection(*labels, focus); err != nil {
		return err
	}
	ts := targets.Spec{Name: name, APIKey: os.Getenv(targets.APIKeyEnv), FakeFaults: sw.Faults, FakeChoices: sw.Choices}
	if ts.Calibration, err = calibrate.Read(*calibrateFrom, stdout); err != nil {
		return err
	}
	if *fakeLog {
		ts.FakeLog = stderr
	}
	tgt, err := targets.Start(ts)
	if err != nil {
		return err
	}
	defer tgt.Stop()
	env := &suites.Env{Target: tgt.Target, Kind: tgt.Kind, Probe: tgt.Probe, Fake: tgt.Fake, Strict: *strict, CrashDir: *out, InjectPanic: os.Getenv(suites.InjectPanicEnv), Redactor: secrets.New()}
	calibrate.WriteChanges(stdout, env.Fake)
	if env.InjectPanic == "main" {
		panic("injected by " + suites.InjectPanicEnv + " (a test of the crash path)")
	}
	env.Probe.Slow = *slow
	if err := targets.Reachable(ctx, env.Target); err != nil {
		return err
	}
	ran, err := suites.Run(&failT{}, env, suites.RunOptions{
		LabelFilter: *labels, Focus: focus, NoColor: !text.Colour(os.Stdout), Verbose: *verbose,
		Timeout: *timeout, Retries: *retries,
	})
	if err != nil {
		return err
	}
	title := fmt.Sprintf("Auth matrix, target %s", env.Target.Name)
	if w := sw.String(); w != "" {
		title += " (fake with " + w + ")"
	}
	rr := reports.RunReport{Title: title, Target: env.Target.Name, When: time.Now(), Spent: env.Spent(),
		Results: ran.Results, TimedOut: ran.TimedOut}
	if base != nil {
		rr.Baseline, rr.Changes = *baseline, reports.Compare(base, ran.Results, *strict)
	}
	files, err := reports.WriteRun(*out, *junit, rr, env.Redactor)
	if err != nil {
		return err
	}
	reports.WriteRunConsole(stdout, rr, env.Redactor)
	if base != nil {
		reports.WriteChanges(stdout, *baseline, rr.Changes, env.Redactor)
	}
	listFiles(stdout, files...)
	if err := reports.WriteCI(stdout, rr, env.Redactor, os.Getenv); err != nil {
		fmt.Fprintf(stderr, "scribecheck: %v\n", err)
	}
	failed := rr.Failed()
	if known != nil {
		failed = known.Report(stdout, *knownFile, ran.Results, *strict, failed)
	}
	if len(ran.Bugs) > 0 {
		for _, line := range ran.Bugs { // last, where the eye lands: a bug of ours, not the target's
			fmt.Fprintln(stderr, env.Redactor.Redact(line))
		}
		return exitcode.Reported(exitcode.Internal)
	}
	return exitcode.Fails(failed)
}
