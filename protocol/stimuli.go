package protocol

// A Stimulus is one input whose answer docs/protocol.md marks unconfirmed (U):
// an INFO spec sends it and records the target's Reaction, and a fake can be
// calibrated to give that Reaction instead of its own named choice. The names
// are the contract between the two sides; each side recognises the input on
// its own (the fake by parsing what it got, the specs by what they sent).
type Stimulus struct {
	Name string
	// Choice is the fake's named choice this stimulus belongs to.
	Choice string
	// At is where the reaction happens: StimulusHandshake (the upgrade
	// request) or StimulusFrame (a frame inside an open session).
	At string
	// What is the input, in a phrase.
	What string
}

// Where a stimulus is given.
const (
	StimulusHandshake = "handshake"
	StimulusFrame     = "frame"
)

// Stimulus names.
const (
	StimModelMissing      = "model-missing"
	StimModelUnknown      = "model-unknown"
	StimModelUpperCase    = "model-upper-case"
	StimModelPadded       = "model-padded"
	StimModelOldName      = "model-old-name"
	StimModelLite         = "model-lite"
	StimOldRealtimePath   = "old-realtime-path"
	StimKeytermsTooMany   = "keyterms-too-many"
	StimKeytermTooLong    = "keyterm-too-long"
	StimBoolWord          = "bool-word"
	StimTokenWrongType    = "token-wrong-type"
	StimRedactionModeOnly = "redaction-mode-alone"

	StimNotJSON       = "not-json"
	StimAudioMissing  = "audio-field-missing"
	StimCommitNotBool = "commit-not-bool"
	StimBinaryFrame   = "binary-frame"
	StimBadBase64     = "bad-base64"
	StimOddByteCount  = "odd-byte-count"
	StimOversizeChunk = "oversize-chunk"
)

// Model names the model stimuli send besides case and padding variants of
// DefaultModel.
const (
	UnknownModel = "scribe_v9_realtime"
	OldModelName = "scribe_realtime_v2"      // before 2025-11
	LiteModel    = "scribe_v2_realtime_lite" // quoted in third-party logs
)

// Stimuli lists every stimulus, in the order of the specs that send them.
// An input that carries several meets them in this order: a calibrated fake
// answers the first one it does not take as fine (credentials, and so
// token-wrong-type, always come first).
var Stimuli = []Stimulus{
	{StimTokenWrongType, "wrong-type-token-refused", StimulusHandshake, "a fresh tts_websocket token on ?token="},
	{StimModelMissing, "missing-or-unknown-model", StimulusHandshake, "no model_id"},
	{StimModelUnknown, "missing-or-unknown-model", StimulusHandshake, "model_id=" + UnknownModel},
	{StimModelUpperCase, "missing-or-unknown-model", StimulusHandshake, "model_id in upper case"},
	{StimModelPadded, "missing-or-unknown-model", StimulusHandshake, "model_id padded with spaces"},
	{StimModelOldName, "missing-or-unknown-model", StimulusHandshake, "model_id=" + OldModelName},
	{StimModelLite, "missing-or-unknown-model", StimulusHandshake, "model_id=" + LiteModel},
	{StimOldRealtimePath, "missing-or-unknown-model", StimulusHandshake, "the old path " + OldRealtimePath},
	{StimKeytermsTooMany, "keyterm-limits", StimulusHandshake, "more keyterms than the SDKs allow"},
	{StimKeytermTooLong, "keyterm-limits", StimulusHandshake, "a keyterm longer than the SDKs allow"},
	{StimBoolWord, "bools-parse-loosely", StimulusHandshake, "a boolean parameter written yes"},
	{StimRedactionModeOnly, "redaction-mode-alone", StimulusHandshake, "entity_redaction_mode without entity_redaction"},
	{StimNotJSON, "malformed-json", StimulusFrame, "a text frame that is not JSON"},
	{StimAudioMissing, "missing-or-wrong-field", StimulusFrame, "an input_audio_chunk without audio_base_64"},
	{StimCommitNotBool, "missing-or-wrong-field", StimulusFrame, "an input_audio_chunk whose commit is not a boolean"},
	{StimBinaryFrame, "binary-frame", StimulusFrame, "a binary frame"},
	{StimBadBase64, "bad-base64", StimulusFrame, "audio_base_64 that is not standard base64"},
	{StimOddByteCount, "odd-byte-count", StimulusFrame, "a PCM16 chunk with an odd number of bytes"},
	{StimOversizeChunk, "chunk-size-limit", StimulusFrame, "a chunk of more than 10 s of audio"},
}

// LookupStimulus finds a stimulus by name.
func LookupStimulus(name string) (Stimulus, bool) {
	for _, s := range Stimuli {
		if s.Name == name {
			return s, true
		}
	}
	return Stimulus{}, false
}

// Reaction is what a server did in answer to a stimulus, as an INFO spec saw
// it and as a calibrated fake reproduces it.
type Reaction struct {
	Stimulus string `json:"stimulus"`
	// Kind: ReactSession (the handshake opened a session as if the input were
	// fine; for a frame, the session went on with no answer to it),
	// ReactHTTP (the upgrade was refused with Status and Body), or ReactFrames
	// (Frames were sent, then Close if set; a nil Close means the socket
	// stayed open).
	Kind   string   `json:"kind"`
	Status int      `json:"status,omitempty"`
	Body   string   `json:"body,omitempty"`
	Frames []string `json:"frames,omitempty"`
	Close  *Closing `json:"close,omitempty"`
}

// Closing is a close frame's code and reason.
type Closing struct {
	Code   int    `json:"code"`
	Reason string `json:"reason"`
}

// Reaction kinds.
const (
	ReactSession = "session"
	ReactHTTP    = "http"
	ReactFrames  = "frames"
)
