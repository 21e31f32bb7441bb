package doctor

import (
	"encoding/hex"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/probes"
)

// FuzzLint lints a socket URL a user pastes (doctor --url) with a single-use
// token planted where the seed says TOKEN. The lint is deterministic; every
// finding has a known severity and a fix; a URL that does not parse to a
// host gets exactly one error; and the diagnosis, rendered and redacted as
// the doctor prints and writes it, never shows the token, wherever in the
// URL the user put it. `make fuzz` runs it; found cases stay in
// testdata/fuzz/FuzzLint/.
func FuzzLint(f *testing.F) {
	good := "wss://api.elevenlabs.io/v1/speech-to-text/realtime?model_id=scribe_v2_realtime&token=TOKEN"
	for _, raw := range []string{
		good,
		"ws://127.0.0.1:8080/v1/speech-to-text/realtime?model_id=scribe_v2_realtime&token=TOKEN",
		"wss://api.elevenlabs.io/v1/speech-to-text/realtime-beta?model_id=scribe_realtime_v2&single_use_token=TOKEN",
		"https://api.eu.residency.elevenlabs.io/v1/speech-to-text/realtime?token=TOKEN&token=undefined&xi-api-key=sk_0123456789",
		"wss://api.elevenlabs.io/v1/speech-to-text/realtime?token=%5Bobject%20Object%5D&model_id=scribe_v2_realtime",
		"  " + good + "  ",
		"wss://proxy.example/scribe?model_id=scribe_v2_realtime&token=TOKEN#frag",
		"wss://api.elevenlabs.io:443/v1/speech-to-text/realtime?model_id=scribe_v2_realtime_turbo",
		"::not a url",
	} {
		f.Add(raw, []byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef})
	}
	live := probes.Target{BaseURL: "https://api.elevenlabs.io"}
	f.Fuzz(func(t *testing.T, raw string, secret []byte) {
		if len(secret) < 4 {
			return
		}
		token := "sutkn_" + hex.EncodeToString(secret)
		raw = strings.ReplaceAll(raw, "TOKEN", token)

		found := Lint(raw, live, "", secrets.New())
		if again := Lint(raw, live, "", secrets.New()); !reflect.DeepEqual(found, again) {
			t.Fatalf("two lints differ: %+v, then %+v", found, again)
		}
		for _, l := range found {
			if (l.Severity != SevError && l.Severity != SevWarning && l.Severity != SevNote) || l.Problem == "" || l.Fix == "" {
				t.Fatalf("finding %+v", l)
			}
		}
		if u, err := url.Parse(strings.TrimSpace(raw)); err != nil || u.Host == "" {
			if len(found) != 1 || found[0].Severity != SevError {
				t.Fatalf("unparsable %q got %+v, want one error", raw, found)
			}
		}

		red := secrets.New()
		d := LintOnly(raw, red)
		var b strings.Builder
		b.WriteString(d.Summary + "\n")
		for _, fd := range d.Findings {
			b.WriteString(fd.Cause + "\n" + fd.Fix + "\n" + strings.Join(fd.Evidence, "\n") + "\n")
		}
		for _, l := range d.URLLint {
			b.WriteString(l.Problem + "\n" + l.Fix + "\n")
		}
		if shown := red.Redact(b.String()); strings.Contains(shown, token) {
			t.Fatalf("the diagnosis of %q shows the token:\n%s", raw, shown)
		}
	})
}
