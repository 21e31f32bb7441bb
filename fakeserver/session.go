package fakeserver

import (
	"context"
	"encoding/base64"
	"strings"
	"sync"

	"github.com/coder/websocket"
	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/protocol"
)

// session is one open realtime socket after authentication.
type session struct {
	srv    *Server
	conn   *websocket.Conn
	cfg    sessionConfig
	id     string
	cancel context.CancelFunc

	mu           sync.Mutex
	chunks       int     // input_audio_chunk frames received
	streamSecs   float64 // audio received so far, from byte counts
	segment      []byte  // uncommitted audio
	segmentStart float64 // where the uncommitted segment starts in the stream
}

func newSession(s *Server, conn *websocket.Conn, cfg sessionConfig, cancel context.CancelFunc) *session {
	return &session{srv: s, conn: conn, cfg: cfg, id: randomHex(16), cancel: cancel}
}

// abort ends the session at once (server shutdown).
func (ss *session) abort() {
	ss.cancel()
	_ = ss.conn.CloseNow()
}

func (ss *session) run(ctx context.Context) {
	writeFrame(ctx, ss.conn, sessionStartedFrame{MessageType: protocol.SessionStarted, SessionID: ss.id, Config: ss.cfg.wire()})
	for {
		typ, data, err := ss.conn.Read(ctx)
		if err != nil {
			ss.srv.log.Printf("session %s ended: %v", ss.id, err)
			return
		}
		if done := ss.handle(ctx, typ, data); done {
			return
		}
	}
}

// handle answers one client frame; it reports whether the session is over.
func (ss *session) handle(ctx context.Context, typ websocket.MessageType, data []byte) bool {
	if typ == websocket.MessageBinary { // choice binary-frame
		ss.inputError(ctx, "Binary frames are not supported: send input_audio_chunk as a JSON text frame")
		return false
	}
	if !gjson.ValidBytes(data) { // choice malformed-json
		ss.inputError(ctx, protocol.InvalidProtocolMessageText)
		return false
	}
	msg := gjson.ParseBytes(data)
	mt := msg.Get(protocol.MessageTypeField)
	if !msg.IsObject() || mt.Type != gjson.String {
		ss.inputError(ctx, protocol.InvalidProtocolMessageText)
		return false
	}
	if mt.Str != protocol.InputAudioChunk {
		ss.inputError(ctx, protocol.UnexpectedMessageTypePrefix+mt.Str)
		return false
	}
	return ss.audioChunk(ctx, msg)
}

func (ss *session) audioChunk(ctx context.Context, msg gjson.Result) bool {
	b64 := msg.Get("audio_base_64")
	commit := msg.Get("commit")
	if b64.Type != gjson.String || (commit.Exists() && !commit.IsBool()) {
		ss.inputError(ctx, protocol.InvalidProtocolMessageText)
		return false
	}
	audio, err := base64.StdEncoding.DecodeString(b64.Str)
	if err != nil { // choice bad-base64
		ss.inputError(ctx, "audio_base_64 is not valid base64: "+err.Error())
		return false
	}
	ss.mu.Lock()
	ss.chunks++
	first := ss.chunks == 1
	ss.mu.Unlock()
	if pt := msg.Get("previous_text"); pt.Exists() && pt.Type != gjson.Null && !first { // choice previous-text-later
		ss.inputError(ctx, "previous_text is only allowed with the first input_audio_chunk")
		return false
	}
	if !ss.cfg.Format.ULaw {
		audio = audio[:len(audio)&^1] // choice odd-byte-count
	}
	ss.mu.Lock()
	ss.segment = append(ss.segment, audio...)
	ss.streamSecs += ss.cfg.Format.Seconds(len(audio))
	ss.mu.Unlock()
	if commit.Bool() {
		return ss.commit(ctx)
	}
	return false
}

// commit closes the uncommitted segment: one committed_transcript, then the
// timestamped frame when asked for (D).
func (ss *session) commit(ctx context.Context) bool {
	ss.mu.Lock()
	seg, offset := ss.segment, ss.segmentStart
	secs := ss.cfg.Format.Seconds(len(seg))
	if secs < protocol.MinCommitSeconds {
		ss.mu.Unlock()
		writeFrame(ctx, ss.conn, errorFrame{protocol.ErrCommitThrottled, protocol.CommitThrottledText(secs)})
		_ = ss.conn.Close(websocket.StatusNormalClosure, protocol.CommitThrottledReason)
		return true
	}
	ss.segment, ss.segmentStart = nil, ss.streamSecs
	ss.mu.Unlock()

	words := transcribe(ss.cfg.Format, seg)
	text := strings.Join(words, " ")
	writeFrame(ctx, ss.conn, transcriptFrame{protocol.CommittedTranscript, text})
	if ss.cfg.IncludeTimestamps || ss.cfg.IncludeLanguageDetection {
		lang := "en"
		if ss.cfg.LanguageCode != nil {
			lang = *ss.cfg.LanguageCode
		}
		writeFrame(ctx, ss.conn, map[string]any{
			protocol.MessageTypeField: protocol.CommittedTranscriptWithTimestamps,
			"text":                    text, "language_code": lang, "words": timestamps(ss.cfg.Format, seg, words, offset),
		})
	}
	ss.srv.log.Printf("session %s: committed %.2fs: %q", ss.id, secs, text)
	return false
}

func (ss *session) inputError(ctx context.Context, text string) {
	ss.srv.log.Printf("session %s: input_error %s", ss.id, text)
	writeFrame(ctx, ss.conn, errorFrame{protocol.ErrInput, text})
}
