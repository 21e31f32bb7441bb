package suites_test

import (
	"fmt"
	"time"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/reports"
	"github.com/scribecheck/scribecheck/suites"
)

// failRecorder is the GinkgoTestingT of a run outside `go test`'s own T (a
// *testing.T works as well).
type failRecorder struct{ failed bool }

func (f *failRecorder) Fail() { f.failed = true }

// Run runs every spec in this process against a target: here a faithful fake
// on a manual clock, so the specs of timers jump its clock instead of
// waiting. Against the faithful fake no spec may fail: every MUST and SHOULD
// spec is OK, every INFO spec INFORMATIONAL, and the specs ran in catalog
// order (SCHEMA-1 and the MULTI rules, which judge every frame of the run,
// last). Ginkgo allows one run per process, so this is the only place in the
// package's tests that calls Run; the binary's meta-tests run it once per
// deviation of the fake.
func ExampleRun() {
	srv, err := fakeserver.NewServer(fakeserver.Options{Clock: fakeserver.NewManualClock(time.Now())})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	out, err := suites.Run(&failRecorder{}, suites.ForFake(srv), suites.RunOptions{NoColor: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	run := reports.RunReport{Target: "fake", Results: out.Results, TimedOut: out.TimedOut}
	fmt.Println("failed:", run.Failed())
	fmt.Println("every spec ran:", len(out.Results) == len(suites.Catalog()))
	asLevelSays, inOrder := true, true
	for i, r := range out.Results {
		want := verdict.OK
		if r.Level == verdict.Info {
			want = verdict.Informational
		}
		if r.Verdict != want {
			asLevelSays = false
			fmt.Printf("%s: %s, want %s: %s\n", r.Name, r.Verdict, want, r.Message)
		}
		if i > 0 && r.Started.Before(out.Results[i-1].Started) {
			inOrder = false
		}
	}
	fmt.Println("every verdict as its level says:", asLevelSays)
	fmt.Println("in catalog order:", inOrder)
	for _, r := range out.Results {
		if r.ID == "AUTH-1" || r.ID == "AUTH-4" {
			fmt.Printf("%s %s: %s\n", r.ID, r.AuthPath, r.Verdict)
		}
	}
	// Output:
	// failed: false
	// every spec ran: true
	// every verdict as its level says: true
	// in catalog order: true
	// AUTH-1 header: OK
	// AUTH-4 token-query: OK
}
