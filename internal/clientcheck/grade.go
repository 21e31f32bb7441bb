package clientcheck

import (
	"fmt"
	"sort"
	"strings"

	"github.com/scribecheck/scribecheck/internal/authcause"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// grader holds a run's connections and REST exchanges while the rules read
// them.
type grader struct {
	views     []*view
	exchanges []wirelog.Record
	// minted maps a credential id to the first exchange that carried it.
	minted map[string]wirelog.Record
	// results keeps each connection's findings by rule, for the causes.
	results map[*view]map[string]Finding
	run     map[string]Finding
	// creds is what each connection's credentials say (credsOf), refused
	// its refusal, if the server refused it.
	creds   map[*view]authcause.Credentials
	refused map[*view]*Refusal
}

// Grade grades a run: each connection by the connection rules, the run by
// the run rules, and names the causes. logs are as wirelog.ReadDir returns
// them; an upgrade request that a server answered as a plain REST request (a
// GET on the old realtime-beta path, say) is in exchanges and is graded as a
// connection named exchange-N.
func Grade(logs []*wirelog.Log, exchanges []wirelog.Record) Report {
	g := &grader{exchanges: exchanges, minted: map[string]wirelog.Record{}, results: map[*view]map[string]Finding{}, run: map[string]Finding{},
		creds: map[*view]authcause.Credentials{}, refused: map[*view]*Refusal{}}
	for _, ex := range exchanges {
		if ex.Status != 200 {
			continue
		}
		for _, c := range ex.Credentials {
			if _, seen := g.minted[c.ID]; c.Where == wirelog.WhereBodyToken && !seen {
				g.minted[c.ID] = ex // the first answer that carried it
			}
		}
	}
	for _, l := range logs {
		if l != nil {
			g.views = append(g.views, newView(l))
		}
	}
	for i, ex := range exchanges {
		if l := socketAttempt(ex, i); l != nil {
			g.views = append(g.views, newView(l))
		}
	}
	sort.SliceStable(g.views, func(i, j int) bool { return g.views[i].when.Before(g.views[j].when) })

	rep := Report{Verdict: verdict.OK}
	if len(g.views) == 0 {
		rep.Verdict = verdict.NotApplicable
	}
	for _, v := range g.views {
		cr := ConnResult{ID: v.id, Who: v.who(), AuthPath: v.authPath(), Close: v.closeText(),
			ClientFrames: len(v.client), ServerFrames: len(v.server)}
		g.results[v] = map[string]Finding{}
		for _, r := range Rules {
			if r.Scope != ScopeConnection {
				continue
			}
			f := g.connRule(r.ID, v)
			g.results[v][r.ID] = f
			cr.Results = append(cr.Results, f)
		}
		cr.Verdict = fold(cr.Results)
		// A connection the server refused never reads OK, whichever side
		// the refusal is on: its row shows the refusal.
		if r := g.refusal(v, cr.Results); r != nil {
			g.refused[v] = r
			cr.Refusal, cr.Verdict = r, verdict.Failed
			if r.Auth {
				rep.Refusals = append(rep.Refusals, *r)
			}
		}
		rep.Conns = append(rep.Conns, cr)
	}
	for _, r := range Rules {
		if r.Scope != ScopeRun {
			continue
		}
		f := g.runRule(r.ID)
		g.run[r.ID] = f
		rep.Run = append(rep.Run, f)
	}
	if len(g.views) > 0 {
		var parts []verdict.Verdict
		for _, c := range rep.Conns {
			parts = append(parts, c.Verdict)
		}
		rep.Verdict = verdict.Fold(append(parts, fold(rep.Run))...)
	}
	rep.Causes = g.causes()
	return rep
}

func (g *grader) connRule(id string, v *view) Finding {
	switch id {
	case RuleCredential:
		return g.credential(v)
	case RuleModelPath:
		return modelPath(v)
	case RuleQueryKeys:
		return queryKeys(v)
	case RuleFrames:
		return frames(v)
	case RuleSampleRate:
		return sampleRate(v)
	case RuleBase64:
		return audioBase64(v)
	case RuleChunkSize:
		return chunkSize(v)
	case RuleCommitMinimum:
		return commitMinimum(v)
	case RulePreviousText:
		return previousText(v)
	case RuleCloseCode:
		return closeCode(v)
	case RuleKeepalive:
		return keepalive(v)
	case RuleTokenType:
		return g.tokenType(v)
	case RuleTokenAge:
		return g.tokenAge(v)
	case RuleQueryValues:
		return queryValues(v)
	case RuleLanguageCode:
		return languageCode(v)
	case RuleUnconfirmed:
		return unconfirmed(v)
	}
	panic("clientcheck: no check for " + id)
}

func (g *grader) runRule(id string) Finding {
	switch id {
	case RuleTokenOnce:
		return g.tokenOnce()
	case RuleNoRetryRefused:
		return g.noRetryRefused()
	case RuleNoBurst:
		return g.noBurst()
	}
	panic("clientcheck: no check for " + id)
}

// Findings, built the same way by every rule.

func finding(id string, v verdict.Verdict, conns []string, frames []int, msg, evidence string) Finding {
	r := mustRule(id)
	return Finding{Rule: id, Level: r.Level, Verdict: v, Conns: conns, Frames: frames, Message: msg, Evidence: evidence}
}

func pass(id string, v *view, msg string) Finding {
	return finding(id, verdict.OK, []string{v.id}, nil, msg, "")
}

func notApplicable(id string, v *view, why string) Finding {
	return finding(id, verdict.NotApplicable, []string{v.id}, nil, why, "")
}

// broken is a rule not met: FAILED, NON-STRICT or INFORMATIONAL by its level.
func broken(id string, v *view, frames []int, msg, evidence string) Finding {
	return finding(id, mustRule(id).Level.Broken(), []string{v.id}, frames, msg, evidence)
}

// socketAttempt turns an exchange that was a WebSocket upgrade request (the
// server answered it as REST: no socket on that path) into a log of a
// connection that was refused at the handshake.
func socketAttempt(ex wirelog.Record, i int) *wirelog.Log {
	upgrade := false
	for _, h := range ex.Headers {
		if strings.EqualFold(h.Name, "Upgrade") && strings.EqualFold(h.Value, "websocket") {
			upgrade = true
		}
	}
	if !upgrade && !strings.HasPrefix(ex.Path, "/v1/speech-to-text/realtime") {
		return nil
	}
	if ex.Method != "" && ex.Method != "GET" {
		return nil
	}
	id := fmt.Sprintf("exchange-%d", i+1)
	req := ex
	req.Kind, req.Conn, req.Status, req.Body = wirelog.KindRequest, id, 0, ""
	resp := wirelog.Record{Kind: wirelog.KindResponse, Status: ex.Status}
	return &wirelog.Log{ID: id, File: "exchanges.jsonl", Request: req, Response: &resp,
		Close: &wirelog.Record{Kind: wirelog.KindClose, By: wirelog.FromServer}}
}

// tokenCreds are the request's credentials that are single-use tokens.
func tokenCreds(l *wirelog.Log) []wirelog.Credential {
	var out []wirelog.Credential
	for _, c := range l.Request.Credentials {
		if c.Shape == wirelog.ShapeToken {
			out = append(out, c)
		}
	}
	return out
}

// mintedToken is a single-use token a connection presents, with the
// exchange that minted it during the recording.
type mintedToken struct {
	cred wirelog.Credential
	ex   wirelog.Record
}

// mintedTokens counts the single-use tokens v presents and returns those
// minted during the recording, each with its minting exchange (CLIENT-15
// and CLIENT-16 judge the type and the age from it).
func (g *grader) mintedTokens(v *view) (presented int, minted []mintedToken) {
	toks := tokenCreds(v.log)
	for _, c := range toks {
		if ex, ok := g.minted[c.ID]; ok {
			minted = append(minted, mintedToken{c, ex})
		}
	}
	return len(toks), minted
}

// judgeMinted judges each single-use token v presents that was minted
// during the recording by its mint, for CLIENT-15 (what: its type) and
// CLIENT-16 (its age): judge says what the token is and what is wrong with
// it ("" when nothing), and judgeMinted returns both lists. When v presents
// no token, or none was minted here, it returns the rule's N/A finding
// saying so instead.
func (g *grader) judgeMinted(v *view, rule, what string, judge func(mintedToken) (is, wrong string)) (are, wrongs []string, na *Finding) {
	presented, minted := g.mintedTokens(v)
	switch {
	case presented == 0:
		f := notApplicable(rule, v, fmt.Sprintf("%s presents no single-use token.", v.id))
		return nil, nil, &f
	case len(minted) == 0:
		f := notApplicable(rule, v, fmt.Sprintf("%s: the token was not minted during this recording; its %s is unknown.", v.id, what))
		return nil, nil, &f
	}
	for _, m := range minted {
		is, wrong := judge(m)
		are = append(are, is)
		if wrong != "" {
			wrongs = append(wrongs, wrong)
		}
	}
	return are, wrongs, nil
}

// mintedType is the token type an exchange minted: the path after
// /v1/single-use-token/, wherever that sits (a proxy's upstream may have a
// base path).
func mintedType(ex wirelog.Record) string {
	if i := strings.Index(ex.Path, protocol.SingleUseTokenPath); i >= 0 {
		return ex.Path[i+len(protocol.SingleUseTokenPath):]
	}
	return ex.Path
}
