package reports

import (
	"time"

	"github.com/scribecheck/scribecheck/internal/verdict"
)

// Diagnosis is what `scribecheck doctor` found. Its JSON form is a stable,
// documented interface (docs/reports.md, "doctor.json"): fields are only
// ever added; SchemaVersion changes if one is removed or changes meaning.
type Diagnosis struct {
	SchemaVersion int       `json:"schema_version"` // 1
	Tool          string    `json:"tool"`           // "scribecheck doctor"
	Target        string    `json:"target"`
	BaseURL       string    `json:"base_url"`
	StartedAt     time.Time `json:"started_at"`
	Repeat        int       `json:"repeat"`
	// Status is healthy, problem or unreachable.
	Status   string    `json:"status"`
	Summary  string    `json:"summary"`
	Findings []Finding `json:"findings"`
	Paths    []PathRow `json:"paths"`
	// URLLint holds the problems of --url, in the order found.
	URLLint []LintFinding `json:"url_lint,omitempty"`
	SLO     []SLOResult   `json:"slo,omitempty"`
	Budget  Budget        `json:"budget"`
}

// Finding is one conclusion with its fix and the evidence behind it.
type Finding struct {
	Cause string `json:"cause"`
	Fix   string `json:"fix"`
	// Confidence is documented (the vendor says so), observed (this run saw
	// it) or inferred (it follows from what this run saw, ranked by what is
	// known to happen).
	Confidence Confidence `json:"confidence"`
	Evidence   []string   `json:"evidence"`
}

// Confidence is how sure a finding is: scribecheck's one word for it,
// defined in internal/verdict and named here for importers, as Verdict is.
type Confidence = verdict.Confidence

// The confidences of a finding.
const (
	Documented = verdict.Documented
	Observed   = verdict.Observed
	Inferred   = verdict.Inferred
)

// Stage names, in the order a session goes through them.
var Stages = []string{"upgrade", "session_started", "audio", "commit", "committed_transcript"}

// Stage outcomes.
const (
	StageOK      = "ok"
	StageFailed  = "failed"
	StageNotRun  = "not reached"
	StageSkipped = "skipped"
	// StageRefusedAsExpected: the path should be refused and was.
	StageRefusedAsExpected = "refused (expected)"
	// StageRefused: refused where nobody knows what to expect (an INFO path).
	StageRefused = "refused"
)

// PathRow is one auth path of the matrix.
type PathRow struct {
	Path     string            `json:"path"`
	Sends    string            `json:"sends"`
	Expected string            `json:"expected"` // session, refused, unknown
	AsExpect bool              `json:"as_expected"`
	Outcome  string            `json:"outcome"`
	Detail   string            `json:"detail"`
	Stages   map[string]string `json:"stages"` // stage -> outcome
	Evidence string            `json:"evidence"`
	Latency  LatencyStats      `json:"latency"`
	Skip     string            `json:"skip,omitempty"`
	Fault    string            `json:"fault,omitempty"`
}

// LatencyStats are per-path timings over --repeat runs, in milliseconds;
// absent when never measured.
type LatencyStats struct {
	Upgrade        *Percentiles `json:"upgrade_ms,omitempty"`
	SessionStarted *Percentiles `json:"session_started_ms,omitempty"`
	FirstPartial   *Percentiles `json:"first_partial_ms,omitempty"`
	Commit         *Percentiles `json:"commit_to_committed_ms,omitempty"`
}

// Percentiles of a timing over its samples.
type Percentiles struct {
	P50     float64 `json:"p50"`
	P95     float64 `json:"p95"`
	Samples int     `json:"samples"`
}

// LintFinding is one problem of a URL a user's code builds.
type LintFinding struct {
	Severity string `json:"severity"` // error, warning, note
	Problem  string `json:"problem"`
	Fix      string `json:"fix"`
}

// SLOResult is one --slo bound checked against a path's p95.
type SLOResult struct {
	Metric string  `json:"metric"`
	Path   string  `json:"path"`
	Limit  float64 `json:"limit_ms"`
	P95    float64 `json:"p95_ms"`
	Pass   bool    `json:"pass"`
}

// Budget is what the run spent on the target.
type Budget struct {
	TokensMinted int     `json:"tokens_minted"`
	Sessions     int     `json:"sessions_opened"`
	AudioSeconds float64 `json:"audio_seconds_sent"`
	AudioCap     float64 `json:"audio_seconds_cap_per_path"`
}
