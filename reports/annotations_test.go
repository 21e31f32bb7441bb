package reports

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/secrets"
)

func TestWriteGitHubAnnotations(t *testing.T) {
	r, red := sampleRun()
	var b bytes.Buffer
	writeGitHubAnnotations(&b, prepareRun(r, red))
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	want := []string{
		"::error title=AUTH-4 FAILED::A fresh realtime_scribe single-use token on ?token= opens a session that transcribes.%0AExpected: ",
		"::error title=ERROR-3 ERROR::Requirement ERROR-3 holds.%0Apanicked: runtime error: index out of range [3] with length 3%0ABlocks 2 specs: SCHEMA-4, SCHEMA-5",
		"::warning title=COMMIT-7 FLAKY::passed on attempt 2, after a timeout.%0A",
		"::warning title=INPUT-3 NON-STRICT::Requirement INPUT-3 holds.%0Ainput_error arrived",
	}
	if len(lines) != len(want) {
		t.Fatalf("%d annotations, want %d (blocked specs are not annotated one by one):\n%s", len(lines), len(want), b.String())
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("annotation %d:\n got %s\nwant %s…", i, lines[i], w)
		}
	}
	if !strings.Contains(lines[0], "%0ABlocks 47 specs: AUTH-5, AUTH-8, PARAM-1,") || strings.Contains(lines[0], "Evidence") {
		t.Errorf("the root cause does not say what it blocks, or carries the evidence: %s", lines[0])
	}
}

func TestWriteGitHubAnnotationsCapped(t *testing.T) {
	var results []SpecResult
	for i := 1; i <= 15; i++ {
		results = append(results, SpecResult{ID: fmt.Sprintf("PARAM-%d", i), Verdict: Failed, Message: "bad"})
	}
	for i := 1; i <= 12; i++ {
		results = append(results, SpecResult{ID: fmt.Sprintf("INPUT-%d", i), Verdict: NonStrict, Message: "late"})
	}
	var b bytes.Buffer
	writeGitHubAnnotations(&b, prepareRun(RunReport{Results: results, TimedOut: "The run hit --timeout 1m; 3 specs did not run."}, secrets.New()))
	out := b.String()
	if n := strings.Count(out, "::error "); n != MaxAnnotations {
		t.Errorf("%d errors, want %d", n, MaxAnnotations)
	}
	if n := strings.Count(out, "::warning "); n != MaxAnnotations {
		t.Errorf("%d warnings, want %d", n, MaxAnnotations)
	}
	if !strings.HasPrefix(out, "::error title=scribecheck run timed out::The run hit --timeout 1m; 3 specs did not run.\n") {
		t.Errorf("the timeout is not the first annotation:\n%s", out)
	}
	last := out[strings.LastIndex(strings.TrimRight(out, "\n"), "\n")+1:]
	if last != "::notice title=scribecheck::6 more error and 2 more warning annotations left out; the run's HTML report lists every spec\n" {
		t.Errorf("last line: %q", last)
	}
}
