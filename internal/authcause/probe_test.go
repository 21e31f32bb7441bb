package authcause

import (
	"net/http"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

const (
	probeKey   = "sk_test_0123456789abcdef"
	probeToken = "sutkn_0123456789abcdef0123456789ab"
	socketURL  = "ws://127.0.0.1:1/v1/speech-to-text/realtime?model_id=scribe_v2_realtime"
)

// socket is a timeline of one socket the probe opened with query and
// header, answered 101.
func socket(query string, header http.Header) probes.Timeline {
	return probes.Timeline{URL: socketURL + query, RequestHeaders: header, Upgrade: probes.Upgrade{Status: 101}}
}

var (
	minted  = []probes.Mint{{TokenType: protocol.TokenRealtimeScribe, Status: 200, Token: probeToken}}
	refused = probes.Stages{Upgraded: true}
)

// A probe reads as a row the same way for the run and the doctor: its
// stages, whether it came out as expected, and whose side a failure is.
func TestProbeRows(t *testing.T) {
	keyHeader := http.Header{}
	keyHeader.Set(protocol.APIKeyHeader, probeKey) // as the probes set it
	cases := []struct {
		name     string
		path     probes.AuthPath
		res      probes.Result
		asExpect bool
		session  string // the session_started cell
		side     string // "" when nothing is put on a side
		key      string
	}{
		{"a fresh token refused", probes.PathTokenQuery,
			probes.Result{Mints: minted, Sockets: []probes.Timeline{socket("&token="+probeToken, nil)}, Outcome: probes.OutcomeAuthError, Stages: refused},
			false, reports.StageFailed, SideServer, "token/fresh"},
		{"a reuse refused as it should be", probes.PathTokenReused,
			probes.Result{Mints: minted, Sockets: []probes.Timeline{socket("&token="+probeToken, nil), socket("&token="+probeToken, nil)}, Outcome: probes.OutcomeAuthError, Stages: refused},
			true, reports.StageRefusedAsExpected, "", ""},
		{"a reuse untested: the first use was refused", probes.PathTokenReused,
			probes.Result{Mints: minted, Sockets: []probes.Timeline{socket("&token="+probeToken, nil), socket("&token="+probeToken, nil)}, Outcome: probes.OutcomeAuthError, Stages: refused,
				Precondition: "the fresh token was refused on its first use"},
			false, reports.StageRefused, SideServer, "token/fresh"},
		{"a reuse that opened a session", probes.PathTokenReused,
			probes.Result{Mints: minted, Sockets: []probes.Timeline{socket("&token="+probeToken, nil), socket("&token="+probeToken, nil)}, Outcome: probes.OutcomeSession,
				Stages: probes.Stages{Upgraded: true, SessionStarted: true}},
			false, reports.StageOK, SideServer, "accepted"},
		{"the header refused", probes.PathHeader,
			probes.Result{Sockets: []probes.Timeline{socket("", keyHeader)}, Outcome: probes.OutcomeAuthError, Stages: refused},
			false, reports.StageFailed, SideApp, "key/wrong"},
		{"a path the target cannot run", probes.PathTokenExpired, probes.Result{Skip: "needs the fake's clock"},
			false, reports.StageSkipped, "", ""},
		{"a server that drops the socket", probes.PathTokenQuery,
			probes.Result{Mints: minted, Sockets: []probes.Timeline{socket("&token="+probeToken, nil)}, Outcome: probes.OutcomeDropped, Stages: refused},
			false, reports.StageFailed, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := AsExpected(c.path, c.res); got != c.asExpect && c.res.Skip == "" {
				t.Errorf("as expected: %v, want %v", got, c.asExpect)
			}
			if got := Stages(c.path, c.res)["session_started"]; got != c.session {
				t.Errorf("session_started: %q, want %q", got, c.session)
			}
			red := secrets.New()
			red.Add(probeKey)
			d, ok := OfProbe(c.path, c.res, Probed{Redactor: red, APIKey: probeKey, HeaderWorks: true, Scope: "in this run"})
			if ok != (c.side != "") || d.Side != c.side || d.Key != c.key {
				t.Fatalf("OfProbe: %v %q %q, want side %q key %q", ok, d.Side, d.Key, c.side, c.key)
			}
			if strings.Contains(d.Cause+d.Title, probeToken) || strings.Contains(d.Cause+d.Title, probeKey) {
				t.Errorf("a secret in the diagnosis: %s", d.Cause)
			}
		})
	}
}
