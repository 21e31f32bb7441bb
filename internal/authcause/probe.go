package authcause

import (
	"net/url"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

// A probe of one auth path, read as a row of an auth matrix: the stages it
// reached, whether it came out as the documented server has it, and, when
// not, whose side that is. The run's matrix (suites) and the doctor's read a
// probe through these, so one path never reads two ways.

// AsExpected reports whether res is what the documented server does for p.
// A path whose earlier step failed (a fresh token refused on its first use)
// is not: its refusal proves nothing.
func AsExpected(p probes.AuthPath, res probes.Result) bool {
	switch p.Expect {
	case probes.ExpectSession:
		return res.Outcome == probes.OutcomeSession
	case probes.ExpectRefused:
		return res.Outcome.Refused() && res.Precondition == ""
	case probes.ExpectMintRefused:
		return res.Outcome == probes.OutcomeMintRefused
	}
	return true
}

// Stages are res's cells under reports.Stages: ok up to where its socket
// got, then how it stopped — refused as expected; refused where nothing is
// expected, or where the path went untested; failed — and not reached
// after. A path the target cannot run is skipped throughout; one the probe
// could not run (a harness fault), or whose mint was refused, opened no
// socket and reached nothing.
func Stages(p probes.AuthPath, res probes.Result) map[string]string {
	cells := map[string]string{}
	for _, s := range reports.Stages {
		cells[s] = reports.StageNotRun
		if res.Skip != "" {
			cells[s] = reports.StageSkipped
		}
	}
	if res.Skip != "" || res.Fault != "" || len(res.Sockets) == 0 {
		return cells
	}
	stage := func(name string, ok bool) {
		refused := res.Outcome.Refused()
		switch {
		case ok:
			cells[name] = reports.StageOK
		case refused && p.Expect == probes.ExpectRefused && res.Precondition == "":
			cells[name] = reports.StageRefusedAsExpected
		case refused && (p.Expect == probes.ExpectUnknown || res.Precondition != ""):
			cells[name] = reports.StageRefused
		default:
			cells[name] = reports.StageFailed
		}
	}
	st := res.Stages
	stage("upgrade", st.Upgraded)
	if st.Upgraded || res.Outcome == probes.OutcomeRefusedAtUpgrade {
		stage("session_started", st.SessionStarted)
	}
	if st.SessionStarted {
		stage("audio", st.AudioSent)
		stage("commit", st.AudioSent)
		stage("committed_transcript", st.Committed)
	}
	return cells
}

// Probed is what is known around one probe, beyond its result: the
// redactor that shows its credentials, the API key it used, and whether the
// same key opens a session on the xi-api-key header.
type Probed struct {
	Redactor    *secrets.Redactor
	APIKey      string
	HeaderWorks bool
	// Scope ends a clause on where it was seen: "in this run".
	Scope string
}

// OfProbe says whose side it is that p did not come out as expected (see
// AsExpected): for a refusal, Diagnose on the refused socket — the first
// when the path's earlier step was refused — with its credentials read as a
// recording would read them and its token's life as the probe knows it
// (minted by the probe moments before, or presented on an earlier socket);
// for credentials the documented server refuses that opened a session,
// Accepted. ok is false when p came out as expected or its outcome is
// neither (a dropped socket, a harness fault): nothing to put on a side.
func OfProbe(p probes.AuthPath, res probes.Result, pr Probed) (d Diagnosis, ok bool) {
	if AsExpected(p, res) || res.Skip != "" || res.Fault != "" {
		return Diagnosis{}, false
	}
	if res.Outcome == probes.OutcomeSession {
		return Accepted(p.Sends), true
	}
	if !res.Outcome.Refused() || len(res.Sockets) == 0 || res.Outcome == probes.OutcomeMintRefused {
		return Diagnosis{}, false
	}
	i := len(res.Sockets) - 1 // the decisive socket
	if res.Precondition != "" {
		i = 0
	}
	refused := res.Sockets[i]
	u, err := url.Parse(refused.URL)
	if err != nil {
		return Diagnosis{}, false
	}
	creds := append(wirelog.QueryCredentials(u.Query(), pr.Redactor, pr.APIKey), wirelog.HeaderCredentials(refused.RequestHeaders, pr.Redactor, pr.APIKey)...)
	ev := Evidence{Creds: Classify(creds, ""), Scope: pr.Scope, HeaderWorks: pr.HeaderWorks}
	if tok := u.Query().Get(protocol.TokenParam); tok != "" {
		for _, tl := range res.Sockets[:i] {
			if earlier, err := url.Parse(tl.URL); err == nil && earlier.Query().Get(protocol.TokenParam) == tok {
				ev.Token.PresentedBefore = "was already presented on an earlier socket of the same probe"
				if f, ok := tl.First(); ok {
					ev.Token.PresentedBefore += " (" + f.Type + ")"
				}
				break
			}
		}
		for _, m := range res.Mints {
			if m.OK() && m.Token == tok {
				ev.Token.Handed, ev.Token.Via, ev.Token.Type = 1, protocol.SingleUseTokenPath+m.TokenType, m.TokenType
				break
			}
		}
	}
	return Diagnose(ev), true
}

// Accepted is the diagnosis of credentials the documented server refuses
// that opened a session: a probe sent them on purpose, so the deviation is
// the server's.
func Accepted(sends string) Diagnosis {
	title := "the server opened a session for credentials the documented server refuses"
	return Diagnosis{Key: "accepted", Side: SideServer, Confidence: verdict.Observed, Title: title,
		Cause: "the server opened a session for " + sends + ", which the documented server refuses",
		Fix:   "nothing in the app: report it to ElevenLabs with this report attached (secrets are fingerprinted); do not rely on it"}
}
