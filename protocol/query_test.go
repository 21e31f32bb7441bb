package protocol

import (
	"net/url"
	"strings"
	"testing"
)

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// A refused query is refused on its first refused problem, with the text the
// fake has always sent in invalid_request; every problem says what is wrong
// and what to do.
func TestCheckQueryRefusals(t *testing.T) {
	m := "model_id=scribe_v2_realtime&"
	for raw, want := range map[string]string{
		"":                                        "model_id is required; use scribe_v2_realtime",
		"model_id=":                               "model_id is required; use scribe_v2_realtime",
		"model_id=scribe_realtime_v2":             `model_id "scribe_realtime_v2" is not supported; use one of scribe_v2_realtime, scribe_v2_realtime_turbo, scribe_v2_realtime_lite, scribe_v3_live`,
		"model_id=scribe_v2_realtime+":            `model_id "scribe_v2_realtime " is not supported; use one of scribe_v2_realtime, scribe_v2_realtime_turbo, scribe_v2_realtime_lite, scribe_v3_live`,
		m + "audio_format=mp3_44100":              `audio_format "mp3_44100" is not one of pcm_8000, pcm_16000, pcm_22050, pcm_24000, pcm_44100, pcm_48000, ulaw_8000`,
		m + "include_timestamps=yes":              `include_timestamps "yes" is not a boolean; use true or false`,
		m + "vad_threshold=2":                     `vad_threshold "2" must be a number from 0.1 to 0.9`,
		m + "min_speech_duration_ms=100.5":        `min_speech_duration_ms "100.5" must be a whole number from 50 to 2000`,
		m + "vad_threshold=NaN":                   `vad_threshold "NaN" must be a number from 0.1 to 0.9`,
		m + "keyterms=" + strings.Repeat("k", 21): "a keyterms value has 21 characters; at most 20 are allowed",
		m + "filter_background_audio=true&include_timestamps=1": "filter_background_audio cannot be used with include_timestamps",
		m + "transcript_edit=x&entity_detection=pii":            "transcript_edit cannot be used with entity_detection",
		// The first in table order: audio_format comes before vad_threshold.
		m + "vad_threshold=2&audio_format=mp3": `audio_format "mp3" is not one of pcm_8000, pcm_16000, pcm_22050, pcm_24000, pcm_44100, pcm_48000, ulaw_8000`,
		// The last of two is read.
		m + "vad_threshold=0.5&vad_threshold=2": `vad_threshold "2" must be a number from 0.1 to 0.9`,
	} {
		_, problems := CheckQuery(mustQuery(t, raw), FaithfulRules())
		p, refused := FirstRefusal(problems)
		if !refused || p.Refusal != want {
			t.Errorf("%q: refused %t %q, want %q", raw, refused, p.Refusal, want)
		}
		for _, p := range problems {
			if p.Text == "" || p.Fix == "" || (p.Refused && p.Refusal == "") {
				t.Errorf("%q: a problem without words: %+v", raw, p)
			}
		}
	}
}

// What the live server reads on past: an unknown or old key, two different
// values of one parameter (the last is read), a boolean the server reads but
// the docs do not write; and what is no problem at all.
func TestCheckQueryWarnings(t *testing.T) {
	m := "model_id=scribe_v2_realtime&"
	for raw, want := range map[string]ProblemKind{
		m + "encoding=pcm_s16le":                                  ProblemOldKey,
		m + "keyterm=a":                                           ProblemTypoKey,
		m + "noise_reduction=1":                                   ProblemUnknownKey,
		m + "audio_format=pcm_8000&audio_format=pcm_16000":        ProblemDuplicate,
		m + "include_timestamps=True":                             ProblemBoolSpelling,
		m + "no_verbatim=1":                                       ProblemBoolSpelling,
		"model_id=scribe_realtime_v2&model_id=scribe_v2_realtime": ProblemDuplicate,
		m + "audio_format=pcm_16000&audio_format=pcm_16000":       "", // elevenlabs-js 2.31-2.56 sends it twice
		"model_id=scribe_v2_realtime_lite":                        "", // docs/protocol.md §10 (O)
		"model_id=scribe_v3_live&commit_strategy=turn_prediction": "",
		m + "transcript_edit=x&entity_detection=":                 "", // an empty list is not set
		m + "entity_redaction_mode=redacted":                      "",
		// Credentials are CLIENT-2's and authcause's, which read the first
		// token as the fake's auth does: no last-value-wins warning.
		m + "token=sutkn_a&token=sutkn_b": "",
	} {
		v, problems := CheckQuery(mustQuery(t, raw), FaithfulRules())
		if _, refused := FirstRefusal(problems); refused {
			t.Errorf("%q refused: %+v", raw, problems)
			continue
		}
		switch {
		case want == "" && len(problems) > 0:
			t.Errorf("%q: %+v, want no problem", raw, problems)
		case want != "" && (len(problems) != 1 || problems[0].Kind != want):
			t.Errorf("%q: %+v, want one %s", raw, problems, want)
		}
		if v.Str(ParamModelID) == "" {
			t.Errorf("%q: no model read", raw)
		}
	}
	v, _ := CheckQuery(mustQuery(t, "model_id=scribe_v2_realtime&include_timestamps=True&audio_format=pcm_8000&audio_format=ulaw_8000"), FaithfulRules())
	if !v.Bool(ParamIncludeTimestamps) || v.Str(ParamAudioFormat) != "ulaw_8000" {
		t.Errorf("read %v", v)
	}
}

// A server's deviations are rules: each moves a problem between refusal and
// warning, and nothing else.
func TestCheckQueryRules(t *testing.T) {
	m := "model_id=scribe_v2_realtime&"
	for _, c := range []struct {
		raw   string
		rules func(*QueryRules)
		want  string // the refusal, or "" for none
	}{
		{m + "foo=1", func(r *QueryRules) { r.RejectUnknown = true }, "unknown parameter foo"},
		{m + "audio_format=pcm_16000&audio_format=pcm_16000", func(r *QueryRules) { r.RejectDuplicates = true }, "audio_format is given 2 times"},
		{m + "vad_threshold=0.9", func(r *QueryRules) { r.ExclusiveRanges = true }, `vad_threshold "0.9" must be a number from 0.1 to 0.9`},
		{m + "vad_threshold=0.95", func(r *QueryRules) { r.CheckRanges = false }, ""},
		{m + "audio_format=mp3", func(r *QueryRules) { r.CheckEnums = false }, ""},
		{m + "transcript_edit=x&entity_redaction=pii", func(r *QueryRules) { r.CheckContract = false }, ""},
		{m + "keyterms=" + strings.Repeat("k", 21), func(r *QueryRules) { r.AnyLength = map[string]bool{ParamKeyterms: true} }, ""},
		{"model_id=scribe_v2_realtime_turbo", func(r *QueryRules) { r.Models = []string{DefaultModel} },
			`model_id "scribe_v2_realtime_turbo" is not supported; use one of scribe_v2_realtime`}, // this server's models, not the table's
	} {
		rules := FaithfulRules()
		c.rules(&rules)
		v, problems := CheckQuery(mustQuery(t, c.raw), rules)
		p, refused := FirstRefusal(problems)
		if refused != (c.want != "") || p.Refusal != c.want || len(problems) == 0 {
			t.Errorf("%q: %+v, want refusal %q and a problem", c.raw, problems, c.want)
		}
		if c.raw == m+"audio_format=mp3" && v.Str(ParamAudioFormat) != "pcm_16000" {
			t.Errorf("an unchecked enum reads %q, want the default", v.Str(ParamAudioFormat))
		}
	}
}

// The path is compared exactly, as the fake's mux routes it.
func TestCheckPath(t *testing.T) {
	for path, want := range map[string]ProblemKind{
		RealtimePath:                       "",
		RealtimePath + "/":                 ProblemPath,
		OldRealtimePath:                    ProblemOldPath,
		OldRealtimePath + "/":              ProblemPath,
		"":                                 ProblemPath,
		"/v1/speech-to-text/realtime/beta": ProblemPath,
	} {
		got := CheckPath(path)
		switch {
		case want == "" && len(got) > 0:
			t.Errorf("%q: %+v, want no problem", path, got)
		case want != "" && (len(got) != 1 || got[0].Kind != want || !got[0].Refused || got[0].Text == "" || got[0].Fix == ""):
			t.Errorf("%q: %+v, want one refused %s", path, got, want)
		}
	}
	if p := CheckPath(RealtimePath + "/"); !strings.Contains(p[0].Text, "trailing /") {
		t.Errorf("a trailing / is not named: %q", p[0].Text)
	}
}

// A locale is a warning, named with its bare language; a bare code is none.
func TestCheckQueryLocale(t *testing.T) {
	for lc, want := range map[string]string{"en-US": "en", "pt_BR": "pt", "EN-gb": "en", "en": "", "eng": "", "-": ""} {
		_, problems := CheckQuery(url.Values{ParamModelID: {DefaultModel}, ParamLanguageCode: {lc}}, FaithfulRules())
		locale := lc == "-" || want != ""
		switch {
		case !locale && len(problems) > 0:
			t.Errorf("%q: %+v, want none", lc, problems)
		case locale && (len(problems) != 1 || problems[0].Kind != ProblemLocale || problems[0].Refused || problems[0].Meant != want ||
			problems[0].Fix == "" || !strings.Contains(problems[0].Text, "never transcribes")):
			t.Errorf("%q: %+v, want one warning of a locale of %q", lc, problems, want)
		}
	}
}

// One reading of a model_id: its class, and the advice CheckQuery gives.
func TestClassifyModel(t *testing.T) {
	for m, want := range map[string]struct {
		class ModelClass
		meant string
	}{
		"":                         {ModelMissing, ""},
		DefaultModel:               {ModelRealtime, ""},
		LiteModel:                  {ModelRealtime, ""},
		OldModelName:               {ModelOldName, ""},
		"SCRIBE_V2_REALTIME_TURBO": {ModelCase, TurboModel},
		" scribe_v2_realtime ":     {ModelPadded, DefaultModel},
		" SCRIBE_V2_REALTIME ":     {ModelPadded, DefaultModel},
		"scribe_v1":                {ModelBatch, ""},
		"scribe_v1_experimental":   {ModelBatch, ""},
		UnknownModel:               {ModelUnknown, ""},
		" " + OldModelName:         {ModelUnknown, ""},
		DefaultModel + "_":         {ModelUnknown, ""},
	} {
		class, meant := ClassifyModel(m)
		if class != want.class || meant != want.meant {
			t.Errorf("%q: %s %q, want %s %q", m, class, meant, want.class, want.meant)
		}
		if class == ModelCase || class == ModelPadded {
			_, problems := CheckQuery(url.Values{ParamModelID: {m}}, FaithfulRules())
			if len(problems) != 1 || problems[0].Meant != meant || problems[0].Fix != "Use model_id="+meant+"." {
				t.Errorf("%q: %+v, want the advice to use %s", m, problems, meant)
			}
		}
	}
}
