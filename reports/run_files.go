package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/text"
)

// The files a run writes in its --out folder.
const (
	JUnitFile       = "junit.xml"
	AuthMatrixFile  = "auth-matrix.xml"
	ResultsJSONFile = "results.json"
	RunHTMLFile     = "report.html"
	SummaryFile     = "summary.md"
	ChangesFile     = "changes.json"
)

// WriteRun writes a run's reports into dir (junitPath overrides
// dir/junit.xml): JUnit of every spec, the auth matrix as JUnit, the results
// as JSON, the HTML page, the Markdown summary and, with a baseline, the
// changes, each rendered from one redacted copy of r. It then scans every
// file for the secrets red knows; a leak is an error. It returns the paths
// written.
func WriteRun(dir, junitPath string, r RunReport, red *Redactor) ([]string, error) {
	r = prepareRun(r, red)
	if junitPath == "" {
		junitPath = filepath.Join(dir, JUnitFile)
	}
	files := []string{junitPath, filepath.Join(dir, AuthMatrixFile), filepath.Join(dir, ResultsJSONFile),
		filepath.Join(dir, RunHTMLFile), filepath.Join(dir, SummaryFile)}
	if err := writeJUnit(files[0], runJUnit(r.Results)); err != nil {
		return nil, err
	}
	if err := writeJUnit(files[1], matrixJUnit(r.Results)); err != nil {
		return nil, err
	}
	if err := writeJSON(files[2], struct {
		Target   string       `json:"target"`
		Spent    Spent        `json:"spent"`
		TimedOut string       `json:"timed_out,omitempty"`
		Results  []SpecResult `json:"results"`
	}{r.Target, r.Spent, r.TimedOut, r.Results}); err != nil {
		return nil, err
	}
	if err := writeRunHTML(files[3], r); err != nil {
		return nil, err
	}
	var md strings.Builder
	writeRunMarkdown(&md, r)
	if err := WriteFile(files[4], []byte(md.String())); err != nil {
		return nil, err
	}
	if r.Baseline != "" {
		changes := r.Changes
		if changes == nil {
			changes = []Change{}
		}
		path := filepath.Join(dir, ChangesFile)
		if err := writeJSON(path, map[string]any{"baseline": r.Baseline, "changes": changes}); err != nil {
			return nil, err
		}
		files = append(files, path)
	}
	if err := secrets.CheckNoLeaks(files, red); err != nil {
		return files, err
	}
	return files, nil
}

// writeJSON writes v, already redacted, as indented JSON.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return WriteFile(path, append(b, '\n'))
}

// runJUnit is every spec as JUnit, root causes first: a testsuite "root
// causes" holds the failed specs that block others (each case appears once),
// then one testsuite per area in run order. A BLOCKED spec is <skipped> with
// the spec that blocks it; a FLAKY one passes and says so in system-out.
func runJUnit(results []SpecResult) JUnitSuites {
	out := JUnitSuites{Name: "scribecheck"}
	roots := map[string]int{}
	for _, c := range RootCauses(results) {
		if len(c.Blocked) > 0 {
			roots[c.ID] = len(c.Blocked)
		}
	}
	rootSuite := JUnitSuite{Name: "root causes"}
	var rest []SpecResult
	for _, r := range results {
		n, ok := roots[r.ID]
		if !ok {
			rest = append(rest, r)
			continue
		}
		c := junitCase(r, "scribecheck."+r.Area)
		c.Properties = append(c.Properties, JUnitProperty{"blocks", fmt.Sprint(n)})
		if c.Failure != nil {
			c.Failure.Message = fmt.Sprintf("ROOT CAUSE, blocks %s: %s", text.Plural(n, "spec", "specs"), c.Failure.Message)
		}
		rootSuite.Cases = append(rootSuite.Cases, c)
	}
	if len(rootSuite.Cases) > 0 {
		out.Suites = append(out.Suites, rootSuite)
	}
	areas, byArea := groupBy(rest, area)
	for _, a := range areas {
		s := JUnitSuite{Name: a}
		for _, r := range byArea[a] {
			s.Cases = append(s.Cases, junitCase(r, "scribecheck."+a))
		}
		out.Suites = append(out.Suites, s)
	}
	out.tally()
	return out
}

// WriteRunConsole prints what a person reads at the end of a run: the root
// causes first, verdicts by area, what is not OK, the auth matrix, then one
// line saying how the run came out.
func WriteRunConsole(w io.Writer, r RunReport, red *Redactor) {
	r = prepareRun(r, red)
	causes := r.RootCauses
	var b strings.Builder
	if r.TimedOut != "" {
		fmt.Fprintf(&b, "\nTIMED OUT: %s\n", r.TimedOut)
	}
	if len(causes) > 0 {
		fmt.Fprintf(&b, "\nRoot causes (%d): fix these first; every BLOCKED spec waits on one\n", len(causes))
		for _, c := range causes {
			fmt.Fprintf(&b, "  %s  %s\n", c.ID, text.ClipLine(c.Requirement, 110))
			if m := why(c.Message); m != "" {
				fmt.Fprintf(&b, "      %s\n", text.ClipLine(m, 150))
			}
			if len(c.Blocked) > 0 {
				fmt.Fprintf(&b, "      blocks %d: %s\n", len(c.Blocked), idList(c.Blocked, 12))
			}
		}
	}
	fmt.Fprint(w, b.String())
	writeSummary(w, r.Results)
	title := r.Title
	if title == "" {
		title = "Auth matrix, target " + r.Target
	}
	writeMatrix(w, title, r.Results)
	fmt.Fprintf(w, "all specs: %s\n", Count(r.Results))
	fmt.Fprintf(w, "spent on the target: %s\n", r.Spent)
	fmt.Fprintln(w, Headline(r))
}

// Headline is the run in one line: passed, or how many root causes failed
// it and how many specs they block. It names spec IDs and requirements, which
// hold no secret; WriteRunConsole prints it from the redacted copy.
func Headline(r RunReport) string {
	c := Count(r.Results)
	causes := r.causes()
	blocked := c[Blocked]
	switch {
	case r.TimedOut != "":
		return "RESULT: TIMED OUT, " + r.TimedOut
	case len(causes) == 0:
		return fmt.Sprintf("RESULT: PASSED, %s", Count(r.Results))
	case len(causes) == 1:
		return fmt.Sprintf("RESULT: FAILED, one root cause: %s (%s) fails%s", causes[0].ID,
			text.ClipLine(causes[0].Requirement, 90), blockedNote(blocked))
	}
	ids := make([]string, len(causes))
	for i, x := range causes {
		ids[i] = x.ID
	}
	return fmt.Sprintf("RESULT: FAILED, %d root causes: %s%s", len(causes), idList(ids, 8), blockedNote(blocked))
}

func blockedNote(n int) string {
	if n == 0 {
		return ""
	}
	if n == 1 {
		return ", and 1 spec is BLOCKED behind it"
	}
	return fmt.Sprintf(", and %d specs are BLOCKED behind it", n)
}

// Environment of a GitHub Actions job.
const (
	stepSummaryEnv = "GITHUB_STEP_SUMMARY"
	actionsEnv     = "GITHUB_ACTIONS"
)

// WriteCI does what a CI job wants beside the files: under GitHub Actions it
// prints each failure as an annotation, and when GITHUB_STEP_SUMMARY names a
// file the Markdown summary is appended to it. getenv is os.Getenv.
func WriteCI(w io.Writer, r RunReport, red *Redactor, getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	r = prepareRun(r, red)
	if getenv(actionsEnv) == "true" {
		writeGitHubAnnotations(w, r)
	}
	if path := getenv(stepSummaryEnv); path != "" {
		if err := appendStepSummary(path, r); err != nil {
			return fmt.Errorf("%s: %w", stepSummaryEnv, err)
		}
	}
	return nil
}
