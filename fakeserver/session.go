package fakeserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/protocol"
)

// session is one open realtime socket after authentication. Frames are
// handled one at a time by run; timers (idle, session limit) fire on the
// server's clock. mu guards the state both touch. Everything it sends goes
// through out, which is the socket or a fault's filter around it.
type session struct {
	srv    *Server
	conn   *websocket.Conn
	sock   *socketWire
	out    wire
	cfg    sessionConfig
	set    settings
	id     string
	ctx    context.Context
	cancel context.CancelFunc

	mu          sync.Mutex
	chunks      int         // input_audio_chunk frames with audio accepted
	streamSecs  float64     // audio received so far, from byte counts
	rec         *recogniser // the uncommitted segment
	segments    int         // committed so far: the next one's segment_index
	speakers    speakers
	vad         endpointer
	nextPartial float64 // stream time at which the next partial is due
	idle        Timer
	touched     time.Time // the last audio: idle counts from it
	limit       Timer

	// ending: the server's clock has ended the session (idle, time limit).
	// Its close goes out from a goroutine, and a frame read before it does
	// is not answered: on the server's clock it came after the end.
	ending atomic.Bool
}

func newSession(ctx context.Context, s *Server, conn *websocket.Conn, sock *socketWire, out wire, cfg sessionConfig, cancel context.CancelFunc) *session {
	return &session{srv: s, conn: conn, sock: sock, out: out, cfg: cfg, set: s.set, id: randomHex(16), ctx: ctx, cancel: cancel,
		rec: &recogniser{f: cfg.Format, deaf: cfg.hearsNothing() && !s.set.hearRegionLanguages},
		vad: s.set.endpointer(cfg.VADSilenceThresholdSecs), nextPartial: s.set.session.PartialsAfterSecs}
}

// abort ends the session at once (server shutdown).
func (ss *session) abort() {
	ss.cancel()
	_ = ss.conn.CloseNow()
}

func (ss *session) run() {
	defer ss.stopTimers()
	ss.out.Send(frame{protocol.SessionStarted, sessionStartedFrame{protocol.SessionStarted, ss.id, ss.cfg.wire()}})
	if !ss.cfg.EnableLogging { // choice warning-on-zero-retention
		ss.out.Send(frame{protocol.Warning, warningFrame{protocol.Warning, zeroRetentionWarning}})
	}
	ss.mu.Lock()
	ss.touchLocked()
	if limit := ss.set.session.SessionLimit; limit > 0 {
		ss.limit = ss.srv.clock.AfterFunc(limit, func() {
			// A timer runs inside the clock's Advance: close from a goroutine.
			ss.ending.Store(true)
			go ss.fail(protocol.ErrSessionTimeLimitExceeded, "Session time limit exceeded.")
		})
	}
	ss.mu.Unlock()
	handled := 0
	for {
		typ, buf, err := ss.readFrame()
		if err != nil {
			ss.srv.log.Printf("session %s ended: %v", ss.id, err)
			recordReadEnd(ss.sock.rec, err)
			return
		}
		ss.sock.rec.Frame(true, typ == websocket.MessageBinary, buf.Bytes())
		if !ss.ending.Load() {
			ss.handle(typ, buf.Bytes())
		}
		putBuf(&frameBufs, buf)
		// Fairness: at max pace a session's next frame is always ready, so
		// its goroutine ran its whole time slice (10 ms, hundreds of frames)
		// while another session's commit waited in the run queue behind each
		// such slice. Yielding every yieldEvery frames, a commit waits
		// behind its own session's audio and a few frames of each other.
		if handled++; handled%yieldEvery == 0 {
			runtime.Gosched()
		}
	}
}

// yieldEvery is how many frames a session handles before it lets the
// others run (session.run). A yield after every frame cost a quarter of the
// fake's ingest at max pace, a switch of goroutine a frame (make bench on 2
// cores: 153k frames/s; 175k yielding every 8, 180k every 16, 188k never),
// and fairness little: the commits of 20 real-time sessions beside 50 at
// max pace kept p99 under 25 ms (15-20 ms yielding every frame; 440 ms
// never).
const yieldEvery = 16

// Client frames and their decoded audio are read into pooled buffers, used
// only while the frame is handled (nothing keeps them: the recogniser and
// the recorders copy). A fresh slice per frame (websocket.Conn.Read reads
// with io.ReadAll) was a quarter of the fake's CPU under load, with the GC
// it caused (bench profile).
var frameBufs, audioBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}, sync.Pool{New: func() any { return new(bytes.Buffer) }}

// pooledBufMax: a buffer that grew past this (a huge frame) is dropped, not
// kept in the pool.
const pooledBufMax = 64 << 10

func putBuf(pool *sync.Pool, b *bytes.Buffer) {
	if b.Cap() <= pooledBufMax {
		pool.Put(b)
	}
}

// readFrame reads the next client frame into a pooled buffer; the caller
// puts it back. It ends when the connection does, which the session's
// context ending closes (handleRealtime).
func (ss *session) readFrame() (websocket.MessageType, *bytes.Buffer, error) {
	typ, r, err := ss.conn.Reader(context.Background())
	if err != nil {
		return 0, nil, err
	}
	buf := frameBufs.Get().(*bytes.Buffer)
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		putBuf(&frameBufs, buf)
		return 0, nil, err
	}
	return typ, buf, nil
}

// The texts of the fake's limits (U; choices queue-overflow, session-cap).
const (
	QueueOverflowText     = "Too much uncommitted audio: a session holds at most %.0f s; commit (or pause, in vad mode) more often."
	ResourceExhaustedText = "Too many concurrent sessions: this server holds at most %d; close one and try again."
)

// zeroRetentionWarning is the live text (O, capture).
const zeroRetentionWarning = "Zero retention mode was requested (enable_logging=false) but was not applied. This session is still being logged."

// handle answers one client frame. The usual chunk is read in one pass
// (readChunk); every other frame, and every frame when a fault rewrites
// what clients send, is read by gjson and checked field by field.
func (ss *session) handle(typ websocket.MessageType, data []byte) {
	if typ == websocket.MessageBinary { // choice binary-frame
		if ss.stimulus(protocol.StimBinaryFrame, ss.refuse("Binary frames are not supported: send input_audio_chunk as a JSON text frame")) {
			ss.takeAudio(data, chunkFields{}) // taken as fine: raw audio in the session's format
		}
		return
	}
	buf := audioBufs.Get().(*bytes.Buffer)
	defer putBuf(&audioBufs, buf)
	if !ss.srv.rewritesInput() {
		if audio, f, ok := readChunk(data, buf); ok {
			ss.takeAudio(audio, f)
			return
		}
	}
	if !gjson.ValidBytes(data) { // choice malformed-json
		ss.stimulus(protocol.StimNotJSON, ss.refuse(protocol.InvalidProtocolMessageText)) // taken as fine, it holds nothing to take
		return
	}
	data = ss.srv.rewriteInput(ss.cfg, data)
	msg := gjson.ParseBytes(data)
	f := readClientFrame(msg, data)
	if msg.IsObject() && !f.messageType.Exists() && f.audio.Exists() && ss.set.chunkTypeOptional { // choice chunk-without-message-type
		ss.audioChunk(f, buf)
		return
	}
	if !msg.IsObject() || f.messageType.Type != gjson.String {
		ss.inputError(protocol.InvalidProtocolMessageText)
		return
	}
	if mt := f.messageType.Str; mt != protocol.InputAudioChunk {
		ss.inputError(protocol.UnexpectedMessageTypePrefix + mt)
		return
	}
	ss.audioChunk(f, buf)
}

// clientFrame holds the fields of a client frame the fake reads.
type clientFrame struct {
	messageType, audio, commit, previousText gjson.Result
	raw                                      []byte // the frame the Results index
}

// audioText is audio_base_64 as it sits in the frame, without a copy, or
// false when it holds JSON escapes (then only its Str is the text).
func (f clientFrame) audioText() ([]byte, bool) {
	raw, i := f.audio.Raw, f.audio.Index
	if len(raw) != len(f.audio.Str)+2 || i <= 0 || i+len(raw) > len(f.raw) || f.raw[i] != '"' {
		return nil, false
	}
	return f.raw[i+1 : i+len(raw)-1], true
}

// readClientFrame finds the fields in one pass over the frame. The audio is
// nearly all of a chunk, and each gjson Get scans past it again: with four
// Gets, scanning strings was a third of the fake's CPU under load (bench).
// As with Get, the first of a duplicated key counts.
func readClientFrame(msg gjson.Result, raw []byte) clientFrame {
	f := clientFrame{raw: raw}
	msg.ForEach(func(k, v gjson.Result) bool {
		var dst *gjson.Result
		switch k.Str {
		case protocol.MessageTypeField:
			dst = &f.messageType
		case "audio_base_64":
			dst = &f.audio
		case "commit":
			dst = &f.commit
		case "previous_text":
			dst = &f.previousText
		default:
			return true
		}
		if !dst.Exists() {
			*dst = v
		}
		return true
	})
	return f
}

// rewriteInput applies the faults that rewrite what a client sends.
func (s *Server) rewriteInput(cfg sessionConfig, data []byte) []byte {
	if !s.rewritesInput() {
		return data
	}
	var msg map[string]any
	if json.Unmarshal(data, &msg) != nil {
		return data
	}
	for _, in := range s.faults.in {
		in(cfg, msg)
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return data
	}
	return b
}

// audioChunk reads an input_audio_chunk, decoding its audio into buf. Its
// checks come in the order of protocol.Stimuli; a stimulus a calibration
// takes as fine counts as no audio (missing, or not base64) or no commit
// (not a boolean), and the rest of the chunk is read as usual.
func (ss *session) audioChunk(msg clientFrame, buf *bytes.Buffer) {
	b64, commit := msg.audio, msg.commit
	invalid := ss.refuse(protocol.InvalidProtocolMessageText) // choice missing-or-wrong-field
	switch {
	case !b64.Exists():
		if !ss.stimulus(protocol.StimAudioMissing, invalid) {
			return
		}
	case b64.Type != gjson.String:
		invalid()
		return
	}
	if commit.Exists() && !commit.IsBool() {
		if !ss.stimulus(protocol.StimCommitNotBool, invalid) {
			return
		}
		commit = gjson.Result{}
	}
	text, ok := msg.audioText()
	if !ok {
		text = []byte(b64.Str)
	}
	audio, err := decodeBase64(buf, text)
	if err != nil { // choice bad-base64
		if !ss.stimulus(protocol.StimBadBase64, ss.refuse("audio_base_64 is not valid base64: "+err.Error())) {
			return
		}
		audio = nil
	}
	pt := msg.previousText
	ss.takeAudio(audio, chunkFields{commit: commit.Bool(), previousText: pt.Exists(), previousNull: pt.Exists() && pt.Type == gjson.Null})
}

// takeAudio runs a chunk's decoded audio through the session, with the
// chunk's other fields (none for a binary frame).
func (ss *session) takeAudio(audio []byte, f chunkFields) {
	if !ss.cfg.Format.ULaw && len(audio)%2 == 1 { // choice odd-byte-count: the odd byte counts as no audio
		if !ss.stimulus(protocol.StimOddByteCount, func() bool { return true }) {
			return
		}
		audio = audio[:len(audio)-1]
	}
	if ss.cfg.Format.Seconds(len(audio)) > ss.set.session.MaxChunkSecs { // choice chunk-size-limit
		tooLarge := func() bool {
			ss.fail(protocol.ErrChunkSizeExceeded, "Audio chunk too large: keep chunks under 10 seconds of audio (0.1 to 1 s is recommended).")
			return false
		}
		if !ss.stimulus(protocol.StimOversizeChunk, tooLarge) {
			return
		}
	}

	ss.mu.Lock()
	if ss.rec.secs()+ss.cfg.Format.Seconds(len(audio)) > ss.set.session.MaxUncommittedSecs+1e-9 { // choice queue-overflow
		ss.mu.Unlock()
		ss.fail(protocol.ErrQueueOverflow, fmt.Sprintf(QueueOverflowText, ss.set.session.MaxUncommittedSecs))
		return
	}
	first := ss.chunks == 0
	ss.chunks++
	if len(audio) > 0 || !ss.set.session.IdleIgnoresEmptyChunks { // choice empty-chunk-keepalive
		ss.touchLocked()
	}
	ss.mu.Unlock()
	if problem := ss.set.previousText.check(f, first); problem != "" {
		ss.inputError(problem)
		return
	}
	if ss.cfg.VADCommit {
		ss.feedVAD(audio)
	} else {
		ss.mu.Lock()
		ss.appendLocked(audio)
		auto := ss.rec.secs() >= ss.set.session.AutoCommitSecs
		ss.mu.Unlock()
		if auto {
			ss.commit(false)
			// A commit on the chunk that filled the segment is answered by the
			// auto-commit (choice auto-commit-takes-the-commit).
			f.commit = false
		}
	}
	ss.partials()
	if f.commit {
		ss.commit(true)
	}
}

// check says what is wrong with a chunk's previous_text, or "".
func (r previousTextRules) check(f chunkFields, first bool) string {
	given := f.previousText && (!f.previousNull || r.nullCounts)
	switch {
	case given && first && r.firstRefused && !f.previousNull:
		return "previous_text is not allowed"
	case given && !first && r.laterRefused: // choice previous-text-later
		return "previous_text is only allowed with the first input_audio_chunk"
	}
	return ""
}

func (ss *session) appendLocked(audio []byte) {
	ss.rec.add(audio)
	ss.streamSecs += ss.cfg.Format.Seconds(len(audio))
}

// feedVAD feeds audio to the endpointer in 20 ms frames and commits where it
// says a segment ends (D: after vad_silence_threshold_secs of silence).
func (ss *session) feedVAD(audio []byte) {
	step := ss.cfg.Format.Bytes(analysisFrameSecs)
	for off := 0; off < len(audio); off += step {
		frame := audio[off:min(off+step, len(audio))]
		voiced := ss.cfg.Format.RMS(frame) > voicedRMS
		ss.mu.Lock()
		ss.appendLocked(frame)
		due := ss.vad.frame(voiced, ss.cfg.Format.Seconds(len(frame)))
		ss.mu.Unlock()
		if due {
			ss.commit(false)
		}
	}
	ss.mu.Lock()
	due := ss.vad.chunkEnd()
	ss.mu.Unlock()
	if due {
		ss.commit(false)
	}
}

// partials sends partial_transcript after the first PartialsAfterSecs of
// audio, then once per second of audio (D "after the first 2 seconds"; pace
// O). A partial carries the open segment's words so far, so it grows toward
// the committed text; in silence it is sent again (O); a segment with no
// words yet sends none, so a committed segment is never sent again as a
// partial (choice partial-text).
func (ss *session) partials() {
	for !ss.sock.Closed() {
		ss.mu.Lock()
		if ss.streamSecs < ss.nextPartial {
			ss.mu.Unlock()
			return
		}
		for ss.nextPartial <= ss.streamSecs+1e-9 { // one partial, however much audio the chunk brought
			ss.nextPartial++
		}
		text := ss.rec.partial()
		ss.mu.Unlock()
		if text != "" {
			ss.out.Send(frame{protocol.PartialTranscript, transcriptFrame{protocol.PartialTranscript, text}})
		}
	}
}

// commit closes the uncommitted segment: one committed_transcript, then the
// timestamped frame and entities when asked for, then the partial echo, as
// one batch. explicit is a client commit, which needs 0.3 s of audio (O).
func (ss *session) commit(explicit bool) {
	if ss.sock.Closed() {
		return
	}
	ss.mu.Lock()
	secs := ss.rec.secs()
	if explicit && secs < ss.set.minCommitSecs-1e-9 {
		ss.mu.Unlock()
		ss.closeWith(&errorFrame{protocol.ErrCommitThrottled, protocol.CommitThrottledText(secs)},
			websocket.StatusNormalClosure, protocol.CommitThrottledReason)
		return
	}
	seg := ss.rec.commit()
	ss.vad.reset()
	index := ss.segments
	ss.segments++
	speaker, merge := "", (*speakersMergedFrame)(nil)
	if ss.cfg.Diarize && len(seg.words) > 0 {
		speaker, merge = ss.speakers.turn(seg.loudness())
	}
	ss.mu.Unlock()

	text := sentence(seg.words, true)
	var words []word // laid out once, for the timestamped and the diarized frame
	if ss.cfg.IncludeTimestamps || ss.cfg.IncludeLanguageDetection || ss.cfg.Diarize {
		words = timestamps(seg)
	}
	batch := []frame{{protocol.CommittedTranscript, transcriptFrame{protocol.CommittedTranscript, text}}}
	if ss.cfg.IncludeTimestamps || ss.cfg.IncludeLanguageDetection {
		lang := "en" // choice language-detection
		if ss.cfg.LanguageCode != nil {
			lang = *ss.cfg.LanguageCode
		}
		batch = append(batch, frame{protocol.CommittedTranscriptWithTimestamps,
			timestampsFrame{protocol.CommittedTranscriptWithTimestamps, text, lang, words, seg.start}})
	}
	if len(ss.cfg.EntityDetection) > 0 {
		batch = append(batch, frame{protocol.CommittedTranscriptEntities, entitiesFrame{protocol.CommittedTranscriptEntities, text, entities(text)}})
	}
	if len(ss.cfg.EntityRedaction) > 0 { // C; choice contract-frame-order for where it comes
		batch = append(batch, frame{protocol.RedactedTranscript,
			redactedFrame{protocol.RedactedTranscript, text, redact(text, ss.cfg.EntityRedaction, ss.cfg.RedactionMode)}})
	}
	if ss.cfg.TranscriptEdit != "" { // C
		batch = append(batch, frame{protocol.EditedTranscript, editedFrame{protocol.EditedTranscript, text, edit(text, ss.cfg.TranscriptEdit)}})
	}
	if text != "" {
		batch = append(batch, frame{protocol.PartialTranscript, transcriptFrame{protocol.PartialTranscript, text}}) // the echo (O)
	}
	if ss.cfg.Diarize { // C: after its committed_transcript, which never waits for it
		batch = append(batch, frame{protocol.DiarizedTranscript, diarizedFrame{protocol.DiarizedTranscript, index, text, diarize(words, speaker), seg.start}})
		if merge != nil {
			batch = append(batch, frame{protocol.SpeakersMerged, *merge})
		}
	}
	ss.out.Send(batch...)
	ss.srv.log.Printf("session %s: committed %.2fs: %q", ss.id, secs, text)
}

// touch restarts the idle timer: the session closes IdleTimeout after the
// last audio chunk, with 1000 and no message (O). Pings do not touch it (O).
func (ss *session) touch() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.touchLocked()
}

// touchLocked notes the time; the one idle timer of the session is moved on
// only when it fires (a timer stopped and armed again for every chunk was
// an allocation and two updates of the timer heap a chunk).
func (ss *session) touchLocked() {
	if ss.set.session.IdleTimeout == NoIdleTimeout || ss.sock.Closed() {
		return
	}
	ss.touched = ss.srv.clock.Now()
	if ss.idle == nil {
		ss.armIdleLocked(ss.set.session.IdleTimeout)
	}
}

// armIdleLocked closes the session in d, unless it was touched since: then
// it waits out IdleTimeout from that touch.
func (ss *session) armIdleLocked(d time.Duration) {
	ss.idle = ss.srv.clock.AfterFunc(d, func() {
		ss.mu.Lock()
		defer ss.mu.Unlock()
		if ss.sock.Closed() {
			return
		}
		if left := ss.set.session.IdleTimeout - ss.srv.clock.Now().Sub(ss.touched); left > 0 {
			ss.armIdleLocked(left)
			return
		}
		ss.srv.log.Printf("session %s: idle, closing", ss.id)
		ss.ending.Store(true)
		go ss.closeWith(nil, websocket.StatusNormalClosure, "")
	})
}

func (ss *session) stopTimers() {
	ss.sock.markClosed()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for _, t := range []Timer{ss.idle, ss.limit} {
		if t != nil {
			t.Stop()
		}
	}
}

// fail sends an error frame and closes: every error but input_error is
// followed by a close (D). Called from the read loop it finishes before the
// next frame is read, so the fake still answers in order.
func (ss *session) fail(errType, text string) {
	ss.srv.log.Printf("session %s: %s %s", ss.id, errType, text)
	ss.closeWith(&errorFrame{errType, text}, websocket.StatusNormalClosure, errType)
}

// closeWith sends last (if any) and closes the socket.
func (ss *session) closeWith(last *errorFrame, code websocket.StatusCode, reason string) {
	if last != nil {
		ss.out.Send(frame{last.MessageType, *last})
	}
	ss.out.Close(code, reason)
}

// refuse is the fake's own answer to a bad frame, for stimulus: input_error,
// and the frame is done with.
func (ss *session) refuse(text string) func() bool {
	return func() bool {
		ss.inputError(text)
		return false
	}
}

// inputError answers a bad frame; the session stays open (O, captures).
func (ss *session) inputError(text string) {
	ss.srv.log.Printf("session %s: input_error %s", ss.id, text)
	ss.out.Send(frame{protocol.ErrInput, errorFrame{protocol.ErrInput, text}})
}
