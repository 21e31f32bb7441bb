package reports

import (
	"strings"
	"testing"
)

func TestCompareNamesEachKindOfChange(t *testing.T) {
	base := []SpecResult{
		{ID: "AUTH-1", Verdict: OK},
		{ID: "AUTH-4", Verdict: Failed},
		{ID: "AUTH-7", Verdict: Informational, Outcome: "session_started 0123456789abcdef0123456789abcdef"},
		{ID: "AUTH-10", Verdict: OK},
		{ID: "AUTH-12", Verdict: Informational, Outcome: "auth_error, then close 1000"},
		{ID: "GONE-1", Verdict: OK},
	}
	now := []SpecResult{
		{ID: "AUTH-1", Verdict: Failed, Message: "refused"},
		{ID: "AUTH-4", Verdict: OK},
		{ID: "AUTH-7", Verdict: Informational, Outcome: "session_started fedcba9876543210fedcba9876543210"}, // only the id moved
		{ID: "AUTH-10", Verdict: NonStrict},
		{ID: "AUTH-12", Verdict: Informational, Outcome: "auth_error, then close 1008"},
		{ID: "NEW-1", Verdict: OK},
	}
	var got []string
	for _, c := range Compare(base, now, false) {
		got = append(got, c.ID+" "+c.Kind)
	}
	want := "AUTH-1 newly failing,AUTH-4 newly passing,AUTH-10 verdict changed,AUTH-12 observation changed,NEW-1 new spec,GONE-1 not run"
	if strings.Join(got, ",") != want {
		t.Fatalf("got  %s\nwant %s", strings.Join(got, ","), want)
	}
	if c := Compare(base, now, true); c[2].Kind != ChangeNewlyFailing { // NON-STRICT fails under --strict
		t.Fatalf("strict: %+v", c[2])
	}
}

func TestParseKnownFailing(t *testing.T) {
	k, err := ParseKnownFailing(strings.NewReader("# header\n\nAUTH-4 # why\n  COMMIT-12\n"), "k.txt")
	if err != nil || len(k) != 2 || k["AUTH-4"] != "why" || k["COMMIT-12"] != "" {
		t.Fatalf("%v %v", k, err)
	}
	if _, err := ParseKnownFailing(strings.NewReader("AUTH-4\nauth 5\n"), "k.txt"); err == nil || !strings.Contains(err.Error(), "k.txt:2") {
		t.Fatalf("a bad line: %v", err)
	}
	o := k.Apply([]SpecResult{{ID: "AUTH-4", Verdict: Failed}, {ID: "AUTH-2", Verdict: Failed}, {ID: "COMMIT-12", Verdict: OK}}, false)
	if strings.Join(o.Known, ",") != "AUTH-4" || strings.Join(o.Unknown, ",") != "AUTH-2" || strings.Join(o.Fixed, ",") != "COMMIT-12" {
		t.Fatalf("%+v", o)
	}
}
