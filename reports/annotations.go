package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/scribecheck/scribecheck/internal/text"
)

// MaxAnnotations caps the annotations of each kind (error, warning) that
// WriteCI writes: GitHub shows at most 10 of each per step,
// and drops the rest silently.
const MaxAnnotations = 10

// writeGitHubAnnotations writes GitHub Actions workflow commands: an
// ::error for a run cut short by --timeout and for every root cause (each
// FAILED or ERROR spec, with the number of specs it blocks), a ::warning
// for every NON-STRICT and FLAKY spec. BLOCKED specs are named in their
// root's annotation, not annotated one by one. Past MaxAnnotations of a
// kind, one ::notice says how many were left out. r is prepared
// (prepareRun).
func writeGitHubAnnotations(w io.Writer, r RunReport) {
	verdicts := map[string]Verdict{}
	for _, s := range r.Results {
		verdicts[s.ID] = s.Verdict
	}
	var b strings.Builder
	written := map[string]int{}
	left := map[string]int{}
	annotate := func(kind, title, message string) {
		if written[kind] == MaxAnnotations {
			left[kind]++
			return
		}
		written[kind]++
		fmt.Fprintf(&b, "::%s title=%s::%s\n", kind, text.WorkflowProperty(title), text.WorkflowData(text.Clip(message, 2000)))
	}

	if r.TimedOut != "" {
		annotate("error", "scribecheck run timed out", r.TimedOut)
	}
	rooted := map[string]bool{}
	for _, rc := range r.RootCauses {
		rooted[rc.ID] = true
		v := verdicts[rc.ID]
		if v == "" {
			v = "not run"
		}
		msg := strings.TrimSpace(rc.Requirement + "\n" + rc.Message)
		if n := len(rc.Blocked); n > 0 {
			msg += fmt.Sprintf("\nBlocks %s: %s", text.Plural(n, "spec", "specs"), idList(rc.Blocked, 20))
		}
		annotate("error", fmt.Sprintf("%s %s", rc.ID, v), msg)
	}
	for _, s := range r.Results {
		if rooted[s.ID] {
			continue
		}
		switch s.Verdict {
		case Failed, Error: // only when the caller's RootCauses left it out
			annotate("error", fmt.Sprintf("%s %s", s.ID, s.Verdict), annotationMessage(s))
		case NonStrict, Flaky:
			annotate("warning", fmt.Sprintf("%s %s", s.ID, s.Verdict), annotationMessage(s))
		}
	}
	if left["error"]+left["warning"] > 0 {
		fmt.Fprintf(&b, "::notice title=scribecheck::%s\n", text.WorkflowData(fmt.Sprintf(
			"%d more error and %d more warning annotations left out; the run's HTML report lists every spec",
			left["error"], left["warning"])))
	}
	fmt.Fprint(w, b.String())
}

// annotationMessage is a spec's requirement and its message without the
// evidence (the report holds that).
func annotationMessage(s SpecResult) string {
	msg := strings.TrimSpace(s.Requirement + "\n" + messageHead(s))
	if s.Verdict == Flaky && s.Attempts > 0 {
		msg = fmt.Sprintf("passed on attempt %d, after a timeout.\n%s", s.Attempts, msg)
	}
	return msg
}
