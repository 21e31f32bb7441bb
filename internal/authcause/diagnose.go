package authcause

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/protocol"
)

// Sides of a refusal: whose fault the evidence says it is.
const (
	SideApp     = "app"
	SideServer  = "server"
	SideUnknown = "unknown"
)

// Diagnosis is why one credential was refused.
type Diagnosis struct {
	// Key names the cause, the same for every connection it explains
	// ("token/fresh", "credential/apikey", …): causes fold on it.
	Key  string
	Side string
	// Cause says it of one connection, naming its credential as logged
	// (redacted) and the numbers; Title says the same of every connection
	// with this Key, to head a cause that folds them.
	Cause, Title string
	Fix          string
	Confidence   verdict.Confidence
}

// Evidence is what one side can state of one refused connection.
type Evidence struct {
	// Creds are the request's credentials, as Classify read them.
	Creds Credentials
	// Scope says where the evidence was gathered, to end a clause: "in this
	// recording", "in this run".
	Scope string
	// Token is what is known of Creds.Token, a single-use token.
	Token TokenEvidence
	// Key is what is known of Creds.Header, the API key.
	Key KeyEvidence
	// HeaderWorks: the same key opens a session on the xi-api-key header
	// (the doctor's header path).
	HeaderWorks bool
}

// TokenEvidence is what is known of a single-use token's life before it was
// refused.
type TokenEvidence struct {
	// PresentedBefore says how another socket presented it first, or at the
	// same time and opened the session ("was already presented on
	// conn-0001, 0.50 s earlier (session_started)"); empty when none did.
	PresentedBefore string
	// Handed counts the answers that carried it before it was presented (a
	// mint, or the app's backend handing it over); 0 when none is in the
	// evidence.
	Handed int
	// Via is the path of the first such answer.
	Via string
	// Type is the type it was minted as; empty when the app's backend handed
	// it over (its mint is not in the evidence).
	Type string
	// Age is the time from that answer to the refused presentation; 0 when
	// it is a moment or unknown.
	Age time.Duration
	// FreshWorks: a token minted fresh for the same host opens a session
	// (the doctor tried one), so the fault is in this token.
	FreshWorks bool
}

// KeyEvidence is what is known of the API key in the header.
type KeyEvidence struct {
	// Minted says how the same key minted a realtime_scribe token ("POST
	// /v1/single-use-token/realtime_scribe → 200"); empty when no such mint
	// is in the evidence.
	Minted string
	// MintRefused says how a mint with the same key was refused ("POST
	// /v1/single-use-token/realtime_scribe → 401 invalid_api_key"); empty
	// when none was.
	MintRefused string
}

// Diagnose names the side, cause, fix and confidence of one refusal. The
// socket reads ?token= first and, only without one, the xi-api-key header
// (docs/protocol.md §3), so the credential it judged is diagnosed: a problem of
// its form first, then what is known of its life.
func Diagnose(ev Evidence) Diagnosis {
	c := ev.Creds
	switch {
	case c.Token != nil:
		if p, ok := c.At(c.Token.Where); ok {
			return p.Diagnosis
		}
		return tokenDiagnosis(c.Token.Shown, ev)
	case c.Header != nil:
		if p, ok := c.At(c.Header.Where); ok {
			return p.Diagnosis
		}
		return keyDiagnosis(c.Header.Shown, ev)
	case len(c.Problems) > 0:
		return c.Problems[0].Diagnosis
	}
	return Classify(nil, "").Problems[0].Diagnosis // no credential at all
}

// TokenFix is the fix of every token that was refused for its own sake:
// spent, expired, of another type or from another host.
const TokenFix = "mint a new token for every connection, right before it opens: POST " + protocol.SingleUseTokenPath + protocol.TokenRealtimeScribe +
	" with the xi-api-key header, on the host the socket uses, and put its token string (not the response object) on ?token="

func tokenDiagnosis(tok string, ev Evidence) Diagnosis {
	t, scope := ev.Token, ev.scope()
	switch {
	case t.PresentedBefore != "":
		return Diagnosis{Key: "token/reused", Side: SideApp, Confidence: verdict.Observed,
			Cause: fmt.Sprintf("the token %s %s: a single-use token is consumed by the first socket that opens with it", tok, t.PresentedBefore),
			Title: "the token was presented on another socket first: a single-use token is consumed by the first socket that opens with it",
			Fix:   "mint a fresh token for every connection, reconnects and retries included (and open one socket per token: React StrictMode runs an effect twice)"}
	case t.Handed == 0 && t.FreshWorks:
		what := "is refused while a fresh realtime_scribe token works on this host: it was already used (single-use: a second socket is refused), " +
			"has expired (15 minutes), is of another type (tts_websocket, batch_scribe), or was minted on another host"
		return Diagnosis{Key: "token/spent", Side: SideApp, Confidence: verdict.Inferred,
			Cause: fmt.Sprintf("the token %s %s", tok, what), Title: "the token " + what, Fix: TokenFix}
	case t.Handed == 0:
		what := fmt.Sprintf("was refused, but it was not minted%s, so whether it was spent, expired or of another type is unknown", scope)
		return Diagnosis{Key: "token/unrecorded", Side: SideUnknown, Confidence: verdict.Inferred,
			Cause: fmt.Sprintf("the token %s %s", tok, what), Title: "the token " + what,
			Fix: "record the mint too (mint through the proxy, or keep the mint in the HAR) to tell a server refusal from a spent, expired or other-type token; " +
				"if a token minted right before connecting is refused too, run `scribecheck doctor` against this server"}
	case t.Handed > 1:
		return Diagnosis{Key: "token/handed-out-again/" + t.Via, Side: SideApp, Confidence: verdict.Observed,
			Cause: fmt.Sprintf("the token %s was handed out %d times (%s): whatever hands it out reuses tokens", tok, t.Handed, t.Via),
			Title: fmt.Sprintf("the same token was handed out more than once (%s): whatever hands it out reuses tokens", t.Via),
			Fix:   "mint a fresh token for every request; never cache single-use tokens"}
	case t.Age >= protocol.TokenLifetime:
		d := Expired()
		d.Cause = fmt.Sprintf("the token %s was minted %.1f min before it was presented; tokens expire after 15 minutes", tok, t.Age.Minutes())
		return d
	case t.Type != "" && t.Type != protocol.TokenRealtimeScribe:
		d := WrongType(t.Type)
		d.Cause = fmt.Sprintf("the token %s was minted as %s, not %s", tok, t.Type, protocol.TokenRealtimeScribe)
		return d
	case t.Type == "":
		// The app's own backend handed it over: fresh to the app, but the
		// backend's mint is not in the evidence.
		return Diagnosis{Key: "token/backend/" + t.Via, Side: SideServer, Confidence: verdict.Inferred,
			Cause: fmt.Sprintf("the server refused a token on its first use: %s was handed to the app by %s %s before and presented nowhere else%s "+
				"(that backend's own mint is not recorded: if it caches tokens, this one may have been spent)", tok, t.Via, ago(t.Age), scope),
			Title: fmt.Sprintf("the server refused tokens on their first use that the app's backend (%s) handed over moments before "+
				"(the backend's own mint is not recorded: if it caches tokens, they may have been spent)", t.Via),
			Fix: "check that the backend mints a fresh realtime_scribe token per request; if it does, report it to ElevenLabs with this report attached, " +
				"and meanwhile connect from a server with the xi-api-key header"}
	}
	works := ""
	if ev.HeaderWorks {
		works = ", while the same key opens a session on the xi-api-key header"
	}
	const server = "; the server refuses valid single-use tokens on ?token=: a server-side problem, not the app's code"
	return Diagnosis{Key: "token/fresh", Side: SideServer, Confidence: verdict.Observed,
		Cause: fmt.Sprintf("the server refused a fresh token on its first use: %s was minted as %s %s before and presented nowhere else%s%s%s",
			tok, protocol.TokenRealtimeScribe, ago(t.Age), scope, works, server),
		Title: fmt.Sprintf("the server refused a fresh token on its first use: minted as %s moments before and presented nowhere else%s%s", protocol.TokenRealtimeScribe, works, server),
		Fix: "nothing in the app: report it to ElevenLabs with this report attached (secrets are fingerprinted); until it is fixed, " +
			"connect from a server with the xi-api-key header, or proxy the socket"}
}

// Expired is the diagnosis of a token presented after its 15 minutes: a
// refusal's, and CLIENT-16's cause when the server took it anyway.
func Expired() Diagnosis {
	title := "the token was minted more than 15 minutes before it was presented; tokens expire after 15 minutes"
	return Diagnosis{Key: "token/expired", Side: SideApp, Confidence: verdict.Observed, Title: title, Cause: title,
		Fix: "mint the token right before connecting (not when the page loads), and a new one for each connection"}
}

// WrongType is the diagnosis of a token minted as another type than
// realtime_scribe: a refusal's, and CLIENT-15's cause when the server took
// it anyway. What the live socket does with one is unconfirmed: inferred.
func WrongType(t string) Diagnosis {
	title := fmt.Sprintf("the token was minted as %s, not %s", t, protocol.TokenRealtimeScribe)
	return Diagnosis{Key: "token/type/" + t, Side: SideApp, Confidence: verdict.Inferred, Title: title, Cause: title,
		Fix: "mint the token for this socket: POST " + protocol.SingleUseTokenPath + protocol.TokenRealtimeScribe + " (a token that works for TTS does not fit here)"}
}

// keyFix is the fix of a key refused for its own sake.
const keyFix = "check the key (ELEVENLABS_API_KEY): a deleted or mistyped key, or a residency key used on the global host, is refused; " +
	"keys need the speech-to-text permission (ElevenLabs dashboard)"

func keyDiagnosis(key string, ev Evidence) Diagnosis {
	k, scope := ev.Key, ev.scope()
	const wrong = ": it is wrong, revoked, or lacks the speech-to-text permission"
	switch {
	case k.Minted != "":
		return Diagnosis{Key: "key/minted", Side: SideServer, Confidence: verdict.Observed,
			Cause: fmt.Sprintf("the server refused the API key %s on the socket although the same key minted a realtime_scribe token%s (%s)", key, scope, k.Minted),
			Title: "the server refused an API key on the socket although the same key minted a realtime_scribe token",
			Fix:   "report it to ElevenLabs with this report attached (secrets are fingerprinted); check the key's speech-to-text permission in the dashboard"}
	case k.MintRefused != "":
		return Diagnosis{Key: "key/refused", Side: SideApp, Confidence: verdict.Observed,
			Cause: fmt.Sprintf("the API key %s is refused on the socket and by the token mint (%s)%s", key, k.MintRefused, wrong),
			Title: "the API key is refused on the socket and by the token mint" + wrong, Fix: keyFix}
	}
	return Diagnosis{Key: "key/wrong", Side: SideApp, Confidence: verdict.Inferred,
		Cause: fmt.Sprintf("the server refused the API key %s in the xi-api-key header%s", key, wrong),
		Title: "the server refused the API key in the xi-api-key header" + wrong, Fix: keyFix}
}

// scope is " in this recording" to end a clause with, or "" when the
// evidence does not say where it was gathered.
func (ev Evidence) scope() string {
	if ev.Scope == "" {
		return ""
	}
	return " " + ev.Scope
}

// ago is "0.40 s" (text.Seconds), or "moments" for a time not known or too
// short to say.
func ago(d time.Duration) string {
	if d <= 0 {
		return "moments"
	}
	return text.Seconds(d)
}

// Sentence makes a clause of this package a sentence: a capital first
// letter and a final period.
func Sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
