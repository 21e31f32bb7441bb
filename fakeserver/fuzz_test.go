package fakeserver

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/internal/captures"
	"github.com/scribecheck/scribecheck/protocol"
)

// Fuzz targets for everything the fake parses from a client: a frame inside
// a session, the query string, the token paths and the calibration it is
// given. `make fuzz` runs each for a bounded time; found cases stay in
// testdata/fuzz/<Target>/ and run with every go test.

// memWire is a session's wire without a socket: it keeps what the session
// sends, encoded as socketWire encodes it, and closes the session's
// socketWire as a real close would.
type memWire struct {
	sock   *socketWire
	mu     sync.Mutex
	frames [][]byte
	code   websocket.StatusCode
	closes int
}

func (w *memWire) Send(batch ...frame) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, f := range batch {
		if w.sock.Closed() {
			return
		}
		if raw, ok := f.Body.(rawText); ok {
			w.frames = append(w.frames, []byte(raw))
			continue
		}
		b, err := json.Marshal(f.Body)
		if err != nil {
			w.frames = append(w.frames, []byte("unencodable: "+err.Error()))
			continue
		}
		w.frames = append(w.frames, b)
	}
}

func (w *memWire) Close(code websocket.StatusCode, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sock.closed.Swap(true) {
		return
	}
	w.code, w.closes = code, w.closes+1
}

// memSession is a session of s with config cfg whose answers go to a memWire:
// handle, the real per-frame code, runs on it without a socket.
func memSession(s *Server, cfg sessionConfig) (*session, *memWire) {
	sock := &socketWire{rec: nopRecorder{}}
	w := &memWire{sock: sock}
	ctx, cancel := context.WithCancel(context.Background())
	return newSession(ctx, s, nil, sock, w, cfg, cancel), w
}

func fuzzServer(f *testing.F, opts Options) *Server {
	opts.Clock = NewManualClock(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	s, err := New(opts)
	if err != nil {
		f.Fatal(err)
	}
	return s
}

// captured returns the captured frames sent in direction dir, verbatim.
func captured(f *testing.F, dir string) []string {
	out := captures.Frames(f, dir)
	if len(out) == 0 {
		f.Fatalf("no %s frames in the captures", dir)
	}
	return out
}

// speechChunk is a chunk with its keys in alphabetical order, as a map
// marshals them: a seed whose message_type is not first, unlike
// protocol.AppendAudioChunk's.
func speechChunk(audio []byte, commit bool) string {
	b, _ := json.Marshal(map[string]any{"message_type": protocol.InputAudioChunk, "audio_base_64": b64(audio), "commit": commit, "sample_rate": 16000})
	return string(b)
}

// FuzzSessionFrame feeds one client frame, twice (first chunk, then a later
// one), to a session of the faithful fake opened with query. Every frame the
// fake answers with must be one its schemas document; text that is not JSON
// gets exactly one input_error and the session stays open; a close is 1000
// (the fake closes a session only normally: errors, throttles, limits).
func FuzzSessionFrame(f *testing.F) {
	// Partials and auto-commits come after a tenth of the usual audio, so
	// that inputs the fuzzer can keep small (a few KiB) reach them.
	s := fuzzServer(f, Options{Session: SessionOptions{PartialsAfterSecs: 0.2, AutoCommitSecs: 9}})
	schemas := protocol.MustLoadSchemas()
	q := "model_id=scribe_v2_realtime"
	for _, raw := range captured(f, "client") {
		f.Add(q, false, []byte(raw))
	}
	ulaw, _ := protocol.ParseAudioFormat("ulaw_8000")
	speech := ulaw.Speech(0.35)
	u := q + "&audio_format=ulaw_8000"
	f.Add(u, false, []byte(speechChunk(speech, true)))
	f.Add(u+"&commit_strategy=vad&vad_silence_threshold_secs=0.3&include_timestamps=true&diarize=true", false, []byte(speechChunk(speech, false)))
	f.Add(u+"&entity_redaction=pii&transcript_edit=lowercase&entity_detection=all", false, []byte(speechChunk(speech, true)))
	f.Add(u, true, speech)
	f.Add(q, true, pcm16k.Speech(0.01)[:101])
	f.Add(q, false, []byte(`{"message_type":"input_audio_chunk","audio_base_64":"AAA=","commit":"yes"}`))
	f.Add(q, false, []byte(`{"message_type":"input_audio_chunk","audio_base_64":"!!"}`))
	f.Add(q, false, []byte(`{"message_type":"commit"}`))
	f.Add(q, false, []byte(`[1,2]`))
	f.Add(q, false, []byte(`{"message_type":`))
	f.Fuzz(func(t *testing.T, query string, binary bool, data []byte) {
		cfg := defaultConfig()
		if v, err := url.ParseQuery(query); err == nil {
			if c, err := parseConfig(v, s.set.params); err == nil {
				cfg = c
			}
		}
		ss, w := memSession(s, cfg)
		defer ss.stopTimers()
		defer hangDetector("handle")()
		typ := websocket.MessageText
		if binary {
			typ = websocket.MessageBinary
		}
		ss.handle(typ, data)
		if !binary && !json.Valid(data) {
			if len(w.frames) != 1 || gjson.GetBytes(w.frames[0], protocol.MessageTypeField).Str != protocol.ErrInput || w.closes != 0 {
				t.Fatalf("text that is not JSON got %q (closes %d), want one input_error and the session open", w.frames, w.closes)
			}
		}
		ss.handle(typ, data)
		for _, fr := range w.frames {
			if res := schemas.ValidateFrame(fr); res.Fit != protocol.SchemaValid {
				t.Fatalf("the fake sent %s: %s", fr, res)
			}
		}
		if w.closes > 0 && w.code != websocket.StatusNormalClosure {
			t.Fatalf("the session closed with %d, want 1000", w.code)
		}
	})
}

// FuzzReadChunk holds the one-pass reader of the usual chunk to gjson, which
// reads every other frame: a frame readChunk takes is valid JSON to gjson,
// and gjson reads the same input_audio_chunk from it (message type, audio,
// a boolean or no commit, previous_text), so the session answers it as it
// would have without the shortcut.
func FuzzReadChunk(f *testing.F) {
	for _, raw := range captured(f, "client") {
		f.Add([]byte(raw))
	}
	f.Add([]byte(speechChunk(pcm16k.Speech(0.1), true)))
	for _, seed := range []string{
		` { "audio_base_64" : "AA==" , "message_type":"input_audio_chunk","previous_text":null}` + "\r\n",
		`{"message_type":"input_audio_chunk","audio_base_64":"AAAA","previous_text":"Hi.","sample_rate":-0.5e+3}`,
		"{\"message_type\":\"input_audio_chunk\",\"audio_base_64\":\"AA==\n\n\n\n\"}",
		"{\"message_type\":\"input_audio_chunk\",\"audio_base_64\":\"AAAA\r\nAAAA\"}",
		`{"message_type":"input_audio_chunk","audio_base_64":"AAAA","audio_base_64":"!!","commit":false,"commit":"x"}`,
		`{"message_type":"input_audio_chunk","audio_base_64":"AAAA","commit":null}`,
		`{"message_type":"input_audio_chunk","audio_base_64":"AAAA","sample_rate":01}`,
		`{"message_type":"input_audio_chunk","audio_base_64":"AAAA","extra":[1]}`,
		`{"message_type":"input_audio_chunk","audio_base_64":"AAAA"}x`,
		`{"message_type":"input_\u0061udio_chunk","audio_base_64":"AAAA"}`,
		`{"message_type":"input_audio_chunk","audio_base_64":"AA\/A"}`,
		`{"audio_base_64":"AAAA"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		audio, got, ok := readChunk(data, new(bytes.Buffer))
		if !ok {
			return
		}
		if !gjson.ValidBytes(data) {
			t.Fatalf("readChunk took %q, which is not JSON to gjson", data)
		}
		c := readClientFrame(gjson.ParseBytes(data), data)
		want := chunkFields{commit: c.commit.Bool(), previousText: c.previousText.Exists(), previousNull: c.previousText.Exists() && c.previousText.Type == gjson.Null}
		wantAudio, err := base64.StdEncoding.DecodeString(c.audio.Str)
		switch {
		case c.messageType.Type != gjson.String || c.messageType.Str != protocol.InputAudioChunk:
			t.Fatalf("readChunk took %q, whose message_type is %s to gjson", data, c.messageType.Raw)
		case c.audio.Type != gjson.String || err != nil || !bytes.Equal(audio, wantAudio):
			t.Fatalf("readChunk took %q with audio %x; gjson reads audio_base_64 %s (%v)", data, audio, c.audio.Raw, err)
		case c.commit.Exists() && !c.commit.IsBool():
			t.Fatalf("readChunk took %q, whose commit %s is no boolean to gjson", data, c.commit.Raw)
		case got != want:
			t.Fatalf("readChunk read %q as %+v, gjson as %+v", data, got, want)
		}
	})
}

// hangDetector crashes the process, with every goroutine's stack, if the
// function it returns is not called within 10 s: an input that hangs the fake
// is then recorded as a failing case, as a panic is.
func hangDetector(what string) (stop func()) {
	t := time.AfterFunc(10*time.Second, func() {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		panic(fmt.Sprintf("%s hung for 10 s on this input:\n%s", what, buf))
	})
	return func() { t.Stop() }
}

// FuzzParseConfig parses a query string as the faithful fake does. An
// accepted query has a documented model, an audio format the fake can hear,
// every number inside its documented range, and a session_started config
// that encodes; its model is no stimulus but lite (taken, and still a
// stimulus). Parsing is deterministic, and an error says which parameter is
// wrong.
func FuzzParseConfig(f *testing.F) {
	for _, q := range []string{
		"model_id=scribe_v2_realtime",
		"model_id=scribe_v2_realtime&audio_format=pcm_24000&language_code=en&include_timestamps=true",
		"model_id=scribe_v2_realtime&commit_strategy=vad&vad_silence_threshold_secs=1.5&vad_threshold=0.4&min_speech_duration_ms=100&min_silence_duration_ms=100",
		"model_id=scribe_v2_realtime&keyterms=Scribe&keyterms=ElevenLabs&entity_detection=pii,phi",
		"model_id=scribe_v2_realtime&entity_redaction=pii&entity_redaction_mode=mask&diarize=true",
		"model_id=scribe_v2_realtime&language_code=eng&secondary_languages=fr&no_verbatim=1",
		"model_id=SCRIBE_V2_REALTIME&include_timestamps=yes",
		"model_id=scribe_v2_realtime&model_id=scribe_realtime_v2",
		"model_id=scribe_v2_realtime&vad_threshold=NaN&min_speech_duration_ms=1e3",
		"token=sutkn_0123&model_id=scribe_v2_realtime_turbo&enable_logging=false",
	} {
		f.Add(q)
	}
	rules := faithfulParams()
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return // net/url's refusal: the server never sees such a query
		}
		c, err := parseConfig(q, rules)
		c2, err2 := parseConfig(q, rules)
		if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) || (err == nil && !reflect.DeepEqual(c, c2)) {
			t.Fatalf("two parses differ: %v, then %v", err, err2)
		}
		if err != nil {
			if msg := err.Error(); msg == "" || !mentionsParam(msg, q) {
				t.Fatalf("error %q names no parameter of %q", msg, raw)
			}
			return
		}
		if st := modelStimulus(q[protocol.ParamModelID]); st != "" && st != protocol.StimModelLite {
			t.Fatalf("accepted model_id %q is a stimulus the fake refuses (%s)", q[protocol.ParamModelID], st)
		}
		if c.Format.SampleRate <= 0 || c.Format.BytesPerSample() <= 0 {
			t.Fatalf("accepted audio format %+v", c.Format)
		}
		for _, p := range protocol.Params {
			if (p.Kind == protocol.KindFloat || p.Kind == protocol.KindInt) && len(q[p.Name]) > 0 {
				if x := valueOf(c, p.Name); x < p.Min || x > p.Max {
					t.Fatalf("%s=%v accepted outside %v..%v", p.Name, x, p.Min, p.Max)
				}
			}
		}
		if _, err := json.Marshal(c.wire()); err != nil {
			t.Fatalf("session_started config does not encode: %v", err)
		}
		_ = requestStimuli(&http.Request{URL: &url.URL{Path: protocol.RealtimePath, RawQuery: raw}})
	})
}

// valueOf is a numeric parameter as the parsed config holds it.
func valueOf(c sessionConfig, name string) float64 {
	switch name {
	case protocol.ParamVADSilenceThresholdSecs:
		return c.VADSilenceThresholdSecs
	case protocol.ParamVADThreshold:
		return c.VADThreshold
	case protocol.ParamMinSpeechDurationMS:
		return float64(c.MinSpeechDurationMS)
	case protocol.ParamMinSilenceDurationMS:
		return float64(c.MinSilenceDurationMS)
	}
	panic("valueOf: add " + name)
}

// mentionsParam: an error names model_id or one of the query's keys.
func mentionsParam(msg string, q url.Values) bool {
	if strings.Contains(msg, protocol.ParamModelID) {
		return true
	}
	for k := range q {
		if strings.Contains(msg, k) {
			return true
		}
	}
	return false
}

// FuzzTokenPaths drives the token endpoint and the socket's credential check
// with a fuzzed token type, API key header and query. A token comes back
// only for a known key, is sutkn_, is remembered with the type asked for and
// opens a socket at most once; no answer repeats the key sent; a socket's
// credentials are accepted only for the test key or a token minted for it.
func FuzzTokenPaths(f *testing.F) {
	s := fuzzServer(f, Options{})
	h := s.Handler()
	// "KEY" in a seed stands for the fake's test key, "RKEY" for its
	// restricted one, "TOKEN" for a token minted in that run.
	f.Add("realtime_scribe", "KEY", "model_id=scribe_v2_realtime&token=TOKEN", "")
	f.Add("realtime_scribe", "KEY", "model_id=scribe_v2_realtime", "KEY")
	f.Add("tts_websocket", "RKEY", "model_id=scribe_v2_realtime&token=TOKEN", "")
	f.Add("realtime_scribe", "RKEY", "model_id=scribe_v2_realtime", "RKEY")
	f.Add("batch_scribe", "sk_nope_12345678", "token=&model_id=scribe_v2_realtime", "KEY")
	f.Add("stt%2Fsocket", "", "token=undefined&token=TOKEN", "")
	f.Add("realtime_scribe/../x", "KEY", "token=TOKEN%00", "")
	f.Fuzz(func(t *testing.T, tokenType, key, query, header string) {
		key = strings.NewReplacer("RKEY", s.RestrictedKey(), "KEY", s.TestKey()).Replace(key)
		header = strings.NewReplacer("RKEY", s.RestrictedKey(), "KEY", s.TestKey()).Replace(header)
		if strings.ContainsAny(key+header, "\r\n\x00") {
			return // net/http refuses such a header before the fake sees it
		}
		req, err := http.NewRequest(http.MethodPost, "http://fake.invalid"+protocol.SingleUseTokenPath+tokenType, nil)
		if err != nil {
			return
		}
		if key != "" {
			req.Header.Set(protocol.APIKeyHeader, key)
		}
		rw := httptest.NewRecorder()
		h.ServeHTTP(rw, req)
		body := rw.Body.String()
		if len(key) >= 8 && strings.Contains(body, key) {
			t.Fatalf("the mint answer repeats the API key: %s", body)
		}
		token := ""
		switch rw.Code {
		case http.StatusOK:
			token = gjson.Get(body, "token").Str
			tok, ok := s.Tokens().Lookup(token)
			switch {
			case !strings.HasPrefix(token, protocol.TokenPrefix) || !ok:
				t.Fatalf("HTTP 200 with %s: not a token the store knows", body)
			case key != s.TestKey() && key != s.RestrictedKey():
				t.Fatalf("key %q minted a token", key)
			case !slices.Contains(protocol.TokenTypes, tok.Type) || tok.Type != req.PathValue("token_type"):
				t.Fatalf("asked for %q, minted a %q token", req.PathValue("token_type"), tok.Type)
			case key == s.RestrictedKey() && tok.Type == protocol.TokenRealtimeScribe:
				t.Fatal("the restricted key minted a realtime_scribe token")
			}
		case http.StatusUnauthorized, http.StatusUnprocessableEntity, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusMovedPermanently, http.StatusTemporaryRedirect:
		default:
			t.Fatalf("mint answered HTTP %d: %s", rw.Code, body)
		}

		query = strings.ReplaceAll(query, "TOKEN", url.QueryEscape(token))
		sock, err := http.NewRequest(http.MethodGet, "http://fake.invalid"+protocol.RealtimePath+"?"+query, nil)
		if err != nil {
			return
		}
		if header != "" {
			sock.Header.Set(protocol.APIKeyHeader, header)
		}
		first := s.auth(sock)
		again := s.auth(sock)
		q := sock.URL.Query()
		switch {
		case first.ok && first.via == "token":
			if tok, _ := s.Tokens().Lookup(q.Get(protocol.TokenParam)); tok.Type != protocol.TokenRealtimeScribe || !tok.Used {
				t.Fatalf("socket opened with token %+v", tok)
			}
			if again.ok {
				t.Fatal("a single-use token opened two sockets")
			}
		case first.ok && (q.Has(protocol.TokenParam) || header != s.TestKey()):
			t.Fatalf("socket opened via %s with query %q and header %q", first.via, query, header)
		case !first.ok && first.why == "":
			t.Fatalf("refused without a reason: %+v", first)
		}
	})
}

// FuzzCalibration reads a reaction as results.json records it and gives it
// to the fake for a stimulus. New refuses a reaction the fake cannot give,
// with an error naming the stimulus; one it takes is played, at the
// handshake or in a session, without a panic, and sends its frames verbatim.
func FuzzCalibration(f *testing.F) {
	f.Add(protocol.StimNotJSON, `{"stimulus":"not-json","kind":"frames","frames":["{\"message_type\":\"input_error\",\"error\":\"Invalid message\"}"],"close":{"code":1008,"reason":"bad"}}`)
	f.Add(protocol.StimModelUnknown, `{"stimulus":"model-unknown","kind":"http","status":403,"body":"{\"detail\":\"nope\"}"}`)
	f.Add(protocol.StimBinaryFrame, `{"stimulus":"binary-frame","kind":"session"}`)
	f.Add(protocol.StimOddByteCount, `{"kind":"frames","frames":[],"close":{"code":1011,"reason":""}}`)
	f.Add(protocol.StimBoolWord, `{"kind":"frames","frames":["{}"],"close":{"code":999,"reason":"x"}}`)
	f.Fuzz(func(t *testing.T, stimulus, reaction string) {
		var re protocol.Reaction
		if json.Unmarshal([]byte(reaction), &re) != nil {
			return // LoadResults refuses the file
		}
		s, err := New(Options{Clock: NewManualClock(time.Unix(0, 0)), Calibration: map[string]protocol.Reaction{stimulus: re}})
		if err != nil {
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", stimulus)) { // quoted: a stimulus may hold any bytes
				t.Fatalf("error %q does not name stimulus %q", err, stimulus)
			}
			return
		}
		if len(s.calib) != 1 {
			t.Fatalf("accepted, but the fake holds %d reactions", len(s.calib))
		}
		st, _ := protocol.LookupStimulus(stimulus)
		if st.At != protocol.StimulusFrame || re.Kind != protocol.ReactFrames {
			return
		}
		ss, w := memSession(s, defaultConfig())
		defer ss.stopTimers()
		ss.stimulus(stimulus, func() bool { t.Fatal("the fake's own choice ran for a calibrated stimulus"); return false })
		if len(w.frames) != len(re.Frames) {
			t.Fatalf("sent %d frames, the reaction has %d", len(w.frames), len(re.Frames))
		}
		for i := range re.Frames {
			if string(w.frames[i]) != re.Frames[i] {
				t.Fatalf("frame %d sent as %q, recorded %q", i, w.frames[i], re.Frames[i])
			}
		}
		if (re.Close != nil) != (w.closes == 1) || (re.Close != nil && int(w.code) != re.Close.Code) {
			t.Fatalf("close %d (%d times), recorded %+v", w.code, w.closes, re.Close)
		}
	})
}
