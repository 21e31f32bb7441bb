// Package verdict is scribecheck's one vocabulary for how much a requirement
// weighs (its Level) and how a check of it came out (its Verdict), after
// Autobahn|Testsuite and h2spec, with one order of severity. The suites, the
// server and client checks, the SDK matrix, the doctor and every report use
// these names; nothing else defines them.
package verdict

import (
	"fmt"
	"strings"
)

// Level is how much a requirement weighs, from the evidence behind it
// (docs/protocol.md's levels).
type Level string

const (
	// Must rests on documented behaviour: a deviation is FAILED.
	Must Level = "MUST"
	// Should rests on behaviour observed live (or a documented
	// recommendation): a deviation is NON-STRICT, a failure only under
	// --strict.
	Should Level = "SHOULD"
	// Info rests on unconfirmed behaviour: the check records what it saw and
	// never fails.
	Info Level = "INFO"
)

// Valid reports whether l is one of the three levels.
func (l Level) Valid() bool { return l == Must || l == Should || l == Info }

// FromEvidence is the level of a requirement resting on one of docs/protocol.md's
// evidence letters: D (documented) is MUST; O (observed) and C (the
// generated contract: the shape of a frame when it comes) are SHOULD; S, U
// and anything else are INFO.
func FromEvidence(letter string) Level {
	switch letter {
	case "D":
		return Must
	case "O", "C":
		return Should
	}
	return Info
}

// Broken is the verdict of a requirement of this level that was not met:
// FAILED for MUST, NON-STRICT for SHOULD, INFORMATIONAL for INFO.
func (l Level) Broken() Verdict {
	switch l {
	case Must:
		return Failed
	case Should:
		return NonStrict
	}
	return Informational
}

// Verdict is how one check came out.
type Verdict string

const (
	// OK: the requirement was met.
	OK Verdict = "OK"
	// NonStrict: a SHOULD requirement was not met; a failure only under
	// --strict.
	NonStrict Verdict = "NON-STRICT"
	// Informational: what an INFO check saw; never a failure.
	Informational Verdict = "INFORMATIONAL"
	// Failed: a MUST requirement was not met.
	Failed Verdict = "FAILED"
	// Error is a harness fault: the check could not judge the target.
	Error Verdict = "ERROR"
	// Skipped: the check was not run (not selected, not applicable to this
	// target, a runtime missing).
	Skipped Verdict = "SKIPPED"
	// Blocked: a precondition failed in another check (its root cause); this
	// one did not run and did not wait.
	Blocked Verdict = "BLOCKED"
	// Flaky: the check failed on a timeout, was retried and then passed.
	// Reported, never counted as a plain pass.
	Flaky Verdict = "FLAKY"
	// NotApplicable: the requirement did not apply (no commit was sent, no
	// session started, …).
	NotApplicable Verdict = "N/A"
	// Finding: the outcome falls short of the ideal exactly as recorded for
	// this version (the SDK matrix's expected shortfall): not a failure.
	Finding Verdict = "FINDING"
	// Changed: the outcome differs from what was recorded for another
	// version (an SDK candidate beside its pinned version): news, not a
	// failure.
	Changed Verdict = "CHANGED"
)

// order is every verdict, most severe first. It is the one order of
// severity: Worst, Fold, Counts and every report's columns follow it.
var order = []Verdict{Failed, Error, Blocked, NonStrict, Flaky, Changed, Finding, Informational, OK, Skipped, NotApplicable}

// All lists every verdict, most severe first.
func All() []Verdict { return append([]Verdict(nil), order...) }

// Severity ranks v: the higher, the worse. A string that is no verdict
// ranks below N/A.
func (v Verdict) Severity() int {
	for i, o := range order {
		if o == v {
			return len(order) - i
		}
	}
	return 0
}

// Valid reports whether v is one of the verdicts.
func (v Verdict) Valid() bool { return v.Severity() > 0 }

// Fails reports whether v makes a run red: FAILED, ERROR or BLOCKED, and
// NON-STRICT under strict.
func (v Verdict) Fails(strict bool) bool {
	return v == Failed || v == Error || v == Blocked || (strict && v == NonStrict)
}

// NotOK reports whether a reader has to look at v: it fails (under --strict
// for NON-STRICT), or it passed only when retried (FLAKY).
func (v Verdict) NotOK() bool { return v.Fails(true) || v == Flaky }

// Worst is the most severe of vs; N/A when there is none.
func Worst(vs ...Verdict) Verdict {
	out := NotApplicable
	for _, v := range vs {
		if v.Severity() > out.Severity() {
			out = v
		}
	}
	return out
}

// Fold is the verdict of a whole made of parts (a connection of its rules, a
// run of its connections): the worst part that falls short (FAILED, ERROR,
// BLOCKED or NON-STRICT), else OK when any part was judged at all, else N/A.
// An INFORMATIONAL, FLAKY, FINDING or CHANGED part is no shortfall of the
// whole, and a SKIPPED or N/A one judged nothing.
func Fold(vs ...Verdict) Verdict {
	var worst Verdict
	judged := false
	for _, v := range vs {
		switch {
		case v.Fails(true):
			if v.Severity() > worst.Severity() {
				worst = v
			}
		case v.Valid() && v != Skipped && v != NotApplicable:
			judged = true
		}
	}
	switch {
	case worst != "":
		return worst
	case judged:
		return OK
	}
	return NotApplicable
}

// Counts tallies verdicts.
type Counts map[Verdict]int

// Count tallies vs.
func Count(vs ...Verdict) Counts {
	c := Counts{}
	for _, v := range vs {
		c[v]++
	}
	return c
}

// Total is the number of verdicts counted.
func (c Counts) Total() int {
	n := 0
	for _, k := range c {
		n += k
	}
	return n
}

// Present lists the verdicts counted at least once, most severe first.
func (c Counts) Present() []Verdict {
	var out []Verdict
	for _, v := range order {
		if c[v] > 0 {
			out = append(out, v)
		}
	}
	return out
}

// String is "3 FAILED, 2 BLOCKED, 118 OK": most severe first, zeros left
// out; "nothing" when empty.
func (c Counts) String() string {
	var parts []string
	for _, v := range c.Present() {
		parts = append(parts, fmt.Sprintf("%d %s", c[v], v))
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}
