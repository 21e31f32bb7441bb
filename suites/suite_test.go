package suites_test

import (
	"testing"

	"github.com/scribecheck/scribecheck/internal/targets"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/reports"
	"github.com/scribecheck/scribecheck/suites"
)

// TestSuitesAgainstFake runs every spec against the faithful in-process fake:
// none may fail. Ginkgo allows one run per process, so this is the only test
// here that calls Run; the meta-tests run the binary instead.
func TestSuitesAgainstFake(t *testing.T) {
	tgt, err := targets.Start(targets.Spec{Name: "fake"})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Stop()
	sum, err := suites.Run(t, &suites.Env{Running: *tgt}, suites.RunOptions{NoColor: true})
	if err != nil {
		t.Fatal(err)
	}
	if rr := (reports.RunReport{Results: sum.Results, TimedOut: sum.TimedOut}); rr.Failed() {
		t.Errorf("the run against the faithful fake failed: %s", reports.Headline(rr))
	}
	counts := reports.Count(sum.Results)
	if len(sum.Results) != len(suites.Catalog()) {
		t.Errorf("%d results for %d specs", len(sum.Results), len(suites.Catalog()))
	}
	for _, r := range sum.Results {
		want := reports.OK
		if r.Level == verdict.Info {
			want = reports.Informational
		}
		if r.Verdict != want {
			t.Errorf("%s: verdict %s, want %s: %s", r.Name, r.Verdict, want, r.Message)
		}
	}
	// They ran in catalog order: SCHEMA-1 and the MULTI rules, which judge
	// every frame and socket of the run, came after every other spec.
	for i := 1; i < len(sum.Results); i++ {
		prev, cur := sum.Results[i-1], sum.Results[i]
		if cur.Started.Before(prev.Started) {
			t.Errorf("%s started before %s, which comes earlier in the catalog", cur.ID, prev.ID)
		}
	}
	t.Logf("verdicts: %s", counts)
}
