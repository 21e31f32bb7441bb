package replay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/internal/replay"
	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

func TestFaithfulClientReplaysAsRecorded(t *testing.T) {
	var log testkit.SyncBuffer
	ss := replayOne(t, basicConn(1), replay.Options{Log: &log}, query)
	// The live audio is other audio of the same length: not a divergence.
	got := ss.play(instead(2, chunk(3200, 7, false)))
	if want := serverFrames(ss.recs); !slices.Equal(got, want) {
		t.Fatalf("server frames:\n got %q\nwant %q", got, want)
	}
	if err := ss.c.Close(websocket.StatusNormalClosure, "User ended session"); err != nil {
		t.Fatal(err)
	}
	r := ss.report()
	if r.Diverged() || len(r.Divergences()) != 0 {
		t.Fatalf("a faithful client diverged: %s", dump(r.Divergences()))
	}
	if want := "replayed 1 connection: 1 as recorded"; r.Summary != want {
		t.Fatalf("summary %q, want %q", r.Summary, want)
	}
	cr := r.Connections[0]
	if !cr.AsRecorded() || cr.Done != 5 || cr.Frames != 5 || cr.Socket != 1 || cr.File != "conn-0001.jsonl" {
		t.Fatalf("connection report: %+v", cr)
	}
	if strings.Contains(cr.Request, liveToken) || !strings.Contains(cr.Request, "token=<token>") {
		t.Fatalf("request not shown by shape: %s", cr.Request)
	}
	if l := log.String(); strings.Count(l, "\n") != 1 || !strings.Contains(l, "conn-0001") || !strings.Contains(l, "as recorded") {
		t.Fatalf("log: %q", l)
	}
}

func TestMintThenTokenSocketAsRecorded(t *testing.T) {
	ctx := testCtx(t)
	conns := [][]wirelog.Record{basicConn(1), basicConn(2)}
	s, base := start(t, load(t, conns, minted(1), minted(2)), replay.Options{})
	for _, recs := range conns { // a fresh token per socket, as recorded
		token := mintToken(t, base, protocol.TokenRealtimeScribe, 200)
		playThrough(t, ctx, wsURL(base, basicQuery(token)), recs)
	}
	r := settle(t, s, 2)
	asRecorded(t, r)
	if want := "replayed 2 connections: 2 as recorded; token requests: 2 as recorded"; r.Summary != want {
		t.Fatalf("summary %q, want %q", r.Summary, want)
	}
}

// mintToken mints through the replay and returns the token.
func mintToken(t *testing.T, base, tokenType string, wantStatus int) string {
	t.Helper()
	status, body := testkit.Mint(t, base, liveKey, tokenType)
	if status != wantStatus {
		t.Fatalf("mint %s: status %d, want %d: %s", tokenType, status, wantStatus, body)
	}
	var v struct{ Token string }
	_ = json.Unmarshal([]byte(body), &v)
	return v.Token
}

func TestTokenReuseIsADivergence(t *testing.T) {
	ctx := testCtx(t)
	conns := [][]wirelog.Record{basicConn(1), basicConn(2)}
	s, base := start(t, load(t, conns, minted(1), minted(2)), replay.Options{})
	token := mintToken(t, base, protocol.TokenRealtimeScribe, 200)
	for _, recs := range conns { // the same token twice: the React StrictMode bug
		playThrough(t, ctx, wsURL(base, basicQuery(token)), recs)
	}
	r := settle(t, s, 2)
	if len(r.Connections[0].Divergences) != 0 {
		t.Fatalf("conn 1 diverged: %s", dump(r.Connections[0].Divergences))
	}
	ds := r.Connections[1].Divergences
	if len(ds) != 1 || ds[0].Kind != replay.KindCredential ||
		!strings.Contains(ds[0].Want, "the token of token request 2") || !strings.Contains(ds[0].Got, "the same value as on connection 1") {
		t.Fatalf("conn 2: want one credential divergence naming the reuse, got %s", dump(ds))
	}
	if len(r.Mints) != 1 || r.Mints[0].Kind != replay.KindMint || !strings.Contains(r.Mints[0].Detail, "1 of the recording's 2") {
		t.Fatalf("mints: %s", dump(r.Mints))
	}
}

func TestQueryOrderIgnoredValueDiffers(t *testing.T) {
	// Other order of names: fine. Another model: a divergence.
	ss := replayOne(t, basicConn(1), replay.Options{}, "token="+liveToken+"&audio_format=pcm_16000&model_id=scribe_v1")
	ss.play(nil)
	d := only(t, ss.end(websocket.StatusNormalClosure, ""), replay.KindQuery)
	if d.Want != "model_id=scribe_v2_realtime" || d.Got != "model_id=scribe_v1" || d.Index != 0 || d.Conn != "conn-0001" {
		t.Fatalf("divergence: %+v", d)
	}
}

func TestRepeatedQueryKeysComparedAsList(t *testing.T) {
	recs := []wirelog.Record{
		request(1, q("model_id", "scribe_v2_realtime", "keyterms", "a", "keyterms", "b", "token", recToken), tokenCred("t1")),
		response(0, 101), srv(0, authErrMsg), closed(0, wirelog.FromServer, 1000, ""),
	}
	ss := replayOne(t, recs, replay.Options{}, "model_id=scribe_v2_realtime&keyterms=b&keyterms=a&token="+liveToken+"&extra=1")
	ss.play(nil)
	_, _, _ = ss.read()
	r := ss.report()
	ds := r.Divergences()
	if len(ds) != 2 {
		t.Fatalf("want 2 divergences (keyterms order, extra key), got %s", dump(ds))
	}
	if ds[0].Want != "keyterms=a&keyterms=b" || ds[0].Got != "keyterms=b&keyterms=a" || !strings.Contains(ds[0].Detail, "another order") {
		t.Fatalf("keyterms: %+v", ds[0])
	}
	if ds[1].Want != "(absent)" || ds[1].Got != "extra=1" {
		t.Fatalf("extra key: %+v", ds[1])
	}
}

func TestCredentialShapeDivergence(t *testing.T) {
	ss := replayOne(t, basicConn(1), replay.Options{}, "model_id=scribe_v2_realtime&audio_format=pcm_16000&token=undefined")
	ss.play(nil)
	d := only(t, ss.end(websocket.StatusNormalClosure, ""), replay.KindCredential)
	if d.Want != "token=<token>" || d.Got != "token=undefined" || !strings.Contains(d.Detail, "the placeholder undefined") {
		t.Fatalf("divergence: %+v", d)
	}
}

func TestCredentialsNeverInReport(t *testing.T) {
	ctx := testCtx(t)
	recs := basicConn(1)
	var log testkit.SyncBuffer
	s, base := start(t, load(t, [][]wirelog.Record{recs}), replay.Options{Log: &log})
	// The key in the header instead of a token, and the token leaking into a frame.
	h := http.Header{"Xi-Api-Key": {liveKey}}
	c := dial(t, ctx, wsURL(base, "model_id=scribe_v2_realtime&audio_format=pcm_16000&key="+liveToken), h)
	play(t, ctx, c, recs, instead(3, `{"message_type":"input_audio_chunk","audio_base_64":"","commit":true,"sample_rate":16000,"previous_text":"`+liveToken+`"}`))
	_ = c.Close(websocket.StatusNormalClosure, "")
	r := settle(t, s, 1)
	if got := kinds(r.Divergences()); !slices.Equal(got, []string{"credential", "credential", "credential", "frame"}) {
		t.Fatalf("kinds %v: %s", got, dump(r.Divergences()))
	}
	b, _ := r.JSON()
	var text bytes.Buffer
	_ = r.WriteText(&text)
	for _, out := range []string{string(b), text.String(), log.String()} {
		if strings.Contains(out, liveKey) || strings.Contains(out, liveToken) || strings.Contains(out, "live_secret") {
			t.Fatalf("a credential leaked into the report:\n%s", out)
		}
	}
	if !strings.Contains(string(b), "xi-api-key: <api_key>") || !strings.Contains(string(b), "<token>") {
		t.Fatalf("shapes not shown:\n%s", b)
	}
}

// commit24k is basicConn's commit at another sample_rate.
var commit24k = `{"message_type":"input_audio_chunk","audio_base_64":"","commit":true,"sample_rate":24000}`

func TestDifferentClientFrame(t *testing.T) {
	ss := replayOne(t, basicConn(1), replay.Options{}, query)
	got := ss.play(instead(3, commit24k))
	if want := serverFrames(ss.recs); !slices.Equal(got, want) {
		t.Fatalf("the replay went on differently: got %q", got)
	}
	r := ss.end(websocket.StatusNormalClosure, "")
	d := only(t, r, replay.KindFrame)
	if d.Index != 3 || d.At != 0.9 || !strings.Contains(d.Detail, "sample_rate: want 16000, got 24000") ||
		!strings.Contains(d.Want, `"commit":true`) || !strings.Contains(d.Got, `"sample_rate":24000`) {
		t.Fatalf("divergence: %+v", d)
	}
	if !strings.Contains(r.Summary, "1 diverged: conn-0001 at frame 3") {
		t.Fatalf("summary: %s", r.Summary)
	}
}

// Audio is compared by its decoded length up to each commit (its bytes may
// be other audio): half the recorded audio before the commit is a shortfall
// named at the commit, in seconds of the recording's format.
func TestAudioComparedByLengthUpToTheCommit(t *testing.T) {
	ss := replayOne(t, basicConn(1), replay.Options{}, query)
	ss.play(instead(2, chunk(1600, 1, false)))
	d := only(t, ss.end(websocket.StatusNormalClosure, ""), replay.KindAudio)
	if d.Index != 3 || d.At != 0.9 || d.Want != "commit 1 after 0.100 s of audio (3200 bytes, pcm_16000)" || d.Got != "commit 1 after 0.050 s of audio (1600 bytes, pcm_16000)" ||
		!strings.Contains(d.Detail, "0.050 s short") || !strings.Contains(d.Detail, "from 0.050 s of the recorded audio on") {
		t.Fatalf("divergence: %+v", d)
	}
}

func TestBinaryFrames(t *testing.T) {
	recs := opened(0,
		binFrame(0.1, wirelog.FromServer, []byte{1, 2, 3}),
		binFrame(0.2, wirelog.FromClient, []byte{4, 5}),
		cli(0.3, "not json"),
		closed(0.4, wirelog.FromServer, 1000, ""),
	)
	ss := replayOne(t, recs, replay.Options{}, openedQuery)
	got := ss.play(instead(3, "not JSON"))
	if len(got) != 1 || got[0] != "\x01\x02\x03" {
		t.Fatalf("binary frame: %q", got)
	}
	wantClose(t, ss.ctx, ss.c, websocket.StatusNormalClosure)
	d := only(t, ss.report(), replay.KindFrame)
	if d.Index != 3 || d.Want != "not json" || d.Got != "not JSON" || !strings.Contains(d.Detail, "text differs") {
		t.Fatalf("divergence: %+v", d)
	}
}

// A text frame that is not UTF-8 is replayed as a text frame with its
// bytes, and a client must send it as one: the wire log keeps it as base64,
// which makes it no binary frame.
func TestTextFrameNotUTF8(t *testing.T) {
	fromServer := []byte("{\"message_type\":\"partial_transcript\",\"text\":\"caf\xe9\"}")
	fromClient := []byte("not \xff UTF-8")
	recs := opened(0,
		written(t, 0.1, wirelog.FromServer, false, fromServer),
		written(t, 0.2, wirelog.FromClient, false, fromClient),
		written(t, 0.3, wirelog.FromClient, false, fromClient),
		closed(0.4, wirelog.FromServer, 1000, ""),
	)
	ss := replayOne(t, recs, replay.Options{}, openedQuery)
	typ, got, err := ss.read()
	if err != nil || typ != websocket.MessageText || string(got) != string(fromServer) {
		t.Fatalf("replayed %v %q (%v), want the text frame %q", typ, got, err, fromServer)
	}
	if err := ss.c.Write(ss.ctx, websocket.MessageText, fromClient); err != nil { // as recorded: no divergence
		t.Fatal(err)
	}
	if err := ss.c.Write(ss.ctx, websocket.MessageBinary, fromClient); err != nil {
		t.Fatal(err)
	}
	wantClose(t, ss.ctx, ss.c, websocket.StatusNormalClosure)
	d := only(t, ss.report(), replay.KindFrame)
	if d.Index != 3 || d.Detail != "client frame 3 of 3: want a text frame, got a binary frame" ||
		d.Want != fmt.Sprintf("(text that is not UTF-8, %d bytes)", len(fromClient)) || d.Got != fmt.Sprintf("(binary, %d bytes)", len(fromClient)) {
		t.Fatalf("divergence: %+v", d)
	}
}

func TestExtraClientFrame(t *testing.T) {
	ss := replayOne(t, basicConn(1), replay.Options{}, query)
	ss.play(nil)
	if err := ss.c.Write(ss.ctx, websocket.MessageText, []byte(chunk(320, 0, false))); err != nil {
		t.Fatal(err)
	}
	d := only(t, ss.end(websocket.StatusNormalClosure, "User ended session"), replay.KindExtra)
	if d.Index != 6 || d.Detail != "client frame 6: a frame the recording does not have" || !strings.Contains(d.Got, "<320 bytes>") {
		t.Fatalf("divergence: %+v", d)
	}
}

func TestExtraClientFramesInARowAreOneDivergence(t *testing.T) {
	ss := replayOne(t, basicConn(1), replay.Options{}, query)
	ss.play(nil)
	for i := range 3 {
		if err := ss.c.Write(ss.ctx, websocket.MessageText, []byte(chunk(320*(i+1), 0, false))); err != nil {
			t.Fatal(err)
		}
	}
	r := ss.end(websocket.StatusGoingAway, "")
	if got := kinds(r.Divergences()); !slices.Equal(got, []string{"extra", "close"}) {
		t.Fatalf("kinds %v: %s", got, dump(r.Divergences()))
	}
	if d := r.Divergences()[0]; d.Index != 6 || !strings.Contains(d.Detail, "(3 such frames in a row, the first shown)") || !strings.Contains(d.Got, "<320 bytes>") {
		t.Fatalf("divergence: %+v", d)
	}
}

func TestEarlyClose(t *testing.T) {
	ss := replayOne(t, basicConn(1), replay.Options{}, query)
	if _, _, err := ss.read(); err != nil {
		t.Fatal(err)
	}
	r := ss.end(websocket.StatusNormalClosure, "bye")
	d := only(t, r, replay.KindClose)
	if d.Index != 2 || d.Detail != "the client closed after frame 1 of 5" || !strings.Contains(d.Got, `closed with 1000 "bye"`) {
		t.Fatalf("divergence: %+v", d)
	}
	if r.Connections[0].Done != 1 {
		t.Fatalf("done: %d", r.Connections[0].Done)
	}
}

func TestClientVanishes(t *testing.T) {
	ss := replayOne(t, basicConn(1), replay.Options{}, query)
	if _, _, err := ss.read(); err != nil {
		t.Fatal(err)
	}
	_ = ss.c.CloseNow()
	d := only(t, ss.report(), replay.KindClose)
	if d.Detail != "the client vanished after frame 1 of 5" || !strings.Contains(d.Got, "vanished without a close frame") {
		t.Fatalf("divergence: %+v", d)
	}
}

func TestClientCloseCodeCompared(t *testing.T) {
	ss := replayOne(t, basicConn(1), replay.Options{}, query)
	ss.play(nil)
	d := only(t, ss.end(websocket.StatusGoingAway, ""), replay.KindClose)
	if d.Detail != "close code 1001, recorded 1000" {
		t.Fatalf("divergence: %+v", d)
	}
}

func TestMissingClientFrameKeepsServing(t *testing.T) {
	recs := opened(0,
		srv(0.1, sessionMsg),
		cli(0.2, chunk(3200, 1, false)),
		cli(0.3, chunk(3200, 1, false)),
		cli(0.4, chunk(0, 0, true)),
		srv(0.6, commitMsg),
		closed(0.7, wirelog.FromServer, 1000, ""),
	)
	ss := replayOne(t, recs, replay.Options{WaitClient: 100 * time.Millisecond}, openedQuery)
	var got []string
	for range 2 { // the client sends nothing, and still gets the rest and the close
		_, b, err := ss.read()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(b))
	}
	if !slices.Equal(got, []string{sessionMsg, commitMsg}) {
		t.Fatalf("frames: %q", got)
	}
	wantClose(t, ss.ctx, ss.c, websocket.StatusNormalClosure)
	d := only(t, ss.report(), replay.KindMissing)
	if d.Index != 2 || d.Got != "nothing within 100ms" || !strings.Contains(d.Detail, "3 recorded client frames in all were not sent") {
		t.Fatalf("divergence: %+v", d)
	}
}

// timing builds a recording with known gaps: response at 0.05, server frames
// at 0.25 and 0.8 around a client frame at 0.5, the server's close at 1.0.
func timing() []wirelog.Record {
	return opened(0.05,
		srv(0.25, sessionMsg),
		cli(0.5, chunk(3200, 1, false)),
		srv(0.8, partialMsg),
		closed(1.0, wirelog.FromServer, 1000, ""),
	)
}

// fakeSleep records each wait and returns at once.
type fakeSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (f *fakeSleep) sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.waits = append(f.waits, d)
	f.mu.Unlock()
	return ctx.Err()
}

func (f *fakeSleep) got() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.waits)
}

func runTiming(t *testing.T, speed float64) []time.Duration {
	var fs fakeSleep
	ss := replayOne(t, timing(), replay.Options{Speed: speed, Sleep: fs.sleep}, openedQuery)
	ss.play(nil)
	wantClose(t, ss.ctx, ss.c, websocket.StatusNormalClosure)
	asRecorded(t, ss.report())
	return fs.got()
}

func TestSpeedZeroNeverSleeps(t *testing.T) {
	if w := runTiming(t, 0); len(w) != 0 {
		t.Fatalf("speed 0 slept: %v", w)
	}
}

func TestSpeedScalesRecordedGaps(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		speed float64
		want  []time.Duration
	}{
		{1, []time.Duration{200 * ms, 300 * ms, 200 * ms}},
		{2, []time.Duration{100 * ms, 150 * ms, 100 * ms}},
	} {
		if got := runTiming(t, tc.speed); !slices.Equal(got, tc.want) {
			t.Fatalf("speed %v: waits %v, want %v (each gap from the previous record, the client frame's included)", tc.speed, got, tc.want)
		}
	}
}

func TestCloseStopsReplayInProgress(t *testing.T) {
	ctx := testCtx(t)
	recs := opened(0,
		srv(0, sessionMsg),
		srv(3600, commitMsg), // an hour later, on the real timer
		closed(3601, wirelog.FromServer, 1000, ""),
	)
	s := replay.New(load(t, [][]wirelog.Record{recs}), replay.Options{Speed: 1})
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, ctx, wsURL(base, openedQuery), nil)
	if _, _, err := c.Read(ctx); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(began); d > 3*time.Second {
		t.Fatalf("Close took %v", d)
	}
	if _, _, err := c.Read(ctx); err == nil {
		t.Fatal("the socket is still open")
	}
	d := only(t, s.Report(), replay.KindClose)
	if d.Index != 2 || !strings.Contains(d.Got, "the replay was stopped after frame 1 of 2") {
		t.Fatalf("divergence: %+v", d)
	}
}

func TestAuthErrorThenClose(t *testing.T) {
	recs := opened(0.01,
		srv(0.05, authErrMsg),
		closed(0.06, wirelog.FromServer, 1000, ""),
	)
	ss := replayOne(t, recs, replay.Options{}, openedQuery)
	_, b, err := ss.read()
	if err != nil || string(b) != authErrMsg {
		t.Fatalf("first frame %q, %v", b, err)
	}
	_, _, err = ss.read()
	if code, reason := closeStatus(err); code != websocket.StatusNormalClosure || reason != "" {
		t.Fatalf("close %v %q (%v), want 1000 with an empty reason", code, reason, err)
	}
	asRecorded(t, ss.report())
}

func TestRecordedStatusWithoutUpgrade(t *testing.T) {
	ctx := testCtx(t)
	refused := []wirelog.Record{
		request(1, q("model_id", "scribe_v2_realtime", "token", recToken), tokenCred("t1")),
		{Kind: wirelog.KindResponse, T: 0.01, Status: 403, Body: `{"detail":"Forbidden"}`},
		closed(0.02, wirelog.FromServer, 0, ""),
	}
	s, base := start(t, load(t, [][]wirelog.Record{refused, basicConn(2)}), replay.Options{})
	_, resp, err := websocket.Dial(ctx, wsURL(base, openedQuery), nil)
	if err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("want the recorded 403, got %v %v", resp, err)
	}
	// The next socket, with another token (the recording's two differ too).
	playThrough(t, ctx, wsURL(base, basicQuery("sutkn_another_0123456789")), basicConn(2))
	asRecorded(t, settle(t, s, 2))
}

func TestCutEndsWithoutCloseFrame(t *testing.T) {
	recs := opened(0,
		srv(0.1, sessionMsg),
		wirelog.Record{Kind: wirelog.KindClose, T: 0.2, By: wirelog.ByCut, Error: "read: connection reset by peer"},
	)
	ss := replayOne(t, recs, replay.Options{}, openedQuery)
	if _, _, err := ss.read(); err != nil {
		t.Fatal(err)
	}
	_, _, err := ss.read()
	if err == nil {
		t.Fatal("want the connection cut")
	}
	if code, _ := closeStatus(err); code != -1 {
		t.Fatalf("a cut sent a close frame: %v", err)
	}
	asRecorded(t, ss.report())
}

func TestExtraConnection(t *testing.T) {
	ctx := testCtx(t)
	recs := opened(0, srv(0, authErrMsg), closed(0, wirelog.FromServer, 1000, ""))
	s, base := start(t, load(t, [][]wirelog.Record{recs}), replay.Options{})
	for range 2 { // the reconnect after auth_error is not in the recording
		c := dial(t, ctx, wsURL(base, openedQuery), nil)
		for {
			if _, _, err := c.Read(ctx); err != nil {
				break
			}
		}
	}
	c := dial(t, ctx, wsURL(base, openedQuery), nil)
	_, _, err := c.Read(ctx)
	if code, reason := closeStatus(err); code != websocket.StatusPolicyViolation || !strings.Contains(reason, "the recording has 1 connection; this is connection 3") {
		t.Fatalf("extra socket: %v", err)
	}
	r := settle(t, s, 3)
	if got := kinds(r.Divergences()); !slices.Equal(got, []string{"extra", "extra"}) {
		t.Fatalf("kinds %v: %s", got, dump(r.Divergences()))
	}
	if r.Connections[1].Conn != "extra-1" || !strings.Contains(r.Summary, "2 extra connections") {
		t.Fatalf("report: %+v", r)
	}
}

func TestNeverOpenedAfterClose(t *testing.T) {
	ctx := testCtx(t)
	s, base := start(t, load(t, [][]wirelog.Record{basicConn(1), basicConn(2)}), replay.Options{})
	playThrough(t, ctx, wsURL(base, query), basicConn(1))
	before := s.Report()
	if before.Connections[1].State != replay.StateWaiting && before.Connections[1].State != replay.StateNotOpened {
		t.Fatalf("state: %s", before.Connections[1].State)
	}
	r := settle(t, s, 1)
	d := only(t, r, replay.KindConnection)
	if d.Conn != "conn-0002" || d.Got != "never opened" {
		t.Fatalf("divergence: %+v", d)
	}
	if want := "replayed 1 of 2 recorded connections: 1 as recorded; 1 never opened"; r.Summary != want {
		t.Fatalf("summary %q, want %q", r.Summary, want)
	}
}

func TestNoClientConnected(t *testing.T) {
	s, _ := start(t, load(t, [][]wirelog.Record{basicConn(1)}), replay.Options{})
	r := settle(t, s, 0)
	if r.Connected() || r.Summary != "no client connected: 0 of 1 recorded connection replayed" {
		t.Fatalf("report: %+v", r)
	}
}

func TestMintEndpoint(t *testing.T) {
	body := `{"token":"` + recToken + `"}`
	mints := []wirelog.Record{
		mint(1, protocol.TokenRealtimeScribe, 200, body),
		mint(2, protocol.TokenRealtimeScribe, 200, body),
		mint(3, protocol.TokenTTSWebsocket, 401, `{"detail":{"status":"missing_permissions","message":"no"}}`),
	}
	s, base := start(t, load(t, [][]wirelog.Record{basicConn(5)}, mints...), replay.Options{})
	a := mintToken(t, base, protocol.TokenRealtimeScribe, 200)
	b := mintToken(t, base, protocol.TokenRealtimeScribe, 200)
	for _, tok := range []string{a, b} {
		if !strings.HasPrefix(tok, "sutkn_replay_") || len(tok) < len("sutkn_replay_")+16 {
			t.Fatalf("token %q is not a fresh replay token", tok)
		}
	}
	if a == b {
		t.Fatal("two token requests got the same token")
	}
	mintToken(t, base, protocol.TokenBatchScribe, 401) // recorded 401 for tts_websocket: answered as recorded, type compared
	mintToken(t, base, protocol.TokenRealtimeScribe, 503)

	resp, err := http.Get(base + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(got), "replays a recording") || !json.Valid(got) {
		t.Fatalf("other path: %d %s", resp.StatusCode, got)
	}

	r := settle(t, s, 0)
	if got := kinds(r.Mints); !slices.Equal(got, []string{"mint", "mint"}) {
		t.Fatalf("mint divergences %v: %s", got, dump(r.Mints))
	}
	if r.Mints[0].Conn != "mint-3" || r.Mints[0].Want != "POST /v1/single-use-token/tts_websocket" || r.Mints[0].Got != "POST /v1/single-use-token/batch_scribe" {
		t.Fatalf("type divergence: %+v", r.Mints[0])
	}
	if r.Mints[1].Conn != "mint-4" || !strings.Contains(r.Mints[1].Detail, "does not have") {
		t.Fatalf("extra request: %+v", r.Mints[1])
	}
}

func TestReportJSON(t *testing.T) {
	ss := replayOne(t, basicConn(1), replay.Options{}, query)
	ss.play(instead(3, commit24k))
	r := ss.end(websocket.StatusNormalClosure, "")
	b, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var back replay.Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Summary != r.Summary || len(back.Connections) != 1 || len(back.Connections[0].Divergences) != 1 {
		t.Fatalf("round trip: %s", b)
	}
	for _, key := range []string{`"kind": "frame"`, `"index": 3`, `"at": 0.9`, `"conn": "conn-0001"`, `"file": "conn-0001.jsonl"`, `"want":`, `"got":`} {
		if !bytes.Contains(b, []byte(key)) {
			t.Fatalf("JSON lacks %s:\n%s", key, b)
		}
	}
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(text.String(), r.Summary+"\n") || !strings.Contains(text.String(), "frame 3 (recorded at 0.900s) [frame]") {
		t.Fatalf("text:\n%s", text.String())
	}
}
