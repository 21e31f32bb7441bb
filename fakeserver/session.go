package fakeserver

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"sync"

	"github.com/coder/websocket"
	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/protocol"
)

// session is one open realtime socket after authentication. Frames are
// handled one at a time by run; timers (idle, session limit) fire on the
// server's clock. mu guards the state both touch.
type session struct {
	srv    *Server
	conn   *websocket.Conn
	cfg    sessionConfig
	opts   SessionOptions
	id     string
	ctx    context.Context
	cancel context.CancelFunc

	mu           sync.Mutex
	over         bool    // closed, or closing
	chunks       int     // input_audio_chunk frames with audio accepted
	streamSecs   float64 // audio received so far, from byte counts
	segment      []byte  // uncommitted audio
	segmentStart float64 // where the uncommitted segment starts in the stream
	speech       bool    // vad: the segment has speech
	silenceSecs  float64 // vad: silence since the last speech
	nextPartial  float64 // stream time at which the next partial is due
	lastPartial  string
	held         []any // frames held back by FaultCommitsOutOfOrder
	idle         Timer
	limit        Timer
}

func newSession(ctx context.Context, s *Server, conn *websocket.Conn, cfg sessionConfig, cancel context.CancelFunc) *session {
	return &session{srv: s, conn: conn, cfg: cfg, opts: s.sessOpts, id: s.sessionID(), ctx: ctx, cancel: cancel,
		nextPartial: s.sessOpts.PartialsAfterSecs}
}

// sessionID is 32 lower-case hex (O), or a dashed UUID under FaultUUIDSessionID.
func (s *Server) sessionID() string {
	id := randomHex(16)
	if s.faults.has(FaultUUIDSessionID) {
		return id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:]
	}
	return id
}

// abort ends the session at once (server shutdown).
func (ss *session) abort() {
	ss.cancel()
	_ = ss.conn.CloseNow()
}

func (ss *session) run() {
	defer ss.stopTimers()
	wire := ss.cfg.wire()
	if ss.srv.faults.has(FaultConfigNotEchoed) {
		defaults, _ := parseConfig(url.Values{protocol.ParamModelID: {protocol.DefaultModel}}, nil)
		wire = defaults.wire()
	}
	var started any = sessionStartedFrame{MessageType: protocol.SessionStarted, SessionID: ss.id, Config: wire}
	switch {
	case ss.srv.faults.has(FaultConfigSDKShape):
		started = map[string]any{protocol.MessageTypeField: protocol.SessionStarted, "session_id": ss.id, "config": wire.sdkShape()}
	case ss.srv.faults.has(FaultNoSessionID):
		started = map[string]any{protocol.MessageTypeField: protocol.SessionStarted, "config": wire}
	}
	ss.send(started)
	if !ss.cfg.EnableLogging { // choice warning-on-zero-retention
		ss.send(map[string]string{protocol.MessageTypeField: protocol.Warning, "warning": zeroRetentionWarning})
	}
	ss.mu.Lock()
	ss.touchLocked()
	if ss.opts.SessionLimit > 0 {
		ss.limit = ss.srv.clock.AfterFunc(ss.opts.SessionLimit, func() {
			// A timer runs inside the clock's Advance: close from a goroutine.
			go ss.fail(protocol.ErrSessionTimeLimitExceeded, "Session time limit exceeded.")
		})
	}
	ss.mu.Unlock()
	for {
		typ, data, err := ss.conn.Read(ss.ctx)
		if err != nil {
			ss.srv.log.Printf("session %s ended: %v", ss.id, err)
			return
		}
		ss.handle(typ, data)
	}
}

// zeroRetentionWarning is the live text (O, capture).
const zeroRetentionWarning = "Zero retention mode was requested (enable_logging=false) but was not applied. This session is still being logged."

// handle answers one client frame.
func (ss *session) handle(typ websocket.MessageType, data []byte) {
	if gjson.GetBytes(data, protocol.MessageTypeField).String() != protocol.InputAudioChunk {
		ss.flushHeld() // FaultCommitsOutOfOrder: audio keeps a commit held, anything else sends it
	}
	if typ == websocket.MessageBinary { // choice binary-frame
		ss.inputError("Binary frames are not supported: send input_audio_chunk as a JSON text frame")
		return
	}
	if !gjson.ValidBytes(data) { // choice malformed-json
		ss.inputError(protocol.InvalidProtocolMessageText)
		return
	}
	msg := gjson.ParseBytes(data)
	mt := msg.Get(protocol.MessageTypeField)
	if !msg.IsObject() || mt.Type != gjson.String {
		ss.inputError(protocol.InvalidProtocolMessageText)
		return
	}
	if mt.Str != protocol.InputAudioChunk {
		ss.inputError(protocol.UnexpectedMessageTypePrefix + mt.Str)
		return
	}
	ss.audioChunk(msg)
}

func (ss *session) audioChunk(msg gjson.Result) {
	b64, commit := msg.Get("audio_base_64"), msg.Get("commit")
	if !b64.Exists() && ss.srv.faults.has(FaultAudioBase64Accepted) {
		b64 = msg.Get("audio_base64")
	}
	if b64.Type != gjson.String || (commit.Exists() && !commit.IsBool()) { // choice missing-or-wrong-field
		ss.inputError(protocol.InvalidProtocolMessageText)
		return
	}
	audio, err := base64.StdEncoding.DecodeString(b64.Str)
	if err != nil { // choice bad-base64
		ss.inputError("audio_base_64 is not valid base64: " + err.Error())
		return
	}
	if !ss.cfg.Format.ULaw {
		audio = audio[:len(audio)&^1] // choice odd-byte-count
	}
	secs := ss.cfg.Format.Seconds(len(audio))
	if secs > ss.opts.MaxChunkSecs { // choice chunk-size-limit
		ss.fail(protocol.ErrChunkSizeExceeded, "Audio chunk too large: keep chunks under 10 seconds of audio (0.1 to 1 s is recommended).")
		return
	}

	ss.mu.Lock()
	pt := msg.Get("previous_text")
	later := ss.chunks > 0
	ss.chunks++
	ss.touchLocked()
	ss.mu.Unlock()
	if pt.Exists() && pt.Type != gjson.Null && !later && ss.srv.faults.has(FaultPreviousTextRejected) {
		ss.inputError("previous_text is not allowed")
		return
	}
	if pt.Exists() && later && !ss.srv.faults.has(FaultPreviousTextAnywhere) && // choice previous-text-later
		(pt.Type != gjson.Null || ss.srv.faults.has(FaultPreviousTextNull)) {
		ss.inputError("previous_text is only allowed with the first input_audio_chunk")
		return
	}
	if ss.cfg.VADCommit {
		ss.vad(audio)
	} else {
		ss.mu.Lock()
		ss.appendLocked(audio)
		auto := ss.cfg.Format.Seconds(len(ss.segment)) >= ss.opts.AutoCommitSecs && !ss.srv.faults.has(FaultNoAutoCommit)
		ss.mu.Unlock()
		if auto {
			ss.commit(false)
		}
	}
	ss.partials()
	if commit.Bool() && !(ss.cfg.VADCommit && ss.srv.faults.has(FaultVADIgnoresCommit)) {
		ss.commit(true)
	}
}

// flushHeld sends frames held by FaultCommitsOutOfOrder once the client sends
// anything else.
func (ss *session) flushHeld() {
	ss.mu.Lock()
	held := ss.held
	ss.held = nil
	ss.mu.Unlock()
	for _, f := range held {
		ss.send(f)
	}
}

func (ss *session) appendLocked(audio []byte) {
	ss.segment = append(ss.segment, audio...)
	ss.streamSecs += ss.cfg.Format.Seconds(len(audio))
}

// vad feeds audio in 20 ms frames: speech opens a segment, and silence of
// vad_silence_threshold_secs after speech commits it (D). The trailing
// segment stays open until then (O). Choice vad-segment-end.
func (ss *session) vad(audio []byte) {
	step := ss.cfg.Format.Bytes(analysisFrameSecs)
	for off := 0; off < len(audio); off += step {
		frame := audio[off:min(off+step, len(audio))]
		voiced := protocol.RMS(ss.cfg.Format.Samples(frame)) > voicedRMS
		ss.mu.Lock()
		ss.appendLocked(frame)
		due := false
		switch {
		case ss.srv.faults.has(FaultVADNeverCommits):
		case voiced:
			ss.speech, ss.silenceSecs = true, 0
		case ss.speech:
			ss.silenceSecs += ss.cfg.Format.Seconds(len(frame))
			due = ss.silenceSecs >= ss.cfg.VADSilenceThresholdSecs-1e-9
		}
		ss.mu.Unlock()
		if due {
			ss.commit(false)
		}
	}
	if ss.srv.faults.has(FaultVADEagerCommits) {
		ss.mu.Lock()
		due := ss.speech
		ss.mu.Unlock()
		if due {
			ss.commit(false)
		}
	}
}

// partialWindowSecs bounds the audio a partial transcribes, so partials
// cost the same however long the segment grows (choice partial-text).
const partialWindowSecs = 10

// partials sends partial_transcript after the first PartialsAfterSecs of
// audio, then once per second of audio (D "after the first 2 seconds"; pace O).
func (ss *session) partials() {
	if ss.srv.faults.has(FaultNoPartials) {
		return
	}
	for {
		ss.mu.Lock()
		if ss.over || ss.streamSecs < ss.nextPartial {
			ss.mu.Unlock()
			return
		}
		ss.nextPartial = max(ss.nextPartial, ss.streamSecs-1) + 1
		recent := ss.segment[max(0, len(ss.segment)-ss.cfg.Format.Bytes(partialWindowSecs)):]
		text := strings.Join(transcribe(ss.cfg.Format, recent), " ")
		if text == "" { // choice partial-text: the last partial again in silence
			text = ss.lastPartial
		}
		ss.lastPartial = text
		ss.mu.Unlock()
		ss.send(transcriptFrame{protocol.PartialTranscript, text})
	}
}

// commit closes the uncommitted segment: one committed_transcript, then the
// timestamped frame and entities when asked for, then the partial echo.
// explicit is a client commit, which needs 0.3 s of audio (O).
func (ss *session) commit(explicit bool) {
	ss.mu.Lock()
	if ss.over {
		ss.mu.Unlock()
		return
	}
	seg, offset := ss.segment, ss.segmentStart
	secs := ss.cfg.Format.Seconds(len(seg))
	if explicit && secs < protocol.MinCommitSeconds-1e-9 && !ss.srv.faults.has(FaultNoThrottle) {
		ss.mu.Unlock()
		text := protocol.CommitThrottledText(secs)
		if ss.srv.faults.has(FaultThrottleText) {
			text = "Too many commits."
		}
		if ss.srv.faults.has(FaultThrottleWithoutClose) {
			ss.send(errorFrame{protocol.ErrCommitThrottled, text})
			return
		}
		ss.closeWith(errorFrame{protocol.ErrCommitThrottled, text}, websocket.StatusNormalClosure, protocol.CommitThrottledReason)
		return
	}
	ss.segment, ss.segmentStart = nil, ss.streamSecs
	ss.speech, ss.silenceSecs = false, 0
	ss.mu.Unlock()

	words := transcribe(ss.cfg.Format, seg)
	text := strings.Join(words, " ")
	var frames []any
	if text != "" || !ss.srv.faults.has(FaultEmptyCommitDropped) {
		frames = append(frames, transcriptFrame{protocol.CommittedTranscript, text})
		if ss.srv.faults.has(FaultDoubleCommit) {
			frames = append(frames, transcriptFrame{protocol.CommittedTranscript, text})
		}
	}
	if (ss.cfg.IncludeTimestamps || ss.cfg.IncludeLanguageDetection) && !ss.srv.faults.has(FaultNoTimestampsFrame) {
		lang := "en" // choice language-detection
		if ss.cfg.LanguageCode != nil {
			lang = *ss.cfg.LanguageCode
		}
		if ss.srv.faults.has(FaultSegmentTimestamps) {
			offset = 0
		}
		ws := timestamps(ss.cfg.Format, seg, words, offset)
		if ss.srv.faults.has(FaultWordsWithoutSpacing) {
			ws = withoutSpacing(ws)
		}
		frames = append(frames, timestampsFrame{protocol.CommittedTranscriptWithTimestamps, text, lang, ws})
	}
	if len(ss.cfg.EntityDetection) > 0 && !ss.srv.faults.has(FaultNoEntities) {
		frames = append(frames, entitiesFrame{protocol.CommittedTranscriptEntities, text, entities(text)})
	}
	if text != "" && !ss.srv.faults.has(FaultNoCommitEcho) && !ss.srv.faults.has(FaultNoPartials) {
		frames = append(frames, transcriptFrame{protocol.PartialTranscript, text}) // the echo (O)
	}
	if ss.srv.faults.has(FaultCommitsOutOfOrder) {
		ss.mu.Lock()
		held := ss.held
		if held == nil {
			ss.held, frames = frames, nil // wait for the client's next frame
		} else {
			ss.held, frames = nil, append(frames, held...) // this commit first, then the earlier one
		}
		ss.mu.Unlock()
	}
	for _, f := range frames {
		ss.send(f)
	}
	ss.srv.log.Printf("session %s: committed %.2fs: %q", ss.id, secs, text)
	if ss.srv.faults.has(FaultCommitClosesSession) {
		ss.closeWith(nil, websocket.StatusNormalClosure, "")
	}
}

func withoutSpacing(ws []word) []word {
	out := []word{}
	for _, w := range ws {
		if w.Type != "spacing" {
			out = append(out, w)
		}
	}
	return out
}

// touch restarts the idle timer: the session closes IdleTimeout after the
// last audio chunk, with 1000 and no message (O). Pings do not touch it (O).
func (ss *session) touch() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.touchLocked()
}

func (ss *session) touchLocked() {
	if ss.srv.faults.has(FaultIdleNever) || ss.over {
		return
	}
	if ss.idle != nil {
		ss.idle.Stop()
	}
	ss.idle = ss.srv.clock.AfterFunc(ss.opts.IdleTimeout, func() {
		ss.srv.log.Printf("session %s: idle, closing", ss.id)
		go ss.closeWith(nil, websocket.StatusNormalClosure, "")
	})
}

func (ss *session) stopTimers() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.over = true
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
	ss.closeWith(errorFrame{errType, text}, websocket.StatusNormalClosure, errType)
}

// closeWith sends last (if any) and closes the socket, once.
func (ss *session) closeWith(last any, code websocket.StatusCode, reason string) {
	ss.mu.Lock()
	if ss.over {
		ss.mu.Unlock()
		return
	}
	ss.over = true
	ss.mu.Unlock()
	if last != nil {
		writeFrame(ss.ctx, ss.conn, last)
	}
	_ = ss.conn.Close(code, reason)
}

// send writes a frame unless the session is over.
func (ss *session) send(v any) {
	ss.mu.Lock()
	over := ss.over
	ss.mu.Unlock()
	if !over {
		writeFrame(ss.ctx, ss.conn, v)
	}
}

// inputError answers a bad frame; the session stays open (O, captures).
func (ss *session) inputError(text string) {
	ss.srv.log.Printf("session %s: input_error %s", ss.id, text)
	if ss.srv.faults.has(FaultInputErrorCloses) {
		ss.closeWith(errorFrame{protocol.ErrInput, text}, websocket.StatusNormalClosure, protocol.ErrInput)
		return
	}
	ss.send(errorFrame{protocol.ErrInput, text})
}
