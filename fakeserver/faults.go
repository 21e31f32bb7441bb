package fakeserver

import (
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/protocol"
)

// FaultKind separates server bugs (wrong decisions, the way a broken server
// would make them) from deviations (the right decision in the wrong form).
type FaultKind string

const (
	Bug       FaultKind = "bug"
	Deviation FaultKind = "deviation"
)

// Fault is a named misbehaviour the fake can be told to have. Each is one
// change to a faithful server, in the manner of testing/iotest and
// net/http/httptest: a setting flipped once, or a wrapper around one part.
// Exactly one of the unexported fields is set.
type Fault struct {
	Name        string
	Kind        FaultKind
	Description string

	set func(*settings) // a setting, flipped when the server is built
	out func(wire) wire // a filter on every frame and close a socket sends
	// across is like out with a memory shared by the server's sockets: it is
	// called once when the server is built (a flaky server loses one answer).
	across func() func(wire) wire
	in     func(cfg sessionConfig, msg map[string]any)      // rewrites each JSON object a client sends
	auth   func(authenticator) authenticator                // wraps the decision on a socket's credentials
	http   func(*Server, http.HandlerFunc) http.HandlerFunc // wraps the socket's HTTP handler
}

// Fault names. Each is caught by at least one spec; the meta-tests assert
// exactly which.
const (
	FaultSutknQueryRejected   = "sutkn-query-rejected"
	FaultHeaderRejected       = "header-rejected"
	FaultAnyKeyAccepted       = "any-key-accepted"
	FaultAnonymousAllowed     = "anonymous-allowed"
	FaultTokenNotConsumed     = "token-not-consumed"
	FaultTokenNeverExpires    = "token-never-expires"
	FaultHeaderFallback       = "header-fallback"
	FaultTokenUnchecked       = "token-unchecked"
	FaultPermissionsUnchecked = "permissions-unchecked"
	FaultAuthAtUpgrade        = "auth-at-upgrade"
	FaultAuthErrorForm        = "auth-error-form"

	// Session deviations (docs/protocol.md §2, §4-6).
	FaultConfigSDKShape       = "config-sdk-shape"
	FaultNoSessionID          = "no-session-id"
	FaultUUIDSessionID        = "uuid-session-id"
	FaultEnumUnchecked        = "enum-unchecked"
	FaultRangeUnchecked       = "range-unchecked"
	FaultLanguageNotFolded    = "language-not-folded"
	FaultDuplicateRejected    = "duplicate-param-rejected"
	FaultUnknownParamRejected = "unknown-param-rejected"
	FaultTurboRefused         = "turbo-refused"
	FaultDoubleCommit         = "double-commit"
	FaultCommitsOutOfOrder    = "commits-out-of-order"
	FaultEmptyCommitDropped   = "empty-commit-dropped"
	FaultSegmentTimestamps    = "segment-relative-timestamps"
	FaultWordsWithoutSpacing  = "words-without-spacing"
	FaultNoTimestampsFrame    = "no-timestamps-frame"
	FaultNoEntities           = "no-entities"
	FaultThrottleWithoutClose = "throttle-without-close"
	FaultThrottleText         = "throttle-text"
	FaultNoThrottle           = "no-throttle"
	FaultVADNeverCommits      = "vad-never-commits"
	FaultVADEagerCommits      = "vad-commits-without-silence"
	FaultNoAutoCommit         = "no-auto-commit"
	FaultIdleNever            = "idle-never"
	FaultIdleResetByPing      = "idle-reset-by-ping"
	FaultEarlyPartials        = "early-partials"
	FaultNoPartials           = "no-partials"
	FaultNoCommitEcho         = "no-commit-echo"
	FaultPreviousTextAnywhere = "previous-text-anywhere"
	FaultPreviousTextNull     = "previous-text-null-rejected"
	FaultInputErrorCloses     = "input-error-closes"
	FaultRangeOffByOne        = "range-off-by-one"
	FaultConfigNotEchoed      = "config-not-echoed"
	FaultVADIgnoresCommit     = "vad-ignores-commit"
	FaultPreviousTextRejected = "previous-text-first-rejected"
	FaultAudioBase64Accepted  = "audio-base64-accepted"
	FaultReadLimit32K         = "read-limit-32k"
	FaultCommitClosesSession  = "commit-closes-session"
	FaultErrorWithoutClose    = "invalid-request-without-close"
	FaultCommitsUnanswered    = "commits-unanswered"
	FaultFirstCommitLost      = "first-commit-lost"

	// Added with the newest contract and the recogniser-like transcripts.
	FaultRegionLanguageHeard     = "region-language-transcribes"
	FaultNoPartialsInSilence     = "no-partials-in-silence"
	FaultSessionStartedTwice     = "session-started-twice"
	FaultContractFramesFirst     = "contract-frames-first"
	FaultContractFramesMisshaped = "contract-frames-misshaped"
	FaultRedactionModeIgnored    = "redaction-mode-ignored"
	FaultContractLimitsUnchecked = "contract-limits-unchecked"
	FaultDiarizedIndexFromOne    = "diarized-index-from-one"
	FaultMergeUnknownSpeaker     = "merge-names-unknown-speaker"
	FaultWarningMisshaped        = "warning-misshaped"
	FaultRedactionUnnumbered     = "redaction-unnumbered"
	FaultTimestampsFirst         = "timestamps-before-commit"
)

// Faults lists every fault the fake knows. A row says what the fault changes,
// and that is the only place it is written: the session code emits correct
// behaviour only (fakeserver/nobranch_test.go checks that no fault is named
// there).
var Faults = []Fault{
	{Name: FaultSutknQueryRejected, Kind: Bug, Description: "every single-use token on ?token= gets auth_error, even a fresh realtime_scribe one; the xi-api-key header keeps working (the reported sutkn bug)",
		auth: func(next authenticator) authenticator {
			return func(r *http.Request) authResult {
				if strings.HasPrefix(r.URL.Query().Get(protocol.TokenParam), protocol.TokenPrefix) {
					return authResult{why: "fault " + FaultSutknQueryRejected}
				}
				return next(r)
			}
		}},
	{Name: FaultHeaderRejected, Kind: Bug, Description: "the xi-api-key header is ignored on the socket, so a valid key is refused",
		auth: func(next authenticator) authenticator {
			return func(r *http.Request) authResult {
				if !usesToken(r) && r.Header.Get(protocol.APIKeyHeader) != "" {
					return authResult{why: "fault " + FaultHeaderRejected}
				}
				return next(r)
			}
		}},
	{Name: FaultAnyKeyAccepted, Kind: Bug, Description: "any non-empty xi-api-key opens a session",
		auth: acceptRefused(func(r *http.Request) bool { return !usesToken(r) && r.Header.Get(protocol.APIKeyHeader) != "" }, "header", FaultAnyKeyAccepted)},
	{Name: FaultAnonymousAllowed, Kind: Bug, Description: "a socket with no credentials at all opens a session",
		auth: acceptRefused(func(r *http.Request) bool { return !usesToken(r) && r.Header.Get(protocol.APIKeyHeader) == "" }, "none", FaultAnonymousAllowed)},
	{Name: FaultTokenNotConsumed, Kind: Bug, Description: "a single-use token can be used again",
		set: func(s *settings) { s.neverConsume = true }},
	{Name: FaultTokenNeverExpires, Kind: Bug, Description: "a token older than 15 minutes still opens a session",
		set: func(s *settings) { s.neverExpire = true }},
	{Name: FaultHeaderFallback, Kind: Bug, Description: "a refused token falls back to the xi-api-key header instead of winning",
		auth: headerFallback},
	{Name: FaultTokenUnchecked, Kind: Bug, Description: "any non-empty ?token= value opens a session, looked up or not",
		auth: acceptRefused(func(r *http.Request) bool { return r.URL.Query().Get(protocol.TokenParam) != "" }, "token", FaultTokenUnchecked)},
	{Name: FaultPermissionsUnchecked, Kind: Bug, Description: "a key without the speech_to_text permission may mint realtime_scribe tokens",
		set: func(s *settings) { s.mintChecksPermission = false }},
	{Name: FaultAuthAtUpgrade, Kind: Deviation, Description: "auth failures are refused at the upgrade with HTTP 401 instead of in-band auth_error after 101",
		http: authAtUpgrade},
	{Name: FaultAuthErrorForm, Kind: Deviation, Description: "auth failures send auth_error with another text and close with 1008 instead of 1000 and an empty reason",
		out: chain(
			reshape(protocol.ErrAuth, func(any) any { return errorFrame{protocol.ErrAuth, "Unauthorized"} }),
			recloseAfter(protocol.ErrAuth, websocket.StatusPolicyViolation, "unauthorized"))},
	{Name: FaultConfigSDKShape, Kind: Deviation, Description: "session_started.config in the SDK types' shape: commit_strategy and enable_logging instead of vad_commit_strategy and disable_logging",
		out: reshape(protocol.SessionStarted, func(b any) any {
			st := b.(sessionStartedFrame)
			return map[string]any{protocol.MessageTypeField: protocol.SessionStarted, "session_id": st.SessionID, "config": st.Config.sdkShape()}
		})},
	{Name: FaultNoSessionID, Kind: Deviation, Description: "session_started carries no session_id",
		out: reshape(protocol.SessionStarted, func(b any) any {
			return map[string]any{protocol.MessageTypeField: protocol.SessionStarted, "config": b.(sessionStartedFrame).Config}
		})},
	{Name: FaultUUIDSessionID, Kind: Deviation, Description: "session_id is a dashed UUID, not 32 lower-case hex",
		out: reshape(protocol.SessionStarted, func(b any) any {
			st := b.(sessionStartedFrame)
			id := st.SessionID
			st.SessionID = id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:]
			return st
		})},
	{Name: FaultEnumUnchecked, Kind: Bug, Description: "an unknown audio_format or commit_strategy is accepted (the default is used) instead of invalid_request",
		set: func(s *settings) { s.params.CheckEnums = false }},
	{Name: FaultRangeUnchecked, Kind: Bug, Description: "numeric parameters out of their range are accepted instead of invalid_request",
		set: func(s *settings) { s.params.CheckRanges = false }},
	{Name: FaultLanguageNotFolded, Kind: Deviation, Description: "language_code=eng is echoed as eng, not en",
		set: func(s *settings) { s.params.foldLanguage = false }},
	{Name: FaultDuplicateRejected, Kind: Bug, Description: "a parameter given twice (audio_format, as elevenlabs-js 2.31-2.56 sends it) is an invalid_request",
		set: func(s *settings) { s.params.RejectDuplicates = true }},
	{Name: FaultUnknownParamRejected, Kind: Bug, Description: "an unknown query parameter is an invalid_request instead of being ignored",
		set: func(s *settings) { s.params.RejectUnknown = true }},
	{Name: FaultTurboRefused, Kind: Bug, Description: "model_id scribe_v2_realtime_turbo is refused",
		set: func(s *settings) {
			s.params.Models = slices.DeleteFunc(slices.Clone(s.params.Models), func(m string) bool { return m == protocol.TurboModel })
		}},
	{Name: FaultDoubleCommit, Kind: Deviation, Description: "a commit is answered with two committed_transcript frames",
		out: rewrite(func(b []frame) []frame {
			var out []frame
			for _, f := range b {
				out = append(out, f)
				if f.Type == protocol.CommittedTranscript {
					out = append(out, f)
				}
			}
			return out
		})},
	{Name: FaultCommitsOutOfOrder, Kind: Deviation, Description: "a commit's frames are held back until the next commit, whose frames then go first (answers swap), or until the server answers a frame that is not audio; a lone commit waits, and a close drops what is held",
		out: func(next wire) wire { return &holdCommits{next: next} }},
	{Name: FaultCommitsUnanswered, Kind: Bug, Description: "no commit is ever answered: a commit's committed_transcript, every other frame of its answer and its partial echo are dropped (the session otherwise goes on)",
		out: rewrite(func(b []frame) []frame {
			if !hasFrame(b, protocol.CommittedTranscript) {
				return b
			}
			return nil
		})},
	{Name: FaultFirstCommitLost, Kind: Deviation, Description: "flaky: the answer to the first commit the server gets is lost (its committed_transcript, other frames and echo); every later commit is answered",
		across: func() func(wire) wire {
			var lost atomic.Bool
			return rewrite(func(b []frame) []frame {
				if hasFrame(b, protocol.CommittedTranscript) && lost.CompareAndSwap(false, true) {
					return nil
				}
				return b
			})
		}},
	{Name: FaultEmptyCommitDropped, Kind: Deviation, Description: "a commit of silence gets no committed_transcript instead of text \"\" (the segment's other frames still come)",
		out: dropIf(func(f frame) bool {
			t, ok := f.Body.(transcriptFrame)
			return ok && f.Type == protocol.CommittedTranscript && t.Text == ""
		})},
	{Name: FaultSegmentTimestamps, Kind: Deviation, Description: "word times (timestamped and diarized) restart at 0 for each segment instead of counting from the session's start",
		out: chain(
			reshape(protocol.CommittedTranscriptWithTimestamps, func(b any) any {
				ts := b.(timestampsFrame)
				ts.Words = shiftWords(ts.Words, -ts.segmentStart)
				return ts
			}),
			reshape(protocol.DiarizedTranscript, func(b any) any {
				d := b.(diarizedFrame)
				d.Words = shiftWords(d.Words, -d.segmentStart)
				return d
			}))},
	{Name: FaultWordsWithoutSpacing, Kind: Deviation, Description: "words[] has no spacing elements, so the word texts do not concatenate to text",
		out: reshape(protocol.CommittedTranscriptWithTimestamps, func(b any) any {
			ts := b.(timestampsFrame)
			ts.Words = slices.DeleteFunc(slices.Clone(ts.Words), func(w word) bool { return w.Type == "spacing" })
			return ts
		})},
	{Name: FaultNoTimestampsFrame, Kind: Deviation, Description: "no committed_transcript_with_timestamps even when include_timestamps is true",
		out: dropFrames(protocol.CommittedTranscriptWithTimestamps)},
	{Name: FaultNoEntities, Kind: Deviation, Description: "no committed_transcript_entities even when entity_detection is set",
		out: dropFrames(protocol.CommittedTranscriptEntities)},
	{Name: FaultThrottleWithoutClose, Kind: Deviation, Description: "commit_throttled is sent but the session stays open",
		out: keepOpenAfter(protocol.ErrCommitThrottled)},
	{Name: FaultThrottleText, Kind: Deviation, Description: "commit_throttled says another sentence",
		out: reshape(protocol.ErrCommitThrottled, func(any) any { return errorFrame{protocol.ErrCommitThrottled, "Too many commits."} })},
	{Name: FaultNoThrottle, Kind: Bug, Description: "a commit under 0.3 s of audio is answered like any other",
		set: func(s *settings) { s.minCommitSecs = 0 }},
	{Name: FaultVADNeverCommits, Kind: Bug, Description: "in vad mode no silence ever commits",
		set: func(s *settings) { s.endpointer = neverEndpointer }},
	{Name: FaultVADEagerCommits, Kind: Bug, Description: "in vad mode every chunk with speech is committed at once, silence or not",
		set: func(s *settings) { s.endpointer = eagerEndpointer(s.endpointer) }},
	{Name: FaultNoAutoCommit, Kind: Bug, Description: "manual mode never commits by itself, however much audio is uncommitted",
		set: func(s *settings) { s.session.AutoCommitSecs = math.Inf(1) }},
	{Name: FaultIdleNever, Kind: Deviation, Description: "an idle session is never closed",
		set: func(s *settings) { s.session.IdleTimeout = NoIdleTimeout }},
	{Name: FaultIdleResetByPing, Kind: Deviation, Description: "a WebSocket ping resets the idle timer",
		set: func(s *settings) { s.pingsResetIdle = true }},
	{Name: FaultEarlyPartials, Kind: Deviation, Description: "partials start after 0.5 s of audio instead of 2 s",
		set: func(s *settings) { s.session.PartialsAfterSecs = 0.5 }},
	{Name: FaultNoPartials, Kind: Deviation, Description: "no partial_transcript is ever sent",
		out: dropFrames(protocol.PartialTranscript)},
	{Name: FaultNoCommitEcho, Kind: Deviation, Description: "a non-empty commit is not echoed as a partial",
		out: rewrite(func(b []frame) []frame {
			if !hasFrame(b, protocol.CommittedTranscript) {
				return b
			}
			return slices.DeleteFunc(slices.Clone(b), func(f frame) bool { return f.Type == protocol.PartialTranscript })
		})},
	{Name: FaultPreviousTextAnywhere, Kind: Bug, Description: "previous_text is accepted on any chunk, not only the first",
		set: func(s *settings) { s.previousText.laterRefused = false }},
	{Name: FaultPreviousTextNull, Kind: Bug, Description: "previous_text: null on a later chunk (what the Python SDK sends) is an error",
		set: func(s *settings) { s.previousText.nullCounts = true }},
	{Name: FaultInputErrorCloses, Kind: Deviation, Description: "input_error is followed by a close instead of the session staying open",
		out: closeAfter(protocol.ErrInput, websocket.StatusNormalClosure, protocol.ErrInput)},
	{Name: FaultRangeOffByOne, Kind: Bug, Description: "range bounds are exclusive: 0.3, 3.0, 0.1, 0.9, 50 and 2000 are refused (as old SDKs did)",
		set: func(s *settings) { s.params.ExclusiveRanges = true }},
	{Name: FaultConfigNotEchoed, Kind: Deviation, Description: "session_started.config always shows the defaults, whatever the query asked for",
		out: reshape(protocol.SessionStarted, func(b any) any {
			st := b.(sessionStartedFrame)
			st.Config = defaultConfig().wire()
			return st
		})},
	{Name: FaultVADIgnoresCommit, Kind: Bug, Description: "in vad mode a client commit is ignored",
		in: func(cfg sessionConfig, msg map[string]any) {
			if cfg.VADCommit {
				delete(msg, "commit")
			}
		}},
	{Name: FaultPreviousTextRejected, Kind: Bug, Description: "previous_text is refused even on the first chunk",
		set: func(s *settings) { s.previousText.firstRefused = true }},
	{Name: FaultAudioBase64Accepted, Kind: Bug, Description: "audio under audio_base64 (no underscore before 64) is taken as audio",
		in: func(_ sessionConfig, msg map[string]any) {
			if v, ok := msg["audio_base64"]; ok && !has(msg, "audio_base_64") {
				msg["audio_base_64"] = v
			}
		}},
	{Name: FaultReadLimit32K, Kind: Bug, Description: "frames over 32 KiB are refused (close 1009), which breaks one-second chunks of real clients",
		set: func(s *settings) { s.readLimit = 32 << 10 }},
	{Name: FaultCommitClosesSession, Kind: Bug, Description: "the session closes after its first commit instead of continuing the stream",
		out: closeAfter(protocol.CommittedTranscript, websocket.StatusNormalClosure, "")},
	{Name: FaultErrorWithoutClose, Kind: Deviation, Description: "invalid_request is sent but the socket stays open",
		out: keepOpenAfter(protocol.ErrInvalidRequest)},
	{Name: FaultRegionLanguageHeard, Kind: Deviation, Description: "language_code=en-US transcribes like en, where live it never transcribes",
		set: func(s *settings) { s.hearRegionLanguages = true }},
	{Name: FaultNoPartialsInSilence, Kind: Deviation, Description: "a partial is never sent twice with the same text, so silence after speech brings no partials",
		out: func(next wire) wire {
			last := "" // per socket; only the read loop sends partials
			return dropIf(func(f frame) bool {
				t, ok := f.Body.(transcriptFrame)
				if !ok || f.Type != protocol.PartialTranscript {
					return false
				}
				same := t.Text == last
				last = t.Text
				return same
			})(next)
		}},
	{Name: FaultSessionStartedTwice, Kind: Deviation, Description: "session_started is sent twice",
		out: rewrite(func(b []frame) []frame {
			if len(b) > 0 && b[0].Type == protocol.SessionStarted {
				return append([]frame{b[0]}, b...)
			}
			return b
		})},
	{Name: FaultContractFramesFirst, Kind: Deviation, Description: "redacted, edited and diarized transcripts (and merges) come before the committed_transcript they belong to",
		out: rewrite(func(b []frame) []frame {
			var first, rest []frame
			for _, f := range b {
				if protocol.IsContract(f.Type) {
					first = append(first, f)
				} else {
					rest = append(rest, f)
				}
			}
			return append(first, rest...)
		})},
	{Name: FaultContractFramesMisshaped, Kind: Deviation, Description: "the newest contract's frames break their schemas: redacted and edited text under other names, segment_index a string, speakers_merged as from/to",
		out: chain(
			reshape(protocol.RedactedTranscript, func(b any) any {
				r := b.(redactedFrame)
				return map[string]any{protocol.MessageTypeField: r.MessageType, "text": r.Text, "redacted": r.RedactedText}
			}),
			reshape(protocol.EditedTranscript, func(b any) any {
				e := b.(editedFrame)
				return map[string]any{protocol.MessageTypeField: e.MessageType, "text": e.Text, "edited": e.EditedText}
			}),
			reshape(protocol.DiarizedTranscript, func(b any) any {
				d := b.(diarizedFrame)
				return map[string]any{protocol.MessageTypeField: d.MessageType, "segment_index": fmt.Sprint(d.SegmentIndex), "text": d.Text, "words": d.Words}
			}),
			reshape(protocol.SpeakersMerged, func(b any) any {
				m := b.(speakersMergedFrame)
				return map[string]any{protocol.MessageTypeField: m.MessageType, "from": m.FromSpeakerID, "to": m.ToSpeakerID}
			}))},
	{Name: FaultRedactionModeIgnored, Kind: Bug, Description: "entity_redaction_mode is ignored: placeholders are always {ENTITY_TYPE_N}",
		http: func(_ *Server, next http.HandlerFunc) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				r2 := r.Clone(r.Context())
				q := r2.URL.Query()
				q.Del(protocol.ParamEntityRedactionMode)
				r2.URL.RawQuery = q.Encode()
				next(w, r2)
			}
		}},
	{Name: FaultContractLimitsUnchecked, Kind: Bug, Description: "transcript_edit over 2000 characters, or with entity_detection or entity_redaction, is accepted",
		set: func(s *settings) { s.params.CheckContract = false }},
	{Name: FaultDiarizedIndexFromOne, Kind: Deviation, Description: "segment_index counts from 1, so it names the committed transcript after its own",
		out: reshape(protocol.DiarizedTranscript, func(b any) any {
			d := b.(diarizedFrame)
			d.SegmentIndex++
			return d
		})},
	{Name: FaultMergeUnknownSpeaker, Kind: Deviation, Description: "speakers_merged names a from_speaker_id no transcript ever used",
		out: reshape(protocol.SpeakersMerged, func(b any) any {
			m := b.(speakersMergedFrame)
			m.FromSpeakerID = "speaker_unheard"
			return m
		})},
	{Name: FaultRedactionUnnumbered, Kind: Deviation, Description: "enumerated_entity_type placeholders lose their number: {NAME} instead of {NAME_1}",
		out: reshape(protocol.RedactedTranscript, func(b any) any {
			r := b.(redactedFrame)
			r.RedactedText = placeholderNumber.ReplaceAllString(r.RedactedText, "}")
			return r
		})},
	{Name: FaultTimestampsFirst, Kind: Deviation, Description: "committed_transcript_with_timestamps comes before the committed_transcript of its segment",
		out: rewrite(func(b []frame) []frame {
			out := slices.Clone(b)
			for i := 1; i < len(out); i++ {
				if out[i].Type == protocol.CommittedTranscriptWithTimestamps && out[i-1].Type == protocol.CommittedTranscript {
					out[i-1], out[i] = out[i], out[i-1]
				}
			}
			return out
		})},
	{Name: FaultWarningMisshaped, Kind: Deviation, Description: "warning carries its text under message, not warning",
		out: reshape(protocol.Warning, func(b any) any {
			return map[string]any{protocol.MessageTypeField: protocol.Warning, "message": b.(warningFrame).Warning}
		})},
}

// LookupFault finds a fault by name.
func LookupFault(name string) (Fault, bool) {
	for _, f := range Faults {
		if f.Name == name {
			return f, true
		}
	}
	return Fault{}, false
}

// FaultNames lists the names of the faults of one kind, sorted.
func FaultNames(kind FaultKind) []string {
	var out []string
	for _, f := range Faults {
		if f.Kind == kind {
			out = append(out, f.Name)
		}
	}
	sort.Strings(out)
	return out
}

// faults is what a server's faults add up to: its settings, and the
// wrappers in the order the faults were named.
type faults struct {
	out  []func(wire) wire
	in   []func(sessionConfig, map[string]any)
	auth []func(authenticator) authenticator
	http []func(*Server, http.HandlerFunc) http.HandlerFunc
}

// applyFaults looks up names, flips their settings in set and collects their
// wrappers.
func applyFaults(names []string, set *settings) (faults, error) {
	var fs faults
	for _, n := range names {
		f, ok := LookupFault(n)
		if !ok {
			var all []string
			for _, f := range Faults {
				all = append(all, f.Name)
			}
			return fs, fmt.Errorf("unknown fault %q: known faults are %s", n, strings.Join(all, ", "))
		}
		switch {
		case f.set != nil:
			f.set(set)
		case f.out != nil:
			fs.out = append(fs.out, f.out)
		case f.across != nil:
			fs.out = append(fs.out, f.across())
		case f.in != nil:
			fs.in = append(fs.in, f.in)
		case f.auth != nil:
			fs.auth = append(fs.auth, f.auth)
		case f.http != nil:
			fs.http = append(fs.http, f.http)
		}
	}
	return fs, nil
}

// rewritesInput says whether a fault rewrites what clients send: then every
// frame takes the session's general path, where rewriteInput applies them.
func (s *Server) rewritesInput() bool { return len(s.faults.in) > 0 }

// wrapWire puts the out filters around the socket, the first named outermost.
func (fs faults) wrapWire(w wire) wire {
	for i := len(fs.out) - 1; i >= 0; i-- {
		w = fs.out[i](w)
	}
	return w
}

// chain composes out filters, the first outermost.
func chain(filters ...func(wire) wire) func(wire) wire {
	return func(w wire) wire {
		for i := len(filters) - 1; i >= 0; i-- {
			w = filters[i](w)
		}
		return w
	}
}

// acceptRefused wraps the auth decision: a refused request for which applies
// holds is accepted anyway, as if via.
func acceptRefused(applies func(*http.Request) bool, via, fault string) func(authenticator) authenticator {
	return func(next authenticator) authenticator {
		return func(r *http.Request) authResult {
			res := next(r)
			if res.ok || !applies(r) {
				return res
			}
			return authResult{ok: true, via: via, why: "fault " + fault}
		}
	}
}

// authAtUpgrade decides credentials before the upgrade and refuses with HTTP
// 401; what it accepted it hands to the socket handler with the request.
func authAtUpgrade(s *Server, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		res := s.auth(r)
		if !res.ok {
			s.log.Printf("socket: refused at upgrade (%s)", res.why)
			writeDetail(w, http.StatusUnauthorized, protocol.StatusInvalidAPIKey, protocol.AuthErrorText)
			return
		}
		next(w, r.WithContext(withAuth(r.Context(), res)))
	}
}

var placeholderNumber = regexp.MustCompile(`_[0-9]+\}`)

func has(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

// shiftWords moves every time in ws by d seconds.
func shiftWords(ws []word, d float64) []word {
	out := make([]word, len(ws))
	for i, w := range ws {
		w.Start, w.End = round3(w.Start+d), round3(w.End+d)
		cs := make([]character, len(w.Characters))
		for j, c := range w.Characters {
			cs[j] = character{Text: c.Text, Start: round3(c.Start + d), End: round3(c.End + d)}
		}
		if w.Characters != nil {
			w.Characters = cs
		}
		out[i] = w
	}
	return out
}
