package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/scribecheck/scribecheck/fakeserver"
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
	if err := parseFlags(fs, args); err != nil {
		return exitCode(err, stderr)
	}
	var base []reports.SpecResult
	if *baseline != "" {
		var err error
		if base, err = reports.LoadResults(*baseline); err != nil {
			return exitCode(&suites.ExitError{Code: suites.ExitUsage, Err: err}, stderr)
		}
	}
	known, err := loadKnownFailing(*knownFile)
	if err != nil {
		return exitCode(err, stderr)
	}
	faults, err := faultList(bugs, deviations)
	if err != nil {
		return exitCode(err, stderr)
	}
	if err := suites.ValidateSelection(*labels, focus); err != nil {
		return exitCode(err, stderr)
	}
	ts := suites.TargetSpec{Name: *target, APIKey: os.Getenv(suites.APIKeyEnv), FakeFaults: faults}
	if *fakeLog {
		ts.FakeLog = stderr
	}
	env, release, err := suites.Setup(ts)
	if err != nil {
		return exitCode(err, stderr)
	}
	defer release()
	env.Strict = *strict
	env.Probe.Slow = *slow
	if err := suites.CheckReachable(ctx, env.Target); err != nil {
		return exitCode(err, stderr)
	}
	title := fmt.Sprintf("Auth matrix, target %s", env.Target.Name)
	if len(faults) > 0 {
		title += fmt.Sprintf(" (fake with %v)", faults)
	}
	t := &failT{}
	sum, err := suites.Execute(t, env, suites.RunOptions{
		OutDir: *out, JUnitPath: *junit, LabelFilter: *labels, Focus: focus,
		Title: title, Stdout: stdout, NoColor: !isTerminal(os.Stdout), Verbose: *verbose,
	})
	if err != nil {
		return exitCode(err, stderr)
	}
	code := sum.ExitCode
	red := reports.NewRedactor()
	red.Add(ts.APIKey)
	if base != nil {
		changes := reports.Compare(base, sum.Results, *strict)
		reports.WriteChanges(stdout, *baseline, changes, red)
		if err := writeChanges(filepath.Join(*out, "changes.json"), *baseline, changes, red); err != nil {
			fmt.Fprintf(stderr, "scribecheck: %v\n", err)
		}
	}
	if known != nil {
		code = applyKnownFailing(known, *knownFile, sum.Results, *strict, code, stdout)
	}
	return code
}

// loadKnownFailing reads --known-failing; every ID must name a spec.
func loadKnownFailing(path string) (reports.KnownFailing, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &suites.ExitError{Code: suites.ExitUsage, Err: fmt.Errorf("--known-failing: %w", err)}
	}
	defer f.Close()
	known, err := reports.ParseKnownFailing(f, path)
	if err != nil {
		return nil, &suites.ExitError{Code: suites.ExitUsage, Err: fmt.Errorf("--known-failing %w", err)}
	}
	ids := map[string]bool{}
	for _, c := range suites.Catalog() {
		ids[c.ID] = true
	}
	for id := range known {
		if !ids[id] {
			return nil, &suites.ExitError{Code: suites.ExitUsage, Err: fmt.Errorf("--known-failing %s: %s is no spec (scribecheck list shows them)", path, id)}
		}
	}
	return known, nil
}

// applyKnownFailing prints how the run's failures stand against the list
// and returns the exit code: a run whose only failures are known is green.
func applyKnownFailing(known reports.KnownFailing, path string, results []reports.SpecResult, strict bool, code int, stdout io.Writer) int {
	o := known.Apply(results, strict)
	fmt.Fprintf(stdout, "\nKnown failures (%s): %d failed as known, %d failed and are not on the list\n", path, len(o.Known), len(o.Unknown))
	for _, id := range o.Known {
		why := ""
		if known[id] != "" {
			why = "  # " + known[id]
		}
		fmt.Fprintf(stdout, "  known:   %s%s\n", id, why)
	}
	for _, id := range o.Unknown {
		fmt.Fprintf(stdout, "  NEW:     %s fails and is not on the list\n", id)
	}
	for _, id := range o.Fixed {
		fmt.Fprintf(stdout, "  fixed:   %s passes now: remove it from %s\n", id, path)
	}
	if code == suites.ExitFailed && len(o.Unknown) == 0 {
		fmt.Fprintln(stdout, "every failure is a known one: exit 0")
		return suites.ExitOK
	}
	return code
}

// writeChanges writes the changes since the baseline as JSON, redacted.
func writeChanges(path, baseline string, changes []reports.Change, red *reports.Redactor) error {
	if changes == nil {
		changes = []reports.Change{}
	}
	b, err := json.MarshalIndent(map[string]any{"baseline": baseline, "changes": changes}, "", "  ")
	if err != nil {
		return err
	}
	return reports.WriteFile(path, []byte(red.Redact(string(b))+"\n"))
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
				return nil, &suites.ExitError{Code: suites.ExitUsage,
					Err: fmt.Errorf("%s %q: not a known %s; choose from %s", group.flag, n, group.kind, joinNames(group.kind))}
			}
			out = append(out, n)
		}
	}
	return out, nil
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
