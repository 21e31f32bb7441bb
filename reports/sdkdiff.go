package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/text"
)

// SDKDiff is what changes on the wire when an app moves from one install of
// a client to another: both run the same scenarios against the fake, and
// each aspect of their traffic, each reaction and each CLIENT rule verdict
// is put side by side.
type SDKDiff struct {
	StartedAt time.Time `json:"started_at"`
	Old       string    `json:"old"` // sdk@version
	New       string    `json:"new"`
	// Loaded are the versions the drivers found installed (old, new).
	Loaded [2]string `json:"loaded"`
	// Rows are every compared aspect, in order: the SDK's API, the wire of
	// each auth path, then the reactions to the scenarios, then the CLIENT rules.
	Rows []SDKDiffRow `json:"rows"`
	// Paths end the diff: one line per auth path saying whether the upgrade
	// is safe there.
	Paths []SDKDiffPath `json:"paths"`
	// FakeChoices are the fake's switchable choices both installs ran with
	// out of their default position (NAME=POSITION).
	FakeChoices []string `json:"fake_choices,omitempty"`
}

// Sections of an SDKDiff's rows.
const (
	// DiffAPI compares what each install offers an app; its rows'
	// scenario is DiffAPIScenario.
	DiffAPI         = "API"
	DiffAPIScenario = "(the SDK)"
	DiffWire        = "wire"
	DiffReaction    = "reaction"
	DiffRules       = "CLIENT rules"
	// DiffEveryRule is the aspect of a path's CLIENT rules row that sums
	// them all up; it is shown whether or not it changed.
	DiffEveryRule = "every rule"
)

// SDKDiffRow is one aspect of one scenario (or auth path) in both installs.
type SDKDiffRow struct {
	Section  string `json:"section"`
	Scenario string `json:"scenario"`
	Aspect   string `json:"aspect"`
	Old      string `json:"old"`
	New      string `json:"new"`
	Changed  bool   `json:"changed"`
	// Note says how a changed row reads: better, worse, or why it breaks
	// the upgrade (Breaks).
	Note   string `json:"note,omitempty"`
	Breaks bool   `json:"breaks,omitempty"`
	// Also counts the other scenarios with this very change (the same
	// aspect, old and new), listed once.
	Also int `json:"also_in_other_scenarios,omitempty"`
}

// SDKDiffPath is the verdict on one auth path.
type SDKDiffPath struct {
	Path string `json:"path"`
	Safe bool   `json:"safe"`
	Line string `json:"line"`
}

// word is the verdict in one word.
func (p SDKDiffPath) word() string {
	if p.Safe {
		return "upgrade safe"
	}
	return "upgrade NOT SAFE"
}

// Breaking reports whether a change breaks the upgrade: a MUST rule newly
// broken, or a credential the server now sees differently.
func (d SDKDiff) Breaking() bool {
	for _, p := range d.Paths {
		if !p.Safe {
			return true
		}
	}
	return false
}

// Changes returns the rows that differ.
func (d SDKDiff) Changes() []SDKDiffRow {
	var out []SDKDiffRow
	for _, r := range d.Rows {
		if r.Changed {
			out = append(out, r)
		}
	}
	return out
}

// WriteSDKDiff writes sdk-diff.md and sdk-diff.json into dir from a
// redacted copy of d and scans them (and the extra paths: the wire logs)
// for every secret the redactor knows. It returns the files written.
func WriteSDKDiff(dir string, d SDKDiff, red *Redactor, extra ...string) ([]string, error) {
	d = secrets.Redacted(red, d)
	js, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	var written []string
	for _, f := range []struct{ name, text string }{{"sdk-diff.md", sdkDiffMarkdown(d)}, {"sdk-diff.json", string(js) + "\n"}} {
		p := filepath.Join(dir, f.name)
		if err := WriteFile(p, []byte(f.text)); err != nil {
			return written, err
		}
		written = append(written, p)
	}
	return written, secrets.CheckNoLeaks(append(append([]string(nil), written...), extra...), red)
}

// sdkDiffMarkdown is the diff as a pull request comment: the verdict per
// auth path first, then the wire of each auth path side by side, then every
// other change.
func sdkDiffMarkdown(d SDKDiff) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s → %s: what changes on the wire\n\n", mdCode(d.Old), mdCode(d.New))
	for _, p := range d.Paths {
		fmt.Fprintf(&b, "* %s **%s**: %s: %s\n", mark(p.Safe), p.Path, p.word(), text.Markdown(p.Line))
	}
	fmt.Fprintf(&b, "\nBoth installs ran the same scenarios against scribecheck's fake (%s), %s.\n",
		text.Plural(len(d.Rows), "aspect compared", "aspects compared"), d.StartedAt.UTC().Format("2006-01-02 15:04 UTC"))
	if len(d.FakeChoices) > 0 {
		fmt.Fprintf(&b, "\n%s\n", text.Markdown(otherWorld(d.FakeChoices)))
	}
	section := ""
	for _, r := range d.Rows {
		if r.Section != section {
			section = r.Section
			fmt.Fprintf(&b, "\n## %s\n\n| scenario | aspect | %s | %s | |\n|---|---|---|---|---|\n", sectionTitle(section), mdCodeCell(d.Old), mdCodeCell(d.New))
		}
		if !r.Changed && !alwaysShown(r) {
			continue // reactions and rules: the changes only, the rest is counted below
		}
		note := r.Note
		if r.Changed && note == "" {
			note = "changed"
		}
		if r.Breaks {
			note = "**breaks: " + note + "**"
		}
		if r.Also > 0 {
			note += fmt.Sprintf(" (the same in %s)", text.Plural(r.Also, "other scenario", "other scenarios"))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.Scenario, r.Aspect, mdCodeCell(r.Old), mdCodeCell(r.New), text.Markdown(note))
	}
	same := 0
	for _, r := range d.Rows {
		if !r.Changed && !alwaysShown(r) {
			same++
		}
	}
	fmt.Fprintf(&b, "\n%s not listed: the same in both.\n", text.Plural(same, "reaction or rule verdict", "reactions and rule verdicts"))
	return b.String()
}

// alwaysShown reports whether the Markdown lists a row that did not change:
// the API, the auth paths' wire and each path's rule summary are shown whole.
func alwaysShown(r SDKDiffRow) bool {
	return r.Section == DiffAPI || r.Section == DiffWire || r.Aspect == DiffEveryRule
}

func sectionTitle(s string) string {
	switch s {
	case DiffAPI:
		return "What the SDK offers an app (as its driver read it)"
	case DiffWire:
		return "On the wire (each auth path's session)"
	case DiffReaction:
		return "Reactions to the scenarios that changed"
	}
	return "CLIENT rule verdicts (each path's summary, and each rule that changed)"
}

func mark(safe bool) string {
	if safe {
		return "✅"
	}
	return "❌"
}

// WriteSDKDiffConsole prints the changed rows side by side and the verdict
// per auth path, from a redacted copy of d.
func WriteSDKDiffConsole(w io.Writer, d SDKDiff, red *Redactor) {
	d = secrets.Redacted(red, d)
	changes := d.Changes()
	if len(d.FakeChoices) > 0 {
		fmt.Fprintf(w, "\n%s\n", otherWorld(d.FakeChoices))
	}
	fmt.Fprintf(w, "\n%s → %s: %s of %d aspects\n", d.Old, d.New, text.Plural(len(changes), "change", "changes"), len(d.Rows))
	if len(changes) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "SECTION\tSCENARIO\tASPECT\t%s\t%s\tNOTE\n", d.Old, d.New)
		for _, r := range changes {
			note := r.Note
			if r.Breaks {
				note = "BREAKS: " + note
			}
			if r.Also > 0 {
				note += fmt.Sprintf(" (the same in %s)", text.Plural(r.Also, "other scenario", "other scenarios"))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Section, r.Scenario, r.Aspect, text.ClipLine(r.Old, 70), text.ClipLine(r.New, 70), note)
		}
		tw.Flush()
	}
	fmt.Fprintln(w)
	for _, p := range d.Paths {
		fmt.Fprintf(w, "%s path: %s: %s\n", p.Path, p.word(), p.Line)
	}
}
