package suites

import (
	"fmt"
	"net/http"
	"strings"

	gtypes "github.com/onsi/gomega/types"

	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// resultMatcher is a Gomega matcher over a probe result. Its failure message
// says what was expected, what happened, and the evidence; never the raw
// Go value (which holds secrets in URLs).
type resultMatcher struct {
	expected string
	test     func(probes.Result) (ok bool, why string)
	why      string
}

var _ gtypes.GomegaMatcher = (*resultMatcher)(nil)

func (m *resultMatcher) Match(actual any) (bool, error) {
	res, ok := actual.(probes.Result)
	if !ok {
		return false, fmt.Errorf("expected a probes.Result, got %T", actual)
	}
	var pass bool
	pass, m.why = m.test(res)
	return pass, nil
}

func (m *resultMatcher) FailureMessage(actual any) string {
	return m.message("Expected", actual)
}

func (m *resultMatcher) NegatedFailureMessage(actual any) string {
	return m.message("Expected not", actual)
}

func (m *resultMatcher) message(head string, actual any) string {
	res, _ := actual.(probes.Result)
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", head, m.expected)
	fmt.Fprintf(&b, "Actual:   %s\n", res.Detail)
	if m.why != "" {
		fmt.Fprintf(&b, "Because:  %s\n", m.why)
	}
	b.WriteString("Evidence:\n")
	for _, line := range strings.Split(strings.TrimRight(probes.Evidence(res), "\n"), "\n") {
		b.WriteString("  " + line + "\n")
	}
	return b.String()
}

// OpenASession: session_started first, and the session transcribes: a commit
// after the probe's audio is answered by committed_transcript.
func OpenASession() gtypes.GomegaMatcher {
	return &resultMatcher{
		expected: "session_started as the first frame, then a committed_transcript for the probe's audio",
		test: func(r probes.Result) (bool, string) {
			switch {
			case r.Outcome != probes.OutcomeSession && r.Detail != "":
				return false, "" // Actual names what came instead of a session
			case r.Outcome != probes.OutcomeSession:
				return false, "no session was opened"
			case !r.Stages.Committed:
				return false, "the session opened, but no committed_transcript answered the commit"
			}
			return true, ""
		},
	}
}

// OpenTheFirstSocket: a path that reuses a token first needs that token to
// work once.
func OpenTheFirstSocket() gtypes.GomegaMatcher {
	return &resultMatcher{
		expected: "the fresh token opens a session on its first use",
		test: func(r probes.Result) (bool, string) {
			return r.Precondition == "", r.Precondition
		},
	}
}

// BeRefused: access is denied, in whatever form.
func BeRefused() gtypes.GomegaMatcher {
	return &resultMatcher{
		expected: "access refused (no session_started)",
		test: func(r probes.Result) (bool, string) {
			if r.Outcome.Refused() {
				return true, ""
			}
			if r.Outcome == probes.OutcomeSession {
				return false, "the server opened a session for credentials it should refuse"
			}
			return false, "the server neither refused nor opened a session"
		},
	}
}

// BeRefusedInBand: the observed form of a refusal (O): the upgrade answers
// 101, the only frame is auth_error with the exact text, then close 1000 with
// an empty reason.
func BeRefusedInBand() gtypes.GomegaMatcher {
	want := fmt.Sprintf("101, then {\"message_type\":\"auth_error\",\"error\":%q}, then close 1000 with an empty reason", protocol.AuthErrorText)
	return &resultMatcher{
		expected: want,
		test: func(r probes.Result) (bool, string) {
			tl, ok := r.Decisive()
			if !ok {
				return false, "no socket was opened"
			}
			if tl.Upgrade.Status != http.StatusSwitchingProtocols {
				return false, fmt.Sprintf("the refusal came at the upgrade (HTTP %d), not in-band after 101", tl.Upgrade.Status)
			}
			got := tl.Received()
			var problems []string
			switch {
			case len(got) == 0:
				problems = append(problems, "no frame before the close")
			case got[0].Type != protocol.ErrAuth:
				problems = append(problems, fmt.Sprintf("first frame is %s, not auth_error", describeType(got[0])))
			case got[0].Get("error").String() != protocol.AuthErrorText:
				problems = append(problems, fmt.Sprintf("auth_error text is %q", got[0].Get("error").String()))
			}
			if len(got) > 1 {
				problems = append(problems, fmt.Sprintf("%d more frames after auth_error", len(got)-1))
			}
			switch {
			case tl.Close == nil || tl.Close.ByUs:
				problems = append(problems, "the server did not close the socket")
			case tl.Close.Code != 1000 || tl.Close.Reason != "":
				problems = append(problems, fmt.Sprintf("closed with %d %q", tl.Close.Code, tl.Close.Reason))
			}
			return len(problems) == 0, strings.Join(problems, "; ")
		},
	}
}

// BeRefusedAtMint: a key without the permission cannot mint a realtime_scribe
// token: 401 with detail.status missing_permissions (O shape).
func BeRefusedAtMint() gtypes.GomegaMatcher {
	return &resultMatcher{
		expected: "the token endpoint answers 401 with detail.status missing_permissions",
		test: func(r probes.Result) (bool, string) {
			if len(r.Mints) == 0 {
				return false, "no token was asked for"
			}
			m := r.Mints[0]
			if m.Status != http.StatusUnauthorized || m.DetailStatus() != protocol.StatusMissingPermissions {
				return false, m.Describe()
			}
			return true, ""
		},
	}
}

func describeType(f probes.Frame) string {
	if f.Type != "" {
		return f.Type
	}
	return "a frame that is not a protocol message (" + f.ParseErr + ")"
}
