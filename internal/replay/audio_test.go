package replay_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/internal/replay"
	"github.com/scribecheck/scribecheck/internal/wirelog"
)

// streamConn has two segments of audio with server frames between the
// chunks: 0.3 s (three chunks of 0.1 s, then an empty commit), and 0.2 s
// committed with its last chunk.
func streamConn() []wirelog.Record {
	return []wirelog.Record{
		request(1, q("model_id", "scribe_v2_realtime", "audio_format", "pcm_16000", "token", recToken), tokenCred("tok1")),
		response(0.01, 101),
		srv(0.2, sessionMsg),            // 1
		cli(0.5, chunk(3200, 1, false)), // 2
		cli(0.6, chunk(3200, 2, false)), // 3
		srv(0.7, partialMsg),            // 4
		cli(0.8, chunk(3200, 3, false)), // 5
		cli(0.9, chunk(0, 0, true)),     // 6: commit 1, after 0.3 s
		srv(1.2, commitMsg),             // 7
		cli(1.3, chunk(3200, 4, false)), // 8
		cli(1.4, chunk(3200, 5, true)),  // 9: commit 2, after 0.2 s more
		srv(1.7, commitMsg),             // 10
		closed(1.8, wirelog.FromClient, 1000, ""),
	}
}

// audio is n bytes of audio in chunks of size (the last one shorter), the
// last chunk committing if commit.
func audio(n, size int, commit bool) []string {
	var out []string
	for off := 0; off < n; off += size {
		out = append(out, chunk(min(size, n-off), 9, commit && off+size >= n))
	}
	return out
}

// send writes text frames.
func (ss *session) send(frames ...string) {
	ss.t.Helper()
	for _, f := range frames {
		if err := ss.c.Write(ss.ctx, websocket.MessageText, []byte(f)); err != nil {
			ss.t.Fatalf("writing %s: %v", f, err)
		}
	}
}

// expect reads the next frame and fails unless it is want.
func (ss *session) expect(want string) {
	ss.t.Helper()
	_, got, err := ss.read()
	if err != nil || string(got) != want {
		ss.t.Fatalf("read %q (%v), want %q", got, err, want)
	}
}

// The same audio in chunks of another size, with the commits where the
// recording has them, is the same stream: no divergence, and the replay
// plays each server frame once the client's audio has reached it (a larger
// chunk covers two recorded ones: the partial comes without more audio).
func TestRechunkedAudioReplaysAsRecorded(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client func(ss *session)
	}{
		{"half-size chunks", func(ss *session) {
			ss.send(audio(6400, 1600, false)...)
			ss.expect(partialMsg)
			ss.send(audio(3200, 1600, false)...)
			ss.send(chunk(0, 0, true))
			ss.expect(commitMsg)
			ss.send(audio(6400, 1600, true)...) // the commit on the last half
			ss.expect(commitMsg)
		}},
		{"double-size chunks", func(ss *session) {
			ss.send(chunk(6400, 9, false))
			ss.expect(partialMsg)
			ss.send(chunk(3200, 9, true)) // the commit on the audio, not after it
			ss.expect(commitMsg)
			ss.send(chunk(6400, 9, false), chunk(0, 0, true)) // the commit after it
			ss.expect(commitMsg)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ss := replayOne(t, streamConn(), replay.Options{}, query)
			ss.expect(sessionMsg)
			tc.client(ss)
			r := ss.end(websocket.StatusNormalClosure, "")
			asRecorded(t, r)
			if c := r.Connections[0]; c.Done != 10 {
				t.Fatalf("done %d of %d", c.Done, c.Frames)
			}
		})
	}
}

// A recorded chunk has come when the client's audio reaches its end, not
// when some chunk came: half of it does not let the replay go on.
func TestRecordedChunkComesWithItsAudio(t *testing.T) {
	for _, tc := range []struct {
		halves int
		index  int
		detail string
	}{
		{1, 2, "the client closed after frame 1 of 10"}, // frame 2 half sent
		{3, 3, "the client closed after frame 2 of 10"}, // frame 2 sent, frame 3 half
	} {
		ss := replayOne(t, streamConn(), replay.Options{}, query)
		ss.expect(sessionMsg)
		ss.send(audio(1600*tc.halves, 1600, false)...)
		d := only(t, ss.end(websocket.StatusNormalClosure, ""), replay.KindClose)
		if d.Index != tc.index || d.Detail != tc.detail {
			t.Fatalf("%d half chunk(s): divergence %+v", tc.halves, d)
		}
	}
}

func TestLessAudioBeforeACommit(t *testing.T) {
	ss := replayOne(t, streamConn(), replay.Options{}, query)
	ss.expect(sessionMsg)
	ss.send(audio(6400, 3200, false)...)
	ss.expect(partialMsg)
	ss.send(chunk(1600, 9, false), chunk(0, 0, true)) // 0.05 s of the third chunk's 0.1 s
	ss.expect(commitMsg)
	ss.send(audio(6400, 3200, true)...)
	ss.expect(commitMsg)
	d := only(t, ss.end(websocket.StatusNormalClosure, ""), replay.KindAudio)
	if d.Index != 6 || d.At != 0.9 || d.Want != "commit 1 after 0.300 s of audio (9600 bytes, pcm_16000)" ||
		d.Got != "commit 1 after 0.250 s of audio (8000 bytes, pcm_16000)" ||
		d.Detail != "commit 1 comes after 0.250 s of audio, the recording's after 0.300 s: 0.050 s short (too little audio, or a commit too early), from 0.250 s of the recorded audio on" {
		t.Fatalf("divergence: %+v", d)
	}
}

// A commit too early: the same audio, but commit 1 after the first chunk.
// Commits are compared in order, so commit 2 then has audio to spare.
func TestEarlyCommit(t *testing.T) {
	ss := replayOne(t, streamConn(), replay.Options{}, query)
	ss.expect(sessionMsg)
	ss.send(chunk(3200, 9, true))
	ss.expect(partialMsg) // frames 3 and 5 are covered: the client committed what it had
	ss.expect(commitMsg)
	ss.send(audio(12800, 3200, true)...)
	ss.expect(commitMsg)
	r := ss.end(websocket.StatusNormalClosure, "")
	ds := r.Divergences()
	if len(ds) != 2 || ds[0].Kind != replay.KindAudio || ds[1].Kind != replay.KindAudio {
		t.Fatalf("want two audio divergences, got %s", dump(ds))
	}
	if ds[0].Index != 6 || !strings.Contains(ds[0].Detail, "commit 1 comes after 0.100 s of audio, the recording's after 0.300 s: 0.200 s short") ||
		!strings.Contains(ds[0].Detail, "from 0.100 s of the recorded audio on") {
		t.Fatalf("commit 1: %+v", ds[0])
	}
	if ds[1].Index != 9 || !strings.Contains(ds[1].Detail, "commit 2 comes after 0.400 s of audio, the recording's after 0.200 s: 0.200 s more") ||
		!strings.Contains(ds[1].Detail, "from 0.500 s of the recorded audio on") {
		t.Fatalf("commit 2: %+v", ds[1])
	}
}

// A client that sends the audio but never commits is missing the commit;
// the replay still plays the rest, so the client sees the session end.
func TestNoCommit(t *testing.T) {
	ss := replayOne(t, streamConn(), replay.Options{WaitClient: 100 * time.Millisecond}, query)
	ss.expect(sessionMsg)
	ss.send(audio(6400, 3200, false)...)
	ss.expect(partialMsg)
	ss.send(chunk(3200, 9, false))
	ss.expect(commitMsg)
	ss.expect(commitMsg)
	d := only(t, ss.end(websocket.StatusNormalClosure, ""), replay.KindMissing)
	if d.Index != 6 || d.Got != "0.300 s of audio (9600 bytes, pcm_16000) since the last commit, and no commit within 100ms" ||
		!strings.HasPrefix(d.Detail, "the client did not commit (recorded frame 6, commit 1) within 100ms") ||
		!strings.Contains(d.Detail, "3 recorded client frames in all were not sent") {
		t.Fatalf("divergence: %+v", d)
	}
}

// A client whose audio stops short of a recorded chunk is missing it, and
// the report says how far its audio came.
func TestAudioStopsShort(t *testing.T) {
	ss := replayOne(t, streamConn(), replay.Options{WaitClient: 100 * time.Millisecond}, query)
	ss.expect(sessionMsg)
	ss.send(chunk(1600, 9, false))
	ss.expect(partialMsg)
	ss.expect(commitMsg)
	ss.expect(commitMsg)
	d := only(t, ss.end(websocket.StatusNormalClosure, ""), replay.KindMissing)
	if d.Index != 2 || d.Got != "audio up to 0.050 s of the recorded audio, then nothing within 100ms" ||
		!strings.HasPrefix(d.Detail, "the client's audio stopped short of recorded frame 2's end (0.100 s of the recorded audio) for 100ms") ||
		!strings.Contains(d.Detail, "6 recorded client frames in all were not sent") {
		t.Fatalf("divergence: %+v", d)
	}
}

// fieldsConn's first chunk has previous_text, as the SDKs send it.
func fieldsConn() []wirelog.Record {
	first := strings.Replace(chunk(3200, 1, false), `"sample_rate"`, `"previous_text":"hi","sample_rate"`, 1)
	return opened(0.01,
		srv(0.2, sessionMsg),
		cli(0.5, first),                 // 2
		cli(0.6, chunk(3200, 2, false)), // 3
		cli(0.9, chunk(0, 0, true)),     // 4
		srv(1.2, commitMsg),
		closed(1.5, wirelog.FromClient, 1000, ""),
	)
}

// with is a chunk with its fields edited: sample_rate, and previous_text
// added when prev is not "".
func with(c string, rate int, prev string) string {
	c = strings.Replace(c, `"sample_rate":16000`, fmt.Sprintf(`"sample_rate":%d`, rate), 1)
	if prev != "" {
		c = strings.Replace(c, `"sample_rate"`, `"previous_text":"`+prev+`","sample_rate"`, 1)
	}
	return c
}

// The other fields of the chunks are compared per segment, whatever the
// chunk size: the n-th run of chunks with the same fields against the
// recording's n-th. One difference per segment is reported.
func TestChunkFieldsComparedPerSegment(t *testing.T) {
	halves := func(rate int, prevOn func(i int) bool) []string {
		var out []string
		for i, c := range append(audio(6400, 1600, false), chunk(0, 0, true)) {
			p := ""
			if prevOn(i) {
				p = "hi"
			}
			out = append(out, with(c, rate, p))
		}
		return out
	}
	first := func(i int) bool { return i == 0 }
	for _, tc := range []struct {
		name   string
		frames []string
		index  int    // 0: as recorded
		detail string // in the divergence's detail
	}{
		{"previous_text on the first half", halves(16000, first), 0, ""},
		{"another sample_rate on every chunk", halves(24000, first), 2, "sample_rate: want 16000, got 24000"},
		{"no previous_text", halves(16000, func(int) bool { return false }), 2, `previous_text: want "hi", got (absent)`},
		{"previous_text on every chunk", halves(16000, func(int) bool { return true }), 3,
			`the recording's audio chunks change their fields here, the client's never do (the audio up to commit 1): previous_text: want (absent), got "hi"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ss := replayOne(t, fieldsConn(), replay.Options{}, openedQuery)
			ss.expect(sessionMsg)
			ss.send(tc.frames...)
			ss.expect(commitMsg)
			r := ss.end(websocket.StatusNormalClosure, "")
			if tc.index == 0 {
				asRecorded(t, r)
				return
			}
			d := only(t, r, replay.KindFrame)
			if d.Index != tc.index || !strings.Contains(d.Detail, tc.detail) {
				t.Fatalf("divergence: %+v", d)
			}
		})
	}
}

// Audio after the recording's last commit (here the recording never
// commits): a commit there, or more audio, is an audio divergence.
func TestAudioAfterTheLastCommit(t *testing.T) {
	recs := opened(0,
		srv(0.1, sessionMsg),
		cli(0.2, chunk(3200, 1, false)),
		srv(0.3, partialMsg),
		closed(0.4, wirelog.FromServer, 1000, ""),
	)
	for _, tc := range []struct {
		frames []string
		detail string // "": as recorded
	}{
		{audio(3200, 1600, false), ""},
		{[]string{chunk(3200, 9, true)}, "the client commits where the recording does not: commit 1, at 0.100 s of the recorded audio"},
		{[]string{chunk(4800, 9, false)}, "the audio the recording never commits ends after 0.150 s of audio, the recording's after 0.100 s: 0.050 s more (too much audio, or a commit too late), from 0.100 s of the recorded audio on"},
	} {
		ss := replayOne(t, recs, replay.Options{}, openedQuery)
		ss.expect(sessionMsg)
		ss.send(tc.frames...)
		ss.expect(partialMsg)
		wantClose(t, ss.ctx, ss.c, websocket.StatusNormalClosure)
		r := ss.report()
		if tc.detail == "" {
			asRecorded(t, r)
			continue
		}
		if d := only(t, r, replay.KindAudio); d.Index != 2 || d.Detail != tc.detail {
			t.Fatalf("divergence: %+v", d)
		}
	}
}

// Seconds are at the recording's audio_format: μ-law at 8 kHz is 8000 bytes
// a second.
func TestAudioSecondsAtTheRecordingsFormat(t *testing.T) {
	recs := []wirelog.Record{
		request(1, q("model_id", "scribe_v2_realtime", "audio_format", "ulaw_8000", "token", recToken), tokenCred("tok1")),
		response(0.01, 101),
		cli(0.2, chunk(800, 1, true)),
		srv(0.5, commitMsg),
		closed(0.6, wirelog.FromClient, 1000, ""),
	}
	ss := replayOne(t, recs, replay.Options{}, "model_id=scribe_v2_realtime&audio_format=ulaw_8000&token="+liveToken)
	ss.send(chunk(400, 9, true))
	ss.expect(commitMsg)
	d := only(t, ss.end(websocket.StatusNormalClosure, ""), replay.KindAudio)
	if d.Got != "commit 1 after 0.050 s of audio (400 bytes, ulaw_8000)" || !strings.Contains(d.Detail, "0.050 s short") {
		t.Fatalf("divergence: %+v", d)
	}
}

// Server frames recorded after the client's last frame crossed its close:
// a client that sent that audio in one larger chunk and closed did as
// recorded, and the segment it committed is still compared.
func TestClientCloseAfterLargerChunk(t *testing.T) {
	recs := opened(0,
		srv(0, sessionMsg),
		cli(0.1, chunk(3200, 1, false)),
		srv(0.2, partialMsg),
		cli(0.3, chunk(3200, 2, true)),
		srv(0.4, commitMsg),
		closed(0.5, wirelog.FromClient, 1000, ""),
	)
	for _, tc := range []struct {
		audio int
		kinds string
	}{{6400, ""}, {3200, replay.KindAudio}} {
		ss := replayOne(t, recs, replay.Options{Speed: 1, Sleep: sleepUntilWoken}, openedQuery)
		ss.expect(sessionMsg)
		ss.send(chunk(tc.audio, 9, true))
		r := ss.end(websocket.StatusNormalClosure, "")
		if got := strings.Join(kinds(r.Divergences()), " "); got != tc.kinds {
			t.Fatalf("%d bytes: kinds %q, want %q: %s", tc.audio, got, tc.kinds, dump(r.Divergences()))
		}
	}
}

// A frame that is no audio chunk where the recording has audio is a frame
// divergence; the audio that follows is still the recorded chunk's.
func TestNoAudioChunkWhereTheRecordingHasAudio(t *testing.T) {
	ss := replayOne(t, basicConn(1), replay.Options{}, query)
	ss.play(func(i int, data []byte) []byte {
		if i == 2 {
			_ = ss.c.Write(ss.ctx, websocket.MessageText, []byte("not json"))
		}
		return data
	})
	d := only(t, ss.end(websocket.StatusNormalClosure, ""), replay.KindFrame)
	if d.Index != 2 || d.Got != "not json" || d.Detail != "client frame 2 of 5: the recording has an audio chunk here, the client sent a text frame that is no JSON object" {
		t.Fatalf("divergence: %+v", d)
	}
}

// A recorded chunk with no audio (a keepalive) is awaited as a chunk of its
// own, unless the client's audio is already past it: the client's keepalives
// are no extra frames, and a larger chunk across one is no missing frame.
func TestEmptyChunks(t *testing.T) {
	keepalive := chunk(0, 0, false)
	recs := opened(0,
		srv(0, sessionMsg),
		cli(0.1, chunk(1600, 1, false)),
		cli(10, keepalive),
		cli(10.1, chunk(1600, 1, false)),
		cli(20, keepalive),
		srv(20.5, partialMsg),
		closed(21, wirelog.FromClient, 1000, ""),
	)
	for _, frames := range [][]string{
		{chunk(1600, 9, false), keepalive, chunk(1600, 9, false), keepalive},
		{chunk(3200, 9, false), keepalive},
	} {
		ss := replayOne(t, recs, replay.Options{WaitClient: time.Second}, openedQuery)
		ss.expect(sessionMsg)
		ss.send(frames...)
		ss.expect(partialMsg)
		asRecorded(t, ss.end(websocket.StatusNormalClosure, ""))
	}
}
