package fakeserver

// Choice is a behaviour protocol.md marks unconfirmed (U) for which the fake
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
	{"missing-or-unknown-model", "a missing or unknown model_id is an invalid_request"},
	{"last-duplicate-wins", "a scalar parameter given twice takes its last value; unknown keys are ignored"},
	{"bools-parse-loosely", "booleans accept true/false in any case and 1/0"},
	{"entity-detection-echo", "entity_detection is echoed as a string for one value, an array for several, null when unset"},
	{"binary-frame", "a binary frame gets input_error and the session stays open"},
	{"bad-base64", "audio_base_64 that is not standard base64 gets input_error and the session stays open"},
	{"odd-byte-count", "a PCM16 chunk with an odd byte count is accepted; the odd byte counts as no audio"},
	{"previous-text-later", "a non-null previous_text after the first chunk gets input_error and the chunk's audio is dropped"},
	{"malformed-json", "a text frame that is not JSON gets input_error \"Message must be a valid protocol message\""},
	{"missing-or-wrong-field", "an input_audio_chunk without a string audio_base_64, or with a non-boolean commit, gets input_error \"Message must be a valid protocol message\""},
	{"chunk-size-limit", "a chunk of more than 10 s of audio gets chunk_size_exceeded, then close 1000 reason chunk_size_exceeded"},
	{"session-time-limit", "no session time limit unless --session-limit is set; then session_time_limit_exceeded and close 1000"},
	{"partial-text", "a partial carries the words of the last 10 s of the uncommitted segment, or the last partial again in silence"},
	{"vad-segment-end", "a vad commit closes the segment where the silence reached the threshold; the silence belongs to it"},
	{"entities", "entities are found by word: juliet, mike, oscar, romeo, victor are names; india, lima, quebec locations"},
	{"warning-on-zero-retention", "enable_logging=false sends the live warning (a non-enterprise plan), and the session goes on"},
	{"language-detection", "language_code is the requested one, or en when none was requested"},
}
