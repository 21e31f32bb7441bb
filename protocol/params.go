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

// Param describes one query parameter as protocol.md §2 gives it. This table
// is the one place the parameters' facts are written: the fake's parser and
// the PARAM specs both read it.
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
	{Name: ParamKeyterms, Kind: KindStringList, MaxItems: 50, MaxLen: 20, Level: "D, limits S"},
	{Name: ParamNoVerbatim, Kind: KindBool, Default: "false", Level: "D"},
	{Name: ParamEntityDetection, Kind: KindStringList, Level: "D"},
	{Name: ParamFilterBackgroundAudio, Kind: KindBool, Default: "false", Level: "D"},
	{Name: ParamEnableLogging, Kind: KindBool, Default: "true", Level: "D"},
}

// Exclusive pairs of parameters: both set (true, or non-empty) is refused.
var Exclusive = [][2]string{
	{ParamFilterBackgroundAudio, ParamIncludeTimestamps}, // D
}

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
