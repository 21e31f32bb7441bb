package replay_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/internal/replay"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// sleepUntilWoken never ends a wait by itself: only the client's end or the
// server's close does.
func sleepUntilWoken(ctx context.Context, _ time.Duration) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestClientClosesBeforeTheServersClose(t *testing.T) {
	recs := opened(0,
		srv(0, sessionMsg),
		closed(15.5, wirelog.FromServer, 1000, ""), // the idle timeout
	)
	ss := replayOne(t, recs, replay.Options{Speed: 1, Sleep: sleepUntilWoken}, openedQuery)
	if _, _, err := ss.read(); err != nil {
		t.Fatal(err)
	}
	d := only(t, ss.end(websocket.StatusNormalClosure, ""), replay.KindClose)
	if d.At != 15.5 || d.Want != `the server closes with 1000 ""` || !strings.Contains(d.Got, `the client closed with 1000 "" first`) {
		t.Fatalf("divergence: %+v", d)
	}
}

// Server frames recorded after the client's last frame crossed its close on
// the wire: a client that closes without reading them did as recorded.
func TestClientCloseCrossingServerFrames(t *testing.T) {
	recs := opened(0,
		srv(0, sessionMsg),
		cli(0.1, chunk(320, 1, true)),
		srv(0.4, partialMsg),
		srv(0.5, commitMsg),
		closed(0.5, wirelog.FromClient, 1000, ""),
	)
	ss := replayOne(t, recs, replay.Options{Speed: 1, Sleep: sleepUntilWoken}, openedQuery)
	if _, _, err := ss.read(); err != nil {
		t.Fatal(err)
	}
	if err := ss.c.Write(ss.ctx, websocket.MessageText, []byte(chunk(320, 2, true))); err != nil {
		t.Fatal(err)
	}
	asRecorded(t, ss.end(websocket.StatusNormalClosure, ""))
}

func TestOpenEndWaitsForTheClient(t *testing.T) {
	ctx := testCtx(t)
	recs := opened(0,
		srv(0, sessionMsg),
		wirelog.Record{Kind: wirelog.KindClose, T: 3, By: wirelog.ByCut, Error: wirelog.RecordingEnded},
	)
	second := append([]wirelog.Record{request(2, q("model_id", "scribe_v2_realtime", "token", recToken), tokenCred("t2"))}, recs[1:]...)
	s, base := start(t, load(t, [][]wirelog.Record{recs, second}), replay.Options{WaitClient: 100 * time.Millisecond})
	// The first client sends on and then closes: the recording does not know
	// what came after its end, so nothing is compared.
	c := dial(t, ctx, wsURL(base, openedQuery), nil)
	if _, _, err := c.Read(ctx); err != nil {
		t.Fatal(err)
	}
	_ = c.Write(ctx, websocket.MessageText, []byte(chunk(320, 1, false)))
	_ = c.Close(websocket.StatusNormalClosure, "")
	// The second never closes: the replay does, with 1001, after WaitClient.
	c2 := dial(t, ctx, wsURL(base, "model_id=scribe_v2_realtime&token=sutkn_second_0123456789"), nil)
	if _, _, err := c2.Read(ctx); err != nil {
		t.Fatal(err)
	}
	_, _, err := c2.Read(ctx)
	if code, reason := closeStatus(err); code != websocket.StatusGoingAway || !strings.Contains(reason, "the recording ends here") {
		t.Fatalf("close: %v", err)
	}
	asRecorded(t, settle(t, s, 2))
}

func TestWrongPathAndNoUpgrade(t *testing.T) {
	ctx := testCtx(t)
	s, base := start(t, load(t, [][]wirelog.Record{basicConn(1), basicConn(2)}), replay.Options{})
	// A plain GET where the recording upgraded.
	resp, err := http.Get(base + protocol.RealtimePath + "?" + query)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 400 {
		t.Fatalf("a plain GET got %d", resp.StatusCode)
	}
	// The old beta path.
	u := strings.Replace(wsURL(base, basicQuery("sutkn_other_0123456789")), protocol.RealtimePath, protocol.OldRealtimePath, 1)
	c := dial(t, ctx, u, nil)
	play(t, ctx, c, basicConn(2), nil)
	_ = c.Close(websocket.StatusNormalClosure, "User ended session")
	r := settle(t, s, 2)
	if got := kinds(r.Divergences()); len(got) != 2 || got[0] != replay.KindStatus || got[1] != replay.KindPath {
		t.Fatalf("kinds %v: %s", got, dump(r.Divergences()))
	}
	if d := r.Connections[1].Divergences[0]; d.Want != protocol.RealtimePath || d.Got != protocol.OldRealtimePath {
		t.Fatalf("path: %+v", d)
	}
}

// A request the recording has no answer to (the recorder stopped first) is
// answered with a cut, and the next socket plays the next connection.
func TestNoAnswerRecordedIsACut(t *testing.T) {
	ctx := testCtx(t)
	unanswered := []wirelog.Record{request(1, q("model_id", "scribe_v2_realtime", "token", recToken), tokenCred("t1"))}
	s, base := start(t, load(t, [][]wirelog.Record{unanswered, basicConn(2)}), replay.Options{})
	if _, _, err := websocket.Dial(ctx, wsURL(base, openedQuery), nil); err == nil {
		t.Fatal("want the handshake cut")
	}
	playThrough(t, ctx, wsURL(base, basicQuery("sutkn_other_0123456789")), basicConn(2))
	asRecorded(t, settle(t, s, 2))
}
