package wirelog_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/wirelog"
)

// Fuzz targets for the two readers of recordings from outside: a wire log
// (ReadFile) and a browser's HAR (ImportHAR). `make fuzz` runs them; found
// cases stay in testdata/fuzz/<Target>/.

// FuzzReadFile reads a connection log. A log it reads has a request record,
// is torn only where the file ends without a newline, and reads back the
// same once its records are written out again; an error names the file.
func FuzzReadFile(f *testing.F) {
	req := `{"kind":"request","t":0,"at":"2026-10-06T09:00:00.123456Z","conn":"conn-0001","remote":"127.0.0.1:5555","method":"GET","path":"/v1/speech-to-text/realtime","query":[{"name":"model_id","value":"scribe_v2_realtime"},{"name":"token","value":"sutkn_…ab12"}],"credentials":[{"where":"query:token","shown":"sutkn_…ab12","id":"0a1b2c3d4e5f","shape":"token"}]}`
	resp := `{"kind":"response","t":0.002,"status":101}`
	frame := `{"kind":"frame","t":0.01,"dir":"server","data":"{\"message_type\":\"session_started\"}","len":33}`
	bin := `{"kind":"frame","t":0.02,"dir":"client","binary":true,"data":"AAEC","len":3}`
	clipped := `{"kind":"frame","t":0.03,"dir":"client","data":"{\"message_type\":\"input_audio_chunk\",\"audio_base_64\":\"AAAA","len":5000000,"clipped":true}`
	closed := `{"kind":"close","t":1.5,"by":"server","code":1000,"reason":"commit_throttled"}`
	f.Add([]byte(strings.Join([]string{req, resp, frame, bin, clipped, closed}, "\n") + "\n"))
	f.Add([]byte(req + "\n" + resp + "\n" + `{"kind":"frame","t":0.01,"dir":"ser`))
	f.Add([]byte(req + "\n" + `{"kind":"close","t":0.1,"by":"cut","cut_by":"client","error":"EOF"}` + "\n"))
	f.Add([]byte(resp + "\n" + `{"kind":"meta"}` + "\n"))
	f.Add([]byte("\n\n" + req + "\r\n"))
	notUTF8 := `{"kind":"frame","t":0.04,"dir":"server","binary":true,"data":"//4=","len":2,"error":"text frame is not valid UTF-8; data is base64"}`
	f.Add([]byte(req + "\n" + resp + "\n" + notUTF8 + "\n" + `{"kind":"frame","dir":"server","binary":true,"data":"%%"}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "conn-0001.jsonl")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := wirelog.ReadFile(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if l.Request.Kind != wirelog.KindRequest {
			t.Fatalf("read a log without a request record: %+v", l.Request)
		}
		if l.Torn && bytes.HasSuffix(data, []byte("\n")) {
			t.Fatal("torn, although the file ends with a newline")
		}
		for i, fr := range l.Frames {
			if _, err := fr.Payload(); err != nil && !fr.Binary { // only base64 can be damaged
				t.Fatalf("frame %d: %v", i+1, err)
			}
		}
		again, err := wirelog.ReadFile(writeBack(t, l))
		if err != nil {
			t.Fatalf("the log written back does not read: %v", err)
		}
		if a, b := records(t, l), records(t, again); a != b {
			t.Fatalf("read back differently:\n%s\n%s", a, b)
		}
	})
}

// FuzzFramePayload writes any frame and reads it back through Payload: the
// opcode comes back, and the bytes (no secret is known, so none is
// redacted); Kind is FrameNotUTF8 exactly for text that is not UTF-8.
func FuzzFramePayload(f *testing.F) {
	f.Add(false, []byte(`{"message_type":"session_started"}`))
	f.Add(true, []byte{0, 1, 0xff})
	f.Add(false, []byte("caf\xe9"))
	f.Add(false, []byte("\xed\xa0\x80")) // a UTF-16 surrogate
	f.Add(false, []byte{})
	f.Fuzz(func(t *testing.T, binary bool, data []byte) {
		set, err := wirelog.NewSet(t.TempDir(), secrets.New())
		if err != nil {
			t.Fatal(err)
		}
		c := set.Open(httptest.NewRequest("GET", "/v1/speech-to-text/realtime", nil))
		c.Frame(true, binary, data)
		c.Closed(wirelog.FromClient, 1000, "", "")
		l, err := wirelog.ReadFile(filepath.Join(set.Dir(), c.ID()+".jsonl"))
		if err != nil || len(l.Frames) != 1 {
			t.Fatalf("read back: %v", err)
		}
		p, err := l.Frames[0].Payload()
		want := wirelog.FrameText
		switch {
		case binary:
			want = wirelog.FrameBinary
		case !utf8.Valid(data):
			want = wirelog.FrameNotUTF8
		}
		if err != nil || p.Kind != want || p.Text() == binary || !bytes.Equal(p.Data, data) || p.Len != len(data) || p.Clipped {
			t.Fatalf("wrote %v %q, read %s %q len=%d clipped=%v (%v)", binary, data, p.Kind, p.Data, p.Len, p.Clipped, err)
		}
	})
}

// writeBack writes l's records as a wire log, in the order Set writes them.
func writeBack(t *testing.T, l *wirelog.Log) string {
	path := filepath.Join(t.TempDir(), "conn-0001.jsonl")
	if err := os.WriteFile(path, []byte(records(t, l)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// records is l's records, one JSON line each.
func records(t *testing.T, l *wirelog.Log) string {
	recs := []wirelog.Record{l.Request}
	if l.Response != nil {
		recs = append(recs, *l.Response)
	}
	recs = append(recs, l.Frames...)
	if l.Close != nil {
		recs = append(recs, *l.Close)
	}
	var b strings.Builder
	for _, r := range recs {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("a record read does not encode: %v", err)
		}
		b.Write(append(line, '\n'))
	}
	return b.String()
}

// FuzzImportHAR imports a HAR into a wire-log folder. Nothing written holds
// a credential the import learnt (the leak the redaction exists to stop);
// what it writes reads back as the summary counts it; a refused HAR writes
// nothing.
func FuzzImportHAR(f *testing.F) {
	example, err := os.ReadFile("testdata/har/scribe-token-refused.har")
	if err != nil {
		f.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, example); err != nil {
		f.Fatal(err)
	}
	f.Add(compact.Bytes())
	small := `{"log":{"entries":[` +
		`{"startedDateTime":"2025-03-14T09:26:58.100Z","request":{"method":"POST","url":"https://api.elevenlabs.io/v1/single-use-token/realtime_scribe","headers":[{"name":"xi-api-key","value":"sk_fuzz0123456789abcdef0123456789abcdef"}]},"response":{"status":200,"content":{"text":"{\"token\":\"sutkn_fuzz0123456789abcdef0123456789ab\"}"}},"timings":{"wait":80}},` +
		`{"startedDateTime":"2025-03-14T09:26:58.300Z","_resourceType":"websocket","request":{"method":"GET","url":"wss://api.elevenlabs.io/v1/speech-to-text/realtime?model_id=scribe_v2_realtime&token=sutkn_fuzz0123456789abcdef0123456789ab","headers":[{"name":":path","value":"/x"},{"name":"Cookie","value":"session=abcdef0123456789"}]},"response":{"status":101},"timings":{"connect":5.5,"wait":20},` +
		`"_webSocketMessages":[{"type":"send","time":1741944418.35,"opcode":1,"data":"{\"message_type\":\"input_audio_chunk\",\"audio_base_64\":\"AAAA\"}"},{"type":"receive","time":1741944418.4,"opcode":1,"data":"{\"message_type\":\"auth_error\",\"error\":\"You must be authenticated to use this endpoint.\"}"},{"type":"send","time":1741944418.5,"opcode":2,"data":"AAEC"},{"type":"error","time":0,"opcode":-1,"data":"net::ERR"}]}` +
		`]}}`
	f.Add([]byte(small))
	f.Add([]byte(`{"log":{"entries":[{"startedDateTime":"x","request":{"url":"ws://h/y"},"_webSocketMessages":[{"type":"send","opcode":1,"data":"{\"message_type\":\"x\"}"}]}]}}`))
	f.Add([]byte(`{"log":{"entries":[{"request":{"url":"data:text/plain,hi"}}]}}`))
	f.Add([]byte(`{"log":{}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		red := secrets.New()
		set, err := wirelog.NewSet(dir, red)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := wirelog.ImportHAR(bytes.NewReader(data), set)
		if cerr := set.Close(); cerr != nil {
			t.Fatalf("closing the set: %v", cerr)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		if err != nil {
			if len(files) != 0 {
				t.Fatalf("a refused HAR (%v) wrote %v", err, files)
			}
			return
		}
		var prints []string
		for _, s := range red.Known() {
			prints = append(prints, secrets.Fingerprint(s), "")
		}
		unprint := strings.NewReplacer(prints...)
		for _, file := range files {
			b, _ := os.ReadFile(file)
			text := unprint.Replace(string(b)) // a fingerprint keeps a secret's prefix, which may be another one
			for _, s := range red.Known() {
				if strings.Contains(text, s) {
					t.Fatalf("%s holds the credential %q it learnt:\n%s", filepath.Base(file), s, b)
				}
			}
		}
		logs, ex, err := wirelog.ReadDir(dir)
		if err != nil {
			t.Fatalf("what ImportHAR wrote does not read: %v", err)
		}
		frames := 0
		for _, l := range logs {
			frames += len(l.Frames)
			if l.Close == nil {
				t.Fatalf("%s has no close", l.ID)
			}
		}
		if len(logs) != sum.Sockets || len(ex) != sum.Exchanges || frames != sum.Frames {
			t.Fatalf("summary %+v, read %d sockets, %d exchanges, %d frames", sum, len(logs), len(ex), frames)
		}
	})
}
