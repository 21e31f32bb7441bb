package doctor

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/scribecheck/scribecheck/internal/authcause"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

// Status values of a diagnosis.
const (
	Healthy     = "healthy"
	Problem     = "problem"
	Unreachable = "unreachable"
)

// mintFix is the fix every token problem ends in: authcause's.
var mintFix = authcause.Sentence(authcause.TokenFix)

// scope ends authcause's clauses on what the doctor saw.
const scope = "in this run"

// diagnose compares the paths' outcomes and names causes, most specific
// first. It sets Status, Summary and Findings.
func diagnose(d *reports.Diagnosis, results map[string][]probes.Result, o Options) {
	last := func(name string) (probes.Result, bool) {
		rs := results[name]
		if len(rs) == 0 {
			return probes.Result{}, false
		}
		return rs[len(rs)-1], true
	}
	say := func(f reports.Finding) {
		for i, e := range f.Evidence {
			f.Evidence[i] = o.Redactor.Redact(e)
		}
		d.Findings = append(d.Findings, f)
	}
	header, _ := last(probes.PathHeader.Name)
	fresh, _ := last(probes.PathTokenQuery.Name)

	// Below the upgrade everywhere: the network or the host, not auth.
	if BelowUpgrade(results) {
		unreachable(d, firstNetError(results), outcomes(results, probes.PathHeader.Name, probes.PathTokenQuery.Name))
		return
	}
	d.Status = Healthy
	problem := func() { d.Status = Problem }

	headerWorks := header.Outcome == probes.OutcomeSession
	freshWorks := fresh.Outcome == probes.OutcomeSession
	switch {
	case !headerWorks && header.Skip == "" && header.Fault == "":
		problem()
		f := headerFinding(header, fresh, o)
		f.Evidence = append(outcomes(results, probes.PathHeader.Name), f.Evidence...)
		say(f)
	case fresh.Fault != "":
		problem()
		say(reports.Finding{Cause: "No realtime_scribe token could be minted with this key: " + fresh.Fault,
			Fix:        "The key needs the speech_to_text permission and must belong to this host; check it in the ElevenLabs dashboard.",
			Confidence: verdict.Observed, Evidence: mintEvidence(fresh)})
	case headerWorks && !freshWorks:
		problem()
		ev := []string{
			"header: " + header.Detail,
			"a realtime_scribe token minted moments before: " + mintLine(fresh),
			"that token on ?token=, its first use: " + fresh.Detail,
		}
		if both, ok := last(probes.PathTokenAndHeader.Name); ok {
			ev = append(ev, "the same with a valid header beside it: "+both.Detail+" (the token is tried first)")
		}
		f := freshFinding(fresh, o)
		f.Evidence = ev
		say(f)
	}

	if o.Token != "" {
		mine, _ := last(UserTokenPath)
		switch {
		case mine.Outcome == probes.OutcomeSession:
			say(reports.Finding{Cause: "Your token works here (it is now spent).",
				Fix:        "If your app still gets auth_error, it uses a token twice (a retry, a reconnect, React StrictMode running an effect twice) or an older one: " + mintFix,
				Confidence: verdict.Inferred, Evidence: outcomes(results, UserTokenPath, probes.PathTokenReused.Name)})
		case freshWorks:
			problem()
			f := tokenFinding(o)
			f.Evidence = append([]string{"a fresh realtime_scribe token on this host: " + fresh.Detail, "your token: " + mine.Detail},
				outcomes(results, probes.PathTokenReused.Name, probes.PathTokenWrongType.Name, probes.PathTokenExpired.Name)...)
			say(f)
		}
	}

	for _, f := range lintFindings(d.URLLint) {
		problem()
		say(f)
	}
	if fb, ok := last(probes.PathBadTokenGoodHeader.Name); ok && fb.Outcome == probes.OutcomeSession {
		say(reports.Finding{Cause: "This server falls back to the header when the token is bad (the documented server tries the token first, with no fall-back).",
			Fix: "Nothing to fix in your app; do not rely on it.", Confidence: verdict.Observed, Evidence: outcomes(results, probes.PathBadTokenGoodHeader.Name)})
	}
	for _, s := range d.SLO {
		if !s.Pass {
			problem()
			say(reports.Finding{Cause: fmt.Sprintf("Latency SLO missed: %s on %s has p95 %.0f ms, over the %.0f ms limit.", s.Metric, s.Path, s.P95, s.Limit),
				Fix: "Check the region (a nearer residency host), the network path, and the audio pace.", Confidence: verdict.Observed,
				Evidence: []string{text.Plural(sampleCount(d.Paths, s.Path, s.Metric), "sample", "samples")}})
		}
	}

	if d.Status == Healthy {
		d.Summary = "The header and a fresh single-use token both open sessions that transcribe on this host."
		ranked := []string{
			"1. The token was used before: a retry, a reconnect, or React StrictMode running your effect twice (" + outcomeOf(results, probes.PathTokenReused.Name) + ").",
			"2. The API key was passed as the token (" + outcomeOf(results, probes.PathAPIKeyAsToken.Name) + ").",
			"3. A bad token was sent beside a good header: the token wins (" + outcomeOf(results, probes.PathBadTokenGoodHeader.Name) + ").",
			"4. The token expired: more than 15 minutes between minting and connecting (" + outcomeOf(results, probes.PathTokenExpired.Name) + ").",
			"5. A token of another type, e.g. tts_websocket (" + outcomeOf(results, probes.PathTokenWrongType.Name) + ").",
			"6. The wrong parameter name (single_use_token=) or a non-string (token=undefined, [object Object]) (" +
				outcomeOf(results, probes.PathSingleUseTokenParam.Name) + "; " + outcomeOf(results, probes.PathTokenUndefined.Name) + ").",
		}
		if o.Token == "" {
			say(reports.Finding{Cause: "Both authentication paths work here. If your app gets auth_error, it is one of the known client-side causes, most likely first.",
				Fix:        mintFix + " Run again with --token YOURTOKEN (it consumes it) or --url 'the URL your code builds' to check yours.",
				Confidence: verdict.Inferred, Evidence: ranked})
		}
		return
	}
	d.Summary = d.Findings[0].Cause
}

// finding is a diagnosis of authcause as the doctor's finding: its clauses
// as sentences.
func finding(d authcause.Diagnosis) reports.Finding {
	return reports.Finding{Cause: authcause.Sentence(d.Cause), Fix: authcause.Sentence(d.Fix), Confidence: d.Confidence}
}

// tokenFinding names why the user's token is refused while a fresh one
// works on this host: authcause's diagnosis of the token as a recording of
// ?token= would read it, known to be at fault (FreshWorks), its mint not
// seen.
func tokenFinding(o Options) reports.Finding {
	creds := wirelog.QueryCredentials(url.Values{protocol.TokenParam: {o.Token}}, o.Redactor, o.Target.APIKey)
	return finding(authcause.Diagnose(authcause.Evidence{Creds: authcause.Classify(creds, ""), Scope: scope,
		Token: authcause.TokenEvidence{FreshWorks: true}}))
}

// freshFinding names why a fresh token failed while the header works: when
// the server refused it, authcause's diagnosis of a token the doctor minted
// moments before and presented nowhere else (the server's side).
func freshFinding(fresh probes.Result, o Options) reports.Finding {
	if !fresh.Outcome.Refused() || len(fresh.Mints) == 0 || !fresh.Mints[0].OK() {
		return reports.Finding{Cause: "A fresh realtime_scribe token on ?token= opens no session on this target while the header does, and the server did not refuse it: " + fresh.Detail,
			Fix:        "Until it is fixed, connect from a server with the xi-api-key header; report it to ElevenLabs with this report attached (secrets are fingerprinted).",
			Confidence: verdict.Observed}
	}
	m := fresh.Mints[0]
	creds := wirelog.QueryCredentials(url.Values{protocol.TokenParam: {m.Token}}, o.Redactor, o.Target.APIKey)
	return finding(authcause.Diagnose(authcause.Evidence{Creds: authcause.Classify(creds, ""), Scope: scope, HeaderWorks: true,
		Token: authcause.TokenEvidence{Handed: 1, Via: protocol.SingleUseTokenPath + m.TokenType, Type: m.TokenType}}))
}

// BelowUpgrade reports whether no probe that ran got an HTTP answer, at the
// upgrade or at minting: the network or the host, not authentication.
func BelowUpgrade(results map[string][]probes.Result) bool {
	seen := false
	for _, rs := range results {
		for _, r := range rs {
			if r.Skip != "" {
				continue
			}
			for _, tl := range r.Sockets {
				if tl.Upgrade.Status != 0 {
					return false
				}
			}
			for _, m := range r.Mints {
				if m.Status != 0 {
					return false
				}
			}
			seen = true
		}
	}
	return seen
}

func firstNetError(results map[string][]probes.Result) string {
	for _, name := range []string{probes.PathHeader.Name, probes.PathTokenQuery.Name} {
		for _, r := range results[name] {
			if r.Fault != "" {
				return r.Fault
			}
			if r.Detail != "" {
				return r.Detail
			}
		}
	}
	return "no answer"
}

func outcomeOf(results map[string][]probes.Result, name string) string {
	rs := results[name]
	if len(rs) == 0 {
		return name + ": not run"
	}
	r := rs[len(rs)-1]
	switch {
	case r.Skip != "":
		return name + ": skipped (" + r.Skip + ")"
	case r.Fault != "":
		return name + ": harness fault"
	case r.Outcome.Refused():
		return name + ": refused"
	}
	return name + ": " + string(r.Outcome)
}

func outcomes(results map[string][]probes.Result, names ...string) []string {
	var out []string
	for _, n := range names {
		if rs := results[n]; len(rs) > 0 {
			r := rs[len(rs)-1]
			line := n + ": " + r.Detail
			if r.Skip != "" {
				line = n + ": skipped: " + r.Skip
			}
			out = append(out, line)
		}
	}
	return out
}

func mintLine(r probes.Result) string {
	if len(r.Mints) == 0 {
		return "no mint"
	}
	return r.Mints[0].Describe()
}

func mintEvidence(r probes.Result) []string {
	var out []string
	for _, m := range r.Mints {
		out = append(out, m.Describe())
	}
	return out
}

func sampleCount(paths []reports.PathRow, path, metric string) int {
	for _, p := range paths {
		if p.Path == path {
			if pc := metricOf(p.Latency, metric); pc != nil {
				return pc.Samples
			}
		}
	}
	return 0
}

// headerFinding names why the header path did not open a session: the key
// only when the API itself refused it (authcause's diagnosis, with the
// fresh-token path's mint with the same key as evidence); a wrong host, path
// or proxy when the upgrade got another HTTP answer; a broken server
// otherwise.
func headerFinding(header, fresh probes.Result, o Options) reports.Finding {
	tl, _ := header.Decisive()
	if c := tl.UpgradeCause(); c.NotScribe() {
		return notScribe(header.Detail, c)
	}
	if header.Outcome.Refused() {
		h := http.Header{}
		h.Set(protocol.APIKeyHeader, o.Target.APIKey) // as the header path sends it, empty or not
		ev := authcause.Evidence{Creds: authcause.Classify(wirelog.HeaderCredentials(h, o.Redactor, o.Target.APIKey), ""), Scope: scope}
		var lines []string
		for _, m := range fresh.Mints { // the fresh-token path mints with the same key
			line := fmt.Sprintf("POST %s%s → %d", protocol.SingleUseTokenPath, m.TokenType, m.Status)
			switch {
			case m.OK() && m.TokenType == protocol.TokenRealtimeScribe && ev.Key.Minted == "":
				ev.Key.Minted = line
			case !m.OK() && m.Status != 0 && ev.Key.MintRefused == "":
				if st := m.DetailStatus(); st != "" {
					line += " " + st
				}
				ev.Key.MintRefused = line
			default:
				continue
			}
			lines = append(lines, "a mint with the same key: "+line)
		}
		f := finding(authcause.Diagnose(ev))
		f.Evidence = lines
		return f
	}
	return reports.Finding{Cause: "The realtime socket does not work on this target (the server misbehaves; the key was not refused): " + header.Detail,
		Fix:        "Check that --target is the Scribe API or a scribecheck fake, and that no proxy stands in the way; if it is the API, retry later and report it with this report attached.",
		Confidence: verdict.Observed}
}

// notScribe is the finding on a target whose answer to the upgrade (answer,
// on one line) says it is not the Scribe API (probes.HTTPCause.NotScribe).
func notScribe(answer string, c probes.HTTPCause) reports.Finding {
	return reports.Finding{Cause: "This target " + probes.NotScribeAPI + ": " + answer,
		Fix: authcause.Sentence(c.Fix), Confidence: verdict.Observed}
}

// unreachable makes d the verdict on a target that cannot be reached.
func unreachable(d *reports.Diagnosis, why string, evidence []string) {
	d.Status = Unreachable
	d.Summary = "No path got past the connection: the problem is the network or the host, not authentication."
	d.Findings = append(d.Findings, reports.Finding{Cause: "The target cannot be reached: " + why,
		Fix:        "Check the host name and port, DNS, proxies and firewalls; a residency key needs its own host (api.eu.residency.elevenlabs.io, …).",
		Confidence: verdict.Observed, Evidence: evidence})
}
