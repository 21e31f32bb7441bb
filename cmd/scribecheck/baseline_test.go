package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/reports"
)

// A nightly job's loop: a run against a deviating target, compared with a
// faithful run, lists exactly the specs that changed; with those IDs known
// to fail it exits 0; with the deviation gone it names them fixed. Two
// faithful runs differ in nothing (session ids aside).
func TestBaselineAndKnownFailing(t *testing.T) {
	t.Parallel()
	faithful := sharedRun(t, "--target", "fake")
	list := filepath.Join(t.TempDir(), "known-failing.txt")
	_ = os.WriteFile(list, []byte("# the live sutkn bug, reported upstream\nAUTH-4 # a fresh token on ?token= is refused\nAUTH-5\nAUTH-8  # token beside a header\n"), 0o644)
	typo := filepath.Join(t.TempDir(), "typo.txt")
	_ = os.WriteFile(typo, []byte("AUTH-99\n"), 0o644)
	// Each run is a whole catalog's: they run side by side.
	for name, check := range map[string]func(t *testing.T){
		"two faithful runs": func(t *testing.T) {
			again := runBinary(t, plainBinary, nil, "run", "--target", "fake", "--baseline", faithful.out)
			if again.code != 0 || len(changed(t, again.out)) != 0 || !strings.Contains(again.stdout, "no spec changed") {
				t.Fatalf("two faithful runs: exit %d, changes %v\n%s", again.code, changed(t, again.out), again.stdout)
			}
		},
		// AUTH-15's token is refused on its first use too, so it records that instead.
		"the bug against the faithful run": func(t *testing.T) {
			bug := runBinary(t, plainBinary, nil, "run", "--target", "fake", "--fake-bug", "sutkn-query-rejected", "--baseline", filepath.Join(faithful.out, "results.json"))
			got := changed(t, bug.out)
			if bug.code != 1 || strings.Join(got, ",") != "AUTH-4 newly failing,AUTH-5 newly failing,AUTH-8 newly failing,AUTH-15 observation changed" {
				t.Fatalf("exit %d; changes %v\n%s", bug.code, got, bug.stdout)
			}
		},
		"known failures": func(t *testing.T) {
			known := runBinary(t, plainBinary, nil, "run", "--target", "fake", "--fake-bug", "sutkn-query-rejected", "--known-failing", list)
			if known.code != 0 || !strings.Contains(known.stdout, "3 failed as known, 0 failed and are not on the list") {
				t.Fatalf("known failures: exit %d\n%s", known.code, known.stdout)
			}
		},
		"fixed": func(t *testing.T) {
			fixed := runBinary(t, plainBinary, nil, "run", "--target", "fake", "--known-failing", list)
			if fixed.code != 0 || strings.Count(fixed.stdout, "passes now: remove it from") != 3 {
				t.Fatalf("fixed: exit %d\n%s", fixed.code, fixed.stdout)
			}
		},
		"another failure": func(t *testing.T) {
			other := runBinary(t, plainBinary, nil, "run", "--target", "fake", "--fake-bug", "any-key-accepted", "--known-failing", list)
			if other.code != 1 || !strings.Contains(other.stdout, "NEW:     AUTH-2 fails and is not on the list") {
				t.Fatalf("another failure: exit %d\n%s", other.code, other.stdout)
			}
		},
		"a typo in the list": func(t *testing.T) {
			if r := runBinary(t, plainBinary, nil, "run", "--target", "fake", "--known-failing", typo); r.code != 2 || !strings.Contains(r.stderr, "AUTH-99 is no spec") {
				t.Fatalf("a typo in the list: exit %d\n%s", r.code, r.stderr)
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
