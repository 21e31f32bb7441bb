package verdict

import (
	"fmt"
	"testing"
)

func TestOneOrderOfSeverity(t *testing.T) {
	all := All()
	for i := 1; i < len(all); i++ {
		if all[i-1].Severity() <= all[i].Severity() {
			t.Errorf("%s is listed before %s but is not more severe", all[i-1], all[i])
		}
	}
	if Verdict("PASSED").Valid() || Verdict("PASSED").Severity() >= NotApplicable.Severity() {
		t.Errorf("a string that is no verdict must rank below N/A and be invalid")
	}
}

func TestWorstAndFold(t *testing.T) {
	cases := []struct {
		in          []Verdict
		worst, fold Verdict
	}{
		{nil, NotApplicable, NotApplicable},
		{[]Verdict{NotApplicable, Skipped}, Skipped, NotApplicable},
		{[]Verdict{OK, Informational, NotApplicable}, Informational, OK},
		{[]Verdict{OK, NonStrict, Informational}, NonStrict, NonStrict},
		{[]Verdict{NonStrict, Failed, OK}, Failed, Failed},
		{[]Verdict{Blocked, Error}, Error, Error},
		{[]Verdict{Flaky, Finding, Changed}, Flaky, OK},
		{[]Verdict{Informational}, Informational, OK},
	}
	for _, c := range cases {
		if got := Worst(c.in...); got != c.worst {
			t.Errorf("Worst(%v) = %s, want %s", c.in, got, c.worst)
		}
		if got := Fold(c.in...); got != c.fold {
			t.Errorf("Fold(%v) = %s, want %s", c.in, got, c.fold)
		}
	}
}

func TestLevels(t *testing.T) {
	for letter, want := range map[string]Level{"D": Must, "O": Should, "C": Should, "S": Info, "U": Info, "": Info} {
		if got := FromEvidence(letter); got != want {
			t.Errorf("FromEvidence(%q) = %s, want %s", letter, got, want)
		}
	}
	for l, want := range map[Level]Verdict{Must: Failed, Should: NonStrict, Info: Informational} {
		if got := l.Broken(); got != want {
			t.Errorf("%s.Broken() = %s, want %s", l, got, want)
		}
	}
	if Level("MAY").Valid() {
		t.Error("MAY is no level")
	}
}

func TestFails(t *testing.T) {
	for _, v := range All() {
		want := v == Failed || v == Error || v == Blocked
		if v.Fails(false) != want {
			t.Errorf("%s.Fails(false) = %v", v, !want)
		}
		if v.Fails(true) != (want || v == NonStrict) {
			t.Errorf("%s.Fails(true) = %v", v, !want)
		}
	}
}

func ExampleFold() {
	// A connection whose rules came out like this is NON-STRICT: an
	// INFORMATIONAL finding and an N/A rule are no shortfall.
	fmt.Println(Fold(OK, Informational, NonStrict, NotApplicable))
	fmt.Println(Count(OK, OK, Failed, Informational))
	// Output:
	// NON-STRICT
	// 1 FAILED, 1 INFORMATIONAL, 2 OK
}

func TestConfidences(t *testing.T) {
	for _, c := range []Confidence{Documented, Observed, Inferred} {
		if !c.Valid() {
			t.Errorf("%q is not valid", c)
		}
	}
	if Confidence("certain").Valid() || Confidence("").Valid() {
		t.Error("a word that is no confidence is valid")
	}
}
