package replay_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/internal/replay"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

func TestLoadErrors(t *testing.T) {
	refused := []wirelog.Record{
		request(1, q("token", recToken), tokenCred("t1")),
		{Kind: wirelog.KindResponse, T: 0.01, Status: 401, Body: `{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}`},
	}
	other := basicConn(1)
	other[0].Path = "/v1/text-to-speech/voice/stream-input"
	for _, tc := range []struct {
		name string
		make func(dir string) string
		want []string
	}{
		{"missing", func(dir string) string { return filepath.Join(dir, "nope") }, []string{"no such file or folder"}},
		{"empty folder", func(dir string) string { return dir }, []string{"has no connection logs (conn-*.jsonl)"}},
		{"empty file", func(dir string) string { return file(t, dir, "conn-0001.jsonl", "") }, []string{"conn-0001.jsonl", "empty"}},
		{"torn only", func(dir string) string { return file(t, dir, "conn-0001.jsonl", `{"kind":"requ`) }, []string{"no request record"}},
		{"damaged line", func(dir string) string {
			return file(t, dir, "conn-0001.jsonl", `{"kind":"request","path":"/v1/speech-to-text/realtime"}`+"\nGARBAGE\n"+`{"kind":"response","status":101}`+"\n")
		}, []string{"conn-0001.jsonl:2", "not a wire-log record"}},
		{"not a recording", func(dir string) string { return file(t, dir, "notes.json", `{"hello":"world"}`+"\n") }, []string{"notes.json", "unknown record kind"}},
		{"exchanges only", func(dir string) string {
			return file(t, dir, "exchanges.jsonl", `{"kind":"exchange","path":"/v1/single-use-token/realtime_scribe","status":200}`+"\n")
		}, []string{"only the REST exchanges", "give its folder"}},
		{"damaged folder", func(dir string) string {
			file(t, dir, "conn-0001.jsonl", "GARBAGE\n{}\n")
			return dir
		}, []string{"conn-0001.jsonl:1"}},
		{"nothing upgraded", func(dir string) string {
			return writeRecording(t, [][]wirelog.Record{refused})
		}, []string{"has no connection that upgraded: nothing to replay", "conn-0001 answered 401 invalid_api_key"}},
		{"other path only", func(dir string) string {
			return writeRecording(t, [][]wirelog.Record{other})
		}, []string{"no connection on the realtime path"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.make(t.TempDir())
			rec, err := replay.Load(path)
			if err == nil {
				t.Fatalf("Load(%s) = %+v, want an error", path, rec)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func file(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadFolderKeepsOrderAndSkipsOtherPaths(t *testing.T) {
	tts := basicConn(2)
	tts[0].Path = "/v1/text-to-speech/voice/stream-input"
	refused := []wirelog.Record{request(3, q("token", recToken), tokenCred("t3")), response(0.01, 401)}
	dir := writeRecording(t, [][]wirelog.Record{basicConn(1), tts, refused},
		mint(1, protocol.TokenRealtimeScribe, 200, `{"token":"`+recToken+`"}`),
		wirelog.Record{Kind: wirelog.KindExchange, Method: "GET", Path: "/v1/models", Status: 200})
	rec, err := replay.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Conns) != 2 || rec.Conns[0].ID != "conn-0001" || rec.Conns[1].ID != "conn-0003" {
		t.Fatalf("conns: %d", len(rec.Conns))
	}
	if len(rec.Skipped) != 1 || !strings.Contains(rec.Skipped[0], "conn-0002.jsonl: path /v1/text-to-speech") {
		t.Fatalf("skipped: %q", rec.Skipped)
	}
	if len(rec.Mints) != 1 {
		t.Fatalf("mints: %d (only token requests count)", len(rec.Mints))
	}
}

func TestLoadOneFileWithItsMint(t *testing.T) {
	body := `{"token":"` + recToken + `"}`
	dir := writeRecording(t, [][]wirelog.Record{basicConn(1), basicConn(2)},
		mint(1, protocol.TokenRealtimeScribe, 200, body, wirelog.Credential{Where: "body:token", Shown: recToken, ID: "tok1", Shape: wirelog.ShapeToken}),
		mint(2, protocol.TokenTTSWebsocket, 200, body, wirelog.Credential{Where: "body:token", Shown: recToken, ID: "tok2", Shape: wirelog.ShapeToken}))
	rec, err := replay.Load(filepath.Join(dir, "conn-0002.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Conns) != 1 || rec.Conns[0].ID != "conn-0002" {
		t.Fatalf("conns: %+v", rec.Conns)
	}
	if len(rec.Mints) != 1 || rec.Mints[0].Path != protocol.SingleUseTokenPath+protocol.TokenTTSWebsocket {
		t.Fatalf("mints: %+v", rec.Mints)
	}
}

// A recording made by the wirelog writer itself replays as recorded.
func TestLoadWhatTheWriterWrote(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	set, err := wirelog.NewSet(dir, secrets.NewUnredacting())
	if err != nil {
		t.Fatal(err)
	}
	r := mustRequest(t, "GET", protocol.RealtimePath+"?model_id=scribe_v2_realtime&token=sutkn_0123456789abcdef0123")
	c := set.Open(r)
	c.Status(101)
	c.Frame(false, false, []byte(sessionMsg))
	c.Frame(true, false, []byte(chunk(320, 1, true)))
	c.Frame(false, false, []byte(commitMsg))
	c.Closed(wirelog.FromServer, 1000, "", "")
	if err := set.Close(); err != nil {
		t.Fatal(err)
	}
	rec, err := replay.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, base := start(t, rec, replay.Options{})
	ws := dial(t, ctx, wsURL(base, openedQuery), nil)
	logs, _, _ := wirelog.ReadDir(dir)
	got := play(t, ctx, ws, append([]wirelog.Record{logs[0].Request}, logs[0].Frames...), nil)
	if len(got) != 2 || got[1] != commitMsg {
		t.Fatalf("frames: %q", got)
	}
	wantClose(t, ctx, ws, websocket.StatusNormalClosure)
	asRecorded(t, settle(t, s, 1))
}

func mustRequest(t *testing.T, method, target string) *http.Request {
	t.Helper()
	return httptest.NewRequest(method, target, nil)
}

// A browser's HAR is a recording too: its socket and its mint are replayed.
func TestLoadHAR(t *testing.T) {
	rec, err := replay.Load("../wirelog/testdata/har/scribe-token-refused.har")
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Conns) != 1 || len(rec.Mints) != 1 || !strings.HasSuffix(rec.Source, ".har") {
		t.Fatalf("%d conns, %d mints, source %s", len(rec.Conns), len(rec.Mints), rec.Source)
	}
	if got := rec.Conns[0].Sent(wirelog.FromServer); len(got) == 0 || !strings.Contains(got[0].Data, "auth_error") {
		t.Fatalf("server frames %+v", got)
	}
}
