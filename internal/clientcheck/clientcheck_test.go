package clientcheck_test

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/clientcheck"
	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/protocol"
)

const (
	failed    = verdict.Failed
	nonStrict = verdict.NonStrict
)

// scenario is one run of the client against its own fake and recording.
type scenario struct {
	name           string
	opts           fakeserver.Options
	logOnFakeClock bool
	run            func(h *harness)
	// want is every rule that must fail, with its verdict; every other rule
	// must pass (OK, N/A or INFORMATIONAL).
	want map[string]verdict.Verdict
	// info are rules that must be INFORMATIONAL somewhere.
	info []string
	// cause and fix are in the first cause's title and fix.
	cause, fix string
}

func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func (h *harness) query(token string, extra url.Values) string {
	return plan{query: extra}.rawQuery(token)
}

// answeredWithInputError is a session that sends one frame more between its
// audio and its commit, which the server answers with input_error.
func answeredWithInputError(send func(c *client)) func(h *harness) {
	return func(h *harness) {
		h.run(plan{between: func(c *client) {
			send(c)
			c.expect(protocol.ErrInput)
		}})
	}
}

// editChunk is a session whose n-th audio chunk (from 0) edit rewrites
// before it is sent.
func editChunk(n int, edit func(m map[string]any)) func(h *harness) {
	return func(h *harness) {
		h.run(plan{edit: func(i int, m map[string]any) {
			if i == n {
				edit(m)
			}
		}})
	}
}

// transcribed is p's session up to its commit and the committed_transcript
// that answers it; end then ends it instead of the close 1000.
func (p plan) transcribed(end func(c *client)) plan {
	p.end = func(c *client) {
		c.send(chunk(nil, true, 16000))
		c.expect(protocol.CommittedTranscript)
		end(c)
	}
	return p
}

var scenarios = []scenario{
	{name: "well-behaved session", run: func(h *harness) { h.run(plan{}) }},
	{name: "Python SDK: previous_text null on every chunk passes",
		run: func(h *harness) {
			h.run(plan{edit: func(i int, m map[string]any) {
				m["previous_text"] = nil
				if i == 0 {
					m["previous_text"] = "earlier words"
				}
			}})
		}},

	// CLIENT-1
	{name: "CLIENT-1 a token presented again after the session closed",
		run: func(h *harness) {
			tok := h.mint(protocol.TokenRealtimeScribe)
			h.run(plan{token: tok})
			h.refused(h.query(tok, nil), nil, protocol.ErrAuth)
		},
		want:  map[string]verdict.Verdict{clientcheck.RuleTokenOnce: failed},
		cause: "presented one token on 2 sockets", fix: "mint a fresh token for every connection"},
	{name: "CLIENT-1 two sockets with one token at once (StrictMode)",
		run: func(h *harness) {
			tok := h.mint(protocol.TokenRealtimeScribe)
			first := h.mustDial(h.query(tok, nil), nil)
			first.expect(protocol.SessionStarted)
			h.refused(h.query(tok, nil), nil, protocol.ErrAuth)
			first.closeNormal()
		},
		want:  map[string]verdict.Verdict{clientcheck.RuleTokenOnce: failed},
		cause: "opened 2 sockets with one token at once", fix: "StrictMode"},

	// CLIENT-2
	{name: "CLIENT-2 the API key as token",
		run: func(h *harness) {
			h.refused(h.query(h.srv.TestKey(), nil), nil, protocol.ErrAuth)
		},
		want:  map[string]verdict.Verdict{clientcheck.RuleCredential: failed},
		cause: "the API key is sent as ?token=", fix: "mint a single-use token server-side"},
	{name: "CLIENT-2 token=undefined",
		run:   func(h *harness) { h.refused(h.query("undefined", nil), nil, protocol.ErrAuth) },
		want:  map[string]verdict.Verdict{clientcheck.RuleCredential: failed},
		cause: "the token was not awaited before connecting", fix: "await the mint request"},
	{name: "CLIENT-2 token=[object Object]",
		run:   func(h *harness) { h.refused(h.query("[object Object]", nil), nil, protocol.ErrAuth) },
		want:  map[string]verdict.Verdict{clientcheck.RuleCredential: failed},
		cause: "passed the mint response object", fix: "pass `.token`"},
	{name: "CLIENT-2 the token under single_use_token",
		run: func(h *harness) {
			tok := h.mint(protocol.TokenRealtimeScribe)
			raw := url.Values{protocol.ParamModelID: {protocol.DefaultModel}, protocol.TTSTokenParam: {tok}}.Encode()
			h.refused(raw, nil, protocol.ErrAuth)
		},
		want:  map[string]verdict.Verdict{clientcheck.RuleCredential: failed},
		cause: "single_use_token=, the TTS sockets' name", fix: "rename the query parameter to token"},
	{name: "CLIENT-2 the mint failed and the app connected with undefined",
		run: func(h *harness) {
			if status, _ := testkit.Mint(h.t, h.base, "sk_not_the_key_0123456789abcdef", protocol.TokenRealtimeScribe); status != 401 {
				h.t.Fatalf("mint with a bad key: HTTP %d", status)
			}
			h.refused(h.query("undefined", nil), nil, protocol.ErrAuth)
		},
		want:  map[string]verdict.Verdict{clientcheck.RuleCredential: failed},
		cause: "minting the token failed (POST /v1/single-use-token/realtime_scribe answered HTTP 401 invalid_api_key)", fix: "check the mint response"},

	// CLIENT-3
	{name: "CLIENT-3 no model_id",
		run: func(h *harness) {
			h.refused(h.query(h.mint(protocol.TokenRealtimeScribe), url.Values{protocol.ParamModelID: {}}), nil, protocol.ErrInvalidRequest)
		},
		want:  map[string]verdict.Verdict{clientcheck.RuleModelPath: failed},
		cause: "model_id is missing", fix: "add model_id=scribe_v2_realtime"},
	{name: "CLIENT-3 the old path and model (realtime-beta, scribe_realtime_v2)",
		run: func(h *harness) {
			raw := h.query(h.mint(protocol.TokenRealtimeScribe), q(protocol.ParamModelID, "scribe_realtime_v2"))
			if _, resp, err := h.dial(protocol.OldRealtimePath, raw, nil); err == nil || resp == nil || resp.StatusCode != 404 {
				h.t.Fatalf("the old path: %v (%v)", err, resp)
			}
		},
		want:  map[string]verdict.Verdict{clientcheck.RuleModelPath: failed},
		cause: "predates 2025-11-11: it uses the realtime-beta path and model_id=scribe_realtime_v2", fix: "update the SDK"},

	// CLIENT-4
	{name: "CLIENT-4 a misspelt key (keyterm)",
		run:   func(h *harness) { h.run(plan{query: q("keyterm", "Scribe")}) },
		want:  map[string]verdict.Verdict{clientcheck.RuleQueryKeys: nonStrict},
		cause: "keyterm looks like a misspelling of keyterms", fix: "rename keyterm to keyterms"},
	{name: "CLIENT-4 an old name (vad_commit_strategy)",
		run:   func(h *harness) { h.run(plan{query: q("vad_commit_strategy", "true")}) },
		want:  map[string]verdict.Verdict{clientcheck.RuleQueryKeys: nonStrict},
		cause: "vad_commit_strategy is an old or home-made name", fix: "commit_strategy=vad"},
	{name: "CLIENT-4 drift is informational",
		run:   func(h *harness) { h.run(plan{query: q("noise_reduction", "true")}) },
		info:  []string{clientcheck.RuleQueryKeys},
		cause: "noise_reduction is not a key scribecheck knows (drift: a newer contract", fix: "update scribecheck"},

	// CLIENT-5
	{name: "CLIENT-5 {\"message_type\":\"commit\"}",
		run:   answeredWithInputError(func(c *client) { c.send(map[string]any{"message_type": "commit"}) }),
		want:  map[string]verdict.Verdict{clientcheck.RuleFrames: failed},
		cause: "sends {\"message_type\":\"commit\"}", fix: "\"commit\":true"},
	{name: "CLIENT-5 raw audio in binary frames",
		run:   answeredWithInputError(func(c *client) { c.sendRaw(websocket.MessageBinary, pcm16k.Speech(0.1)) }),
		want:  map[string]verdict.Verdict{clientcheck.RuleFrames: failed},
		cause: "raw audio as binary frames", fix: "base64-encode"},
	{name: "CLIENT-5 type instead of message_type",
		run:   answeredWithInputError(func(c *client) { c.send(map[string]any{"type": protocol.InputAudioChunk, "audio_base_64": ""}) }),
		want:  map[string]verdict.Verdict{clientcheck.RuleFrames: failed},
		cause: "writes \"type\"", fix: "message_type"},

	// CLIENT-6
	{name: "CLIENT-6 sample_rate disagrees with audio_format",
		run:   func(h *harness) { h.run(plan{rate: 44100}) },
		want:  map[string]verdict.Verdict{clientcheck.RuleSampleRate: failed},
		cause: "declared as pcm_16000 but the chunks say sample_rate 44100", fix: "audio_format=pcm_44100"},

	// CLIENT-7
	{name: "CLIENT-7 URL-safe base64",
		run: editChunk(3, func(m map[string]any) {
			s := m["audio_base_64"].(string)
			url := strings.NewReplacer("+", "-", "/", "_").Replace(s)
			if url == s {
				panic("the test chunk has no + or / to make URL-safe")
			}
			m["audio_base_64"] = url
		}),
		want:  map[string]verdict.Verdict{clientcheck.RuleBase64: failed},
		cause: "URL-safe base64", fix: "standard, padded base64"},
	{name: "CLIENT-7 an odd byte count",
		run: editChunk(2, func(m map[string]any) {
			b, _ := base64.StdEncoding.DecodeString(m["audio_base_64"].(string))
			m["audio_base_64"] = base64.StdEncoding.EncodeToString(append(b, 0))
		}),
		want:  map[string]verdict.Verdict{clientcheck.RuleBase64: failed},
		cause: "odd number of bytes", fix: "whole samples"},

	// CLIENT-8
	{name: "CLIENT-8 20 ms chunks",
		run:   func(h *harness) { h.run(plan{chunkSecs: 0.02}) },
		want:  map[string]verdict.Verdict{clientcheck.RuleChunkSize: nonStrict},
		cause: "outside the recommended 0.1–1 s", fix: "chunks of 100 ms to 1 s"},

	// CLIENT-9
	{name: "CLIENT-9 a commit with 0.2 s of audio",
		run: func(h *harness) {
			h.run(plan{secs: 0.2, end: func(c *client) {
				c.send(chunk(nil, true, 16000))
				c.expect(protocol.ErrCommitThrottled)
				c.expectClose()
			}})
		},
		want:  map[string]verdict.Verdict{clientcheck.RuleCommitMinimum: nonStrict},
		cause: "commits with less than 0.3 s of uncommitted audio (0.20 s)", fix: "pad the segment with silence to 0.3 s"},
	{name: "CLIENT-9 a commit right after a commit",
		run: func(h *harness) {
			h.run(plan{}.transcribed(func(c *client) {
				c.send(chunk(nil, true, 16000))
				c.expect(protocol.ErrCommitThrottled)
				c.expectClose()
			}))
		},
		want:  map[string]verdict.Verdict{clientcheck.RuleCommitMinimum: nonStrict},
		cause: "commits twice in a row", fix: "commit once per segment"},

	// CLIENT-10
	{name: "CLIENT-10 previous_text on a later chunk",
		run:   editChunk(3, func(m map[string]any) { m["previous_text"] = "earlier words" }),
		want:  map[string]verdict.Verdict{clientcheck.RulePreviousText: failed},
		cause: "previous_text is sent on later chunks", fix: "only with the first"},

	// CLIENT-11: the first refusal is the fake's bug (turbo refused), so
	// nothing else in the query is the client's fault.
	{name: "CLIENT-11 the same refused query again",
		opts: fakeserver.Options{Faults: []string{fakeserver.FaultTurboRefused}},
		run: func(h *harness) {
			for range 2 {
				h.refused(h.query(h.mint(protocol.TokenRealtimeScribe), q(protocol.ParamModelID, protocol.TurboModel)), nil, protocol.ErrInvalidRequest)
			}
		},
		want:  map[string]verdict.Verdict{clientcheck.RuleNoRetryRefused: failed},
		cause: "after invalid_request", fix: "fix the parameter the error names"},
	{name: "CLIENT-11 (with CLIENT-1) the same refused token again",
		run: func(h *harness) {
			unknown := protocol.TokenPrefix + "00112233445566778899aabbccddeeff"
			h.refused(h.query(unknown, nil), nil, protocol.ErrAuth)
			h.refused(h.query(unknown, nil), nil, protocol.ErrAuth)
		},
		want:  map[string]verdict.Verdict{clientcheck.RuleTokenOnce: failed, clientcheck.RuleNoRetryRefused: failed},
		cause: "refused every time: it retries a token the server does not accept", fix: "mint a fresh"},

	// CLIENT-12: the server ends each session (its time limit), and the
	// client comes straight back with a fresh token each time.
	{name: "CLIENT-12 a burst of reconnects",
		opts: fakeserver.Options{Session: fakeserver.SessionOptions{SessionLimit: time.Second}},
		run: func(h *harness) {
			for range 4 {
				// Once the transcript came the session's loop is running: its limit timer is set.
				h.run(plan{secs: 0.5}.transcribed(func(c *client) {
					h.clock.Advance(time.Second)
					c.expect(protocol.ErrSessionTimeLimitExceeded)
					c.expectClose()
				}))
			}
		},
		want:  map[string]verdict.Verdict{clientcheck.RuleNoBurst: nonStrict},
		cause: "reconnects in a burst", fix: "back off"},
	{name: "CLIENT-1, 11, 12: useScribe's loop with a spent token",
		run: func(h *harness) {
			tok := h.mint(protocol.TokenRealtimeScribe)
			h.run(plan{token: tok})
			for range 4 {
				h.refused(h.query(tok, nil), nil, protocol.ErrAuth)
			}
		},
		want: map[string]verdict.Verdict{clientcheck.RuleTokenOnce: failed, clientcheck.RuleNoRetryRefused: failed,
			clientcheck.RuleNoBurst: nonStrict},
		cause: "presented one token on 5 sockets", fix: "mint a fresh token for every connection, and back off"},

	// CLIENT-13
	{name: "CLIENT-13 close 1001",
		run: func(h *harness) {
			h.run(plan{}.transcribed(func(c *client) { _ = c.conn.Close(websocket.StatusGoingAway, "") }))
		},
		want:  map[string]verdict.Verdict{clientcheck.RuleCloseCode: nonStrict},
		cause: "closes with code 1001", fix: "close with code 1000"},
	{name: "CLIENT-13 a cut",
		run: func(h *harness) {
			h.run(plan{}.transcribed(func(c *client) { _ = c.conn.CloseNow() }))
		},
		want:  map[string]verdict.Verdict{clientcheck.RuleCloseCode: nonStrict},
		cause: "drops connections without a close frame", fix: "code 1000"},

	// CLIENT-14
	{name: "CLIENT-14 left idle until the server closes",
		logOnFakeClock: true,
		run: func(h *harness) {
			// Once the transcript came the commit was handled: the idle timer runs from it.
			h.run(plan{}.transcribed(func(c *client) {
				h.clock.Advance(fakeserver.DefaultIdleTimeout)
				if code := c.expectClose(); code != websocket.StatusNormalClosure {
					h.t.Fatalf("idle close %d", code)
				}
			}))
		},
		want:  map[string]verdict.Verdict{clientcheck.RuleKeepalive: nonStrict},
		cause: "leaves sessions idle", fix: "send silence"},

	// CLIENT-15
	{name: "CLIENT-15 a tts_websocket token is informational",
		run:   func(h *harness) { h.refused(h.query(h.mint(protocol.TokenTTSWebsocket), nil), nil, protocol.ErrAuth) },
		info:  []string{clientcheck.RuleTokenType},
		cause: "minted as tts_websocket, not realtime_scribe", fix: "realtime_scribe"},

	// CLIENT-16
	{name: "CLIENT-16 an expired token",
		logOnFakeClock: true,
		run: func(h *harness) {
			tok := h.mint(protocol.TokenRealtimeScribe)
			h.clock.Advance(protocol.TokenLifetime + time.Minute)
			h.refused(h.query(tok, nil), nil, protocol.ErrAuth)
		},
		want:  map[string]verdict.Verdict{clientcheck.RuleTokenAge: failed},
		cause: "minted more than 15 minutes before it was presented", fix: "right before connecting"},

	// No client rule explains a refusal: the fake's bug refuses every
	// token, and the cause puts it on the server.
	{name: "a refusal the client did not cause (the sutkn bug)",
		opts:  fakeserver.Options{Faults: []string{fakeserver.FaultSutknQueryRejected}},
		run:   func(h *harness) { h.refused(h.query(h.mint(protocol.TokenRealtimeScribe), nil), nil, protocol.ErrAuth) },
		cause: "the server refused a fresh token on its first use", fix: "report it to ElevenLabs"},

	// CLIENT-17
	{name: "CLIENT-17 a value out of range",
		run: func(h *harness) {
			h.refused(h.query(h.mint(protocol.TokenRealtimeScribe), q(protocol.ParamVADThreshold, "2")), nil, protocol.ErrInvalidRequest)
		},
		want:  map[string]verdict.Verdict{clientcheck.RuleQueryValues: failed},
		cause: "vad_threshold=2 is outside 0.1–0.9", fix: "use a number from 0.1 to 0.9"},

	// CLIENT-18
	{name: "CLIENT-18 language_code=en-US",
		run:   func(h *harness) { h.run(plan{query: q(protocol.ParamLanguageCode, "en-US")}) },
		want:  map[string]verdict.Verdict{clientcheck.RuleLanguageCode: nonStrict},
		cause: "language_code=en-US is a locale", fix: "language_code=en"},
}

// TestMisbehavingClient drives the fake with a client that breaks one rule
// at a time, and checks that exactly that rule fails, and names the cause.
func TestMisbehavingClient(t *testing.T) {
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			h := start(t, s.opts, s.logOnFakeClock)
			s.run(h)
			rep := h.grade()
			if len(rep.Conns) == 0 {
				t.Fatal("no connection graded")
			}
			got := failing(rep)
			if !maps.Equal(got, s.want) {
				t.Errorf("failing rules %v, want %v\n%s", got, s.want, dump(rep))
			}
			want := verdict.OK
			for _, v := range s.want {
				if v == failed || want == verdict.OK {
					want = v
				}
			}
			for _, c := range rep.Conns { // a refused connection fails, whatever the rules say
				if c.Refusal != nil {
					want = failed
					if c.Verdict != failed || c.Refusal.Cause == "" {
						t.Errorf("%s was refused but reads %s: %+v", c.ID, c.Verdict, c.Refusal)
					}
				}
			}
			if rep.Verdict != want {
				t.Errorf("report verdict %s, want %s", rep.Verdict, want)
			}
			for _, id := range s.info {
				if !hasVerdict(rep, id, verdict.Informational) {
					t.Errorf("%s is not INFORMATIONAL anywhere\n%s", id, dump(rep))
				}
			}
			checkMessages(t, rep)
			if s.cause == "" {
				if len(rep.Causes) > 0 {
					t.Errorf("a clean run names causes: %+v", rep.Causes)
				}
				return
			}
			if len(rep.Causes) == 0 {
				t.Fatalf("no cause named\n%s", dump(rep))
			}
			c := rep.Causes[0]
			if !strings.Contains(c.Title, s.cause) || !strings.Contains(c.Fix, s.fix) {
				t.Errorf("first cause\n  %s\n  fix: %s\nwant %q and fix %q\nall: %s", c.Title, c.Fix, s.cause, s.fix, dump(rep))
			}
			if len(c.Conns) == 0 || c.Evidence == "" {
				t.Errorf("the cause names no connection or has no evidence: %+v", c)
			}
		})
	}
}

// The well-behaved session passes every rule that applies to it, and the
// rules that cannot apply say why.
func TestWellBehavedSessionPassesEveryRule(t *testing.T) {
	h := start(t, fakeserver.Options{}, false)
	h.run(plan{})
	rep := h.grade()
	if len(rep.Conns) != 1 || rep.Verdict != verdict.OK || rep.Failed(true) {
		t.Fatalf("%s", dump(rep))
	}
	c := rep.Conns[0]
	if c.ID != "conn-0001" || c.AuthPath != "token-query" || c.Close != `client 1000 "User ended session"` || c.Who != "Go-http-client/1.1" {
		t.Errorf("connection summary: %+v", c)
	}
	var connRules []string
	for _, r := range clientcheck.Rules {
		if r.Scope == clientcheck.ScopeConnection {
			connRules = append(connRules, r.ID)
		}
	}
	if len(c.Results) != len(connRules) {
		t.Fatalf("%d results for %d connection rules", len(c.Results), len(connRules))
	}
	for i, f := range c.Results {
		if f.Rule != connRules[i] {
			t.Errorf("result %d is %s, want %s (rule order)", i, f.Rule, connRules[i])
		}
		want := verdict.OK
		if f.Rule == clientcheck.RuleKeepalive || f.Rule == clientcheck.RuleLanguageCode {
			want = verdict.NotApplicable // the client closed; no language_code
		}
		if f.Verdict != want || f.Message == "" {
			t.Errorf("%s: %s %q, want %s", f.Rule, f.Verdict, f.Message, want)
		}
	}
	for _, f := range rep.Run {
		want := verdict.OK
		if f.Rule != clientcheck.RuleTokenOnce {
			want = verdict.NotApplicable // nothing was refused or closed by the server
		}
		if f.Verdict != want {
			t.Errorf("run %s: %s %q, want %s", f.Rule, f.Verdict, f.Message, want)
		}
	}
}

// failing maps each rule that failed anywhere to its verdict.
func failing(rep clientcheck.Report) map[string]verdict.Verdict {
	out := map[string]verdict.Verdict{}
	for rule, f := range rep.Worst() {
		if f.Verdict == failed || f.Verdict == nonStrict {
			out[rule] = f.Verdict
		}
	}
	return out
}

func hasVerdict(rep clientcheck.Report, id string, v verdict.Verdict) bool {
	for _, c := range rep.Conns {
		for _, f := range c.Results {
			if f.Rule == id && f.Verdict == v {
				return true
			}
		}
	}
	for _, f := range rep.Run {
		if f.Rule == id && f.Verdict == v {
			return true
		}
	}
	return false
}

var counted = regexp.MustCompile(`, conn-\d+ and \d+ more`)

// checkMessages: every failure names its connections and frames, and has
// evidence; each finding carries its rule's level.
func checkMessages(t *testing.T, rep clientcheck.Report) {
	t.Helper()
	check := func(f clientcheck.Finding) {
		r, ok := clientcheck.Lookup(f.Rule)
		if !ok || r.Level != f.Level {
			t.Errorf("%s: level %s, rule %+v", f.Rule, f.Level, r)
		}
		if f.Verdict != failed && f.Verdict != nonStrict {
			return
		}
		if f.Evidence == "" || len(f.Conns) == 0 {
			t.Errorf("%s: no evidence or no connection: %+v", f.Rule, f)
		}
		// It names each connection, or, in a storm, a few and the count.
		named := f.Conns
		if counted.MatchString(f.Message) {
			named = f.Conns[:1]
		}
		for _, c := range named {
			if !strings.Contains(f.Message, c) {
				t.Errorf("%s: the message does not name %s: %s", f.Rule, c, f.Message)
			}
		}
		for _, i := range f.Frames[:min(1, len(f.Frames))] {
			if !strings.Contains(f.Message, fmt.Sprintf("#%d at ", i)) {
				t.Errorf("%s: the message does not name frame #%d: %s", f.Rule, i, f.Message)
			}
		}
	}
	for _, c := range rep.Conns {
		for _, f := range c.Results {
			check(f)
		}
	}
	for _, f := range rep.Run {
		check(f)
	}
}

// dump shows a report for a failed test.
func dump(rep clientcheck.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "verdict %s\n", rep.Verdict)
	for _, c := range rep.Conns {
		fmt.Fprintf(&b, "%s %s %s %s (%d/%d frames) %s\n", c.ID, c.Who, c.AuthPath, c.Close, c.ClientFrames, c.ServerFrames, c.Verdict)
		for _, f := range c.Results {
			if f.Verdict != verdict.OK && f.Verdict != verdict.NotApplicable {
				fmt.Fprintf(&b, "  %s %s: %s\n    %s\n", f.Rule, f.Verdict, f.Message, strings.ReplaceAll(f.Evidence, "\n", "\n    "))
			}
		}
	}
	for _, f := range rep.Run {
		fmt.Fprintf(&b, "run %s %s: %s\n", f.Rule, f.Verdict, f.Message)
	}
	for _, c := range rep.Causes {
		fmt.Fprintf(&b, "cause: %s\n  fix: %s %v %v\n", c.Title, c.Fix, c.Rules, c.Conns)
	}
	return b.String()
}
