package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/clitest"
	"github.com/scribecheck/scribecheck/reports"
)

// Against a server that never answers commits (a separate fake, so the
// probe waits its real 10 s timeout), the run ends well within a minute with
// one root cause, COMMIT-1, and every spec that needs an answered commit is
// BLOCKED by it instead of waiting out its own timeout (224 s and 60
// failures before root causes; 421 s with every spec added since).
func TestNeverAnsweredCommitsEndInOneRootCause(t *testing.T) {
	base, key := startPlainFake(t, "--fake-bug", "commits-unanswered")
	ran := clitest.StartEarly(t, plainBinary, []string{"ELEVENLABS_API_KEY=" + key}, "run", "--target", base) // it waits 10 s
	t.Parallel()
	r := ran(t)
	took := r.Took
	if r.Code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.Code, r.Stderr)
	}
	if took > 60*time.Second {
		t.Errorf("the run took %s, want under 60 s", took)
	}
	t.Logf("run against a server that never answers commits: %s", took.Round(10*time.Millisecond))
	v := r.Verdicts(t)
	if failed := clitest.With(v, reports.Failed); strings.Join(failed, ",") != "COMMIT-1" {
		t.Errorf("failed %v, want only the root cause COMMIT-1", failed)
	}
	if errs := clitest.With(v, reports.Error); len(errs) > 0 {
		t.Errorf("harness errors: %v", errs)
	}
	blocked := 0
	for _, res := range r.Results(t) {
		if res.Verdict == reports.Blocked {
			blocked++
			if res.BlockedBy != "COMMIT-1" || !strings.Contains(res.Message, "BLOCKED by COMMIT-1") {
				t.Errorf("%s: blocked by %q: %s", res.ID, res.BlockedBy, res.Message)
			}
		}
	}
	if blocked < 40 {
		t.Errorf("%d specs BLOCKED, want every spec that needs an answered commit (40 or more)", blocked)
	}
	if !strings.Contains(r.Stdout, "RESULT: FAILED, one root cause: COMMIT-1") {
		t.Errorf("no one-line verdict naming the root cause:\n%s", tail(r.Stdout, 15))
	}
	ju, err := reports.ReadJUnit(filepath.Join(r.Out, reports.JUnitFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(ju.Suites) == 0 || ju.Suites[0].Name != "root causes" || len(ju.Suites[0].Cases) != 1 ||
		!strings.Contains(ju.Suites[0].Cases[0].Name, "COMMIT-1") {
		t.Errorf("the JUnit does not lead with the root cause: first suite %+v", ju.Suites[0].Name)
	}
}

// --retries reruns a spec that failed on a timeout and reports it FLAKY; a
// failure that is no timeout is not retried.
func TestRetriesReportFlakyNeverPassed(t *testing.T) {
	// A lost commit's answer is waited for 5 s: the runs start early.
	shared.Start(t, "--target", "fake", "--fake-deviate", "first-commit-lost")
	gate := clitest.StartEarly(t, plainBinary, nil, "run", "--fake-deviate", "first-commit-lost", "--retries", "1")
	spec := clitest.StartEarly(t, binary, nil, "run", "--fake-deviate", "first-commit-lost", "--retries", "1", "--focus", "AUTH-4 ")
	t.Parallel()
	t.Run("no retries", func(t *testing.T) {
		t.Parallel()
		lost := shared.Run(t, "--target", "fake", "--fake-deviate", "first-commit-lost")
		if lost.Code != 1 || strings.Join(clitest.With(lost.Verdicts(t), reports.Failed), ",") != "COMMIT-1" {
			t.Errorf("without retries a lost answer fails COMMIT-1: exit %d, failed %v", lost.Code, clitest.With(lost.Verdicts(t), reports.Failed))
		}
	})
	t.Run("the gate probe retried", func(t *testing.T) {
		t.Parallel()
		retried := gate(t)
		v := retried.Verdicts(t)
		if retried.Code != 0 || strings.Join(clitest.With(v, reports.Flaky), ",") != "AUTH-1" || len(clitest.With(v, reports.Failed)) > 0 {
			t.Errorf("with --retries 1: exit %d, flaky %v, failed %v; want exit 0 and AUTH-1 FLAKY", retried.Code, clitest.With(v, reports.Flaky), clitest.With(v, reports.Failed))
		}
	})
	t.Run("a spec retried", func(t *testing.T) {
		t.Parallel()
		one := spec(t)
		if got := one.Verdicts(t)["AUTH-4"]; got != string(reports.Flaky) || one.Code != 0 {
			t.Errorf("AUTH-4 alone: %s, exit %d; want FLAKY after a retry", got, one.Code)
		}
	})
	t.Run("no timeout, no retry", func(t *testing.T) {
		t.Parallel()
		bug := scribecheck(t, nil, "run", "--fake-bug", "sutkn-query-rejected", "--retries", "2", "--focus", "AUTH-4 ")
		for _, x := range bug.Results(t) {
			if x.ID == "AUTH-4" && (x.Verdict != reports.Failed || !strings.Contains(x.Message, "not retried (the failure was no timeout)")) {
				t.Errorf("AUTH-4 under the sutkn bug: %s: %s", x.Verdict, x.Message)
			}
		}
	})
}

// --timeout bounds the whole run: the spec running is interrupted, the rest
// are reported not run, and the run says so and exits 1.
func TestTimeoutBoundsTheRun(t *testing.T) {
	base, key := startFake(t, "--fake-bug", "commits-unanswered")
	ran := clitest.StartEarly(t, binary, []string{"ELEVENLABS_API_KEY=" + key}, "run", "--target", base, "--timeout", "2s") // it waits 2 s
	t.Parallel()
	r := ran(t)
	if took := r.Took; took > 8*time.Second {
		t.Errorf("a 2 s --timeout run took %s", took)
	}
	if r.Code != 1 || !strings.Contains(r.Stdout, "RESULT: TIMED OUT, the run hit --timeout 2s") {
		t.Errorf("exit %d; stdout ends:\n%s", r.Code, tail(r.Stdout, 5))
	}
	notRun := 0
	for _, x := range r.Results(t) {
		if x.Verdict == reports.Skipped && strings.Contains(x.Message, "not run: the run hit --timeout") {
			notRun++
		}
	}
	if notRun < 100 {
		t.Errorf("%d specs reported not run", notRun)
	}
}

// Under GitHub Actions a run prints each failure as an annotation and
// appends its Markdown summary to GITHUB_STEP_SUMMARY (keeping what earlier
// steps wrote); its HTML report renders in Chromium with no script error.
func TestRunReportsForCI(t *testing.T) {
	t.Parallel()
	summary := filepath.Join(t.TempDir(), "step-summary.md")
	if err := os.WriteFile(summary, []byte("# an earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := clitest.Run(t, plainBinary, []string{"GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY=" + summary}, "run", "--fake-bug", "sutkn-query-rejected")
	if r.Code != 1 {
		t.Fatalf("exit %d", r.Code)
	}
	if !regexp.MustCompile(`(?m)^::error title=AUTH-4 FAILED::`).MatchString(r.Stdout) {
		t.Errorf("no annotation for AUTH-4:\n%s", tail(r.Stdout, 12))
	}
	b, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "# an earlier step\n") || !strings.Contains(string(b), "AUTH-4") || strings.Count(string(b), "\n") > 80 {
		t.Errorf("step summary not appended as it should be (%d lines):\n%s", strings.Count(string(b), "\n"), b)
	}
	plain := scribecheck(t, nil, "run", "--focus", "AUTH-1 ")
	if strings.Contains(plain.Stdout, "::error") || strings.Contains(plain.Stdout, "::warning") {
		t.Error("annotations printed outside GitHub Actions")
	}
	_, body := renderPage(t, "file://"+filepath.Join(r.Out, reports.RunHTMLFile)+"#verdict=FAILED")
	if !strings.Contains(body, `data-shown="3"`) {
		t.Errorf("the FAILED filter shows other than the 3 failures: %s", body)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
