package suites

import (
	"strconv"

	"github.com/onsi/ginkgo/v2"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/probes"
)

// authSpecs fixes each auth path's ID and requirement. IDs are stable: a new
// path gets the next free number, never a reused one.
var authSpecs = []struct {
	id          string
	path        probes.AuthPath
	requirement string
}{
	{"AUTH-1", probes.PathHeader, "A valid API key in the xi-api-key header opens a session that transcribes."},
	{"AUTH-2", probes.PathHeaderInvalid, "An unknown API key in the xi-api-key header is refused."},
	{"AUTH-3", probes.PathNone, "A socket with no credentials is refused."},
	{"AUTH-4", probes.PathTokenQuery, "A fresh realtime_scribe single-use token on ?token= opens a session that transcribes."},
	{"AUTH-5", probes.PathTokenReused, "A single-use token opens one socket; a second socket with it is refused."},
	{"AUTH-6", probes.PathTokenExpired, "A single-use token older than 15 minutes is refused."},
	{"AUTH-7", probes.PathTokenWrongType, "What the socket does with a tts_websocket token on ?token= is recorded."},
	{"AUTH-8", probes.PathTokenAndHeader, "A fresh token on ?token= beside a valid xi-api-key header opens a session."},
	{"AUTH-9", probes.PathBadTokenGoodHeader, "A bad token beside a valid xi-api-key header is refused: the token is tried first, with no fall-back."},
	{"AUTH-10", probes.PathAPIKeyAsToken, "The API key passed as ?token= is refused."},
	{"AUTH-11", probes.PathSingleUseTokenParam, "A token under ?single_use_token= (the TTS name) is no credential on the STT socket: refused."},
	{"AUTH-12", probes.PathTokenUndefined, "?token=undefined is refused."},
	{"AUTH-13", probes.PathTokenObject, "?token=[object Object] is refused."},
	{"AUTH-14", probes.PathRestrictedKey, "A key without the speech_to_text permission cannot mint a realtime_scribe token: 401 missing_permissions."},
}

func authCases() []Case {
	var cases []Case
	for _, a := range authSpecs {
		p := a.path
		cases = append(cases, Case{
			ID: a.id, Area: "auth", Level: verdict.FromEvidence(p.Level), Requirement: a.requirement,
			Subject: p.Name, AuthPath: p.Name, NeedsFake: p.NeedsFake || p.NeedsClock,
			Body: authBody(p),
		})
	}
	return append(cases, headerBesideToken())
}

// headerBesideToken records which credential a target honours when a spent
// token comes beside a good header: the fake's choice header-beside-token.
func headerBesideToken() Case {
	p := probes.PathSpentTokenGoodHeader
	return Case{ID: "AUTH-15", Area: "auth", Level: verdict.Info, Subject: p.Name,
		Requirement: "Which credential the socket honours when a spent token comes beside a valid xi-api-key header (as the Python SDK 3.0.0a1 sends them) is recorded.",
		Body: func(ctx ginkgo.SpecContext, s *Spec) {
			res := s.Probe(ctx, p)
			switch {
			case res.Precondition != "":
				s.Observe("not recorded: " + res.Precondition)
			case res.Outcome == probes.OutcomeSession:
				s.Observe("the session opened: the header was honoured beside the spent token (a fall-back; the fake's " + fakeserver.ChoiceHeaderBesideToken + "=" + fakeserver.PositionFallback + ")")
			default:
				s.Observe("refused (" + res.Detail + "): the token decided, with no fall-back to the header (the fake's " + fakeserver.ChoiceHeaderBesideToken + "=" + fakeserver.PositionToken + ")")
			}
		}}
}

// expectedText is the matrix's EXPECTED column for a path.
func expectedText(p probes.AuthPath) string {
	switch p.Expect {
	case probes.ExpectSession:
		return "session"
	case probes.ExpectRefused:
		return "refused"
	case probes.ExpectMintRefused:
		return "mint 401"
	}
	return "unknown"
}

// authBody grades one path by what the documented server does for it.
func authBody(p probes.AuthPath) func(ginkgo.SpecContext, *Spec) {
	return func(ctx ginkgo.SpecContext, s *Spec) {
		s.entry(entryExpected, expectedText(p))
		if p.Expect == probes.ExpectSession {
			s.checkSessionPath(ctx, p)
			return
		}
		res := s.Probe(ctx, p)
		switch p.Expect {
		case probes.ExpectRefused:
			if p.Name == probes.PathTokenReused.Name {
				s.CheckAt(verdict.Must, res, OpenTheFirstSocket())
			}
			s.Check(res, BeRefused())
			if p.FormLevel != "" {
				s.CheckAt(verdict.FromEvidence(p.FormLevel), res, BeRefusedInBand())
			}
		case probes.ExpectMintRefused:
			s.Check(res, BeRefusedAtMint())
		default:
			s.Observe(p.Sends + " → " + string(res.Outcome) + ": " + res.Detail)
			s.reactPath(p, res)
		}
	}
}

// checkSessionPath grades a path that should open a session and transcribe.
// The header path's probe is the run's gate probe (run once). When commits
// are not answered at all, a path whose session opened is BLOCKED by the
// commit spec rather than failed: its auth worked, and whether it transcribes
// is that spec's finding.
func (s *Spec) checkSessionPath(ctx ginkgo.SpecContext, p probes.AuthPath) {
	var res probes.Result
	if p.Name == probes.PathHeader.Name {
		g := s.Env.checkGates(ctx)
		res = s.record(g.res, false)
		if g.tries > 1 && res.Stages.Committed {
			s.entry(entryFlaky, strconv.Itoa(g.tries))
		}
	} else {
		opts := s.Env.Probe
		if s.Env.commitsKnownLost() {
			opts.SessionOnly = true // the commit would only wait out its timeout
		}
		res = s.record(probes.Run(ctx, s.Env.Target, p, opts), true)
	}
	if res.Outcome == probes.OutcomeSession && !res.Stages.Committed {
		if ok, evidence := s.Env.passed(ctx, gateCommit); !ok {
			s.Block(gateCommit.root, "the session opened on this path; whether it transcribes waits on "+gateCommit.what+", which does not hold: "+evidence)
		}
	}
	s.Check(res, OpenASession())
}
