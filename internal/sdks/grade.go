package sdks

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/clientcheck"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/reports"
)

// Grade puts the runs side by side: each spec's outcome per install against
// what is recorded for it (or, for a candidate, what its pinned base does),
// the changes between versions of one SDK, and the CLIENT rules on each
// install's normal sessions. A run with a choice of the fake out of its
// default position is in a world the records do not describe: a difference
// from one is CHANGED (informational), never a failure.
func Grade(runs []Run, started time.Time) reports.SDKMatrix {
	m := reports.SDKMatrix{StartedAt: started}
	for _, r := range runs {
		m.FakeChoices = append(m.FakeChoices, fakeserver.OtherWorld(r.Choices)...)
		col := reports.SDKColumn{Key: r.Install.Key(), SDK: r.Install.SDK, Version: r.Install.Version,
			Pinned: Pinned(r.Install.Key()), Status: "ran", Took: r.Took.Round(100 * time.Millisecond).String()}
		switch {
		case r.Skipped != "":
			col.Status = "skipped: " + r.Skipped
		case r.Broken != "":
			col.Status = "broken: " + r.Broken
		default:
			col.Client = clientVerdict(r)
		}
		m.Columns = append(m.Columns, col)
	}
	slices.Sort(m.FakeChoices)
	m.FakeChoices = slices.Compact(m.FakeChoices)
	scenarios := map[string]Scenario{}
	for _, sc := range Scenarios() {
		scenarios[sc.Name] = sc
	}
	for _, spec := range Specs() {
		if !slices.ContainsFunc(runs, func(r Run) bool { return r.asked(spec.Scenario) }) {
			continue // no run was asked for it (sdks --scenario)
		}
		row := reports.SDKRow{ID: spec.ID, Scenario: spec.Scenario, Level: spec.Level, Requirement: spec.Requirement, Ideal: string(spec.Ideal)}
		for _, r := range runs {
			row.Cells = append(row.Cells, cell(r, spec, scenarios[spec.Scenario]))
		}
		m.Rows = append(m.Rows, row)
	}
	m.Changes = changes(m)
	return m
}

// NoneRan reports whether no install in m ran: no SDK is installed here.
func NoneRan(m reports.SDKMatrix) bool {
	return !slices.ContainsFunc(m.Columns, func(c reports.SDKColumn) bool { return c.Status == "ran" })
}

func cell(r Run, spec Spec, sc Scenario) reports.SDKCell {
	key := r.Install.Key()
	if r.Skipped != "" || r.Broken != "" {
		return reports.SDKCell{Verdict: verdict.Skipped, Outcome: "not run"}
	}
	got, evidence := Classify(r, sc)
	c := reports.SDKCell{Outcome: string(got), Evidence: evidence}
	base := key
	if !Pinned(key) {
		base = Base(r.Install.SDK)
	}
	want, why, finding := Expected(base, spec)
	c.Expected, c.Why = string(want), why
	if first, ok := r.FirstRun[sc.Name]; ok {
		firstRun := r
		firstRun.Events, firstRun.ConnScenario = map[string][]Event{sc.Name: first}, r.FirstConns
		o, ev := Classify(firstRun, sc)
		c.FirstRun = string(o) + ": " + ev
	}
	switch {
	case got != want && !recorded(r):
		c.Verdict = verdict.Changed
	case got != want:
		c.Verdict = verdict.Failed
	case finding:
		c.Verdict = verdict.Finding
	default:
		c.Verdict = verdict.OK
	}
	return c
}

// recorded reports whether r's outcomes are held to its records: a pinned
// install, in the fake's default world.
func recorded(r Run) bool {
	return Pinned(r.Install.Key()) && len(fakeserver.OtherWorld(r.Choices)) == 0
}

// secondRun lists the scenarios of a recorded run whose outcome is not the
// recorded one, to be run once more. A real client's outcome can turn on a
// race of its own with the fake (pipecat's reconnect pings the new socket
// while the fake's scripted close is on its way) that a machine short of CPU
// decides the other way now and then; a scenario that is as recorded on its
// second run is reported so (the cell's FirstRun says what the first gave),
// one that is not fails as before. A proxy or replay in front (Via) is
// given one run only: a replay plays each recording once.
func secondRun(r Run, scenarios []Scenario, opts Options) []Scenario {
	if !recorded(r) || r.Broken != "" || opts.Via != nil {
		return nil
	}
	specs := map[string]Spec{}
	for _, sp := range Specs() {
		specs[sp.Scenario] = sp
	}
	var out []Scenario
	for _, sc := range scenarios {
		got, _ := Classify(r, sc)
		if want, _, _ := Expected(r.Install.Key(), specs[sc.Name]); got != want {
			out = append(out, sc)
		}
	}
	return out
}

// scenarioNames lists scenarios by name, for a progress line.
func scenarioNames(scs []Scenario) string {
	var out []string
	for _, sc := range scs {
		out = append(out, sc.Name)
	}
	return strings.Join(out, ", ")
}

// changes lists, for each SDK with more than one install, the specs whose
// outcome differs between consecutive versions (oldest first).
func changes(m reports.SDKMatrix) []reports.SDKChange {
	var out []reports.SDKChange
	bySDK := map[string][]int{}
	var order []string
	for i, c := range m.Columns {
		if c.Status != "ran" {
			continue
		}
		if _, ok := bySDK[c.SDK]; !ok {
			order = append(order, c.SDK)
		}
		bySDK[c.SDK] = append(bySDK[c.SDK], i)
	}
	for _, sdk := range order {
		cols := bySDK[sdk]
		slices.SortFunc(cols, func(a, b int) int {
			if versionLess(m.Columns[a].Version, m.Columns[b].Version) {
				return -1
			}
			return 1
		})
		for k := 1; k < len(cols); k++ {
			from, to := cols[k-1], cols[k]
			for _, r := range m.Rows {
				if was, now := r.Cells[from].Outcome, r.Cells[to].Outcome; was != now {
					out = append(out, reports.SDKChange{SDK: sdk, From: m.Columns[from].Version, To: m.Columns[to].Version,
						Spec: r.ID, Scenario: r.Scenario, Was: was, Now: now})
				}
			}
		}
	}
	return out
}

// clientVerdict grades the install's normal sessions (header and token)
// and its idle one with the CLIENT rules: what this SDK sends when nothing
// goes wrong, and across a silence (CLIENT-14, keepalive).
func clientVerdict(r Run) string {
	logs, exchanges, err := wirelog.ReadDir(r.WireDir)
	if err != nil {
		return "unreadable wire logs: " + err.Error()
	}
	graded := map[string]bool{"header": true, "token": true}
	for _, sc := range Scenarios() {
		graded[sc.Name] = graded[sc.Name] || sc.Pause > 0
	}
	var normal []*wirelog.Log
	for _, l := range logs {
		if graded[r.ConnScenario[l.ID]] {
			normal = append(normal, l)
		}
	}
	if len(normal) == 0 {
		return "no normal session recorded"
	}
	rep := clientcheck.Grade(normal, exchanges)
	broken := map[string]bool{}
	for _, c := range rep.Conns {
		for _, f := range c.Results {
			if f.Verdict.Fails(true) {
				broken[f.Rule] = true
			}
		}
		if c.Refusal != nil { // a refused session is no OK row, whatever the rules said
			broken["refused ("+c.Refusal.Side+")"] = true
		}
	}
	for _, f := range rep.Run {
		if f.Verdict.Fails(true) {
			broken[f.Rule] = true
		}
	}
	if len(broken) == 0 {
		return fmt.Sprintf("%s (%s)", verdict.OK, text.Plural(len(normal), "session", "sessions"))
	}
	keys := make([]string, 0, len(broken))
	for k := range broken {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return fmt.Sprintf("%s: %s", rep.Verdict, strings.Join(keys, ", "))
}
