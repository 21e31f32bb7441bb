package reports

import (
	"fmt"
	"time"

	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/protocol"
)

// SpecResult is one spec's result, independent of the test framework.
type SpecResult struct {
	ID          string        `json:"id"`
	Level       Level         `json:"level"`
	Requirement string        `json:"requirement"`
	Name        string        `json:"name"`
	Area        string        `json:"area"`
	Labels      []string      `json:"labels"`
	AuthPath    string        `json:"auth_path,omitempty"`
	Target      string        `json:"target"`
	Verdict     Verdict       `json:"verdict"`
	Expected    string        `json:"expected,omitempty"`
	Outcome     string        `json:"outcome,omitempty"`
	Message     string        `json:"message,omitempty"`
	Evidence    string        `json:"evidence,omitempty"`
	Duration    time.Duration `json:"duration_ns"`
	// Started is when the spec began: specs run one after another, in
	// catalog order, so SCHEMA-1 and the MULTI rules see the whole run.
	Started time.Time `json:"started,omitzero"`
	// BlockedBy is the ID of the failed spec a BLOCKED spec waits on.
	BlockedBy string `json:"blocked_by,omitempty"`
	// Attempts counts the runs of a spec retried under --retries.
	Attempts int `json:"attempts,omitempty"`
	// Reaction is what the target did with an INFO spec's stimulus, in the
	// form a fake can be calibrated from (fake --calibrate).
	Reaction *protocol.Reaction `json:"reaction,omitempty"`
	// Stages are an auth path's cells under Stages (StageOK, StageFailed,
	// …), as the doctor's matrix has them; empty for a spec of no path.
	Stages map[string]string `json:"stages,omitempty"`
	// WhoseFault puts an auth path that did not come out as expected on a
	// side — the server's, the app's (its key or token), or unknown — with
	// the cause and fix: the diagnosis the doctor and the client grader give.
	WhoseFault *Refusal `json:"whose_fault,omitempty"`
}

// Count tallies results by verdict.
func Count(results []SpecResult) Counts {
	c := Counts{}
	for _, r := range results {
		c[r.Verdict]++
	}
	return c
}

// Spent is what a run cost the target: tokens minted, sessions opened,
// seconds of audio sent.
type Spent struct {
	TokensMinted int     `json:"tokens_minted"`
	Sessions     int     `json:"sessions_opened"`
	AudioSeconds float64 `json:"audio_seconds_sent"`
}

func (s Spent) String() string {
	return fmt.Sprintf("%s minted, %s, %.1f s of audio", text.Plural(s.TokensMinted, "token", "tokens"), text.Plural(s.Sessions, "session", "sessions"), s.AudioSeconds)
}
