package targets

import (
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
)

// FuzzParse reads a --target as typed. A value it accepts is fake, live or
// a base URL that it accepts again unchanged; a refusal is one line that
// never repeats the user info, query or fragment of the value, where a
// pasted URL carries a key or a token, nor a key or a token given whole.
// `make fuzz` runs it; found cases stay in testdata/fuzz/FuzzParse/.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"fake", "LIVE", "localhost:8080", "api.elevenlabs.io", "https://api.elevenlabs.io/",
		"wss://api.elevenlabs.io/v1/speech-to-text/realtime?token=SECRET", "https://user:SECRET@h.example", "https://h.example#SECRET",
		"SECRET", "ftp://x", "http://[::1]:99", "h.example/SECRET?x=SECRET"} {
		f.Add(s, []byte{0x01, 0x23, 0x45, 0x67})
	}
	f.Fuzz(func(t *testing.T, raw string, b []byte) {
		secret := "sk_fz" + hex.EncodeToString(b) // a key: it cannot come out of the error's own words
		raw = strings.ReplaceAll(raw, "SECRET", secret)
		got, err := Parse("--target", raw)
		if err != nil {
			msg := err.Error()
			if strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("a refusal on two lines: %q", msg)
			}
			if strings.Contains(msg, secret) && !inHostOrPath(raw, secret) {
				t.Fatalf("%q: the refusal repeats the secret: %s", raw, msg)
			}
			return
		}
		if got == NameFake || got == NameLive {
			return
		}
		again, err := Parse("--target", got)
		if err != nil || again != got {
			t.Fatalf("%q accepted as %q, which gives %q, %v", raw, got, again, err)
		}
		u, _ := url.Parse(got)
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Path != "" {
			t.Fatalf("%q accepted as %q", raw, got)
		}
	})
}

// inHostOrPath reports whether secret stands where a value is no credential:
// in the host or the path, before any query, fragment or user info.
func inHostOrPath(raw, secret string) bool {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	if i := strings.LastIndex(raw, "@"); i >= 0 {
		raw = raw[i+1:]
	}
	return raw != secret && strings.Contains(raw, secret)
}
