package fakeserver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/internal/captures"
	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/protocol"
)

// These tests talk to the fake with a bare WebSocket client, not the probes:
// the fake and the probes must not vouch for each other.

func startFake(t testing.TB, faults ...string) (*Server, string, *ManualClock) {
	t.Helper()
	return startWith(t, Options{Faults: faults})
}

func TestMintEndpoint(t *testing.T) {
	t.Parallel()
	s, base, _ := startFake(t)
	cases := []struct {
		name, key, tokenType string
		status               int
		detailStatus         string
	}{
		{"no key", "", "realtime_scribe", 401, protocol.StatusNeedsAuthorization},
		{"bad key", "sk_nope_12345678", "realtime_scribe", 401, protocol.StatusInvalidAPIKey},
		{"unknown type", s.TestKey(), "stt_socket", 422, ""},
		{"restricted key, realtime_scribe", s.RestrictedKey(), "realtime_scribe", 401, protocol.StatusMissingPermissions},
		{"restricted key, tts_websocket", s.RestrictedKey(), "tts_websocket", 200, ""},
		{"good key", s.TestKey(), "realtime_scribe", 200, ""},
	}
	for _, c := range cases {
		status, body := testkit.Mint(t, base, c.key, c.tokenType)
		if status != c.status {
			t.Errorf("%s: HTTP %d, want %d (%s)", c.name, status, c.status, body)
		}
		if got := gjson.Get(body, "detail.status").String(); got != c.detailStatus {
			t.Errorf("%s: detail.status %q, want %q", c.name, got, c.detailStatus)
		}
		switch c.status {
		case 200:
			if !strings.HasPrefix(gjson.Get(body, "token").String(), "sutkn_") {
				t.Errorf("%s: body %s has no sutkn_ token", c.name, body)
			}
		case 422:
			if gjson.Get(body, "detail.0.loc.1").String() != "token_type" {
				t.Errorf("%s: 422 body %s does not point at token_type", c.name, body)
			}
		}
	}
	if _, body := testkit.Mint(t, base, "", "realtime_scribe"); gjson.Get(body, "detail.message").String() != protocol.NeedsAuthorizationMessage {
		t.Errorf("needs_authorization message: %s", body)
	}
}

// dial opens the realtime socket and returns its frames until the server
// closes, or until n frames when n > 0 (leaving the socket open).
type socket struct {
	conn   *websocket.Conn
	frames []string
	code   websocket.StatusCode
	reason string
}

func open(t testing.TB, base string, q url.Values, key string) *socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{}
	if key != "" {
		h.Set("xi-api-key", key)
	}
	u := "ws" + strings.TrimPrefix(base, "http") + "/v1/speech-to-text/realtime?" + q.Encode()
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial: %v (HTTP %d)", err, status)
	}
	return &socket{conn: conn}
}

// read collects frames until n have arrived or the server closed.
func (s *socket) read(t testing.TB, n int) *socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for n <= 0 || len(s.frames) < n {
		_, b, err := s.conn.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if !errors.As(err, &ce) {
				t.Fatalf("read: %v", err)
			}
			s.code, s.reason = ce.Code, ce.Reason
			return s
		}
		s.frames = append(s.frames, string(b))
	}
	return s
}

func query(kv ...string) url.Values {
	q := url.Values{"model_id": {"scribe_v2_realtime"}}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Add(kv[i], kv[i+1])
	}
	return q
}

func wantAuthError(t *testing.T, name string, s *socket) {
	t.Helper()
	want := `{"message_type":"auth_error","error":"You must be authenticated to use this endpoint."}`
	if len(s.frames) != 1 || s.frames[0] != want || s.code != 1000 || s.reason != "" {
		t.Errorf("%s: frames %v, close %d %q; want exactly %s then close 1000 \"\"", name, s.frames, s.code, s.reason, want)
	}
}

func wantSession(t *testing.T, name string, s *socket) {
	t.Helper()
	if len(s.frames) < 1 || gjson.Get(s.frames[0], "message_type").String() != "session_started" {
		t.Errorf("%s: first frames %v, want session_started", name, s.frames)
	}
	_ = s.conn.Close(websocket.StatusNormalClosure, "")
}

func TestSocketAuthRules(t *testing.T) {
	t.Parallel()
	s, base, clock := startFake(t)
	key := s.TestKey()

	wantSession(t, "header", open(t, base, query(), key).read(t, 1))
	wantAuthError(t, "invalid header", open(t, base, query(), "sk_wrong_0123456789").read(t, 0))
	wantAuthError(t, "no credentials", open(t, base, query(), "").read(t, 0))

	tok := testkit.Token(t, base, key, "realtime_scribe")
	wantSession(t, "fresh token", open(t, base, query("token", tok), "").read(t, 1))
	wantAuthError(t, "spent token", open(t, base, query("token", tok), "").read(t, 0))

	old := testkit.Token(t, base, key, "realtime_scribe")
	clock.Advance(protocol.TokenLifetime)
	wantAuthError(t, "expired token", open(t, base, query("token", old), "").read(t, 0))

	wantAuthError(t, "tts token", open(t, base, query("token", testkit.Token(t, base, key, "tts_websocket")), "").read(t, 0))
	wantSession(t, "token and header", open(t, base, query("token", testkit.Token(t, base, key, "realtime_scribe")), key).read(t, 1))
	wantAuthError(t, "bad token, good header", open(t, base, query("token", "sutkn_00000000000000000000000000000000"), key).read(t, 0))
	wantAuthError(t, "api key as token", open(t, base, query("token", key), "").read(t, 0))
	wantAuthError(t, "single_use_token", open(t, base, query("single_use_token", testkit.Token(t, base, key, "realtime_scribe")), "").read(t, 0))
	wantAuthError(t, "token=undefined", open(t, base, query("token", "undefined"), "").read(t, 0))
	wantAuthError(t, "restricted key on the socket", open(t, base, query(), s.RestrictedKey()).read(t, 0))
}

func TestSutknQueryRejectedBug(t *testing.T) {
	t.Parallel()
	s, base, _ := startFake(t, FaultSutknQueryRejected)
	wantAuthError(t, "fresh token under the bug", open(t, base, query("token", testkit.Token(t, base, s.TestKey(), "realtime_scribe")), "").read(t, 0))
	wantSession(t, "header under the bug", open(t, base, query(), s.TestKey()).read(t, 1))
}

func TestAuthAtUpgradeDeviation(t *testing.T) {
	t.Parallel()
	_, base, _ := startFake(t, FaultAuthAtUpgrade)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/v1/speech-to-text/realtime?model_id=scribe_v2_realtime", nil)
	if err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("want HTTP 401 at the upgrade, got %v %v", resp, err)
	}
}

func TestUnknownFaultIsRefused(t *testing.T) {
	t.Parallel()
	if _, err := New(Options{Faults: []string{"no-such-fault"}}); err == nil || !strings.Contains(err.Error(), "sutkn-query-rejected") {
		t.Errorf("unknown fault: %v (want an error listing the known ones)", err)
	}
}

// The session_started config must have the wire shape of the live capture:
// the same keys, in the same order, with the same JSON types.
func TestSessionStartedHasTheCapturedWireShape(t *testing.T) {
	t.Parallel()
	s, base, _ := startFake(t)
	sock := open(t, base, query("audio_format", "pcm_24000", "language_code", "en"), s.TestKey()).read(t, 1)
	defer sock.conn.CloseNow()
	got := gjson.Get(sock.frames[0], "config")
	want := gjson.Get(capture(t, "session_started"), "frame.config")
	var gotKeys, wantKeys []string
	got.ForEach(func(k, v gjson.Result) bool { gotKeys = append(gotKeys, k.Str+":"+v.Type.String()); return true })
	want.ForEach(func(k, v gjson.Result) bool { wantKeys = append(wantKeys, k.Str+":"+v.Type.String()); return true })
	if strings.Join(gotKeys, ",") != strings.Join(wantKeys, ",") {
		t.Errorf("config keys:types\n got  %v\n want %v", gotKeys, wantKeys)
	}
	// With the capture's query, the values are the capture's too.
	var g, w map[string]any
	_ = json.Unmarshal([]byte(got.Raw), &g)
	_ = json.Unmarshal([]byte(want.Raw), &w)
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Errorf("config values\n got  %s\n want %s", gb, wb)
	}
	if id := gjson.Get(sock.frames[0], "session_id").String(); len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
		t.Errorf("session_id %q is not 32 lower-case hex", id)
	}
}

func TestCommitAnswersOnceAndThrottlesShortCommits(t *testing.T) {
	t.Parallel()
	s, base, _ := startFake(t)
	f, _ := protocol.ParseAudioFormat("pcm_16000")
	sock := open(t, base, query(), s.TestKey()).read(t, 1)
	send := func(audio []byte, commit bool) {
		if err := sock.conn.Write(context.Background(), websocket.MessageText, protocol.AppendAudioChunk(nil, audio, 16000, commit)); err != nil {
			t.Fatal(err)
		}
	}
	send(f.Tone(1, 440, 0.3), true)
	send(f.Tone(1, 440, 0.3), true)
	send(f.Tone(0.2, 440, 0.3), true)
	sock.read(t, 0)
	var committed []string
	var last string
	for _, fr := range sock.frames {
		switch gjson.Get(fr, "message_type").String() {
		case "committed_transcript":
			committed = append(committed, gjson.Get(fr, "text").String())
		case "commit_throttled":
			last = fr
		}
	}
	if len(committed) != 2 || committed[0] == "" || committed[0] != committed[1] {
		t.Errorf("two commits of the same second of tone gave %q; want two equal non-empty texts", committed)
	}
	want := capture(t, "commit with 0.20 s")
	if last != gjson.Get(want, "frame").Raw || sock.code != 1000 || sock.reason != "commit_throttled" {
		t.Errorf("short commit: %s, close %d %q; want the captured frame then close 1000 commit_throttled", last, sock.code, sock.reason)
	}
}

// capture returns the first line of testdata/live-frames.jsonl whose
// context or message_type mentions what.
func capture(t *testing.T, what string) string {
	t.Helper()
	lines := captures.Load(t)
	for _, line := range lines {
		if line.Get("frame.message_type").String() == what || strings.Contains(line.Get("context").String(), what) {
			return line.Raw
		}
	}
	t.Fatalf("no capture for %q", what)
	return ""
}

// Close ends a session at once even while its close handshake waits on a
// client that reads nothing: coder/websocket's Conn.Close waits up to 5 s
// for the client's close frame and holds CloseNow off meanwhile, so only
// closing the connection itself ends it (handleRealtime). With CloseNow
// alone, Close took 5 s a session.
func TestCloseCutsAHandshakeWaitingOnTheClient(t *testing.T) {
	t.Parallel()
	var logs testkit.SyncBuffer
	// The clock jumps past the idle timeout, not past a write's: a frame the
	// session is still sending as it starts (the warning after
	// session_started) has its write timer pending, and at the default 10 s
	// the jump cut the connection instead (a run under load waited for the
	// idle close for 60 s).
	s, base, clock := startWith(t, Options{Log: &logs, Session: SessionOptions{WriteTimeout: time.Hour}})
	open(t, base, query(), s.TestKey()).read(t, 1) // session_started; then it reads nothing
	// The idle timer is set once the session's first frames are sent: until
	// it is, a jump moves nothing, so jump until the idle close begins.
	advanceUntil(t, clock, DefaultIdleTimeout, "the idle close to begin", func() bool { return strings.Contains(logs.String(), "idle, closing") })
	closed := make(chan time.Duration)
	go func() {
		start := time.Now()
		_ = s.Close()
		closed <- time.Since(start)
	}()
	select {
	case took := <-closed:
		t.Logf("Close took %s", took.Round(time.Millisecond))
	case <-time.After(4 * time.Second): // a hang bound, short of the handshake's 5 s
		t.Fatal("Close waits for the close handshake of a client that reads nothing")
	}
}

// The session time limit (a named choice, off by default) and the idle close
// fire on the fake's clock, not the wall clock.
func TestSessionTimersRunOnTheFakeClock(t *testing.T) {
	t.Parallel()
	clock := NewManualClock(time.Now())
	s, err := New(Options{Clock: clock, Session: SessionOptions{SessionLimit: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	base := testkit.Serve(t, s)

	limited := open(t, base, query(), s.TestKey()).read(t, 1)
	idle := open(t, base, query(), s.TestKey()).read(t, 1)
	waitUntil(t, "two idle timers and two limits, set as the sessions start", func() bool { return clock.Pending() >= 4 })
	clock.Advance(DefaultIdleTimeout - time.Millisecond)
	clock.Advance(time.Millisecond) // idle: both sessions had no audio
	idle.read(t, 0)
	if idle.code != 1000 || len(idle.frames) != 1 {
		t.Errorf("idle session: close %d, frames %v; want 1000 and no frame after session_started", idle.code, idle.frames)
	}
	limited.read(t, 0)
	if limited.code != 1000 {
		t.Errorf("second session: close %d", limited.code)
	}

	// A clock of its own: the first sessions' timers may still be pending on
	// the first clock (a session stops its timers after it sent its close),
	// so there a count of 2 could come before this session's limit is set,
	// and the limit would be set after the clock moved (CI saw that read
	// time out).
	clock2 := NewManualClock(time.Now())
	s2, err := New(Options{Clock: clock2, Session: SessionOptions{SessionLimit: time.Second, IdleTimeout: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	base2 := testkit.Serve(t, s2)
	lim := open(t, base2, query(), s2.TestKey()).read(t, 1)
	waitUntil(t, "its idle timer and its limit", func() bool { return clock2.Pending() >= 2 })
	clock2.Advance(time.Second)
	lim.read(t, 0)
	if len(lim.frames) != 2 || gjson.Get(lim.frames[1], "message_type").String() != "session_time_limit_exceeded" || lim.reason != "session_time_limit_exceeded" {
		t.Errorf("limit: frames %v, close %d %q", lim.frames, lim.code, lim.reason)
	}
}

// Hostile parameters get invalid_request, never a crash.
func TestHostileParametersAreRefusedNotFatal(t *testing.T) {
	t.Parallel()
	s, base, _ := startFake(t, FaultRangeUnchecked)
	for _, v := range []string{"NaN", "nan", "Inf", "-Inf", "1e400"} {
		sock := open(t, base, query("vad_threshold", v), s.TestKey()).read(t, 0)
		if len(sock.frames) != 1 || gjson.Get(sock.frames[0], "message_type").String() != "invalid_request" {
			t.Errorf("vad_threshold=%s: %v, close %d", v, sock.frames, sock.code)
		}
	}
}

// An error that closes the session is sent before any later frame is
// answered: the fake answers in order, which the barrier relies on.
func TestErrorsCloseBeforeLaterFramesAreAnswered(t *testing.T) {
	t.Parallel()
	s, base, _ := startFake(t)
	f, _ := protocol.ParseAudioFormat("pcm_16000")
	big := protocol.AppendAudioChunk(nil, f.Silence(15), 16000, false)
	for range 20 {
		sock := open(t, base, query(), s.TestKey()).read(t, 1)
		_ = sock.conn.Write(context.Background(), websocket.MessageText, big)
		_ = sock.conn.Write(context.Background(), websocket.MessageText, []byte(`{"message_type":"barrier"}`))
		sock.read(t, 0)
		if len(sock.frames) != 2 || gjson.Get(sock.frames[1], "message_type").String() != "chunk_size_exceeded" || sock.reason != "chunk_size_exceeded" {
			t.Fatalf("after a 15 s chunk and another frame: %v, close %d %q", sock.frames[1:], sock.code, sock.reason)
		}
	}
}
