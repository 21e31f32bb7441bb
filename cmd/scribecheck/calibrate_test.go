package main

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/calibrate"
	"github.com/scribecheck/scribecheck/internal/clitest"
	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

// otherServer is a hand-written results.json of a server whose every
// unconfirmed behaviour differs from the fake's choice: HTTP refusals, a
// session where the fake refuses, in-band frames with other texts and close
// codes, no answer where the fake answers.
var otherServer = filepath.Join("testdata", "calibration", "other-server.json")

// sessionID masks what differs from run to run in an observation.
var sessionID = regexp.MustCompile(`[0-9a-f]{32}`)

// The loop the calibration closes: a run against a server whose unconfirmed
// behaviours differ from the fake's choices (a fake calibrated from
// other-server.json stands in for it), then a run against the in-process
// fake calibrated from that run, gives the same INFO observations; an
// uncalibrated fake gives other ones.
func TestCalibratedFakeReproducesTheRunItWasCalibratedFrom(t *testing.T) {
	t.Parallel()
	want, err := reports.LoadResults(otherServer)
	if err != nil {
		t.Fatal(err)
	}
	base, key := startFake(t, "--calibrate", otherServer)
	a := clitest.Run(t, plainBinary, []string{"ELEVENLABS_API_KEY=" + key}, "run", "--target", base, "--label-filter", "level:info")
	if a.Code != 0 {
		t.Fatalf("run against the other server: exit %d\n%s\n%s", a.Code, a.Stdout, a.Stderr)
	}
	resA := a.Results(t)

	// The run recorded what the other server does, as the file says it does.
	got := reactionsOf(resA)
	for _, r := range want {
		if r.Reaction == nil {
			continue
		}
		if g, ok := got[r.ID]; !ok || !reflect.DeepEqual(g, *r.Reaction) {
			t.Errorf("%s recorded %s, want what the other server does: %s", r.ID, reactionJSON(g), reactionJSON(*r.Reaction))
		}
	}
	stimuli := map[string]bool{}
	for _, re := range got {
		stimuli[re.Stimulus] = true
	}
	for _, st := range protocol.Stimuli {
		if !stimuli[st.Name] {
			t.Errorf("no INFO spec recorded a reaction to %s", st.Name)
		}
	}

	b := clitest.Run(t, plainBinary, nil, "run", "--target", "fake", "--calibrate", filepath.Join(a.Out, "results.json"), "--label-filter", "level:info")
	if b.Code != 0 {
		t.Fatalf("run against the calibrated fake: exit %d\n%s\n%s", b.Code, b.Stdout, b.Stderr)
	}
	for _, st := range protocol.Stimuli {
		if !strings.Contains(b.Stdout, "calibrated "+st.Name+" (choice "+st.Choice+"): was ") {
			t.Errorf("run --calibrate does not say it calibrated %s:\n%s", st.Name, b.Stdout)
		}
	}
	if !strings.Contains(b.Stdout, "left at the fake's choice (not calibrated): none") {
		t.Errorf("run --calibrate does not list the stimuli left as they were:\n%s", b.Stdout)
	}
	resB := byID(b.Results(t))
	compared := 0
	for _, ra := range resA {
		if ra.Level != "INFO" || ra.Verdict == reports.Skipped {
			continue // needs:fake specs skip on a URL target
		}
		rb, ok := resB[ra.ID]
		switch {
		case !ok:
			t.Errorf("%s: not in the calibrated run", ra.ID)
		case rb.Verdict != ra.Verdict || masked(rb.Message) != masked(ra.Message):
			t.Errorf("%s: calibrated fake observed\n  %s %s\nthe other server\n  %s %s", ra.ID, rb.Verdict, rb.Message, ra.Verdict, ra.Message)
		case !reflect.DeepEqual(rb.Reaction, ra.Reaction):
			t.Errorf("%s: calibrated fake's reaction %s, the other server's %s", ra.ID, reactionPtrJSON(rb.Reaction), reactionPtrJSON(ra.Reaction))
		}
		compared++
	}
	if compared < len(want) {
		t.Errorf("only %d INFO specs compared", compared)
	}

	// The comparison can fail: the fake's own choices observe otherwise.
	u := clitest.Run(t, plainBinary, nil, "run", "--target", "fake", "--label-filter", "level:info")
	if u.Code != 0 {
		t.Fatalf("run against the plain fake: exit %d\n%s\n%s", u.Code, u.Stdout, u.Stderr)
	}
	if strings.Contains(u.Stdout, "calibrated ") {
		t.Errorf("a plain run prints calibration notes:\n%s", u.Stdout)
	}
	resU := byID(u.Results(t))
	for _, ra := range resA {
		if ra.Reaction == nil {
			continue
		}
		ru := resU[ra.ID]
		if masked(ru.Message) == masked(ra.Message) || reflect.DeepEqual(ru.Reaction, ra.Reaction) {
			t.Errorf("%s (%s): the plain fake observes what the other server does: %s", ra.ID, ra.Reaction.Stimulus, ru.Message)
		}
	}
}

// fake --calibrate prints what it changed (internal/calibrate's notes,
// tested there) before it serves.
func TestFakeCalibratePrintsWhatItChanged(t *testing.T) {
	t.Parallel()
	out := fakeOutput(t, "--calibrate", otherServer)
	for _, want := range []string{
		`calibrated binary-frame (choice binary-frame): was a binary frame gets input_error and the session stays open; now no frame, then close 1003 "binary frames are not supported"` + "\n",
		"left at the fake's choice (not calibrated): none\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("fake --calibrate does not print %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "calibrated ") > strings.Index(out, "listening on ") {
		t.Errorf("the notes come after the fake started serving:\n%s", out)
	}
}

// What --calibrate cannot use is a usage error of fake and run alike (the
// files internal/calibrate refuses are tested there).
func TestCalibrateRefusesWhatItCannotUse(t *testing.T) {
	t.Parallel()
	// A run that selected no INFO spec recorded no reaction.
	noReactions := scribecheck(t, nil, "run", "--focus", "AUTH-1 ")
	if noReactions.Code != 0 {
		t.Fatalf("run --focus AUTH-1: exit %d\n%s", noReactions.Code, noReactions.Stderr)
	}
	checkRefusals(t, []refusal{
		{"fake, no reactions", nil, []string{"fake", "--calibrate", noReactions.Out}, 2, calibrate.NoReactions},
		{"run, no reactions", nil, []string{"run", "--calibrate", filepath.Join(noReactions.Out, reports.ResultsJSONFile)}, 2, calibrate.NoReactions},
		{"folder without results", nil, []string{"fake", "--calibrate", t.TempDir()}, 2, "results.json"},
		{"not the fake", []string{"ELEVENLABS_API_KEY=sk_x_0123456789"}, []string{"run", "--target", "http://127.0.0.1:9", "--calibrate", otherServer}, 2, "--calibrate only applies to --target fake"},
	})
}

func byID(results []reports.SpecResult) map[string]reports.SpecResult {
	out := map[string]reports.SpecResult{}
	for _, r := range results {
		out[r.ID] = r
	}
	return out
}

func reactionsOf(results []reports.SpecResult) map[string]protocol.Reaction {
	out := map[string]protocol.Reaction{}
	for _, r := range results {
		if r.Reaction != nil {
			out[r.ID] = *r.Reaction
		}
	}
	return out
}

func masked(s string) string { return sessionID.ReplaceAllString(s, "<session id>") }

func reactionJSON(re protocol.Reaction) string {
	b, _ := json.Marshal(re)
	return string(b)
}

func reactionPtrJSON(re *protocol.Reaction) string {
	if re == nil {
		return "none"
	}
	return reactionJSON(*re)
}
