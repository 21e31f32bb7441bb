package replay_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/internal/replay"
	"github.com/scribecheck/scribecheck/internal/wirelog"
)

// A recording that does not say how the socket ended (a HAR) or whose
// client vanished leaves the end to the client: a faithful client reads
// the last frame and closes normally, with no divergence.
func TestUnrecordedEndIsTheClients(t *testing.T) {
	for _, end := range []wirelog.Record{
		{Kind: wirelog.KindClose, T: 1.5, By: wirelog.ByCut, Error: wirelog.CloseNotRecorded},
		{Kind: wirelog.KindClose, T: 1.5, By: wirelog.ByCut, CutBy: wirelog.FromClient, Error: "EOF"},
	} {
		ss := replayOne(t, append(basicConn(1)[:7], end), replay.Options{}, query)
		ss.play(nil)
		if err := ss.c.Close(websocket.StatusNormalClosure, ""); err != nil {
			t.Fatalf("%s: the client could not close normally: %v", end.Error, err)
		}
		if r := ss.report(); r.Diverged() {
			t.Fatalf("%s: %s", end.Error, dump(r.Divergences()))
		}
	}
}

// A credential the client sends inside a frame never reaches a report.
func TestCredentialInAFrameIsRedacted(t *testing.T) {
	ss := replayOne(t, basicConn(1), replay.Options{}, query)
	ss.play(instead(2, `{"message_type":"input_audio_chunk","xi_api_key":"`+liveKey+`","audio_base_64":"","commit":false}`))
	r := ss.end(websocket.StatusNormalClosure, "User ended session")
	js, _ := r.JSON()
	var text strings.Builder
	_ = r.WriteText(&text)
	if !r.Diverged() || strings.Contains(string(js), liveKey) || strings.Contains(text.String(), liveKey) {
		t.Fatalf("diverged %v; the key in the JSON %v, in the text %v", r.Diverged(), strings.Contains(string(js), liveKey), strings.Contains(text.String(), liveKey))
	}
}

// The replay learns a frame's credentials by the recorder's rule: a value
// under a field named like a credential goes, but not token_type's (the old
// rule took any name holding "token" and redacted realtime_scribe out of
// the report).
func TestFrameCredentialsByTheRecordersRule(t *testing.T) {
	const opaque = "opaque-frame-credential-0123"
	ss := replayOne(t, basicConn(1), replay.Options{}, query)
	ss.play(instead(2, `{"message_type":"input_audio_chunk","token_type":"realtime_scribe","accessToken":"`+opaque+`","audio_base_64":"","commit":false}`))
	r := ss.end(websocket.StatusNormalClosure, "User ended session")
	js, _ := r.JSON()
	if !r.Diverged() || strings.Contains(string(js), opaque) || !strings.Contains(string(js), `realtime_scribe`) {
		t.Fatalf("diverged %v; the report:\n%s", r.Diverged(), js)
	}
}

// A long recorded silence is capped at MaxGap, and a record out of time
// order (a HAR's skewed clock) adds no wait.
func TestGapsAreCappedAndNeverGoBack(t *testing.T) {
	recs := opened(0,
		srv(0, sessionMsg),
		srv(600, partialMsg),   // ten minutes of silence
		srv(-5000, partialMsg), // out of order
		srv(601, commitMsg),
		closed(601.5, wirelog.FromServer, 1000, ""),
	)
	var fs fakeSleep
	ss := replayOne(t, recs, replay.Options{Speed: 1, Sleep: fs.sleep, MaxGap: 2 * time.Second}, openedQuery)
	ss.play(nil)
	_, _, _ = ss.read()
	ss.report()
	if got, want := fs.got(), []time.Duration{2 * time.Second, time.Second, 500 * time.Millisecond}; !slices.Equal(got, want) {
		t.Fatalf("waits %v, want %v", got, want)
	}
}

// A damaged recording is refused when it is loaded, not blamed on the
// client halfway through.
func TestDamagedBinaryFrameIsRefusedAtLoad(t *testing.T) {
	recs := basicConn(1)
	recs[2] = wirelog.Record{Kind: wirelog.KindFrame, T: 0.2, Dir: wirelog.FromServer, Binary: true, Data: "%%%not base64", Len: 9}
	_, err := replay.Load(writeRecording(t, [][]wirelog.Record{recs}))
	if err == nil || !strings.Contains(err.Error(), "not base64") || !strings.Contains(err.Error(), "frame 1:") {
		t.Fatalf("err %v", err)
	}
	// A client frame too: it is compared, and could not be.
	recs = basicConn(1)
	recs[3] = wirelog.Record{Kind: wirelog.KindFrame, T: 0.5, Dir: wirelog.FromClient, Binary: true, Data: "%%%not base64", Len: 9}
	_, err = replay.Load(writeRecording(t, [][]wirelog.Record{recs}))
	if err == nil || !strings.Contains(err.Error(), "not base64") || !strings.Contains(err.Error(), "frame 2:") {
		t.Fatalf("a damaged client frame: err %v", err)
	}
}

// A HAR whose token came from the app's own backend replays: the backend,
// pointed at the replay, mints in its place and gets a fresh token.
func TestHARBackendTokenReplays(t *testing.T) {
	b, err := os.ReadFile("../wirelog/testdata/har/scribe-token-refused.har")
	if err != nil {
		t.Fatal(err)
	}
	var har map[string]any
	_ = json.Unmarshal(b, &har)
	for _, e := range har["log"].(map[string]any)["entries"].([]any) {
		req := e.(map[string]any)["request"].(map[string]any)
		if strings.Contains(req["url"].(string), "/single-use-token/") {
			req["url"], req["method"] = "http://localhost:5173/api/scribe-token", "GET"
		}
	}
	b, _ = json.Marshal(har)
	path := t.TempDir() + "/backend.har"
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	rec, err := replay.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	s, base := start(t, rec, replay.Options{})
	resp, err := httpPost(base + "/v1/single-use-token/realtime_scribe")
	if err != nil || resp.status != 200 || !strings.Contains(resp.body, "sutkn_replay_") {
		t.Fatalf("the backend's mint: %+v %v", resp, err)
	}
	if r := s.Report(); len(r.Mints) != 0 {
		t.Fatalf("a backend's mint diverged: %s", dump(r.Mints))
	}
}

type posted struct {
	status int
	body   string
}

func httpPost(url string) (posted, error) {
	resp, err := http.Post(url, "application/json", nil)
	if err != nil {
		return posted{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return posted{resp.StatusCode, string(b)}, err
}
