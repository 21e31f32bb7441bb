package reports

import (
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/verdict"
)

// The levels and verdicts every report shows are scribecheck's one
// vocabulary, defined once in internal/verdict (with its one order of
// severity). reports names them for its importers, as package os names
// io/fs's FileMode, so a program reading a SpecResult can compare its
// Verdict with reports.Failed.
type (
	// Verdict is how one check came out: OK, NON-STRICT, FAILED, ….
	Verdict = verdict.Verdict
	// Level is how much a requirement weighs: MUST, SHOULD or INFO.
	Level = verdict.Level
	// Counts tallies verdicts; its String is "3 FAILED, 118 OK", most
	// severe first.
	Counts = verdict.Counts
)

// The levels.
const (
	Must   = verdict.Must
	Should = verdict.Should
	Info   = verdict.Info
)

// The verdicts of specs and rules; see internal/verdict for what each
// means. The SDK matrix's FINDING and CHANGED are verdict.Finding and
// verdict.Changed.
const (
	OK            = verdict.OK
	NonStrict     = verdict.NonStrict
	Informational = verdict.Informational
	Failed        = verdict.Failed
	Error         = verdict.Error
	Skipped       = verdict.Skipped
	Blocked       = verdict.Blocked
	Flaky         = verdict.Flaky
	NotApplicable = verdict.NotApplicable
)

// Redactor replaces every secret it knows, in every encoded form, with a
// fingerprint (sk_…9f2c); every writer of this package takes one and renders
// a redacted copy of its model. It is the one redactor of internal/secrets.
type Redactor = secrets.Redactor

// NewRedactor returns a redactor that knows no secret yet: register each API
// key and token with Add the moment it exists.
func NewRedactor() *Redactor { return secrets.New() }
