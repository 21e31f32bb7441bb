package fakeserver

import (
	"fmt"
	"sort"
	"strings"
)

// FaultKind separates server bugs (wrong decisions, the way a broken server
// would make them) from deviations (the right decision in the wrong form).
type FaultKind string

const (
	Bug       FaultKind = "bug"
	Deviation FaultKind = "deviation"
)

// Fault is a named misbehaviour the fake can be told to have.
type Fault struct {
	Name        string
	Kind        FaultKind
	Description string
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

	// Session deviations (protocol.md §2, §4-6).
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
)

// Faults lists every fault the fake knows.
var Faults = []Fault{
	{FaultSutknQueryRejected, Bug, "every single-use token on ?token= gets auth_error, even a fresh realtime_scribe one; the xi-api-key header keeps working (the reported sutkn bug)"},
	{FaultHeaderRejected, Bug, "the xi-api-key header is ignored on the socket, so a valid key is refused"},
	{FaultAnyKeyAccepted, Bug, "any non-empty xi-api-key opens a session"},
	{FaultAnonymousAllowed, Bug, "a socket with no credentials at all opens a session"},
	{FaultTokenNotConsumed, Bug, "a single-use token can be used again"},
	{FaultTokenNeverExpires, Bug, "a token older than 15 minutes still opens a session"},
	{FaultHeaderFallback, Bug, "a refused token falls back to the xi-api-key header instead of winning"},
	{FaultTokenUnchecked, Bug, "any non-empty ?token= value opens a session, looked up or not"},
	{FaultPermissionsUnchecked, Bug, "a key without the speech_to_text permission may mint realtime_scribe tokens"},
	{FaultAuthAtUpgrade, Deviation, "auth failures are refused at the upgrade with HTTP 401 instead of in-band auth_error after 101"},
	{FaultAuthErrorForm, Deviation, "auth failures send auth_error with another text and close with 1008 instead of 1000 and an empty reason"},
	{FaultConfigSDKShape, Deviation, "session_started.config in the SDK types' shape: commit_strategy and enable_logging instead of vad_commit_strategy and disable_logging"},
	{FaultNoSessionID, Deviation, "session_started carries no session_id"},
	{FaultUUIDSessionID, Deviation, "session_id is a dashed UUID, not 32 lower-case hex"},
	{FaultEnumUnchecked, Bug, "an unknown audio_format or commit_strategy is accepted (the default is used) instead of invalid_request"},
	{FaultRangeUnchecked, Bug, "numeric parameters out of their range are accepted instead of invalid_request"},
	{FaultLanguageNotFolded, Deviation, "language_code=eng is echoed as eng, not en"},
	{FaultDuplicateRejected, Bug, "a parameter given twice (audio_format, as elevenlabs-js 2.31-2.56 sends it) is an invalid_request"},
	{FaultUnknownParamRejected, Bug, "an unknown query parameter is an invalid_request instead of being ignored"},
	{FaultTurboRefused, Bug, "model_id scribe_v2_realtime_turbo is refused"},
	{FaultDoubleCommit, Deviation, "a commit is answered with two committed_transcript frames"},
	{FaultCommitsOutOfOrder, Deviation, "a commit's frames are held until the client's next frame; when that is a commit, its frames go first (answers swap, and a lone commit waits)"},
	{FaultEmptyCommitDropped, Deviation, "a commit of silence gets no committed_transcript instead of text \"\""},
	{FaultSegmentTimestamps, Deviation, "word times restart at 0 for each segment instead of counting from the session's start"},
	{FaultWordsWithoutSpacing, Deviation, "words[] has no spacing elements, so the word texts do not concatenate to text"},
	{FaultNoTimestampsFrame, Deviation, "no committed_transcript_with_timestamps even when include_timestamps is true"},
	{FaultNoEntities, Deviation, "no committed_transcript_entities even when entity_detection is set"},
	{FaultThrottleWithoutClose, Deviation, "commit_throttled is sent but the session stays open"},
	{FaultThrottleText, Deviation, "commit_throttled says another sentence"},
	{FaultNoThrottle, Bug, "a commit under 0.3 s of audio is answered like any other"},
	{FaultVADNeverCommits, Bug, "in vad mode no silence ever commits"},
	{FaultVADEagerCommits, Bug, "in vad mode every chunk with speech is committed at once, silence or not"},
	{FaultNoAutoCommit, Bug, "manual mode never commits by itself, however much audio is uncommitted"},
	{FaultIdleNever, Deviation, "an idle session is never closed"},
	{FaultIdleResetByPing, Deviation, "a WebSocket ping resets the idle timer"},
	{FaultEarlyPartials, Deviation, "partials start after 0.5 s of audio instead of 2 s"},
	{FaultNoPartials, Deviation, "no partial_transcript is ever sent"},
	{FaultNoCommitEcho, Deviation, "a non-empty commit is not echoed as a partial"},
	{FaultPreviousTextAnywhere, Bug, "previous_text is accepted on any chunk, not only the first"},
	{FaultPreviousTextNull, Bug, "previous_text: null on a later chunk (what the Python SDK sends) is an error"},
	{FaultInputErrorCloses, Deviation, "input_error is followed by a close instead of the session staying open"},
	{FaultRangeOffByOne, Bug, "range bounds are exclusive: 0.3, 3.0, 0.1, 0.9, 50 and 2000 are refused (as old SDKs did)"},
	{FaultConfigNotEchoed, Deviation, "session_started.config always shows the defaults, whatever the query asked for"},
	{FaultVADIgnoresCommit, Bug, "in vad mode a client commit is ignored"},
	{FaultPreviousTextRejected, Bug, "previous_text is refused even on the first chunk"},
	{FaultAudioBase64Accepted, Bug, "audio under audio_base64 (no underscore before 64) is taken as audio"},
	{FaultReadLimit32K, Bug, "frames over 32 KiB are refused (close 1009), which breaks one-second chunks of real clients"},
	{FaultCommitClosesSession, Bug, "the session closes after its first commit instead of continuing the stream"},
	{FaultErrorWithoutClose, Deviation, "invalid_request is sent but the socket stays open"},
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

// faultSet is the set of faults a server was started with.
type faultSet map[string]bool

func newFaultSet(names []string) (faultSet, error) {
	fs := faultSet{}
	for _, n := range names {
		if _, ok := LookupFault(n); !ok {
			var all []string
			for _, f := range Faults {
				all = append(all, f.Name)
			}
			return nil, fmt.Errorf("unknown fault %q: known faults are %s", n, strings.Join(all, ", "))
		}
		fs[n] = true
	}
	return fs, nil
}

func (fs faultSet) has(name string) bool { return fs[name] }
