package reports_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/scribecheck/scribecheck/reports"
)

// WriteRun turns a run's results into the files CI reads and a person opens:
// JUnit of every spec, the auth matrix as JUnit (one testsuite per auth path),
// results.json, an HTML page and a Markdown summary. Every file is rendered
// from a redacted copy of the report, then scanned for the secrets the
// redactor knows: the key below appears only as its fingerprint.
func ExampleWriteRun() {
	key := "sk_0123456789abcdef0123"
	red := reports.NewRedactor()
	red.Add(key)
	run := reports.RunReport{Target: "fake", Results: []reports.SpecResult{
		{ID: "AUTH-1", Name: "AUTH-1 header [target:fake]", Area: "auth", AuthPath: "header", Level: reports.Must,
			Requirement: "A valid key in the xi-api-key header opens a session.", Verdict: reports.OK},
		{ID: "AUTH-4", Name: "AUTH-4 token-query [target:fake]", Area: "auth", AuthPath: "token-query", Level: reports.Must,
			Requirement: "A fresh realtime_scribe token on ?token= opens a session.", Verdict: reports.Failed,
			Message: "auth_error on the token's first use; the key " + key + " works on the header"},
	}}
	dir, _ := os.MkdirTemp("", "scribecheck-example")
	defer os.RemoveAll(dir)
	files, err := reports.WriteRun(dir, "", run, red)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range files {
		fmt.Println(filepath.Base(f))
	}
	fmt.Println(reports.Headline(run))
	// Output:
	// junit.xml
	// auth-matrix.xml
	// results.json
	// report.html
	// summary.md
	// RESULT: FAILED, one root cause: AUTH-4 (A fresh realtime_scribe token on ?token= opens a session.) fails
}
