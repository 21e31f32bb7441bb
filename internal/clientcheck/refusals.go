package clientcheck

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/authcause"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// Sides of a refusal: whose fault the evidence says it is (authcause's
// words, named here for the grader's users).
const (
	SideServer  = authcause.SideServer
	SideApp     = authcause.SideApp
	SideUnknown = authcause.SideUnknown
)

// scope ends the clauses of a diagnosis made from a recording.
const scope = "in this recording"

// Refusal is the diagnosis of one connection the server refused before a
// session: its credential (auth_error, or HTTP 401/403 at the upgrade), put
// on a side by authcause on evidence only a recording of both the mint and
// the socket has (was the token fresh and never presented before?), or
// another way (invalid_request, another error, another HTTP answer).
type Refusal struct {
	Conn string
	// Auth: the server refused the credential. Only these are in
	// Report.Refusals; every refusal is on its connection's row.
	Auth bool
	// Key names the cause (authcause's key for a credential); Title says
	// it of every connection it explains, Cause of this one.
	Key        string
	Side       string
	Cause      string
	Title      string
	Fix        string
	Confidence verdict.Confidence
	Evidence   []string
}

// refusal diagnoses v if the server refused it before a session, else nil.
// results are v's findings: a refusal other than auth's is the app's when
// one of them fails.
func (g *grader) refusal(v *view, results []Finding) *Refusal {
	if v.refusedAuth() {
		ev, lines := g.evidence(v)
		d := authcause.Diagnose(ev)
		return &Refusal{Conn: v.id, Auth: true, Key: d.Key, Side: d.Side, Cause: d.Cause, Title: d.Title, Fix: d.Fix, Confidence: d.Confidence,
			Evidence: append(lines, v.id+": "+requestLine(v.log), v.id+": "+refusalLine(v))}
	}
	how, kind := v.refusedOtherwise()
	if how == "" {
		return nil
	}
	var broke []string
	for _, f := range results {
		if f.Verdict.Fails(true) {
			broke = append(broke, f.Rule)
		}
	}
	r := &Refusal{Conn: v.id, Key: "refused/" + kind, Side: SideUnknown, Confidence: verdict.Inferred,
		Cause:    "the server refused the connection before a session: " + how,
		Title:    "the server refused connections before a session with " + kind,
		Fix:      "read what the server answered; if the request is valid, report it to the server's operators with this report attached",
		Evidence: []string{v.id + ": " + requestLine(v.log), v.id + ": " + how}}
	if resp := v.log.Response; resp != nil && resp.Status != 0 && resp.Status != 101 {
		r.Evidence[1] += detailStatus(resp) // what the refusal's body says, as for a credential's
	}
	if len(broke) > 0 {
		r.Side = SideApp
		r.Cause += fmt.Sprintf(", after a request that breaks %s", strings.Join(broke, ", "))
		r.Title += ", after requests that break the rules named"
		r.Fix = "fix the request as the failed rules say (" + strings.Join(broke, ", ") + ") before reconnecting: the same request is refused again"
	}
	return r
}

// refusalLine shows how the server refused v's credential: its answer to
// the upgrade, with the error status its body names (HTTP 401
// invalid_api_key; a recording from before bodies were kept has none), or
// its auth_error and close.
func refusalLine(v *view) string {
	if r := v.log.Response; r != nil && r.Status != 101 {
		return fmt.Sprintf("the server answered the upgrade with HTTP %d%s", r.Status, detailStatus(r))
	}
	f := v.first(protocol.ErrAuth)
	return fmt.Sprintf("%s, then %s", frameLine(f.rec, f.idx), v.closeText())
}

// credsOf is what v's credentials say, read once.
func (g *grader) credsOf(v *view) authcause.Credentials {
	if c, ok := g.creds[v]; ok {
		return c
	}
	failed := ""
	if mint := g.failedMintBefore(v); mint != nil {
		failed = fmt.Sprintf("POST %s answered HTTP %d%s", mint.Path, mint.Status, detailStatus(mint))
	}
	c := authcause.Classify(v.log.Request.Credentials, failed)
	g.creds[v] = c
	return c
}

// evidence gathers what the recording shows of v's credential, and the
// lines that show it.
func (g *grader) evidence(v *view) (authcause.Evidence, []string) {
	ev := authcause.Evidence{Creds: g.credsOf(v), Scope: scope}
	tok, key := ev.Creds.Token, ev.Creds.Header
	switch {
	case tok != nil && tok.Shape == wirelog.ShapeToken:
		if other, how := g.otherUse(v, *tok); other != nil {
			ev.Token.PresentedBefore = fmt.Sprintf("%s (%s)", how, outcome(other))
			return ev, []string{other.id + ": " + requestLine(other.log)}
		}
		mints := g.handedOut(tok.ID, v.when)
		if len(mints) == 0 {
			return ev, nil
		}
		ex := mints[0]
		ev.Token.Handed, ev.Token.Via, ev.Token.Age = len(mints), ex.Path, v.when.Sub(ex.At)
		if strings.Contains(ex.Path, protocol.SingleUseTokenPath) {
			ev.Token.Type = mintedType(ex)
		}
		return ev, []string{fmt.Sprintf("mint: %s %s → %d at %s, %s before the socket", ex.Method, ex.Path, ex.Status, ex.At.UTC().Format(time.RFC3339Nano), text.Seconds(ev.Token.Age))}
	case tok == nil && key != nil:
		return g.keyEvidence(ev, *key)
	}
	return ev, nil
}

// keyEvidence: did the same key mint a realtime_scribe token (then it may
// use this socket), or was a mint with it refused?
func (g *grader) keyEvidence(ev authcause.Evidence, key wirelog.Credential) (authcause.Evidence, []string) {
	var lines []string
	for i, ex := range g.exchanges {
		if !strings.Contains(ex.Path, protocol.SingleUseTokenPath) || !sentKey(ex, key.ID) {
			continue
		}
		switch {
		case ex.Status == 200 && mintedType(ex) == protocol.TokenRealtimeScribe && ev.Key.Minted == "":
			ev.Key.Minted = fmt.Sprintf("%s %s → 200", ex.Method, ex.Path)
			lines = append(lines, "mint with the same key: "+ev.Key.Minted)
		case ex.Status != 200 && ex.Status != 0 && ev.Key.MintRefused == "":
			ev.Key.MintRefused = fmt.Sprintf("%s %s → %d%s", ex.Method, ex.Path, ex.Status, detailStatus(&g.exchanges[i]))
			lines = append(lines, "mint with the same key: "+ev.Key.MintRefused)
		}
	}
	return ev, lines
}

func sentKey(ex wirelog.Record, id string) bool {
	for _, c := range ex.Credentials {
		if c.Where == wirelog.WhereKeyHeader && c.ID == id {
			return true
		}
	}
	return false
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
			return o, fmt.Sprintf("was also presented on %s at the same time (%s later), which opened the session", o.id, text.Seconds(-d))
		}
		if d >= 0 && (earlier == nil || o.when.Before(earlier.when)) {
			earlier = o
		}
	}
	if earlier != nil {
		return earlier, fmt.Sprintf("was already presented on %s, %s earlier", earlier.id, text.Seconds(v.when.Sub(earlier.when)))
	}
	return nil, ""
}

func presents(v *view, id string) bool {
	for _, c := range v.log.Request.Credentials {
		if c.Where == wirelog.WhereToken && c.ID == id {
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
			if c.Where == wirelog.WhereBodyToken && c.ID == id {
				out = append(out, ex)
				break
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}
