package reports

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/text"
)

// Kinds of change between a baseline run and this one.
const (
	ChangeNewlyFailing = "newly failing"
	ChangeNewlyPassing = "newly passing"
	ChangeVerdict      = "verdict changed"
	// ChangeObservation: an INFO spec saw something else — the drift a
	// nightly run exists to see (the server started accepting something, a
	// close code changed).
	ChangeObservation = "observation changed"
	ChangeNewSpec     = "new spec"
	ChangeGone        = "not run"
)

// Change is one spec whose result differs from the baseline's.
type Change struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Was  string `json:"was"`
	Now  string `json:"now"`
}

// resultsFile is what `run` writes as results.json.
type resultsFile struct {
	Target  string       `json:"target"`
	Results []SpecResult `json:"results"`
}

// LoadResults reads an earlier run's results: its results.json, or the
// folder that holds it.
func LoadResults(path string) ([]SpecResult, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, "results.json")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w (give a run's --out folder or its results.json)", err)
	}
	var f resultsFile
	if err := json.Unmarshal(b, &f); err != nil || f.Results == nil {
		return nil, fmt.Errorf("baseline %s: not a results.json of `scribecheck run` (%v)", path, err)
	}
	return f.Results, nil
}

// failing is a verdict that makes a run red (NON-STRICT counts under
// strict).
func failing(v Verdict, strict bool) bool {
	return v.Fails(strict) && v != Blocked // a blocked spec follows its root cause, which is listed itself
}

// Compare lists what changed from base to now, in the order of now (specs
// gone since the baseline last).
func Compare(base, now []SpecResult, strict bool) []Change {
	was := map[string]SpecResult{}
	for _, r := range base {
		was[r.ID] = r
	}
	var out []Change
	seen := map[string]bool{}
	for _, r := range now {
		seen[r.ID] = true
		b, ok := was[r.ID]
		switch {
		case !ok:
			out = append(out, Change{ID: r.ID, Kind: ChangeNewSpec, Now: string(r.Verdict)})
		case failing(r.Verdict, strict) && !failing(b.Verdict, strict):
			out = append(out, Change{ID: r.ID, Kind: ChangeNewlyFailing, Was: string(b.Verdict), Now: verdictLine(r)})
		case !failing(r.Verdict, strict) && failing(b.Verdict, strict):
			out = append(out, Change{ID: r.ID, Kind: ChangeNewlyPassing, Was: verdictLine(b), Now: string(r.Verdict)})
		case r.Verdict != b.Verdict:
			out = append(out, Change{ID: r.ID, Kind: ChangeVerdict, Was: string(b.Verdict), Now: string(r.Verdict)})
		case r.Verdict == Informational && observed(r) != observed(b):
			out = append(out, Change{ID: r.ID, Kind: ChangeObservation, Was: b.Outcome, Now: r.Outcome})
		}
	}
	for _, r := range base {
		if !seen[r.ID] {
			out = append(out, Change{ID: r.ID, Kind: ChangeGone, Was: string(r.Verdict)})
		}
	}
	return out
}

func verdictLine(r SpecResult) string {
	if r.Message == "" {
		return string(r.Verdict)
	}
	return string(r.Verdict) + ": " + text.ClipLine(r.Message, 160)
}

// volatile are the parts of an observation that differ on every run:
// session ids (32 hex digits, or a UUID).
var volatile = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}`)

// observed is an INFO spec's observation without what changes every run.
func observed(r SpecResult) string { return volatile.ReplaceAllString(r.Outcome, "<id>") }

// KnownFailing is a --known-failing file: spec IDs, one a line, each with
// why after a #; blank lines and lines that are only a comment are skipped.
type KnownFailing map[string]string

// ParseKnownFailing reads a known-failing list. A line that is not an ID
// is an error naming the line.
func ParseKnownFailing(r io.Reader, name string) (KnownFailing, error) {
	out := KnownFailing{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, why, _ := strings.Cut(sc.Text(), "#")
		id := strings.TrimSpace(line)
		switch {
		case id == "":
			continue
		case !specID.MatchString(id):
			return nil, fmt.Errorf("%s:%d: %q is not a spec ID (one ID a line, e.g. AUTH-4 # why)", name, n, id)
		}
		out[id] = strings.TrimSpace(why)
	}
	return out, sc.Err()
}

var specID = regexp.MustCompile(`^[A-Z]+-[0-9]+$`)

// LoadKnownFailing reads the known-failing list at path; every ID on it must
// be a spec (isSpec). Each error starts with the path.
func LoadKnownFailing(path string, isSpec func(id string) bool) (KnownFailing, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	known, err := ParseKnownFailing(f, path)
	if err != nil {
		return nil, err
	}
	for id := range known {
		if !isSpec(id) {
			return nil, fmt.Errorf("%s: %s is no spec (scribecheck list shows them)", path, id)
		}
	}
	return known, nil
}

// KnownOutcome is what a run's failures are against a known-failing list.
type KnownOutcome struct {
	// Known failed and are on the list; Unknown failed and are not.
	Known, Unknown []string
	// Fixed are on the list and no longer fail: the list can shrink.
	Fixed []string
}

// Apply sorts a run's failing specs into known and unknown, and finds the
// known ones that pass now. A listed ID the run did not run is neither.
func (k KnownFailing) Apply(results []SpecResult, strict bool) KnownOutcome {
	var o KnownOutcome
	for _, r := range results {
		_, listed := k[r.ID]
		switch {
		case failing(r.Verdict, strict) && listed:
			o.Known = append(o.Known, r.ID)
		case failing(r.Verdict, strict):
			o.Unknown = append(o.Unknown, r.ID)
		case listed && r.Verdict != Skipped:
			o.Fixed = append(o.Fixed, r.ID)
		}
	}
	return o
}

// Report prints how a run's failures stand against the list read from path,
// and reports whether the run still fails: one that failed only on listed
// specs does not.
func (k KnownFailing) Report(w io.Writer, path string, results []SpecResult, strict, failed bool) bool {
	o := k.Apply(results, strict)
	fmt.Fprintf(w, "\nKnown failures (%s): %d failed as known, %d failed and are not on the list\n", path, len(o.Known), len(o.Unknown))
	for _, id := range o.Known {
		why := ""
		if k[id] != "" {
			why = "  # " + k[id]
		}
		fmt.Fprintf(w, "  known:   %s%s\n", id, why)
	}
	for _, id := range o.Unknown {
		fmt.Fprintf(w, "  NEW:     %s fails and is not on the list\n", id)
	}
	for _, id := range o.Fixed {
		fmt.Fprintf(w, "  fixed:   %s passes now: remove it from %s\n", id, path)
	}
	if failed && len(o.Unknown) == 0 {
		fmt.Fprintln(w, "every failure is a known one: exit 0")
		return false
	}
	return failed
}

// WriteChanges prints the changes since the baseline, the drift first.
func WriteChanges(w io.Writer, baseline string, changes []Change, red *Redactor) {
	baseline, changes = red.Redact(baseline), secrets.Redacted(red, changes)
	var b strings.Builder
	if len(changes) == 0 {
		fmt.Fprintf(&b, "\nSince the baseline (%s): no spec changed.\n", baseline)
		fmt.Fprint(w, b.String())
		return
	}
	fmt.Fprintf(&b, "\nSince the baseline (%s): %s changed\n", baseline, text.Plural(len(changes), "spec", "specs"))
	for _, c := range changes {
		switch {
		case c.Was != "" && c.Now != "":
			fmt.Fprintf(&b, "  %-10s %s: was %s; now %s\n", c.ID, c.Kind, c.Was, c.Now)
		case c.Now != "":
			fmt.Fprintf(&b, "  %-10s %s: %s\n", c.ID, c.Kind, c.Now)
		default:
			fmt.Fprintf(&b, "  %-10s %s (was %s)\n", c.ID, c.Kind, c.Was)
		}
	}
	fmt.Fprint(w, b.String())
}
