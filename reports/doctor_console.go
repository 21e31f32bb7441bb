package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/text"
)

// WriteDiagnosisConsole prints the doctor's verdict for a person: status,
// findings with fixes and evidence, the lint, then the matrix, from a
// redacted copy of d.
func WriteDiagnosisConsole(w io.Writer, d Diagnosis, red *Redactor) {
	d = secrets.Redacted(red, d)
	var b strings.Builder
	fmt.Fprintf(&b, "\nscribecheck doctor: %s — %s\n", strings.ToUpper(d.Status), d.Summary)
	for i, f := range d.Findings {
		fmt.Fprintf(&b, "\n%d. %s\n   confidence: %s\n   fix: %s\n", i+1, f.Cause, f.Confidence, f.Fix)
		for _, e := range f.Evidence {
			fmt.Fprintf(&b, "   - %s\n", e)
		}
	}
	if len(d.URLLint) > 0 {
		b.WriteString("\nYour URL:\n")
		for _, l := range d.URLLint {
			fmt.Fprintf(&b, "  %-7s %s\n          fix: %s\n", l.Severity, l.Problem, l.Fix)
		}
	}
	if len(d.Paths) > 0 {
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "PATH\tEXPECTED\tAS EXPECTED\tWHAT HAPPENED")
		for _, p := range d.Paths {
			fmt.Fprintf(tw, "%s\t%s\t%t\t%s\n", p.Path, p.Expected, p.AsExpect, text.ClipLine(p.Detail, 90))
		}
		tw.Flush()
		fmt.Fprintf(&b, "spent: %d tokens, %d sessions, %.1f s of audio\n", d.Budget.TokensMinted, d.Budget.Sessions, d.Budget.AudioSeconds)
	}
	fmt.Fprint(w, b.String())
}
