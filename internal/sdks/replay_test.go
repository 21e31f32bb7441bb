package sdks

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/replay"
)

// viaReplay points the driver at a replay of a recording instead of the
// fake; report is filled when the driver has ended.
func viaReplay(t *testing.T, dir string, report *replay.Report) func(string) (string, func(), error) {
	return func(string) (string, func(), error) {
		rec, err := replay.Load(dir)
		if err != nil {
			return "", nil, err
		}
		srv := replay.New(rec, replay.Options{Speed: 0, WaitClient: 5 * time.Second})
		base, err := srv.Start("127.0.0.1:0")
		return base, func() {
			_ = srv.Close()
			*report = srv.Report()
		}, err
	}
}

// events is what the app saw in a scenario, one line per event.
func events(run Run, scenario string) []string {
	var out []string
	for _, ev := range run.Events[scenario] {
		out = append(out, fmt.Sprintf("%s %s", ev.Event, compactJSON(ev.Data)))
	}
	return out
}

func compactJSON(b json.RawMessage) string {
	if len(b) == 0 {
		return ""
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return string(b)
	}
	c, _ := json.Marshal(v)
	return string(c)
}

// A session recorded through the proxy, replayed to the same SDK, drives it
// to the same events with no divergence; the SDK on another auth path
// (minting a token the recording never asked for) is reported as diverging.
func TestReplayDrivesTheSDKToTheSameEvents(t *testing.T) {
	t.Parallel() // each starts its own fakes and processes
	eachSDK(t, func(t *testing.T, in Install, dir, out string) {
		recDir := filepath.Join(out, "recorded")
		via := viaProxy(t, recDir)
		ctx := context.Background()
		recorded := RunOne(ctx, in, Options{Dir: dir, Out: filepath.Join(out, "1"), Only: []string{"header"}, Via: via})
		if o, why := Classify(recorded, Scenarios()[0]); o != Session {
			t.Fatalf("recording run: %s (%s)", o, why)
		}

		var rep replay.Report
		replayed := RunOne(ctx, in, Options{Dir: dir, Out: filepath.Join(out, "2"), Only: []string{"header"}, Via: viaReplay(t, recDir, &rep)})
		want, got := events(recorded, "header"), events(replayed, "header")
		if strings.Join(want, "\n") != strings.Join(got, "\n") {
			t.Errorf("the replay drove the SDK to other events:\nrecorded: %q\nreplayed: %q", want, got)
		}
		if rep.Diverged() {
			t.Errorf("a faithful replay diverged: %s", rep.Summary)
		}

		var other replay.Report
		_ = RunOne(ctx, in, Options{Dir: dir, Out: filepath.Join(out, "3"), Only: []string{"token"}, Via: viaReplay(t, recDir, &other)})
		if !other.Diverged() {
			t.Fatalf("the SDK minted a token and connected with it, and the replay of a header session saw no divergence: %s", other.Summary)
		}
		kinds := map[string]bool{}
		for _, d := range other.Divergences() {
			kinds[d.Kind] = true
		}
		// The recording has no token request: the replay answers it 503,
		// so the SDK never opens the recorded socket either.
		if !kinds["mint"] || !kinds["connection"] || !strings.Contains(other.Summary, "a token request the recording does not have") {
			t.Errorf("divergences %v, want the token request and the socket never opened: %s", kinds, other.Summary)
		}
	})
}
