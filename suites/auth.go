package suites

import (
	"github.com/onsi/ginkgo/v2"

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
			ID: a.id, Area: "auth", Level: levelFromEvidence(p.Level), Requirement: a.requirement,
			Subject: p.Name, AuthPath: p.Name, NeedsFake: p.NeedsFake || p.NeedsClock,
			Body: authBody(p),
		})
	}
	return cases
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
		res := s.Probe(ctx, p)
		switch p.Expect {
		case probes.ExpectSession:
			s.Check(res, OpenASession())
		case probes.ExpectRefused:
			if p.Name == probes.PathTokenReused.Name {
				s.CheckAt(Must, res, OpenTheFirstSocket())
			}
			s.Check(res, BeRefused())
			if p.FormLevel != "" {
				s.CheckAt(levelFromEvidence(p.FormLevel), res, BeRefusedInBand())
			}
		case probes.ExpectMintRefused:
			s.Check(res, BeRefusedAtMint())
		default:
			s.Observe(p.Sends + " → " + string(res.Outcome) + ": " + res.Detail)
		}
	}
}
