package wirelog_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// harFile builds a HAR the way Chromium DevTools writes one (Log.ts,
// Writer.ts in devtools-frontend): {"log": {version, creator, pages,
// entries}}, each entry with Chromium's own underscore fields.
type harFile struct{ entries []map[string]any }

func (h *harFile) add(e map[string]any) map[string]any {
	h.entries = append(h.entries, e)
	return e
}

func (h *harFile) bytes(t *testing.T) []byte {
	t.Helper()
	b, err := json.MarshalIndent(map[string]any{"log": map[string]any{
		"version": "1.2",
		"creator": map[string]any{"name": "WebInspector", "version": "537.36"},
		"pages": []any{map[string]any{"startedDateTime": "2025-03-14T09:26:50.000Z", "id": "page_1", "title": "https://app.example/",
			"pageTimings": map[string]any{"onContentLoad": 310.5, "onLoad": 402.1}}},
		"entries": h.entries,
	}}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// harEntry is one request as Chromium exports it; headers are name, value
// pairs.
func harEntry(start time.Time, method, rawURL, resourceType string, status int, headers ...string) map[string]any {
	hs := []any{}
	for i := 0; i+1 < len(headers); i += 2 {
		hs = append(hs, map[string]any{"name": headers[i], "value": headers[i+1]})
	}
	return map[string]any{
		"_connectionId": "81234",
		"_initiator":    map[string]any{"type": "script"},
		"_priority":     "High",
		"_resourceType": resourceType,
		"cache":         map[string]any{},
		"connection":    "443",
		"pageref":       "page_1",
		"request": map[string]any{"method": method, "url": rawURL, "httpVersion": "http/1.1", "headers": hs,
			"queryString": []any{}, "cookies": []any{}, "headersSize": -1, "bodySize": 0},
		"response": map[string]any{"status": status, "statusText": "", "httpVersion": "http/1.1", "headers": []any{}, "cookies": []any{},
			"content": map[string]any{"size": 0, "mimeType": "x-unknown"}, "redirectURL": "", "headersSize": -1, "bodySize": -1,
			"_transferSize": 0, "_error": nil},
		"serverIPAddress": "104.18.0.1",
		"startedDateTime": start.UTC().Format("2006-01-02T15:04:05.000Z"),
		"time":            35.2,
		"timings": map[string]any{"blocked": 1.2, "dns": -1, "ssl": -1, "connect": -1, "send": 0.3, "wait": 30.1, "receive": 3.6,
			"_blocked_queueing": 0.9},
	}
}

func withBody(e map[string]any, mime, text string, encode bool) map[string]any {
	c := map[string]any{"size": len(text), "mimeType": mime, "text": text}
	if encode {
		c["text"] = base64.StdEncoding.EncodeToString([]byte(text))
		c["encoding"] = "base64"
	}
	e["response"].(map[string]any)["content"] = c
	return e
}

// withMessages adds Chromium's _webSocketMessages: type, epoch seconds,
// opcode, data (base64 for opcode 2).
func withMessages(e map[string]any, msgs ...map[string]any) map[string]any {
	e["_webSocketMessages"] = append([]map[string]any{}, msgs...)
	return e
}

func wsMsg(typ string, at time.Time, opcode int, data string) map[string]any {
	return map[string]any{"type": typ, "time": float64(at.UnixMicro()) / 1e6, "opcode": opcode, "data": data}
}

const (
	harKey     = "sk_canary0123456789abcdef0123456789abcdef0123"
	harKey2    = "legacycanarykey-0123456789" // a key of no known form, only ever in an xi-api-key header of a skipped entry
	harToken1  = "sutkn_canary11111111111111111111111111111111"
	harToken2  = "sutkn_canary22222222222222222222222222222222"
	harJWT     = "eyJhbGciOiJIUzI1NiJ9.canary-app-session.c2lnbmF0dXJl"
	harCookie  = "session=canary-cookie-value-0123456789"
	harRealURL = "wss://api.elevenlabs.io/v1/speech-to-text/realtime?model_id=scribe_v2_realtime"
)

// importHAR imports the HAR in r into a new set in a temporary folder and
// closes the set: the folder, the summary and the import's error.
func importHAR(t testing.TB, r io.Reader) (string, wirelog.HARSummary, error) {
	t.Helper()
	dir := t.TempDir()
	set, err := wirelog.NewSet(dir, secrets.New())
	if err != nil {
		t.Fatal(err)
	}
	sum, err := wirelog.ImportHAR(r, set)
	if cerr := set.Close(); cerr != nil && err == nil {
		t.Fatal(cerr)
	}
	return dir, sum, err
}

func TestImportHARWritesScribeTrafficInOrderRedacted(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 3, 14, 9, 26, 53, 589_000_000, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	var h harFile
	// Not in time order, as a HAR may hold them; ImportHAR writes by startedDateTime.
	h.add(harEntry(at(0), "GET", "https://app.example/", "document", 200, "Cookie", harCookie, "User-Agent", "Mozilla/5.0 Chrome/134"))
	h.add(withBody(withMessages(harEntry(at(5*time.Second), "GET", harRealURL+"&token="+harToken2, "websocket", 403,
		"Host", "api.elevenlabs.io", "Upgrade", "websocket", "User-Agent", "Mozilla/5.0 Chrome/134")),
		"application/json", `{"detail":{"status":"missing_permissions","message":"token `+harToken2+` lacks speech_to_text"}}`, true))
	h.add(withBody(harEntry(at(time.Second), "POST", "https://api.elevenlabs.io/v1/single-use-token/realtime_scribe", "fetch", 200,
		":authority", "api.elevenlabs.io", "xi-api-key", harKey, "Content-Type", "application/json"),
		"application/json", `{"token":"`+harToken1+`"}`, true))
	h.add(withMessages(harEntry(at(2*time.Second), "GET", harRealURL+"&token="+harToken1+"&language_code=en", "websocket", 101,
		"Host", "api.elevenlabs.io", "Upgrade", "websocket", "Origin", "https://app.example", "User-Agent", "Mozilla/5.0 Chrome/134"),
		wsMsg("receive", at(2250*time.Millisecond), 1, `{"message_type":"session_started","session_id":"s1"}`),
		// Secrets learnt only from later entries (token 2 from the app's
		// backend at +4 s, key 2 from a skipped entry) are redacted here too.
		wsMsg("send", at(2300*time.Millisecond), 1, `{"message_type":"input_audio_chunk","audio_base_64":"AAAA","note":"`+harToken2+` `+harKey2+`"}`),
		wsMsg("send", at(2350*time.Millisecond), 2, base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 255})),
		wsMsg("receive", at(2600*time.Millisecond), 1, `{"message_type":"partial_transcript","text":"hello"}`),
		wsMsg("error", at(2900*time.Millisecond), -1, "Invalid frame header"),
	))
	h.add(withBody(harEntry(at(4*time.Second), "GET", "https://app.example/api/scribe-token", "fetch", 200,
		"Authorization", "Bearer "+harJWT), "application/json; charset=utf-8", `{"token":"`+harToken2+`","expires_in":900}`, false))
	h.add(withMessages(harEntry(at(500*time.Millisecond), "GET", "ws://localhost:5173/?token=hmr-canary-token", "websocket", 101),
		wsMsg("receive", at(600*time.Millisecond), 1, `{"type":"connected"}`)))
	h.add(harEntry(at(100*time.Millisecond), "GET", "https://cdn.example/logo.png", "image", 200, "Cookie", harCookie))
	h.add(harEntry(at(3*time.Second), "POST", "https://analytics.example/collect?key=partial_transcript", "ping", 204))
	h.add(harEntry(at(3500*time.Millisecond), "GET", "https://api.elevenlabs.io/v1/models", "fetch", 200, "xi-api-key", harKey2))
	h.add(harEntry(at(3600*time.Millisecond), "GET", "data:image/png;base64,iVBORw0KGgo=", "image", 200))

	dir := t.TempDir()
	set, err := wirelog.NewSet(dir, secrets.New())
	if err != nil {
		t.Fatal(err)
	}
	before := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	set.SetClock(func() time.Time { return before })
	sum, err := wirelog.ImportHAR(bytes.NewReader(h.bytes(t)), set)
	if err != nil {
		t.Fatal(err)
	}
	// The set's clock is its own again.
	c := set.Open(httptest.NewRequest("GET", "/after", nil))
	c.Closed(wirelog.FromClient, 1000, "", "")
	if err := set.Close(); err != nil {
		t.Fatal(err)
	}
	if l, err := wirelog.ReadFile(filepath.Join(dir, c.ID()+".jsonl")); err != nil || !l.Request.At.Equal(before) {
		t.Errorf("ImportHAR must put the set's clock back: %v %v", l.Request.At, err)
	}
	os.Remove(filepath.Join(dir, c.ID()+".jsonl"))

	if sum.Entries != 10 || sum.Sockets != 2 || sum.Refused != 1 || sum.Frames != 4 || sum.Exchanges != 2 || sum.Skipped != 6 {
		t.Errorf("summary %+v; want 10 entries, 2 sockets (1 refused), 4 frames, 2 exchanges, 6 skipped", sum)
	}
	notes := strings.Join(sum.Notes, "\n")
	if !strings.Contains(notes, "entry 3: Chromium recorded a WebSocket error at 0.900 s") || !strings.Contains(notes, "entry 5: skipped a WebSocket to localhost:5173/") {
		t.Errorf("notes:\n%s", notes)
	}

	// The secrets, and what only the skipped entries had.
	holdsNone(t, dir, harKey, harKey2, harToken1, harToken2, harJWT, "canary-cookie-value", "hmr-canary-token", "localhost:5173", "logo.png", "analytics.example")

	logs, ex := readBack(t, dir, 2, 2)
	ok, refused := logs[0], logs[1]
	if ok.ID != "conn-0001" || !ok.Request.At.Equal(at(2*time.Second)) || refused.ID != "conn-0002" || !refused.Request.At.Equal(at(5*time.Second)) {
		t.Errorf("connections out of order: %s at %v, %s at %v", ok.ID, ok.Request.At, refused.ID, refused.Request.At)
	}
	if ok.Request.Remote != wirelog.HARRemote || ok.Request.Method != "GET" || ok.Request.Path != "/v1/speech-to-text/realtime" {
		t.Errorf("request: %+v", ok.Request)
	}
	if got := ok.Query("language_code"); len(got) != 1 || got[0] != "en" {
		t.Errorf("query: %v", ok.Request.Query)
	}
	if !ok.Upgraded() || ok.Response.T < 0 || ok.Response.T > 0.25 {
		t.Errorf("response: %+v", ok.Response)
	}
	wantDirs := []string{wirelog.FromServer, wirelog.FromClient, wirelog.FromClient, wirelog.FromServer}
	wantT := []float64{0.25, 0.30, 0.35, 0.60}
	if len(ok.Frames) != len(wantDirs) {
		t.Fatalf("frames: %+v", ok.Frames)
	}
	for i, f := range ok.Frames {
		if f.Dir != wantDirs[i] || math.Abs(f.T-wantT[i]) > 1e-6 {
			t.Errorf("frame %d: dir %s t %v, want %s %v", i, f.Dir, f.T, wantDirs[i], wantT[i])
		}
	}
	// A HAR's messages are recorded as the writer records any frame.
	if p, err := ok.Frames[2].Payload(); err != nil || p.Kind != wirelog.FrameBinary || p.Len != 4 || string(p.Data) != "\x00\x01\x02\xff" {
		t.Errorf("binary frame: %+v %v", p, err)
	}
	if p, err := ok.Frames[1].Payload(); err != nil || p.Kind != wirelog.FrameText || !strings.Contains(string(p.Data), `"note":"sutkn_…`) {
		t.Errorf("text frame with a token: %+v %v", p, err)
	}
	if !strings.Contains(ok.Frames[3].Data, "partial_transcript") {
		t.Errorf("a key=partial_transcript query in a skipped entry must not redact the word: %s", ok.Frames[3].Data)
	}
	if c := ok.Close; c == nil || c.By != wirelog.ByCut || c.Error != wirelog.CloseNotRecorded || math.Abs(c.T-0.6) > 1e-6 {
		t.Errorf("close: %+v", ok.Close)
	}
	if refused.Upgraded() || refused.Response == nil || refused.Response.Status != 403 || len(refused.Frames) != 0 ||
		protocol.ErrorStatus(refused.Response.Body) != protocol.StatusMissingPermissions || strings.Contains(refused.Response.Body, harToken2) ||
		refused.Close == nil || refused.Close.By != wirelog.FromServer {
		t.Errorf("refused socket: response %+v frames %d close %+v", refused.Response, len(refused.Frames), refused.Close)
	}

	mint, backend := ex[0], ex[1]
	if mint.Path != "/v1/single-use-token/realtime_scribe" || mint.Method != "POST" || !mint.At.Equal(at(time.Second)) || mint.Status != 200 ||
		backend.Path != "/api/scribe-token" || !backend.At.Equal(at(4*time.Second)) {
		t.Errorf("exchanges: %+v\n%+v", mint, backend)
	}
	for _, p := range mint.Headers {
		if strings.HasPrefix(p.Name, ":") {
			t.Errorf("HTTP/2 pseudo-header logged: %+v", p)
		}
	}
	cred := func(cs []wirelog.Credential, where string) wirelog.Credential {
		for _, c := range cs {
			if c.Where == where {
				return c
			}
		}
		t.Errorf("no %s credential in %+v", where, cs)
		return wirelog.Credential{}
	}
	if k := cred(mint.Credentials, "header:xi-api-key"); k.Shape != wirelog.ShapeAPIKey {
		t.Errorf("minting key: %+v", k)
	}
	if a, b := cred(mint.Credentials, "body:token"), cred(ok.Request.Credentials, "query:token"); a.ID == "" || a.ID != b.ID || b.Shape != wirelog.ShapeToken {
		t.Errorf("the minted token and the socket's token must share an id: %+v, %+v", a, b)
	}
	if a, b := cred(backend.Credentials, "body:token"), cred(refused.Request.Credentials, "query:token"); a.ID == "" || a.ID != b.ID {
		t.Errorf("the app's token and the refused socket's token must share an id: %+v, %+v", a, b)
	}
	if a := cred(backend.Credentials, "header:authorization"); a.ID == "" || strings.Contains(a.Shown, harJWT) {
		t.Errorf("authorization: %+v", a)
	}
}

func TestImportHARExample(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/har/scribe-token-refused.har")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir, sum, err := importHAR(t, f)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sockets != 1 || sum.Exchanges != 1 || sum.Skipped != 2 {
		t.Errorf("summary %+v", sum)
	}
	holdsNone(t, dir, "sk_canary9f3b2c71d04e4a5b8c6d1e2f3a4b5c6d7e8f", "sutkn_canary7c1e5a9d2b4f6083e1d5c7a9b2f4e608")
	logs, ex := readBack(t, dir, 1, 1)
	l := logs[0]
	got := l.Sent(wirelog.FromServer)
	if !l.Upgraded() || len(got) == 0 || !strings.Contains(got[0].Data, `"message_type":"auth_error"`) {
		t.Errorf("the socket's first received message must be the auth_error: %+v", l.Frames)
	}
	var minted, used string
	for _, c := range ex[0].Credentials {
		if c.Where == "body:token" {
			minted = c.ID
		}
	}
	for _, c := range l.Request.Credentials {
		if c.Where == "query:token" {
			used = c.ID
		}
	}
	if minted == "" || minted != used {
		t.Errorf("minted %q, used %q: the same token must keep one id", minted, used)
	}
	if l.Close == nil || l.Close.Error != wirelog.CloseNotRecorded {
		t.Errorf("close: %+v", l.Close)
	}
}

func TestImportHARBadInput(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	socket := func(msgs ...map[string]any) []byte {
		var h harFile
		h.add(harEntry(t0, "GET", "https://app.example/", "document", 200))
		h.add(withMessages(harEntry(t0, "GET", harRealURL+"&token="+harToken1, "websocket", 101), msgs...))
		return h.bytes(t)
	}
	badURL := func() []byte {
		var h harFile
		h.add(harEntry(t0, "GET", "wss://api.elevenlabs.io/v1/speech-to-text/realtime/%zz?token="+harToken1, "websocket", 101))
		return h.bytes(t)
	}
	badTime := func() []byte {
		var h harFile
		e := h.add(harEntry(t0, "GET", harRealURL, "websocket", 101))
		e["startedDateTime"] = "yesterday"
		return h.bytes(t)
	}
	ok := wsMsg("receive", t0.Add(time.Second), 1, `{"message_type":"session_started"}`)
	for _, tc := range []struct {
		name string
		in   []byte
		want []string
	}{
		{"not JSON", []byte(`{"log": {"entries": [`), []string{"HAR: not JSON", "Network tab"}},
		{"not an object", []byte(`[1, 2]`), []string{"not a HAR file"}},
		{"no entries", []byte(`{"log": {"version": "1.2", "creator": {"name": "x"}}}`), []string{"no log.entries", "Network tab"}},
		{"entry not an object", []byte(`{"log": {"entries": [{"request": {"url": 7}}]}}`), []string{"HAR entry 0: not a HAR entry"}},
		{"bad URL", badURL(), []string{"HAR entry 0: request.url is not a URL", `%zz`}},
		{"bad time", badTime(), []string{"HAR entry 0: startedDateTime \"yesterday\""}},
		{"bad base64", socket(ok, wsMsg("send", t0.Add(2*time.Second), 2, "!!not base64!!")),
			[]string{"HAR entry 1: _webSocketMessages[1].data: a binary message (opcode 2) whose data is not base64"}},
		{"unknown opcode", socket(ok, ok, ok, wsMsg("receive", t0.Add(2*time.Second), 9, "")),
			[]string{"HAR entry 1: _webSocketMessages[3].opcode 9: Chromium records only text (1) and binary (2) messages"}},
		{"unknown type", socket(wsMsg("ping", t0, 1, "")), []string{`HAR entry 1: _webSocketMessages[0].type "ping"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, _, err := importHAR(t, bytes.NewReader(tc.in))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), harToken1) {
				t.Errorf("the error shows a token: %v", err)
			}
			if files, _ := os.ReadDir(dir); len(files) != 0 {
				t.Errorf("a bad HAR must write nothing; wrote %d files", len(files))
			}
		})
	}
}

func TestImportHARWithoutScribeSocket(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	var h harFile
	h.add(harEntry(t0, "GET", "https://app.example/", "document", 200))
	h.add(withBody(harEntry(t0.Add(time.Second), "POST", "https://api.elevenlabs.io/v1/single-use-token/realtime_scribe", "fetch", 200, "xi-api-key", harKey),
		"application/json", `{"token":"`+harToken1+`"}`, false))
	h.add(withMessages(harEntry(t0, "GET", "ws://localhost:5173/", "websocket", 101)))
	dir, _, err := importHAR(t, bytes.NewReader(h.bytes(t)))
	if !errors.Is(err, wirelog.ErrNoScribeSocket) {
		t.Fatalf("want ErrNoScribeSocket, got %v", err)
	}
	for _, w := range []string{"3 entries, 1 WebSocket that is not Scribe's", "Network tab BEFORE the app connects", "Export HAR (with sensitive data)"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("wrote %d files for a HAR without a socket", len(files))
	}
}

// A credential a client sends in a frame is learnt before anything of the
// HAR is written: an earlier socket that shows it is redacted too.
func TestImportHARLearnsFrameCredentialsFirst(t *testing.T) {
	t.Parallel()
	const inFrame = "opaque-frame-credential-0123"
	t0 := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	var h harFile
	h.add(withMessages(harEntry(t0, "GET", harRealURL+"&token="+harToken1, "websocket", 101),
		wsMsg("receive", t0.Add(time.Second), 1, `{"message_type":"error","error":"unknown credential `+inFrame+`"}`)))
	h.add(withMessages(harEntry(t0.Add(2*time.Second), "GET", harRealURL+"&token="+harToken2, "websocket", 101),
		wsMsg("send", t0.Add(3*time.Second), 1, `{"message_type":"input_audio_chunk","audio_base_64":"","xi_api_key":"`+inFrame+`"}`)))
	dir, _, err := importHAR(t, bytes.NewReader(h.bytes(t)))
	if err != nil {
		t.Fatal(err)
	}
	holdsNone(t, dir, inFrame)
}
