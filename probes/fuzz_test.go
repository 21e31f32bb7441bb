package probes

import (
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/internal/captures"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/protocol"
)

// Fuzz targets for what the probes parse from outside: every frame a server
// sends (ParseFrame, and the timeline's reading of it) and the target URL a
// user gives (ParseBaseURL). `make fuzz` runs them; found cases stay in
// testdata/fuzz/<Target>/.

// FuzzParseFrame classifies a server frame. It keeps the bytes as sent;
// exactly one of Type and ParseErr is set for a text frame, and Type is the
// frame's own string message_type; a binary frame is never a protocol
// message. The timeline's summary and audio count read it without a panic,
// and the summary never shows a secret the redactor knows.
func FuzzParseFrame(f *testing.F) {
	for _, fr := range captures.Frames(f, "server") {
		f.Add(false, []byte(fr))
	}
	f.Add(false, []byte(`{"message_type":"partial_transcript","text":"sutkn_0123456789abcdef0123456789abcdef"}`))
	for _, s := range []string{`{"message_type":"x"}`, `{`, `[]`, `null`, "\xff\xfe", `{"message_type":1}`} {
		f.Add(false, []byte(s)) // the seeds of the target this one replaced
	}
	f.Add(false, []byte(`[{"message_type":"x"}]`))
	f.Add(false, []byte("\xff\xfe{"))
	f.Add(true, []byte{0x81, 0x00})
	const secret = "sutkn_0123456789abcdef0123456789abcdef"
	red := secrets.New()
	red.Add(secret)
	f.Fuzz(func(t *testing.T, binary bool, raw []byte) {
		fr := ParseFrame(time.Millisecond, binary, raw)
		switch {
		case fr.Raw != string(raw):
			t.Fatalf("Raw %q, received %q", fr.Raw, raw)
		case binary && (fr.Type != "" || fr.ParseErr == ""):
			t.Fatalf("binary frame parsed as %+v", fr)
		case !binary && (fr.Type == "") == (fr.ParseErr == ""):
			t.Fatalf("text frame %q: type %q, parse error %q: want exactly one", raw, fr.Type, fr.ParseErr)
		case fr.Type != "" && (!json.Valid(raw) || gjson.GetBytes(raw, protocol.MessageTypeField).String() != fr.Type):
			t.Fatalf("%q typed %q", raw, fr.Type)
		}
		tl := Timeline{URL: "ws://127.0.0.1/v1/speech-to-text/realtime?audio_format=pcm_16000", Upgrade: Upgrade{Status: 101},
			Frames: []Frame{fr}, Close: &Close{Code: -1, Err: "cut"}, red: red}
		if sum := tl.Summary(); strings.Contains(sum, secret) {
			t.Fatalf("the summary shows the secret: %s", sum)
		}
		if secs := fr.AudioSecs(protocol.AudioFormat{Name: "pcm_16000", SampleRate: 16000}); secs < 0 {
			t.Fatalf("%v s of audio", secs)
		}
	})
}

// FuzzParseBaseURL checks a --target URL. A URL it accepts is only scheme
// and host, and accepting it again gives it back unchanged; its errors never
// repeat the user info, the query or the fragment, where a pasted URL carries
// a key or a token.
func FuzzParseBaseURL(f *testing.F) {
	for _, s := range []string{"https://api.elevenlabs.io", "http://127.0.0.1:8080/", "wss://api.elevenlabs.io/v1/speech-to-text/realtime?token=SECRET",
		"https://user:SECRET@api.elevenlabs.io", "https://api.elevenlabs.io/?xi-api-key=SECRET", "https://api.elevenlabs.io#SECRET", "api.elevenlabs.io", "http://[::1]:99"} {
		f.Add(s, []byte{0x01, 0x23, 0x45, 0x67})
	}
	f.Fuzz(func(t *testing.T, raw string, b []byte) {
		secret := "sk_fz" + hex.EncodeToString(b) // a key: it cannot come out of the error's own words
		raw = strings.ReplaceAll(raw, "SECRET", secret)
		got, err := ParseBaseURL(raw)
		if err != nil {
			u, perr := url.Parse(raw)
			if perr == nil && strings.Contains(u.Scheme+"://"+u.Host, secret) {
				return // the secret is the host itself: no credential position
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error repeats the secret: %v", err)
			}
			return
		}
		again, err := ParseBaseURL(got)
		if err != nil || again != got {
			t.Fatalf("%q accepted as %q, which gives %q, %v", raw, got, again, err)
		}
		u, _ := url.Parse(got)
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Path != "" {
			t.Fatalf("%q accepted as %q", raw, got)
		}
	})
}
