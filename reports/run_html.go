package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"os"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/verdict"
)

//go:embed run.html.tmpl
var runTemplate string

var runPage = template.Must(template.New("run").Funcs(pageFuncs).Funcs(template.FuncMap{
	"ms": func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) },
}).Parse(runTemplate))

// notOK lists the verdicts a reader has to look at, most severe first.
func notOK() []string {
	var out []string
	for _, v := range verdict.All() {
		if v.NotOK() {
			out = append(out, string(v))
		}
	}
	return out
}

// runView is what the template shows, computed here so the template only
// lays it out.
type runView struct {
	RunReport
	Failed     bool
	Status     string // runStatus
	Counts     string
	WhenText   string
	Causes     []causeView
	ChangeRows []changeView
	Verdicts   []verdictCount // the columns, with the run's totals
	Families   []familyRow
	Specs      []specView
	// NotOK is the filter link for every spec a reader has to look at.
	NotOK string
	// Matrix is the auth matrix the page leads with; nil when the run
	// probed no auth path.
	Matrix *authMatrixView
}

type causeView struct {
	RootCause
	Verdict Verdict
	InRun   bool // the page has a row to link to
}

type changeView struct {
	Change
	InRun bool
}

type verdictCount struct {
	Verdict Verdict
	N       int
}

type familyRow struct {
	Name  string
	Cells []verdictCount
	Total int
}

type specView struct {
	SpecResult
	Head     string // the message without its evidence
	Evidence string // the result's evidence, else the message's
	Reacted  string
}

// writeRunHTML writes the run's report as one self-contained page (inline
// CSS and script, nothing fetched), in the manner of Autobahn|Testsuite's
// index: root causes and changes on top, verdicts by family, then every
// spec with its evidence. r is prepared (prepareRun): redacted before it is
// escaped.
func writeRunHTML(path string, r RunReport) error {
	c := Count(r.Results)
	failed := runFailed(r, c)
	v := runView{RunReport: r, Failed: failed, Status: runStatus(failed), Counts: countLine(c),
		NotOK: "#verdict=" + strings.Join(notOK(), ","), Matrix: authMatrix(r.Results)}
	if !r.When.IsZero() {
		v.WhenText = r.When.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	inRun := map[string]Verdict{}
	for _, s := range r.Results {
		inRun[s.ID] = s.Verdict
	}
	for _, rc := range r.RootCauses {
		verdict, ok := inRun[rc.ID]
		v.Causes = append(v.Causes, causeView{RootCause: rc, Verdict: verdict, InRun: ok})
	}
	for _, ch := range r.Changes {
		_, ok := inRun[ch.ID]
		v.ChangeRows = append(v.ChangeRows, changeView{Change: ch, InRun: ok})
	}
	present := c.Present() // the columns: the verdicts this run has, most severe first
	for _, verdict := range present {
		v.Verdicts = append(v.Verdicts, verdictCount{verdict, c[verdict]})
	}
	byFamily := map[string]Counts{}
	for _, s := range r.Results {
		if byFamily[s.Area] == nil {
			byFamily[s.Area] = Counts{}
		}
		byFamily[s.Area][s.Verdict]++
	}
	for _, f := range families(r.Results) {
		row := familyRow{Name: f}
		for _, verdict := range present {
			n := byFamily[f][verdict]
			row.Cells = append(row.Cells, verdictCount{verdict, n})
			row.Total += n
		}
		v.Families = append(v.Families, row)
	}
	for _, s := range r.Results {
		_, msgEvidence := splitMessage(s.Message)
		ev := strings.TrimRight(s.Evidence, "\n")
		if ev == "" {
			ev = strings.TrimRight(msgEvidence, "\n")
		}
		v.Specs = append(v.Specs, specView{SpecResult: s, Head: messageHead(s), Evidence: ev, Reacted: reactionText(s.Reaction)})
	}

	page, err := renderPage(runPage, "run's HTML report", v)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		return fmt.Errorf("writing the run's HTML report: %w", err)
	}
	return nil
}
