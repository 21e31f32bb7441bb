package reports

import (
	"fmt"
	"strings"

	"github.com/scribecheck/scribecheck/internal/text"
)

// doctorMarkdown renders a diagnosis, already redacted, for a CI job summary
// or an issue: what its console and page say, in the same words.
func doctorMarkdown(d Diagnosis) string {
	v := viewOf(d)
	var b strings.Builder
	fmt.Fprintf(&b, "# scribecheck doctor: %s\n\n**%s**\n\n", d.Status, d.Summary)
	fmt.Fprintf(&b, "Target %s (%s), %s.\n\n", mdCode(d.Target), d.BaseURL, d.StartedAt.UTC().Format("2006-01-02 15:04 UTC"))
	if f := v.Lead; f != nil {
		fmt.Fprintf(&b, "**Fix:** %s *(confidence: %s)*\n\n", f.Fix, f.Confidence)
		mdEvidence(&b, f.Evidence)
	}
	for _, f := range v.Rest {
		fmt.Fprintf(&b, "## %s\n\n*Confidence: %s.*\n\n**Fix:** %s\n\n", f.Cause, f.Confidence, f.Fix)
		mdEvidence(&b, f.Evidence)
	}
	if len(d.URLLint) > 0 {
		b.WriteString("## Your URL\n\n| severity | problem | fix |\n|---|---|---|\n")
		for _, l := range d.URLLint {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", l.Severity, text.Markdown(l.Problem), text.Markdown(l.Fix))
		}
		b.WriteString("\n")
	}
	if len(v.Rows) > 0 {
		head := append(append(append([]string{"path", "expected"}, v.Stages...), "verdict"), v.Timings...)
		head = append(head, "what happened")
		fmt.Fprintf(&b, "## Auth paths × stages\n\n| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat("---|", len(head)))
		for _, r := range v.Rows {
			cells := []string{mdCodeCell(r.Path), r.Expected}
			for _, c := range r.Cells {
				cells = append(cells, stageIcon(c.Text))
			}
			cells = append(append(cells, string(r.Verdict)), r.Timings...)
			cells = append(cells, text.Markdown(text.ClipLine(r.Happened.Text, 80))+noteRef(r.Happened.Mark))
			fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
		}
		b.WriteString("\n")
		for _, n := range v.Notes {
			fmt.Fprintf(&b, "- [%s] %s\n", n.Mark, text.Markdown(n.Text))
		}
		b.WriteString("\n✅ ok · ❌ failed · 🚫 refused · ⏭ skipped · · not reached\n\n")
	}
	if len(d.SLO) > 0 {
		b.WriteString("## Latency SLOs (p95)\n\n| metric | path | limit | p95 | |\n|---|---|---|---|---|\n")
		for _, s := range d.SLO {
			mark := "✅"
			if !s.Pass {
				mark = "❌"
			}
			fmt.Fprintf(&b, "| %s | %s | %.0f ms | %.0f ms | %s |\n", s.Metric, mdCodeCell(s.Path), s.Limit, s.P95, mark)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Spent: %s minted, %s, %.1f s of audio (cap %.1f s per path).\n",
		text.Plural(d.Budget.TokensMinted, "token", "tokens"), text.Plural(d.Budget.Sessions, "session", "sessions"), d.Budget.AudioSeconds, d.Budget.AudioCap)
	return b.String()
}

func stageIcon(s string) string {
	switch s {
	case StageOK:
		return "✅"
	case StageFailed:
		return "❌"
	case StageRefusedAsExpected, StageRefused:
		return "🚫"
	case StageSkipped:
		return "⏭"
	}
	return "·"
}

// mdEvidence lists a finding's evidence.
func mdEvidence(b *strings.Builder, evidence []string) {
	if len(evidence) == 0 {
		return
	}
	b.WriteString("Evidence:\n")
	for _, e := range evidence {
		fmt.Fprintf(b, "- %s\n", text.Markdown(e))
	}
	b.WriteString("\n")
}

// noteRef is a cell's reference to its note ("[a]"), or nothing.
func noteRef(mark string) string {
	if mark == "" {
		return ""
	}
	return " [" + mark + "]"
}

// mdCode is s as inline code, with backticks that would end it replaced.
func mdCode(s string) string {
	if s == "" {
		return "–"
	}
	return "`" + strings.NewReplacer("`", "'", "\n", " ", "\r", " ").Replace(s) + "`"
}

// mdCodeCell is mdCode for a table cell: a | inside it is escaped, or it
// would end the cell (GitHub's tables split on it even in a code span).
// Headings and prose keep mdCode, where \| would show.
func mdCodeCell(s string) string { return strings.ReplaceAll(mdCode(s), "|", `\|`) }
