package clientcheck

import (
	"fmt"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// The rules across the connections of a run.

func runFinding(id string, v verdict.Verdict, conns []string, msg, evidence string) Finding {
	return finding(id, v, conns, nil, msg, evidence)
}

// fewConns is how many connections a message names before it counts the
// rest: a storm of 283 refused sockets reads "conn-0001, conn-0002,
// conn-0003 and 280 more" (a finding's Conns keep them all).
const fewConns = 3

func ids(vs []*view) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.id
	}
	return out
}

// tokenUse is one token and the connections that presented it in ?token=.
type tokenUse struct {
	cred  wirelog.Credential
	views []*view
}

// span is the time from the first connection's request to the last's.
func (u tokenUse) span() time.Duration {
	return u.views[len(u.views)-1].when.Sub(u.views[0].when)
}

// reusedTokens lists the tokens presented on more than one connection, in
// the order first seen. Placeholders and empty values are CLIENT-2's.
func (g *grader) reusedTokens() []tokenUse {
	var order []string
	uses := map[string]*tokenUse{}
	for _, v := range g.views {
		seen := map[string]bool{}
		for _, c := range v.log.Request.Credentials {
			if c.Where != wirelog.WhereToken || c.Shape == wirelog.ShapePlaceholder || c.Shape == wirelog.ShapeEmpty || seen[c.ID] {
				continue
			}
			seen[c.ID] = true
			u, ok := uses[c.ID]
			if !ok {
				u = &tokenUse{cred: c}
				uses[c.ID] = u
				order = append(order, c.ID)
			}
			u.views = append(u.views, v)
		}
	}
	var out []tokenUse
	for _, id := range order {
		if u := uses[id]; len(u.views) > 1 {
			out = append(out, *u)
		}
	}
	return out
}

// tokenOnce: CLIENT-1.
func (g *grader) tokenOnce() Finding {
	reused := g.reusedTokens()
	presented := 0
	for _, v := range g.views {
		if len(v.log.Query(protocol.TokenParam)) > 0 {
			presented++
		}
	}
	if presented == 0 {
		return runFinding(RuleTokenOnce, verdict.NotApplicable, nil, "No connection presented ?token=.", "")
	}
	if len(reused) == 0 {
		return runFinding(RuleTokenOnce, verdict.OK, nil, fmt.Sprintf("Every token was presented once (%s with ?token=).", text.Plural(presented, "connection", "connections")), "")
	}
	var conns, parts, ev []string
	for _, u := range reused {
		conns = append(conns, ids(u.views)...)
		refused := 0
		for _, v := range u.views[1:] {
			if v.refusedAuth() {
				refused++
			}
		}
		how := fmt.Sprintf("%s opened first and consumed it, and %d of the %d after it were refused", u.views[0].id, refused, len(u.views)-1)
		if !u.views[0].started() {
			how = fmt.Sprintf("%s, the first, opened no session either (the token was spent, expired or unknown already), and %d of the %d after it were refused",
				u.views[0].id, refused, len(u.views)-1)
		}
		parts = append(parts, fmt.Sprintf("token %s was presented on %d sockets in %s (%s); %s",
			u.cred.Shown, len(u.views), text.Seconds(u.span()), text.Few(ids(u.views), fewConns), how))
		var lines []string
		for _, v := range u.views {
			lines = append(lines, fmt.Sprintf("%s %s: %s → %s", v.id, v.when.Format("15:04:05.000"), requestLine(v.log), outcome(v)))
		}
		ev = append(ev, text.FewLines(lines, 3))
	}
	return runFinding(RuleTokenOnce, verdict.Failed, conns, text.FewClauses(parts, fewConns, "tokens")+". A token is consumed by the first socket: mint a fresh token for every connection.",
		strings.Join(ev, "\n"))
}

// outcome is how a connection went, in a few words.
func outcome(v *view) string {
	if e := v.errorFrame(); e != nil {
		return e.typ
	}
	if v.log.Response != nil && v.log.Response.Status != 101 {
		return fmt.Sprintf("HTTP %d", v.log.Response.Status)
	}
	if v.started() {
		return "session_started, " + v.closeText()
	}
	return v.closeText()
}

// refusal is the frame (or answer) that refused a connection: auth_error,
// an HTTP 401/403, or invalid_request.
type refusal struct {
	v    *view
	kind string // auth_error, HTTP 401, invalid_request
	at   time.Time
	what string // the frame, for evidence
}

func refusalOf(v *view) *refusal {
	l := v.log
	if r := l.Response; r != nil && (r.Status == 401 || r.Status == 403) {
		return &refusal{v: v, kind: fmt.Sprintf("HTTP %d", r.Status), at: l.At(*r), what: fmt.Sprintf("HTTP %d at the upgrade", r.Status)}
	}
	for _, t := range []string{protocol.ErrAuth, protocol.ErrInvalidRequest} {
		if s := v.first(t); s != nil {
			return &refusal{v: v, kind: t, at: l.At(s.rec), what: frameLine(s.rec, s.idx)}
		}
	}
	return nil
}

// retry is a refused connection and the later ones that repeated what was
// refused.
type retry struct {
	r     *refusal
	again []*view
	what  string
}

// retries finds each connection that repeats a refused credential or query,
// and names it once, under the first refusal it repeats.
func (g *grader) retries() (refusals int, out []retry) {
	named := map[*view]bool{}
	for i, a := range g.views {
		r := refusalOf(a)
		if r == nil {
			continue
		}
		refusals++
		rt := retry{r: r}
		for _, b := range g.views[i+1:] {
			if named[b] || b.when.Before(r.at) {
				continue // named already, or opened before the refusal: not a retry of it
			}
			if r.kind == protocol.ErrInvalidRequest {
				if queryWithoutCredentials(b.log) == queryWithoutCredentials(a.log) {
					rt.again, rt.what = append(rt.again, b), "the same query"
					named[b] = true
				}
				continue
			}
			if c, ok := sharedCredential(a.log, b.log); ok {
				rt.again, rt.what = append(rt.again, b), fmt.Sprintf("the same credential (%s %s)", c.Where, c.Shown)
				named[b] = true
			}
		}
		if len(rt.again) > 0 {
			named[a] = true
			out = append(out, rt)
		}
	}
	return refusals, out
}

// pace says how many times and how fast a refusal was retried: the count,
// the wait before the first retry and the span to the last, which tell a
// bounded retry policy (pipecat's few, seconds apart) from a loop.
func (rt retry) pace() string {
	first, last := rt.again[0].when.Sub(rt.r.at), rt.again[len(rt.again)-1].when.Sub(rt.r.at)
	if len(rt.again) == 1 {
		return fmt.Sprintf("1 retry, %s after the refusal", text.Seconds(first))
	}
	return fmt.Sprintf("%s, the first %s after the refusal, the last %s after it",
		text.Plural(len(rt.again), "retry", "retries"), text.Seconds(first), text.Seconds(last))
}

// noRetryRefused: CLIENT-11.
func (g *grader) noRetryRefused() Finding {
	refusals, rts := g.retries()
	switch {
	case refusals == 0:
		return runFinding(RuleNoRetryRefused, verdict.NotApplicable, nil, "No connection was refused (auth_error, HTTP 401/403, invalid_request).", "")
	case len(rts) == 0:
		return runFinding(RuleNoRetryRefused, verdict.OK, nil, fmt.Sprintf("%s refused; none was retried unchanged.", text.Plural(refusals, "connection was", "connections were")), "")
	}
	var parts, conns, ev []string
	for _, rt := range rts {
		a := rt.r.v
		conns = append(append(conns, a.id), ids(rt.again)...)
		parts = append(parts, fmt.Sprintf("%s was refused (%s) and %s presented %s again: %s",
			a.id, rt.r.kind, text.Few(ids(rt.again), fewConns), rt.what, rt.pace()))
		ev = append(ev, fmt.Sprintf("%s: %s", a.id, requestLine(a.log)), "  "+rt.r.what)
		var lines []string
		for _, b := range rt.again {
			lines = append(lines, fmt.Sprintf("%s (+%s): %s → %s", b.id, text.Seconds(b.when.Sub(rt.r.at)), requestLine(b.log), outcome(b)))
		}
		ev = append(ev, text.FewLines(lines, 2))
	}
	return runFinding(RuleNoRetryRefused, verdict.Failed, dedupe(conns), text.FewClauses(parts, fewConns, "refusals retried")+
		". A refusal is repeated for the same token or query: after auth_error mint a new token, after invalid_request fix the parameter the error names.",
		strings.Join(ev, "\n"))
}

// sharedCredential is a credential a later request repeats (same place,
// same value).
func sharedCredential(a, b *wirelog.Log) (wirelog.Credential, bool) {
	for _, ca := range a.Request.Credentials {
		for _, cb := range b.Request.Credentials {
			if ca.Where == cb.Where && ca.ID == cb.ID {
				return ca, true
			}
		}
	}
	return wirelog.Credential{}, false
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// Burst: burstCount new connections of one client within burstWindow after
// the server refused or closed one of its connections. Three in 2 s is a
// loop without back-off: one reconnect after a server close is normal (a
// session ended, the app resumes), a retry or two may be too, and pipecat's
// policy (3 tries, 4–10 s apart) stays well below it; useScribe's reconnects
// with a spent token come milliseconds apart and trip it at once.
const (
	burstCount  = 3
	burstWindow = 2 * time.Second
)

// burst is the worst window found.
type burst struct {
	after *view
	then  []*view
}

// noBurst: CLIENT-12.
func (g *grader) noBurst() Finding {
	ended := 0
	var worstB burst
	for i, a := range g.views {
		if !a.closedByServer() {
			continue
		}
		ended++
		end := a.end()
		var then []*view
		for _, b := range g.views[i+1:] {
			if b.clientKey() == a.clientKey() && !b.when.Before(end) && b.when.Sub(end) <= burstWindow {
				then = append(then, b)
			}
		}
		if len(then) > len(worstB.then) {
			worstB = burst{a, then}
		}
	}
	switch {
	case ended == 0:
		return runFinding(RuleNoBurst, verdict.NotApplicable, nil, "The server refused or closed no connection: nothing to reconnect after.", "")
	case len(worstB.then) < burstCount:
		return runFinding(RuleNoBurst, verdict.OK, nil, fmt.Sprintf("After the server refused or closed %s, no client opened %d or more new connections within %s.",
			text.Plural(ended, "connection", "connections"), burstCount, text.Seconds(burstWindow)), "")
	}
	a := worstB.after
	chain := g.chain(a)
	last := worstB.then[len(worstB.then)-1]
	msg := fmt.Sprintf("after the server %s, %s (%s) opened %d new connections within %s (%s)",
		endedHow(a), a.who(), a.authPath(), len(worstB.then), text.Seconds(last.when.Sub(a.end())), text.Few(ids(worstB.then), fewConns))
	if len(chain) > len(worstB.then)+1 {
		msg += fmt.Sprintf("; in all it reconnected %d times in %s", len(chain)-1, text.Seconds(chain[len(chain)-1].when.Sub(chain[0].when)))
	}
	var ev []string
	for _, v := range chain {
		ev = append(ev, fmt.Sprintf("%s %s → %s", v.id, v.when.Format("15:04:05.000"), outcome(v)))
	}
	return runFinding(RuleNoBurst, verdict.NonStrict, ids(append([]*view{a}, worstB.then...)),
		msg+". Back off between reconnects (1 s, 2 s, 4 s …), stop after a few tries, and change what was refused (a new token after auth_error, a fixed query after invalid_request).",
		text.FewLines(ev, 5))
}

// chain is a's connection and every later one of its client that opened
// within burstWindow after the one before it was ended by the server.
func (g *grader) chain(a *view) []*view {
	out := []*view{a}
	cur := a
	for _, b := range g.views {
		if !b.when.After(cur.when) || b.clientKey() != a.clientKey() {
			continue
		}
		if !cur.closedByServer() || b.when.Sub(cur.end()) > burstWindow {
			break
		}
		out = append(out, b)
		cur = b
	}
	return out
}

// endedHow says how the server ended a connection: "ended conn-0001 with
// auth_error".
func endedHow(v *view) string {
	if e := v.errorFrame(); e != nil {
		return fmt.Sprintf("ended %s with %s", v.id, e.typ)
	}
	if r := v.log.Response; r != nil && r.Status != 101 {
		return fmt.Sprintf("answered %s with HTTP %d", v.id, r.Status)
	}
	return "closed " + v.id
}
