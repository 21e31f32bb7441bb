package clientcheck_test

import (
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/clientcheck"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/reports"
)

// gradeRun closes the recording and grades it as a run of kind.
func (r *recording) gradeRun(kind string) (reports.ClientRun, clientcheck.RunOutcome) {
	r.t.Helper()
	if err := r.set.Close(); err != nil {
		r.t.Fatal(err)
	}
	run, o, err := clientcheck.GradeRun(reports.ClientRun{Kind: kind, WireDir: r.set.Dir()}, false)
	if err != nil {
		r.t.Fatal(err)
	}
	return run, o
}

func TestGradeRunWithoutASocket(t *testing.T) {
	run, o := newRecording(t).gradeRun("")
	if o.Connected || o.Failed || run.Verdict != verdict.Skipped || !strings.HasPrefix(run.Summary, "no client connected") {
		t.Errorf("nothing recorded: %+v, %s: %s", o, run.Verdict, run.Summary)
	}
	r := newRecording(t)
	r.mint("realtime_scribe", tok1)
	run, o = r.gradeRun("")
	if o.Connected || !strings.HasPrefix(run.Summary, "1 REST call but no socket was opened") {
		t.Errorf("a mint alone: %+v, %s", o, run.Summary)
	}
}

// A refusal on the server's side fails a run of real traffic, says so first,
// and reads FAILED in the connection's SERVER cell too (its CLIENT cell is
// FAILED for every refusal); a run against the fake has no server side to
// grade (how its client side reads a refusal is the client rules' business,
// not tested here).
func TestGradeRunPutsTheServersRefusalFirst(t *testing.T) {
	for _, kind := range []string{"proxy", "har", ""} {
		r := newRecording(t)
		r.mint("realtime_scribe", tok1)
		r.at(0.4).refused("&token=" + tok1)
		run, o := r.gradeRun(kind)
		if len(run.Conns) != 1 || len(run.Refusals) != 1 || run.Refusals[0].Side != clientcheck.SideServer || !o.Connected {
			t.Fatalf("%q: %+v", kind, run)
		}
		real := kind != ""
		if real && (!o.Failed || run.Verdict != verdict.Failed) ||
			strings.HasPrefix(run.Summary, "the server refused 1 credential it should have taken") != real ||
			(len(run.Conns[0].Server) > 0) != real {
			t.Errorf("%q: failed %v, verdict %s, %d server rule(s), summary %s", kind, o.Failed, run.Verdict, len(run.Conns[0].Server), run.Summary)
		}
		if c := run.Conns[0]; real && (c.Verdict != verdict.Failed || c.ServerVerdict != verdict.Failed) {
			t.Errorf("%q: a refusal on the server's side reads CLIENT %s, SERVER %s; want FAILED on both", kind, c.Verdict, c.ServerVerdict)
		}
	}
}
