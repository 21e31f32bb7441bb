package servercheck

import (
	"fmt"
	"strings"

	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// SchemaRule is the ID the suites give the schema rule on every frame.
const SchemaRule = "SCHEMA-1"

// Finding is one rule graded on one connection.
type Finding struct {
	Rule        string
	Level       verdict.Level
	Subject     string
	Requirement string
	Verdict     verdict.Verdict
	Message     string
	Evidence    string
}

// ConnResult is what the server sent on one connection, graded.
type ConnResult struct {
	ID           string
	ServerFrames int
	// Session is whether a session started (the MULTI rules apply).
	Session bool
	Results []Finding
	Verdict verdict.Verdict
}

// Report grades the server side of a recording.
type Report struct {
	Conns   []ConnResult
	Verdict verdict.Verdict
	// Failed counts the connections with a MUST rule failed.
	Failed int
}

// Grade grades every frame the server sent on every connection against
// its schema (SCHEMA-1) and every session against the MULTI rules.
func Grade(logs []*wirelog.Log, schemas *protocol.Schemas) Report {
	var rep Report
	rules := MultiRules()
	for _, l := range logs {
		tl := Timeline(l)
		received := tl.Received()
		cr := ConnResult{ID: l.ID, ServerFrames: len(received)}
		_, cr.Session = tl.Find(protocol.SessionStarted)
		cr.Results = append(cr.Results, gradeFrames(schemas, received, l.ID))
		for _, r := range rules {
			f := Finding{Rule: r.ID, Level: r.Level(), Subject: r.Subject, Requirement: r.Requirement, Verdict: verdict.OK}
			if !cr.Session {
				f.Verdict, f.Message = verdict.NotApplicable, "no session started on this connection"
				cr.Results = append(cr.Results, f)
				continue
			}
			for _, c := range r.Checks {
				v := c.Run(tl)
				if len(v) == 0 || f.Verdict == verdict.Failed {
					continue
				}
				f.Verdict, f.Message, f.Evidence = c.Level.Broken(), fmt.Sprintf("%s at %s", text.Plural(len(v), "violation", "violations"), c.Level), strings.Join(v, "\n")
			}
			cr.Results = append(cr.Results, f)
		}
		cr.Verdict = fold(cr.Results)
		if cr.Verdict == verdict.Failed {
			rep.Failed++
		}
		rep.Conns = append(rep.Conns, cr)
	}
	var conns []verdict.Verdict
	for _, c := range rep.Conns {
		conns = append(conns, c.Verdict)
	}
	rep.Verdict = verdict.Fold(conns...)
	return rep
}

func gradeFrames(schemas *protocol.Schemas, received []probes.Frame, conn string) Finding {
	f := Finding{Rule: SchemaRule, Level: verdict.Must, Subject: "every frame",
		Requirement: "Every frame the server sent validates against the schema of its message type (an undocumented field is NON-STRICT).", Verdict: verdict.OK}
	if len(received) == 0 {
		f.Verdict, f.Message = verdict.NotApplicable, "the server sent no frame"
		return f
	}
	byClass := map[FrameClass][]string{}
	for i, fr := range received {
		class, why := ClassifyFrame(schemas, fr)
		byClass[class] = append(byClass[class], fmt.Sprintf("%s server frame %d at %.3f s: %s", conn, i+1, fr.At.Seconds(), why))
	}
	switch {
	case len(byClass[Invalid]) > 0:
		f.Verdict, f.Message = verdict.Failed, fmt.Sprintf("%d of %d frames off their schema", len(byClass[Invalid]), len(received))
		f.Evidence = text.FewLines(byClass[Invalid], 6)
	case len(byClass[InvalidShould])+len(byClass[Undocumented]) > 0:
		lines := append(byClass[InvalidShould], byClass[Undocumented]...)
		f.Verdict, f.Message = verdict.NonStrict, fmt.Sprintf("%d of %d frames with undocumented fields or types, or a newer frame off its contract", len(lines), len(received))
		f.Evidence = text.FewLines(lines, 6)
	case len(byClass[Unconfirmed]) > 0:
		f.Verdict, f.Message = verdict.Informational, "final_transcript frames off their old schema"
		f.Evidence = text.FewLines(byClass[Unconfirmed], 4)
	default:
		f.Message = fmt.Sprintf("all %d frames valid", len(received))
	}
	return f
}

// fold is the verdict of a connection or a recording from its findings.
func fold(fs []Finding) verdict.Verdict {
	vs := make([]verdict.Verdict, len(fs))
	for i, f := range fs {
		vs[i] = f.Verdict
	}
	return verdict.Fold(vs...)
}
