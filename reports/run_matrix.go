package reports

import (
	"fmt"
	"slices"
	"strings"

	"github.com/scribecheck/scribecheck/internal/text"
)

// authMatrixView is the run's auth matrix as its page leads with it: one row
// per auth path, the stages it reached, what happened, the verdict and, for
// a path that did not come out as documented, whose fault that is.
type authMatrixView struct {
	// Lead says in a sentence which paths failed and whose fault that is.
	Lead   string
	Stages []string
	// Faults: a row was put on a side, so the matrix has the column.
	Faults bool
	Rows   []authRowView
	Notes  []note
}

type authRowView struct {
	SpecResult
	Cells    []stageCell
	Happened noted
	// Fault is set on a row that is not OK and was put on a side.
	Fault     *Refusal
	FaultMark string
}

type stageCell struct{ Stage, Text, Class string }

// happenedWidth clips what happened in a matrix cell; the spec's row below
// has all of it.
const happenedWidth = 50

// happened is what an auth path came to, for a row of the run's matrix: the
// probe's outcome, else why it did not run.
func happened(s SpecResult) string {
	switch {
	case s.Outcome != "":
		return s.Outcome
	case s.BlockedBy != "":
		return "not run: blocked by " + s.BlockedBy
	case s.Verdict == Skipped || s.Verdict == Error:
		return text.FirstLine(s.Message)
	}
	return ""
}

// faultOf is whose fault a row is, shown only where the row is not OK.
func faultOf(s SpecResult) *Refusal {
	if !s.Verdict.NotOK() {
		return nil
	}
	return s.WhoseFault
}

// authMatrix builds the run's matrix from its auth rows; nil when the run
// probed no auth path.
func authMatrix(results []SpecResult) *authMatrixView {
	rows := authRows(results)
	if len(rows) == 0 {
		return nil
	}
	m := &authMatrixView{Lead: authLead(rows)}
	cells := make([]map[string]string, len(rows))
	texts := make([]string, len(rows))
	for i, s := range rows {
		cells[i], texts[i] = s.Stages, happened(s)
	}
	m.Stages = shownStages(cells)
	var n notes
	shown := n.cells(texts)
	for i, s := range rows {
		row := authRowView{SpecResult: s, Happened: shown[i], Fault: faultOf(s)}
		if row.Happened.Mark == "" {
			row.Happened.Text = text.ClipLine(row.Happened.Text, happenedWidth)
		}
		for _, st := range m.Stages {
			c := s.Stages[st]
			if c == "" {
				c = StageNotRun
			}
			row.Cells = append(row.Cells, stageCell{st, c, stageClass(c)})
		}
		if row.Fault != nil {
			m.Faults = true
			row.FaultMark = n.markOf(faultNote(*row.Fault))
		}
		m.Rows = append(m.Rows, row)
	}
	m.Notes = n.list
	return m
}

// authLead is the matrix in a sentence: every path as documented, or which
// did not and whose fault that is.
func authLead(rows []SpecResult) string {
	var failing []string
	bySide := map[string][]string{}
	var sides []string
	for _, s := range rows {
		if !s.Verdict.NotOK() {
			continue
		}
		failing = append(failing, s.AuthPath)
		if f := faultOf(s); f != nil {
			if !slices.Contains(sides, f.Side) {
				sides = append(sides, f.Side)
			}
			bySide[f.Side] = append(bySide[f.Side], s.AuthPath)
		}
	}
	switch {
	case len(failing) == 0 && len(rows) == 1:
		return "The auth path came out as documented."
	case len(failing) == 0:
		return fmt.Sprintf("All %d auth paths came out as documented.", len(rows))
	}
	lead := fmt.Sprintf("%d of %s did not come out as documented: %s.", len(failing), text.Plural(len(rows), "auth path", "auth paths"), strings.Join(failing, ", "))
	switch {
	case len(sides) == 1 && len(bySide[sides[0]]) == len(failing):
		lead += fmt.Sprintf(" Whose fault: the %s's.", sides[0])
	case len(sides) > 0:
		var parts []string
		for _, side := range sides {
			parts = append(parts, fmt.Sprintf("the %s's (%s)", side, strings.Join(bySide[side], ", ")))
		}
		lead += " Whose fault: " + strings.Join(parts, "; ") + "."
	}
	return lead
}

// faultNote is a fault said once under the matrix: the side, how sure, the
// cause and the fix.
func faultNote(f Refusal) string {
	return fmt.Sprintf("%s's side (%s): %s Fix: %s", f.Side, f.Confidence, f.Cause, f.Fix)
}
