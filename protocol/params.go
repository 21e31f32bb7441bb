package protocol

import (
	"strconv"
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

// Param describes one query parameter as protocol.md §2 gives it.
type Param struct {
	Name    string
	Kind    Kind
	Default string   // as it would be written in the query; "" for none
	Allowed []string // for enums
	Min     float64  // inclusive range for numbers (D default, S range)
	Max     float64
	Level   string // evidence level of the parameter itself
}

// Audio formats (D).
var AudioFormats = []string{"pcm_8000", "pcm_16000", "pcm_22050", "pcm_24000", "pcm_44100", "pcm_48000", "ulaw_8000"}

// Params lists every documented query parameter of the realtime socket.
var Params = []Param{
	{Name: ParamModelID, Kind: KindString, Level: "D"},
	{Name: TokenParam, Kind: KindString, Level: "D"},
	{Name: ParamAudioFormat, Kind: KindEnum, Default: "pcm_16000", Allowed: AudioFormats, Level: "D"},
	{Name: ParamCommitStrategy, Kind: KindEnum, Default: "manual", Allowed: []string{"manual", "vad"}, Level: "D"},
	{Name: ParamLanguageCode, Kind: KindString, Level: "D"},
	{Name: ParamSecondaryLanguages, Kind: KindStringList, Level: "D"},
	{Name: ParamIncludeTimestamps, Kind: KindBool, Default: "false", Level: "D"},
	{Name: ParamIncludeLanguageDetection, Kind: KindBool, Default: "false", Level: "D"},
	{Name: ParamVADSilenceThresholdSecs, Kind: KindFloat, Default: "1.5", Min: 0.3, Max: 3.0, Level: "D default, S range"},
	{Name: ParamVADThreshold, Kind: KindFloat, Default: "0.4", Min: 0.1, Max: 0.9, Level: "D default, S range"},
	{Name: ParamMinSpeechDurationMS, Kind: KindInt, Default: "100", Min: 50, Max: 2000, Level: "D default, S range"},
	{Name: ParamMinSilenceDurationMS, Kind: KindInt, Default: "100", Min: 50, Max: 2000, Level: "D default, S range"},
	{Name: ParamKeyterms, Kind: KindStringList, Level: "D, limits S"},
	{Name: ParamNoVerbatim, Kind: KindBool, Default: "false", Level: "D"},
	{Name: ParamEntityDetection, Kind: KindStringList, Level: "D"},
	{Name: ParamFilterBackgroundAudio, Kind: KindBool, Default: "false", Level: "D"},
	{Name: ParamEnableLogging, Kind: KindBool, Default: "true", Level: "D"},
}

// Keyterm limits (S).
const (
	MaxKeyterms      = 50
	MaxKeytermLength = 20
)

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
