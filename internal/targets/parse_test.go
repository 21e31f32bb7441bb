package targets

import (
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/exitcode"
)

// A target is read in any letter case; a value that is none repeats what
// was typed and gives the form that would work when one is near, never the
// credentials a pasted URL carries.
func TestParse(t *testing.T) {
	for _, c := range []struct {
		in, want string // want: the target, or the whole refusal
	}{
		{"fake", "fake"},
		{"FAKE", "fake"},
		{" Live ", "live"},
		{"https://api.elevenlabs.io/", "https://api.elevenlabs.io"},
		{"HTTP://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"nonsense", "--target nonsense: not fake, live or a URL; give fake, live, or an http(s)://HOST[:PORT] URL"},
		{"", "--target is empty; give fake, live, or an http(s)://HOST[:PORT] URL"},
		{"localhost:8080", "--target localhost:8080: no http:// or https://; give http://localhost:8080"},
		{"127.0.0.1:9000", "--target 127.0.0.1:9000: no http:// or https://; give http://127.0.0.1:9000"},
		{"api.elevenlabs.io", "--target api.elevenlabs.io: no http:// or https://; give https://api.elevenlabs.io or live"},
		{"api.eu.residency.elevenlabs.io/v1/speech-to-text/realtime", "--target api.eu.residency.elevenlabs.io/v1/speech-to-text/realtime: no http:// or https://; give https://api.eu.residency.elevenlabs.io"},
		{"wss://api.elevenlabs.io/v1/speech-to-text/realtime?token=sutkn_secret0123", "--target wss://api.elevenlabs.io/v1/speech-to-text/realtime?…: the socket's URL; give its base https://api.elevenlabs.io or live (the socket's ws(s):// URL is derived from it)"},
		{"ws://localhost:8080", "--target ws://localhost:8080: the socket's URL; give its base http://localhost:8080 (the socket's ws(s):// URL is derived from it)"},
		{"https://api.elevenlabs.io/v1/speech-to-text/realtime", "--target https://api.elevenlabs.io/v1/speech-to-text/realtime: a path; give only scheme, host and port: https://api.elevenlabs.io or live (the path /v1/... is added for you)"},
		{"https://h.example?xi-api-key=sk_secret0123", "--target https://h.example?…: a query; give only scheme, host and port: https://h.example (tokens are minted for you)"},
		{"https://me:sk_secret0123@h.example", "--target …@h.example: credentials in the URL; put the key in ELEVENLABS_API_KEY and give https://h.example"},
		{"ftp://x", "--target ftp://x: not an http:// or https:// URL; give fake, live, or an http(s)://HOST[:PORT] URL"},
		{"http://", "--target http://: no host; give fake, live, or an http(s)://HOST[:PORT] URL"},
		{"sutkn_secret0123456789", "--target sutkn_…6789: not fake, live or a URL; give fake, live, or an http(s)://HOST[:PORT] URL"},
	} {
		got, err := Parse("--target", c.in)
		if err != nil {
			got = err.Error()
			if exitcode.Of(err) != exitcode.Usage {
				t.Errorf("%q: exit %d, want a usage error", c.in, exitcode.Of(err))
			}
		}
		if got != c.want {
			t.Errorf("Parse(%q)\n got %s\nwant %s", c.in, got, c.want)
		}
		if strings.Contains(got, "secret") {
			t.Errorf("Parse(%q) repeats a credential: %s", c.in, got)
		}
	}
}
