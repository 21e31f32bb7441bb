package reports

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/verdict"
)

// WriteSDKMatrixConsole prints the matrix with one column per install, then
// the changes between versions, from a redacted copy of m.
func WriteSDKMatrixConsole(w io.Writer, m SDKMatrix, red *Redactor) {
	m = secrets.Redacted(red, m)
	if world := m.world(); world != "" {
		fmt.Fprintf(w, "\n%s\n", world)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "\nSPEC\tSCENARIO")
	for _, c := range m.Columns {
		fmt.Fprintf(tw, "\t%s", c.Key)
	}
	fmt.Fprintln(tw)
	for _, r := range m.Rows {
		fmt.Fprintf(tw, "%s\t%s", r.ID, r.Scenario)
		for _, c := range r.Cells {
			mark := ""
			switch c.Verdict {
			case verdict.Finding:
				mark = " (finding)"
			case verdict.Failed:
				mark = fmt.Sprintf(" %s, expected %s", c.Verdict, c.Expected)
			case verdict.Changed:
				mark = fmt.Sprintf(" %s from %s", c.Verdict, c.Expected)
			}
			fmt.Fprintf(tw, "\t%s%s", c.Outcome, mark)
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprint(tw, "\tCLIENT rules")
	for _, c := range m.Columns {
		status := c.Client
		if c.Status != "ran" {
			status = c.Status
		}
		fmt.Fprintf(tw, "\t%s", text.ClipLine(status, 60))
	}
	fmt.Fprintln(tw)
	tw.Flush()
	if len(m.Changes) > 0 {
		fmt.Fprintln(w, "\nWhat changes between versions:")
		for _, c := range m.Changes {
			fmt.Fprintf(w, "  %s %s → %s  %s %s: %s → %s\n", c.SDK, c.From, c.To, c.Spec, c.Scenario, c.Was, c.Now)
		}
	}
	fmt.Fprintf(w, "\n%s, %s: %s\n", text.Plural(len(m.Columns), "install", "installs"), text.Plural(len(m.Rows), "spec", "specs"), m.lead())
}
