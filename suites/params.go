package suites

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/onsi/ginkgo/v2"
	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// paramCases: every query parameter's enum and range edges, the echo in
// session_started.config (wire shape, O), duplicates and unknown keys
// (docs/protocol.md §2). Ranges are the SDKs' (S), inclusive ("matching the API",
// SDK changelog); a refusal is invalid_request then a close: invalid_request
// is in the SDK changelog only and a third-party capture saw close 1008, so
// refusals are SHOULD.
func paramCases() []Case {
	var cases []Case
	add := func(c Case) {
		c.Area = "param"
		cases = append(cases, c)
	}
	defaults := map[string]any{
		"sample_rate": 16000, "audio_format": "pcm_16000", "language_code": nil, "secondary_languages": []string{},
		"vad_commit_strategy": false, "model_id": protocol.DefaultModel,
		"disable_logging": false, "include_timestamps": false, "include_language_detection": false,
		"filter_background_audio": false, "keyterms": []string{}, "no_verbatim": false, "entity_detection": nil,
	}
	for _, p := range protocol.Ranged() {
		x, _ := strconv.ParseFloat(p.Default, 64)
		defaults[p.Name] = jsonNumber(p, x)
	}
	add(Case{ID: "PARAM-1", Level: verdict.Should, Subject: "defaults",
		Requirement: "With only model_id, session_started.config echoes every documented default in the wire shape.", Session: true,
		Body: echo(nil, defaults)})
	for i, f := range []string{"pcm_8000", "pcm_22050", "pcm_24000", "pcm_44100", "pcm_48000", "ulaw_8000"} {
		af, _ := protocol.ParseAudioFormat(f)
		add(Case{ID: fmt.Sprintf("PARAM-%d", 2+i), Level: verdict.Should, Subject: "audio_format=" + f, Session: true,
			Requirement: fmt.Sprintf("audio_format=%s opens a session whose config echoes it with sample_rate %d.", f, af.SampleRate),
			Body:        echo([]string{"audio_format", f}, map[string]any{"audio_format": f, "sample_rate": af.SampleRate})})
	}
	add(Case{ID: "PARAM-8", Level: verdict.Should, Subject: "audio_format=pcm_11025",
		Requirement: "An audio_format outside the enum is refused: invalid_request, then close.", Body: refused("audio_format", "pcm_11025")})
	add(Case{ID: "PARAM-9", Level: verdict.Should, Subject: "commit_strategy=vad", Session: true,
		Requirement: "commit_strategy=vad is echoed as vad_commit_strategy true (the wire shape, not the SDK's commit_strategy).",
		Body:        echo([]string{"commit_strategy", "vad"}, map[string]any{"vad_commit_strategy": true})})
	add(Case{ID: "PARAM-10", Level: verdict.Should, Subject: "commit_strategy=auto",
		Requirement: "A commit_strategy other than manual or vad is refused: invalid_request, then close.", Body: refused("commit_strategy", "auto")})
	add(Case{ID: "PARAM-11", Level: verdict.Should, Subject: "language_code=eng", Session: true,
		Requirement: "language_code=eng (ISO 639-3) is echoed as en.", Body: echo([]string{"language_code", "eng"}, map[string]any{"language_code": "en"})})
	add(Case{ID: "PARAM-12", Level: verdict.Should, Subject: "secondary_languages", Session: true,
		Requirement: "language_code=fr with secondary_languages de and it (repeated keys) is echoed as given.",
		Body: echo([]string{"language_code", "fr", "secondary_languages", "de", "secondary_languages", "it"},
			map[string]any{"language_code": "fr", "secondary_languages": []string{"de", "it"}})})
	n := 13
	for _, p := range protocol.Ranged() { // the bounds are protocol's table, as the fake's parser reads them
		r := struct {
			name                 string
			lo, hi, below, above string
			loV, hiV             any
		}{p.Name, p.Format(p.Min), p.Format(p.Max), p.Format(p.Min - p.Step()), p.Format(p.Max + p.Step()), jsonNumber(p, p.Min), jsonNumber(p, p.Max)}
		add(Case{ID: fmt.Sprintf("PARAM-%d", n), Level: verdict.Should, Subject: r.name + " bounds", Session: true,
			Requirement: fmt.Sprintf("%s=%s and =%s (the inclusive bounds) each open a session that echoes the value.", r.name, r.lo, r.hi),
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				echo([]string{r.name, r.lo}, map[string]any{r.name: r.loV})(ctx, s)
				echo([]string{r.name, r.hi}, map[string]any{r.name: r.hiV})(ctx, s)
			}})
		add(Case{ID: fmt.Sprintf("PARAM-%d", n+1), Level: verdict.Should, Subject: r.name + "=" + r.below,
			Requirement: fmt.Sprintf("%s=%s, below the range, is refused: invalid_request, then close.", r.name, r.below), Body: refused(r.name, r.below)})
		add(Case{ID: fmt.Sprintf("PARAM-%d", n+2), Level: verdict.Should, Subject: r.name + "=" + r.above,
			Requirement: fmt.Sprintf("%s=%s, above the range, is refused: invalid_request, then close.", r.name, r.above), Body: refused(r.name, r.above)})
		n += 3
	}
	// n == 25
	add(Case{ID: "PARAM-25", Level: verdict.Should, Subject: "booleans", Session: true,
		Requirement: "include_timestamps, include_language_detection and no_verbatim set to true are echoed true.",
		Body: echo([]string{"include_timestamps", "true", "include_language_detection", "true", "no_verbatim", "true"},
			map[string]any{"include_timestamps": true, "include_language_detection": true, "no_verbatim": true})})
	add(Case{ID: "PARAM-26", Level: verdict.Should, Subject: "enable_logging=false", Session: true,
		Requirement: "enable_logging=false is echoed as disable_logging true (the wire shape, not the SDK's enable_logging).",
		Body:        echo([]string{"enable_logging", "false"}, map[string]any{"disable_logging": true})})
	add(Case{ID: "PARAM-27", Level: verdict.Should, Subject: "keyterms", Session: true,
		Requirement: "keyterms given as repeated keys are echoed in order.",
		Body:        echo([]string{"keyterms", "Scribe", "keyterms", "ElevenLabs"}, map[string]any{"keyterms": []string{"Scribe", "ElevenLabs"}})})
	add(Case{ID: "PARAM-28", Level: verdict.Should, Subject: "entity_detection=pii", Session: true,
		Requirement: "entity_detection=pii is echoed (a query option in the SDK changelog, S).",
		Body:        echo([]string{"entity_detection", "pii"}, map[string]any{"entity_detection": "pii"})})
	add(Case{ID: "PARAM-29", Level: verdict.Should, Subject: "filter_background_audio+include_timestamps",
		Requirement: "filter_background_audio with include_timestamps is refused (D: not together): invalid_request, then close.",
		Body:        refused("filter_background_audio", "true", "include_timestamps", "true")})
	add(Case{ID: "PARAM-30", Level: verdict.Should, Subject: "duplicate audio_format", Session: true,
		Requirement: "audio_format given twice (as elevenlabs-js 2.31-2.56 sends it) is accepted.",
		Body:        echo([]string{"audio_format", "pcm_16000", "audio_format", "pcm_16000"}, map[string]any{"audio_format": "pcm_16000"})})
	add(Case{ID: "PARAM-31", Level: verdict.Should, Subject: "unknown keys", Session: true,
		Requirement: "Unknown keys old clients send (encoding, sample_rate, vad_commit_strategy=true, disable_logging) are ignored: the session opens with manual commits.",
		Body: echo([]string{"encoding", "pcm_s16le", "sample_rate", "16000", "vad_commit_strategy", "true", "disable_logging", "true"},
			map[string]any{"vad_commit_strategy": false})})
	kt, _ := protocol.LookupParam(protocol.ParamKeyterms)
	for _, o := range []struct {
		id, subject, req, stimulus string
		kv                         []string
	}{
		{"PARAM-32", fmt.Sprintf("keyterms x%d", kt.MaxItems+1), fmt.Sprintf("What the socket does with %d keyterms (the SDKs allow %d) is recorded.", kt.MaxItems+1, kt.MaxItems), protocol.StimKeytermsTooMany, repeat("keyterms", "term", kt.MaxItems+1)},
		{"PARAM-33", fmt.Sprintf("keyterm of %d chars", kt.MaxLen+1), fmt.Sprintf("What the socket does with a keyterm of %d characters (the SDKs allow %d) is recorded.", kt.MaxLen+1, kt.MaxLen), protocol.StimKeytermTooLong, []string{"keyterms", strings.Repeat("k", kt.MaxLen+1)}},
		{"PARAM-34", "include_timestamps=yes", "What the socket does with a boolean written yes is recorded.", protocol.StimBoolWord, []string{"include_timestamps", "yes"}},
	} {
		add(Case{ID: o.id, Level: verdict.Info, Subject: o.subject, Requirement: o.req,
			Body: func(ctx ginkgo.SpecContext, s *Spec) { s.ObserveStimulus(o.stimulus, s.Dial(ctx, query(o.kv...))) }})
	}
	add(Case{ID: "PARAM-35", Level: verdict.Should, Subject: "language_code=en-US", Session: true,
		Requirement: "language_code=en-US opens a session that never transcribes (seen live): three seconds of speech are committed as \"\".",
		Body: func(ctx ginkgo.SpecContext, s *Spec) {
			c := s.Open(ctx, query("language_code", "en-US"))
			s.Send(ctx, c, speech(3), true)
			s.VerifyFrame(ctx, c, protocol.CommittedTranscript, Field("text", ""))
		}})
	add(Case{ID: "PARAM-36", Level: verdict.Info, Subject: "include_timestamps=True",
		Requirement: "What the socket does with booleans written True and False (Python's urlencode of a bool, as videosdk-plugins-elevenlabs sends them) is recorded.",
		Body: func(ctx ginkgo.SpecContext, s *Spec) {
			c := s.Dial(ctx, query("include_timestamps", "True", "include_language_detection", "False"))
			s.ObserveConn(c)
			world := fakeserver.ChoiceBoolCapitals + "="
			if out, _ := c.Outcome(); out != probes.OutcomeSession {
				s.Observe("True and False are not read as booleans: the session was refused (the fake's " + world + fakeserver.PositionRefused + ")")
				return
			}
			cfg := framesOf(c.Timeline().Received(), protocol.SessionStarted)[0].Get("config")
			s.Observe(fmt.Sprintf("the session opened; config echoes include_timestamps %s and include_language_detection %s (the fake's %s%s reads them as true and false)",
				cfg.Get("include_timestamps").Raw, cfg.Get("include_language_detection").Raw, world, fakeserver.PositionRead))
		}})
	return cases
}

// jsonNumber is x as the config echoes it: an int for milliseconds.
func jsonNumber(p protocol.Param, x float64) any {
	if p.Kind == protocol.KindInt {
		return int(x)
	}
	return x
}

func repeat(key, prefix string, n int) []string {
	var kv []string
	for i := range n {
		kv = append(kv, key, fmt.Sprintf("%s%d", prefix, i))
	}
	return kv
}

// echo opens a session with the parameters kv and checks that the config
// echoes each expected field (SHOULD: the wire config is observed).
func echo(kv []string, want map[string]any) func(ginkgo.SpecContext, *Spec) {
	return func(ctx ginkgo.SpecContext, s *Spec) {
		c := s.Open(ctx, query(kv...))
		cfg := config(c)
		var wrong []string
		for _, k := range sortedKeys(want) {
			if got := cfg.Get(k); !sameJSON(got, want[k]) {
				wb, _ := json.Marshal(want[k])
				raw := got.Raw
				if !got.Exists() {
					raw = "(absent)"
				}
				wrong = append(wrong, fmt.Sprintf("%s is %s, want %s", k, raw, wb))
			}
		}
		s.Verify(len(wrong) == 0, "session_started.config echoes "+describe(want),
			strings.Join(wrong, "; "), c)
	}
}

// refused dials with kv and expects invalid_request, then a close, and no session.
func refused(kv ...string) func(ginkgo.SpecContext, *Spec) {
	return func(ctx ginkgo.SpecContext, s *Spec) {
		c := s.Dial(ctx, query(kv...))
		var cl *probes.Close
		if out, _ := c.Outcome(); out != probes.OutcomeSession {
			_, cl = s.WaitClosed(ctx, c)
		}
		out, detail := c.Outcome()
		s.entry(entryOutcome, detail)
		first, _ := c.Timeline().First()
		ok := out != probes.OutcomeSession && first.Type == protocol.ErrInvalidRequest && cl != nil
		s.Verify(ok, "invalid_request, then a close, and no session", detail, c)
	}
}

// sameJSON compares a field of a frame with a Go value, numbers by value.
func sameJSON(got gjson.Result, want any) bool {
	switch w := want.(type) {
	case nil:
		return got.Exists() && got.Type == gjson.Null
	case string:
		return got.Type == gjson.String && got.Str == w
	case bool:
		return (got.Type == gjson.True || got.Type == gjson.False) && got.Bool() == w
	case int:
		return got.Type == gjson.Number && got.Float() == float64(w)
	case float64:
		return got.Type == gjson.Number && got.Float() == w
	case []string:
		arr := got.Array()
		if !got.IsArray() || len(arr) != len(w) {
			return false
		}
		for i := range w {
			if arr[i].Type != gjson.String || arr[i].Str != w[i] {
				return false
			}
		}
		return true
	}
	return false
}

func describe(want map[string]any) string {
	var parts []string
	for _, k := range sortedKeys(want) {
		b, _ := json.Marshal(want[k])
		parts = append(parts, k+"="+string(b))
	}
	return strings.Join(parts, ", ")
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
