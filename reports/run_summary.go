package reports

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/protocol"
)

// RunReport is everything the run's HTML page, CI summary and annotations
// show: the results, what changed since a baseline, and the root causes.
type RunReport struct {
	Title   string
	Target  string
	When    time.Time
	Spent   Spent
	Results []SpecResult
	// Changes since Baseline (the baseline's folder or file); Baseline is
	// empty when the run had none.
	Changes  []Change
	Baseline string
	// RootCauses is RootCauses(Results); left nil, the writers derive it.
	RootCauses []RootCause
	// TimedOut is empty, or a sentence saying the run hit --timeout and how
	// many specs did not run.
	TimedOut string
}

// RootCause is a spec that failed (or errored) and the BLOCKED specs that
// did not run because of it: fixing it is what unblocks them.
type RootCause struct {
	ID, Requirement, Message string
	Blocked                  []string
}

// causes is the report's root causes, derived when the caller left them out.
func (r RunReport) causes() []RootCause {
	if r.RootCauses != nil {
		return r.RootCauses
	}
	return RootCauses(r.Results)
}

// RootCauses lists every FAILED or ERROR spec, and every spec a BLOCKED spec
// points at, with the IDs blocked behind it; the ones blocking most first,
// then in run order. A chain (BLOCKED by a BLOCKED spec) is followed to the
// spec that started it; a root that is not among the results is listed too,
// so a blocked spec never loses its cause.
func RootCauses(results []SpecResult) []RootCause {
	index := map[string]int{}
	for i, r := range results {
		index[r.ID] = i
	}
	root := func(id string) string {
		seen := map[string]bool{}
		for !seen[id] {
			seen[id] = true
			i, ok := index[id]
			if !ok || results[i].Verdict != Blocked || results[i].BlockedBy == "" {
				return id
			}
			id = results[i].BlockedBy
		}
		return id // a cycle: stop where it closes
	}
	blocked := map[string][]string{}
	var roots []string // in order of first sight, for roots not in the results
	for _, r := range results {
		if r.Verdict != Blocked || r.BlockedBy == "" {
			continue
		}
		id := root(r.BlockedBy)
		if _, ok := blocked[id]; !ok {
			roots = append(roots, id)
		}
		blocked[id] = append(blocked[id], r.ID)
	}
	var out []RootCause
	listed := map[string]bool{}
	for _, r := range results {
		if r.Verdict == Failed || r.Verdict == Error || len(blocked[r.ID]) > 0 {
			out = append(out, RootCause{ID: r.ID, Requirement: r.Requirement, Message: messageHead(r), Blocked: blocked[r.ID]})
			listed[r.ID] = true
		}
	}
	for _, id := range roots {
		if !listed[id] {
			out = append(out, RootCause{ID: id, Message: "not among this run's results", Blocked: blocked[id]})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].Blocked) > len(out[j].Blocked) })
	return out
}

// familyOrder is the order of the spec areas in the suites; an area not
// listed comes after these, in run order.
var familyOrder = []string{"auth", "model", "param", "commit", "input", "error", "contract", "schema", "multi"}

// families lists the areas of the results in familyOrder.
func families(results []SpecResult) []string {
	present := map[string]bool{}
	var extra []string
	for _, r := range results {
		if !present[r.Area] {
			present[r.Area] = true
			if !contains(familyOrder, r.Area) {
				extra = append(extra, r.Area)
			}
		}
	}
	var out []string
	for _, f := range familyOrder {
		if present[f] {
			out = append(out, f)
		}
	}
	return append(out, extra...)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// countLine is "3 FAILED, 2 BLOCKED, 118 OK", most severe first, or "no
// spec ran".
func countLine(c Counts) string {
	if c.Total() == 0 {
		return "no spec ran"
	}
	return c.String()
}

// runStatus is the run in one word, as every page heads it: FAILED or passed.
func runStatus(failed bool) string {
	if failed {
		return string(Failed)
	}
	return "passed"
}

// runFailed: a FAILED, ERROR or BLOCKED spec, or a run cut short, makes the
// run red. NON-STRICT fails only under --strict, which the report does not
// know, so the headline names it instead.
func runFailed(r RunReport, c Counts) bool {
	for v, n := range c {
		if n > 0 && v.Fails(false) {
			return true
		}
	}
	return r.TimedOut != ""
}

// Failed says whether the run is red: what its headline says and its exit
// code (1) means.
func (r RunReport) Failed() bool { return runFailed(r, Count(r.Results)) }

// splitMessage cuts a failure message at its "Evidence:" line: the head
// says what was expected and what happened, the rest is the evidence (which
// the result usually carries on its own too).
func splitMessage(msg string) (head, evidence string) {
	lines := strings.Split(strings.TrimRight(msg, "\n"), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == "Evidence:" {
			return strings.TrimSpace(strings.Join(lines[:i], "\n")), strings.Join(lines[i+1:], "\n")
		}
	}
	return strings.TrimSpace(msg), ""
}

// messageHead is a spec's message without its evidence and without the
// "AUTH-4 (MUST): requirement" line a failure starts with: every report
// shows the ID and the requirement beside the message already.
func messageHead(r SpecResult) string {
	head, _ := splitMessage(r.Message)
	first, rest, _ := strings.Cut(head, "\n")
	if strings.HasPrefix(first, r.ID+" (") && strings.HasSuffix(first, r.Requirement) {
		return strings.TrimSpace(rest)
	}
	return head
}

// why is one line on why a spec is not OK: the Because: line of a failure,
// else its Actual: line, else the message's first line.
func why(msg string) string {
	head, _ := splitMessage(msg)
	for _, prefix := range []string{"Because:", "Actual:"} {
		for _, l := range strings.Split(head, "\n") {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(l), prefix); ok {
				return strings.TrimSpace(rest)
			}
		}
	}
	return text.FirstLine(head)
}

// reactionText shows what an INFO spec's target did, one fact a line.
func reactionText(x *protocol.Reaction) string {
	if x == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "stimulus %s: %s", x.Stimulus, x.Kind)
	if x.Status != 0 {
		fmt.Fprintf(&b, " %d", x.Status)
	}
	if x.Body != "" {
		fmt.Fprintf(&b, "\nbody: %s", strings.TrimSpace(x.Body))
	}
	for _, f := range x.Frames {
		fmt.Fprintf(&b, "\n<- %s", f)
	}
	switch {
	case x.Close != nil:
		fmt.Fprintf(&b, "\nclose %d %q", x.Close.Code, x.Close.Reason)
	case x.Kind == protocol.ReactFrames:
		b.WriteString("\nthe socket stayed open")
	}
	return b.String()
}

// prepareRun is the model every run writer renders: the root causes derived
// when the caller left them out, then every string redacted. Writers redact
// first and escape after: escaping (HTML, XML, %XX) would turn a secret into
// a form a redactor looking at the rendered text could miss.
func prepareRun(r RunReport, red *Redactor) RunReport {
	r.RootCauses = r.causes()
	return secrets.Redacted(red, r)
}

// Caps that keep the CI summary short: a failing run with dozens of
// blocked specs still fits a screen or two.
const (
	mdMaxRows    = 20 // rows of the not-OK table
	mdMaxChanges = 10
	mdMaxIDs     = 12 // blocked IDs named after a root cause
)

// writeRunMarkdown writes a short summary for a CI job summary
// (GITHUB_STEP_SUMMARY): a headline, the root causes, the changes since the
// baseline, the specs that are not OK (blocked ones folded into their root)
// and the auth matrix. The full detail is in the HTML report.
func writeRunMarkdown(w io.Writer, r RunReport) {
	c := Count(r.Results)
	var b strings.Builder

	mark, word := "✅", runStatus(false)
	if runFailed(r, c) {
		mark, word = "❌", runStatus(true)
	}
	title := r.Title
	if title == "" {
		title = "scribecheck run"
	}
	fmt.Fprintf(&b, "### %s %s on %s: %s — %s of %s\n\n", mark, text.Markdown(title), mdCode(r.Target), word, countLine(c), text.Plural(len(r.Results), "spec", "specs"))
	var meta []string
	if !r.When.IsZero() {
		meta = append(meta, r.When.UTC().Format("2006-01-02 15:04 UTC"))
	}
	meta = append(meta, "spent "+r.Spent.String())
	if c[NonStrict] > 0 {
		meta = append(meta, "NON-STRICT fails only under --strict")
	}
	fmt.Fprintf(&b, "%s\n\n", strings.Join(meta, " · "))
	if r.TimedOut != "" {
		fmt.Fprintf(&b, "> ⚠️ %s\n\n", text.Markdown(r.TimedOut))
	}

	verdicts := map[string]Verdict{}
	for _, s := range r.Results {
		verdicts[s.ID] = s.Verdict
	}
	if len(r.RootCauses) > 0 {
		b.WriteString("**Root causes**")
		for _, rc := range r.RootCauses {
			if len(rc.Blocked) > 0 {
				b.WriteString(" (fix these first: the specs they block did not run)")
				break
			}
		}
		b.WriteString("\n\n")
		for i, rc := range r.RootCauses {
			v := verdicts[rc.ID]
			if v == "" {
				v = "not run"
			}
			fmt.Fprintf(&b, "%d. **%s** %s: %s", i+1, text.Markdown(rc.ID), v, text.Markdown(text.ClipLine(rc.Requirement, 120)))
			if because := why(rc.Message); because != "" && because != rc.Requirement {
				fmt.Fprintf(&b, " — %s", text.Markdown(text.ClipLine(because, 140)))
			}
			if n := len(rc.Blocked); n > 0 {
				fmt.Fprintf(&b, ". Blocks %d: %s", n, idList(rc.Blocked, mdMaxIDs))
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}

	if r.Baseline != "" {
		if len(r.Changes) == 0 {
			fmt.Fprintf(&b, "**Since the baseline** (%s): no spec changed.\n\n", mdCode(r.Baseline))
		} else {
			fmt.Fprintf(&b, "**Since the baseline** (%s): %d changed\n\n", mdCode(r.Baseline), len(r.Changes))
			for i, ch := range r.Changes {
				if i == mdMaxChanges {
					fmt.Fprintf(&b, "- … and %d more (changes.json)\n", len(r.Changes)-i)
					break
				}
				fmt.Fprintf(&b, "- %s %s", text.Markdown(ch.ID), ch.Kind)
				if ch.Was != "" {
					fmt.Fprintf(&b, ": was %s", text.Markdown(text.ClipLine(ch.Was, 60)))
				}
				if ch.Now != "" {
					fmt.Fprintf(&b, "; now %s", text.Markdown(text.ClipLine(ch.Now, 100)))
				}
				b.WriteString("\n")
			}
			b.WriteString("\n")
		}
	}

	// The not-OK table: blocked specs are one row per root, not one each.
	var rows []string
	for _, s := range r.Results {
		switch {
		case s.Verdict == Blocked && s.BlockedBy != "":
			continue
		case s.Verdict.NotOK():
			msg := why(s.Message)
			if s.Verdict == Flaky && s.Attempts > 0 {
				msg = fmt.Sprintf("passed on attempt %d; %s", s.Attempts, msg)
			}
			rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s |", text.Markdown(s.ID), s.Verdict, text.Markdown(text.ClipLine(s.Requirement, 90)), text.Markdown(text.ClipLine(msg, 110))))
		}
	}
	for _, rc := range r.RootCauses {
		if n := len(rc.Blocked); n > 0 {
			rows = append(rows, fmt.Sprintf("| %s | BLOCKED | by %s | %s |", text.Plural(n, "spec", "specs"), text.Markdown(rc.ID), text.Markdown(idList(rc.Blocked, 6))))
		}
	}
	if len(rows) > 0 {
		b.WriteString("**Not OK**\n\n| spec | verdict | requirement | why |\n|---|---|---|---|\n")
		for i, row := range rows {
			if i == mdMaxRows {
				fmt.Fprintf(&b, "| … | | %d more rows in the HTML report | |\n", len(rows)-i)
				break
			}
			b.WriteString(row + "\n")
		}
		b.WriteString("\n")
	}

	if auth := authRows(r.Results); len(auth) > 0 {
		fmt.Fprintf(&b, "<details><summary>Auth matrix: %s, %s. %s</summary>\n\n", text.Plural(len(auth), "path", "paths"), countLine(Count(auth)), text.Markdown(authLead(auth)))
		b.WriteString("| spec | auth path | level | expected | what happened | whose fault | verdict |\n|---|---|---|---|---|---|---|\n")
		for _, s := range auth {
			fault := ""
			if f := faultOf(s); f != nil {
				fault = f.Side
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", text.Markdown(s.ID), mdCodeCell(s.AuthPath), s.Level, text.Markdown(s.Expected),
				text.Markdown(text.ClipLine(happened(s), 80)), fault, s.Verdict)
		}
		b.WriteString("\n</details>\n")
	}
	fmt.Fprint(w, b.String())
}

// appendStepSummary appends the markdown summary to path, the file GitHub
// names in GITHUB_STEP_SUMMARY (other steps may have written to it first).
func appendStepSummary(path string, r RunReport) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("step summary: %w", err)
	}
	writeRunMarkdown(f, r)
	if err := f.Close(); err != nil {
		return fmt.Errorf("step summary: %w", err)
	}
	return nil
}

// idList is "A, B, C" with at most max IDs, then "… (+N)".
func idList(ids []string, max int) string {
	if len(ids) <= max {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s, … (+%d)", strings.Join(ids[:max], ", "), len(ids)-max)
}
