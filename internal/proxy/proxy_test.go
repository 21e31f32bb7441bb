package proxy_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/clientcheck"
	"github.com/scribecheck/scribecheck/internal/proxy"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/testfake"
	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// rig is a proxy in front of an upstream, recording into a temp folder.
type rig struct {
	t    *testing.T
	set  *wirelog.Set
	red  *secrets.Redactor
	p    *proxy.Proxy
	base string // the proxy's http base URL
}

func newRig(t *testing.T, upstream string) *rig {
	t.Helper()
	return newRigWith(t, proxy.Options{Upstream: upstream})
}

// newRigWith starts a proxy with opts, its Set and Redact filled in.
func newRigWith(t *testing.T, opts proxy.Options) *rig {
	t.Helper()
	red := secrets.New()
	set, err := wirelog.NewSet(t.TempDir(), red)
	if err != nil {
		t.Fatal(err)
	}
	opts.Set, opts.Redactor = set, red
	p, err := proxy.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, set: set, red: red, p: p, base: testkit.Serve(t, p)}
}

// logs stops the proxy and reads what it recorded.
func (r *rig) logs() ([]*wirelog.Log, []wirelog.Record) {
	r.t.Helper()
	if err := r.p.Close(); err != nil {
		r.t.Fatal(err)
	}
	if err := r.set.Close(); err != nil {
		r.t.Fatal(err)
	}
	logs, ex, err := wirelog.ReadDir(r.set.Dir())
	if err != nil {
		r.t.Fatal(err)
	}
	return logs, ex
}

func (r *rig) ws() string {
	return "ws" + strings.TrimPrefix(r.base, "http") + "/v1/speech-to-text/realtime?model_id=scribe_v2_realtime"
}

// mint mints a realtime token with key through the proxy.
func (r *rig) mint(key string) string {
	r.t.Helper()
	return testkit.Token(r.t, r.base, key, protocol.TokenRealtimeScribe)
}

// session opens a socket through the proxy on token, and returns it with
// the frames read up to session_started.
func (r *rig) session(ctx context.Context, token string) (*websocket.Conn, []string) {
	r.t.Helper()
	c, _, err := websocket.Dial(ctx, r.ws()+"&token="+token, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	return c, readUntil(ctx, r.t, c, protocol.SessionStarted)
}

func chunk(secs float64, commit bool) []byte {
	f, _ := protocol.ParseAudioFormat("pcm_16000")
	b, _ := json.Marshal(map[string]any{"message_type": "input_audio_chunk", "audio_base_64": base64.StdEncoding.EncodeToString(f.Speech(secs)),
		"commit": commit, "sample_rate": 16000})
	return b
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// readUntil reads text messages until one of type mt (or the close).
func readUntil(ctx context.Context, t *testing.T, c *websocket.Conn, mt string) []string {
	t.Helper()
	var got []string
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v (got %v)", mt, err, got)
		}
		got = append(got, string(b))
		var m struct {
			MessageType string `json:"message_type"`
		}
		_ = json.Unmarshal(b, &m)
		if m.MessageType == mt {
			return got
		}
	}
}

// A token minted through the proxy opens a session; the log holds the mint,
// the upgrade, every message both ways in order, and the close; neither the
// key nor the token is in any file.
func TestProxyRecordsAWholeSession(t *testing.T) {
	t.Parallel()
	fake, _ := testfake.Start(t, fakeserver.Options{})
	r := newRig(t, fake.URL())
	ctx := ctxT(t)
	tok := r.mint(fake.TestKey())
	c, received := r.session(ctx, tok)
	var sent []string
	for i := 0; i < 4; i++ {
		msg := chunk(0.5, i == 3)
		sent = append(sent, string(msg))
		if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
			t.Fatal(err)
		}
	}
	received = append(received, readUntil(ctx, t, c, protocol.CommittedTranscript)...)
	if err := c.Close(websocket.StatusNormalClosure, "done"); err != nil {
		t.Fatal(err)
	}
	logs, ex := r.logs()
	if len(ex) != 1 || ex[0].Status != 200 || len(ex[0].Credentials) != 2 {
		t.Fatalf("exchanges: %+v", ex)
	}
	if len(logs) != 1 {
		t.Fatalf("%d logs", len(logs))
	}
	l := logs[0]
	if !l.Upgraded() || l.Close == nil || l.Close.By != wirelog.FromClient || l.Close.Code != 1000 || l.Close.Reason != "done" {
		t.Fatalf("upgrade %v close %+v", l.Response, l.Close)
	}
	var fromClient, fromServer []string
	for _, f := range l.Frames {
		if f.Dir == wirelog.FromClient {
			fromClient = append(fromClient, f.Data)
		} else {
			fromServer = append(fromServer, f.Data)
		}
	}
	if strings.Join(fromClient, "\n") != strings.Join(sent, "\n") {
		t.Fatalf("client frames differ from what the app sent")
	}
	if len(fromServer) < len(received) || strings.Join(fromServer[:len(received)], "\n") != strings.Join(received, "\n") {
		t.Fatalf("server frames %q, the app received %q", fromServer, received)
	}
	if ex[0].Credentials[1].ID != l.Request.Credentials[0].ID {
		t.Fatalf("the minted token and the presented one have different ids: %+v %+v", ex[0].Credentials, l.Request.Credentials)
	}
	scan(t, r.set.Dir(), fake.TestKey(), tok)
}

// scan fails if any file under dir holds a secret.
func scan(t *testing.T, dir string, secrets ...string) {
	t.Helper()
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		for _, s := range secrets {
			if strings.Contains(string(b), s) {
				t.Errorf("%s holds a secret (%s…)", p, s[:6])
			}
		}
		return nil
	})
}

// With the fake's sutkn-query-rejected bug upstream, a fresh token minted
// through the proxy and refused on first use is the server's fault; with a
// faithful upstream, an app that reuses its token is at fault.
func TestProxyDiagnosesWhoseRefusal(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		faults []string
		reuse  bool
		side   string
	}{
		{"server refuses a fresh token", []string{fakeserver.FaultSutknQueryRejected}, false, clientcheck.SideServer},
		{"app reuses its token", nil, true, clientcheck.SideApp},
	} {
		t.Run(c.name, func(t *testing.T) {
			fake, _ := testfake.Start(t, fakeserver.Options{Faults: c.faults})
			r := newRig(t, fake.URL())
			tok := r.mint(fake.TestKey())
			ctx := ctxT(t)
			tries := 1
			if c.reuse {
				tries = 2
			}
			for i := 0; i < tries; i++ {
				conn, _, err := websocket.Dial(ctx, r.ws()+"&token="+tok, nil)
				if err != nil {
					t.Fatal(err)
				}
				_, first, err := conn.Read(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if want := i == tries-1; strings.Contains(string(first), protocol.ErrAuth) != want {
					t.Fatalf("socket %d got %s", i+1, first)
				}
				_ = conn.Close(websocket.StatusNormalClosure, "")
			}
			logs, ex := r.logs()
			rep := clientcheck.Grade(logs, ex)
			if len(rep.Refusals) != 1 || rep.Refusals[0].Side != c.side {
				t.Fatalf("refusals: %+v", rep.Refusals)
			}
		})
	}
}

// upstream is a hand-written server for the cut tests.
func upstream(t *testing.T, h func(c *websocket.Conn)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		h(c)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// The server vanishes mid-stream: the app gets a close that says so, and
// every message the server sent before the cut is in the log.
func TestProxyServerCutMidStream(t *testing.T) {
	t.Parallel()
	const n = 20
	r := newRig(t, upstream(t, func(c *websocket.Conn) {
		ctx := context.Background()
		for i := 0; i < n; i++ {
			_ = c.Write(ctx, websocket.MessageText, []byte(fmt.Sprintf(`{"message_type":"partial_transcript","text":"word %d"}`, i)))
		}
		_ = c.CloseNow() // no close frame: a crash, as the app sees it
	}))
	ctx := ctxT(t)
	c, _, err := websocket.Dial(ctx, r.ws(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			if code := websocket.CloseStatus(err); code != 1014 {
				t.Fatalf("the app got %v, want close 1014 (the server vanished)", err)
			}
			var ce websocket.CloseError
			if errors.As(err, &ce) && !strings.Contains(ce.Reason, "server vanished") {
				t.Fatalf("reason %q", ce.Reason)
			}
			break
		}
		got = append(got, string(b))
	}
	logs, _ := r.logs()
	l := logs[0]
	if len(got) != n || len(l.Sent(wirelog.FromServer)) != n {
		t.Fatalf("the app got %d, the log has %d, the server sent %d", len(got), len(l.Sent(wirelog.FromServer)), n)
	}
	if l.Close == nil || l.Close.By != wirelog.ByCut || l.Close.CutBy != wirelog.FromServer {
		t.Fatalf("close %+v", l.Close)
	}
}

// The app vanishes mid-stream: the server gets 1001 with a reason that says
// so, and every message the server received is in the log.
func TestProxyClientCutMidStream(t *testing.T) {
	t.Parallel()
	type result struct {
		got  int
		code websocket.StatusCode
		why  string
	}
	done := make(chan result, 1)
	r := newRig(t, upstream(t, func(c *websocket.Conn) {
		var res result
		for {
			_, _, err := c.Read(context.Background())
			if err != nil {
				res.code = websocket.CloseStatus(err)
				var ce websocket.CloseError
				if errors.As(err, &ce) {
					res.why = ce.Reason
				}
				done <- res
				return
			}
			res.got++
		}
	}))
	ctx := ctxT(t)
	c, _, err := websocket.Dial(ctx, r.ws(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if err := c.Write(ctx, websocket.MessageText, chunk(0.1, false)); err != nil {
			t.Fatal(err)
		}
	}
	_ = c.CloseNow()
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		t.Fatal("the server never learnt that the app vanished")
	}
	logs, _ := r.logs()
	l := logs[0]
	if res.code != websocket.StatusGoingAway || !strings.Contains(res.why, "client vanished") {
		t.Fatalf("the server got close %d %q", res.code, res.why)
	}
	if res.got != 10 || len(l.Sent(wirelog.FromClient)) != 10 {
		t.Fatalf("the server got %d, the log has %d of 10", res.got, len(l.Sent(wirelog.FromClient)))
	}
	if l.Close == nil || l.Close.CutBy != wirelog.FromClient {
		t.Fatalf("close %+v", l.Close)
	}
}

// A refusal at the handshake reaches the app as the server gave it.
func TestProxyPassesAHandshakeRefusal(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `{"detail":{"status":"invalid_api_key"}}`)
	}))
	defer srv.Close()
	r := newRig(t, srv.URL)
	_, resp, err := websocket.Dial(ctxT(t), r.ws(), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("dial: %v %v", err, resp)
	}
	logs, _ := r.logs()
	if l := logs[0]; l.Response == nil || l.Response.Status != 403 || l.Close == nil || !strings.Contains(l.Close.Error, "invalid_api_key") {
		t.Fatalf("log: %+v %+v", l.Response, l.Close)
	}
}

// An upstream nobody answers on: the app gets a 502 that says what to do,
// REST and socket alike.
func TestProxyUnreachableUpstream(t *testing.T) {
	t.Parallel()
	ln := httptest.NewServer(http.NotFoundHandler())
	dead := ln.URL
	ln.Close()
	r := newRig(t, dead)
	_, resp, err := websocket.Dial(ctxT(t), r.ws(), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("socket: %v %v", err, resp)
	}
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), "check --target") {
		t.Fatalf("socket body %q", body)
	}
	rest, err := http.Post(r.base+protocol.SingleUseTokenPath+"realtime_scribe", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rest.Body)
	rest.Body.Close()
	if rest.StatusCode != http.StatusBadGateway || !strings.Contains(string(b), "check --target") {
		t.Fatalf("rest: %d %s", rest.StatusCode, b)
	}
}

// Back-pressure: while the app reads nothing, the server's writes stall
// once the socket buffers are full (the proxy holds one message, never a
// session); when the app reads, every message arrives.
func TestProxyPassesBackPressure(t *testing.T) {
	t.Parallel()
	const n, size = 320, 64 << 10 // 20 MiB: more than loopback's socket buffers hold
	var written atomic.Int64
	r := newRig(t, upstream(t, func(c *websocket.Conn) {
		msg := bytes.Repeat([]byte("a"), size)
		for i := 0; i < n; i++ {
			if c.Write(context.Background(), websocket.MessageBinary, msg) != nil {
				return
			}
			written.Add(1)
		}
		_ = c.Close(websocket.StatusNormalClosure, "")
	}))
	ctx := ctxT(t)
	c, _, err := websocket.Dial(ctx, r.ws(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(1 << 20)
	// Wait (bounded) until the server's writes stop advancing.
	last, still := int64(-1), 0
	for still < 5 && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
		if w := written.Load(); w == last {
			still++
		} else {
			last, still = w, 0
		}
	}
	if last >= n {
		t.Fatalf("the server wrote all %d messages while the app read none: the proxy buffered the session", n)
	}
	got := 0
	for {
		if _, _, err := c.Read(ctx); err != nil {
			if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
				t.Fatalf("after %d messages: %v", got, err)
			}
			break
		}
		got++
	}
	if got != n {
		t.Fatalf("the app got %d of %d messages", got, n)
	}
	t.Logf("the server stalled after %d of %d messages (%d MiB) while the app did not read", last, n, last*size>>20)
}

// A mint answer compressed with HTTP's deflate (zlib) is read, and an
// upstream under a base path records the path the app used: the token is
// learnt and its mint is evidence.
func TestProxyRecordsACompressedMintUnderABasePath(t *testing.T) {
	t.Parallel()
	const tok = "sutkn_0123456789abcdef0123456789abcdef"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/staging/v1/single-use-token/realtime_scribe" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "deflate")
		zw := zlib.NewWriter(w)
		_, _ = io.WriteString(zw, `{"token":"`+tok+`"}`)
		_ = zw.Close()
	}))
	defer srv.Close()
	r := newRig(t, srv.URL+"/staging")
	req, _ := http.NewRequest("POST", r.base+protocol.SingleUseTokenPath+"realtime_scribe", nil)
	req.Header.Set("Accept-Encoding", "deflate, br")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	_, ex := r.logs()
	if len(ex) != 1 || ex[0].Path != protocol.SingleUseTokenPath+"realtime_scribe" || len(ex[0].Credentials) != 1 || ex[0].Credentials[0].Where != "body:token" {
		t.Fatalf("exchange %+v", ex)
	}
	scan(t, r.set.Dir(), tok)
}

// Each kind of frame passes with its opcode and is recorded as the wire log
// records it, both ways: a text frame that is not UTF-8 stays a text frame.
func TestProxyRecordsEachKindOfFrame(t *testing.T) {
	t.Parallel()
	notUTF8 := []byte("{\"message_type\":\"partial_transcript\",\"text\":\"caf\xe9\"}")
	bin := []byte{0, 1, 0xff}
	fromApp := make(chan []byte, 1)
	r := newRig(t, upstream(t, func(c *websocket.Conn) {
		ctx := context.Background()
		_ = c.Write(ctx, websocket.MessageText, notUTF8)
		_ = c.Write(ctx, websocket.MessageBinary, bin)
		if typ, b, err := c.Read(ctx); err == nil && typ == websocket.MessageText {
			fromApp <- b
		}
		_ = c.Close(websocket.StatusNormalClosure, "")
	}))
	ctx := ctxT(t)
	c, _, err := websocket.Dial(ctx, r.ws(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		typ  websocket.MessageType
		data []byte
	}{{websocket.MessageText, notUTF8}, {websocket.MessageBinary, bin}} {
		typ, b, err := c.Read(ctx)
		if err != nil || typ != want.typ || !bytes.Equal(b, want.data) {
			t.Fatalf("the app got %v %q (%v), want %v %q", typ, b, err, want.typ, want.data)
		}
	}
	if err := c.Write(ctx, websocket.MessageText, []byte("\xff app")); err != nil {
		t.Fatal(err)
	}
	if b := <-fromApp; string(b) != "\xff app" {
		t.Fatalf("the server got %q", b)
	}
	_, _, _ = c.Read(ctx) // the close
	logs, _ := r.logs()
	want := []struct {
		dir  string
		kind wirelog.FrameKind
		data []byte
	}{
		{wirelog.FromServer, wirelog.FrameNotUTF8, notUTF8},
		{wirelog.FromServer, wirelog.FrameBinary, bin},
		{wirelog.FromClient, wirelog.FrameNotUTF8, []byte("\xff app")},
	}
	if len(logs) != 1 || len(logs[0].Frames) != len(want) {
		t.Fatalf("recorded %+v", logs)
	}
	for i, w := range want {
		f := logs[0].Frames[i]
		p, err := f.Payload()
		if err != nil || f.Dir != w.dir || p.Kind != w.kind || !bytes.Equal(p.Data, w.data) {
			t.Errorf("frame %d: %s %s %q (%v), want %s %s %q", i+1, f.Dir, p.Kind, p.Data, err, w.dir, w.kind, w.data)
		}
	}
}
