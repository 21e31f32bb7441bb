package probes

import (
	"fmt"
	"net/http"
	"time"

	"github.com/scribecheck/scribecheck/protocol"
)

// Outcome is what the decisive step of a probe came to.
type Outcome string

const (
	OutcomeSession          Outcome = "session_started"
	OutcomeAuthError        Outcome = "auth_error"
	OutcomeOtherError       Outcome = "other error frame"
	OutcomeUnexpectedFrame  Outcome = "unexpected first frame"
	OutcomeGarbage          Outcome = "not a protocol message"
	OutcomeRefusedAtUpgrade Outcome = "refused at upgrade"
	OutcomeUpgradeFailed    Outcome = "upgrade failed"
	OutcomeDropped          Outcome = "dropped"
	OutcomeMintRefused      Outcome = "mint refused"
	OutcomeClosed           Outcome = "closed without a frame"
	OutcomeNoAnswer         Outcome = "no answer"
	OutcomeUnreachable      Outcome = "unreachable"
)

// Refused reports whether the outcome denies access one way or another: an
// auth or other error frame, 401/403 at the upgrade, a refused mint, or a
// clean close (1000/1008) before any frame. A 5xx at the upgrade or a dropped
// connection is a broken server, not a refusal.
func (o Outcome) Refused() bool {
	switch o {
	case OutcomeAuthError, OutcomeRefusedAtUpgrade, OutcomeMintRefused, OutcomeClosed, OutcomeOtherError:
		return true
	}
	return false
}

// Result is everything one auth-path probe did.
type Result struct {
	Path    string     `json:"path"`
	Target  string     `json:"target"`
	Mints   []Mint     `json:"mints,omitempty"`
	Sockets []Timeline `json:"sockets,omitempty"`
	// Outcome is what the decisive step (the last socket, or the mint) did.
	Outcome Outcome `json:"outcome"`
	// Detail names the outcome in a line: the frame, status or error.
	Detail string `json:"detail"`
	// Precondition is set when an earlier step the path relies on failed (a
	// fresh token refused on its first use).
	Precondition string  `json:"precondition,omitempty"`
	Stages       Stages  `json:"stages"`
	Latency      Latency `json:"latency"`
	// Fault is a harness failure: the probe could not do what the path
	// needs (minting failed, the target vanished). Not a verdict on the target.
	Fault string `json:"fault,omitempty"`
	// Skip says why the path cannot run against this target.
	Skip string `json:"skip,omitempty"`
}

// Stages says how far the decisive socket got.
type Stages struct {
	Upgraded       bool   `json:"upgraded"`
	SessionStarted bool   `json:"session_started"`
	AudioSent      bool   `json:"audio_sent"`
	Committed      bool   `json:"committed"`
	CommittedText  string `json:"committed_text,omitempty"`
}

// Latency holds the times a user asks about; zero when not reached.
type Latency struct {
	Upgrade        time.Duration `json:"upgrade_ns"`
	SessionStarted time.Duration `json:"session_started_ns"`
	// FirstPartial is from the first audio chunk sent to the first
	// partial_transcript received.
	FirstPartial time.Duration `json:"first_partial_ns"`
	Commit       time.Duration `json:"commit_to_committed_ns"`
}

// The names of Latency's times: the doctor's --slo metrics and its
// reports, and the monitor's stage label.
const (
	TimingUpgrade        = "upgrade"
	TimingSessionStarted = "session_started"
	TimingFirstPartial   = "first_partial"
	TimingCommit         = "commit"
)

// Timings are the names of Latency's times, in the order a session reaches
// them.
var Timings = []string{TimingUpgrade, TimingSessionStarted, TimingFirstPartial, TimingCommit}

// Of is the time Timings names timing; zero when not reached or not a timing.
func (l Latency) Of(timing string) time.Duration {
	switch timing {
	case TimingUpgrade:
		return l.Upgrade
	case TimingSessionStarted:
		return l.SessionStarted
	case TimingFirstPartial:
		return l.FirstPartial
	case TimingCommit:
		return l.Commit
	}
	return 0
}

// firstPartial measures Latency.FirstPartial from a timeline.
func firstPartial(tl Timeline) time.Duration {
	var audioAt time.Duration = -1
	for _, f := range tl.Frames {
		switch {
		case f.Out && f.Type == protocol.InputAudioChunk && audioAt < 0:
			audioAt = f.At
		case !f.Out && f.Type == protocol.PartialTranscript && audioAt >= 0:
			return f.At - audioAt
		}
	}
	return 0
}

// Decisive is the last socket, the one the outcome is about.
func (r Result) Decisive() (Timeline, bool) {
	if len(r.Sockets) == 0 {
		return Timeline{}, false
	}
	return r.Sockets[len(r.Sockets)-1], true
}

// classify names what a socket came to from its timeline.
func classify(tl Timeline) (Outcome, string) {
	switch {
	case tl.Upgrade.Unreachable:
		return OutcomeUnreachable, tl.Upgrade.Err
	case tl.Upgrade.Status == 0:
		return OutcomeNoAnswer, "no HTTP answer to the upgrade: " + tl.Upgrade.Err
	case tl.Upgrade.Status != http.StatusSwitchingProtocols:
		line := tl.UpgradeCause().Line(AtUpgrade, tl.Upgrade.Header, tl.shown(tl.Upgrade.Body, 1<<10))
		if tl.Upgrade.Status == http.StatusUnauthorized || tl.Upgrade.Status == http.StatusForbidden {
			return OutcomeRefusedAtUpgrade, line // refused, by the API or by what stands before it (the cause says which)
		}
		return OutcomeUpgradeFailed, line
	}
	first, ok := tl.First()
	switch {
	case ok && first.ParseErr != "":
		return OutcomeGarbage, first.ParseErr + ": " + tl.shown(first.Raw, 200)
	case ok && first.Type == protocol.SessionStarted:
		return OutcomeSession, "session_started " + first.Get("session_id").String()
	case ok && first.Type == protocol.ErrAuth:
		return OutcomeAuthError, fmt.Sprintf("auth_error %q%s", first.Get("error").String(), closeText(tl))
	case ok && protocol.IsError(first.Type):
		return OutcomeOtherError, fmt.Sprintf("%s %q%s", first.Type, first.Get("error").String(), closeText(tl))
	case ok:
		return OutcomeUnexpectedFrame, tl.shown(first.Raw, 200)
	case tl.Close != nil && !tl.Close.ByUs && (tl.Close.Code == 1000 || tl.Close.Code == 1008):
		return OutcomeClosed, "closed before any frame" + closeText(tl)
	case tl.Close != nil && !tl.Close.ByUs:
		return OutcomeDropped, "the connection dropped before any frame" + closeText(tl)
	default:
		return OutcomeNoAnswer, "upgraded, then no frame before the timeout"
	}
}

func closeText(tl Timeline) string {
	switch {
	case tl.Close == nil:
		return ", socket left open"
	case tl.Close.ByUs:
		return ", then closed by us"
	case tl.Close.Code < 0 && tl.Close.Err != "":
		return ", then ended without a close frame (" + clip(tl.Close.Err, 400) + ")"
	case tl.Close.Code < 0:
		return ", then ended without a close frame"
	default:
		return fmt.Sprintf(", then close %d%s %q", tl.Close.Code, closeName(tl.Close.Code), tl.Close.Reason)
	}
}

// closeName says what an unusual close code means (RFC 6455 §7.4).
func closeName(code int) string {
	switch {
	case code == 1001:
		return " (going away: the server is shutting down or restarting)"
	case code == 1005:
		return " (no status: a close frame without a code)"
	case code == 1009:
		return " (message too big)"
	case code == 1011:
		return " (internal error: the server failed)"
	case code == 1012 || code == 1013:
		return " (the server is restarting or overloaded: try again later)"
	case code >= 4000 && code <= 4999:
		return " (application-defined: not a code the documented API sends)"
	}
	return ""
}

// UpgradeCause names why the upgrade did not answer 101 (ExplainHTTP).
func (t Timeline) UpgradeCause() HTTPCause {
	return ExplainHTTP(AtUpgrade, t.Upgrade.Status, t.Upgrade.Header, t.Upgrade.Body)
}
