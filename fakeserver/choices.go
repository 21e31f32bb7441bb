package fakeserver

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/scribecheck/scribecheck/protocol"
)

// Choice is a behaviour docs/protocol.md marks unconfirmed (U) for which the fake
// had to pick one. A live run's INFO observations can correct these.
type Choice struct {
	Name string
	What string
	// Positions, when set, make the choice a switch (Options.Choices,
	// --fake-choice NAME=POSITION): the first is the fake's pick, the
	// second the world where the live server does otherwise, which real
	// clients would meet there. Spec is the INFO spec that records which
	// world a target is in.
	Positions []string
	Spec      string
}

// The switchable choices: what real clients depend on that the live server
// has not confirmed. Each one's first position is the default.
const (
	// ChoiceBoolCapitals: docs/protocol.md §2 writes booleans true and false
	// only; True and False (Python's urlencode of a bool, as
	// videosdk-plugins-elevenlabs sends them) are U. The fake reads them.
	ChoiceBoolCapitals = "bool-capitals"
	// ChoiceChunkNoType: docs/protocol.md §4 gives message_type as the
	// frame's discriminator; a chunk without one, as the Python SDK 3.0.0a1
	// sends, is U (docs/protocol.md §10). The fake refuses it as no protocol message.
	ChoiceChunkNoType = "chunk-without-message-type"
	// ChoiceHeaderBesideToken: docs/protocol.md §3 says the token is tried
	// first with no fall-back (a maintainer's statement no stored copy
	// shows: U until a live run), which the 3.0.0a1 SDK meets by sending the
	// header beside the token. The fake lets the token decide.
	ChoiceHeaderBesideToken = "header-beside-token"
	// ChoiceEmptyChunkKeepalive: whether a chunk with no audio restarts the
	// ~15.5 s idle timer (docs/protocol.md §6, U); LiveKit and pipecat rely
	// on it. The fake restarts it.
	ChoiceEmptyChunkKeepalive = "empty-chunk-keepalive"
)

// Positions of the switchable choices.
const (
	PositionRead      = "read"
	PositionRefused   = "refused"
	PositionAccepted  = "accepted"
	PositionToken     = "token"
	PositionFallback  = "fallback"
	PositionRestarts  = "restarts"
	PositionIgnored   = "ignored"
	choiceSwitchUsage = "NAME=POSITION"
)

// LookupChoice finds a choice by name.
func LookupChoice(name string) (Choice, bool) {
	i := slices.IndexFunc(Choices, func(c Choice) bool { return c.Name == name })
	if i < 0 {
		return Choice{}, false
	}
	return Choices[i], true
}

// Switch is the choice's positions, the default first: "read|refused".
func (c Choice) Switch() string { return strings.Join(c.Positions, "|") }

// Switches lists the switchable choices as NAME=DEFAULT|OTHER, for help
// and errors.
func Switches() string {
	var out []string
	for _, c := range Choices {
		if len(c.Positions) > 0 {
			out = append(out, c.Name+"="+c.Switch())
		}
	}
	return strings.Join(out, ", ")
}

// ParseChoice reads one NAME=POSITION switch.
func ParseChoice(s string) (name, position string, err error) {
	name, position, _ = strings.Cut(s, "=")
	c, ok := LookupChoice(name)
	switch {
	case !ok || len(c.Positions) == 0:
		return "", "", fmt.Errorf("%q is not a choice that has a switch; give %s, one of %s", name, choiceSwitchUsage, Switches())
	case !slices.Contains(c.Positions, position):
		return "", "", fmt.Errorf("the choice %s has no position %q; give one of %s", name, position, strings.Join(c.Positions, ", "))
	}
	return name, position, nil
}

// ParseChoices reads NAME=POSITION switches (a repeated flag's values) into
// Options.Choices; the last one given for a choice wins, as with any flag.
func ParseChoices(switches []string) (map[string]string, error) {
	var out map[string]string
	for _, s := range switches {
		name, position, err := ParseChoice(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s, err)
		}
		if out == nil {
			out = map[string]string{}
		}
		out[name] = position
	}
	return out, nil
}

// OtherWorld lists, sorted as NAME=POSITION, the choices put in a position
// other than their default: the world a run was in, when it was not the
// fake's own (a name that is no switch is left out: New refuses it).
func OtherWorld(choices map[string]string) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(choices)) {
		if c, ok := LookupChoice(name); ok && len(c.Positions) > 0 && choices[name] != c.Positions[0] {
			out = append(out, name+"="+choices[name])
		}
	}
	return out
}

// applyChoices puts the fake in the world each switched choice names.
func applyChoices(choices map[string]string, set *settings, fs *faults) error {
	for _, name := range slices.Sorted(maps.Keys(choices)) {
		name, position, err := ParseChoice(name + "=" + choices[name])
		if err != nil {
			return err
		}
		switch {
		case name == ChoiceBoolCapitals && position == PositionRefused:
			set.params.StrictBools = true
		case name == ChoiceChunkNoType && position == PositionAccepted:
			set.chunkTypeOptional = true
		case name == ChoiceHeaderBesideToken && position == PositionFallback:
			fs.auth = append(fs.auth, headerFallback)
		case name == ChoiceEmptyChunkKeepalive && position == PositionIgnored:
			set.session.IdleIgnoresEmptyChunks = true
		}
	}
	return nil
}

// Choices lists the fake's named choices; `scribecheck fake --help` prints them.
var Choices = []Choice{
	{Name: "auth-before-params", What: "credentials are checked before query parameters: a bad credential with a bad parameter gets auth_error"},
	{Name: ChoiceHeaderBesideToken, Positions: []string{PositionToken, PositionFallback}, Spec: "AUTH-15",
		What: "with ?token= and an xi-api-key header both present, the token decides: a bad or spent token is refused though the header is good, as docs/protocol.md §3 says (fallback: the header opens the session, as a server that tries both would; the Python SDK 3.0.0a1 sends both)"},
	{Name: "token-param-present-wins", What: "a ?token= key that is present, even empty, is the credential; the header is not tried"},
	{Name: "wrong-type-token-refused", What: "a tts_websocket or batch_scribe token is refused on the STT socket with auth_error (and is not consumed)"},
	{Name: "token-host-unchecked", What: "a token works on any host, whichever it was minted on"},
	{Name: "restricted-key-refused-on-socket", What: "a key without the speech_to_text permission is refused on the socket with auth_error"},
	{Name: "bearer-ignored", What: "Authorization: Bearer and an API key in the query string are not credentials"},
	{Name: "mint-permission-name", What: "minting realtime_scribe needs the permission named speech_to_text"},
	{Name: "mint-auth-before-type", What: "the token endpoint checks the key (401) before the token type (422)"},
	{Name: "invalid-request-close", What: "a bad parameter gets invalid_request naming the parameter, then close 1008 (a third-party capture saw 1008; invalid_request itself is in no contract, only the SDK changelog)"},
	{Name: "missing-or-unknown-model", What: "a missing or unknown model_id is an invalid_request (a case or space variant of a known one is unknown too; scribe_v2_realtime_lite is known: the live server named it as supported, O); the old path " + protocol.OldRealtimePath + " is 404 Not Found"},
	{Name: "last-duplicate-wins", What: "a scalar parameter given twice takes its last value; unknown keys are ignored"},
	{Name: "bools-parse-loosely", What: "booleans accept true/false, TRUE/FALSE, True/False, t/f and 1/0 (strconv.ParseBool); anything else, yes and no too, is an invalid_request; the client checks and the URL lint warn on any spelling but true and false, the only ones the docs write"},
	{Name: ChoiceBoolCapitals, Positions: []string{PositionRead, PositionRefused}, Spec: "PARAM-36",
		What: "a boolean written True or False (Python's urlencode, as videosdk-plugins-elevenlabs sends include_timestamps=True) is read as true or false (refused: every spelling but true and false is an invalid_request naming the parameter, then close 1008)"},
	{Name: "keyterm-limits", What: "more than 50 keyterms, or one longer than 20 characters (the SDKs' limits), is an invalid_request naming keyterms, then close 1008"},
	{Name: "entity-detection-echo", What: "entity_detection is echoed as a string for one value, an array for several, null when unset"},
	{Name: "binary-frame", What: "a binary frame gets input_error and the session stays open"},
	{Name: "bad-base64", What: "audio_base_64 that is not standard base64 gets input_error and the session stays open"},
	{Name: "odd-byte-count", What: "a PCM16 chunk with an odd byte count is accepted; the odd byte counts as no audio"},
	{Name: "previous-text-later", What: "a non-null previous_text after the first chunk gets input_error and the chunk's audio is dropped"},
	{Name: "malformed-json", What: "a text frame that is not JSON gets input_error \"Message must be a valid protocol message\""},
	{Name: ChoiceChunkNoType, Positions: []string{PositionRefused, PositionAccepted}, Spec: "INPUT-17",
		What: "an input_audio_chunk without message_type (as the Python SDK 3.0.0a1 sends) is no protocol message: input_error \"Message must be a valid protocol message\", its audio dropped, the session open (accepted: a frame with audio_base_64 and no message_type is taken as an input_audio_chunk)"},
	{Name: "missing-or-wrong-field", What: "an input_audio_chunk without a string audio_base_64, or with a non-boolean commit, gets input_error \"Message must be a valid protocol message\""},
	{Name: "chunk-size-limit", What: "a chunk of more than 10 s of audio gets chunk_size_exceeded, then close 1000 reason chunk_size_exceeded"},
	{Name: "session-time-limit", What: "no session time limit unless --session-limit is set; then session_time_limit_exceeded and close 1000"},
	{Name: "partial-text", What: "a partial carries the open segment's words so far (one word per 0.4 s of speech, a prefix of the committed text); in silence the same partial again; a segment with no words yet sends none, so no committed segment is ever sent again as a partial"},
	{Name: "region-language-silent", What: "a language_code with a region (en-US, pt-BR) is accepted and never transcribes: every commit is \"\" and no partial comes (O for en-US)"},
	{Name: ChoiceEmptyChunkKeepalive, Positions: []string{PositionRestarts, PositionIgnored}, Spec: "COMMIT-25",
		What: "an input_audio_chunk with no audio (a keepalive, as LiveKit and pipecat send) restarts the idle timer like audio does (ignored: only audio restarts it, so a session kept alive by empty chunks closes ~15.5 s after its last audio)"},
	{Name: "turn-prediction-by-vad", What: "commit_strategy=turn_prediction ends turns with the fake's VAD and vad_silence_threshold_secs, as vad does"},
	{Name: "turn-prediction-echo", What: "turn_prediction is echoed as vad_commit_strategy true (the server commits); the contract's config types still say manual|vad"},
	{Name: "contract-config-echo", What: "entity_redaction, entity_redaction_mode, transcript_edit and diarize are not echoed in session_started.config (the 2.78.0 config type has none of them)"},
	{Name: "redaction-scope", What: "entity_redaction all and pii redact the fake's names and locations; an entity type (name, location) redacts that type; phi, pci, other and offensive_language find nothing"},
	{Name: "redaction-numbering", What: "enumerated_entity_type numbers each type's occurrences from 1 within one transcript: {NAME_1} {NAME_2} {LOCATION_1}"},
	{Name: "redaction-mode-alone", What: "entity_redaction_mode without entity_redaction is accepted and ignored (the contract: only used when entity_redaction is set)"},
	{Name: "transcript-edit", What: "transcript_edit understands \"replace X with Y\" (a word), \"uppercase\" and \"lowercase\"; any other instruction leaves edited_text equal to text"},
	{Name: "diarize-param", What: "diarize=true turns on diarized_transcript and speakers_merged: the contract has the frames but its URL builder has no option for them, and diarize is the batch API's name"},
	{Name: "segment-index", What: "segment_index counts every committed_transcript of the session from 0, silent ones too; a diarized_transcript follows every committed_transcript (words [] for silence)"},
	{Name: "speaker-model", What: "a segment is one speaker's turn; a voice is a loudness band a factor of 4 wide; a turn in another voice than the last gets a new id, and if an earlier speaker had that voice, speakers_merged {new -> earlier} follows its diarized_transcript"},
	{Name: "contract-frame-order", What: "after a commit: committed_transcript, with_timestamps, entities, redacted_transcript, edited_transcript, the partial echo, then diarized_transcript and speakers_merged"},
	{Name: "partials-without-speakers", What: "partials carry no speaker_id: the 2.78.0 partial type has no such field, though the speakers_merged docstring speaks of partials"},
	{Name: "auto-commit-takes-the-commit", What: "a client commit on the chunk whose audio reached the auto-commit interval is answered by the auto-commit, not throttled"},
	{Name: "vad-segment-end", What: "a vad commit closes the segment where the silence reached the threshold; the silence belongs to it"},
	{Name: "entities", What: "entities are found by word: juliet, mike, oscar, romeo, victor are names; india, lima, quebec locations"},
	{Name: "warning-on-zero-retention", What: "enable_logging=false sends the live warning (a non-enterprise plan), and the session goes on"},
	{Name: "language-detection", What: "language_code is the requested one, or en when none was requested"},
	{Name: "session-cap", What: "past --max-sessions sessions open at once (default 10000), the next one gets resource_exhausted, then close 1000 reason resource_exhausted"},
	{Name: "queue-overflow", What: "a chunk that would take a session's uncommitted audio past --max-uncommitted seconds (default 300: vad mode with no pause, or --auto-commit set above it) gets queue_overflow, then close 1000 reason queue_overflow"},
	{Name: "slow-reader", What: "a client that reads nothing while the fake has frames for it is dropped after --write-timeout (default 10 s), without a close frame: the fake holds no more than the socket's buffers"},
	{Name: "token-cap", What: "past --max-tokens tokens remembered (default 100000; a token is forgotten 30 minutes after minting), minting answers 429 {\"detail\":{\"status\":\"too_many_tokens\",…}}"},
}
