package sdks

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/reports"
)

// The diff is a pure function of two runs' records: these tests build the
// records by hand (what a driver printed, what the fake recorded), so they
// need neither Node nor Python.

type conn struct {
	scenario string
	query    []wirelog.Pair
	creds    []wirelog.Credential
	chunk    func(audio string, commit bool) map[string]any
	closeBy  string
	code     int
}

var (
	keyHeader = wirelog.Credential{Where: wirelog.WhereKeyHeader, Shown: "sk_…1234", ID: "k1", Shape: wirelog.ShapeAPIKey}
	tokenQ    = wirelog.Credential{Where: wirelog.WhereToken, Shown: "sutkn_…ab12", ID: "t1", Shape: wirelog.ShapeToken}
	baseQuery = []wirelog.Pair{{Name: "model_id", Value: "scribe_v2_realtime"}, {Name: "commit_strategy", Value: "manual"}, {Name: "audio_format", Value: "pcm_16000"}}
)

// goodChunk is an input_audio_chunk as the official SDKs send it.
func goodChunk(audio string, commit bool) map[string]any {
	return map[string]any{"message_type": "input_audio_chunk", "audio_base_64": audio, "commit": commit, "sample_rate": 16000}
}

// side builds a run whose every scenario ended with the given events, and
// the wire logs of conns.
func side(sdk, version string, events map[string][]Event, conns ...conn) Side {
	r := Run{Install: Install{SDK: sdk, Version: version}, Version: version, Events: map[string][]Event{},
		Ended: map[string]bool{}, ConnScenario: map[string]string{}}
	for _, sc := range Scenarios() {
		r.Ended[sc.Name] = true
		r.Events[sc.Name] = events[sc.Name]
	}
	s := Side{Run: r}
	at := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	audio := base64.StdEncoding.EncodeToString(make([]byte, 3200)) // 0.1 s of PCM16 at 16 kHz
	for i, c := range conns {
		id := fmt.Sprintf("conn-%04d", i+1)
		s.Run.ConnScenario[id] = c.scenario
		var hs []wirelog.Pair
		for _, cr := range c.creds {
			if h, ok := cr.HeaderName(); ok {
				hs = append(hs, wirelog.Pair{Name: h, Value: cr.Shown})
			}
		}
		q := append([]wirelog.Pair(nil), c.query...)
		for _, cr := range c.creds {
			if k, ok := cr.QueryKey(); ok {
				q = append(q, wirelog.Pair{Name: k, Value: cr.Shown})
			}
		}
		l := &wirelog.Log{ID: id, Request: wirelog.Record{Kind: wirelog.KindRequest, At: at, Conn: id, Method: "GET",
			Path: "/v1/speech-to-text/realtime", Query: q, Headers: hs, Credentials: c.creds},
			Response: &wirelog.Record{Kind: wirelog.KindResponse, Status: 101}}
		l.Frames = append(l.Frames, wirelog.Record{Kind: wirelog.KindFrame, Dir: wirelog.FromServer, T: 0.001,
			Data: `{"message_type":"session_started","session_id":"s","config":{}}`})
		for k := range 5 {
			b, _ := json.Marshal(c.chunk(audio, false))
			l.Frames = append(l.Frames, wirelog.Record{Kind: wirelog.KindFrame, Dir: wirelog.FromClient, T: 0.01 * float64(k+1), Data: string(b), Len: len(b)})
		}
		b, _ := json.Marshal(c.chunk("", true))
		l.Frames = append(l.Frames, wirelog.Record{Kind: wirelog.KindFrame, Dir: wirelog.FromClient, T: 0.06, Data: string(b), Len: len(b)})
		l.Close = &wirelog.Record{Kind: wirelog.KindClose, T: 0.3, By: c.closeBy, Code: c.code}
		s.Logs = append(s.Logs, l)
	}
	return s
}

// session is what a driver prints for a scenario that opened a session.
var session = []Event{{Event: "session_started"}, {Event: "committed_transcript"}}

func row(t *testing.T, d reports.SDKDiff, section, scenario, aspect string) reports.SDKDiffRow {
	t.Helper()
	for _, r := range d.Rows {
		if r.Section == section && r.Scenario == scenario && r.Aspect == aspect {
			return r
		}
	}
	t.Fatalf("no %s row %s/%s in %+v", section, scenario, aspect, d.Rows)
	return reports.SDKDiffRow{}
}

func pathOf(t *testing.T, d reports.SDKDiff, name string) reports.SDKDiffPath {
	t.Helper()
	for _, p := range d.Paths {
		if p.Path == name {
			return p
		}
	}
	t.Fatalf("no verdict on the %s path: %+v", name, d.Paths)
	return reports.SDKDiffPath{}
}

// An upgrade that drops a repeated query key and adds token auth (what
// elevenlabs-js 2.56.0 → 2.73.0 does) is safe on both paths.
func TestDiffNewTokenPathAndQueryChangeAreSafe(t *testing.T) {
	twice := append(append([]wirelog.Pair(nil), baseQuery...), wirelog.Pair{Name: "audio_format", Value: "pcm_16000"})
	old := side("elevenlabs-js", "2.56.0", map[string][]Event{
		"header": session, "token": {{Event: "_unsupported", Reason: "no token option"}},
		"error-invalid_request": {{Event: "close"}},
	}, conn{scenario: "header", query: twice, creds: []wirelog.Credential{keyHeader}, chunk: goodChunk, closeBy: wirelog.FromClient, code: 1005})
	neu := side("elevenlabs-js", "2.73.0", map[string][]Event{
		"header": session, "token": session,
		"error-invalid_request": {{Event: "invalid_request", Data: json.RawMessage(`{"message_type":"invalid_request","error":"scribecheck injected invalid_request"}`)}},
	}, conn{scenario: "header", query: baseQuery, creds: []wirelog.Credential{keyHeader}, chunk: goodChunk, closeBy: wirelog.FromClient, code: 1005},
		conn{scenario: "token", query: baseQuery, creds: []wirelog.Credential{tokenQ}, chunk: goodChunk, closeBy: wirelog.FromClient, code: 1005})
	d := Diff(old, neu, time.Now())
	if d.Breaking() {
		t.Fatalf("a new path and a dropped duplicate key break nothing: %+v", d.Paths)
	}
	q := row(t, d, reports.DiffWire, "header", "query")
	if !q.Changed || q.Note != "audio_format=pcm_16000 2× → 1×" {
		t.Errorf("query row: %+v", q)
	}
	if c := row(t, d, reports.DiffWire, "header", aspectCredential); c.Changed || c.New != "xi-api-key header (api_key)" {
		t.Errorf("header credential row: %+v", c)
	}
	if c := row(t, d, reports.DiffWire, "token", aspectCredential); !c.Changed || c.Old != noConnection || c.New != "?token= (token)" || c.Breaks {
		t.Errorf("token credential row: %+v", c)
	}
	if r := row(t, d, reports.DiffReaction, "error-invalid_request", "injected invalid_request"); r.Old != string(GenericError) && r.Old != string(Dropped) || r.New != string(OwnEvent) || !strings.HasPrefix(r.Note, "better") {
		t.Errorf("invalid_request reaction: %+v", r)
	}
	if p := pathOf(t, d, "token"); !p.Safe || !strings.HasPrefix(p.Line, "new in elevenlabs-js@2.73.0") {
		t.Errorf("token path: %+v", p)
	}
	if p := pathOf(t, d, "header"); !p.Safe || !strings.Contains(p.Line, "changed: query") {
		t.Errorf("header path: %+v", p)
	}
}

// An upgrade that adds the key header beside the token and sends chunks
// without message_type (what elevenlabs-python 3.0.0a1 is said to do)
// breaks the token path twice: another credential, and CLIENT-5 (MUST).
func TestDiffHeaderBesideTokenAndChunkWithoutTypeBreak(t *testing.T) {
	noType := func(audio string, commit bool) map[string]any {
		c := goodChunk(audio, commit)
		delete(c, "message_type")
		return c
	}
	old := side("elevenlabs-python", "2.78.0", map[string][]Event{"header": session, "token": session},
		conn{scenario: "header", query: baseQuery, creds: []wirelog.Credential{keyHeader}, chunk: goodChunk, closeBy: wirelog.FromClient, code: 1000},
		conn{scenario: "token", query: baseQuery, creds: []wirelog.Credential{tokenQ}, chunk: goodChunk, closeBy: wirelog.FromClient, code: 1000})
	neu := side("elevenlabs-python", "3.0.0a1", map[string][]Event{"header": session, "token": session},
		conn{scenario: "header", query: baseQuery, creds: []wirelog.Credential{keyHeader}, chunk: noType, closeBy: wirelog.FromClient, code: 1000},
		conn{scenario: "token", query: baseQuery, creds: []wirelog.Credential{tokenQ, keyHeader}, chunk: noType, closeBy: wirelog.FromClient, code: 1000})
	d := Diff(old, neu, time.Now())
	if !d.Breaking() {
		t.Fatalf("a header beside the token must break the upgrade: %+v", d.Paths)
	}
	c := row(t, d, reports.DiffWire, "token", aspectCredential)
	if !c.Breaks || c.New != "?token= (token) + xi-api-key header (api_key)" {
		t.Errorf("token credential row: %+v", c)
	}
	f := row(t, d, reports.DiffWire, "header", "client frames")
	if !f.Changed || !strings.Contains(f.New, "{audio_base_64: string, commit: boolean, sample_rate: number}") || f.Note != "dropped message_type: string" {
		t.Errorf("frames row: %+v", f)
	}
	if r := row(t, d, reports.DiffRules, "header", "CLIENT-5 (MUST)"); r.Old != "OK" || r.New != "FAILED" || !r.Breaks {
		t.Errorf("CLIENT-5 on the header path: %+v", r)
	}
	tok, hdr := pathOf(t, d, "token"), pathOf(t, d, "header")
	if tok.Safe || !strings.Contains(tok.Line, "another credential") || !strings.Contains(tok.Line, "CLIENT-5 (MUST)") {
		t.Errorf("token path: %+v", tok)
	}
	if hdr.Safe || strings.Contains(hdr.Line, "credential") {
		t.Errorf("header path (same credential, CLIENT-5 broken): %+v", hdr)
	}
}

// A path that opened a session and no longer does breaks the upgrade, and
// a path that no longer connects at all breaks it too.
func TestDiffLostSessionBreaks(t *testing.T) {
	old := side("x", "1", map[string][]Event{"header": session, "token": session},
		conn{scenario: "header", query: baseQuery, creds: []wirelog.Credential{keyHeader}, chunk: goodChunk, closeBy: wirelog.FromClient, code: 1000},
		conn{scenario: "token", query: baseQuery, creds: []wirelog.Credential{tokenQ}, chunk: goodChunk, closeBy: wirelog.FromClient, code: 1000})
	neu := side("x", "2", map[string][]Event{"header": {{Event: "close"}}, "token": {{Event: "_unsupported", Reason: "gone"}}},
		conn{scenario: "header", query: baseQuery, creds: []wirelog.Credential{keyHeader}, chunk: goodChunk, closeBy: wirelog.FromClient, code: 1000})
	d := Diff(old, neu, time.Now())
	if p := pathOf(t, d, "header"); p.Safe || !strings.Contains(p.Line, "no longer opens a session") {
		t.Errorf("header path: %+v", p)
	}
	if p := pathOf(t, d, "token"); p.Safe || !strings.Contains(p.Line, "no longer connects") {
		t.Errorf("token path: %+v", p)
	}
}

func TestListChange(t *testing.T) {
	for _, c := range []struct{ old, new, want string }{
		{"a=1&b=2&b=2", "a=1&b=2", "b=2 2× → 1×"},
		{"a=1", "a=1&token=<token>", "added token=<token>"},
		{"x: 1; y: 2", "x: 1", "dropped y: 2"},
		{noConnection, "a=1", ""},
	} {
		if got := listChange(c.old, c.new); got != c.want {
			t.Errorf("listChange(%q, %q) = %q, want %q", c.old, c.new, got, c.want)
		}
	}
}

// What an install no longer offers an app (server messages it surfaced,
// connect options) is its own section and ends each path's line; an added
// one is listed but names nothing to review, and a driver that reads no
// options shows so instead of an empty list.
func TestDiffNamesWhatTheAPIDrops(t *testing.T) {
	mk := func(version string, offered, options []string) Side {
		s := side("elevenlabs-python", version, map[string][]Event{"header": session},
			conn{scenario: "header", query: baseQuery, creds: []wirelog.Credential{keyHeader}, chunk: goodChunk, closeBy: wirelog.FromClient, code: 1000})
		s.Run.Offered, s.Run.Options = offered, options
		return s
	}
	old := mk("2.78.0", []string{"session_started", "final_transcript", "edited_transcript"}, []string{"model_id", "transcript_edit"})
	neu := mk("3.0.0a1", []string{"session_started", "warning"}, nil)
	d := Diff(old, neu, time.Now())
	m := row(t, d, reports.DiffAPI, reports.DiffAPIScenario, "server messages")
	if !m.Changed || m.Note != "dropped final_transcript; dropped edited_transcript; added warning" {
		t.Errorf("messages row: %+v", m)
	}
	o := row(t, d, reports.DiffAPI, reports.DiffAPIScenario, "connect options")
	if !o.Changed || o.New != "(not reported by its driver)" {
		t.Errorf("options row: %+v", o)
	}
	if p := pathOf(t, d, "header"); !strings.HasSuffix(p.Line, "; it no longer offers: server messages final_transcript, edited_transcript") {
		t.Errorf("header path: %+v", p)
	}
	same := Diff(old, old, time.Now())
	if r := row(t, same, reports.DiffAPI, reports.DiffAPIScenario, "server messages"); r.Changed || r.Note != "" {
		t.Errorf("the same API: %+v", r)
	}
	if p := pathOf(t, same, "header"); strings.Contains(p.Line, "no longer offers") {
		t.Errorf("the same API names a drop: %+v", p)
	}
}

// A reaction that keeps the error but loses the frame's text (an upgrade
// that reads another field) is named in the diff and marked worse, for
// review; it breaks no auth path.
func TestDiffNamesTextLost(t *testing.T) {
	frame := json.RawMessage(`{"message_type":"auth_error","error":"scribecheck injected auth_error"}`)
	closed := json.RawMessage(`{"error_class":"APIStatusError","message":"ElevenLabs STT connection closed unexpectedly"}`)
	c := conn{scenario: "header", query: baseQuery, creds: []wirelog.Credential{keyHeader}, chunk: goodChunk, closeBy: wirelog.FromClient, code: 1000}
	old := side("x", "1.0.0", map[string][]Event{"header": session, "error-auth_error": {{Event: "error", Data: frame}}}, c)
	neu := side("x", "1.1.0", map[string][]Event{"header": session, "error-auth_error": {{Event: "error", Data: closed}}}, c)
	d := Diff(old, neu, time.Now())
	r := row(t, d, reports.DiffReaction, "error-auth_error", "injected auth_error")
	if r.Old != string(GenericError) || r.New != string(TextLost) || !strings.HasPrefix(r.Note, "worse") || r.Breaks {
		t.Errorf("auth_error reaction: %+v", r)
	}
	if p := pathOf(t, d, "header"); !p.Safe || !strings.Contains(p.Line, "review the 1 reaction marked worse") {
		t.Errorf("header path: %+v", p)
	}
}
