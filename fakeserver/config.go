package fakeserver

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/scribecheck/scribecheck/protocol"
)

// sessionConfig is a parsed, validated query string (protocol.md §2).
type sessionConfig struct {
	ModelID                  string
	Format                   protocol.AudioFormat
	VADCommit                bool
	LanguageCode             *string
	SecondaryLanguages       []string
	IncludeTimestamps        bool
	IncludeLanguageDetection bool
	VADSilenceThresholdSecs  float64
	VADThreshold             float64
	MinSpeechDurationMS      int
	MinSilenceDurationMS     int
	Keyterms                 []string
	NoVerbatim               bool
	EntityDetection          []string
	FilterBackgroundAudio    bool
	EnableLogging            bool
}

// wireConfig is session_started.config in the wire shape (O, captures), which
// differs from the SDK types: vad_commit_strategy and disable_logging. Public
// evidence is split: the newest API reference and the live capture show both
// fields, while the @elevenlabs/types changelog (0.19.0) says disable_logging
// "was never sent on the wire" and scribe.asyncapi.yaml types
// vad_commit_strategy as a string. The live capture wins here.
type wireConfig struct {
	SampleRate               int      `json:"sample_rate"`
	AudioFormat              string   `json:"audio_format"`
	LanguageCode             *string  `json:"language_code"`
	SecondaryLanguages       []string `json:"secondary_languages"`
	TimestampsGranularity    string   `json:"timestamps_granularity"`
	VADCommitStrategy        bool     `json:"vad_commit_strategy"`
	VADSilenceThresholdSecs  float64  `json:"vad_silence_threshold_secs"`
	VADThreshold             float64  `json:"vad_threshold"`
	MinSpeechDurationMS      int      `json:"min_speech_duration_ms"`
	MinSilenceDurationMS     int      `json:"min_silence_duration_ms"`
	MaxTokensToRecompute     int      `json:"max_tokens_to_recompute"`
	ModelID                  string   `json:"model_id"`
	DisableLogging           bool     `json:"disable_logging"`
	IncludeTimestamps        bool     `json:"include_timestamps"`
	IncludeLanguageDetection bool     `json:"include_language_detection"`
	FilterBackgroundAudio    bool     `json:"filter_background_audio"`
	Keyterms                 []string `json:"keyterms"`
	NoVerbatim               bool     `json:"no_verbatim"`
	EntityDetection          any      `json:"entity_detection"`
}

// sdkShape is the config as the SDK types describe it (commit_strategy,
// enable_logging), which the live server does not send: FaultConfigSDKShape.
func (w wireConfig) sdkShape() map[string]any {
	b, _ := json.Marshal(w)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	delete(m, "vad_commit_strategy")
	delete(m, "disable_logging")
	m["commit_strategy"] = "manual"
	if w.VADCommitStrategy {
		m["commit_strategy"] = "vad"
	}
	m["enable_logging"] = !w.DisableLogging
	return m
}

func (c sessionConfig) wire() wireConfig {
	w := wireConfig{
		SampleRate: c.Format.SampleRate, AudioFormat: c.Format.Name,
		LanguageCode: c.LanguageCode, SecondaryLanguages: nonNil(c.SecondaryLanguages),
		TimestampsGranularity: "word", VADCommitStrategy: c.VADCommit,
		VADSilenceThresholdSecs: c.VADSilenceThresholdSecs, VADThreshold: c.VADThreshold,
		MinSpeechDurationMS: c.MinSpeechDurationMS, MinSilenceDurationMS: c.MinSilenceDurationMS,
		MaxTokensToRecompute: protocol.MaxTokensToRecompute, ModelID: c.ModelID,
		DisableLogging: !c.EnableLogging, IncludeTimestamps: c.IncludeTimestamps,
		IncludeLanguageDetection: c.IncludeLanguageDetection,
		FilterBackgroundAudio:    c.FilterBackgroundAudio, Keyterms: nonNil(c.Keyterms),
		NoVerbatim: c.NoVerbatim,
	}
	switch len(c.EntityDetection) { // choice entity-detection-echo
	case 0:
		w.EntityDetection = nil
	case 1:
		w.EntityDetection = c.EntityDetection[0]
	default:
		w.EntityDetection = c.EntityDetection
	}
	return w
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// iso639_3to1 folds the three-letter codes seen in practice to the two-letter
// code the server echoes (O: eng is echoed as en).
var iso639_3to1 = map[string]string{
	"eng": "en", "spa": "es", "fra": "fr", "deu": "de", "ita": "it", "por": "pt", "nld": "nl",
	"pol": "pl", "rus": "ru", "ukr": "uk", "tur": "tr", "ara": "ar", "hin": "hi", "jpn": "ja",
	"kor": "ko", "zho": "zh", "swe": "sv", "dan": "da", "fin": "fi", "nor": "no", "ces": "cs",
}

// supportedModels are the model_ids the fake accepts (D).
var supportedModels = []string{protocol.DefaultModel, protocol.TurboModel}

// parseConfig validates the query string; its error text is what the fake
// sends in invalid_request (choice invalid-request-close).
func parseConfig(q url.Values, faults faultSet) (sessionConfig, error) {
	c := sessionConfig{}
	for name, vs := range q {
		_, known := protocol.LookupParam(name)
		switch {
		case !known && faults.has(FaultUnknownParamRejected):
			return c, fmt.Errorf("unknown parameter %s", name)
		case len(vs) > 1 && name != protocol.ParamKeyterms && name != protocol.ParamSecondaryLanguages &&
			name != protocol.ParamEntityDetection && faults.has(FaultDuplicateRejected):
			return c, fmt.Errorf("%s is given %d times", name, len(vs))
		}
	}
	last := func(name string) (string, bool) { // choice last-duplicate-wins
		v := q[name]
		if len(v) == 0 {
			return "", false
		}
		return v[len(v)-1], true
	}
	model, ok := last(protocol.ParamModelID)
	switch {
	case !ok || model == "":
		return c, fmt.Errorf("model_id is required; use %s", protocol.DefaultModel)
	case !slices.Contains(supportedModels, model) || (model == protocol.TurboModel && faults.has(FaultTurboRefused)):
		return c, fmt.Errorf("model_id %q is not supported; use one of %s", model, strings.Join(supportedModels, ", "))
	}
	c.ModelID = model
	enumsChecked := !faults.has(FaultEnumUnchecked)
	rangesChecked := !faults.has(FaultRangeUnchecked)

	var err error
	format := "pcm_16000"
	if v, ok := last(protocol.ParamAudioFormat); ok {
		format = v
	}
	if c.Format, err = protocol.ParseAudioFormat(format); err != nil {
		if enumsChecked {
			return c, err
		}
		c.Format, _ = protocol.ParseAudioFormat("pcm_16000")
	}
	if v, ok := last(protocol.ParamCommitStrategy); ok {
		if v != "manual" && v != "vad" && enumsChecked {
			return c, fmt.Errorf("commit_strategy %q is not one of manual, vad", v)
		}
		c.VADCommit = v == "vad"
	}
	if v, ok := last(protocol.ParamLanguageCode); ok && v != "" {
		if two, ok := iso639_3to1[strings.ToLower(v)]; ok && !faults.has(FaultLanguageNotFolded) {
			v = two
		}
		c.LanguageCode = &v
	}
	c.SecondaryLanguages = q[protocol.ParamSecondaryLanguages]

	bools := []struct {
		name string
		dst  *bool
		def  bool
	}{
		{protocol.ParamIncludeTimestamps, &c.IncludeTimestamps, false},
		{protocol.ParamIncludeLanguageDetection, &c.IncludeLanguageDetection, false},
		{protocol.ParamNoVerbatim, &c.NoVerbatim, false},
		{protocol.ParamFilterBackgroundAudio, &c.FilterBackgroundAudio, false},
		{protocol.ParamEnableLogging, &c.EnableLogging, true},
	}
	for _, b := range bools {
		*b.dst = b.def
		if v, ok := last(b.name); ok {
			if *b.dst, err = strconv.ParseBool(v); err != nil { // choice bools-parse-loosely
				return c, fmt.Errorf("%s %q is not a boolean; use true or false", b.name, v)
			}
		}
	}
	floats := []struct {
		name     string
		dst      *float64
		def      float64
		min, max float64
	}{
		{protocol.ParamVADSilenceThresholdSecs, &c.VADSilenceThresholdSecs, 1.5, 0.3, 3.0},
		{protocol.ParamVADThreshold, &c.VADThreshold, 0.4, 0.1, 0.9},
	}
	for _, f := range floats {
		*f.dst = f.def
		if v, ok := last(f.name); ok {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || (rangesChecked && (x < f.min || x > f.max)) || (faults.has(FaultRangeOffByOne) && (x <= f.min || x >= f.max)) {
				return c, fmt.Errorf("%s %q must be a number from %g to %g", f.name, v, f.min, f.max)
			}
			*f.dst = x
		}
	}
	ints := []struct {
		name     string
		dst      *int
		def      int
		min, max int
	}{
		{protocol.ParamMinSpeechDurationMS, &c.MinSpeechDurationMS, 100, 50, 2000},
		{protocol.ParamMinSilenceDurationMS, &c.MinSilenceDurationMS, 100, 50, 2000},
	}
	for _, n := range ints {
		*n.dst = n.def
		if v, ok := last(n.name); ok {
			x, err := strconv.Atoi(v)
			if err != nil || (rangesChecked && (x < n.min || x > n.max)) || (faults.has(FaultRangeOffByOne) && (x <= n.min || x >= n.max)) {
				return c, fmt.Errorf("%s %q must be a whole number from %d to %d", n.name, v, n.min, n.max)
			}
			*n.dst = x
		}
	}
	c.Keyterms = q[protocol.ParamKeyterms]
	if len(c.Keyterms) > protocol.MaxKeyterms {
		return c, fmt.Errorf("keyterms has %d terms; at most %d are allowed", len(c.Keyterms), protocol.MaxKeyterms)
	}
	for _, k := range c.Keyterms {
		if len([]rune(k)) > protocol.MaxKeytermLength {
			return c, fmt.Errorf("keyterm %q is longer than %d characters", k, protocol.MaxKeytermLength)
		}
	}
	for _, v := range q[protocol.ParamEntityDetection] {
		for _, e := range strings.Split(v, ",") {
			if e = strings.TrimSpace(e); e != "" {
				c.EntityDetection = append(c.EntityDetection, e)
			}
		}
	}
	if c.FilterBackgroundAudio && c.IncludeTimestamps && rangesChecked {
		return c, fmt.Errorf("filter_background_audio cannot be used with include_timestamps")
	}
	return c, nil
}
