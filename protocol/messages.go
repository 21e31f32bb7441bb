package protocol

import "slices"

// Paths on the API host. REST and WebSocket share the host (D).
const (
	RealtimePath       = "/v1/speech-to-text/realtime"
	OldRealtimePath    = "/v1/speech-to-text/realtime-beta" // before 2025-11-11 (S)
	SingleUseTokenPath = "/v1/single-use-token/"            // + token type
	APIKeyHeader       = "xi-api-key"
	DefaultModel       = "scribe_v2_realtime"
	TurboModel         = "scribe_v2_realtime_turbo"
	V3Model            = "scribe_v3_live" // C: the 2.78.0 contract's model enum
	LiveBaseURL        = "https://api.elevenlabs.io"
)

// The discriminator of every frame is message_type, never type (D).
const MessageTypeField = "message_type"

// Client to server: input_audio_chunk is the only client message (D).
const InputAudioChunk = "input_audio_chunk"

// Server to client message types (D unless noted).
const (
	SessionStarted                    = "session_started"
	PartialTranscript                 = "partial_transcript"
	CommittedTranscript               = "committed_transcript"
	CommittedTranscriptWithTimestamps = "committed_transcript_with_timestamps"
	CommittedTranscriptEntities       = "committed_transcript_entities"
	// U: dropped from the 2.78.0 contract's union; only the SDK's hand-written event list has them.
	FinalTranscript               = "final_transcript"
	FinalTranscriptWithTimestamps = "final_transcript_with_timestamps"
	Warning                       = "warning" // O, and C since 2.78.0
)

// Server messages the newest contract adds (C: Python SDK 2.78.0, generated
// from the API definition; not yet documented nor seen live).
const (
	RedactedTranscript = "redacted_transcript" // with entity_redaction
	EditedTranscript   = "edited_transcript"   // with transcript_edit
	DiarizedTranscript = "diarized_transcript" // with diarization
	SpeakersMerged     = "speakers_merged"     // with diarization
)

// ContractTypes are the frames known only from the newest contract: a
// deviation in their shape is graded SHOULD, not MUST.
var ContractTypes = []string{RedactedTranscript, EditedTranscript, DiarizedTranscript, SpeakersMerged}

// IsContract reports whether t is one of ContractTypes.
func IsContract(t string) bool { return slices.Contains(ContractTypes, t) }

// The 14 error types (D). Every error frame is {message_type, error}.
const (
	ErrGeneric                   = "error"
	ErrAuth                      = "auth_error"
	ErrQuotaExceeded             = "quota_exceeded"
	ErrCommitThrottled           = "commit_throttled"
	ErrTranscriber               = "transcriber_error"
	ErrUnacceptedTerms           = "unaccepted_terms"
	ErrRateLimited               = "rate_limited"
	ErrInput                     = "input_error"
	ErrInvalidRequest            = "invalid_request"
	ErrQueueOverflow             = "queue_overflow"
	ErrResourceExhausted         = "resource_exhausted"
	ErrSessionTimeLimitExceeded  = "session_time_limit_exceeded"
	ErrChunkSizeExceeded         = "chunk_size_exceeded"
	ErrInsufficientAudioActivity = "insufficient_audio_activity"
)

// ErrorTypes lists every error message type in the contract (D).
var ErrorTypes = []string{
	ErrGeneric, ErrAuth, ErrQuotaExceeded, ErrCommitThrottled, ErrTranscriber,
	ErrUnacceptedTerms, ErrRateLimited, ErrInput, ErrInvalidRequest, ErrQueueOverflow,
	ErrResourceExhausted, ErrSessionTimeLimitExceeded, ErrChunkSizeExceeded,
	ErrInsufficientAudioActivity,
}

// IsError reports whether t is one of the error message types.
func IsError(t string) bool {
	for _, e := range ErrorTypes {
		if e == t {
			return true
		}
	}
	return false
}

// Texts seen verbatim on the live socket (O, captures).
const (
	// AuthErrorText is sent for a missing, invalid or spent credential alike.
	AuthErrorText = "You must be authenticated to use this endpoint."
	// InvalidProtocolMessageText answers a JSON object that is no protocol message.
	InvalidProtocolMessageText = "Message must be a valid protocol message"
	// UnexpectedMessageTypePrefix answers an unknown message_type: "Unexpected message type: <t>".
	UnexpectedMessageTypePrefix = "Unexpected message type: "
	// CommitThrottledReason is the close reason after commit_throttled.
	CommitThrottledReason = "commit_throttled"
)

// CommitThrottledText is the exact commit_throttled sentence (O), seconds with
// two decimals.
func CommitThrottledText(uncommittedSecs float64) string {
	return "Commit request ignored: only " + formatSecs(uncommittedSecs) +
		"s of uncommitted audio. You need at least 0.3s of uncommitted audio before committing."
}

// MinCommitSeconds is the least uncommitted audio a commit needs (O).
const MinCommitSeconds = 0.3

// AudioChunk is input_audio_chunk as the SDKs send it (S); a commit is a chunk
// with Commit true and usually no audio (D).
type AudioChunk struct {
	MessageType  string  `json:"message_type"`
	AudioBase64  string  `json:"audio_base_64"`
	Commit       bool    `json:"commit"`
	SampleRate   int     `json:"sample_rate,omitempty"`
	PreviousText *string `json:"previous_text,omitempty"`
}
