package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/clitest"
	"github.com/scribecheck/scribecheck/reports"
)

// A nightly job's loop: a run against a deviating target, compared with a
// faithful run, lists exactly the specs that changed; with those IDs known
// to fail it exits 0; with the deviation gone it names them fixed. Two
// faithful runs differ in nothing (session ids aside).
func TestBaselineAndKnownFailing(t *testing.T) {
	t.Parallel()
	faithful := shared.Run(t, "--target", "fake")
	list := filepath.Join(t.TempDir(), "known-failing.txt")
	_ = os.WriteFile(list, []byte("# the live sutkn bug, reported upstream\nAUTH-4 # a fresh token on ?token= is refused\nAUTH-5\nAUTH-8  # token beside a header\n"), 0o644)
	typo := filepath.Join(t.TempDir(), "typo.txt")
	_ = os.WriteFile(typo, []byte("AUTH-99\n"), 0o644)
	// Each run is a whole catalog's: they run side by side.
	for name, check := range map[string]func(t *testing.T){
		"two faithful runs": func(t *testing.T) {
			again := clitest.Run(t, plainBinary, nil, "run", "--target", "fake", "--baseline", faithful.Out)
			if again.Code != 0 || len(changed(t, again.Out)) != 0 || !strings.Contains(again.Stdout, "no spec changed") {
				t.Fatalf("two faithful runs: exit %d, changes %v\n%s", again.Code, changed(t, again.Out), again.Stdout)
			}
		},
		// AUTH-15's token is refused on its first use too, so it records that instead.
		"the bug against the faithful run": func(t *testing.T) {
			bug := clitest.Run(t, plainBinary, nil, "run", "--target", "fake", "--fake-bug", "sutkn-query-rejected", "--baseline", filepath.Join(faithful.Out, "results.json"))
			got := changed(t, bug.Out)
			if bug.Code != 1 || strings.Join(got, ",") != "AUTH-4 newly failing,AUTH-5 newly failing,AUTH-8 newly failing,AUTH-15 observation changed" {
				t.Fatalf("exit %d; changes %v\n%s", bug.Code, got, bug.Stdout)
			}
		},
		"known failures": func(t *testing.T) {
			known := clitest.Run(t, plainBinary, nil, "run", "--target", "fake", "--fake-bug", "sutkn-query-rejected", "--known-failing", list)
			if known.Code != 0 || !strings.Contains(known.Stdout, "3 failed as known, 0 failed and are not on the list") {
				t.Fatalf("known failures: exit %d\n%s", known.Code, known.Stdout)
			}
		},
		"fixed": func(t *testing.T) {
			fixed := clitest.Run(t, plainBinary, nil, "run", "--target", "fake", "--known-failing", list)
			if fixed.Code != 0 || strings.Count(fixed.Stdout, "passes now: remove it from") != 3 {
				t.Fatalf("fixed: exit %d\n%s", fixed.Code, fixed.Stdout)
			}
		},
		"another failure": func(t *testing.T) {
			other := clitest.Run(t, plainBinary, nil, "run", "--target", "fake", "--fake-bug", "any-key-accepted", "--known-failing", list)
			if other.Code != 1 || !strings.Contains(other.Stdout, "NEW:     AUTH-2 fails and is not on the list") {
				t.Fatalf("another failure: exit %d\n%s", other.Code, other.Stdout)
			}
		},
		"a typo in the list": func(t *testing.T) {
			if r := clitest.Run(t, plainBinary, nil, "run", "--target", "fake", "--known-failing", typo); r.Code != 2 || !strings.Contains(r.Stderr, "AUTH-99 is no spec") {
				t.Fatalf("a typo in the list: exit %d\n%s", r.Code, r.Stderr)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			check(t)
		})
	}
}

// changed reads OUT/changes.json as "ID kind" lines.
func changed(t *testing.T, out string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, "changes.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ Changes []reports.Change }
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var out2 []string
	for _, c := range v.Changes {
		out2 = append(out2, c.ID+" "+c.Kind)
	}
	return out2
}
