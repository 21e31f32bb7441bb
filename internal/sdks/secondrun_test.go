package sdks

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

// flakyDriverEnv makes the test binary a driver whose header scenario loses
// its session the first time only (a race it loses once), and whose bad-key
// scenario never hears its refusal; the value is a folder for its state.
const flakyDriverEnv = "SCRIBECHECK_SDKS_FLAKY_DRIVER"

func flakyDriver(dir string) error {
	plan, err := readTestPlan()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	_ = enc.Encode(Event{Event: "_sdk", SDK: "flaky-sdk", Version: "0.0.0", Events: []string{protocol.SessionStarted, protocol.CommittedTranscript}})
	for _, sc := range plan.Scenarios {
		mark := filepath.Join(dir, sc.Name)
		_, err := os.Stat(mark)
		again := err == nil
		if err := os.WriteFile(mark, nil, 0o644); err != nil {
			return err
		}
		if sc.Name == "header" {
			_ = enc.Encode(Event{Scenario: sc.Name, Event: protocol.SessionStarted})
			if again {
				_ = enc.Encode(Event{Scenario: sc.Name, Event: protocol.CommittedTranscript, Data: json.RawMessage(`{"text":"x"}`)})
			}
		}
		_ = enc.Encode(Event{Scenario: sc.Name, Event: "_end"})
	}
	return nil
}

// A recorded install's scenario that is not as recorded runs once more: as
// recorded the second time, its cell is graded on that run and says what the
// first gave, and every report says it ran twice; not as recorded twice, it
// fails as before.
func TestASecondRunIsReportedNotHidden(t *testing.T) {
	flaky := testInstall(t, flakyDriverEnv, t.TempDir(), "flaky-sdk")
	flaky.Lanes = 1
	Findings[flaky.Key()] = map[string]Finding{} // pinned: the ideal is its record
	t.Cleanup(func() { delete(Findings, flaky.Key()) })

	var lines []string
	runs := RunAll(context.Background(), []Install{flaky}, Options{Dir: ".", Out: t.TempDir(), Only: []string{"header", "bad-key"},
		Progress: func(s string) { lines = append(lines, s) }})
	r := runs[0]
	if r.Broken != "" || r.Skipped != "" {
		t.Fatalf("the flaky driver did not run: %s%s\n%s", r.Broken, r.Skipped, r.Stderr)
	}
	_, badKey := r.FirstRun["bad-key"]
	if len(r.FirstRun) != 2 || r.FirstRun["header"] == nil || !badKey {
		t.Fatalf("ran twice: %v, want header and bad-key", r.FirstRun)
	}
	if !strings.Contains(strings.Join(lines, "\n"), "not as recorded, once more: header, bad-key") {
		t.Errorf("the progress does not say what runs again:\n%s", strings.Join(lines, "\n"))
	}
	m := Grade(runs, time.Now())
	cells := map[string]reports.SDKCell{}
	for _, row := range m.Rows {
		cells[row.Scenario] = row.Cells[0]
	}
	if c := cells["header"]; c.Verdict != verdict.OK || !strings.HasPrefix(c.FirstRun, string(NoSession)) {
		t.Errorf("header: %s, first run %q; want OK on the second run, the first's %s kept", c.Verdict, c.FirstRun, NoSession)
	}
	if c := cells["bad-key"]; c.Verdict != verdict.Failed || c.FirstRun == "" {
		t.Errorf("bad-key: %s, first run %q; want FAILED after both runs", c.Verdict, c.FirstRun)
	}
	if !m.Failed() {
		t.Error("a scenario not as recorded twice does not fail the matrix")
	}

	// The header row alone: the matrix passes, and every report says the
	// scenario ran twice.
	var header []reports.SDKRow
	for _, row := range m.Rows {
		if row.Scenario == "header" {
			header = append(header, row)
		}
	}
	m.Rows = header
	if m.Failed() {
		t.Fatal("as recorded on its second run, the header row fails the matrix")
	}
	dir := t.TempDir()
	if _, err := reports.WriteSDKMatrix(dir, m, nil); err != nil {
		t.Fatal(err)
	}
	for name, says := range map[string]string{reports.SDKMatrixMD: "on a second run", reports.SDKMatrixHTML: "on a second run",
		reports.SDKMatrixJUnit: "the second run; the first gave no session", reports.SDKMatrixJSON: `"first_run": "no session`} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), says) {
			t.Errorf("%s does not say the header scenario ran twice (%q)", name, says)
		}
		if name == reports.SDKMatrixMD && (!strings.Contains(string(b), "## Second runs") || !strings.Contains(string(b), "flaky-sdk@0.0.0 SDK-1 header**: no session")) {
			t.Errorf("%s has no Second runs section naming the cell and what its first run gave", name)
		}
	}
}

// reconnectDriverEnv makes the test binary a driver whose app, in the idle
// scenario, is heard again after its silence on a second connection: it
// connects twice with its key, as a client that reconnects on its own.
const reconnectDriverEnv = "SCRIBECHECK_SDKS_RECONNECT_DRIVER"

func reconnectDriver() error {
	plan, err := readTestPlan()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	_ = enc.Encode(Event{Event: "_sdk", SDK: "reconnect-sdk", Version: "0.0.0", Events: []string{protocol.SessionStarted, protocol.CommittedTranscript}})
	for _, sc := range plan.Scenarios {
		_ = enc.Encode(Event{Scenario: sc.Name, Event: "_connect", Auth: "header", Attempt: 1})
		for i := range 2 {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			c, err := plan.dial(ctx, sc.APIKey, nil)
			if err != nil {
				cancel()
				return err
			}
			if _, _, err := c.Read(ctx); err == nil {
				_ = enc.Encode(Event{Scenario: sc.Name, Event: protocol.SessionStarted})
			}
			_ = c.Close(websocket.StatusNormalClosure, "")
			cancel()
			if i == 0 {
				_ = enc.Encode(Event{Scenario: sc.Name, Event: "_paused", MS: int(IdlePause.Milliseconds())})
			}
		}
		_ = enc.Encode(Event{Scenario: sc.Name, Event: protocol.CommittedTranscript, Data: json.RawMessage(`{"text":"x"}`)})
		_ = enc.Encode(Event{Scenario: sc.Name, Event: "_end"})
	}
	return nil
}

// Whether a scenario reconnected is read in the wire logs before it is
// judged for a second run: an install recorded as reconnecting across the
// silence, which does, runs once (it ran every idle scenario twice, when the
// connections were attributed only after the second run; the first run's
// were then counted in the second's).
func TestAReconnectIsSeenBeforeASecondRun(t *testing.T) {
	in := testInstall(t, reconnectDriverEnv, "1", "reconnect-sdk")
	in.Lanes = 1
	Findings[in.Key()] = map[string]Finding{"idle-silence": {Outcome: Reconnected, Why: "it reconnects on its own"}}
	t.Cleanup(func() { delete(Findings, in.Key()) })

	var lines []string
	runs := RunAll(context.Background(), []Install{in}, Options{Dir: ".", Out: t.TempDir(), Only: []string{"idle-silence"},
		Progress: func(s string) { lines = append(lines, s) }})
	r := runs[0]
	if r.Broken != "" || r.Skipped != "" {
		t.Fatalf("the driver did not run: %s%s\n%s", r.Broken, r.Skipped, r.Stderr)
	}
	if r.FirstRun != nil || strings.Contains(strings.Join(lines, "\n"), "once more") {
		t.Errorf("a scenario as recorded ran twice:\n%s", strings.Join(lines, "\n"))
	}
	var c reports.SDKCell
	for _, row := range Grade(runs, time.Now()).Rows {
		if row.Scenario == "idle-silence" {
			c = row.Cells[0]
		}
	}
	if c.Verdict != verdict.Finding || c.Outcome != string(Reconnected) || !strings.Contains(c.Evidence, "(2 in all)") {
		t.Errorf("idle-silence: %s %s (%s); want the finding %s on 2 connections", c.Verdict, c.Outcome, c.Evidence, Reconnected)
	}
}
