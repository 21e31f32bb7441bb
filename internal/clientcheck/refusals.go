package clientcheck

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// Sides of a refusal: whose fault the evidence says it is.
const (
	SideServer  = "server"
	SideApp     = "app"
	SideUnknown = "unknown"
)

// Confidence of a refusal's diagnosis, as the doctor grades its findings.
const (
	Observed = "observed" // the recording shows it
	Inferred = "inferred" // it follows from what the recording shows
)

// Refusal is the diagnosis of one connection the server refused (auth_error,
// or HTTP 401/403 at the upgrade), on evidence only a recording of both the
// mint and the socket has: was the token fresh and never presented before?
type Refusal struct {
	Conn       string
	Side       string
	Cause      string
	Fix        string
	Confidence string
	Evidence   []string
}

// refusals diagnoses every refused connection, in the order they came.
func (g *grader) refusals() []Refusal {
	var out []Refusal
	for _, v := range g.views {
		if v.refusedAuth() {
			r := g.refusal(v)
			r.Conn = v.id
			r.Evidence = append(r.Evidence, v.id+": "+requestLine(v.log), v.id+": "+refusalLine(v))
			out = append(out, r)
		}
	}
	return out
}

func refusalLine(v *view) string {
	if r := v.log.Response; r != nil && r.Status != 101 {
		return fmt.Sprintf("the server answered the upgrade with HTTP %d", r.Status)
	}
	f := v.first(protocol.ErrAuth)
	return fmt.Sprintf("%s, then %s", frameLine(f.rec, f.idx), v.closeText())
}

// refusal names the cause of one refusal.
func (g *grader) refusal(v *view) Refusal {
	app := func(cause, fix string) Refusal {
		return Refusal{Side: SideApp, Cause: cause, Fix: fix, Confidence: Observed}
	}
	var token, header *wirelog.Credential
	var others []string
	for _, c := range v.log.Request.Credentials {
		switch {
		case c.Where == "query:"+protocol.TokenParam && token == nil:
			token = &c
		case c.Where == "header:xi-api-key" && header == nil:
			header = &c
		default:
			others = append(others, c.Where)
		}
	}
	switch {
	case token == nil && header == nil && len(others) > 0:
		return app(fmt.Sprintf("the credential was sent as %s, which this socket does not read", strings.Join(others, ", ")),
			"send a single-use token as ?token=… (browsers) or the API key in the xi-api-key header (servers)")
	case token == nil && header == nil:
		return app("the socket carried no credential at all",
			"mint a realtime_scribe token and put it in ?token=…, or send the xi-api-key header from a server")
	case token != nil && (token.Shape == wirelog.ShapePlaceholder || token.Shape == wirelog.ShapeEmpty):
		return app(fmt.Sprintf("?token=%s: the app had no token when it connected", token.Shown),
			"await the mint and pass the token's string (response.token), not the object or an unset variable")
	case token != nil && token.Shape == wirelog.ShapeAPIKey:
		return app("the API key was sent as ?token=; the socket reads a single-use token there",
			"mint a token with the key (POST /v1/single-use-token/realtime_scribe) and send that token, or send the key in the xi-api-key header")
	case token != nil && token.Shape != wirelog.ShapeToken:
		return app(fmt.Sprintf("?token=%s is not a single-use token (sutkn_…)", token.Shown),
			"pass the string the mint returned in its token field, and nothing else")
	case token != nil:
		return g.tokenRefusal(v, *token)
	}
	return g.keyRefusal(v, *header)
}

// tokenRefusal: a sutkn_ token was refused. Presented before, expired or of
// another type is the app; fresh, minted moments before and never presented
// is the server.
func (g *grader) tokenRefusal(v *view, token wirelog.Credential) Refusal {
	if other, how := g.otherUse(v, token); other != nil {
		return Refusal{Side: SideApp, Confidence: Observed,
			Cause: fmt.Sprintf("the token %s %s (%s): a single-use token is consumed by the first socket that opens with it",
				token.Shown, how, outcome(other)),
			Fix:      "mint a fresh token for every connection, reconnects and retries included (and open one socket per token: React StrictMode runs an effect twice)",
			Evidence: []string{other.id + ": " + requestLine(other.log)}}
	}
	mints := g.handedOut(token.ID, v.when)
	if len(mints) == 0 {
		return Refusal{Side: SideUnknown, Confidence: Inferred,
			Cause: fmt.Sprintf("the token %s was refused on its first use here, but it was not minted in this recording, so its age and type are unknown", token.Shown),
			Fix:   "record the mint too (send the request that mints the token through the proxy, or include it in the HAR) to tell a server refusal from an old, reused or other-type token"}
	}
	ex := mints[0]
	age := v.when.Sub(ex.At)
	mint := fmt.Sprintf("mint: %s %s → %d at %s, %s before the socket", ex.Method, ex.Path, ex.Status, ex.At.UTC().Format(time.RFC3339Nano), secs(age))
	typ := ""
	if strings.Contains(ex.Path, protocol.SingleUseTokenPath) {
		typ = mintedType(ex)
	}
	switch {
	case len(mints) > 1:
		return Refusal{Side: SideApp, Confidence: Observed, Evidence: []string{mint},
			Cause: fmt.Sprintf("the token %s was handed out %d times (%s): whatever hands it out reuses tokens", token.Shown, len(mints), ex.Path),
			Fix:   "mint a fresh token for every request; never cache single-use tokens"}
	case age >= protocol.TokenLifetime:
		return Refusal{Side: SideApp, Confidence: Observed, Evidence: []string{mint},
			Cause: fmt.Sprintf("the token %s was minted %.1f min before it was presented; tokens expire after 15 minutes", token.Shown, age.Minutes()),
			Fix:   "mint the token right before connecting"}
	case typ != "" && typ != protocol.TokenRealtimeScribe:
		return Refusal{Side: SideApp, Confidence: Inferred, Evidence: []string{mint},
			Cause: fmt.Sprintf("the token %s was minted as %s, not realtime_scribe", token.Shown, typ),
			Fix:   "mint with POST /v1/single-use-token/realtime_scribe for this socket"}
	case typ == "":
		// The app's own backend handed the token over: fresh to the app,
		// but the backend's mint is not in the recording.
		return Refusal{Side: SideServer, Confidence: Inferred, Evidence: []string{mint},
			Cause: fmt.Sprintf("the server refused a token on its first use: %s was handed to the app by %s %s before and presented nowhere else in this recording (that backend's own mint is not recorded: if it caches tokens, this one may have been spent)",
				token.Shown, ex.Path, secs(age)),
			Fix: "check that the backend mints a fresh realtime_scribe token per request; if it does, report it to ElevenLabs with this evidence, and meanwhile connect from a server with the xi-api-key header"}
	}
	return Refusal{Side: SideServer, Confidence: Observed, Evidence: []string{mint},
		Cause: fmt.Sprintf("the server refused a fresh token on its first use: %s was minted as realtime_scribe %s before and presented nowhere else in this recording", token.Shown, secs(age)),
		Fix:   "nothing in the app: report it to ElevenLabs with this evidence (the mint and the refusal); meanwhile connect from a server with the xi-api-key header"}
}

// otherUse finds another connection that presented the token and reached
// the socket: one that opened a session with it (whenever it came: two
// sockets at once race for the token), or one upgraded before this one.
// A presentation that never reached the server (the proxy's 502, a 404 on
// another path) spends nothing and does not count.
func (g *grader) otherUse(v *view, token wirelog.Credential) (*view, string) {
	var earlier *view
	for _, o := range g.views {
		if o == v || !o.log.Upgraded() || !presents(o, token.ID) {
			continue
		}
		d := v.when.Sub(o.when)
		if o.started() && d <= 0 {
			return o, fmt.Sprintf("was also presented on %s at the same time (%s later), which opened the session", o.id, secs(-d))
		}
		if d >= 0 && (earlier == nil || o.when.Before(earlier.when)) {
			earlier = o
		}
	}
	if earlier != nil {
		return earlier, fmt.Sprintf("was already presented on %s, %s earlier", earlier.id, secs(v.when.Sub(earlier.when)))
	}
	return nil, ""
}

func presents(v *view, id string) bool {
	for _, c := range v.log.Request.Credentials {
		if c.Where == "query:"+protocol.TokenParam && c.ID == id {
			return true
		}
	}
	return false
}

// handedOut lists the answers (a mint, or an app's backend) that carried the
// token at or before t, earliest first.
func (g *grader) handedOut(id string, t time.Time) []wirelog.Record {
	var out []wirelog.Record
	for _, ex := range g.exchanges {
		if ex.Status != 200 || ex.At.After(t) {
			continue
		}
		for _, c := range ex.Credentials {
			if c.Where == "body:token" && c.ID == id {
				out = append(out, ex)
				break
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// keyRefusal: the xi-api-key header alone was refused. A key that minted a
// token in the same recording is valid, so the refusal is the server's.
func (g *grader) keyRefusal(v *view, key wirelog.Credential) Refusal {
	for _, ex := range g.exchanges {
		if ex.Status != 200 || !strings.Contains(ex.Path, protocol.SingleUseTokenPath) || mintedType(ex) != protocol.TokenRealtimeScribe {
			continue // only a realtime_scribe mint shows the key may use this socket
		}
		for _, c := range ex.Credentials {
			if c.Where == "header:xi-api-key" && c.ID == key.ID {
				return Refusal{Side: SideServer, Confidence: Observed,
					Evidence: []string{fmt.Sprintf("mint with the same key: %s %s → 200", ex.Method, ex.Path)},
					Cause:    fmt.Sprintf("the server refused the API key %s on the socket although the same key minted a token in this recording", key.Shown),
					Fix:      "report it to ElevenLabs with this evidence; check the key's permissions (speech-to-text) in the dashboard"}
			}
		}
	}
	return Refusal{Side: SideApp, Confidence: Inferred,
		Cause: fmt.Sprintf("the server refused the API key %s in the xi-api-key header: it is wrong, revoked, or lacks the speech-to-text permission", key.Shown),
		Fix:   "check the key the app is given (ELEVENLABS_API_KEY) and its permissions in the ElevenLabs dashboard"}
}
