package clientcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/servercheck"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

// A run of client, proxy or doctor --har is graded here: its wire logs by
// the CLIENT rules and, for real traffic (the proxy, a HAR), the server's
// frames by the schemas and MULTI rules too, both folded into one verdict,
// summary and report model.

// StartWireLogs starts the wire logs of a run in OUT/wire, emptied first (a
// log from an earlier run must not be graded again), with the redactor that
// learns every credential the set sees.
func StartWireLogs(out string) (*secrets.Redactor, *wirelog.Set, error) {
	red := secrets.New()
	dir := filepath.Join(out, "wire")
	_ = os.RemoveAll(dir)
	set, err := wirelog.NewSet(dir, red)
	if err != nil {
		return nil, nil, err
	}
	return red, set, nil
}

// RunOutcome is what a graded run comes to, for its exit code.
type RunOutcome struct {
	// Connected: a client opened a socket (a wire log was written).
	Connected bool
	// Failed: a MUST rule failed on either side (a SHOULD too, when
	// strict), or the server refused a credential it should have taken.
	Failed bool
}

// GradeRun reads the wire logs in run.WireDir, grades them, puts every
// refusal on a side, and returns run filled in: verdict, summary, causes,
// connections with their rules on both sides, refusals.
func GradeRun(run reports.ClientRun, strict bool) (reports.ClientRun, RunOutcome, error) {
	logs, exchanges, err := wirelog.ReadDir(run.WireDir)
	if err != nil {
		return run, RunOutcome{}, fmt.Errorf("reading the wire logs: %w", err)
	}
	rep := Grade(logs, exchanges)
	fillClientRun(&run, rep)
	serverFailed := false
	if run.Kind == "proxy" || run.Kind == "har" {
		schemas, err := protocol.LoadSchemas()
		if err != nil {
			return run, RunOutcome{}, err
		}
		serverFailed = fillServer(&run, servercheck.Grade(logs, schemas), strict)
	}
	switch {
	case len(logs) == 0 && len(exchanges) == 0:
		run.Verdict = verdict.Skipped
		run.Summary = "no client connected: point your app at the base URL or WebSocket URL printed above (or use the SCRIBECHECK_* variables)"
	case len(logs) == 0:
		run.Summary = text.Plural(len(exchanges), "REST call", "REST calls") + " but no socket was opened: the app minted tokens and never connected"
	}
	return run, RunOutcome{Connected: len(logs) > 0, Failed: rep.Failed(strict) || serverFailed}, nil
}

// fillServer adds the server's side to a run of real traffic: its rules per
// connection, and the verdict a refusal on the server's side gives. It
// reports whether the server failed.
func fillServer(run *reports.ClientRun, rep servercheck.Report, strict bool) bool {
	byID := map[string]servercheck.ConnResult{}
	for _, c := range rep.Conns {
		byID[c.ID] = c
	}
	failed := false
	for i := range run.Conns {
		c, ok := byID[run.Conns[i].ID]
		if ok {
			run.Conns[i].ServerVerdict = c.Verdict
		}
		// A refusal the server is at fault for fails its SERVER cell, as
		// every refusal fails the CLIENT cell: never CLIENT FAILED and
		// SERVER OK for the server's fault.
		if r := run.Conns[i].Refusal; r != nil && r.Side == SideServer {
			run.Conns[i].ServerVerdict = verdict.Failed
		}
		if !ok {
			continue
		}
		for _, f := range c.Results {
			r := reports.SpecResult{ID: f.Rule, Level: f.Level, Name: fmt.Sprintf("%s [%s, server]", f.Rule, c.ID), Area: "server",
				Target: c.ID, Verdict: f.Verdict, Requirement: f.Requirement, Message: f.Message, Evidence: f.Evidence}
			run.Conns[i].Server = append(run.Conns[i].Server, r)
		}
		failed = failed || c.Verdict.Fails(strict)
	}
	server := 0
	for _, r := range run.Refusals {
		if r.Side == SideServer {
			server++
		}
	}
	if server > 0 {
		failed = true
		run.Summary = fmt.Sprintf("the server refused %s it should have taken (see the auth refusals); %s", text.Plural(server, "credential", "credentials"), run.Summary)
	} else if rep.Failed > 0 {
		run.Summary = fmt.Sprintf("the server broke a MUST rule on %s; %s", text.Plural(rep.Failed, "connection", "connections"), run.Summary)
	}
	if failed {
		run.Verdict = verdict.Failed
	} else if run.Verdict == verdict.OK && rep.Verdict == verdict.NonStrict {
		run.Verdict = verdict.NonStrict
	}
	return failed
}

// fillClientRun copies a grade into the report's model.
func fillClientRun(run *reports.ClientRun, rep Report) {
	run.Verdict = rep.Verdict
	for _, c := range rep.Causes {
		run.Causes = append(run.Causes, reports.Cause{Title: c.Title, Fix: c.Fix, Rules: c.Rules, Conns: c.Conns, Evidence: c.Evidence})
	}
	failed, refused, short := 0, 0, 0
	for _, c := range rep.Conns {
		conn := reports.ClientConn{ID: c.ID, Who: c.Who, AuthPath: c.AuthPath, ClientFrames: c.ClientFrames, ServerFrames: c.ServerFrames,
			Close: c.Close, Verdict: c.Verdict, Log: c.ID + ".jsonl"}
		if strings.HasPrefix(c.ID, "exchange-") { // an upgrade answered as a REST call
			conn.Log = "exchanges.jsonl"
		}
		for _, f := range c.Results {
			conn.Results = append(conn.Results, ruleResult(f, c.ID))
		}
		if r := c.Refusal; r != nil {
			conn.Refusal = &reports.Refusal{Conn: r.Conn, Side: r.Side,
				Finding: reports.Finding{Cause: r.Cause, Fix: r.Fix, Confidence: r.Confidence, Evidence: r.Evidence}}
		}
		switch {
		case c.Refusal != nil:
			refused++
		case c.Verdict == verdict.Failed:
			failed++
		case c.Verdict == verdict.NonStrict:
			short++
		}
		run.Conns = append(run.Conns, conn)
	}
	runFailed := 0
	for _, f := range rep.Run {
		run.Run = append(run.Run, ruleResult(f, "run"))
		if f.Verdict == verdict.Failed {
			runFailed++
		}
	}
	for _, r := range rep.Refusals {
		run.Refusals = append(run.Refusals, reports.Refusal{Conn: r.Conn, Side: r.Side,
			Finding: reports.Finding{Cause: r.Cause, Fix: r.Fix, Confidence: r.Confidence, Evidence: r.Evidence}})
	}
	// Only what happened: a failed run's headline names what failed.
	var what []string
	for _, part := range []struct {
		n    int
		what string
	}{{refused, "refused by the server"}, {failed, "more with a MUST rule failed"}, {short, "more with a SHOULD rule not met"}} {
		if part.n > 0 {
			what = append(what, fmt.Sprintf("%d %s", part.n, part.what))
		}
	}
	if runFailed > 0 {
		what = append(what, text.Plural(runFailed, "rule", "rules")+" failed across connections")
	}
	if len(what) == 0 {
		what = []string{"none refused, and the app broke no rule"}
	}
	run.Summary = text.Plural(len(rep.Conns), "connection", "connections") + ": " + strings.Join(what, ", ")
	if len(rep.Causes) > 0 {
		run.Summary += "; " + rep.Causes[0].Title
	}
}

// ruleResult is one rule's finding as a spec result.
func ruleResult(f Finding, where string) reports.SpecResult {
	r := reports.SpecResult{ID: f.Rule, Level: f.Level, Name: fmt.Sprintf("%s [%s]", f.Rule, where), Area: "client",
		Target: where, Verdict: f.Verdict, Message: f.Message, Evidence: f.Evidence}
	if rule, ok := Lookup(f.Rule); ok {
		r.Requirement = rule.Requirement
	}
	return r
}
