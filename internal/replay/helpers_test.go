package replay_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/internal/replay"
	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

var t0 = time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)

// Recorded values, as a recording has them: redacted.
const (
	recToken   = "sutkn_…ab12"
	recKey     = "sk_…9f2c"
	liveKey    = "sk_live_secret_0123456789abcdef"
	liveToken  = "sutkn_live_secret_abcdef0123456789"
	sessionMsg = `{"message_type":"session_started","session_id":"0123456789abcdef0123456789abcdef","config":{"sample_rate":16000}}`
	partialMsg = `{"message_type":"partial_transcript","text":"hello"}`
	commitMsg  = `{"message_type":"committed_transcript","text":"hello world"}`
	authErrMsg = `{"message_type":"auth_error","error":"You must be authenticated to use this endpoint."}`
)

// chunk is an input_audio_chunk with n bytes of audio (all b).
func chunk(n int, b byte, commit bool) string {
	audio := make([]byte, n)
	for i := range audio {
		audio[i] = b
	}
	return fmt.Sprintf(`{"message_type":"input_audio_chunk","audio_base_64":%q,"commit":%v,"sample_rate":16000}`,
		base64.StdEncoding.EncodeToString(audio), commit)
}

func request(n int, query []wirelog.Pair, creds ...wirelog.Credential) wirelog.Record {
	return wirelog.Record{Kind: wirelog.KindRequest, At: t0.Add(time.Duration(n) * time.Second), Conn: fmt.Sprintf("conn-%04d", n),
		Method: "GET", Path: protocol.RealtimePath, Query: query, Credentials: creds}
}

func q(kv ...string) []wirelog.Pair {
	var out []wirelog.Pair
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, wirelog.Pair{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

func tokenCred(id string) wirelog.Credential {
	return wirelog.Credential{Where: "query:token", Shown: recToken, ID: id, Shape: wirelog.ShapeToken}
}

func response(t float64, status int) wirelog.Record {
	return wirelog.Record{Kind: wirelog.KindResponse, T: t, Status: status}
}

func srv(t float64, data string) wirelog.Record {
	return wirelog.Record{Kind: wirelog.KindFrame, T: t, Dir: wirelog.FromServer, Data: data, Len: len(data)}
}

func cli(t float64, data string) wirelog.Record {
	return wirelog.Record{Kind: wirelog.KindFrame, T: t, Dir: wirelog.FromClient, Data: data, Len: len(data)}
}

func binFrame(t float64, dir string, b []byte) wirelog.Record {
	return wirelog.Record{Kind: wirelog.KindFrame, T: t, Dir: dir, Binary: true, Data: base64.StdEncoding.EncodeToString(b), Len: len(b)}
}

// written is a frame record as the wire log's writer makes it (the rule
// for a text frame that is not UTF-8 lives there alone), at time at.
func written(t *testing.T, at float64, dir string, binary bool, data []byte) wirelog.Record {
	t.Helper()
	set, err := wirelog.NewSet(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := set.Open(httptest.NewRequest("GET", protocol.RealtimePath, nil))
	c.Frame(dir == wirelog.FromClient, binary, data)
	c.Closed(wirelog.FromClient, 1000, "", "")
	l, err := wirelog.ReadFile(filepath.Join(set.Dir(), c.ID()+".jsonl"))
	if err != nil || len(l.Frames) != 1 {
		t.Fatalf("writing a frame: %v %+v", err, l)
	}
	f := l.Frames[0]
	f.T = at
	return f
}

func closed(t float64, by string, code int, reason string) wirelog.Record {
	return wirelog.Record{Kind: wirelog.KindClose, T: t, By: by, Code: code, Reason: reason}
}

func mint(n int, tokenType string, status int, body string, creds ...wirelog.Credential) wirelog.Record {
	return wirelog.Record{Kind: wirelog.KindExchange, At: t0.Add(time.Duration(n)*time.Second - time.Millisecond), Method: "POST",
		Path: protocol.SingleUseTokenPath + tokenType, Status: status, Body: body,
		Credentials: append([]wirelog.Credential{{Where: "header:xi-api-key", Shown: recKey, ID: "key1", Shape: wirelog.ShapeAPIKey}}, creds...)}
}

// opened is a recording's first connection: its request (the model and a
// token on the query; openedQuery is a live client's), the 101 at time at,
// and rest.
func opened(at float64, rest ...wirelog.Record) []wirelog.Record {
	return append([]wirelog.Record{
		request(1, q("model_id", "scribe_v2_realtime", "token", recToken), tokenCred("t1")),
		response(at, 101),
	}, rest...)
}

// basicQuery is the query of a faithful client of basicConn on token.
func basicQuery(token string) string {
	return "model_id=scribe_v2_realtime&audio_format=pcm_16000&token=" + token
}

// Live queries: a faithful client's of basicConn and of opened.
var (
	query       = basicQuery(liveToken)
	openedQuery = "model_id=scribe_v2_realtime&token=" + liveToken
)

// instead is an edit for play: frame sent in place of client frame n.
func instead(n int, frame string) func(int, []byte) []byte {
	return func(i int, data []byte) []byte {
		if i == n {
			return []byte(frame)
		}
		return data
	}
}

// minted is the token request before basicConn(n): it handed out the token
// that connection used.
func minted(n int) wirelog.Record {
	return mint(n, protocol.TokenRealtimeScribe, 200, `{"token":"`+recToken+`"}`,
		wirelog.Credential{Where: "body:token", Shown: recToken, ID: fmt.Sprintf("tok%d", n), Shape: wirelog.ShapeToken})
}

// basicConn: session_started, a chunk, a commit, a partial, the committed
// transcript, the client's close 1000.
func basicConn(n int) []wirelog.Record {
	return []wirelog.Record{
		request(n, q("model_id", "scribe_v2_realtime", "audio_format", "pcm_16000", "token", recToken), tokenCred(fmt.Sprintf("tok%d", n))),
		response(0.01, 101),
		srv(0.2, sessionMsg),
		cli(0.5, chunk(3200, 1, false)),
		cli(0.9, chunk(0, 0, true)),
		srv(1.0, partialMsg),
		srv(1.3, commitMsg),
		closed(1.5, wirelog.FromClient, 1000, "User ended session"),
	}
}

// writeRecording writes one conn-NNNN.jsonl per connection, and the
// exchanges, into a new folder.
func writeRecording(t *testing.T, conns [][]wirelog.Record, exchanges ...wirelog.Record) string {
	t.Helper()
	dir := t.TempDir()
	for i, recs := range conns {
		writeLines(t, filepath.Join(dir, fmt.Sprintf("conn-%04d.jsonl", i+1)), recs)
	}
	if len(exchanges) > 0 {
		writeLines(t, filepath.Join(dir, "exchanges.jsonl"), exchanges)
	}
	return dir
}

func writeLines(t *testing.T, path string, recs []wirelog.Record) {
	t.Helper()
	var b strings.Builder
	for _, r := range recs {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func load(t *testing.T, conns [][]wirelog.Record, exchanges ...wirelog.Record) *replay.Recording {
	t.Helper()
	rec, err := replay.Load(writeRecording(t, conns, exchanges...))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// start serves rec; the server is closed when the test ends. Unless the test
// says otherwise: speed 0, and a WaitClient that a working client never
// reaches.
func start(t *testing.T, rec *replay.Recording, opts replay.Options) (*replay.Server, string) {
	t.Helper()
	if opts.WaitClient == 0 {
		opts.WaitClient = 5 * time.Second
	}
	s := replay.New(rec, opts)
	return s, testkit.Serve(t, s)
}

// session is a replay of one recorded connection and one client of it.
type session struct {
	t    *testing.T
	ctx  context.Context
	s    *replay.Server
	c    *websocket.Conn
	recs []wirelog.Record
}

// replayOne serves recs as the recording's one connection (see start), and
// dials it with rawQuery.
func replayOne(t *testing.T, recs []wirelog.Record, opts replay.Options, rawQuery string) *session {
	t.Helper()
	ctx := testCtx(t)
	s, base := start(t, load(t, [][]wirelog.Record{recs}), opts)
	return &session{t: t, ctx: ctx, s: s, c: dial(t, ctx, wsURL(base, rawQuery), nil), recs: recs}
}

// play plays the recorded connection as a faithful client (see play).
func (ss *session) play(edit func(i int, data []byte) []byte) []string {
	ss.t.Helper()
	return play(ss.t, ss.ctx, ss.c, ss.recs, edit)
}

// read reads the next frame, or the error that ended the socket.
func (ss *session) read() (websocket.MessageType, []byte, error) {
	return ss.c.Read(ss.ctx)
}

// report is the finished replay's report (see settle).
func (ss *session) report() replay.Report {
	ss.t.Helper()
	return settle(ss.t, ss.s, 1)
}

// end closes the socket with code and reason, and returns the finished
// replay's report.
func (ss *session) end(code websocket.StatusCode, reason string) replay.Report {
	ss.t.Helper()
	_ = ss.c.Close(code, reason)
	return ss.report()
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func wsURL(base, rawQuery string) string {
	u := "ws" + strings.TrimPrefix(base, "http") + protocol.RealtimePath
	if rawQuery != "" {
		u += "?" + rawQuery
	}
	return u
}

func dial(t *testing.T, ctx context.Context, url string, h http.Header) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	c.SetReadLimit(16 << 20)
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// play is a faithful client: it reads every recorded server frame and sends
// every recorded client frame (after edit, which may change it), in order.
// It returns the server frames it read.
func play(t *testing.T, ctx context.Context, c *websocket.Conn, recs []wirelog.Record, edit func(i int, data []byte) []byte) []string {
	t.Helper()
	var got []string
	i := 0
	for _, r := range recs {
		if r.Kind != wirelog.KindFrame {
			continue
		}
		i++
		p, err := r.Payload()
		if err != nil {
			t.Fatal(err)
		}
		data, typ := p.Data, websocket.MessageText
		if !p.Text() {
			typ = websocket.MessageBinary
		}
		if r.Dir == wirelog.FromServer {
			mt, b, err := c.Read(ctx)
			if err != nil {
				t.Fatalf("reading recorded frame %d: %v", i, err)
			}
			if mt != typ {
				t.Fatalf("frame %d: got message type %v, want %v", i, mt, typ)
			}
			got = append(got, string(b))
			continue
		}
		if edit != nil {
			data = edit(i, data)
		}
		if err := c.Write(ctx, typ, data); err != nil {
			t.Fatalf("writing recorded frame %d: %v", i, err)
		}
	}
	return got
}

// playThrough dials url, plays recs as a faithful client (see play) and
// closes normally.
func playThrough(t *testing.T, ctx context.Context, url string, recs []wirelog.Record) {
	t.Helper()
	c := dial(t, ctx, url, nil)
	play(t, ctx, c, recs, nil)
	_ = c.Close(websocket.StatusNormalClosure, "")
}

func serverFrames(recs []wirelog.Record) []string {
	var out []string
	for _, r := range recs {
		if r.Kind == wirelog.KindFrame && r.Dir == wirelog.FromServer {
			p, _ := r.Payload()
			out = append(out, string(p.Data))
		}
	}
	return out
}

// settle waits (briefly, bounded) until no connection is being replayed, so
// that what a test asserts is the finished replay, then closes the server.
func settle(t *testing.T, s *replay.Server, sockets int) replay.Report {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := s.Report()
		busy := r.Sockets < sockets
		for _, c := range r.Connections {
			busy = busy || c.State == replay.StateReplaying
		}
		if !busy {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replay did not finish: %+v", r)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return s.Report()
}

// asRecorded fails unless the finished replay r has no divergence.
func asRecorded(t *testing.T, r replay.Report) {
	t.Helper()
	if ds := r.Divergences(); len(ds) != 0 {
		t.Fatalf("diverged: %s", dump(ds))
	}
}

// wantClose reads c's next frame and fails unless the server closed the
// socket with code.
func wantClose(t *testing.T, ctx context.Context, c *websocket.Conn, code websocket.StatusCode) {
	t.Helper()
	_, _, err := c.Read(ctx)
	if got, _ := closeStatus(err); got != code {
		t.Fatalf("close: %v, want %d", err, code)
	}
}

func kinds(ds []replay.Divergence) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Kind)
	}
	return out
}

// only asserts exactly one divergence of kind, and returns it.
func only(t *testing.T, r replay.Report, kind string) replay.Divergence {
	t.Helper()
	ds := r.Divergences()
	if len(ds) != 1 || ds[0].Kind != kind {
		t.Fatalf("want exactly one %s divergence, got %d: %s", kind, len(ds), dump(ds))
	}
	return ds[0]
}

func dump(ds []replay.Divergence) string {
	b, _ := json.MarshalIndent(ds, "", "  ")
	return string(b)
}

func closeStatus(err error) (websocket.StatusCode, string) {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code, ce.Reason
	}
	return -1, ""
}
