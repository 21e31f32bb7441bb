package fakeserver

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/scribecheck/scribecheck/protocol"
)

// sessionConfig is a parsed, validated query string (docs/protocol.md §2).
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
	if c.LanguageCode == nil {
		return false
	}
	_, locale := protocol.Locale(*c.LanguageCode)
	return locale
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

// parseConfig reads the query string with protocol.CheckQuery under rules
// and refuses it on the first problem that check calls a refusal; that
// problem's text is what the fake sends in invalid_request (choice
// invalid-request-close).
func parseConfig(q url.Values, rules paramRules) (sessionConfig, error) {
	v, problems := protocol.CheckQuery(q, rules.QueryRules)
	if p, refused := protocol.FirstRefusal(problems); refused {
		return sessionConfig{}, errors.New(p.Refusal)
	}
	c := sessionConfig{ModelID: v.Str(protocol.ParamModelID)}
	c.Format, _ = protocol.ParseAudioFormat(v.Str(protocol.ParamAudioFormat))
	// turn_prediction: the fake finds turn ends with its VAD (choice turn-prediction-by-vad).
	c.CommitStrategy = v.Str(protocol.ParamCommitStrategy)
	c.VADCommit = c.CommitStrategy != protocol.CommitManual
	if lc := v.Str(protocol.ParamLanguageCode); lc != "" {
		if two, ok := iso639_3to1[strings.ToLower(lc)]; ok && rules.foldLanguage {
			lc = two
		}
		c.LanguageCode = &lc
	}
	c.SecondaryLanguages = v.List(protocol.ParamSecondaryLanguages)
	c.IncludeTimestamps = v.Bool(protocol.ParamIncludeTimestamps)
	c.IncludeLanguageDetection = v.Bool(protocol.ParamIncludeLanguageDetection)
	c.NoVerbatim = v.Bool(protocol.ParamNoVerbatim)
	c.FilterBackgroundAudio = v.Bool(protocol.ParamFilterBackgroundAudio)
	c.EnableLogging = v.Bool(protocol.ParamEnableLogging)
	c.VADSilenceThresholdSecs = v.Float(protocol.ParamVADSilenceThresholdSecs)
	c.VADThreshold = v.Float(protocol.ParamVADThreshold)
	c.MinSpeechDurationMS = int(v.Float(protocol.ParamMinSpeechDurationMS))
	c.MinSilenceDurationMS = int(v.Float(protocol.ParamMinSilenceDurationMS))
	c.Keyterms = v.List(protocol.ParamKeyterms)
	c.EntityDetection = protocol.ListItems(v.List(protocol.ParamEntityDetection))
	c.EntityRedaction = protocol.ListItems(v.List(protocol.ParamEntityRedaction))
	c.RedactionMode = v.Str(protocol.ParamEntityRedactionMode) // only used with entity_redaction (C)
	c.TranscriptEdit = v.Str(protocol.ParamTranscriptEdit)
	c.Diarize = v.Bool(protocol.ParamDiarize)
	return c, nil
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
	if slices.ContainsFunc(protocol.CheckPath(r.URL.Path), isKind(protocol.ProblemOldPath)) {
		out = append(out, protocol.StimOldRealtimePath)
	}
	// The keyterm limits are CheckQuery's count and length problems, found
	// whatever the rules enforce.
	_, problems := protocol.CheckQuery(q, protocol.FaithfulRules())
	keyterms := func(kind protocol.ProblemKind) func(protocol.QueryProblem) bool {
		return func(p protocol.QueryProblem) bool { return p.Kind == kind && p.Param == protocol.ParamKeyterms }
	}
	if slices.ContainsFunc(problems, keyterms(protocol.ProblemCount)) {
		out = append(out, protocol.StimKeytermsTooMany)
	}
	if slices.ContainsFunc(problems, keyterms(protocol.ProblemLength)) {
		out = append(out, protocol.StimKeytermTooLong)
	}
	if len(boolWords(q)) > 0 {
		out = append(out, protocol.StimBoolWord)
	}
	if q.Has(protocol.ParamEntityRedactionMode) && len(protocol.ListItems(q[protocol.ParamEntityRedaction])) == 0 {
		out = append(out, protocol.StimRedactionModeOnly)
	}
	return out
}

func isKind(kind protocol.ProblemKind) func(protocol.QueryProblem) bool {
	return func(p protocol.QueryProblem) bool { return p.Kind == kind }
}

// modelStimulus names what is unusual about the model_id the parser reads
// (the last one given), or "" for a documented model, by
// protocol.ClassifyModel, the reading CheckQuery's advice uses too. It
// compares with protocol.Models, not the fake's list, so that a fault
// refusing a known model is never taken for a stimulus. Lite is a model the
// fake takes (O) and still a stimulus, so that a server seen refusing it can
// be reproduced.
func modelStimulus(given []string) string {
	model := ""
	if len(given) > 0 {
		model = given[len(given)-1] // choice last-duplicate-wins
	}
	switch class, _ := protocol.ClassifyModel(model); class {
	case protocol.ModelMissing:
		return protocol.StimModelMissing
	case protocol.ModelRealtime:
		if model == protocol.LiteModel {
			return protocol.StimModelLite
		}
		return ""
	case protocol.ModelCase:
		return protocol.StimModelUpperCase
	case protocol.ModelPadded:
		return protocol.StimModelPadded
	case protocol.ModelOldName:
		return protocol.StimModelOldName
	default: // a batch model, or any other
		return protocol.StimModelUnknown
	}
}

// boolWords lists the boolean parameters whose value (the last one given) is
// yes or no in any case, which protocol.CheckQuery refuses (a stimulus:
// what the live server does with them is unconfirmed).
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
