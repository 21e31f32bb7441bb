package fakeserver

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

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
	// The newest contract (C).
	CommitStrategy  string // manual, vad or turn_prediction; VADCommit is true for the last two
	EntityRedaction []string
	RedactionMode   string
	TranscriptEdit  string
	Diarize         bool
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

// hearsNothing: a language code with a region (en-US) is accepted but never
// transcribes (O for en-US; choice region-language-silent for the others).
func (c sessionConfig) hearsNothing() bool {
	return c.LanguageCode != nil && strings.ContainsAny(*c.LanguageCode, "-_")
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

// defaultConfig is the configuration of a session opened with only model_id.
func defaultConfig() sessionConfig {
	c, _ := parseConfig(url.Values{protocol.ParamModelID: {protocol.DefaultModel}}, faithfulParams())
	return c
}

// parseConfig validates the query string against protocol.Params; its error
// text is what the fake sends in invalid_request (choice invalid-request-close).
func parseConfig(q url.Values, rules paramRules) (sessionConfig, error) {
	c := sessionConfig{}
	for name, vs := range q {
		p, known := protocol.LookupParam(name)
		switch {
		case !known && rules.rejectUnknown:
			return c, fmt.Errorf("unknown parameter %s", name)
		case known && len(vs) > 1 && p.Kind != protocol.KindStringList && rules.rejectDuplicates:
			return c, fmt.Errorf("%s is given %d times", name, len(vs))
		}
	}
	var model string
	if vs := q[protocol.ParamModelID]; len(vs) > 0 {
		model = vs[len(vs)-1] // choice last-duplicate-wins
	}
	switch {
	case model == "":
		return c, fmt.Errorf("model_id is required; use %s", protocol.DefaultModel)
	case !slices.Contains(rules.models, model):
		return c, fmt.Errorf("model_id %q is not supported; use one of %s", model, strings.Join(protocol.Models, ", "))
	}
	c.ModelID = model
	v := values{}
	for _, p := range protocol.Params {
		if err := v.parse(p, q[p.Name], rules); err != nil {
			return c, err
		}
	}
	for _, pair := range protocol.Conflicts {
		if rules.enforces(pair.Level) && v.set(pair.A) && v.set(pair.B) {
			return c, fmt.Errorf("%s cannot be used with %s", pair.A, pair.B)
		}
	}
	c.Format, _ = protocol.ParseAudioFormat(v.str(protocol.ParamAudioFormat))
	// turn_prediction: the fake finds turn ends with its VAD (choice turn-prediction-by-vad).
	c.CommitStrategy = v.str(protocol.ParamCommitStrategy)
	c.VADCommit = c.CommitStrategy != protocol.CommitManual
	if lc := v.str(protocol.ParamLanguageCode); lc != "" {
		if two, ok := iso639_3to1[strings.ToLower(lc)]; ok && rules.foldLanguage {
			lc = two
		}
		c.LanguageCode = &lc
	}
	c.SecondaryLanguages = v.list(protocol.ParamSecondaryLanguages)
	c.IncludeTimestamps = v.bool(protocol.ParamIncludeTimestamps)
	c.IncludeLanguageDetection = v.bool(protocol.ParamIncludeLanguageDetection)
	c.NoVerbatim = v.bool(protocol.ParamNoVerbatim)
	c.FilterBackgroundAudio = v.bool(protocol.ParamFilterBackgroundAudio)
	c.EnableLogging = v.bool(protocol.ParamEnableLogging)
	c.VADSilenceThresholdSecs = v.float(protocol.ParamVADSilenceThresholdSecs)
	c.VADThreshold = v.float(protocol.ParamVADThreshold)
	c.MinSpeechDurationMS = int(v.float(protocol.ParamMinSpeechDurationMS))
	c.MinSilenceDurationMS = int(v.float(protocol.ParamMinSilenceDurationMS))
	c.Keyterms = v.list(protocol.ParamKeyterms)
	c.EntityDetection = splitCommas(v.list(protocol.ParamEntityDetection))
	c.EntityRedaction = splitCommas(v.list(protocol.ParamEntityRedaction))
	c.RedactionMode = v.str(protocol.ParamEntityRedactionMode) // only used with entity_redaction (C)
	c.TranscriptEdit = v.str(protocol.ParamTranscriptEdit)
	c.Diarize = v.bool(protocol.ParamDiarize)
	return c, nil
}

// values are the parsed query parameters, by name: a string, bool, float64
// or []string, the default where the query has none.
type values map[string]any

// parse checks one parameter's values against its row of the table.
func (v values) parse(p protocol.Param, given []string, rules paramRules) error {
	if p.Kind == protocol.KindStringList {
		if p.MaxItems > 0 && len(given) > p.MaxItems && rules.enforces(p.Level) && !rules.anyCount[p.Name] { // choice keyterm-limits
			return fmt.Errorf("%s has %d values; at most %d are allowed", p.Name, len(given), p.MaxItems)
		}
		for _, s := range given {
			if err := checkLen(p, s, rules); err != nil {
				return err
			}
		}
		v[p.Name] = given
		return nil
	}
	raw, ok := p.Default, false
	if len(given) > 0 {
		raw, ok = given[len(given)-1], true // choice last-duplicate-wins
	}
	switch p.Kind {
	case protocol.KindEnum:
		if ok && !slices.Contains(p.Allowed, raw) {
			if rules.checkEnums {
				return fmt.Errorf("%s %q is not one of %s", p.Name, raw, strings.Join(p.Allowed, ", "))
			}
			raw = p.Default
		}
		v[p.Name] = raw
	case protocol.KindBool:
		b, err := strconv.ParseBool(raw) // choice bools-parse-loosely; yes and no are a stimulus (requestStimuli)
		if err != nil {
			return fmt.Errorf("%s %q is not a boolean; use true or false", p.Name, raw)
		}
		v[p.Name] = b
	case protocol.KindFloat, protocol.KindInt:
		x, err := strconv.ParseFloat(raw, 64)
		if p.Kind == protocol.KindInt {
			var n int
			n, err = strconv.Atoi(raw)
			x = float64(n)
		}
		outside := x < p.Min || x > p.Max
		atBound := x == p.Min || x == p.Max
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || (rules.checkRanges && outside) || (rules.exclusiveRanges && (outside || atBound)) {
			return fmt.Errorf("%s %q must be a %s from %s to %s", p.Name, raw, kindWord(p.Kind), p.Format(p.Min), p.Format(p.Max))
		}
		v[p.Name] = x
	default:
		if err := checkLen(p, raw, rules); err != nil {
			return err
		}
		v[p.Name] = raw
	}
	return nil
}

// checkLen refuses a value over the parameter's MaxLen characters.
func checkLen(p protocol.Param, s string, rules paramRules) error {
	if n := len([]rune(s)); p.MaxLen > 0 && n > p.MaxLen && rules.enforces(p.Level) && !rules.anyLength[p.Name] {
		return fmt.Errorf("a %s value has %d characters; at most %d are allowed", p.Name, n, p.MaxLen)
	}
	return nil
}

func kindWord(k protocol.Kind) string {
	if k == protocol.KindInt {
		return "whole number"
	}
	return "number"
}

func (v values) str(name string) string    { s, _ := v[name].(string); return s }
func (v values) bool(name string) bool     { b, _ := v[name].(bool); return b }
func (v values) float(name string) float64 { x, _ := v[name].(float64); return x }
func (v values) list(name string) []string { l, _ := v[name].([]string); return l }

// set: a parameter is true, or a non-empty string or list.
func (v values) set(name string) bool {
	switch x := v[name].(type) {
	case bool:
		return x
	case string:
		return x != ""
	case []string:
		return len(x) > 0
	}
	return false
}

// splitCommas takes a list given as repeated keys, comma-separated values or
// both.
func splitCommas(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, e := range strings.Split(v, ",") {
			if e = strings.TrimSpace(e); e != "" {
				out = append(out, e)
			}
		}
	}
	return out
}

// requestStimuli lists the stimuli (protocol.Stimuli) an upgrade request
// carries besides its credentials, in the order of protocol.Stimuli. A
// calibrated server answers them as a real server was seen to (calibrate.go);
// the credentials' one, token-wrong-type, is the authenticator's.
func requestStimuli(r *http.Request) []string {
	q := r.URL.Query()
	var out []string
	if s := modelStimulus(q[protocol.ParamModelID]); s != "" {
		out = append(out, s)
	}
	if r.URL.Path == protocol.OldRealtimePath {
		out = append(out, protocol.StimOldRealtimePath)
	}
	kt, _ := protocol.LookupParam(protocol.ParamKeyterms)
	terms := q[protocol.ParamKeyterms]
	if kt.MaxItems > 0 && len(terms) > kt.MaxItems {
		out = append(out, protocol.StimKeytermsTooMany)
	}
	if kt.MaxLen > 0 && slices.ContainsFunc(terms, func(t string) bool { return utf8.RuneCountInString(t) > kt.MaxLen }) {
		out = append(out, protocol.StimKeytermTooLong)
	}
	if len(boolWords(q)) > 0 {
		out = append(out, protocol.StimBoolWord)
	}
	if q.Has(protocol.ParamEntityRedactionMode) && len(splitCommas(q[protocol.ParamEntityRedaction])) == 0 {
		out = append(out, protocol.StimRedactionModeOnly)
	}
	return out
}

// modelStimulus names what is unusual about the model_id the parser reads
// (the last one given), or "" for a documented model. It compares with
// protocol.Models, not the fake's list, so that a fault refusing a known
// model is never taken for a stimulus.
func modelStimulus(given []string) string {
	model := ""
	if len(given) > 0 {
		model = given[len(given)-1] // choice last-duplicate-wins
	}
	trimmed := strings.TrimSpace(model)
	switch {
	case model == "":
		return protocol.StimModelMissing
	case slices.Contains(protocol.Models, model):
		return ""
	case slices.ContainsFunc(protocol.Models, func(m string) bool { return strings.EqualFold(m, model) }):
		return protocol.StimModelUpperCase
	case trimmed != model && slices.Contains(protocol.Models, trimmed):
		return protocol.StimModelPadded
	case model == protocol.OldModelName:
		return protocol.StimModelOldName
	case model == protocol.LiteModel:
		return protocol.StimModelLite
	default:
		return protocol.StimModelUnknown
	}
}

// boolWords lists the boolean parameters whose value (the last one given) is
// yes or no in any case, which strconv.ParseBool refuses.
func boolWords(q url.Values) []string {
	var out []string
	for _, p := range protocol.Params {
		vs := q[p.Name]
		if p.Kind != protocol.KindBool || len(vs) == 0 {
			continue
		}
		if v := vs[len(vs)-1]; strings.EqualFold(v, "yes") || strings.EqualFold(v, "no") {
			out = append(out, p.Name)
		}
	}
	return out
}
