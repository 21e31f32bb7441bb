package servercheck_test

import (
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/captures"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/servercheck"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// started is the live session_started of the captures.
var started = func() string {
	lines, err := captures.Lines()
	if err != nil {
		panic(err)
	}
	return lines[0].Get("frame").Raw
}()

// record writes one connection: server frames as given, and a commit from
// the client after the first frame; it returns the graded result.
func record(t *testing.T, query string, server ...string) servercheck.ConnResult {
	t.Helper()
	set, err := wirelog.NewSet(t.TempDir(), secrets.New())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	set.SetClock(func() time.Time { now = now.Add(10 * time.Millisecond); return now })
	c := set.Open(httptest.NewRequest("GET", "/v1/speech-to-text/realtime?model_id=scribe_v2_realtime"+query, nil))
	c.Status(101)
	for i, f := range server {
		c.Frame(false, false, []byte(f))
		if i == 0 {
			f, _ := protocol.ParseAudioFormat("pcm_16000")
			chunk := fmt.Sprintf(`{"message_type":"input_audio_chunk","audio_base_64":"%s","commit":true,"sample_rate":16000}`, base64.StdEncoding.EncodeToString(f.Speech(3)))
			c.Frame(true, false, []byte(chunk))
		}
	}
	c.Closed(wirelog.FromClient, 1000, "", "")
	if err := set.Close(); err != nil {
		t.Fatal(err)
	}
	logs, _, err := wirelog.ReadDir(set.Dir())
	if err != nil {
		t.Fatal(err)
	}
	return servercheck.Grade(logs, protocol.MustLoadSchemas()).Conns[0]
}

func findingOf(t *testing.T, c servercheck.ConnResult, rule string) servercheck.Finding {
	t.Helper()
	for _, f := range c.Results {
		if f.Rule == rule {
			return f
		}
	}
	t.Fatalf("no %s in %+v", rule, c.Results)
	return servercheck.Finding{}
}

// A faithful session keeps every rule; each deviation fails the rule that
// guards it, and only that one.
func TestServerRulesOnRecordedTraffic(t *testing.T) {
	committed := `{"message_type":"committed_transcript","text":"hello there"}`
	echo := `{"message_type":"partial_transcript","text":"hello there"}`
	cases := []struct {
		name, rule string
		want       verdict.Verdict
		frames     []string
	}{
		{"faithful", "", verdict.OK, []string{started, committed, echo}},
		{"frame off its schema", "SCHEMA-1", verdict.Failed, []string{started, `{"message_type":"committed_transcript","text":7}`}},
		{"not JSON", "SCHEMA-1", verdict.Failed, []string{started, `hello`}},
		{"undocumented field", "SCHEMA-1", verdict.NonStrict, []string{started, `{"message_type":"committed_transcript","text":"a","extra":1}`}},
		{"session_started twice", "MULTI-1", verdict.Failed, []string{started, started}},
		{"commit answered twice", "MULTI-2", verdict.Failed, []string{started, committed, echo, committed}},
		{"no echo", "MULTI-5", verdict.NonStrict, []string{started, committed, `{"message_type":"partial_transcript","text":"other"}`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := record(t, "", c.frames...)
			for _, f := range got.Results {
				want := verdict.OK
				if f.Rule == c.rule {
					want = c.want
				}
				if f.Verdict != want && f.Verdict != verdict.NotApplicable {
					t.Errorf("%s: %s (%s), want %s", f.Rule, f.Verdict, f.Message, want)
				}
			}
			if c.rule != "" && findingOf(t, got, c.rule).Evidence == "" {
				t.Errorf("%s failed without evidence", c.rule)
			}
		})
	}
}

// A refused connection has no session: the MULTI rules do not apply, and
// the auth_error frame is graded by its schema.
func TestRefusalIsNoSession(t *testing.T) {
	got := record(t, "", `{"message_type":"auth_error","error":"You must be authenticated to use this endpoint."}`)
	if got.Session || findingOf(t, got, "SCHEMA-1").Verdict != verdict.OK || findingOf(t, got, "MULTI-1").Verdict != verdict.NotApplicable {
		t.Fatalf("%+v", got)
	}
}

// Every verbatim live frame the server sent passes SCHEMA-1 when it comes
// through a recording: real traffic is never graded off its own schema.
func TestLiveCapturesPassOnRecordedTraffic(t *testing.T) {
	frames := captures.Frames(t, "server")
	if len(frames) < 5 {
		t.Fatalf("only %d server captures", len(frames))
	}
	got := findingOf(t, record(t, "", frames...), "SCHEMA-1")
	if got.Verdict == verdict.Failed {
		t.Fatalf("live frames fail SCHEMA-1: %s\n%s", got.Message, got.Evidence)
	}
	if !strings.Contains(got.Message, fmt.Sprint(len(frames))) && got.Verdict == verdict.OK {
		t.Fatalf("message %q does not count %d frames", got.Message, len(frames))
	}
}

// A text frame that is not UTF-8 is graded as what it was on the wire: the
// recording keeps it as base64, but SCHEMA-1 must call it what the live
// probes call the same bytes (a text frame that is not valid UTF-8), not a
// binary frame.
func TestNonUTF8TextFrameIsGradedAsText(t *testing.T) {
	bad := "{\"message_type\":\"committed_transcript\",\"text\":\"\xff\xfe\"}"
	live := probes.ParseFrame(0, false, []byte(bad))
	if live.ParseErr == "" {
		t.Fatalf("the live probes take %q for a protocol message", bad)
	}
	got := findingOf(t, record(t, "", started, bad), "SCHEMA-1")
	if got.Verdict != verdict.Failed || !strings.Contains(got.Evidence, live.ParseErr) {
		t.Fatalf("SCHEMA-1 %s: %s\n%s\nwant FAILED with what the live probes say: %s", got.Verdict, got.Message, got.Evidence, live.ParseErr)
	}
	if strings.Contains(got.Evidence, "binary") {
		t.Fatalf("a text frame graded as binary:\n%s", got.Evidence)
	}
}

// A frame the recording clipped is graded by its size, which the record
// keeps, not as the "not JSON" its start alone would be.
func TestClippedFrameIsGradedBySize(t *testing.T) {
	huge := `{"message_type":"partial_transcript","text":"` + strings.Repeat("a", wirelog.MaxFrameData) + `"}`
	got := findingOf(t, record(t, "", started, huge), "SCHEMA-1")
	if got.Verdict != verdict.Failed || !strings.Contains(got.Evidence, fmt.Sprintf("text frame of %d bytes", len(huge))) || strings.Contains(got.Evidence, "not JSON") {
		t.Fatalf("SCHEMA-1 %s: %s\n%s", got.Verdict, got.Message, got.Evidence)
	}
}
