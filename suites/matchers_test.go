package suites

import (
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/probes"
)

// A failure's Because: line says what its Actual: line does not: a refusal
// that Actual: names gets none ("no session was opened" only repeated it).
func TestOpenASessionBecauseAddsToActual(t *testing.T) {
	cases := []struct {
		name    string
		res     probes.Result
		because string
	}{
		{"refused", probes.Result{Outcome: probes.OutcomeAuthError, Detail: `auth_error "You must be authenticated to use this endpoint."`}, ""},
		{"nothing recorded", probes.Result{Outcome: probes.OutcomeNoAnswer}, "no session was opened"},
		{"opened, no transcript", probes.Result{Outcome: probes.OutcomeSession, Detail: "session_started 1f"}, "no committed_transcript answered the commit"},
	}
	for _, c := range cases {
		m := OpenASession()
		if ok, err := m.Match(c.res); ok || err != nil {
			t.Fatalf("%s: matched %v, %v", c.name, ok, err)
		}
		msg := m.FailureMessage(c.res)
		_, because, has := strings.Cut(msg, "Because:")
		if has != (c.because != "") || !strings.Contains(because, c.because) {
			t.Errorf("%s: %q", c.name, msg)
		}
	}
}
