package fakeserver

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/protocol"
)

// A calibrated fake answers each stimulus exactly as recorded; without a
// reaction it keeps its own choice. Every stimulus is sent once to a plain
// fake and once to a fake calibrated with each kind of reaction that applies.

// Recorded reactions, with frames in a spacing no encoder would produce, so
// that byte-for-byte is checked.
var (
	reactJSONRefusal = protocol.Reaction{Kind: protocol.ReactHTTP, Status: 403,
		Body: `{"detail":{"status":"as_recorded","message":"Refused as recorded."}}`}
	reactTextRefusal = protocol.Reaction{Kind: protocol.ReactHTTP, Status: 400, Body: "Bad request, as recorded\n"}
	reactFramesClose = protocol.Reaction{Kind: protocol.ReactFrames,
		Frames: []string{`{"message_type":"error","error":"as recorded"}`, `{ "message_type" : "warning",  "warning":"spaced" }`},
		Close:  &protocol.Closing{Code: 4001, Reason: "as recorded"}}
	reactFramesOpen = protocol.Reaction{Kind: protocol.ReactFrames, Frames: []string{`{"message_type":"input_error", "error":"kept open"}`}}
	reactSession    = protocol.Reaction{Kind: protocol.ReactSession}
)

// upgrade is an upgrade request: a path (the realtime one if empty), a query
// and an xi-api-key header.
type upgrade struct {
	path string
	q    url.Values
	key  string
}

// handshakeCase is a request that carries one handshake stimulus.
type handshakeCase struct {
	name string
	req  func(t *testing.T, s *Server, base string) upgrade
	// own is the plain fake's answer: "auth_error", "invalid_request",
	// "404" or "session".
	own string
	// echo is a gjson path into session_started and the raw value a session
	// opened as if the input were fine shows there.
	echo [2]string
}

var longKeyterm = strings.Repeat("k", 21)

func keyterms(n int) []string {
	var out []string
	for i := range n {
		out = append(out, "term"+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	return out
}

func withKey(q url.Values) func(*testing.T, *Server, string) upgrade {
	return func(_ *testing.T, s *Server, _ string) upgrade { return upgrade{q: q, key: s.TestKey()} }
}

func model(m string) url.Values { return url.Values{protocol.ParamModelID: {m}} }

var handshakeCases = []handshakeCase{
	{protocol.StimTokenWrongType, func(t *testing.T, s *Server, base string) upgrade {
		return upgrade{q: query(protocol.TokenParam, testkit.Token(t, base, s.TestKey(), protocol.TokenTTSWebsocket))}
	}, "auth_error", [2]string{"config.model_id", `"scribe_v2_realtime"`}},
	{protocol.StimModelMissing, withKey(url.Values{}), "invalid_request", [2]string{"config.model_id", `"scribe_v2_realtime"`}},
	{protocol.StimModelUnknown, withKey(model(protocol.UnknownModel)), "invalid_request", [2]string{"config.model_id", `"scribe_v9_realtime"`}},
	{protocol.StimModelUpperCase, withKey(model("SCRIBE_V2_REALTIME")), "invalid_request", [2]string{"config.model_id", `"SCRIBE_V2_REALTIME"`}},
	{protocol.StimModelPadded, withKey(model(" scribe_v2_realtime ")), "invalid_request", [2]string{"config.model_id", `" scribe_v2_realtime "`}},
	{protocol.StimModelOldName, withKey(model(protocol.OldModelName)), "invalid_request", [2]string{"config.model_id", `"scribe_realtime_v2"`}},
	// Lite is a model the live server named as supported (docs/protocol.md §10): the fake takes it.
	{protocol.StimModelLite, withKey(model(protocol.LiteModel)), "session", [2]string{"config.model_id", `"scribe_v2_realtime_lite"`}},
	{protocol.StimOldRealtimePath, func(_ *testing.T, s *Server, _ string) upgrade {
		return upgrade{path: protocol.OldRealtimePath, q: query(), key: s.TestKey()}
	}, "404", [2]string{"config.model_id", `"scribe_v2_realtime"`}},
	{protocol.StimKeytermsTooMany, withKey(url.Values{protocol.ParamModelID: {protocol.DefaultModel}, protocol.ParamKeyterms: keyterms(51)}),
		"invalid_request", [2]string{"config.keyterms.#", "51"}},
	{protocol.StimKeytermTooLong, withKey(query(protocol.ParamKeyterms, longKeyterm)), "invalid_request", [2]string{"config.keyterms.0", `"` + longKeyterm + `"`}},
	{protocol.StimBoolWord, withKey(query(protocol.ParamIncludeTimestamps, "Yes")), "invalid_request", [2]string{"config.include_timestamps", "true"}},
	{protocol.StimRedactionModeOnly, withKey(query(protocol.ParamEntityRedactionMode, protocol.RedactionRedacted)), "session", [2]string{"config.model_id", `"scribe_v2_realtime"`}},
}

// answer is what came back for an upgrade request: an HTTP refusal, or a
// socket.
type answer struct {
	status      int
	contentType string
	body        string
	sock        *socket
}

func dialUpgrade(t *testing.T, base string, u upgrade) answer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{}
	if u.key != "" {
		h.Set(protocol.APIKeyHeader, u.key)
	}
	path := u.path
	if path == "" {
		path = protocol.RealtimePath
	}
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+path+"?"+u.q.Encode(), &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		if resp == nil {
			t.Fatalf("dial: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		return answer{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: string(b)}
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	return answer{sock: &socket{conn: conn}}
}

// sockets records every socket a fake serves, in order.
type sockets struct {
	mu  sync.Mutex
	all []*events
}

func (r *sockets) recording() Recording {
	return Recording{Socket: func(*http.Request) Recorder {
		e := newEvents()
		r.mu.Lock()
		defer r.mu.Unlock()
		r.all = append(r.all, e)
		return e
	}}
}

func (r *sockets) last(t *testing.T) *events {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.all) == 0 {
		t.Fatal("no socket recorded")
	}
	return r.all[len(r.all)-1]
}

// calibrated starts a fake with one reaction for stimulus name (none if
// re.Kind is ""), recording its sockets and its log.
func calibrated(t *testing.T, name string, re protocol.Reaction) (*Server, string, *sockets, *testkit.SyncBuffer) {
	t.Helper()
	var calib map[string]protocol.Reaction
	if re.Kind != "" {
		calib = map[string]protocol.Reaction{name: re}
	}
	rec, log := &sockets{}, &testkit.SyncBuffer{}
	s, base, _ := startWith(t, Options{Calibration: calib, Record: rec.recording(), Log: log})
	return s, base, rec, log
}

func TestHandshakeStimuliWithoutCalibration(t *testing.T) {
	t.Parallel()
	s, base, _, _ := calibrated(t, "", protocol.Reaction{})
	for _, c := range handshakeCases {
		ans := dialUpgrade(t, base, c.req(t, s, base))
		switch c.own {
		case "404":
			if ans.status != 404 || strings.TrimSpace(ans.body) != `{"detail":"Not Found"}` {
				t.Errorf("%s: HTTP %d %q; want 404 Not Found", c.name, ans.status, ans.body)
			}
		case "session":
			if ans.sock == nil {
				t.Fatalf("%s: HTTP %d, want a session", c.name, ans.status)
			}
			wantCommitAnswered(t, c.name, ans.sock.read(t, 1), false)
		case "auth_error":
			if ans.sock == nil {
				t.Fatalf("%s: HTTP %d, want auth_error in-band", c.name, ans.status)
			}
			wantAuthError(t, c.name, ans.sock.read(t, 0))
		default:
			if ans.sock == nil {
				t.Fatalf("%s: HTTP %d, want invalid_request in-band", c.name, ans.status)
			}
			sock := ans.sock.read(t, 0)
			if len(sock.frames) != 1 || gjson.Get(sock.frames[0], "message_type").String() != protocol.ErrInvalidRequest || sock.code != 1008 {
				t.Errorf("%s: frames %v, close %d; want invalid_request then close 1008", c.name, sock.frames, sock.code)
			}
		}
	}
}

func TestHandshakeStimuliAnswerAsRecorded(t *testing.T) {
	t.Parallel()
	for _, c := range handshakeCases {
		for _, re := range []protocol.Reaction{reactJSONRefusal, reactTextRefusal, reactFramesClose, reactFramesOpen, reactSession} {
			what := c.name + " " + re.Kind
			s, base, rec, log := calibrated(t, c.name, re)
			ans := dialUpgrade(t, base, c.req(t, s, base))
			switch re.Kind {
			case protocol.ReactHTTP:
				wantType := "application/json"
				if !json.Valid([]byte(re.Body)) {
					wantType = "text/plain; charset=utf-8"
				}
				if ans.status != re.Status || ans.body != re.Body || ans.contentType != wantType {
					t.Errorf("%s: HTTP %d %q (%s); want %d %q (%s)", what, ans.status, ans.body, ans.contentType, re.Status, re.Body, wantType)
				}
			case protocol.ReactFrames:
				if ans.sock == nil {
					t.Fatalf("%s: HTTP %d, want the recorded frames", what, ans.status)
				}
				if re.Close != nil {
					sock := ans.sock.read(t, 0)
					if !slices.Equal(sock.frames, re.Frames) || int(sock.code) != re.Close.Code || sock.reason != re.Close.Reason {
						t.Errorf("%s: frames %q, close %d %q; want %q, close %d %q", what, sock.frames, sock.code, sock.reason, re.Frames, re.Close.Code, re.Close.Reason)
					}
					break
				}
				wantOpenAndSilent(t, what, ans.sock, rec, re.Frames)
			case protocol.ReactSession:
				if ans.sock == nil {
					t.Fatalf("%s: HTTP %d, want a session", what, ans.status)
				}
				sock := ans.sock.read(t, 1)
				if got := gjson.Get(sock.frames[0], c.echo[0]).Raw; got != c.echo[1] {
					t.Errorf("%s: %s is %s, want %s (%s)", what, c.echo[0], got, c.echo[1], sock.frames[0])
				}
				wantCommitAnswered(t, what, sock, false)
			}
			if !strings.Contains(log.String(), "calibrated "+c.name+": ") {
				t.Errorf("%s: no log line for the calibrated answer:\n%s", what, log)
			}
		}
	}
}

// wantOpenAndSilent: the recorded frames came, and then nothing: a chunk a
// session would answer is read and ignored until the client leaves.
func wantOpenAndSilent(t *testing.T, what string, sock *socket, rec *sockets, frames []string) {
	t.Helper()
	sock.read(t, len(frames))
	if !slices.Equal(sock.frames, frames) || sock.code != 0 {
		t.Fatalf("%s: frames %q, close %d; want %q and the socket open", what, sock.frames, sock.code, frames)
	}
	sendChunk(t, sock, pcm16k.Silence(0.5), true)
	_ = sock.conn.Close(websocket.StatusNormalClosure, "done")
	lines := waitFor(t, rec.last(t), `close client 1000 "done"`)
	var sent []string
	for _, l := range lines {
		if f, ok := strings.CutPrefix(l, "server "); ok {
			sent = append(sent, f)
		}
	}
	if !slices.Equal(sent, frames) {
		t.Errorf("%s: the server sent %q; want only %q", what, sent, frames)
	}
}

func sendChunk(t *testing.T, sock *socket, audio []byte, commit bool) {
	t.Helper()
	send(t, sock, websocket.MessageText, protocol.AppendAudioChunk(nil, audio, 16000, commit))
}

func send(t *testing.T, sock *socket, typ websocket.MessageType, b []byte) {
	t.Helper()
	if err := sock.conn.Write(context.Background(), typ, b); err != nil {
		t.Fatal(err)
	}
}

// wantCommitAnswered: the session goes on. A commit gets a
// committed_transcript, with nothing before it since the frames already read.
// With empty, the commit carries no audio: it is answered only if the
// session already holds 0.3 s of it.
func wantCommitAnswered(t *testing.T, what string, sock *socket, empty bool) {
	t.Helper()
	audio := pcm16k.Silence(0.5)
	if empty {
		audio = nil
	}
	n := len(sock.frames)
	sendChunk(t, sock, audio, true)
	sock.read(t, n+1)
	if got := sock.frames[n:]; len(got) != 1 || gjson.Get(got[0], "message_type").String() != protocol.CommittedTranscript {
		t.Errorf("%s: the commit got %q, close %d %q; want committed_transcript", what, got, sock.code, sock.reason)
	}
	_ = sock.conn.Close(websocket.StatusNormalClosure, "")
}

// frameCase is a frame that is one frame stimulus.
type frameCase struct {
	name   string
	binary bool
	data   []byte
	// ownError is the plain fake's error frame type ("" for no answer),
	// ownText the start of its error text.
	ownError, ownText string
	// ownTakes and takes: the frame's audio (0.5 s or more) is kept by the
	// plain fake, and by a session that takes the frame as fine.
	ownTakes, takes bool
}

func chunkJSON(fields string) []byte {
	return []byte(`{"message_type":"input_audio_chunk"` + fields + `}`)
}

var frameCases = []frameCase{
	{name: protocol.StimNotJSON, data: []byte(`{"message_type":"input_audio_chunk",`),
		ownError: protocol.ErrInput, ownText: protocol.InvalidProtocolMessageText},
	{name: protocol.StimAudioMissing, data: chunkJSON(`,"commit":false`),
		ownError: protocol.ErrInput, ownText: protocol.InvalidProtocolMessageText},
	{name: protocol.StimCommitNotBool, data: chunkJSON(`,"audio_base_64":"` + b64(pcm16k.Silence(0.5)) + `","commit":"yes"`),
		ownError: protocol.ErrInput, ownText: protocol.InvalidProtocolMessageText, takes: true},
	{name: protocol.StimBinaryFrame, binary: true, data: pcm16k.Silence(0.5),
		ownError: protocol.ErrInput, ownText: "Binary frames are not supported", takes: true},
	{name: protocol.StimBadBase64, data: chunkJSON(`,"audio_base_64":"not*base64!"`),
		ownError: protocol.ErrInput, ownText: "audio_base_64 is not valid base64"},
	{name: protocol.StimOddByteCount, data: chunkJSON(`,"audio_base_64":"` + b64(append(pcm16k.Silence(0.5), 0)) + `"`),
		ownTakes: true, takes: true},
	{name: protocol.StimOversizeChunk, data: chunkJSON(`,"audio_base_64":"` + b64(pcm16k.Silence(11)) + `"`),
		ownError: protocol.ErrChunkSizeExceeded, ownText: "Audio chunk too large", takes: true},
}

// openSession opens a session and sends the stimulus frame.
func (c frameCase) send(t *testing.T, s *Server, base string) *socket {
	t.Helper()
	sock := open(t, base, query(), s.TestKey()).read(t, 1)
	typ := websocket.MessageText
	if c.binary {
		typ = websocket.MessageBinary
	}
	send(t, sock, typ, c.data)
	return sock
}

func TestFrameStimuliWithoutCalibration(t *testing.T) {
	t.Parallel()
	s, base, _, _ := calibrated(t, "", protocol.Reaction{})
	for _, c := range frameCases {
		sock := c.send(t, s, base)
		if c.ownError == protocol.ErrChunkSizeExceeded { // the only one that closes
			sock.read(t, 0)
			if len(sock.frames) != 2 || gjson.Get(sock.frames[1], "message_type").String() != c.ownError || sock.code != 1000 || sock.reason != c.ownError {
				t.Errorf("%s: %q, close %d %q; want %s then close 1000 %s", c.name, sock.frames[1:], sock.code, sock.reason, c.ownError, c.ownError)
			}
			continue
		}
		if c.ownError != "" {
			sock.read(t, 2)
			if got := sock.frames[1]; gjson.Get(got, "message_type").String() != c.ownError || !strings.HasPrefix(gjson.Get(got, "error").String(), c.ownText) {
				t.Errorf("%s: %s; want %s %q", c.name, got, c.ownError, c.ownText)
			}
		}
		wantCommitAnswered(t, c.name, sock, c.ownTakes)
	}
}

func TestFrameStimuliAnswerAsRecorded(t *testing.T) {
	t.Parallel()
	for _, c := range frameCases {
		for _, re := range []protocol.Reaction{reactFramesClose, reactFramesOpen, reactSession} {
			what := c.name + " " + re.Kind
			s, base, _, log := calibrated(t, c.name, re)
			sock := c.send(t, s, base)
			switch {
			case re.Kind == protocol.ReactSession: // no answer, and the audio that decodes is kept
				wantCommitAnswered(t, what, sock, c.takes)
			case re.Close != nil:
				sock.read(t, 0)
				if got := sock.frames[1:]; !slices.Equal(got, re.Frames) || int(sock.code) != re.Close.Code || sock.reason != re.Close.Reason {
					t.Errorf("%s: frames %q, close %d %q; want %q, close %d %q", what, got, sock.code, sock.reason, re.Frames, re.Close.Code, re.Close.Reason)
				}
			default: // the frames, then the session goes on without the frame's audio
				sock.read(t, 1+len(re.Frames))
				if got := sock.frames[1:]; !slices.Equal(got, re.Frames) {
					t.Errorf("%s: frames %q, want %q", what, got, re.Frames)
				}
				wantCommitAnswered(t, what, sock, false)
			}
			if !strings.Contains(log.String(), "calibrated "+c.name+": ") {
				t.Errorf("%s: no log line for the calibrated answer:\n%s", what, log)
			}
		}
	}
}

// A calibration changes the stimuli only: with every stimulus calibrated to
// a refusal, ordinary requests and frames are answered as before, and
// credentials still come first.
func TestCalibrationLeavesOtherInputsAlone(t *testing.T) {
	t.Parallel()
	all := map[string]protocol.Reaction{}
	for _, st := range protocol.Stimuli {
		all[st.Name] = reactFramesClose
		if st.At == protocol.StimulusHandshake {
			all[st.Name] = reactJSONRefusal
		}
	}
	s, base, _ := startWith(t, Options{Calibration: all})

	sock := open(t, base, query(), s.TestKey()).read(t, 1)
	if got := gjson.Get(sock.frames[0], "config.model_id").String(); got != protocol.DefaultModel {
		t.Errorf("ordinary session: %s", sock.frames[0])
	}
	send(t, sock, websocket.MessageText, []byte(`{"message_type":"commit"}`))
	sock.read(t, 2)
	if gjson.Get(sock.frames[1], "error").String() != protocol.UnexpectedMessageTypePrefix+"commit" {
		t.Errorf("unknown message type: %s", sock.frames[1])
	}
	wantCommitAnswered(t, "ordinary chunk", sock, false)

	wantSession(t, "fresh token", open(t, base, query("token", testkit.Token(t, base, s.TestKey(), "realtime_scribe")), "").read(t, 1))
	wantAuthError(t, "unknown token", open(t, base, query("token", "sutkn_00000000000000000000000000000000"), "").read(t, 0))
	// Credentials first (choice auth-before-params): a recorded refusal of the
	// model is not given to a client without them.
	wantAuthError(t, "no credentials, unknown model", open(t, base, model(protocol.UnknownModel), "").read(t, 0))

	bad := open(t, base, query(protocol.ParamVADThreshold, "5"), s.TestKey()).read(t, 0)
	if len(bad.frames) != 1 || gjson.Get(bad.frames[0], "message_type").String() != protocol.ErrInvalidRequest || bad.code != 1008 {
		t.Errorf("out of range: %v, close %d", bad.frames, bad.code)
	}
}

// Several stimuli in one request meet in the order of protocol.Stimuli: the
// first the fake does not take as fine answers.
func TestStimuliMeetInTheirOrder(t *testing.T) {
	t.Parallel()
	q := url.Values{protocol.ParamModelID: {"SCRIBE_V2_REALTIME"}, protocol.ParamKeyterms: {longKeyterm}}

	// The model is taken as fine, so the keyterm's recorded refusal answers.
	s, base, _ := startWith(t, Options{Calibration: map[string]protocol.Reaction{
		protocol.StimModelUpperCase: reactSession, protocol.StimKeytermTooLong: reactJSONRefusal}})
	if ans := dialUpgrade(t, base, upgrade{q: q, key: s.TestKey()}); ans.status != reactJSONRefusal.Status {
		t.Errorf("model taken as fine, keyterm refused as recorded: got HTTP %d", ans.status)
	}

	// Without a reaction for the model, the fake's own refusal of it answers.
	s, base, _ = startWith(t, Options{Calibration: map[string]protocol.Reaction{protocol.StimKeytermTooLong: reactJSONRefusal}})
	ans := dialUpgrade(t, base, upgrade{q: q, key: s.TestKey()})
	if ans.sock == nil {
		t.Fatalf("model not calibrated: HTTP %d, want the fake's own invalid_request", ans.status)
	}
	if sock := ans.sock.read(t, 0); len(sock.frames) != 1 || !strings.Contains(gjson.Get(sock.frames[0], "error").String(), "model_id") {
		t.Errorf("model not calibrated: %v", sock.frames)
	}

	// Both taken as fine: a session, echoing both as sent.
	s, base, _ = startWith(t, Options{Calibration: map[string]protocol.Reaction{
		protocol.StimModelUpperCase: reactSession, protocol.StimKeytermTooLong: reactSession}})
	sock := open(t, base, q, s.TestKey()).read(t, 1)
	if cfg := gjson.Get(sock.frames[0], "config"); cfg.Get("model_id").String() != "SCRIBE_V2_REALTIME" || cfg.Get("keyterms.0").String() != longKeyterm {
		t.Errorf("both taken as fine: %s", sock.frames[0])
	}
	_ = sock.conn.Close(websocket.StatusNormalClosure, "")
}

func TestCalibrationIsChecked(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		re   protocol.Reaction
		want string
	}{
		{"no-such-stimulus", reactSession, "no such stimulus"},
		{protocol.StimBinaryFrame, reactJSONRefusal, "upgrade request only"},
		{protocol.StimModelUnknown, protocol.Reaction{Kind: "shrug"}, "unknown reaction kind"},
		{protocol.StimModelUnknown, protocol.Reaction{Kind: protocol.ReactHTTP, Status: 302}, "status 302"},
		{protocol.StimModelUnknown, protocol.Reaction{Kind: protocol.ReactHTTP, Status: 600}, "status 600"},
		{protocol.StimModelUnknown, protocol.Reaction{Stimulus: protocol.StimModelLite, Kind: protocol.ReactSession}, "recorded for"},
		{protocol.StimNotJSON, protocol.Reaction{Kind: protocol.ReactFrames, Frames: []string{"not json"}}, "frame 1 is not a JSON object"},
		{protocol.StimNotJSON, protocol.Reaction{Kind: protocol.ReactFrames, Frames: []string{`{}`, `["an","array"]`}}, "frame 2 is not a JSON object"},
	}
	for _, code := range []int{999, 1004, 1005, 1006, 1015, 2000, 5000} {
		cases = append(cases, struct {
			name string
			re   protocol.Reaction
			want string
		}{protocol.StimBadBase64, protocol.Reaction{Kind: protocol.ReactFrames, Close: &protocol.Closing{Code: code}}, "close code"})
	}
	cases = append(cases, struct {
		name string
		re   protocol.Reaction
		want string
	}{protocol.StimBadBase64, protocol.Reaction{Kind: protocol.ReactFrames, Close: &protocol.Closing{Code: 1000, Reason: strings.Repeat("r", 124)}}, "close reason"})
	for _, c := range cases {
		_, err := New(Options{Calibration: map[string]protocol.Reaction{c.name: c.re}})
		if err == nil || !strings.Contains(err.Error(), `"`+c.name+`"`) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %+v: error %v; want one naming the stimulus and %q", c.name, c.re, err, c.want)
		}
	}
	for _, code := range []int{1000, 1008, 1011, 1014, 3000, 4999} {
		re := protocol.Reaction{Kind: protocol.ReactFrames, Close: &protocol.Closing{Code: code, Reason: strings.Repeat("r", 123)}}
		if _, err := New(Options{Calibration: map[string]protocol.Reaction{protocol.StimBadBase64: re}}); err != nil {
			t.Errorf("close %d: %v", code, err)
		}
	}
}

func TestCalibratedNotesSayWhatChanged(t *testing.T) {
	t.Parallel()
	for _, st := range protocol.Stimuli {
		if !slices.ContainsFunc(Choices, func(c Choice) bool { return c.Name == st.Choice }) {
			t.Errorf("stimulus %s belongs to choice %s, which Choices lacks", st.Name, st.Choice)
		}
	}
	s, err := New(Options{Calibration: map[string]protocol.Reaction{
		protocol.StimOversizeChunk: reactFramesClose, protocol.StimModelLite: reactSession, protocol.StimOldRealtimePath: reactTextRefusal}})
	if err != nil {
		t.Fatal(err)
	}
	notes := s.Calibrated()
	var got []string
	for _, n := range notes {
		got = append(got, n.Stimulus)
		line := n.String()
		if strings.Contains(line, "\n") || !strings.Contains(line, n.Choice) || !strings.Contains(line, n.Own) || !strings.Contains(line, n.Now) {
			t.Errorf("note %q", line)
		}
	}
	if want := []string{protocol.StimModelLite, protocol.StimOldRealtimePath, protocol.StimOversizeChunk}; !slices.Equal(got, want) {
		t.Errorf("notes for %v, want %v in the order of protocol.Stimuli", got, want)
	}
	if n := notes[2]; n.Choice != "chunk-size-limit" || !strings.Contains(n.Own, "chunk_size_exceeded") ||
		n.Now != `{"message_type":"error","error":"as recorded"} { "message_type" : "warning", "warning":"spaced" }, then close 4001 "as recorded"` {
		t.Errorf("oversize note: %+v", n)
	}
	if n := notes[1]; !strings.Contains(n.Own, "404") || n.Now != `HTTP 400 Bad request, as recorded` {
		t.Errorf("old path note: %+v", n)
	}
	if s, _ := New(Options{}); len(s.Calibrated()) != 0 {
		t.Errorf("an uncalibrated fake has notes: %v", s.Calibrated())
	}
}

// The fake's model stimulus and the advice CheckQuery gives on the same
// model_id read it one way: a stimulus of case or padding is advice that
// the model is a known one written otherwise, the old name is the old name,
// and any other model the fake refuses is neither. Keyterm limits are a
// stimulus exactly where CheckQuery finds a count or length problem.
func TestStimuliReadTheQueryAsCheckQueryDoes(t *testing.T) {
	t.Parallel()
	for _, model := range []string{"SCRIBE_V2_REALTIME", " scribe_v2_realtime ", " SCRIBE_V2_REALTIME ", "Scribe_V2_Realtime_Turbo",
		"scribe_v2_realtime\t", protocol.OldModelName, protocol.UnknownModel, "scribe_v1", "scribe_v2", " scribe_realtime_v2 ", "scribe_v2_realtime_"} {
		_, problems := protocol.CheckQuery(url.Values{protocol.ParamModelID: {model}}, protocol.FaithfulRules())
		i := slices.IndexFunc(problems, func(p protocol.QueryProblem) bool { return p.Kind == protocol.ProblemModel })
		if i < 0 {
			t.Fatalf("%q: CheckQuery finds no model problem in %+v", model, problems)
		}
		text := problems[i].Text
		st := modelStimulus([]string{model})
		otherwise := strings.Contains(text, "written otherwise")
		switch {
		case (st == protocol.StimModelUpperCase || st == protocol.StimModelPadded) != otherwise,
			(st == protocol.StimModelOldName) != strings.Contains(text, "the old name"),
			st == "" || st == protocol.StimModelMissing || st == protocol.StimModelLite:
			t.Errorf("%q: stimulus %q, advice %q: not one reading", model, st, text)
		}
	}
	m := protocol.ParamModelID + "=" + protocol.DefaultModel
	for raw, want := range map[string][]string{
		m + "&keyterms=" + strings.Repeat("k", 20):                                     nil,
		m + "&keyterms=" + strings.Repeat("é", 21):                                     {protocol.StimKeytermTooLong},
		m + strings.Repeat("&keyterms=a", 50):                                          nil,
		m + strings.Repeat("&keyterms=a", 51):                                          {protocol.StimKeytermsTooMany},
		m + strings.Repeat("&keyterms=a", 51) + "&keyterms=" + strings.Repeat("k", 21): {protocol.StimKeytermsTooMany, protocol.StimKeytermTooLong},
	} {
		got := requestStimuli(&http.Request{URL: &url.URL{Path: protocol.RealtimePath, RawQuery: raw}})
		if !slices.Equal(got, want) {
			t.Errorf("%.60s…: stimuli %q, want %q", raw, got, want)
		}
	}
}
