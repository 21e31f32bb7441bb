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
	v := viewOf(d)
	var b strings.Builder
	fmt.Fprintf(&b, "\nscribecheck doctor: %s — %s\n", strings.ToUpper(d.Status), d.Summary)
	finding := func(f Finding) {
		fmt.Fprintf(&b, "   confidence: %s\n   fix: %s\n", f.Confidence, f.Fix)
		for _, e := range f.Evidence {
			fmt.Fprintf(&b, "   - %s\n", e)
		}
	}
	if v.Lead != nil {
		finding(*v.Lead)
	}
	for _, f := range v.Rest {
		fmt.Fprintf(&b, "\n%s\n", f.Cause)
		finding(f)
	}
	if len(d.URLLint) > 0 {
		b.WriteString("\nYour URL:\n")
		for _, l := range d.URLLint {
			fmt.Fprintf(&b, "  %-7s %s\n          fix: %s\n", l.Severity, l.Problem, l.Fix)
		}
	}
	if len(v.Rows) > 0 {
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "PATH\tEXPECTED\tVERDICT\tWHAT HAPPENED")
		for _, r := range v.Rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s%s\n", r.Path, r.Expected, r.Verdict, text.ClipLine(r.Happened.Text, 90), noteRef(r.Happened.Mark))
		}
		tw.Flush()
		for _, n := range v.Notes {
			fmt.Fprintf(&b, "[%s] %s\n", n.Mark, n.Text)
		}
		fmt.Fprintf(&b, "spent: %s, %s, %.1f s of audio\n", text.Plural(d.Budget.TokensMinted, "token", "tokens"),
			text.Plural(d.Budget.Sessions, "session", "sessions"), d.Budget.AudioSeconds)
	}
	fmt.Fprint(w, b.String())
}
