package reports

import (
	"fmt"
	"strings"

	"github.com/scribecheck/scribecheck/internal/text"
)

// doctorMarkdown renders a diagnosis, already redacted, for a CI job summary
// or an issue.
func doctorMarkdown(d Diagnosis) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# scribecheck doctor: %s\n\n", d.Status)
	fmt.Fprintf(&b, "Target `%s` (%s), %s.\n\n**%s**\n\n", d.Target, d.BaseURL, d.StartedAt.UTC().Format("2006-01-02 15:04 UTC"), d.Summary)
	for i, f := range d.Findings {
		fmt.Fprintf(&b, "## %d. %s\n\n*Confidence: %s.*\n\n**Fix:** %s\n\nEvidence:\n", i+1, f.Cause, f.Confidence, f.Fix)
		for _, e := range f.Evidence {
			fmt.Fprintf(&b, "- %s\n", text.Markdown(e))
		}
		b.WriteString("\n")
	}
	if len(d.URLLint) > 0 {
		b.WriteString("## Your URL\n\n| severity | problem | fix |\n|---|---|---|\n")
		for _, l := range d.URLLint {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", l.Severity, text.Markdown(l.Problem), text.Markdown(l.Fix))
		}
		b.WriteString("\n")
	}
	if len(d.Paths) > 0 {
		b.WriteString("## Auth paths × stages\n\n| path | expected | " + strings.Join(Stages, " | ") + " | outcome | p50 session_started |\n")
		b.WriteString("|---|---|" + strings.Repeat("---|", len(Stages)) + "---|---|\n")
		for _, p := range d.Paths {
			cells := []string{"`" + p.Path + "`", p.Expected}
			for _, s := range Stages {
				cells = append(cells, stageIcon(p.Stages[s]))
			}
			lat := "–"
			if p.Latency.SessionStarted != nil {
				lat = fmt.Sprintf("%.0f ms", p.Latency.SessionStarted.P50)
			}
			cells = append(cells, text.Markdown(text.ClipLine(p.Detail, 80)), lat)
			fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
		}
		b.WriteString("\n✅ ok · ❌ failed · 🚫 refused as expected · ⏭ skipped · · not reached\n\n")
	}
	if len(d.SLO) > 0 {
		b.WriteString("## Latency SLOs (p95)\n\n| metric | path | limit | p95 | |\n|---|---|---|---|---|\n")
		for _, s := range d.SLO {
			mark := "✅"
			if !s.Pass {
				mark = "❌"
			}
			fmt.Fprintf(&b, "| %s | `%s` | %.0f ms | %.0f ms | %s |\n", s.Metric, s.Path, s.Limit, s.P95, mark)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Spent: %d tokens minted, %d sessions, %.1f s of audio (cap %.1f s per path).\n",
		d.Budget.TokensMinted, d.Budget.Sessions, d.Budget.AudioSeconds, d.Budget.AudioCap)
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
