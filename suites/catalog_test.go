package suites

import (
	"os"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
	"github.com/scribecheck/scribecheck/internal/verdict"
)

// IDs are a contract: CI filters and bug reports name them. The golden file
// fails the test when an ID is renumbered, reassigned or dropped, or when a
// new spec is not appended to it.
func TestCatalogIsValidAndStable(t *testing.T) {
	cases := Catalog()
	if err := Validate(cases); err != nil {
		t.Fatal(err)
	}
	golden := map[string]string{}
	b, err := os.ReadFile("../testdata/spec-ids.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if id, subject, ok := strings.Cut(line, "\t"); ok && !strings.HasPrefix(line, "#") {
			golden[id] = subject
		}
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.ID] = true
		want, ok := golden[c.ID]
		switch {
		case !ok:
			t.Errorf("%s (%s) is new: append it to testdata/spec-ids.txt", c.ID, c.Subject)
		case want != c.Subject:
			t.Errorf("%s is now %q; it was %q: IDs are never reassigned", c.ID, c.Subject, want)
		}
		for _, l := range append(c.AllLabels(), "target:fake") {
			if _, err := types.ValidateAndCleanupLabel(l, types.CodeLocation{}); err != nil {
				t.Errorf("%s: label %q: %v", c.ID, l, err)
			}
		}
	}
	for id := range golden {
		if !seen[id] {
			t.Errorf("%s disappeared from the catalog", id)
		}
	}
	if len(cases) < 80 {
		t.Errorf("%d specs; the conformance catalog has at least 80", len(cases))
	}
}

func TestValidateRejectsBadCatalogs(t *testing.T) {
	body := Catalog()[0].Body
	ok := Case{ID: "X-1", Area: "x", Level: verdict.Must, Requirement: "r", Body: body}
	dup, badID, noLevel, noReq := ok, ok, ok, ok
	badID.ID = "x1"
	noLevel.ID, noLevel.Level = "X-2", ""
	noReq.ID, noReq.Requirement = "X-3", " "
	for name, cases := range map[string][]Case{
		"duplicate": {ok, dup}, "bad id": {badID}, "no level": {noLevel}, "no requirement": {noReq},
	} {
		if err := Validate(cases); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestLevelsFollowTheEvidence(t *testing.T) {
	for e, want := range map[string]verdict.Level{"D": verdict.Must, "O": verdict.Should, "C": verdict.Should, "U": verdict.Info, "": verdict.Info} {
		if got := verdict.FromEvidence(e); got != want {
			t.Errorf("%q -> %s, want %s", e, got, want)
		}
	}
	if c, _ := Lookup("AUTH-7"); c.Level != verdict.Info || !strings.Contains(c.Requirement, "recorded") {
		t.Errorf("AUTH-7 (wrong-type token, U) is %s: %s", c.Level, c.Requirement)
	}
}
