package doctor

import (
	"slices"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/probes"
)

// Each mistake users make in the socket URL is flagged, with a fix.
func TestLintFlagsEachMistake(t *testing.T) {
	live := probes.Target{BaseURL: "https://api.elevenlabs.io"}
	good := "wss://api.elevenlabs.io/v1/speech-to-text/realtime?model_id=scribe_v2_realtime&token=sutkn_0123456789abcdef0123456789abcdef"
	cases := []struct {
		url, key, says string
	}{
		{"wss://api.elevenlabs.io/v1/speech-to-text/realtime?model_id=scribe_v2_realtime&token=sk_live_abcdefghijkl", "", "the API key is sent as ?token="},
		{strings.Replace(good, "sutkn_0123456789abcdef0123456789abcdef", "mykey123456789", 1), "mykey123456789", "the API key is sent as ?token="},
		{strings.Replace(good, "token=", "single_use_token=", 1), "", "?single_use_token=, the TTS sockets' name"},
		{strings.Replace(good, "sutkn_0123456789abcdef0123456789abcdef", "undefined", 1), "", "missing value"},
		{strings.Replace(good, "sutkn_0123456789abcdef0123456789abcdef", "%5Bobject%20Object%5D", 1), "", "the mint response object"},
		{strings.Replace(good, "model_id=scribe_v2_realtime&", "", 1), "", "model_id is missing"},
		{strings.Replace(good, "/realtime?", "/realtime-beta?", 1), "", "realtime-beta"},
		{strings.Replace(good, "api.elevenlabs.io", "api.eu.residency.elevenlabs.io", 1), "", "minted on api.elevenlabs.io"},
		{strings.Replace(good, "wss://", "https://", 1), "", "not a WebSocket URL"},
		{strings.Replace(good, "wss://", "ws://", 1), "", "clear text"},
		{good + "&xi-api-key=sk_abc", "", "the API key is in the URL (?xi-api-key=)"},
		{good + "&token=sutkn_x", "", "token= is given more than once"},
	}
	for _, c := range cases {
		found := Lint(c.url, live, c.key, secrets.New())
		ok := false
		for _, f := range found {
			if strings.Contains(f.Problem, c.says) && f.Fix != "" {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: no finding saying %q in %+v", c.url, c.says, found)
		}
	}
	for _, f := range Lint(good, live, "", secrets.New()) {
		if f.Severity == SevError || f.Severity == SevWarning {
			t.Errorf("a correct URL got %s: %s", f.Severity, f.Problem)
		}
	}
	if f := Lint("ws://127.0.0.1:8080/v1/speech-to-text/realtime?model_id=scribe_v2_realtime&token=sutkn_0123456789abcdef0123456789abcdef", probes.Target{BaseURL: "http://127.0.0.1:8080"}, "", secrets.New()); len(f) != 0 {
		t.Errorf("a local fake URL got %+v", f)
	}
}

// The query is linted as the fake reads it (protocol.CheckQuery): what it
// refuses is an error, a key it ignores a warning with the client rules'
// advice. The URLs are taken from public projects.
func TestLintReadsTheQueryAsTheFakeDoes(t *testing.T) {
	base := "wss://api.elevenlabs.io/v1/speech-to-text/realtime?"
	for _, c := range []struct {
		query string
		want  map[string]string // severity -> a problem saying this; absent severities: none
	}{
		{"model_id=scribe_v2_realtime&encoding=pcm_s16le&sample_rate=16000",
			map[string]string{SevWarning: "sample_rate is an old or home-made name: use audio_format=pcm_<rate>"}},
		{"model_id=scribe_realtime_v2", map[string]string{SevError: "model_id=scribe_realtime_v2 is the old name"}},
		{"model_id=scribe_v2_realtime_lite", nil},
		{"model_id=scribe_v3_live", nil},
		{"model_id=scribe_v2_realtime&include_timestamps=yes", map[string]string{SevError: "include_timestamps=yes is not a boolean"}},
		{"model_id=scribe_v2_realtime&include_timestamps=True", map[string]string{SevWarning: "include_timestamps=True is read as true"}},
		{"model_id=scribe_v2_realtime&vad_threshold=0.95", map[string]string{SevError: "vad_threshold=0.95 is outside 0.1–0.9"}},
		{"model_id=scribe_v2_realtime&keyterm=Scribe", map[string]string{SevWarning: "misspelling of keyterms"}},
		{"model_id=scribe_v2_realtime&filter_background_audio=true&include_timestamps=true", map[string]string{SevError: "may not go together"}},
		{"model_id=nope&model_id=scribe_v2_realtime", map[string]string{SevWarning: "model_id is given 2 times"}},
	} {
		found := Lint(base+c.query+"&token=sutkn_0123456789abcdef0123456789abcdef", probes.Target{}, "", secrets.New())
		for _, sev := range []string{SevError, SevWarning} {
			var got []string
			for _, f := range found {
				if f.Severity == sev {
					got = append(got, f.Problem)
				}
			}
			want, ok := c.want[sev]
			switch {
			case !ok && len(got) > 0:
				t.Errorf("%s: %s %q, want none", c.query, sev, got)
			case ok && !strings.Contains(strings.Join(got, "\n"), want):
				t.Errorf("%s: %s %q, want one saying %q", c.query, sev, got, want)
			}
		}
	}
}

func TestParseSLO(t *testing.T) {
	got, err := ParseSLO("first_partial=2.5s, commit=800ms")
	if err != nil || got["first_partial"].Milliseconds() != 2500 || got["commit"].Milliseconds() != 800 {
		t.Errorf("%v %v", got, err)
	}
	for _, bad := range []string{"first_partial", "latency=1s", "commit=fast", "commit=-1s"} {
		if _, err := ParseSLO(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The lint reads the path as the fake routes it and CLIENT-3 judges it (a
// trailing / is another path), and a locale as CLIENT-18 does: a warning.
func TestLintReadsThePathAndTheLocaleAsTheClientRulesDo(t *testing.T) {
	q := "?model_id=scribe_v2_realtime&token=sutkn_0123456789abcdef0123456789abcdef"
	for _, c := range []struct{ url, sev, says string }{
		{"wss://api.elevenlabs.io/v1/speech-to-text/realtime/" + q, SevError, `the path is "/v1/speech-to-text/realtime/"`},
		{"wss://api.elevenlabs.io/v1/speech-to-text/realtime-beta/" + q, SevError, `the path is "/v1/speech-to-text/realtime-beta/"`},
		{"wss://api.elevenlabs.io/v1/speech-to-text/realtime-beta" + q, SevError, "the path is the old /v1/speech-to-text/realtime-beta"},
		{"wss://api.elevenlabs.io/v1/speech-to-text/realtime" + q + "&language_code=en-US", SevWarning, "language_code=en-US is a locale"},
	} {
		var got []string
		for _, f := range Lint(c.url, probes.Target{}, "", secrets.New()) {
			if f.Severity == c.sev {
				got = append(got, f.Problem)
			}
		}
		if !strings.Contains(strings.Join(got, "\n"), c.says) {
			t.Errorf("%s: %s %q, want one saying %q", c.url, c.sev, got, c.says)
		}
	}
}

// The lint teaches the redactor the URL's credentials as a recording of it
// would learn them (wirelog.QueryCredentials), and the secrets pasted into
// the host or path; no other query value: a keyterm is the user's word, not a
// secret to fingerprint in every report.
func TestLintLearnsTheCredentialsOnly(t *testing.T) {
	const term, tok, key = "averyveryverylongkeyterm", "sutkn_0123456789abcdef0123456789abcdef", "sk_0123456789abcdef0123456789"
	pasted := "sutkn_fedcba9876543210fedcba9876543210"
	raw := "wss://api.elevenlabs.io/v1/speech-to-text/realtime/" + pasted + "?model_id=scribe_v2_realtime&keyterms=" + term +
		"&keyterms=monkey&token=" + tok + "&api_key=" + key
	red := secrets.New()
	d := LintOnly(raw, red)
	known := red.Known()
	for _, s := range []string{tok, key, pasted} {
		if !slices.Contains(known, s) {
			t.Errorf("the redactor does not know %s: %q", s, known)
		}
	}
	for _, s := range []string{term, "monkey"} {
		if slices.Contains(known, s) {
			t.Errorf("the redactor learnt the keyterm %s as a secret", s)
		}
	}
	if len(d.URLLint) == 0 {
		t.Errorf("no lint")
	}
}
