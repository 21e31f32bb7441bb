package reports

import (
	"os"
	"path/filepath"
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

func TestLoadKnownFailingChecksEveryID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "known.txt")
	_ = os.WriteFile(path, []byte("AUTH-4 # why\nAUTH-99\n"), 0o644)
	isSpec := func(id string) bool { return id == "AUTH-4" }
	if _, err := LoadKnownFailing(path, isSpec); err == nil || err.Error() != path+": AUTH-99 is no spec (scribecheck list shows them)" {
		t.Errorf("an ID that is no spec: %v", err)
	}
	_ = os.WriteFile(path, []byte("AUTH-4 # why\n"), 0o644)
	if k, err := LoadKnownFailing(path, isSpec); err != nil || k["AUTH-4"] != "why" {
		t.Errorf("%v, %v", k, err)
	}
	if _, err := LoadKnownFailing(path+".none", isSpec); err == nil || err.Error() != path+".none: no such file or directory" {
		t.Errorf("no file: %v", err)
	}
}

// A run whose only failures are listed no longer fails; a failure off the
// list still does; a listed spec that passes is named, so the list shrinks.
func TestKnownFailingReport(t *testing.T) {
	k := KnownFailing{"AUTH-4": "the sutkn bug", "COMMIT-12": ""}
	var b strings.Builder
	if k.Report(&b, "k.txt", []SpecResult{{ID: "AUTH-4", Verdict: Failed}, {ID: "COMMIT-12", Verdict: OK}}, false, true) {
		t.Errorf("only known failures, still failing:\n%s", b.String())
	}
	for _, want := range []string{"1 failed as known, 0 failed and are not on the list", "known:   AUTH-4  # the sutkn bug",
		"fixed:   COMMIT-12 passes now: remove it from k.txt", "every failure is a known one: exit 0"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if !k.Report(&b, "k.txt", []SpecResult{{ID: "AUTH-4", Verdict: Failed}, {ID: "AUTH-2", Verdict: Failed}}, false, true) ||
		!strings.Contains(b.String(), "NEW:     AUTH-2 fails and is not on the list") || strings.Contains(b.String(), "exit 0") {
		t.Errorf("a new failure:\n%s", b.String())
	}
}
