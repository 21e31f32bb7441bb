package wirelog_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// A credential a client sends inside a frame, never seen before (an app that
// authenticates in a frame, the TTS way), is learnt before the frame is
// written: neither the frame nor anything after it holds it.
func TestCredentialInAClientFrameIsLearnt(t *testing.T) {
	t.Parallel()
	const inFrame = "sk_frame_0123456789abcdef0123" // shaped as a key, under any name
	const named = "opaque-credential-value-4567"    // no shape, under a credential's name
	const bearer = "opaque-bearer-value-89ab"       // an Authorization field: its scheme is no secret
	red := secrets.New()
	set, err := wirelog.NewSet(t.TempDir(), red)
	if err != nil {
		t.Fatal(err)
	}
	c := set.Open(httptest.NewRequest("GET", "/v1/speech-to-text/realtime", nil))
	c.Status(101)
	c.Frame(true, false, []byte(`{"message_type":"auth","note":"`+inFrame+`","auth":{"xiApiKey":"`+named+`","Authorization":"Bearer `+bearer+`"},"token_type":"realtime_scribe"}`))
	c.Closed(wirelog.FromServer, 1008, "bad credential "+named, "")
	if err := set.Close(); err != nil {
		t.Fatal(err)
	}
	holdsNone(t, set.Dir(), inFrame, named, bearer)
	if known := red.Known(); !slices.Contains(known, inFrame) || !slices.Contains(known, named) || !slices.Contains(known, bearer) {
		t.Errorf("the redactor learnt %q", known)
	}
	if slices.Contains(red.Known(), "realtime_scribe") {
		t.Error("token_type's value is no credential")
	}
}

// The replay and the recorder read a frame's credentials with one rule.
func TestFrameSecrets(t *testing.T) {
	t.Parallel()
	for frame, want := range map[string][]string{
		`{"token":"sutkn_0123456789abcdef"}`:                       {"sutkn_0123456789abcdef:token"},
		`{"single_use_token":"whatever-it-is-1234"}`:               {"whatever-it-is-1234:other"},
		`{"api_key":"undefined","token":""}`:                       nil, // placeholders are no secrets
		`{"token_type":"realtime_scribe","max_tokens":"12345678"}`: nil,
		`{"text":"a sk_ key: sk_0123456789abcdef"}`:                nil, // a sentence is no key
		`not json sk_0123456789abcdef`:                             nil,
		`[{"authorization":"Bearer  spaced-value-1234 "}]`:         {"spaced-value-1234:other"},
	} {
		var got []string
		for _, s := range wirelog.FrameSecrets([]byte(frame), nil) {
			got = append(got, s.Value+":"+s.Shape)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", frame, got, want)
		}
	}
}

// A credential too short to be redacted by value shows as "…(short)" in the
// query and headers as in its credential record, never as itself; an
// Authorization header's credential is trimmed of the spaces after its
// scheme.
func TestShortCredentialsShowAlike(t *testing.T) {
	t.Parallel()
	red := secrets.New()
	set, err := wirelog.NewSet(t.TempDir(), red)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/v1/speech-to-text/realtime?token=abc123&model_id=scribe_v2_realtime", nil)
	r.Header.Set("Xi-Api-Key", "k3y")
	r.Header.Set("Authorization", "Bearer  "+token)
	set.Open(r).Closed(wirelog.FromServer, 1000, "", "")
	if err := set.Close(); err != nil {
		t.Fatal(err)
	}
	holdsNone(t, set.Dir(), "abc123", "k3y", token)
	logs, _ := readBack(t, set.Dir(), 1, 0)
	req := logs[0].Request
	shown := map[string]string{}
	for _, c := range req.Credentials {
		shown[c.Where] = c.Shown
	}
	if got := logs[0].Query(wirelog.WhereToken[len("query:"):]); len(got) != 1 || got[0] != shown[wirelog.WhereToken] || got[0] != "…(short)" {
		t.Errorf("?token= shows %q in the query and %q in its record", got, shown[wirelog.WhereToken])
	}
	for _, h := range req.Headers {
		switch h.Name {
		case "Xi-Api-Key":
			if h.Value != shown[wirelog.WhereKeyHeader] {
				t.Errorf("xi-api-key shows %q in the headers and %q in its record", h.Value, shown[wirelog.WhereKeyHeader])
			}
		case "Authorization":
			if want := "Bearer  " + secrets.Fingerprint(token); h.Value != want || shown["header:authorization"] != secrets.Fingerprint(token) {
				t.Errorf("Authorization shows %q (record %q), want %q", h.Value, shown["header:authorization"], want)
			}
		}
	}
	if known := red.Known(); !slices.Contains(known, token) || slices.ContainsFunc(known, func(s string) bool { return strings.HasPrefix(s, " ") }) {
		t.Errorf("the Authorization credential was learnt as %q", known)
	}
}

// HeaderCredentials reads headers as a recording of them would: a token in
// the key header is a token, whatever the caller calls it.
func TestHeaderCredentialsAsRecorded(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set("Xi-Api-Key", token)
	red := secrets.New()
	got := wirelog.HeaderCredentials(h, red, token)
	if len(got) != 1 || got[0].Where != wirelog.WhereKeyHeader || got[0].Shape != wirelog.ShapeToken || got[0].Shown != secrets.Fingerprint(token) {
		t.Fatalf("got %+v", got)
	}
	q := wirelog.QueryCredentials(url.Values{"token": {"abc"}}, red)
	if len(q) != 1 || q[0].Shown != "…(short)" {
		t.Errorf("a short token: %+v", q)
	}
	if !slices.Contains(red.Known(), token) {
		t.Error("the redactor did not learn the header's credential")
	}
}

// A token sent bare, as a query name (?sutkn_…), is learnt and redacted like
// one on token=: found by FuzzImportHAR, where the mint had taught the set the
// token and the name still kept it.
func TestBareTokenInTheQueryIsRedacted(t *testing.T) {
	t.Parallel()
	red := secrets.New()
	set, err := wirelog.NewSet(t.TempDir(), red)
	if err != nil {
		t.Fatal(err)
	}
	const tok = "sutkn_0123456789abcdef0123456789abcdef"
	c := set.Open(httptest.NewRequest("GET", protocol.RealtimePath+"?model_id=scribe_v2_realtime&"+tok, nil))
	c.Status(101)
	c.Closed(wirelog.FromClient, 1000, "", "")
	if err := set.Close(); err != nil {
		t.Fatal(err)
	}
	leaks, err := secrets.ScanFiles([]string{set.Dir()}, []string{tok})
	if err != nil || len(leaks) > 0 {
		t.Errorf("a bare token stays in the log: %v %v", leaks, err)
	}
}
