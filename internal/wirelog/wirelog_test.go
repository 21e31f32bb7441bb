package wirelog_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/wirelog"
)

const (
	key   = "sk_0123456789abcdef0123456789abcdef"
	token = "sutkn_fedcba9876543210fedcba9876543210"
)

func TestRoundTripRedactsByValueAndKeepsIdentity(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	red := secrets.New()
	set, err := wirelog.NewSet(dir, red)
	if err != nil {
		t.Fatal(err)
	}
	set.KnownKey(key)

	mint := httptest.NewRequest("POST", "/v1/single-use-token/realtime_scribe", nil)
	mint.Header.Set("xi-api-key", key)
	set.Exchange(mint, 200, []byte(`{"token":"`+token+`"}`))

	r := httptest.NewRequest("GET", "/v1/speech-to-text/realtime?model_id=scribe_v2_realtime&token="+token+"&keyterms=a&keyterms=b", nil)
	c := set.Open(r)
	c.Status(101)
	c.Frame(false, false, []byte(`{"message_type":"session_started"}`))
	c.Frame(true, false, []byte(`{"message_type":"input_audio_chunk","audio_base_64":"AAAA","note":"`+token+`"}`))
	c.Frame(true, true, []byte{1, 2, 3})
	c.Closed(wirelog.FromClient, 1000, "bye", "")
	c.Frame(true, false, []byte(`late`)) // after the close: ignored

	r2 := httptest.NewRequest("GET", "/v1/speech-to-text/realtime?token="+token, nil)
	set.Open(r2).Closed(wirelog.FromServer, 1000, "", "")
	if err := set.Close(); err != nil {
		t.Fatal(err)
	}

	holdsNone(t, dir, token, key)
	logs, ex := readBack(t, dir, 2, 1)
	l := logs[0]
	if !l.Upgraded() || len(l.Frames) != 3 || l.Close == nil || l.Close.Code != 1000 || l.Close.By != "client" {
		t.Fatalf("log read back wrong: %+v", l)
	}
	if got := l.Query("keyterms"); len(got) != 2 || got[1] != "b" {
		t.Errorf("repeated keys lost: %v", got)
	}
	if !l.Frames[2].Binary || l.Frames[2].Data != "AQID" || l.Frames[2].Len != 3 {
		t.Errorf("binary frame: %+v", l.Frames[2])
	}
	tok := l.Request.Credentials[0]
	if tok.Where != "query:token" || tok.Shape != wirelog.ShapeToken || !strings.HasPrefix(tok.Shown, "sutkn_…") {
		t.Errorf("token credential: %+v", tok)
	}
	minted := ex[0].Credentials[len(ex[0].Credentials)-1]
	if minted.Where != "body:token" || minted.ID != tok.ID || logs[1].Request.Credentials[0].ID != tok.ID {
		t.Errorf("the same token must keep one id: minted %+v, used %+v, reused %+v", minted, tok, logs[1].Request.Credentials[0])
	}
	if ex[0].Credentials[0].Shape != wirelog.ShapeAPIKey {
		t.Errorf("the minting key: %+v", ex[0].Credentials[0])
	}
	// What the set says it has seen, from memory, is what the logs say.
	seen := set.Seen()
	if len(seen.Conns) != len(logs) || len(seen.Exchanges) != len(ex) {
		t.Fatalf("seen %d connections and %d exchanges, the logs hold %d and %d", len(seen.Conns), len(seen.Exchanges), len(logs), len(ex))
	}
	for _, l := range logs {
		if !slices.Equal(seen.Conns[l.ID], l.Request.Credentials) {
			t.Errorf("%s: seen %+v, logged %+v", l.ID, seen.Conns[l.ID], l.Request.Credentials)
		}
	}
	if !slices.Equal(seen.Exchanges[0], ex[0].Credentials) {
		t.Errorf("the exchange: seen %+v, logged %+v", seen.Exchanges[0], ex[0].Credentials)
	}
}

func TestShapesOfWhatClientsPutInToken(t *testing.T) {
	t.Parallel()
	set, err := wirelog.NewSet(t.TempDir(), secrets.New())
	if err != nil {
		t.Fatal(err)
	}
	set.KnownKey("legacykey-without-prefix-1234")
	for value, want := range map[string]string{
		"undefined":                        wirelog.ShapePlaceholder,
		"[object Object]":                  wirelog.ShapePlaceholder,
		"":                                 wirelog.ShapeEmpty,
		key:                                wirelog.ShapeAPIKey,
		"legacykey-without-prefix-1234":    wirelog.ShapeAPIKey,
		"0123456789abcdef0123456789abcdef": wirelog.ShapeAPIKey,
		token:                              wirelog.ShapeToken,
		"abc":                              wirelog.ShapeOther,
	} {
		r := httptest.NewRequest("GET", "/v1/speech-to-text/realtime", nil)
		q := r.URL.Query()
		q.Set("token", value)
		r.URL.RawQuery = q.Encode()
		c := set.Open(r)
		c.Closed(wirelog.ByCut, 0, "", "")
		l, err := wirelog.ReadFile(filepath.Join(set.Dir(), c.ID()+".jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		got := l.Request.Credentials[0]
		if got.Shape != want {
			t.Errorf("token=%q: shape %s, want %s", value, got.Shape, want)
		}
		if want == wirelog.ShapePlaceholder && got.Shown != value {
			t.Errorf("a placeholder is no secret and must be shown: %+v", got)
		}
		if value == "abc" && got.Shown == "abc" {
			t.Errorf("a short unknown credential must not be shown: %+v", got)
		}
	}
}

func TestTornLastLineKeepsEverythingBefore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	set, err := wirelog.NewSet(dir, secrets.New())
	if err != nil {
		t.Fatal(err)
	}
	c := set.Open(httptest.NewRequest("GET", "/v1/speech-to-text/realtime", nil))
	c.Status(101)
	for range 5 {
		c.Frame(true, false, []byte(`{"message_type":"input_audio_chunk","audio_base_64":""}`))
	}
	// The recorder dies mid-write: no close record, and half a line.
	path := filepath.Join(dir, c.ID()+".jsonl")
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"kind":"frame","t":0.5,"dir":"cli`)
	f.Close()
	l, err := wirelog.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !l.Torn || len(l.Frames) != 5 || l.Close != nil {
		t.Fatalf("torn=%v frames=%d close=%v; want true 5 nil", l.Torn, len(l.Frames), l.Close)
	}
	// A damaged line in the middle is an error that names the line.
	os.WriteFile(path, []byte("{\"kind\":\"request\"}\nnot json\n{\"kind\":\"frame\"}\n"), 0o644)
	if _, err := wirelog.ReadFile(path); err == nil || !strings.Contains(err.Error(), ":2:") {
		t.Fatalf("want an error naming line 2, got %v", err)
	}
}

func TestClippedFrame(t *testing.T) {
	t.Parallel()
	set, _ := wirelog.NewSet(t.TempDir(), secrets.New())
	c := set.Open(httptest.NewRequest("GET", "/x", nil))
	c.Frame(false, false, []byte(strings.Repeat("a", wirelog.MaxFrameData+10)))
	c.Frame(false, false, []byte{0xff, 0xfe})
	c.Closed(wirelog.FromServer, 1000, "", "")
	l, err := wirelog.ReadFile(filepath.Join(set.Dir(), c.ID()+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if f := l.Frames[0]; !f.Clipped || f.Len != wirelog.MaxFrameData+10 || len(f.Data) != wirelog.MaxFrameData {
		t.Errorf("huge frame: clipped=%v len=%d data=%d", f.Clipped, f.Len, len(f.Data))
	}
	if f := l.Frames[1]; !f.Binary || f.Error == "" {
		t.Errorf("invalid UTF-8 text frame must be kept as base64 with a note: %+v", f)
	}
}

func mustGlob(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(m) == 0 {
		t.Fatalf("no files in %s: %v", dir, err)
	}
	return m
}

// holdsNone fails t for each file in dir (there must be one) that holds one
// of held: a secret, or what must not have been written.
func holdsNone(t *testing.T, dir string, held ...string) {
	t.Helper()
	for _, f := range mustGlob(t, dir) {
		b, _ := os.ReadFile(f)
		for _, h := range held {
			if strings.Contains(string(b), h) {
				t.Errorf("%s holds %q:\n%s", filepath.Base(f), h, b)
			}
		}
	}
}

// readBack reads the wire logs in dir and fails unless there are wantLogs
// connection logs and wantEx exchanges.
func readBack(t *testing.T, dir string, wantLogs, wantEx int) ([]*wirelog.Log, []wirelog.Record) {
	t.Helper()
	logs, ex, err := wirelog.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != wantLogs || len(ex) != wantEx {
		t.Fatalf("got %d logs and %d exchanges, want %d and %d", len(logs), len(ex), wantLogs, wantEx)
	}
	return logs, ex
}

// Every credential a request can carry is named by one of the positions, in
// the order the graders report them: query, then headers; a mint's token is
// WhereBodyToken.
func TestCredentialPositions(t *testing.T) {
	t.Parallel()
	set, err := wirelog.NewSet(t.TempDir(), secrets.New())
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/v1/speech-to-text/realtime?token="+token+"&single_use_token=undefined&api_key="+key, nil)
	r.Header.Set("XI-API-KEY", key) // any case: HTTP header names are not case-sensitive
	r.Header.Set("Authorization", "Bearer "+token)
	set.Open(r).Closed(wirelog.FromServer, 1000, "", "")
	mint := httptest.NewRequest("POST", "/v1/single-use-token/realtime_scribe", nil)
	set.Exchange(mint, 200, []byte(`{"token":"`+token+`"}`))
	if err := set.Close(); err != nil {
		t.Fatal(err)
	}
	logs, ex := readBack(t, set.Dir(), 1, 1)
	var got []string
	for _, c := range logs[0].Request.Credentials {
		got = append(got, c.Where)
	}
	want := []string{wirelog.WhereToken, wirelog.WhereTTSToken, wirelog.QueryPosition("api_key"), wirelog.WhereKeyHeader, wirelog.HeaderPosition("Authorization")}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("positions %v, want %v", got, want)
	}
	if wirelog.WhereToken != "query:token" || wirelog.WhereKeyHeader != "header:xi-api-key" {
		t.Errorf("the positions are a file format: %q %q", wirelog.WhereToken, wirelog.WhereKeyHeader)
	}
	c := logs[0].Request.Credentials[2]
	if k, ok := c.QueryKey(); !ok || k != "api_key" {
		t.Errorf("QueryKey of %s: %q %v", c.Where, k, ok)
	}
	if h, ok := logs[0].Request.Credentials[4].HeaderName(); !ok || h != "authorization" {
		t.Errorf("HeaderName: %q %v", h, ok)
	}
	if len(ex[0].Credentials) != 1 || ex[0].Credentials[0].Where != wirelog.WhereBodyToken {
		t.Errorf("mint credentials %+v", ex[0].Credentials)
	}
}

// ReadDir orders the logs by the number in their names, the order Set.Open
// gave them: conn-10000 comes after conn-9999, whatever the names' lexical
// order and whatever the request times say when they tie (a HAR's
// milliseconds) or run backwards (a clock stepped back).
func TestReadDirOrdersByConnectionNumber(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	write := func(name string, at time.Time) {
		t.Helper()
		b, err := json.Marshal(wirelog.Record{Kind: wirelog.KindRequest, At: at, Conn: strings.TrimSuffix(name, ".jsonl"), Path: "/v1/speech-to-text/realtime"})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("conn-10000.jsonl", t0.Add(time.Second))
	write("conn-2000.jsonl", t0.Add(time.Second))
	write("conn-9999.jsonl", t0.Add(time.Second))
	write("conn-0001.jsonl", t0.Add(2*time.Second))
	write("conn-by-hand.jsonl", t0)
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a log\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	logs, _ := readBack(t, dir, 5, 0)
	var got []string
	for _, l := range logs {
		got = append(got, l.ID)
	}
	want := []string{"conn-0001", "conn-2000", "conn-9999", "conn-10000", "conn-by-hand"}
	if !slices.Equal(got, want) {
		t.Fatalf("ReadDir order %v, want %v", got, want)
	}
}

// A refusal at the upgrade keeps what the server said, redacted (a secret
// it echoed) and clipped, on the response record; Status alone keeps none,
// as recordings made before Refused read.
func TestRefusalKeepsItsBody(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	set, err := wirelog.NewSet(dir, secrets.New())
	if err != nil {
		t.Fatal(err)
	}
	body := `{"detail":{"status":"invalid_api_key","message":"Invalid API key: ` + token + `"}}`
	refused := set.Open(httptest.NewRequest("GET", "/v1/speech-to-text/realtime?token="+token, nil))
	refused.Refused(401, []byte(body))
	refused.Closed(wirelog.FromServer, 0, "", "")
	// A long body whose clip cuts a character (é is two bytes) and a secret
	// out: the clip keeps whole characters, and the secret nowhere.
	long := strings.Repeat("x", wirelog.MaxRefusalBody-1) + "é" + key + strings.Repeat("y", 100)
	set.KnownKey(key)
	clipped := set.Open(httptest.NewRequest("GET", "/v1/speech-to-text/realtime", nil))
	clipped.Refused(502, []byte(long))
	old := set.Open(httptest.NewRequest("GET", "/v1/speech-to-text/realtime", nil))
	old.Status(403)
	if err := set.Close(); err != nil {
		t.Fatal(err)
	}
	holdsNone(t, dir, token, key, key[:len(key)-4])
	logs, _ := readBack(t, dir, 3, 0)

	r := logs[0].Response
	if r == nil || r.Status != 401 || r.Clipped || !strings.HasPrefix(r.Body, `{"detail":{"status":"invalid_api_key","message":"Invalid API key: sutkn_…`) {
		t.Errorf("refusal: %+v", r)
	}
	if logs[0].Upgraded() {
		t.Error("a refusal reads as upgraded")
	}
	r = logs[1].Response
	if r == nil || r.Status != 502 || !r.Clipped || len(r.Body) != wirelog.MaxRefusalBody-1 || !utf8.ValidString(r.Body) {
		t.Errorf("long refusal: status %d clipped %v, %d bytes", r.Status, r.Clipped, len(r.Body))
	}
	if r := logs[2].Response; r == nil || r.Status != 403 || r.Body != "" {
		t.Errorf("a status without a body: %+v", r)
	}
}
