package reports

import (
	"fmt"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/verdict"
)

// SDKMatrix is the official SDKs, version by version, side by side: how each
// handled every scenario, against what was recorded for it.
type SDKMatrix struct {
	StartedAt time.Time   `json:"started_at"`
	Columns   []SDKColumn `json:"sdks"`
	Rows      []SDKRow    `json:"specs"`
	// Changes are the scenarios whose outcome differs between two versions
	// of one SDK: what an upgrade changes.
	Changes []SDKChange `json:"changes"`
	// FakeChoices are the fake's switchable choices the run put out of their
	// default position (NAME=POSITION): a world the records do not
	// describe, so a difference from one is CHANGED, not failed.
	FakeChoices []string `json:"fake_choices,omitempty"`
}

// SDKColumn is one install.
type SDKColumn struct {
	Key     string `json:"key"` // sdk@version
	SDK     string `json:"sdk"`
	Version string `json:"version"`
	Pinned  bool   `json:"pinned"`
	// Status is "ran", or why it did not (skipped: not installed; broken).
	Status string `json:"status"`
	// Client is the CLIENT rules' verdict on its normal and idle sessions, with the
	// rules it broke.
	Client string `json:"client_rules"`
	Took   string `json:"took"`
}

// SDKRow is one SDK spec across every install.
type SDKRow struct {
	ID          string    `json:"id"`
	Scenario    string    `json:"scenario"`
	Level       Level     `json:"level"`
	Requirement string    `json:"requirement"`
	Ideal       string    `json:"ideal"`
	Cells       []SDKCell `json:"cells"` // in Columns order
}

// SDKCell is one install's outcome in one scenario.
type SDKCell struct {
	Outcome  string  `json:"outcome"`
	Expected string  `json:"expected"`
	Verdict  Verdict `json:"verdict"`
	Why      string  `json:"why,omitempty"`      // the recorded finding's evidence
	Evidence string  `json:"evidence,omitempty"` // what the SDK surfaced
	// FirstRun is set when the scenario ran twice, its first run not as
	// recorded: that run's outcome and evidence (Outcome is the second's).
	FirstRun string `json:"first_run,omitempty"`
}

// SDKChange is one scenario whose outcome differs between two versions.
type SDKChange struct {
	SDK      string `json:"sdk"`
	From, To string
	Spec     string `json:"spec"`
	Scenario string `json:"scenario"`
	Was, Now string
}

// Failed reports whether a pinned install differs from its recorded
// expectations, or broke.
func (m SDKMatrix) Failed() bool {
	for _, r := range m.Rows {
		for _, c := range r.Cells {
			if c.Verdict == Failed {
				return true
			}
		}
	}
	for _, c := range m.Columns {
		if strings.HasPrefix(c.Status, "broken") {
			return true
		}
	}
	return false
}

// failing names what makes the matrix red, install by install: each cell
// that differs from the record ("elevenlabs-js@2.73.0 SDK-3 token-reused")
// and each install that broke.
func (m SDKMatrix) failing() []string {
	var out []string
	for i, col := range m.Columns {
		if strings.HasPrefix(col.Status, "broken") {
			out = append(out, col.Key+" "+col.Status)
		}
		for _, r := range m.Rows {
			if i < len(r.Cells) && r.Cells[i].Verdict == Failed {
				out = append(out, fmt.Sprintf("%s %s %s", col.Key, r.ID, r.Scenario))
			}
		}
	}
	return out
}

// lead is the matrix in a sentence.
func (m SDKMatrix) lead() string {
	ran, changed := 0, 0
	for _, c := range m.Columns {
		if c.Status == "ran" {
			ran++
		}
	}
	for _, r := range m.Rows {
		for _, c := range r.Cells {
			if c.Verdict == verdict.Changed {
				changed++
			}
		}
	}
	if f := m.failing(); len(f) > 0 {
		return "Not as recorded: " + strings.Join(f, "; ") + "."
	}
	if len(m.FakeChoices) > 0 {
		return fmt.Sprintf("%s of %d ran; %s from the record of the default world (CHANGED).", text.Plural(ran, "install", "installs"), len(m.Columns), text.Plural(changed, "outcome differs", "outcomes differ"))
	}
	lead := fmt.Sprintf("%s of %d ran; every one behaves as recorded", text.Plural(ran, "install", "installs"), len(m.Columns))
	if again := m.secondRuns(); len(again) > 0 {
		var where []string
		for _, a := range again {
			where = append(where, a.where)
		}
		lead += fmt.Sprintf(", %s on a second run (the first was not: %s)", text.Plural(len(again), "scenario", "scenarios"), strings.Join(where, "; "))
	}
	return lead + "."
}

// secondRun is a cell whose scenario ran twice, its first run not as
// recorded: where it is ("install spec scenario"), and what the first run
// gave.
type secondRun struct{ where, first string }

func (m SDKMatrix) secondRuns() []secondRun {
	var out []secondRun
	for i, col := range m.Columns {
		for _, r := range m.Rows {
			if i < len(r.Cells) && r.Cells[i].FirstRun != "" {
				out = append(out, secondRun{fmt.Sprintf("%s %s %s", col.Key, r.ID, r.Scenario), r.Cells[i].FirstRun})
			}
		}
	}
	return out
}

// world names the fake's world when the run switched a choice, "" else.
func (m SDKMatrix) world() string {
	if len(m.FakeChoices) == 0 {
		return ""
	}
	return otherWorld(m.FakeChoices) + " The records describe the default world: an outcome that differs from one is CHANGED (informational), never a failure."
}

// otherWorld says which of the fake's switchable choices a run put out of
// their default position.
func otherWorld(choices []string) string {
	return "The fake ran in another world: " + strings.Join(choices, ", ") +
		" (choices where the live server is unconfirmed, out of the fake's default position)."
}

// sdkMatrixView is the matrix as its page heads it: a verdict and the lead.
type sdkMatrixView struct {
	SDKMatrix
	Verdict Verdict
	Lead    string
	World   string
}

func sdkView(m SDKMatrix) any {
	v := sdkMatrixView{SDKMatrix: m, Verdict: OK, Lead: m.lead(), World: m.world()}
	if m.Failed() {
		v.Verdict = Failed
	}
	return v
}

// SDK matrix report files.
const (
	SDKMatrixJSON  = "sdk-matrix.json"
	SDKMatrixMD    = "sdk-matrix.md"
	SDKMatrixHTML  = "sdk-matrix.html"
	SDKMatrixJUnit = "sdk-junit.xml"
)

// WriteSDKMatrix writes the matrix as JSON, Markdown, HTML and JUnit (one
// testsuite per install), redacted and scanned for secrets.
// The whole folder is scanned: each install's wire logs and driver output
// are there too.
func WriteSDKMatrix(dir string, m SDKMatrix, red *Redactor) ([]string, error) {
	return sdkMatrixReports.write(dir, m, red, dir)
}

// sdkMatrixReports are the matrix's files.
var sdkMatrixReports = reportSet[SDKMatrix]{json: SDKMatrixJSON, md: SDKMatrixMD, html: SDKMatrixHTML, junit: SDKMatrixJUnit,
	page: sdkMatrixPage, pageName: "SDK matrix", view: sdkView, markdown: sdkMatrixMarkdown, cases: sdkMatrixJUnit}

// sdkMatrixJUnit is one <testsuite> per install, one case per spec: a
// finding passes with its evidence in system-out, a change from the record
// fails.
func sdkMatrixJUnit(m SDKMatrix) JUnitSuites {
	out := JUnitSuites{Name: "scribecheck sdk matrix"}
	for i, col := range m.Columns {
		s := JUnitSuite{Name: col.Key, Properties: []JUnitProperty{{"status", col.Status}, {"client_rules", col.Client}}}
		if len(m.FakeChoices) > 0 {
			s.Properties = append(s.Properties, JUnitProperty{"fake_choices", strings.Join(m.FakeChoices, ", ")})
		}
		for _, r := range m.Rows {
			c := r.Cells[i]
			res := SpecResult{ID: r.ID, Level: r.Level, Requirement: r.Requirement, Name: fmt.Sprintf("%s %s [sdk:%s]", r.ID, r.Scenario, col.Key),
				Expected: c.Expected, Outcome: c.Outcome, Evidence: c.Evidence}
			if c.FirstRun != "" {
				res.Evidence = strings.TrimSpace(res.Evidence + "\nthe second run; the first gave " + c.FirstRun)
			}
			res.Verdict = c.Verdict
			switch c.Verdict {
			case verdict.Finding:
				res.Message = "recorded finding: " + c.Outcome + " (" + c.Why + ")"
			case verdict.Changed:
				res.Message = fmt.Sprintf("changed from the pinned version: expected %s, got %s", c.Expected, c.Outcome)
				if len(m.FakeChoices) > 0 {
					res.Message = fmt.Sprintf("changed from the record of the default world (the fake with %s): expected %s, got %s", strings.Join(m.FakeChoices, ", "), c.Expected, c.Outcome)
				}
			case Failed:
				res.Message = fmt.Sprintf("expected %s (as recorded for %s), got %s", c.Expected, col.Key, c.Outcome)
			case Skipped:
				res.Message = col.Status
			}
			s.Cases = append(s.Cases, junitCase(res, "scribecheck.sdk."+col.SDK))
		}
		out.Suites = append(out.Suites, s)
	}
	out.tally()
	return out
}

// sdkMatrixMarkdown puts the versions side by side, then what changed
// between versions of one SDK.
func sdkMatrixMarkdown(m SDKMatrix) string {
	var b strings.Builder
	b.WriteString("# scribecheck: the official SDKs against the fake\n\n")
	if w := m.world(); w != "" {
		fmt.Fprintf(&b, "%s\n\n", text.Markdown(w))
	}
	fmt.Fprintf(&b, "**%s**\n\n", text.Markdown(m.lead()))
	b.WriteString("| spec | scenario |")
	for _, c := range m.Columns {
		fmt.Fprintf(&b, " %s |", c.Key)
	}
	b.WriteString("\n|---|---|")
	for range m.Columns {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range m.Rows {
		fmt.Fprintf(&b, "| %s | %s |", r.ID, r.Scenario)
		for _, c := range r.Cells {
			fmt.Fprintf(&b, " %s %s |", cellIcon(c.Verdict), text.Markdown(c.Outcome))
		}
		b.WriteString("\n")
	}
	b.WriteString("| | status |")
	for _, c := range m.Columns {
		fmt.Fprintf(&b, " %s |", text.Markdown(c.Status))
	}
	b.WriteString("\n| | CLIENT rules |")
	for _, c := range m.Columns {
		fmt.Fprintf(&b, " %s |", text.Markdown(c.Client))
	}
	b.WriteString("\n\n✅ ideal · 🔶 recorded finding (the version falls short, as expected) · ❌ differs from the record · 🔄 changed from the pinned version · ⏭ not run\n")
	if len(m.Changes) > 0 {
		b.WriteString("\n## What changes between versions\n\n| SDK | from → to | spec | scenario | was | now |\n|---|---|---|---|---|---|\n")
		for _, c := range m.Changes {
			fmt.Fprintf(&b, "| %s | %s → %s | %s | %s | %s | %s |\n", c.SDK, c.From, c.To, c.Spec, c.Scenario, c.Was, c.Now)
		}
	}
	if again := m.secondRuns(); len(again) > 0 {
		b.WriteString("\n## Second runs\n\nA scenario whose outcome was not the recorded one ran once more, and its cell above is graded on that second run. What the first run gave:\n\n")
		for _, a := range again {
			fmt.Fprintf(&b, "* **%s**: %s\n", text.Markdown(a.where), text.Markdown(text.ClipLine(a.first, 200)))
		}
	}
	b.WriteString("\n## Findings\n\n")
	for i, col := range m.Columns {
		for _, r := range m.Rows {
			if c := r.Cells[i]; c.Verdict == verdict.Finding || c.Verdict == Failed || c.Verdict == verdict.Changed {
				fmt.Fprintf(&b, "* **%s** %s %s: %s — %s\n", col.Key, r.ID, r.Scenario, c.Outcome, text.Markdown(strings.TrimSpace(c.Why+" "+text.ClipLine(c.Evidence, 160))))
			}
		}
	}
	return b.String()
}

func cellIcon(v Verdict) string {
	switch v {
	case OK:
		return "✅"
	case verdict.Finding:
		return "🔶"
	case Failed:
		return "❌"
	case verdict.Changed:
		return "🔄"
	}
	return "⏭"
}
