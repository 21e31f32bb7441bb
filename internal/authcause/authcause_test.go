package authcause

import (
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/internal/wirelog"
)

func cred(where, shape, shown string) wirelog.Credential {
	return wirelog.Credential{Where: where, Shape: shape, Shown: shown, ID: where + shown}
}

var (
	token  = cred(wirelog.WhereToken, wirelog.ShapeToken, "sutkn_…ab12")
	header = cred(wirelog.WhereKeyHeader, wirelog.ShapeAPIKey, "sk_…9f2c")
)

// Each case of the one diagnosis: the side, the confidence and the cause's
// key, for the evidence the doctor or the client grader can state.
func TestDiagnose(t *testing.T) {
	minted := TokenEvidence{Handed: 1, Via: "/v1/single-use-token/realtime_scribe", Type: "realtime_scribe", Age: 400 * time.Millisecond}
	with := func(f func(*TokenEvidence)) TokenEvidence { e := minted; f(&e); return e }
	cases := []struct {
		name string
		ev   Evidence
		key  string
		side string
		conf verdict.Confidence
		says string
	}{
		{"fresh token, first use", Evidence{Creds: Classify([]wirelog.Credential{token}, ""), Token: minted}, "token/fresh", SideServer, verdict.Observed, "sutkn_…ab12 was minted as realtime_scribe 0.40 s before"},
		{"fresh token, header works (the doctor)", Evidence{Creds: Classify([]wirelog.Credential{token}, ""), Token: with(func(e *TokenEvidence) { e.Age = 0 }), HeaderWorks: true},
			"token/fresh", SideServer, verdict.Observed, "moments before and presented nowhere else, while the same key opens a session"},
		{"presented before", Evidence{Creds: Classify([]wirelog.Credential{token}, ""), Token: with(func(e *TokenEvidence) { e.PresentedBefore = "was already presented on conn-0001" })},
			"token/reused", SideApp, verdict.Observed, "already presented on conn-0001"},
		{"handed out twice", Evidence{Creds: Classify([]wirelog.Credential{token}, ""), Token: with(func(e *TokenEvidence) { e.Handed = 2 })}, "token/handed-out-again//v1/single-use-token/realtime_scribe", SideApp, verdict.Observed, "handed out 2 times"},
		{"expired", Evidence{Creds: Classify([]wirelog.Credential{token}, ""), Token: with(func(e *TokenEvidence) { e.Age = 16 * time.Minute })}, "token/expired", SideApp, verdict.Observed, "16.0 min"},
		{"another type", Evidence{Creds: Classify([]wirelog.Credential{token}, ""), Token: with(func(e *TokenEvidence) { e.Type = "tts_websocket" })}, "token/type/tts_websocket", SideApp, verdict.Inferred, "minted as tts_websocket"},
		{"from the app's backend", Evidence{Creds: Classify([]wirelog.Credential{token}, ""), Token: with(func(e *TokenEvidence) { e.Type, e.Via = "", "/api/token" })}, "token/backend//api/token", SideServer, verdict.Inferred, "handed to the app by /api/token"},
		{"not minted, no fresh token tried", Evidence{Creds: Classify([]wirelog.Credential{token}, ""), Scope: "in this recording"}, "token/unrecorded", SideUnknown, verdict.Inferred, "not minted in this recording"},
		{"not minted, a fresh token works (the doctor)", Evidence{Creds: Classify([]wirelog.Credential{token}, ""), Token: TokenEvidence{FreshWorks: true}}, "token/spent", SideApp, verdict.Inferred, "already used"},
		{"the token wins over a header", Evidence{Creds: Classify([]wirelog.Credential{token, header}, ""), Token: minted}, "token/fresh", SideServer, verdict.Observed, "fresh token"},
		{"key that minted", Evidence{Creds: Classify([]wirelog.Credential{header}, ""), Key: KeyEvidence{Minted: "POST … → 200"}}, "key/minted", SideServer, verdict.Observed, "although the same key minted"},
		{"key a mint refused too", Evidence{Creds: Classify([]wirelog.Credential{header}, ""), Key: KeyEvidence{MintRefused: "POST … → 401 invalid_api_key"}}, "key/refused", SideApp, verdict.Observed, "401 invalid_api_key"},
		{"key, nothing else known", Evidence{Creds: Classify([]wirelog.Credential{header}, "")}, "key/wrong", SideApp, verdict.Inferred, "wrong, revoked"},
		{"API key as the token", Evidence{Creds: Classify([]wirelog.Credential{cred(wirelog.WhereToken, wirelog.ShapeAPIKey, "sk_…9f2c")}, "")}, "credential/apikey", SideApp, verdict.Observed, "API key is sent as ?token="},
		{"undefined beside a good header", Evidence{Creds: Classify([]wirelog.Credential{cred(wirelog.WhereToken, wirelog.ShapePlaceholder, "undefined"), header}, "")},
			"credential/undefined", SideApp, verdict.Observed, "?token=undefined"},
		{"an undefined header", Evidence{Creds: Classify([]wirelog.Credential{cred(wirelog.WhereKeyHeader, wirelog.ShapePlaceholder, "undefined")}, "")},
			"credential/header-empty/undefined", SideApp, verdict.Observed, `header is "undefined"`},
		{"no credential", Evidence{}, "credential/none", SideApp, verdict.Observed, "no credential at all"},
		{"only an Authorization header", Evidence{Creds: Classify([]wirelog.Credential{cred(wirelog.HeaderPosition("Authorization"), wirelog.ShapeAPIKey, "sk_…9f2c")}, "")},
			"credential/unread/the authorization header", SideApp, verdict.Observed, "sent in the authorization header"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Diagnose(c.ev)
			if d.Key != c.key || d.Side != c.side || d.Confidence != c.conf || !strings.Contains(d.Cause, c.says) {
				t.Fatalf("got %s %s %s %q; want %s %s %s and a cause with %q", d.Key, d.Side, d.Confidence, d.Cause, c.key, c.side, c.conf, c.says)
			}
			if d.Title == "" || d.Fix == "" {
				t.Errorf("a diagnosis needs a title and a fix: %+v", d)
			}
			if strings.Contains(d.Title, "sutkn_…ab12") || strings.Contains(d.Title, "sk_…9f2c") {
				t.Errorf("the title (shared by every connection with this cause) names one credential: %q", d.Title)
			}
		})
	}
}

// Classify yields each problem once, with CLIENT-2's clause naming the value
// and the cause's title and fix; a request the socket can read has none.
func TestClassify(t *testing.T) {
	undef := cred(wirelog.WhereToken, wirelog.ShapePlaceholder, "undefined")
	c := Classify([]wirelog.Credential{undef, undef, cred(wirelog.WhereTTSToken, wirelog.ShapeToken, "sutkn_…ab12"), cred(wirelog.QueryPosition("api_key"), wirelog.ShapeAPIKey, "sk_…9f2c")}, "")
	var keys []string
	for _, p := range c.Problems {
		keys = append(keys, p.Key)
		if p.Finding == "" || p.Title == "" || p.Fix == "" || p.Side != SideApp || p.Confidence != verdict.Observed {
			t.Errorf("incomplete problem %+v", p)
		}
	}
	want := "credential/undefined credential/single_use_token credential/query-key/api_key credential/twice"
	if strings.Join(keys, " ") != want {
		t.Errorf("problems %v, want %s", keys, want)
	}
	if p, ok := c.At(wirelog.WhereTTSToken); !ok || !strings.Contains(p.Finding, "sutkn_…ab12") {
		t.Errorf("CLIENT-2's clause names the value as logged: %+v", p)
	}
	if ok := Classify([]wirelog.Credential{token, header}, ""); len(ok.Problems) != 0 || ok.Readable != 2 || ok.Token == nil || ok.Header == nil {
		t.Errorf("a token and a key: %+v", ok)
	}
	failed := Classify([]wirelog.Credential{undef}, "POST /v1/single-use-token/realtime_scribe answered HTTP 401 invalid_api_key")
	if p := failed.Problems[0]; p.Key != "credential/mint-failed/undefined" || !strings.Contains(p.Title, "HTTP 401 invalid_api_key") {
		t.Errorf("a placeholder after a failed mint: %+v", p)
	}
}

func TestSentence(t *testing.T) {
	for in, want := range map[string]string{
		"the server refused it": "The server refused it.",
		"?token=undefined: x.":  "?token=undefined: x.",
		"":                      "",
		"éclair":                "Éclair.",
	} {
		if got := Sentence(in); got != want {
			t.Errorf("Sentence(%q) = %q, want %q", in, got, want)
		}
	}
}
