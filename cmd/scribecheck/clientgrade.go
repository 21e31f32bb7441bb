package main

import (
	"fmt"
	"io"

	"github.com/scribecheck/scribecheck/internal/clientcheck"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/userapp"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/reports"
)

// gradeClientRun grades the run's wire logs (clientcheck.GradeRun), writes
// every report and prints the console summary. It returns the exit code: 1
// when the run failed, 3 when no client connected.
func gradeClientRun(run reports.ClientRun, red *secrets.Redactor, out string, strict bool, stdout, stderr io.Writer) int {
	run, o, err := clientcheck.GradeRun(run, strict)
	if err != nil {
		fmt.Fprintf(stderr, "scribecheck: %v\n", err)
		return exitcode.Failed
	}
	files, werr := reports.WriteClientRun(out, run, red)
	reports.WriteClientConsole(stdout, run, red)
	if werr != nil {
		fmt.Fprintf(stderr, "scribecheck: %v\n", werr)
		return exitcode.Failed
	}
	fmt.Fprintln(stdout, "reports:")
	for _, f := range files {
		fmt.Fprintf(stdout, "  %s\n", f)
	}
	fmt.Fprintf(stdout, "  %s/ (wire logs)\n", run.WireDir)
	switch {
	case !o.Connected:
		return exitcode.Unreachable
	case o.Failed:
		return exitcode.Failed
	}
	return exitcode.OK
}

// newWireSet starts the wire logs of a run in OUT/wire, emptied first (a log
// from an earlier run must not be graded again), with the redactor that
// learns every credential the set sees. A folder that cannot be made is a
// usage error.
func newWireSet(out string) (*secrets.Redactor, *wirelog.Set, error) {
	red, set, err := clientcheck.StartWireLogs(out)
	if err != nil {
		return nil, nil, &exitcode.Error{Code: exitcode.Usage, Err: err}
	}
	return red, set, nil
}

// gradeAfterApp ends the recording of a run whose server has stopped,
// grades it, and returns its exit code; a command that could not start is a
// usage error whatever the grade.
func gradeAfterApp(run reports.ClientRun, app userapp.Result, set *wirelog.Set, red *secrets.Redactor, out string, strict bool, stdout, stderr io.Writer) int {
	if err := set.Close(); err != nil {
		fmt.Fprintf(stderr, "scribecheck: %v\n", err)
	}
	code := gradeClientRun(run, red, out, strict, stdout, stderr)
	if app.NotStarted {
		fmt.Fprintf(stderr, "scribecheck: %s: check the command after -- (is it installed and on PATH?)\n", run.CommandError)
		return exitcode.Usage
	}
	return code
}
