package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/scribecheck/scribecheck/fakeserver"
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
	if err := parseFlags(fs, args); err != nil {
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
	return sum.ExitCode
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
