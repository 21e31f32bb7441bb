package suites

import (
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

// IDs are a contract: CI filters and bug reports name them. This golden list
// fails when an ID is renumbered or reassigned; new specs are appended.
var stableIDs = map[string]string{
	"AUTH-1": "header", "AUTH-2": "header-invalid", "AUTH-3": "none", "AUTH-4": "token-query",
	"AUTH-5": "token-reused", "AUTH-6": "token-expired", "AUTH-7": "token-wrong-type",
	"AUTH-8": "token-and-header", "AUTH-9": "bad-token-good-header", "AUTH-10": "api-key-as-token",
	"AUTH-11": "token-param-single_use_token", "AUTH-12": "token-undefined", "AUTH-13": "token-object",
	"AUTH-14": "restricted-key",
}

func TestCatalogIsValidAndStable(t *testing.T) {
	cases := Catalog()
	if err := Validate(cases); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if want, ok := stableIDs[c.ID]; ok && c.Subject != want {
			t.Errorf("%s is now %q; it was %q: IDs are never reassigned", c.ID, c.Subject, want)
		}
		seen[c.ID] = true
		for _, l := range append(c.AllLabels(), "target:fake") {
			if _, err := types.ValidateAndCleanupLabel(l, types.CodeLocation{}); err != nil {
				t.Errorf("%s: label %q: %v", c.ID, l, err)
			}
		}
	}
	for id := range stableIDs {
		if !seen[id] {
			t.Errorf("%s disappeared from the catalog", id)
		}
	}
}

func TestValidateRejectsBadCatalogs(t *testing.T) {
	body := Catalog()[0].Body
	ok := Case{ID: "X-1", Area: "x", Level: Must, Requirement: "r", Body: body}
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
	for e, want := range map[string]Level{"D": Must, "O": Should, "U": Info, "": Info} {
		if got := levelFromEvidence(e); got != want {
			t.Errorf("%q -> %s, want %s", e, got, want)
		}
	}
	if c, _ := Lookup("AUTH-7"); c.Level != Info || !strings.Contains(c.Requirement, "recorded") {
		t.Errorf("AUTH-7 (wrong-type token, U) is %s: %s", c.Level, c.Requirement)
	}
}
