package clientcheck_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/scribecheck/scribecheck/internal/clientcheck"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// Edge cases on hand-built recordings: written with wirelog's own writer (so
// credentials are classified as in a real run) on a clock the test moves.

type recording struct {
	t     *testing.T
	set   *wirelog.Set
	start time.Time
	now   time.Time
}

func newRecording(t *testing.T) *recording {
	r := &recording{t: t, start: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	r.now = r.start
	set, err := wirelog.NewSet(t.TempDir(), secrets.New())
	if err != nil {
		t.Fatal(err)
	}
	set.SetClock(func() time.Time { return r.now })
	r.set = set
	return r
}

// at moves the clock to secs after the start.
func (r *recording) at(secs float64) *recording {
	r.now = r.start.Add(time.Duration(secs * float64(time.Second)))
	return r
}

// conn is a connection being written.
type conn struct {
	*wirelog.Conn
	r *recording
}

func (r *recording) open(target string, header ...string) *conn {
	req := httptest.NewRequest("GET", target, nil)
	req.RemoteAddr = "10.0.0.7:51234"
	req.Header.Set("User-Agent", "node")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return &conn{Conn: r.set.Open(req), r: r}
}

const realtime = "/v1/speech-to-text/realtime?model_id=scribe_v2_realtime"

// session opens a connection that the server upgrades and starts.
func (r *recording) session(query string, header ...string) *conn {
	c := r.open(realtime+query, header...)
	c.Status(101)
	c.server(`{"message_type":"session_started","session_id":"0123456789abcdef0123456789abcdef","config":{}}`)
	return c
}

func (c *conn) server(data string) *conn { c.Frame(false, false, []byte(data)); return c }
func (c *conn) client(data string) *conn { c.Frame(true, false, []byte(data)); return c }

// audio sends a chunk of secs of PCM16 16 kHz silence.
func (c *conn) audio(secs float64, commit bool) *conn {
	b, _ := json.Marshal(chunk(pcm16k.Silence(secs), commit, 16000))
	return c.client(string(b))
}

func (c *conn) commit() *conn { return c.audio(0, true) }

func (r *recording) mint(tokenType, token string) {
	req := httptest.NewRequest("POST", protocol.SingleUseTokenPath+tokenType, nil)
	req.Header.Set(protocol.APIKeyHeader, "sk_live_0123456789abcdef0123456789abcdef")
	r.set.Exchange(req, 200, []byte(`{"token":"`+token+`"}`))
}

func (r *recording) grade() clientcheck.Report {
	r.t.Helper()
	return gradeSet(r.t, r.set)
}

// gradeSet closes a recording, reads it back as a user's recording is read
// and grades it: the hand-built recordings and the harness's end here.
func gradeSet(t *testing.T, set *wirelog.Set) clientcheck.Report {
	t.Helper()
	if err := set.Close(); err != nil {
		t.Fatal(err)
	}
	logs, exchanges, err := wirelog.ReadDir(set.Dir())
	if err != nil {
		t.Fatal(err)
	}
	return clientcheck.Grade(logs, exchanges)
}

func result(t *testing.T, rep clientcheck.Report, conn int, rule string) clientcheck.Finding {
	t.Helper()
	for _, f := range rep.Conns[conn].Results {
		if f.Rule == rule {
			return f
		}
	}
	t.Fatalf("%s has no %s result", rep.Conns[conn].ID, rule)
	return clientcheck.Finding{}
}

func runResult(t *testing.T, rep clientcheck.Report, rule string) clientcheck.Finding {
	t.Helper()
	for _, f := range rep.Run {
		if f.Rule == rule {
			return f
		}
	}
	t.Fatalf("no run result for %s", rule)
	return clientcheck.Finding{}
}

const tok1 = "sutkn_0123456789abcdef0123456789abcdef"

func TestRulesTable(t *testing.T) {
	for i, r := range clientcheck.Rules {
		if want := "CLIENT-" + itoa(i+1); r.ID != want {
			t.Errorf("rule %d is %s, want %s: IDs are in order and never renumbered", i, r.ID, want)
		}
		if r.Requirement == "" || r.Meaning == "" || r.Evidence == "" {
			t.Errorf("%s: empty text: %+v", r.ID, r)
		}
		if r.Scope != clientcheck.ScopeConnection && r.Scope != clientcheck.ScopeRun {
			t.Errorf("%s: scope %q", r.ID, r.Scope)
		}
		if r.Level == verdict.Must && !strings.Contains(r.Evidence, "D") {
			t.Errorf("%s is MUST on evidence %q: MUST only for documented facts", r.ID, r.Evidence)
		}
		if got, ok := clientcheck.Lookup(r.ID); !ok || got.ID != r.ID {
			t.Errorf("Lookup(%s)", r.ID)
		}
	}
	if _, ok := clientcheck.Lookup("CLIENT-99"); ok {
		t.Error("Lookup of an unknown rule")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestNothingRecorded(t *testing.T) {
	rep := clientcheck.Grade(nil, nil)
	if rep.Verdict != verdict.NotApplicable || len(rep.Conns) != 0 || rep.Failed(true) {
		t.Fatalf("%+v", rep)
	}
	if len(rep.Run) != 3 {
		t.Errorf("run rules: %+v", rep.Run)
	}
}

func TestFailedStrict(t *testing.T) {
	if (clientcheck.Report{Verdict: verdict.NonStrict}).Failed(false) || !(clientcheck.Report{Verdict: verdict.NonStrict}).Failed(true) {
		t.Error("NON-STRICT fails only under strict")
	}
	if !(clientcheck.Report{Verdict: verdict.Failed}).Failed(false) {
		t.Error("FAILED fails")
	}
}

// A log that ends early (no response, no close; a torn line) is graded
// without a panic, and says why rules do not apply.
func TestIncompleteLogs(t *testing.T) {
	r := newRecording(t)
	r.open(realtime + "&token=" + tok1) // the recorder stopped before the answer
	rep := r.grade()
	c := rep.Conns[0]
	if c.Close != "cut" {
		t.Errorf("close %q", c.Close)
	}
	if f := result(t, rep, 0, clientcheck.RuleCloseCode); f.Verdict != verdict.NotApplicable {
		t.Errorf("a connection that never upgraded: %+v", f)
	}
	l := &wirelog.Log{ID: "conn-0009", Request: wirelog.Record{Kind: wirelog.KindRequest, Path: protocol.RealtimePath}, Torn: true}
	rep = clientcheck.Grade([]*wirelog.Log{l}, nil)
	if rep.Conns[0].Close != "unknown (the log is torn)" || rep.Conns[0].AuthPath != "none" {
		t.Errorf("%+v", rep.Conns[0])
	}
}

func TestCredentialShapesAndAuthPaths(t *testing.T) {
	r := newRecording(t)
	r.set.KnownKey("sk_live_0123456789abcdef0123456789abcdef")
	r.open(realtime+"&token="+tok1, "xi-api-key", "sk_live_0123456789abcdef0123456789abcdef").Closed("client", 1000, "", "")
	r.open(realtime, "xi-api-key", "sk_live_0123456789abcdef0123456789abcdef").Closed("client", 1000, "", "")
	r.open(realtime).Closed("server", 1000, "", "")
	r.open(realtime, "xi-api-key", tok1).Closed("server", 1000, "", "")
	r.open(realtime+"&xi-api-key=sk_live_0123456789abcdef0123456789abcdef").Closed("server", 1000, "", "")
	r.open(realtime+"&token=null").Closed("server", 1000, "", "")
	r.open(realtime+"&token=").Closed("server", 1000, "", "")
	rep := r.grade()
	for i, want := range []struct {
		path    string
		verdict verdict.Verdict
		says    string
	}{
		{"token+header", verdict.OK, "token+header"},
		{"header", verdict.OK, "header"},
		{"none", verdict.Failed, "no credentials at all"},
		{"header", verdict.Failed, "a single-use token (sutkn_…"},
		{"xi-api-key-query", verdict.Failed, "?xi-api-key="},
		{"token-query", verdict.Failed, "?token=null"},
		{"token-query", verdict.Failed, "?token= is empty"},
	} {
		c := rep.Conns[i]
		f := result(t, rep, i, clientcheck.RuleCredential)
		if c.AuthPath != want.path || f.Verdict != want.verdict || !strings.Contains(f.Message, want.says) {
			t.Errorf("%s: auth path %q, %s %q; want %q, %s, %q", c.ID, c.AuthPath, f.Verdict, f.Message, want.path, want.verdict, want.says)
		}
	}
}

func TestUnknownKeysAreClassified(t *testing.T) {
	for key, want := range map[string]string{
		"keyterm": "misspelling of keyterms", "modelId": "misspelling of model_id", "langauge_code": "misspelling of language_code",
		"include_timestamp": "misspelling of include_timestamps", "min_speech_duration": "misspelling of min_speech_duration_ms",
		"sample_rate": "use audio_format", "encoding": "use audio_format", "disable_logging": "use enable_logging=false",
		"vad_commit_strategy": "use commit_strategy=vad", "noise_reduction": "drift", "x": "drift",
	} {
		r := newRecording(t)
		r.session("&token="+tok1+"&"+key+"=1").Closed("client", 1000, "", "")
		f := result(t, r.grade(), 0, clientcheck.RuleQueryKeys)
		wantVerdict := verdict.NonStrict
		if want == "drift" {
			wantVerdict = verdict.Informational
		}
		if f.Verdict != wantVerdict || !strings.Contains(f.Message, want) {
			t.Errorf("%s: %s %q, want %s and %q", key, f.Verdict, f.Message, wantVerdict, want)
		}
	}
}

func TestQueryValues(t *testing.T) {
	for query, want := range map[string]verdict.Verdict{
		"&audio_format=pcm_16000&audio_format=pcm_16000":           verdict.OK,            // elevenlabs-js 2.31-2.56 sends it twice
		"&audio_format=pcm_16000&audio_format=pcm_44100":           verdict.Informational, // the fake reads the last and opens the session
		"&audio_format=mp3_44100":                                  verdict.Failed,
		"&commit_strategy=turn_prediction":                         verdict.OK,
		"&include_timestamps=True":                                 verdict.Informational, // the fake reads it; the docs write true
		"&include_timestamps=yes please":                           verdict.Failed,
		"&include_timestamps=yes":                                  verdict.Failed, // the fake refuses yes, on and tRUE (strconv.ParseBool)
		"&no_verbatim=on":                                          verdict.Failed,
		"&enable_logging=tRUE":                                     verdict.Failed,
		"&vad_threshold=2&vad_threshold=0.5":                       verdict.Informational, // the last is read
		"&min_speech_duration_ms=100.5":                            verdict.Failed,
		"&vad_silence_threshold_secs=3.0":                          verdict.OK,
		"&filter_background_audio=true&include_timestamps=true":    verdict.Failed,
		"&entity_redaction_mode=bogus":                             verdict.Failed, // a contract parameter (C), and the fake refuses it
		"&keyterms=" + strings.Repeat("k", 21):                     verdict.Failed,
		"&transcript_edit=x&entity_detection=all&no_verbatim=true": verdict.Failed, // the fake refuses the pair (C)
	} {
		r := newRecording(t)
		r.session("&token="+tok1+strings.ReplaceAll(query, " ", "+")).Closed("client", 1000, "", "")
		if f := result(t, r.grade(), 0, clientcheck.RuleQueryValues); f.Verdict != want {
			t.Errorf("%s: %s %q, want %s", query, f.Verdict, f.Message, want)
		}
	}
}

func TestBase64Diagnoses(t *testing.T) {
	pcm := pcm16k.Tone(0.1, 440, 0.5)
	std := base64.StdEncoding.EncodeToString(pcm)
	for name, c := range map[string]struct{ b64, says string }{
		"data url":   {"data:audio/pcm;base64," + std, "data: URL"},
		"mime lines": {std[:76] + "\n" + std[76:], "line breaks"},
		"no padding": {base64.RawStdEncoding.EncodeToString(pcm[:3199]), "without its = padding"},
		"garbage":    {"@@@@", "not base64"},
	} {
		r := newRecording(t)
		b, _ := json.Marshal(map[string]any{"message_type": "input_audio_chunk", "audio_base_64": c.b64})
		r.session("&token="+tok1).client(string(b)).Closed("client", 1000, "", "")
		f := result(t, r.grade(), 0, clientcheck.RuleBase64)
		if f.Verdict != verdict.Failed || !strings.Contains(f.Message, c.says) || len(f.Frames) != 1 || f.Frames[0] != 1 {
			t.Errorf("%s: %s %q frames %v", name, f.Verdict, f.Message, f.Frames)
		}
	}
}

// μ-law is one byte a sample: an odd count is fine, and durations use it.
func TestULawChunks(t *testing.T) {
	ulaw, _ := protocol.ParseAudioFormat("ulaw_8000")
	r := newRecording(t)
	c := r.session("&token=" + tok1 + "&audio_format=ulaw_8000")
	for range 5 {
		b, _ := json.Marshal(chunk(ulaw.Silence(0.25)[:1601], false, 8000))
		c.client(string(b))
	}
	b, _ := json.Marshal(chunk(nil, true, 8000))
	c.client(string(b)).server(`{"message_type":"committed_transcript","text":""}`).Closed("client", 1000, "", "")
	rep := r.grade()
	if got := failing(rep); len(got) != 0 {
		t.Fatalf("failing %v\n%s", got, dump(rep))
	}
	if f := result(t, rep, 0, clientcheck.RuleChunkSize); !strings.Contains(f.Message, "4 chunks of 0.200 s") {
		t.Errorf("%q", f.Message)
	}
}

// In VAD mode the server commits by itself; a client commit right after it
// is throttled, and the message says what came before.
func TestCommitAfterTheServersOwnCommit(t *testing.T) {
	r := newRecording(t)
	c := r.session("&token=" + tok1 + "&commit_strategy=vad")
	for range 10 {
		c.audio(0.1, false)
	}
	c.server(`{"message_type":"committed_transcript","text":"hello"}`) // VAD
	c.audio(0.1, false)
	c.commit().server(`{"message_type":"committed_transcript","text":""}`) // 0.1 s: the live server throttles; this one did not
	c.audio(0.05, false)
	c.server(`{"message_type":"committed_transcript","text":"again"}`) // VAD
	c.commit()
	c.server(`{"message_type":"commit_throttled","error":"Commit request ignored: only 0.00s of uncommitted audio. You need at least 0.3s of uncommitted audio before committing."}`)
	c.Closed("server", 1000, "commit_throttled", "")
	rep := r.grade()
	f := result(t, rep, 0, clientcheck.RuleCommitMinimum)
	// The first short commit followed a server commit: its count is a lower
	// bound and the server accepted it, so only the throttled one counts.
	if f.Verdict != verdict.NonStrict || len(f.Frames) != 1 || !strings.Contains(f.Message, "right after the server's own commit") {
		t.Fatalf("%s %v %q", f.Verdict, f.Frames, f.Message)
	}
	if !strings.Contains(rep.Causes[0].Title, "right after the server's own (VAD) commit") {
		t.Errorf("cause: %+v", rep.Causes[0])
	}
}

// A short commit that the server let pass is still flagged when the count
// is exact (no server commit came between).
func TestShortCommitWithoutThrottle(t *testing.T) {
	r := newRecording(t)
	r.session("&token="+tok1).audio(0.1, false).audio(0.1, true).server(`{"message_type":"committed_transcript","text":""}`).Closed("client", 1000, "", "")
	f := result(t, r.grade(), 0, clientcheck.RuleCommitMinimum)
	if f.Verdict != verdict.NonStrict || !strings.Contains(f.Message, "0.20 s of uncommitted audio") {
		t.Fatalf("%s %q", f.Verdict, f.Message)
	}
}

func TestChunkSizeExceptions(t *testing.T) {
	r := newRecording(t)
	c := r.session("&token=" + tok1)
	c.audio(0.5, false).audio(0.03, false).commit() // the short one is the last before a commit
	c.audio(0, false)                               // a keepalive
	c.audio(1.0, false).audio(2.5, false)           // the long one is too big
	c.audio(0.05, false)                            // the last before the close
	c.Closed("client", 1000, "", "")
	f := result(t, r.grade(), 0, clientcheck.RuleChunkSize)
	if f.Verdict != verdict.NonStrict || len(f.Frames) != 1 || !strings.Contains(f.Message, "1 of 3 audio chunks") || !strings.Contains(f.Message, "2.500 s") {
		t.Fatalf("%s %v %q", f.Verdict, f.Frames, f.Message)
	}
}

// Idle: empty keepalives this server did not count, and audio lost.
func TestIdleCloseWithKeepalivesAndLostAudio(t *testing.T) {
	r := newRecording(t)
	c := r.session("&token=" + tok1)
	c.audio(0.5, false).audio(0.5, true).server(`{"message_type":"committed_transcript","text":"x"}`)
	c.audio(0.4, false)
	r.at(10)
	c.audio(0, false) // an empty keepalive
	r.at(15.5)
	c.Closed("server", 1000, "", "")
	rep := r.grade()
	f := result(t, rep, 0, clientcheck.RuleKeepalive)
	for _, want := range []string{"15.50 s after the last audio chunk", "1 empty chunk", "0.40 s of uncommitted audio was lost"} {
		if !strings.Contains(f.Message, want) {
			t.Errorf("missing %q in %q", want, f.Message)
		}
	}
	if f.Verdict != verdict.NonStrict {
		t.Errorf("verdict %s", f.Verdict)
	}
}

// Keepalives that worked: the server closed long after the last audio, but
// not idle for ~15 s since the last keepalive, nor on the idle timer's beat.
func TestServerCloseThatIsNotIdle(t *testing.T) {
	r := newRecording(t)
	c := r.session("&token=" + tok1)
	c.audio(0.5, false)
	for _, s := range []float64{10, 20, 30, 40} {
		r.at(s)
		c.audio(0, false)
	}
	r.at(41)
	c.Closed("server", 1000, "", "")
	if f := result(t, r.grade(), 0, clientcheck.RuleKeepalive); f.Verdict != verdict.OK {
		t.Errorf("%s %q", f.Verdict, f.Message)
	}
}

func TestCloseCodes(t *testing.T) {
	r := newRecording(t)
	r.session("&token="+tok1).Closed("client", 1005, "", "")
	r.session("&token=" + tok1 + "x") // still open when the recording ends
	rep := r.grade()
	if f := result(t, rep, 0, clientcheck.RuleCloseCode); f.Verdict != verdict.NonStrict || !strings.Contains(f.Message, "elevenlabs-js") {
		t.Errorf("1005: %s %q", f.Verdict, f.Message)
	}
	if f := result(t, rep, 1, clientcheck.RuleCloseCode); f.Verdict != verdict.NotApplicable {
		t.Errorf("recording ended: %s %q", f.Verdict, f.Message)
	}
}

// Bursts: a reconnect or two, or reconnects seconds apart, are fine; three
// within 2 s of a server close are not.
func TestBurstThreshold(t *testing.T) {
	for _, c := range []struct {
		gaps []float64 // seconds between one refusal and the next connection
		want verdict.Verdict
	}{
		{[]float64{0.1, 0.1}, verdict.OK},
		{[]float64{4, 6, 10}, verdict.OK},
		{[]float64{0.1, 0.1, 0.1}, verdict.NonStrict},
	} {
		r := newRecording(t)
		now := 0.0
		for i := 0; i <= len(c.gaps); i++ {
			r.at(now)
			sock := r.open(realtime + "&token=" + tok1[:len(tok1)-2] + itoa(10+i))
			sock.Status(101)
			sock.server(`{"message_type":"auth_error","error":"You must be authenticated to use this endpoint."}`).Closed("server", 1000, "", "")
			if i < len(c.gaps) {
				now += c.gaps[i]
			}
		}
		if f := runResult(t, r.grade(), clientcheck.RuleNoBurst); f.Verdict != c.want {
			t.Errorf("gaps %v: %s %q, want %s", c.gaps, f.Verdict, f.Message, c.want)
		}
	}
}

// After invalid_request a changed query is no retry; the same one is.
func TestRetryAfterInvalidRequest(t *testing.T) {
	r := newRecording(t)
	refuse := func(query string) {
		r.open(realtime+query).server(`{"message_type":"invalid_request","error":"vad_threshold \"2\" must be a number from 0.1 to 0.9"}`).Closed("server", 1008, "", "")
	}
	refuse("&token=sutkn_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&vad_threshold=2")
	r.at(5)
	refuse("&token=sutkn_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb&vad_threshold=0.5")
	if f := runResult(t, r.grade(), clientcheck.RuleNoRetryRefused); f.Verdict != verdict.OK {
		t.Errorf("%s %q", f.Verdict, f.Message)
	}
}

// A refusal retried says how many times and how fast, as LiveKit's Node
// plugin does it (the same key, 4 sockets in about 4 s): a bounded retry
// policy reads apart from a loop.
func TestRetryPace(t *testing.T) {
	r := newRecording(t)
	for _, at := range []float64{0, 0.1, 2.1, 4.1} {
		r.at(at)
		r.open(realtime, protocol.APIKeyHeader, "sk_refusedrefusedrefused0001").
			server(`{"message_type":"auth_error","error":"You must be authenticated to use this endpoint."}`).Closed("server", 1000, "", "")
	}
	f := runResult(t, r.grade(), clientcheck.RuleNoRetryRefused)
	if want := "3 retries, the first 0.10 s after the refusal, the last 4.10 s after it"; f.Verdict != verdict.Failed || !strings.Contains(f.Message, want) {
		t.Errorf("%s %q, want FAILED saying %q", f.Verdict, f.Message, want)
	}
}

// A token that was minted and used once but refused anyway: nothing on the
// client side explains it. The cause and the row say the server refused it.
func TestUnexplainedRefusal(t *testing.T) {
	r := newRecording(t)
	r.mint(protocol.TokenRealtimeScribe, tok1)
	r.at(1)
	r.session("&token="+tok1).server(`{"message_type":"auth_error","error":"You must be authenticated to use this endpoint."}`).Closed("server", 1000, "", "")
	rep := r.grade()
	if rep.Verdict != verdict.Failed || len(rep.Causes) != 1 {
		t.Fatalf("%s", dump(rep))
	}
	if c := rep.Causes[0]; !strings.Contains(c.Title, "the server refused a fresh token on its first use") || !strings.Contains(c.Fix, "report it to ElevenLabs") {
		t.Errorf("%+v", c)
	}
	if c := rep.Conns[0]; c.Verdict != verdict.Failed || c.Refusal == nil || c.Refusal.Side != clientcheck.SideServer {
		t.Errorf("the row of a refused connection: %+v", c)
	}
}

// A text frame that is not UTF-8 is named as one in the finding and in its
// evidence, with its bytes quoted; the wire log keeps it as base64, which
// makes it no binary frame.
func TestTextFrameNotUTF8(t *testing.T) {
	r := newRecording(t)
	c := r.session("&token=" + tok1)
	c.audio(0.5, false)
	c.client("{\"message_type\":\"input_audio_chunk\",\"audio_base_64\":\"\",\"note\":\"caf\xe9\"}")
	c.Closed("client", 1000, "", "")
	f := result(t, r.grade(), 0, clientcheck.RuleFrames)
	if f.Verdict != verdict.Failed || !strings.Contains(f.Message, "a text frame that is not UTF-8") ||
		!strings.Contains(f.Evidence, "<text frame that is not UTF-8, 69 bytes>") || !strings.Contains(f.Evidence, `caf\xe9`) ||
		strings.Contains(f.Message+f.Evidence, "binary") {
		t.Fatalf("%s %q\n%s", f.Verdict, f.Message, f.Evidence)
	}
}

// Evidence shows a long frame clipped on a whole character.
func TestFrameLineClipsWholeCharacters(t *testing.T) {
	r := newRecording(t)
	c := r.session("&token=" + tok1)
	c.client("x" + strings.Repeat("é", 300)) // not JSON; a byte clip at 200 cuts an é
	c.Closed("client", 1000, "", "")
	f := result(t, r.grade(), 0, clientcheck.RuleFrames)
	if f.Verdict != verdict.Failed || !utf8.ValidString(f.Evidence) || !strings.Contains(f.Evidence, "éé…") {
		t.Fatalf("%s %q", f.Verdict, f.Evidence)
	}
}

// CLIENT-19 names each unconfirmed answer a connection depends on, with the
// fake's pick and the switch to the other world; a plain connection depends
// on none.
func TestUnconfirmedChoicesAreNamed(t *testing.T) {
	r := newRecording(t)
	plain := r.session("&token=" + tok1)
	plain.audio(0.5, true)
	const key = "sk_live_0123456789abcdef0123456789abcdef"
	c := r.session("&include_timestamps=True&token=sutkn_fedcba9876543210fedcba9876543210", protocol.APIKeyHeader, key)
	c.audio(0.5, false)
	c.client(`{"audio_base_64":"","commit":false}`) // the Python SDK 3.0.0a1's chunk
	r.at(10)
	c.audio(0, false) // an empty keepalive
	rep := r.grade()
	if f := result(t, rep, 0, clientcheck.RuleUnconfirmed); f.Verdict != verdict.OK {
		t.Errorf("a plain connection: %s %q", f.Verdict, f.Message)
	}
	f := result(t, rep, 1, clientcheck.RuleUnconfirmed)
	if f.Verdict != verdict.Informational {
		t.Errorf("verdict %s, want INFORMATIONAL", f.Verdict)
	}
	for _, want := range []string{"include_timestamps=True", "--fake-choice bool-capitals=refused",
		"1 input_audio_chunk without message_type", "--fake-choice chunk-without-message-type=accepted",
		"header beside ?token=", "--fake-choice header-beside-token=fallback",
		"1 input_audio_chunk with no audio and no commit", "--fake-choice empty-chunk-keepalive=ignored"} {
		if !strings.Contains(f.Message, want) {
			t.Errorf("missing %q in %q", want, f.Message)
		}
	}
	if strings.Contains(f.Message, key) {
		t.Error("the finding shows the key")
	}
}
