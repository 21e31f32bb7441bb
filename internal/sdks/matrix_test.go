package sdks

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

// The injected frames must be ones a real server could send: schema-valid.
func TestInjectedFramesAreSchemaValid(t *testing.T) {
	schemas := protocol.MustLoadSchemas()
	for _, sc := range Scenarios() {
		if sc.Script == nil || sc.Inject == InjectUnknown || sc.Inject == InjectNotJSON {
			continue
		}
		for _, f := range sc.Script.Frames {
			if res := schemas.ValidateFrame([]byte(f)); res.Fit != protocol.SchemaValid {
				t.Errorf("%s: %s", sc.Name, res)
			}
		}
	}
}

// IDs are a contract, never renumbered: the first 29 scenarios are SDK-1 …
// SDK-29 (the last of them close-1013), SDK-30 is ClientRulesSpec, and a
// scenario appended since takes the next number; a new one is appended to
// appended.
func TestSpecIDsAreStable(t *testing.T) {
	specs := Specs()
	appended := []string{"SDK-31 idle-silence"}
	if len(specs) != len(Scenarios()) || len(specs) != 29+len(appended) || specs[28].ID+" "+specs[28].Scenario != "SDK-29 close-1013" {
		t.Fatalf("SDK specs renumbered: %d specs, the 29th %s", len(specs), specs[min(28, len(specs)-1)].ID)
	}
	for i, s := range specs {
		got, want := s.ID, fmt.Sprintf("SDK-%d", i+1)
		if i >= 29 {
			got, want = s.ID+" "+s.Scenario, appended[i-29]
		}
		if got != want {
			t.Errorf("spec %d is %s %s, want %s", i+1, s.ID, s.Scenario, want)
		}
	}
	listed := Listed()
	for i, s := range listed {
		if s.ID != fmt.Sprintf("SDK-%d", i+1) {
			t.Errorf("list --sdk prints %s in place %d", s.ID, i+1)
		}
	}
	if listed[29].ID != ClientRulesSpec || listed[29].Scenario != "" {
		t.Errorf("list --sdk prints %s %s as the 30th, want %s", listed[29].ID, listed[29].Scenario, ClientRulesSpec)
	}
	for inst, fs := range Findings {
		for sc := range fs {
			if !slices.ContainsFunc(Scenarios(), func(s Scenario) bool { return s.Name == sc }) {
				t.Errorf("%s: a finding for unknown scenario %q", inst, sc)
			}
		}
	}
}

// TestMatrix runs every pinned SDK against the fake: each scenario must end
// as recorded (the ideal, or a recorded finding), and the SDK's normal
// sessions must break no MUST client rule. Without Node.js or Python, or
// before `make sdks` installed them (DefaultDir), an install is skipped and
// says why.
func TestMatrix(t *testing.T) {
	t.Parallel() // each starts its own fakes and processes
	dir, installs := pinned(t)
	started := time.Now()
	runs := RunAll(context.Background(), installs, Options{Dir: dir, Out: t.TempDir(), Progress: func(s string) { t.Log(s) }})
	m := Grade(runs, started)
	ran := 0
	for i, col := range m.Columns {
		switch {
		case strings.HasPrefix(col.Status, "skipped"):
			t.Logf("%s %s", col.Key, col.Status)
			continue
		case col.Status != "ran":
			t.Errorf("%s: %s\nstderr:\n%s", col.Key, col.Status, runs[i].Stderr)
			continue
		}
		ran++
		if !col.Pinned {
			t.Errorf("%s is in matrix.json but has no record in Findings: add it (a candidate belongs in a local matrix, not the pinned one)", col.Key)
		}
		switch f, recorded := ClientFindings[col.Key]; {
		case recorded && col.Client != f.Verdict:
			t.Errorf("%s: its normal sessions were recorded as %s (%s), got %s", col.Key, f.Verdict, f.Why, col.Client)
		case !recorded && strings.HasPrefix(col.Client, string(reports.Failed)):
			t.Errorf("%s: its normal sessions break a MUST client rule: %s", col.Key, col.Client)
		}
		for _, r := range m.Rows {
			if c := r.Cells[i]; c.Verdict == verdict.Failed {
				t.Errorf("%s %s %s: expected %s, got %s (%s)", col.Key, r.ID, r.Scenario, c.Expected, c.Outcome, c.Evidence)
			}
		}
	}
	if ran == 0 {
		why := "no SDK is installed: run `make sdks`"
		if _, err := exec.LookPath("node"); err != nil {
			why = "Node.js is not on PATH; " + why
		}
		t.Skip(why)
	}
	red := secrets.New()
	if _, err := reports.WriteSDKMatrix(t.TempDir(), m, red); err != nil {
		t.Fatal(err)
	}
}

func TestNoneRanWhenNothingIsInstalled(t *testing.T) {
	in := Install{SDK: "elevenlabs-js", Version: "0.0.1"}
	skipped := Grade([]Run{{Install: in, Skipped: "not installed"}}, time.Now())
	broken := Grade([]Run{{Install: in, Skipped: "not installed"}, {Install: in, Broken: "driver crashed"}}, time.Now())
	if !NoneRan(skipped) || !NoneRan(broken) || !NoneRan(reports.SDKMatrix{}) {
		t.Error("nothing ran, yet NoneRan is false")
	}
	if NoneRan(reports.SDKMatrix{Columns: []reports.SDKColumn{{Status: "skipped: x"}, {Status: "ran"}}}) {
		t.Error("an install ran, yet NoneRan is true")
	}
}

// An install's scenarios are dealt over its driver's lanes: each scenario
// once, the idle one alone while there are lanes for the rest, the others in
// turn, each lane's part in scenario order.
func TestDealSpreadsTheScenarios(t *testing.T) {
	all := Scenarios()
	names := func(part []Scenario) []string {
		var out []string
		for _, sc := range part {
			out = append(out, sc.Name)
		}
		return out
	}
	for _, c := range []struct {
		n, scenarios, lanes int
	}{{0, len(all), DefaultLanes}, {1, len(all), 1}, {2, len(all), 2}, {5, len(all), 5}, {5, 1, 1}, {5, 2, 2}, {3, 0, 1}} {
		scs := all[len(all)-c.scenarios:]
		parts := deal(scs, c.n)
		if len(parts) != c.lanes {
			t.Errorf("%d scenarios over %d: %d lanes, want %d", c.scenarios, c.n, len(parts), c.lanes)
			continue
		}
		var got []string
		for _, p := range parts {
			got = append(got, names(p)...)
		}
		slices.Sort(got)
		want := names(scs)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%d scenarios over %d: dealt %v", c.scenarios, c.n, got)
		}
		if c.lanes > 1 && c.scenarios > 0 && !slices.Equal(names(parts[0]), []string{"idle-silence"}) {
			t.Errorf("%d scenarios over %d: the idle one shares its lane: %v", c.scenarios, c.n, names(parts[0]))
		}
	}
	if parts := deal(all, 5); !slices.Equal(names(parts[1])[:3], []string{"header", "error-error", "error-transcriber_error"}) {
		t.Errorf("the scenarios are not dealt in turn over the other four lanes: %v", names(parts[1]))
	}
}
