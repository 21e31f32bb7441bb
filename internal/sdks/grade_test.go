package sdks

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

// An install whose normal session was refused is not "OK" in the matrix's
// CLIENT rules row, though no rule of what it sent failed: the row shows the
// refusal, as the client report's row does.
func TestClientVerdictShowsARefusedSession(t *testing.T) {
	set, err := wirelog.NewSet(t.TempDir(), secrets.New())
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", protocol.RealtimePath+"?model_id="+protocol.DefaultModel, nil)
	req.Header.Set(protocol.APIKeyHeader, "sk_0123456789abcdef0123456789abcdef")
	c := set.Open(req)
	c.Status(101)
	c.Frame(false, false, []byte(`{"message_type":"auth_error","error":"`+protocol.AuthErrorText+`"}`))
	c.Closed(wirelog.FromServer, 1000, "", "")
	if err := set.Close(); err != nil {
		t.Fatal(err)
	}
	got := clientVerdict(Run{WireDir: set.Dir(), ConnScenario: map[string]string{c.ID(): "header"}})
	if strings.HasPrefix(got, "OK") || !strings.Contains(got, "refused") {
		t.Errorf("CLIENT rules of a refused normal session: %q", got)
	}
}

// A candidate is compared with the newest pinned release of its SDK, not
// with a pinned pre-release (elevenlabs-python 3.0.0a1 beside 2.78.0).
func TestBaseIsTheNewestRelease(t *testing.T) {
	if !Pinned("elevenlabs-python@3.0.0a1") {
		t.Skip("no pinned pre-release to compare")
	}
	if got := Base("elevenlabs-python"); got != "elevenlabs-python@2.78.0" {
		t.Errorf("Base(elevenlabs-python) = %s, want elevenlabs-python@2.78.0", got)
	}
	if !preRelease("3.0.0a1") || !preRelease("2.0.0-beta.1") || preRelease("2.78.0") {
		t.Error("preRelease tells releases from pre-releases wrongly")
	}
}

// Pick takes installs in the order named and refuses a key the matrix lacks,
// naming those it has.
func TestPick(t *testing.T) {
	all := []Install{{SDK: "a", Version: "1"}, {SDK: "a", Version: "2"}, {SDK: "b", Version: "1"}}
	got, err := Pick(all, []string{"a@2", "a@1"})
	if err != nil || len(got) != 2 || got[0].Key() != "a@2" || got[1].Key() != "a@1" {
		t.Errorf("Pick(a@2, a@1) = %v, %v", got, err)
	}
	if _, err := Pick(all, []string{"c@1"}); err == nil || !strings.Contains(err.Error(), "c@1: not a pinned install; there are a@1, a@2, b@1") {
		t.Errorf("Pick(c@1): %v", err)
	}
}

// The records describe the fake's default world: a pinned install run with a
// choice in its other position that differs from its record is CHANGED, not
// failed, and the matrix names the choice; a choice given in its default
// position is the default world.
func TestGradeInAnotherWorld(t *testing.T) {
	run := func(choices map[string]string) Run {
		r := Run{Install: Install{SDK: "elevenlabs-js", Version: "2.73.0"}, Events: map[string][]Event{}, Ended: map[string]bool{}, Choices: choices}
		for _, sc := range Scenarios() {
			r.Ended[sc.Name] = true // no event at all: nothing as recorded
		}
		return r
	}
	verdicts := func(m reports.SDKMatrix) map[verdict.Verdict]int {
		n := map[verdict.Verdict]int{}
		for _, row := range m.Rows {
			n[row.Cells[0].Verdict]++
		}
		return n
	}
	other := Grade([]Run{run(map[string]string{fakeserver.ChoiceBoolCapitals: fakeserver.PositionRefused})}, time.Now())
	if n := verdicts(other); n[verdict.Failed] > 0 || n[verdict.Changed] == 0 || other.Failed() {
		t.Errorf("in another world: %v, want CHANGED and no FAILED", n)
	}
	if !slices.Equal(other.FakeChoices, []string{"bool-capitals=refused"}) {
		t.Errorf("the matrix names %v, want bool-capitals=refused", other.FakeChoices)
	}
	def := Grade([]Run{run(map[string]string{fakeserver.ChoiceBoolCapitals: fakeserver.PositionRead})}, time.Now())
	if n := verdicts(def); n[verdict.Failed] == 0 || n[verdict.Changed] > 0 || def.FakeChoices != nil {
		t.Errorf("in the default world: %v %v, want FAILED", n, def.FakeChoices)
	}
}

// A run asked for some scenarios (sdks --scenario) has rows for those only,
// in spec order; a run of every scenario has every row.
func TestGradeHasARowPerScenarioAskedFor(t *testing.T) {
	run := func(only ...string) Run {
		return Run{Install: Install{SDK: "elevenlabs-js", Version: "2.73.0"}, Only: only, Events: map[string][]Event{}, Ended: map[string]bool{}}
	}
	var got []string
	for _, r := range Grade([]Run{run("token", "header")}, time.Now()).Rows {
		got = append(got, r.Scenario)
	}
	if !slices.Equal(got, []string{"header", "token"}) {
		t.Errorf("rows %v, want header and token", got)
	}
	if all := Grade([]Run{run()}, time.Now()).Rows; len(all) != len(Specs()) {
		t.Errorf("%d rows for a run of every scenario, want %d", len(all), len(Specs()))
	}
	if err := PickScenarios([]string{"token", "tokn"}); err == nil || !strings.Contains(err.Error(), "tokn: no such scenario; there are header, token,") {
		t.Errorf("PickScenarios: %v", err)
	}
}
