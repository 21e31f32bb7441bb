package sdks

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/reports"
)

// videosdk-plugins-elevenlabs asks include_timestamps=True (Python's
// urlencode of a bool; videosdk/plugins/elevenlabs/stt.py). In the default
// world the fake reads it and the header opens a session, as recorded; with
// --fake-choice bool-capitals=refused every connect gets invalid_request
// naming include_timestamps and the app opens no session: the matrix shows
// it CHANGED from the record (not failed) and names the choice.
func TestFakeChoiceChangesAnOutcome(t *testing.T) {
	t.Parallel()
	dir, installs := installed(t, "videosdk-plugins-elevenlabs@1.0.30")
	for _, c := range []struct {
		name    string
		choices map[string]string
		want    reports.SDKCell
		world   []string
	}{
		{"default", nil, reports.SDKCell{Outcome: string(Session), Verdict: verdict.OK}, nil},
		{"refused", map[string]string{fakeserver.ChoiceBoolCapitals: fakeserver.PositionRefused},
			reports.SDKCell{Outcome: string(NoSession), Verdict: verdict.Changed}, []string{"bool-capitals=refused"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			red := secrets.New()
			run := RunOne(context.Background(), installs[0], Options{Dir: dir, Out: out, Only: []string{"header"}, Choices: c.choices, Redactor: red})
			if run.Broken != "" || run.Skipped != "" {
				t.Fatalf("%s%s", run.Broken, run.Skipped)
			}
			m := Grade([]Run{run}, time.Now())
			got := m.Rows[0].Cells[0]
			if m.Rows[0].Scenario != "header" || got.Outcome != c.want.Outcome || got.Verdict != c.want.Verdict {
				t.Errorf("header: %s %s (%s), want %s %s", got.Outcome, got.Verdict, got.Evidence, c.want.Outcome, c.want.Verdict)
			}
			if c.world != nil && m.Failed() { // the scenarios left out are "not run", and not failed either
				t.Error("a run in another world failed the matrix")
			}
			if !slices.Equal(m.FakeChoices, c.world) {
				t.Errorf("the matrix names the world %v, want %v", m.FakeChoices, c.world)
			}
			refusals := 0
			logs, _, err := wirelog.ReadDir(run.WireDir)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range logs {
				for _, f := range l.Frames {
					if f.Dir == wirelog.FromServer && strings.Contains(f.Data, "invalid_request") && strings.Contains(f.Data, "include_timestamps") {
						refusals++
					}
				}
			}
			if (refusals > 0) != (c.world != nil) {
				t.Errorf("%d invalid_request naming include_timestamps on the wire", refusals)
			}
			if _, err := reports.WriteSDKMatrix(out, m, red); err != nil {
				t.Fatal(err)
			}
			md, err := os.ReadFile(filepath.Join(out, reports.SDKMatrixMD))
			if err != nil {
				t.Fatal(err)
			}
			if named := strings.Contains(string(md), "The fake ran in another world: bool-capitals=refused"); named != (c.world != nil) {
				t.Errorf("sdk-matrix.md names the other world: %v, want %v:\n%s", named, c.world != nil, md)
			}
		})
	}
}

// livekit-plugins-elevenlabs keeps a session alive across a silence with an
// empty chunk every 10 s (keepalive_task in livekit/plugins/elevenlabs/stt.py),
// which restarts the fake's idle timer in its default world. With
// --fake-choice empty-chunk-keepalive=ignored only audio restarts it: the
// server closes the session ~15.5 s after the last audio, the plugin
// reconnects, and the audio after the silence is transcribed on the new
// connection: the idle outcome changes from kept alive to reconnected.
func TestEmptyChunkKeepaliveChoiceChangesTheIdleOutcome(t *testing.T) {
	t.Parallel()
	dir, installs := installed(t, "livekit-plugins-elevenlabs@1.8.9")
	// idle runs the idle scenario in a world and checks its cell, and that
	// the plugin sent its empty chunks on that many connections.
	idle := func(t *testing.T, choices map[string]string, outcome Outcome, v verdict.Verdict, conns int) {
		t.Parallel()
		run := RunOne(context.Background(), installs[0], Options{Dir: dir, Out: t.TempDir(), Only: []string{"idle-silence"}, Choices: choices})
		if run.Broken != "" || run.Skipped != "" {
			t.Fatalf("%s%s", run.Broken, run.Skipped)
		}
		m := Grade([]Run{run}, time.Now())
		got := m.Rows[len(m.Rows)-1].Cells[0]
		if m.Rows[len(m.Rows)-1].Scenario != "idle-silence" || got.Outcome != string(outcome) || got.Verdict != v {
			t.Errorf("idle-silence: %s %s (%s), want %s %s", got.Outcome, got.Verdict, got.Evidence, outcome, v)
		}
		logs, _, err := wirelog.ReadDir(run.WireDir)
		if err != nil {
			t.Fatal(err)
		}
		empties := 0
		for _, l := range logs {
			for _, f := range l.Frames {
				var chunk struct {
					Audio  *string `json:"audio_base_64"`
					Commit bool    `json:"commit"`
				}
				if f.Dir == wirelog.FromClient && json.Unmarshal([]byte(f.Data), &chunk) == nil && chunk.Audio != nil && *chunk.Audio == "" && !chunk.Commit {
					empties++
				}
			}
		}
		if len(logs) != conns || empties == 0 {
			t.Errorf("%d connections, %d empty chunks on the wire; want %d connections and an empty chunk", len(logs), empties, conns)
		}
	}
	t.Run("default", func(t *testing.T) { idle(t, nil, KeptAlive, verdict.OK, 1) })
	t.Run("ignored", func(t *testing.T) {
		idle(t, map[string]string{fakeserver.ChoiceEmptyChunkKeepalive: fakeserver.PositionIgnored}, Reconnected, verdict.Changed, 2)
	})
}
