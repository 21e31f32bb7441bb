package replay_test

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/replay"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/testfake"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// A refusal at the upgrade, as the fake's recorder wrote it, is replayed
// with what the server said: its status and its body.
func TestReplaysARecordedRefusalWithItsBody(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	set, err := wirelog.NewSet(dir, secrets.New())
	if err != nil {
		t.Fatal(err)
	}
	fake, _ := testfake.Start(t, fakeserver.Options{Faults: []string{fakeserver.FaultAuthAtUpgrade},
		Record: fakeserver.Recording{Socket: func(r *http.Request) fakeserver.Recorder { return set.Open(r) }}})
	query := "model_id=" + protocol.DefaultModel
	if _, resp, err := websocket.Dial(ctx, wsURL(fake.URL(), query), nil); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("the fake without a credential: %v %v, want HTTP 401", resp, err)
	}
	if err := fake.Close(); err != nil { // waits for the handler, which records the refusal
		t.Fatal(err)
	}
	if err := set.Close(); err != nil {
		t.Fatal(err)
	}
	writeLines(t, filepath.Join(dir, "conn-0002.jsonl"), basicConn(2)) // a replay needs a socket that upgraded

	rec, err := replay.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, base := start(t, rec, replay.Options{})
	defer s.Close()
	_, resp, err := websocket.Dial(ctx, wsURL(base, query), nil)
	if err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("the replay: %v %v, want the recorded 401", resp, err)
	}
	body, _ := io.ReadAll(resp.Body)
	if protocol.ErrorStatus(string(body)) != protocol.StatusInvalidAPIKey || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("the replay answered %q (%s), want the fake's %s detail as JSON", body, resp.Header.Get("Content-Type"), protocol.StatusInvalidAPIKey)
	}
}

// A refusal whose body the recording clipped is replayed as kept, with a
// note saying so.
func TestClippedRefusalBodyIsNoted(t *testing.T) {
	refused := []wirelog.Record{
		request(1, q("model_id", "scribe_v2_realtime")),
		{Kind: wirelog.KindResponse, T: 0.01, Status: 502, Body: "<html>" + strings.Repeat("x", 100), Clipped: true},
	}
	rec := load(t, [][]wirelog.Record{refused, basicConn(2)})
	if len(rec.Notes) != 1 || !strings.Contains(rec.Notes[0], "conn-0001: the recording kept only the first 106 bytes of the body of its HTTP 502") {
		t.Errorf("notes: %q", rec.Notes)
	}
}
