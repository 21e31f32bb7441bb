package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/scribecheck/scribecheck/clientcheck"
	"github.com/scribecheck/scribecheck/reports"
	"github.com/scribecheck/scribecheck/suites"
	"github.com/scribecheck/scribecheck/wirelog"
)

// gradeClientRun reads the run's wire logs, grades them with the CLIENT
// rules, writes every report and prints the console summary. It returns the
// exit code: 1 when a MUST rule failed (or a SHOULD, under strict), 3 when
// no client connected.
func gradeClientRun(run reports.ClientRun, red *reports.Redactor, out string, strict bool, stdout, stderr io.Writer) int {
	logs, exchanges, err := wirelog.ReadDir(run.WireDir)
	if err != nil {
		fmt.Fprintf(stderr, "scribecheck: reading the wire logs: %v\n", err)
		return suites.ExitFailed
	}
	rep := clientcheck.Grade(logs, exchanges)
	fillClientRun(&run, rep)
	switch {
	case len(logs) == 0 && len(exchanges) == 0:
		run.Verdict = reports.Skipped
		run.Summary = "no client connected: point your app at the base URL or WebSocket URL printed above (or use the SCRIBECHECK_* variables)"
	case len(logs) == 0:
		run.Summary = fmt.Sprintf("%d REST call(s) but no socket was opened: the app minted tokens and never connected", len(exchanges))
	}
	files, werr := reports.WriteClientRun(out, run, red)
	reports.WriteClientConsole(stdout, run, red)
	if werr != nil {
		fmt.Fprintf(stderr, "scribecheck: %v\n", werr)
		return suites.ExitFailed
	}
	fmt.Fprintln(stdout, "reports:")
	for _, f := range files {
		fmt.Fprintf(stdout, "  %s\n", f)
	}
	fmt.Fprintf(stdout, "  %s/ (wire logs)\n", run.WireDir)
	switch {
	case len(logs) == 0:
		return suites.ExitUnreachable
	case rep.Failed(strict):
		return suites.ExitFailed
	}
	return suites.ExitOK
}

// fillClientRun copies a grade into the report's model.
func fillClientRun(run *reports.ClientRun, rep clientcheck.Report) {
	run.Verdict = reports.Verdict(rep.Verdict)
	for _, c := range rep.Causes {
		run.Causes = append(run.Causes, reports.Cause{Title: c.Title, Fix: c.Fix, Rules: c.Rules, Conns: c.Conns, Evidence: c.Evidence})
	}
	failed := 0
	for _, c := range rep.Conns {
		conn := reports.ClientConn{ID: c.ID, Who: c.Who, AuthPath: c.AuthPath, ClientFrames: c.ClientFrames, ServerFrames: c.ServerFrames,
			Close: c.Close, Verdict: reports.Verdict(c.Verdict), Log: c.ID + ".jsonl"}
		if strings.HasPrefix(c.ID, "exchange-") { // an upgrade answered as a REST call
			conn.Log = "exchanges.jsonl"
		}
		for _, f := range c.Results {
			conn.Results = append(conn.Results, ruleResult(f, c.ID))
		}
		if c.Verdict == clientcheck.Failed {
			failed++
		}
		run.Conns = append(run.Conns, conn)
	}
	runFailed := 0
	for _, f := range rep.Run {
		run.Run = append(run.Run, ruleResult(f, "run"))
		if f.Verdict == clientcheck.Failed {
			runFailed++
		}
	}
	run.Summary = fmt.Sprintf("%d connection(s): %d with a MUST rule failed, %d rule(s) failed across connections", len(rep.Conns), failed, runFailed)
	if len(rep.Causes) > 0 {
		run.Summary += "; " + rep.Causes[0].Title
	}
}

// ruleResult is one rule's finding as a spec result.
func ruleResult(f clientcheck.Finding, where string) reports.SpecResult {
	r := reports.SpecResult{ID: f.Rule, Level: string(f.Level), Name: fmt.Sprintf("%s [%s]", f.Rule, where), Area: "client",
		Target: where, Verdict: reports.Verdict(f.Verdict), Message: f.Message, Evidence: f.Evidence}
	if rule, ok := clientcheck.Lookup(f.Rule); ok {
		r.Requirement = rule.Requirement
	}
	if f.Verdict == clientcheck.NotApplicable {
		r.Verdict = reports.Skipped
	}
	return r
}
