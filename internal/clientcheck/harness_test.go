package clientcheck_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/clientcheck"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/testfake"
	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// The harness: a fake that records wire logs, and a small client written
// here with coder/websocket that can be told to misbehave.

var pcm16k, _ = protocol.ParseAudioFormat("pcm_16000")

// harness is one fake and the recording of one run.
type harness struct {
	t     *testing.T
	srv   *fakeserver.Server
	base  string
	clock *fakeserver.ManualClock
	set   *wirelog.Set

	mu    sync.Mutex
	conns []*tracked
}

// tracked is a connection's wire log that signals when its close is
// recorded: the fake records it after the client has seen it.
type tracked struct {
	*wirelog.Conn
	once sync.Once
	done chan struct{}
}

func (c *tracked) Closed(by string, code int, reason, err string) {
	c.Conn.Closed(by, code, reason, err)
	c.once.Do(func() { close(c.done) })
}

// start runs a fake with opts on a manual clock. logOnFakeClock puts the wire
// log's times on the fake's clock too, so that a clock jump (an idle timeout,
// a token's expiry) shows in the log without waiting.
func start(t *testing.T, opts fakeserver.Options, logOnFakeClock bool) *harness {
	t.Helper()
	h := &harness{t: t}
	set, err := wirelog.NewSet(t.TempDir(), secrets.New())
	if err != nil {
		t.Fatal(err)
	}
	h.set = set
	opts.Record = fakeserver.Recording{
		Socket: func(r *http.Request) fakeserver.Recorder {
			c := &tracked{Conn: set.Open(r), done: make(chan struct{})}
			h.mu.Lock()
			h.conns = append(h.conns, c)
			h.mu.Unlock()
			return c
		},
		Exchange: set.Exchange,
	}
	h.srv, h.clock = testfake.Start(t, opts)
	h.base = h.srv.URL()
	set.KnownKey(h.srv.TestKey())
	if logOnFakeClock {
		set.SetClock(h.clock.Now)
	}
	return h
}

// grade stops the fake, waits until every connection's close is recorded,
// closes the recording and grades it.
func (h *harness) grade() clientcheck.Report {
	h.t.Helper()
	_ = h.srv.Close() // waits for REST handlers (their exchanges are recorded)
	h.mu.Lock()
	conns := slices.Clone(h.conns)
	h.mu.Unlock()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for _, c := range conns {
		select {
		case <-c.done:
		case <-timeout.C:
			h.t.Fatalf("%s: the fake never recorded how the connection ended", c.ID())
		}
	}
	return gradeSet(h.t, h.set)
}

// mint asks the fake for a token of tokenType with the test key.
func (h *harness) mint(tokenType string) string {
	h.t.Helper()
	return testkit.Token(h.t, h.base, h.srv.TestKey(), tokenType)
}

// client is one socket of the misbehaving client.
type client struct {
	t    *testing.T
	conn *websocket.Conn
	seen []string
}

// dial opens a socket; the query is sent exactly as given (raw, so that
// [object Object] and repeated keys go out as a client would send them).
func (h *harness) dial(path, rawQuery string, hdr http.Header) (*client, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(h.base, "http") + path + "?" + rawQuery
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		return nil, resp, err
	}
	return &client{t: h.t, conn: conn}, resp, nil
}

func (h *harness) mustDial(rawQuery string, hdr http.Header) *client {
	h.t.Helper()
	c, resp, err := h.dial(protocol.RealtimePath, rawQuery, hdr)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		h.t.Fatalf("dial ?%s: %v (HTTP %d)", rawQuery, err, status)
	}
	return c
}

// read returns the next data frame's text, or the error that ended the
// socket.
func (c *client) read() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := c.conn.Read(ctx)
	if err == nil {
		c.seen = append(c.seen, string(b))
	}
	return string(b), err
}

// expect reads until a frame of type t arrives.
func (c *client) expect(t string) gjson.Result {
	c.t.Helper()
	for {
		s, err := c.read()
		if err != nil {
			c.t.Fatalf("waiting for %s: %v; frames seen: %q", t, err, c.seen)
		}
		if m := gjson.Parse(s); m.Get("message_type").String() == t {
			return m
		}
	}
}

// expectClose reads until the server closes and returns its close code.
func (c *client) expectClose() websocket.StatusCode {
	c.t.Helper()
	for {
		_, err := c.read()
		var ce websocket.CloseError
		switch {
		case errors.As(err, &ce):
			return ce.Code
		case err != nil:
			c.t.Fatalf("waiting for the server's close: %v; frames seen: %q", err, c.seen)
		}
	}
}

func (c *client) send(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(websocket.MessageText, b)
}

func (c *client) sendRaw(typ websocket.MessageType, b []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, typ, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *client) closeNormal() {
	c.t.Helper()
	if err := c.conn.Close(websocket.StatusNormalClosure, "User ended session"); err != nil {
		c.t.Fatalf("close: %v", err)
	}
}

// chunk is input_audio_chunk as the SDKs send it.
func chunk(audio []byte, commit bool, rate int) map[string]any {
	m := map[string]any{"message_type": protocol.InputAudioChunk, "audio_base_64": base64.StdEncoding.EncodeToString(audio), "commit": commit}
	if rate > 0 {
		m["sample_rate"] = rate
	}
	return m
}

// plan is the well-behaved session, with knobs to break one thing.
type plan struct {
	token     string     // "" mints a realtime_scribe token
	query     url.Values // set over model_id and token; an empty value list deletes the key
	secs      float64    // audio before the commit (1 s)
	chunkSecs float64    // 0.1 s
	rate      int        // sample_rate on every chunk (16000); -1 leaves it out
	// edit rewrites the i-th audio chunk before it is sent.
	edit func(i int, m map[string]any)
	// between runs after the audio, before the commit.
	between func(c *client)
	// end replaces the commit, the committed_transcript and the close 1000.
	end func(c *client)
}

func (p plan) rawQuery(token string) string {
	q := url.Values{protocol.ParamModelID: {protocol.DefaultModel}, protocol.TokenParam: {token}}
	for k, vs := range p.query {
		if len(vs) == 0 {
			q.Del(k)
		} else {
			q[k] = vs
		}
	}
	return q.Encode()
}

// run is one session: mint, connect, stream, commit, read the transcript,
// close 1000.
func (h *harness) run(p plan) *client {
	h.t.Helper()
	if p.token == "" {
		p.token = h.mint(protocol.TokenRealtimeScribe)
	}
	if p.secs == 0 {
		p.secs = 1
	}
	if p.chunkSecs == 0 {
		p.chunkSecs = 0.1
	}
	if p.rate == 0 {
		p.rate = pcm16k.SampleRate
	}
	c := h.mustDial(p.rawQuery(p.token), nil)
	c.expect(protocol.SessionStarted)
	stream(c, pcm16k.Speech(p.secs), p.chunkSecs, p.rate, p.edit)
	if p.between != nil {
		p.between(c)
	}
	if p.end != nil {
		p.end(c)
		return c
	}
	c.send(chunk(nil, true, p.rate))
	c.expect(protocol.CommittedTranscript)
	c.closeNormal()
	return c
}

func stream(c *client, audio []byte, chunkSecs float64, rate int, edit func(int, map[string]any)) {
	n := pcm16k.Bytes(chunkSecs)
	for i, off := 0, 0; off < len(audio); i, off = i+1, off+n {
		m := chunk(audio[off:min(off+n, len(audio))], false, rate)
		if edit != nil {
			edit(i, m)
		}
		c.send(m)
	}
}

// refused connects and expects the server to refuse: an error frame of
// type t, then its close.
func (h *harness) refused(rawQuery string, hdr http.Header, t string) {
	h.t.Helper()
	c := h.mustDial(rawQuery, hdr)
	c.expect(t)
	c.expectClose()
}
