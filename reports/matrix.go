package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/scribecheck/scribecheck/internal/text"
)

// authRows picks the results that belong to an auth path, in run order.
func authRows(results []SpecResult) []SpecResult {
	var rows []SpecResult
	for _, r := range results {
		if r.AuthPath != "" {
			rows = append(rows, r)
		}
	}
	return rows
}

// matrixJUnit is the auth matrix as JUnit: one <testsuite> per auth path, so a
// CI page shows at a glance which path fails.
func matrixJUnit(results []SpecResult) JUnitSuites {
	out := JUnitSuites{Name: "scribecheck auth matrix"}
	paths, byPath := groupBy(authRows(results), func(r SpecResult) string { return r.AuthPath })
	for _, p := range paths {
		rows := byPath[p]
		s := JUnitSuite{Name: "auth:" + p, Properties: []JUnitProperty{{"auth_path", p}, {"target", rows[0].Target}}}
		for _, r := range rows {
			s.Cases = append(s.Cases, junitCase(r, "scribecheck.auth."+p))
		}
		out.Suites = append(out.Suites, s)
	}
	out.tally()
	return out
}

// groupBy splits items by their key: the keys in the order first seen, and
// each group in the items' order.
func groupBy[T any](items []T, key func(T) string) (keys []string, groups map[string][]T) {
	groups = map[string][]T{}
	for _, it := range items {
		k := key(it)
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], it)
	}
	return keys, groups
}

// area is a result's spec area, the key a run's results are grouped by.
func area(r SpecResult) string { return r.Area }

// junitCase renders one result: FAILED is <failure>, ERROR <error>; SKIPPED,
// BLOCKED and N/A are <skipped>; the other verdicts pass and say why in
// system-out.
func junitCase(r SpecResult, classname string) JUnitCase {
	c := JUnitCase{Name: r.Name, Classname: classname, Status: string(r.Verdict), Time: r.Duration.Seconds(),
		Properties: []JUnitProperty{
			{"id", r.ID}, {"level", string(r.Level)}, {"requirement", r.Requirement},
			{"expected", r.Expected}, {"outcome", r.Outcome}, {"verdict", string(r.Verdict)},
		}}
	body := strings.TrimSpace(r.Message + "\n\n" + r.Evidence)
	switch r.Verdict {
	case Failed:
		c.Failure = &JUnitProblem{Message: text.FirstLine(r.Message), Type: "assertion", Text: body}
	case Error:
		c.Error = &JUnitProblem{Message: text.FirstLine(r.Message), Type: "harness", Text: body}
	case Skipped, Blocked, NotApplicable:
		c.Skipped = &JUnitSkipped{Message: r.Message}
	default:
		c.SystemOut = body
	}
	return c
}

// writeMatrix prints the auth matrix as a table: path, expected, what
// happened, whose fault (where a path failed), verdict. It is the last
// thing a run prints.
func writeMatrix(w io.Writer, title string, results []SpecResult) {
	rows := authRows(results)
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s\n", title)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SPEC\tAUTH PATH\tLEVEL\tEXPECTED\tWHAT HAPPENED\tWHOSE FAULT\tVERDICT")
	for _, r := range rows {
		fault := ""
		if f := faultOf(r); f != nil {
			fault = f.Side
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.AuthPath, r.Level, r.Expected, text.ClipLine(happened(r), 90), fault, r.Verdict)
	}
	tw.Flush()
	fmt.Fprintf(&b, "%s: %s\n", text.Plural(len(rows), "path", "paths"), Count(rows))
	if len(rows) > 0 {
		fmt.Fprintln(&b, authLead(rows))
	}
	fmt.Fprint(w, b.String())
}

// writeSummary prints the verdicts per area and every spec that is not OK,
// INFORMATIONAL or SKIPPED, with the first line of why.
func writeSummary(w io.Writer, results []SpecResult) {
	var b strings.Builder
	areas, byArea := groupBy(results, area)
	b.WriteString("\nVerdicts by area\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, a := range areas {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", a, text.Plural(len(byArea[a]), "spec", "specs"), Count(byArea[a]))
	}
	tw.Flush()
	var notable []SpecResult
	for _, r := range results {
		if r.Verdict.NotOK() && r.Verdict != Blocked { // a blocked spec is named by its root
			notable = append(notable, r)
		}
	}
	if len(notable) > 0 {
		b.WriteString("\nNot OK (NON-STRICT fails only under --strict)\n")
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, r := range notable {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Verdict, r.ID, text.ClipLine(r.Requirement, 100))
		}
		tw.Flush()
	}
	fmt.Fprint(w, b.String())
}
