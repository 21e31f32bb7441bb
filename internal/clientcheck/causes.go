package clientcheck

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/scribecheck/scribecheck/internal/authcause"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// Causes: what the app does wrong, named the way the doctor names a cause,
// with the fix. Connections with the same cause are folded into one.

// draft is a cause being gathered.
type draft struct {
	key      string
	title    string
	fix      string
	rules    []string
	conns    []string
	evidence string
	sev      int  // the worst verdict's severity among its findings
	auth     bool // explains a refused credential: shown first
	counted  bool // the title already says how many connections
}

type drafts struct {
	order []string
	m     map[string]*draft
}

func (ds *drafts) add(d draft) {
	if ds.m == nil {
		ds.m = map[string]*draft{}
	}
	have, ok := ds.m[d.key]
	if !ok {
		dd := d
		dd.conns, dd.rules = dedupe(d.conns), dedupe(d.rules)
		ds.m[d.key] = &dd
		ds.order = append(ds.order, d.key)
		return
	}
	have.conns = dedupe(append(have.conns, d.conns...))
	have.rules = dedupe(append(have.rules, d.rules...))
	have.sev = max(have.sev, d.sev)
	have.auth = have.auth || d.auth
}

func (g *grader) causes() []Cause {
	var ds drafts
	covered := g.tokenReuseCauses(&ds)
	for _, v := range g.views {
		res := g.results[v]
		for _, r := range Rules {
			f, ok := res[r.ID]
			if !ok || f.Verdict.Severity() < verdict.Informational.Severity() {
				continue
			}
			for _, d := range g.connCauses(r.ID, v, f) {
				d.rules = append([]string{r.ID}, d.rules...)
				d.conns = append([]string{v.id}, d.conns...)
				if d.evidence == "" {
					d.evidence = f.Evidence
				}
				d.sev = f.Verdict.Severity()
				ds.add(d)
			}
		}
	}
	g.retryCauses(&ds, covered)
	g.burstCause(&ds, covered)
	g.refusalCauses(&ds, covered)

	var out []*draft
	for _, k := range ds.order {
		out = append(out, ds.m[k])
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.sev != b.sev {
			return a.sev > b.sev
		}
		if a.auth != b.auth {
			return a.auth
		}
		return len(a.conns) > len(b.conns)
	})
	var causes []Cause
	for _, d := range out {
		title := d.title
		if len(d.conns) > 1 && !d.counted {
			title += fmt.Sprintf(" (%d connections)", len(d.conns))
		}
		slices.SortFunc(d.rules, func(a, b string) int { return ruleNumber(a) - ruleNumber(b) })
		causes = append(causes, Cause{Title: title, Fix: d.fix, Rules: d.rules, Conns: d.conns, Evidence: d.evidence})
	}
	return causes
}

func ruleNumber(id string) int {
	n := 0
	fmt.Sscanf(strings.TrimPrefix(id, "CLIENT-"), "%d", &n)
	return n
}

// tokenReuseCauses names each token presented on several sockets, and
// returns the connections it explains (their refusals, retries and bursts).
func (g *grader) tokenReuseCauses(ds *drafts) map[string]bool {
	covered := map[string]bool{}
	once := g.run[RuleTokenOnce]
	for _, u := range g.reusedTokens() {
		conns := ids(u.views)
		for _, c := range conns {
			covered[c] = true
		}
		concurrent := false
		for i := 1; i < len(u.views); i++ {
			if u.views[i].when.Before(u.views[i-1].end()) {
				concurrent = true
			}
		}
		rules := []string{RuleTokenOnce}
		for _, id := range []string{RuleNoRetryRefused, RuleNoBurst} {
			if f := g.run[id]; f.Verdict.Severity() >= verdict.NonStrict.Severity() && overlaps(f.Conns, conns) {
				rules = append(rules, id)
			}
		}
		burst := slices.Contains(rules, RuleNoBurst)
		d := draft{key: "reuse/" + u.cred.ID, rules: rules, conns: conns, evidence: once.Evidence, sev: verdict.Failed.Severity(), auth: true, counted: true}
		allRefused := true
		for _, v := range u.views {
			allRefused = allRefused && v.refusedAuth()
		}
		switch {
		case allRefused:
			d.title = fmt.Sprintf("this app presented one token on %d sockets in %s, refused every time: it retries a token the server does not accept",
				len(u.views), text.Seconds(u.span()))
			d.fix = "mint a fresh realtime_scribe token right before connecting, and a new one for each retry: a refused token stays refused"
		case concurrent:
			d.title = fmt.Sprintf("this app opened %d sockets with one token at once (%s apart): the first consumed it and the others were refused",
				len(u.views), text.Seconds(u.span()))
			d.fix = "mint a fresh token for every connection; if a React effect connects, make it idempotent (StrictMode runs effects twice in development)"
		case burst:
			d.title = fmt.Sprintf("this app presented one token on %d sockets in %s: it reconnects in a loop with a spent token after each close", len(u.views), text.Seconds(u.span()))
			d.fix = "mint a fresh token for every connection, and back off between reconnects (a reconnect effect that re-runs, as useScribe's autoConnect can, presents the spent token again)"
		default:
			d.title = fmt.Sprintf("this app presented one token on %d sockets in %s: it reconnects with a spent token after each close", len(u.views), text.Seconds(u.span()))
			d.fix = "mint a fresh token for every connection (fetch a new one from your server before each connect and reconnect)"
		}
		ds.add(d)
	}
	return covered
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// connCauses names the causes behind one connection's finding.
func (g *grader) connCauses(rule string, v *view, f Finding) []draft {
	switch rule {
	case RuleCredential:
		return g.credentialCauses(v)
	case RuleModelPath:
		return modelCauses(v)
	case RuleQueryKeys:
		return keyCauses(v)
	case RuleFrames:
		return frameCauses(v)
	case RuleSampleRate:
		rates := map[string]bool{}
		var list []string
		for _, c := range v.chunks() {
			if sr := c.msg.Get("sample_rate"); sr.Exists() && sr.Raw != "null" && !rates[sr.Raw] && sr.Num != float64(v.format.SampleRate) {
				rates[sr.Raw] = true
				list = append(list, sr.Raw)
			}
		}
		r := strings.Join(list, ", ")
		return []draft{{key: "6/" + v.format.Name + "/" + r,
			title: fmt.Sprintf("the audio is declared as %s but the chunks say sample_rate %s: one of them is wrong", v.format.Name, r),
			fix:   fmt.Sprintf("if the audio really is %s Hz, set audio_format=pcm_%s; otherwise resample it to %d Hz", r, r, v.format.SampleRate)}}
	case RuleBase64:
		var out []draft
		for _, c := range v.chunks() {
			switch {
			case c.b64err != "":
				out = append(out, draft{key: "7/" + c.b64err, title: "audio_base_64 is " + c.b64err,
					fix: "encode each chunk's bytes with standard, padded base64 (btoa / Buffer.toString(\"base64\") / base64.b64encode)"})
			case c.odd:
				out = append(out, draft{key: "7/odd", title: "chunks with an odd number of bytes: the app splits PCM16 audio mid-sample",
					fix: "cut chunks on whole samples (an even number of bytes)"})
			}
		}
		return out
	case RuleChunkSize:
		durs, _, bad := chunkStats(v)
		lo, hi := spread(bad)
		return []draft{{key: "8", title: fmt.Sprintf("the app sends audio in chunks of %s (%d of %d outside the recommended 0.1–1 s)", secRange(lo, hi), len(bad), len(durs)),
			fix: "buffer the audio and send chunks of 100 ms to 1 s"}}
	case RuleCommitMinimum:
		return commitCauses(v)
	case RulePreviousText:
		return []draft{{key: "10", title: "previous_text is sent on later chunks, not only the first",
			fix: "send previous_text only with the first input_audio_chunk of a session"}}
	case RuleCloseCode:
		if c := v.log.Close; c != nil && c.By == wirelog.ByCut {
			return []draft{{key: "13/cut", title: "the app drops connections without a close frame",
				fix: "close the socket with code 1000 when done (commit pending audio first: a close does not commit it)"}}
		}
		return []draft{{key: fmt.Sprintf("13/%d", v.log.Close.Code), title: fmt.Sprintf("the app closes with code %d, not 1000", v.log.Close.Code),
			fix: "close with code 1000 (normal closure) when done"}}
	case RuleKeepalive:
		return []draft{{key: "14", title: "the app leaves sessions idle until the server closes them (~15.5 s without audio)",
			fix: "while the session should stay open, send silence at least every ~10 s; when done, commit and close it yourself"}}
	case RuleTokenType:
		// authcause's words, so that a refusal of the same token folds in.
		var out []draft
		_, minted := g.mintedTokens(v)
		for _, m := range minted {
			if t := mintedType(m.ex); t != protocol.TokenRealtimeScribe {
				d := authcause.WrongType(t)
				out = append(out, draft{key: d.Key, title: d.Title, fix: d.Fix})
			}
		}
		return out
	case RuleTokenAge:
		d := authcause.Expired()
		return []draft{{key: d.Key, title: d.Title, fix: d.Fix}}
	case RuleQueryValues:
		// Named by the first value the server refuses, else the first
		// warning; in CheckQuery's words.
		refused, warnings := valueProblems(v)
		var p protocol.QueryProblem
		var title string
		switch {
		case len(refused) > 0 && v.first(protocol.ErrInvalidRequest) != nil:
			p, title = refused[0], "the query has a value the server refuses: "
		case len(refused) > 0:
			p, title = refused[0], "the query has a value outside the documented ones: "
		case len(warnings) > 0:
			p, title = warnings[0], "the query has a value the server reads on past: "
		default:
			return nil
		}
		return []draft{problemDraft("17/", p, title)}
	case RuleLanguageCode:
		var out []draft
		for _, p := range v.problemsOf(RuleLanguageCode) {
			out = append(out, problemDraft("18/", p, ""))
		}
		return out
	}
	return nil
}

// problemDraft is the cause of a problem of the path or query, in its own
// words: its Text (after title's lead-in, if any) and its Fix.
func problemDraft(key string, p protocol.QueryProblem, title string) draft {
	return draft{key: key + string(p.Kind) + "/" + p.Param + "/" + p.Value, title: title + p.Text, fix: text.Clause(p.Fix)}
}

// credentialCauses names what a connection's credentials say of the app:
// authcause's problems, as CLIENT-2 reads them.
func (g *grader) credentialCauses(v *view) []draft {
	var out []draft
	for _, p := range g.credsOf(v).Problems {
		out = append(out, draft{key: p.Key, title: p.Title, fix: p.Fix})
	}
	return out
}

// failedMintBefore is the last failed mint request before v, if the last
// mint before v failed.
func (g *grader) failedMintBefore(v *view) *wirelog.Record {
	var last *wirelog.Record
	for i, ex := range g.exchanges {
		if strings.HasPrefix(ex.Path, protocol.SingleUseTokenPath) && !ex.At.After(v.when) {
			last = &g.exchanges[i]
		}
	}
	if last == nil || last.Status == 200 {
		return nil
	}
	return last
}

// detailStatus is " invalid_api_key" from a REST error body, or "".
func detailStatus(ex *wirelog.Record) string {
	if s := protocol.ErrorStatus(ex.Body); s != "" {
		return " " + s
	}
	return ""
}

// modelCauses are CLIENT-3's problems, each in its own words; the old path
// and the old model name are one cause: a client from before 2025-11-11.
func modelCauses(v *view) []draft {
	var out []draft
	var oldWhat []string
	for _, p := range v.problemsOf(RuleModelPath) {
		switch {
		case p.Kind == protocol.ProblemOldPath:
			oldWhat = append(oldWhat, "the realtime-beta path")
		case p.Kind == protocol.ProblemModel && p.Value == protocol.OldModelName:
			oldWhat = append(oldWhat, "model_id="+protocol.OldModelName)
		default:
			out = append(out, problemDraft("3/", p, ""))
		}
	}
	if len(oldWhat) > 0 {
		out = append(out, draft{key: "3/old", title: "this client predates 2025-11-11: it uses " + strings.Join(oldWhat, " and "),
			fix: "update the SDK or the sample code: " + protocol.RealtimePath + " with model_id=" + protocol.DefaultModel})
	}
	return out
}

// keyCauses are CLIENT-4's problems, each in its own words.
func keyCauses(v *view) []draft {
	var out []draft
	for _, p := range v.problemsOf(RuleQueryKeys) {
		out = append(out, problemDraft("4/", p, ""))
	}
	return out
}

func frameCauses(v *view) []draft {
	var out []draft
	for _, c := range v.client {
		p := frameProblem(c)
		switch {
		case p == "":
		case strings.HasPrefix(p, "{\"message_type\":\"commit\"}"):
			out = append(out, draft{key: "5/commit", title: "the app sends {\"message_type\":\"commit\"}, a message that does not exist",
				fix: "commit with an input_audio_chunk: {\"message_type\":\"input_audio_chunk\",\"audio_base_64\":\"\",\"commit\":true}"})
		case strings.HasPrefix(p, "a binary frame"):
			out = append(out, draft{key: "5/binary", title: "the app sends raw audio as binary frames",
				fix: "base64-encode the audio into input_audio_chunk JSON text frames"})
		case strings.HasPrefix(p, "\"type\""):
			out = append(out, draft{key: "5/type", title: "the app writes \"type\" where the protocol has \"message_type\"",
				fix: "name the field message_type"})
		default:
			out = append(out, draft{key: "5/other", title: "the app sends frames that are no protocol message (" + p + ")",
				fix: "send only input_audio_chunk JSON text frames"})
		}
	}
	return out
}

func commitCauses(v *view) []draft {
	cs, _ := commits(v)
	var out []draft
	for _, c := range cs {
		if c.throttled == nil && (c.secs >= protocol.MinCommitSeconds-1e-9 || c.approx) {
			continue
		}
		switch {
		case strings.HasPrefix(c.after, "the server's own commit"):
			out = append(out, draft{key: "9/aftervad", title: "the app commits right after the server's own (VAD) commit, with almost no audio",
				fix: "in VAD mode let the server commit, or commit only after 0.3 s of new audio; pad to 0.3 s with silence if you must commit"})
		case c.after != "":
			out = append(out, draft{key: "9/double", title: "the app commits twice in a row: the second commit has no audio",
				fix: "commit once per segment; wait until 0.3 s of new audio has been sent before the next commit"})
		default:
			out = append(out, draft{key: "9/short", title: fmt.Sprintf("the app commits with less than 0.3 s of uncommitted audio (%.2f s): the server answers commit_throttled and closes", c.secs),
				fix: "pad the segment with silence to 0.3 s before committing, or wait until 0.3 s of audio is uncommitted"})
		}
	}
	return out
}

// retryCauses names retries after invalid_request, and after auth_error
// with a credential that is no reused token (those are named already).
func (g *grader) retryCauses(ds *drafts, covered map[string]bool) {
	f := g.run[RuleNoRetryRefused]
	if f.Verdict != verdict.Failed {
		return
	}
	_, rts := g.retries()
	for _, rt := range rts {
		a := rt.r.v
		conns := append([]string{a.id}, ids(rt.again)...)
		if rt.r.kind == protocol.ErrInvalidRequest {
			refusal := v0(a.first(protocol.ErrInvalidRequest)).text
			ds.add(draft{key: "11/query/" + a.id, rules: []string{RuleNoRetryRefused}, conns: conns, sev: verdict.Failed.Severity(), counted: true,
				title: fmt.Sprintf("after invalid_request (%q) the app retried the same query %s", refusal, text.Plural(len(rt.again), "time", "times")),
				fix:   "fix the parameter the error names before reconnecting: the same query is refused again", evidence: f.Evidence})
			continue
		}
		all := true
		for _, c := range conns {
			all = all && covered[c]
		}
		if all {
			continue // a reused token: named already
		}
		ds.add(draft{key: "11/cred/" + a.id, rules: []string{RuleNoRetryRefused}, conns: conns, sev: verdict.Failed.Severity(), auth: true, counted: true,
			title: fmt.Sprintf("after %s the app retried with %s %s", rt.r.kind, rt.what, text.Plural(len(rt.again), "time", "times")),
			fix:   "a refused credential is refused again: mint a new token (or fix the key) before reconnecting", evidence: f.Evidence})
	}
}

func v0(s *serverFrame) serverFrame {
	if s == nil {
		return serverFrame{}
	}
	return *s
}

// burstCause names a reconnect burst that no reused token explains.
func (g *grader) burstCause(ds *drafts, covered map[string]bool) {
	f := g.run[RuleNoBurst]
	if f.Verdict != verdict.NonStrict {
		return
	}
	all := true
	for _, c := range f.Conns[1:] {
		all = all && covered[c]
	}
	if all {
		return // the spent-token loop says it
	}
	ds.add(draft{key: "12", rules: []string{RuleNoBurst}, conns: f.Conns, sev: verdict.NonStrict.Severity(), counted: true, evidence: f.Evidence,
		title: "this app reconnects in a burst: " + strings.TrimSuffix(strings.SplitN(f.Message, ". ", 2)[0], "."),
		fix:   "back off between reconnects (1 s, 2 s, 4 s …) and give up after a few tries; change what the server refused before trying again"})
}

// refusalCauses puts every refused connection under the cause its refusal
// names, so that the causes and the refusals read one way: a cause a rule
// named already (a credential problem, an expired token) takes it in and
// is shown as a refusal's; a reused token's cause names it already; any
// other refusal is a cause of its own, in the diagnosis's words. A
// refusal other than auth's that a failed rule explains is that rule's.
func (g *grader) refusalCauses(ds *drafts, covered map[string]bool) {
	for _, v := range g.views {
		r := g.refused[v]
		if r == nil {
			continue
		}
		if d, ok := ds.m[r.Key]; ok {
			d.auth = d.auth || r.Auth
			d.conns = dedupe(append(d.conns, v.id))
			continue
		}
		if (r.Key == "token/reused" && covered[v.id]) || (!r.Auth && r.Side == SideApp) {
			continue
		}
		ds.add(draft{key: r.Key, conns: []string{v.id}, sev: verdict.Failed.Severity(), auth: r.Auth, title: r.Title, fix: r.Fix,
			evidence: strings.Join(r.Evidence, "\n")})
	}
}
