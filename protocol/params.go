package protocol

import (
	"math"
	"strconv"
	"strings"
)

// Query parameter names of the realtime socket. All configuration is in the
// query string; there is no config message (D).
const (
	ParamModelID                  = "model_id"
	ParamAudioFormat              = "audio_format"
	ParamCommitStrategy           = "commit_strategy"
	ParamLanguageCode             = "language_code"
	ParamSecondaryLanguages       = "secondary_languages"
	ParamIncludeTimestamps        = "include_timestamps"
	ParamIncludeLanguageDetection = "include_language_detection"
	ParamVADSilenceThresholdSecs  = "vad_silence_threshold_secs"
	ParamVADThreshold             = "vad_threshold"
	ParamMinSpeechDurationMS      = "min_speech_duration_ms"
	ParamMinSilenceDurationMS     = "min_silence_duration_ms"
	ParamKeyterms                 = "keyterms"
	ParamNoVerbatim               = "no_verbatim"
	ParamEntityDetection          = "entity_detection"
	ParamFilterBackgroundAudio    = "filter_background_audio"
	ParamEnableLogging            = "enable_logging"

	// The newest contract (C: elevenlabs 2.78.0, realtime/scribe.py).
	ParamEntityRedaction     = "entity_redaction"
	ParamEntityRedactionMode = "entity_redaction_mode"
	ParamTranscriptEdit      = "transcript_edit"
	// ParamDiarize turns on diarized_transcript. The contract has the frames
	// but no query option for them: this is the batch API's name, a choice (U).
	ParamDiarize = "diarize"
)

// Models are the model_ids the realtime socket takes: scribe_v2_realtime (D),
// scribe_v2_realtime_turbo (D, in the newest docs; not in the 2.78.0 enum),
// scribe_v2_realtime_lite (O: the live server's invalid_request for
// model_id=scribe_realtime_v2, 2026-08, listed scribe_v2_realtime,
// scribe_v2_realtime_turbo and scribe_v2_realtime_lite as the supported
// models, then closed 1008: github.com/elevenlabs/ui issue 82, docs/protocol.md
// §10), scribe_v3_live (C). Any other model_id, the old name
// scribe_realtime_v2 among them, is refused (CheckQuery). Whether a given
// account may use lite is not known: MODEL-8 records what a server does.
var Models = []string{DefaultModel, TurboModel, LiteModel, V3Model}

// Commit strategies: manual and vad (D), turn_prediction (C: the server
// decides where a turn ends).
const (
	CommitManual         = "manual"
	CommitVAD            = "vad"
	CommitTurnPrediction = "turn_prediction"
)

// Entity redaction modes (C), and the placeholder each writes.
const (
	RedactionRedacted   = "redacted"               // {REDACTED}
	RedactionEntityType = "entity_type"            // {ENTITY_TYPE}
	RedactionEnumerated = "enumerated_entity_type" // {ENTITY_TYPE_N}, the default
)

// Kind is the type of a query parameter's value.
type Kind int

const (
	KindString Kind = iota
	KindEnum
	KindBool
	KindFloat
	KindInt
	KindStringList
)

// Param describes one query parameter as docs/protocol.md §2 gives it. This table
// is the one place the parameters' facts are written: CheckQuery (query.go)
// reads it for the fake's parser, the client checks and the URL lint, and
// the PARAM specs read it too.
type Param struct {
	Name    string
	Kind    Kind
	Default string   // as it would be written in the query; "" for none
	Allowed []string // for enums
	// Min and Max are the inclusive range of a number (D default, S range).
	Min, Max float64
	// MaxItems and MaxLen bound a list's length and each value's characters
	// (S); 0 is no bound.
	MaxItems, MaxLen int
	Level            string // evidence level of the parameter itself
}

// Audio formats (D).
var AudioFormats = []string{"pcm_8000", "pcm_16000", "pcm_22050", "pcm_24000", "pcm_44100", "pcm_48000", "ulaw_8000"}

// Params lists every documented query parameter of the realtime socket.
var Params = []Param{
	{Name: ParamModelID, Kind: KindString, Allowed: Models, Level: "D; scribe_v2_realtime_lite O; scribe_v3_live C"},
	{Name: TokenParam, Kind: KindString, Level: "D"},
	{Name: ParamAudioFormat, Kind: KindEnum, Default: "pcm_16000", Allowed: AudioFormats, Level: "D"},
	{Name: ParamCommitStrategy, Kind: KindEnum, Default: CommitManual, Allowed: []string{CommitManual, CommitVAD, CommitTurnPrediction}, Level: "D; turn_prediction C"},
	{Name: ParamLanguageCode, Kind: KindString, Level: "D"},
	{Name: ParamSecondaryLanguages, Kind: KindStringList, Level: "D"},
	{Name: ParamIncludeTimestamps, Kind: KindBool, Default: "false", Level: "D"},
	{Name: ParamIncludeLanguageDetection, Kind: KindBool, Default: "false", Level: "D"},
	{Name: ParamVADSilenceThresholdSecs, Kind: KindFloat, Default: "1.5", Min: 0.3, Max: 3.0, Level: "D default, S range"},
	{Name: ParamVADThreshold, Kind: KindFloat, Default: "0.4", Min: 0.1, Max: 0.9, Level: "D default, S range"},
	{Name: ParamMinSpeechDurationMS, Kind: KindInt, Default: "100", Min: 50, Max: 2000, Level: "D default, S range"},
	{Name: ParamMinSilenceDurationMS, Kind: KindInt, Default: "100", Min: 50, Max: 2000, Level: "D default, S range"},
	{Name: ParamKeyterms, Kind: KindStringList, MaxItems: 50, MaxLen: 20, Level: "D, limits S"},
	{Name: ParamNoVerbatim, Kind: KindBool, Default: "false", Level: "D"},
	{Name: ParamEntityDetection, Kind: KindStringList, Level: "D"},
	{Name: ParamFilterBackgroundAudio, Kind: KindBool, Default: "false", Level: "D"},
	{Name: ParamEnableLogging, Kind: KindBool, Default: "true", Level: "D"},
	{Name: ParamEntityRedaction, Kind: KindStringList, Level: "C"},
	{Name: ParamEntityRedactionMode, Kind: KindEnum, Default: RedactionEnumerated,
		Allowed: []string{RedactionRedacted, RedactionEntityType, RedactionEnumerated}, Level: "C"},
	{Name: ParamTranscriptEdit, Kind: KindString, MaxLen: 2000, Level: "C"},
	{Name: ParamDiarize, Kind: KindBool, Default: "false", Level: "U"},
}

// Conflict is a pair of parameters that may not both be set (true, or
// non-empty): a server refuses the pair.
type Conflict struct {
	A, B  string
	Level string
}

// Conflicts lists the pairs.
var Conflicts = []Conflict{
	{ParamFilterBackgroundAudio, ParamIncludeTimestamps, "D"},
	{ParamTranscriptEdit, ParamEntityDetection, "C"},
	{ParamTranscriptEdit, ParamEntityRedaction, "C"},
}

// Contract reports whether a level names the newest contract (C) alone.
func Contract(level string) bool { return level == "C" }

// Ranged lists the numeric parameters, in table order.
func Ranged() []Param {
	var out []Param
	for _, p := range Params {
		if p.Kind == KindFloat || p.Kind == KindInt {
			out = append(out, p)
		}
	}
	return out
}

// Step is the smallest change of a number the specs make at a range edge:
// 0.01 for seconds and thresholds, 1 for milliseconds.
func (p Param) Step() float64 {
	if p.Kind == KindInt {
		return 1
	}
	return 0.01
}

// Format writes x as a query value: whole milliseconds for an int, and at
// least one decimal for a float (3.0, not 3), as the SDKs write them.
func (p Param) Format(x float64) string {
	x = math.Round(x*100) / 100
	if p.Kind == KindInt {
		return strconv.Itoa(int(x))
	}
	s := strconv.FormatFloat(x, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// MaxTokensToRecompute is echoed in the wire config (O).
const MaxTokensToRecompute = 5

// LookupParam returns the description of a documented parameter.
func LookupParam(name string) (Param, bool) {
	for _, p := range Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// formatSecs writes seconds with two decimals, as the live texts do.
func formatSecs(s float64) string {
	return strconv.FormatFloat(s, 'f', 2, 64)
}
