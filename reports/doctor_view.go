package reports

import (
	"fmt"
	"slices"

	"github.com/scribecheck/scribecheck/internal/text"
)

// What the doctor's reports show of a diagnosis, computed once for its
// console, Markdown and HTML: the headline once, a verdict per path in the
// one vocabulary, a refusal's text once, and only the columns with
// something in them.

// pathVerdict is how one path of the doctor's matrix came out: OK as
// expected, FAILED when not, INFORMATIONAL where nothing is expected,
// SKIPPED where the target cannot run it, ERROR where the probe could not.
// The console, Markdown, HTML and JUnit say it in these words.
func pathVerdict(p PathRow) Verdict {
	switch {
	case p.Skip != "":
		return Skipped
	case p.Fault != "":
		return Error
	case p.Expected == "unknown":
		return Informational
	case p.AsExpect:
		return OK
	}
	return Failed
}

// restFindings are the findings after the headline: the first one's cause
// is the summary itself when the diagnosis found a problem, and is said
// once, as the headline.
func (d Diagnosis) restFindings() (lead *Finding, rest []Finding) {
	if len(d.Findings) > 0 && d.Findings[0].Cause == d.Summary {
		return &d.Findings[0], d.Findings[1:]
	}
	return nil, d.Findings
}

// timingColumn is one timing of the doctor's matrix.
type timingColumn struct {
	Name string
	get  func(LatencyStats) *Percentiles
}

var timingColumns = []timingColumn{
	{"t upgrade", func(l LatencyStats) *Percentiles { return l.Upgrade }},
	{"t session_started", func(l LatencyStats) *Percentiles { return l.SessionStarted }},
	{"t first partial", func(l LatencyStats) *Percentiles { return l.FirstPartial }},
	{"t commit → committed", func(l LatencyStats) *Percentiles { return l.Commit }},
}

// shownTimings are the timing columns some path measured at a millisecond or
// more: a column of "–" and "0 ms" (a fake on loopback answers in
// microseconds) has nothing to show.
func shownTimings(paths []PathRow) []timingColumn {
	var out []timingColumn
	for _, c := range timingColumns {
		if slices.ContainsFunc(paths, func(p PathRow) bool { pc := c.get(p.Latency); return pc != nil && pc.P95 >= 1 }) {
			out = append(out, c)
		}
	}
	return out
}

// msText is a timing as a cell shows it: p50 (and p95 over several runs).
func msText(p *Percentiles) string {
	switch {
	case p == nil:
		return "–"
	case p.Samples > 1:
		return fmt.Sprintf("%s / %s", ms(p.P50), ms(p.P95))
	}
	return ms(p.P50)
}

func ms(v float64) string {
	if v < 0.5 {
		return "<1 ms"
	}
	return fmt.Sprintf("%.0f ms", v)
}

// doctorView is a diagnosis as its page, Markdown and console lay it out.
type doctorView struct {
	Diagnosis
	Lead    *Finding
	Rest    []Finding
	Stages  []string
	Timings []string
	Rows    []doctorRowView
	Notes   []note
}

type doctorRowView struct {
	PathRow
	Verdict  Verdict
	Cells    []stageCell
	Happened noted
	// Short is Happened as the page's cell shows it, cut short; Clipped
	// says it was, and the row's details have all of it.
	Short   noted
	Clipped bool
	Timings []string
}

// viewOf lays out d, already redacted.
func viewOf(d Diagnosis) doctorView {
	v := doctorView{Diagnosis: d}
	v.Lead, v.Rest = d.restFindings()
	cells := make([]map[string]string, len(d.Paths))
	texts := make([]string, len(d.Paths))
	for i, p := range d.Paths {
		cells[i], texts[i] = p.Stages, p.Detail
	}
	v.Stages = shownStages(cells)
	timings := shownTimings(d.Paths)
	for _, c := range timings {
		v.Timings = append(v.Timings, c.Name)
	}
	var n notes
	shown := n.cells(texts)
	for i, p := range d.Paths {
		row := doctorRowView{PathRow: p, Verdict: pathVerdict(p), Happened: shown[i], Short: shown[i]}
		if row.Short.Mark == "" {
			row.Short.Text = text.ClipLine(p.Detail, happenedWidth)
			row.Clipped = row.Short.Text != p.Detail
		}
		for _, s := range v.Stages {
			c := p.Stages[s]
			if c == "" {
				c = StageNotRun
			}
			row.Cells = append(row.Cells, stageCell{s, c, stageClass(c)})
		}
		for _, c := range timings {
			row.Timings = append(row.Timings, msText(c.get(p.Latency)))
		}
		v.Rows = append(v.Rows, row)
	}
	v.Notes = n.list
	return v
}
