package clientcheck_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/clientcheck"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/protocol"
)

const authError = `{"message_type":"auth_error","error":"You must be authenticated to use this endpoint."}`

// refused opens a connection that the server refuses in-band.
func (r *recording) refused(query string, header ...string) {
	c := r.open(realtime+query, header...)
	c.Status(101)
	c.server(authError)
	c.Closed("server", 1000, "", "")
}

// graded is the report of a recording written by record.
func graded(t *testing.T, record func(r *recording)) clientcheck.Report {
	t.Helper()
	r := newRecording(t)
	record(r)
	return r.grade()
}

// sideCase is a recording whose last refusal must be put on side, with a
// cause that says cause.
type sideCase struct {
	name, side, cause string
	record            func(r *recording)
}

// refusal grades c's recording, checks its last refusal's side and cause,
// and returns the report and that refusal.
func (c sideCase) refusal(t *testing.T) (clientcheck.Report, clientcheck.Refusal) {
	t.Helper()
	rep := graded(t, c.record)
	if len(rep.Refusals) == 0 {
		t.Fatalf("no refusal diagnosed")
	}
	got := rep.Refusals[len(rep.Refusals)-1]
	if got.Side != c.side || !strings.Contains(got.Cause, c.cause) {
		t.Fatalf("side %q cause %q; want side %q and a cause with %q", got.Side, got.Cause, c.side, c.cause)
	}
	return rep, got
}

// Each refusal is put on the side the evidence shows, with its cause.
func TestRefusalsNameTheSide(t *testing.T) {
	const tok = "sutkn_0123456789abcdef0123456789abcdef01"
	cases := []sideCase{
		{"fresh token refused on first use", clientcheck.SideServer, "refused a fresh token on its first use", func(r *recording) {
			r.mint("realtime_scribe", tok)
			r.at(0.4).refused("&token=" + tok)
		}},
		{"token presented twice", clientcheck.SideApp, "already presented on conn-0001", func(r *recording) {
			r.mint("realtime_scribe", tok)
			r.at(0.2).session("&token="+tok).Closed("client", 1000, "", "")
			r.at(3).refused("&token=" + tok)
		}},
		{"expired token", clientcheck.SideApp, "tokens expire after 15 minutes", func(r *recording) {
			r.mint("realtime_scribe", tok)
			r.at(16 * 60).refused("&token=" + tok)
		}},
		{"token of another type", clientcheck.SideApp, "minted as tts_websocket", func(r *recording) {
			r.mint("tts_websocket", tok)
			r.at(1).refused("&token=" + tok)
		}},
		{"token minted elsewhere", clientcheck.SideUnknown, "not minted in this recording", func(r *recording) {
			r.refused("&token=" + tok)
		}},
		{"api key as token", clientcheck.SideApp, "API key is sent as ?token=", func(r *recording) {
			r.refused("&token=sk_live_0123456789abcdef0123456789abcdef")
		}},
		{"undefined", clientcheck.SideApp, "?token=undefined", func(r *recording) { r.refused("&token=undefined") }},
		{"no credential", clientcheck.SideApp, "no credential at all", func(r *recording) { r.refused("") }},
		{"wrong parameter name", clientcheck.SideApp, "?single_use_token=", func(r *recording) {
			r.refused("&single_use_token=" + tok)
		}},
		{"key refused on the socket that minted", clientcheck.SideServer, "although the same key minted", func(r *recording) {
			r.mint("realtime_scribe", tok)
			r.refused("", "xi-api-key", "sk_live_0123456789abcdef0123456789abcdef")
		}},
		{"key refused, never seen minting", clientcheck.SideApp, "wrong, revoked", func(r *recording) {
			r.refused("", "xi-api-key", "sk_live_ffff456789abcdef0123456789abcdef")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, got := c.refusal(t)
			if got.Fix == "" || len(got.Evidence) < 2 {
				t.Fatalf("a refusal needs a fix and evidence: %+v", got)
			}
			if strings.Contains(strings.Join(got.Evidence, "\n")+got.Cause, tok) {
				t.Fatalf("the token leaked into the diagnosis: %+v", got)
			}
		})
	}
}

// A session that started is no refusal.
func TestNoRefusalWithoutAuthError(t *testing.T) {
	r := newRecording(t)
	r.session("", "xi-api-key", "sk_live_0123456789abcdef0123456789abcdef").Closed("client", 1000, "", "")
	if rep := r.grade(); len(rep.Refusals) != 0 {
		t.Fatalf("refusals for a started session: %+v", rep.Refusals)
	}
}

// The cases a first reviewer found put on the wrong side.
func TestRefusalsOnTheEdges(t *testing.T) {
	const tok = "sutkn_aaaa456789abcdef0123456789abcdef01"
	const key = "sk_live_0123456789abcdef0123456789abcdef"
	cases := []sideCase{
		{"two sockets at once, the other got in (StrictMode)", clientcheck.SideApp, "at the same time", func(r *recording) {
			r.mint("realtime_scribe", tok)
			r.at(0.5).refused("&token=" + tok)
			r.at(0.5).session("&token="+tok).Closed("client", 1000, "", "")
		}},
		{"an earlier try that never reached the server spends nothing", clientcheck.SideServer, "fresh token", func(r *recording) {
			r.mint("realtime_scribe", tok)
			r.at(0.3).open(realtime+"&token="+tok).Cut("server", "the proxy could not reach the server")
			r.at(2).refused("&token=" + tok)
		}},
		{"an earlier 404 on another path spends nothing", clientcheck.SideServer, "fresh token", func(r *recording) {
			r.mint("realtime_scribe", tok)
			c := r.at(0.3).open("/v1/speech-to-text/realtime-beta?model_id=scribe_v2_realtime&token=" + tok)
			c.Status(404)
			c.Closed("server", 0, "", "HTTP 404")
			r.at(2).refused("&token=" + tok)
		}},
		{"a backend that hands out one token twice", clientcheck.SideApp, "handed out 2 times", func(r *recording) {
			backend := func() {
				r.set.Exchange(httptest.NewRequest("GET", "/api/scribe-token", nil), 200, []byte(`{"token":"`+tok+`"}`))
			}
			backend()
			r.at(1)
			backend()
			r.at(2).refused("&token=" + tok)
		}},
		{"a token from the app's backend, once", clientcheck.SideServer, "handed to the app by /api/scribe-token", func(r *recording) {
			r.set.Exchange(httptest.NewRequest("GET", "/api/scribe-token", nil), 200, []byte(`{"token":"`+tok+`"}`))
			r.at(1).refused("&token=" + tok)
		}},
		{"a mint under a base path", clientcheck.SideServer, "minted as realtime_scribe", func(r *recording) {
			req := httptest.NewRequest("POST", "/staging/v1/single-use-token/realtime_scribe", nil)
			req.Header.Set("xi-api-key", key)
			r.set.Exchange(req, 200, []byte(`{"token":"`+tok+`"}`))
			r.at(1).refused("&token=" + tok)
		}},
		{"a key that minted only another type", clientcheck.SideApp, "wrong, revoked", func(r *recording) {
			r.mint("tts_websocket", tok)
			r.at(1).refused("", "xi-api-key", key)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if rep, _ := c.refusal(t); len(rep.Refusals) != 1 {
				t.Fatalf("refusals: %+v", rep.Refusals)
			}
		})
	}
}

// One refused credential reads one way: the top cause and the auth-refusal
// section of the same report give the same words and the same fix (they
// disagreed: "looks right … run doctor" above, "the key is wrong" below).
func TestTopCauseAndRefusalAgree(t *testing.T) {
	const key = "sk_live_ffff456789abcdef0123456789abcdef"
	const tok = "sutkn_0123456789abcdef0123456789abcdef01"
	cases := []struct {
		name   string
		record func(r *recording)
	}{
		{"one refused key", func(r *recording) { r.refused("", "xi-api-key", key) }},
		{"a key refused though it minted", func(r *recording) {
			r.mint("realtime_scribe", tok)
			r.refused("", "xi-api-key", "sk_live_0123456789abcdef0123456789abcdef")
		}},
		{"a fresh token", func(r *recording) {
			r.mint("realtime_scribe", tok)
			r.at(0.4).refused("&token=" + tok)
		}},
		{"a token minted elsewhere", func(r *recording) { r.refused("&token=" + tok) }},
		{"an API key as the token", func(r *recording) { r.refused("&token=" + key) }},
		{"undefined", func(r *recording) { r.refused("&token=undefined") }},
		{"no credential", func(r *recording) { r.refused("") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := graded(t, c.record)
			if len(rep.Refusals) != 1 || len(rep.Causes) == 0 {
				t.Fatalf("refusals %+v, causes %+v", rep.Refusals, rep.Causes)
			}
			ref, top := rep.Refusals[0], rep.Causes[0]
			if top.Title != ref.Title || top.Fix != ref.Fix || !slices.Contains(top.Conns, ref.Conn) {
				t.Fatalf("two readings of one refusal:\n top cause: %s\n       fix: %s\n  refusal: %s (%s)\n       fix: %s",
					top.Title, top.Fix, ref.Cause, ref.Side, ref.Fix)
			}
			// The refusal says it of its connection, in the same words.
			if ref.Cause == "" || (ref.Cause != ref.Title && !sameWords(ref.Title, ref.Cause)) {
				t.Errorf("the refusal's cause %q does not say its title %q", ref.Cause, ref.Title)
			}
		})
	}
}

// sameWords reports whether a cause says its title of one connection: they
// start alike, and the title's last clause (after its last colon or
// semicolon, or its last five words) is in the cause; the cause adds the
// credential as logged and the numbers.
func sameWords(title, cause string) bool {
	words := strings.Fields(title)
	if len(words) < 5 || !strings.HasPrefix(cause, words[0]+" "+words[1]) {
		return false
	}
	last := strings.Join(words[len(words)-5:], " ")
	if i := strings.LastIndexAny(title, ":;"); i >= 0 {
		last = strings.TrimSpace(title[i+1:])
	}
	return strings.Contains(cause, last)
}

// A loop of refused sockets (useScribe reconnecting with a spent token, 283
// times): every refused connection reads FAILED on its own row with its
// refusal, not OK with the failure only at run level; and the messages that
// name the storm's connections give a few and the count.
func TestALoopOfRefusedSocketsHasNoOKRow(t *testing.T) {
	const tok = "sutkn_5555456789abcdef0123456789abcdef01"
	const n = 283
	for _, spentFirst := range []bool{false, true} {
		r := newRecording(t)
		start := 0.0
		if spentFirst { // the first socket opened a session and spent the token
			r.mint("realtime_scribe", tok)
			r.at(0.2).session("&token="+tok).Closed("client", 1000, "", "")
			start = 1
		}
		for i := range n {
			r.at(start + float64(i)*0.02).refused("&token=" + tok)
		}
		rep := r.grade()
		refused := 0
		for _, c := range rep.Conns {
			switch {
			case c.Refusal != nil:
				refused++
				if c.Verdict != verdict.Failed || c.Refusal.Cause == "" || c.Refusal.Side != clientcheck.SideApp && spentFirst {
					t.Fatalf("%s: %s %+v", c.ID, c.Verdict, c.Refusal)
				}
			case c.Verdict == verdict.OK && !spentFirst:
				t.Fatalf("%s reads OK in a loop of refused sockets", c.ID)
			}
		}
		if refused != n || len(rep.Refusals) != n || rep.Verdict != verdict.Failed {
			t.Fatalf("%d rows refused, %d refusals, verdict %s; want %d, %d, FAILED", refused, len(rep.Refusals), rep.Verdict, n, n)
		}
		once := runResult(t, rep, clientcheck.RuleTokenOnce)
		if len(once.Conns) < n || !strings.Contains(once.Message, "conn-0001, conn-0002, conn-0003 and ") {
			t.Errorf("CLIENT-1 names its connections in full, or not at all: %q", once.Message)
		}
		var texts []string
		for _, f := range rep.Run {
			texts = append(texts, f.Message)
		}
		for _, c := range rep.Causes {
			texts = append(texts, c.Title)
		}
		for _, s := range texts {
			if strings.Count(s, "conn-") > 5 {
				t.Errorf("a message lists the storm's connections: %s", s)
			}
		}
	}
}

// A connection refused another way before a session reads FAILED on its row
// too: the app's when a rule it broke explains it (and that rule's cause
// names it), unknown otherwise (and the refusal is a cause of its own).
// Neither is an auth refusal.
func TestRefusedBeforeASessionOtherwise(t *testing.T) {
	r := newRecording(t)
	r.mint("realtime_scribe", "sutkn_aaaa456789abcdef0123456789abcdef01")
	r.open(realtime+"&token=sutkn_aaaa456789abcdef0123456789abcdef01&vad_threshold=2").
		server(`{"message_type":"invalid_request","error":"vad_threshold must be a number from 0.1 to 0.9"}`).Closed("server", 1008, "", "")
	r.at(10).open(realtime, "xi-api-key", "sk_live_0123456789abcdef0123456789abcdef").
		server(`{"message_type":"quota_exceeded","error":"Quota exceeded."}`).Closed("server", 1008, "", "")
	c := r.at(20).open("/v1/speech-to-text/realtime?model_id=scribe_v2_realtime", "xi-api-key", "sk_live_0123456789abcdef0123456789abcdef")
	c.Status(429)
	c.Closed("server", 0, "", "HTTP 429")
	rep := r.grade()
	if len(rep.Refusals) != 0 {
		t.Errorf("no credential was refused: %+v", rep.Refusals)
	}
	for i, want := range []struct{ side, says string }{
		{clientcheck.SideApp, "CLIENT-17"},
		{clientcheck.SideUnknown, `quota_exceeded "Quota exceeded."`},
		{clientcheck.SideUnknown, "HTTP 429"},
	} {
		c := rep.Conns[i]
		if c.Verdict != verdict.Failed || c.Refusal == nil || c.Refusal.Auth || c.Refusal.Side != want.side || !strings.Contains(c.Refusal.Cause, want.says) {
			t.Errorf("%s: %s %+v; want FAILED, a refusal on the %s side with %q", c.ID, c.Verdict, c.Refusal, want.side, want.says)
		}
	}
	var titles []string
	for _, c := range rep.Causes {
		titles = append(titles, c.Title)
	}
	all := strings.Join(titles, "\n")
	if !strings.Contains(all, "vad_threshold=2") || !strings.Contains(all, "before a session with quota_exceeded") || !strings.Contains(all, "before a session with HTTP 429") {
		t.Errorf("causes:\n%s", all)
	}
}

// A refusal at the upgrade shows what the server said: the error status of
// the body the fake's recorder kept; a recording without the body (made
// before it was kept) shows the status alone.
func TestHTTPRefusalEvidenceNamesTheBodysStatus(t *testing.T) {
	const line = "the server answered the upgrade with HTTP 401"
	h := start(t, fakeserver.Options{Faults: []string{fakeserver.FaultAuthAtUpgrade}}, false)
	hdr := http.Header{protocol.APIKeyHeader: {"sk_live_ffff456789abcdef0123456789abcdef"}}
	if _, resp, err := h.dial(protocol.RealtimePath, "model_id="+protocol.DefaultModel, hdr); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("a wrong key at the upgrade: %v %v, want HTTP 401", resp, err)
	}
	rep := h.grade()
	if len(rep.Refusals) != 1 || !slices.Contains(rep.Refusals[0].Evidence, "conn-0001: "+line+" "+protocol.StatusInvalidAPIKey) {
		t.Fatalf("refusals: %+v; want evidence %q", rep.Refusals, line+" "+protocol.StatusInvalidAPIKey)
	}

	old := graded(t, func(r *recording) {
		c := r.open(realtime, "xi-api-key", "sk_live_ffff456789abcdef0123456789abcdef")
		c.Status(401)
		c.Closed("server", 0, "", "")
	})
	if len(old.Refusals) != 1 || !slices.Contains(old.Refusals[0].Evidence, "conn-0001: "+line) {
		t.Fatalf("refusals of a recording without the body: %+v", old.Refusals)
	}

	// Another refusal at the upgrade, not of the credential, says it too.
	busy := graded(t, func(r *recording) {
		c := r.open(realtime, "xi-api-key", "sk_live_ffff456789abcdef0123456789abcdef")
		c.Refused(429, []byte(`{"detail":{"status":"too_many_concurrent_requests","message":"Too many requests."}}`))
		c.Closed("server", 0, "", "")
	})
	if r := busy.Conns[0].Refusal; r == nil || !slices.Contains(r.Evidence, "conn-0001: it answered the upgrade with HTTP 429 too_many_concurrent_requests") {
		t.Fatalf("a 429's refusal: %+v", r)
	}
}
