package fakeserver

import "github.com/scribecheck/scribecheck/protocol"

// Choice is a behaviour docs/protocol.md marks unconfirmed (U) for which the fake
// had to pick one. A live run's INFO observations can correct these.
type Choice struct {
	Name string
	What string
}

// Choices lists the fake's named choices; `scribecheck fake --help` prints them.
var Choices = []Choice{
	{"auth-before-params", "credentials are checked before query parameters: a bad credential with a bad parameter gets auth_error"},
	{"token-param-present-wins", "a ?token= key that is present, even empty, is the credential; the header is not tried"},
	{"wrong-type-token-refused", "a tts_websocket or batch_scribe token is refused on the STT socket with auth_error (and is not consumed)"},
	{"token-host-unchecked", "a token works on any host, whichever it was minted on"},
	{"restricted-key-refused-on-socket", "a key without the speech_to_text permission is refused on the socket with auth_error"},
	{"bearer-ignored", "Authorization: Bearer and an API key in the query string are not credentials"},
	{"mint-permission-name", "minting realtime_scribe needs the permission named speech_to_text"},
	{"mint-auth-before-type", "the token endpoint checks the key (401) before the token type (422)"},
	{"invalid-request-close", "a bad parameter gets invalid_request naming the parameter, then close 1008 (a third-party capture saw 1008; invalid_request itself is in no contract, only the SDK changelog)"},
	{"missing-or-unknown-model", "a missing or unknown model_id is an invalid_request (a case or space variant of a known one is unknown too; scribe_v2_realtime_lite is known: the live server named it as supported, O); the old path " + protocol.OldRealtimePath + " is 404 Not Found"},
	{"last-duplicate-wins", "a scalar parameter given twice takes its last value; unknown keys are ignored"},
	{"bools-parse-loosely", "booleans accept true/false, TRUE/FALSE, True/False, t/f and 1/0 (strconv.ParseBool); anything else, yes and no too, is an invalid_request; the client checks and the URL lint warn on any spelling but true and false, the only ones the docs write"},
	{"keyterm-limits", "more than 50 keyterms, or one longer than 20 characters (the SDKs' limits), is an invalid_request naming keyterms, then close 1008"},
	{"entity-detection-echo", "entity_detection is echoed as a string for one value, an array for several, null when unset"},
	{"binary-frame", "a binary frame gets input_error and the session stays open"},
	{"bad-base64", "audio_base_64 that is not standard base64 gets input_error and the session stays open"},
	{"odd-byte-count", "a PCM16 chunk with an odd byte count is accepted; the odd byte counts as no audio"},
	{"previous-text-later", "a non-null previous_text after the first chunk gets input_error and the chunk's audio is dropped"},
	{"malformed-json", "a text frame that is not JSON gets input_error \"Message must be a valid protocol message\""},
	{"missing-or-wrong-field", "an input_audio_chunk without a string audio_base_64, or with a non-boolean commit, gets input_error \"Message must be a valid protocol message\""},
	{"chunk-size-limit", "a chunk of more than 10 s of audio gets chunk_size_exceeded, then close 1000 reason chunk_size_exceeded"},
	{"session-time-limit", "no session time limit unless --session-limit is set; then session_time_limit_exceeded and close 1000"},
	{"partial-text", "a partial carries the open segment's words so far (one word per 0.4 s of speech, a prefix of the committed text); in silence the same partial again; a segment with no words yet sends none, so no committed segment is ever sent again as a partial"},
	{"region-language-silent", "a language_code with a region (en-US, pt-BR) is accepted and never transcribes: every commit is \"\" and no partial comes (O for en-US)"},
	{"empty-chunk-restarts-idle", "an input_audio_chunk with no audio (a keepalive, as LiveKit and pipecat send) restarts the idle timer like audio does; --idle-ignores-empty-chunks turns that off"},
	{"turn-prediction-by-vad", "commit_strategy=turn_prediction ends turns with the fake's VAD and vad_silence_threshold_secs, as vad does"},
	{"turn-prediction-echo", "turn_prediction is echoed as vad_commit_strategy true (the server commits); the contract's config types still say manual|vad"},
	{"contract-config-echo", "entity_redaction, entity_redaction_mode, transcript_edit and diarize are not echoed in session_started.config (the 2.78.0 config type has none of them)"},
	{"redaction-scope", "entity_redaction all and pii redact the fake's names and locations; an entity type (name, location) redacts that type; phi, pci, other and offensive_language find nothing"},
	{"redaction-numbering", "enumerated_entity_type numbers each type's occurrences from 1 within one transcript: {NAME_1} {NAME_2} {LOCATION_1}"},
	{"redaction-mode-alone", "entity_redaction_mode without entity_redaction is accepted and ignored (the contract: only used when entity_redaction is set)"},
	{"transcript-edit", "transcript_edit understands \"replace X with Y\" (a word), \"uppercase\" and \"lowercase\"; any other instruction leaves edited_text equal to text"},
	{"diarize-param", "diarize=true turns on diarized_transcript and speakers_merged: the contract has the frames but its URL builder has no option for them, and diarize is the batch API's name"},
	{"segment-index", "segment_index counts every committed_transcript of the session from 0, silent ones too; a diarized_transcript follows every committed_transcript (words [] for silence)"},
	{"speaker-model", "a segment is one speaker's turn; a voice is a loudness band a factor of 4 wide; a turn in another voice than the last gets a new id, and if an earlier speaker had that voice, speakers_merged {new -> earlier} follows its diarized_transcript"},
	{"contract-frame-order", "after a commit: committed_transcript, with_timestamps, entities, redacted_transcript, edited_transcript, the partial echo, then diarized_transcript and speakers_merged"},
	{"partials-without-speakers", "partials carry no speaker_id: the 2.78.0 partial type has no such field, though the speakers_merged docstring speaks of partials"},
	{"auto-commit-takes-the-commit", "a client commit on the chunk whose audio reached the auto-commit interval is answered by the auto-commit, not throttled"},
	{"vad-segment-end", "a vad commit closes the segment where the silence reached the threshold; the silence belongs to it"},
	{"entities", "entities are found by word: juliet, mike, oscar, romeo, victor are names; india, lima, quebec locations"},
	{"warning-on-zero-retention", "enable_logging=false sends the live warning (a non-enterprise plan), and the session goes on"},
	{"language-detection", "language_code is the requested one, or en when none was requested"},
	{"session-cap", "past --max-sessions sessions open at once (default 10000), the next one gets resource_exhausted, then close 1000 reason resource_exhausted"},
	{"queue-overflow", "a chunk that would take a session's uncommitted audio past --max-uncommitted seconds (default 300: vad mode with no pause, or --auto-commit set above it) gets queue_overflow, then close 1000 reason queue_overflow"},
	{"slow-reader", "a client that reads nothing while the fake has frames for it is dropped after --write-timeout (default 10 s), without a close frame: the fake holds no more than the socket's buffers"},
	{"token-cap", "past --max-tokens tokens remembered (default 100000; a token is forgotten 30 minutes after minting), minting answers 429 {\"detail\":{\"status\":\"too_many_tokens\",…}}"},
}
