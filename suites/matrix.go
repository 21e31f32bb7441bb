package suites

import (
	"encoding/json"

	"github.com/scribecheck/scribecheck/internal/authcause"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/reports"
)

// Report entries of an auth path's row in the run's matrix (JSON).
const (
	entryStages     = "scribecheck.stages"
	entryWhoseFault = "scribecheck.whose-fault"
)

// matrixRow records what the run's auth matrix shows of an auth spec's
// probe beside its verdict: the stages it reached and, when it did not come
// out as expected, whose side that is — read as the doctor reads a probe
// (authcause), so a path reads the same in both reports.
func (s *Spec) matrixRow(res probes.Result) {
	p, ok := probes.LookupPath(s.Case.AuthPath)
	if !ok {
		return
	}
	s.entryJSON(entryStages, authcause.Stages(p, res))
	// The header path is the run's gate probe: whether it opened a session
	// is known once that probe ran, and is not run for this.
	headerWorks := s.Env.gates.done.Load() && s.Env.gates.holds(gateSession)
	d, ok := authcause.OfProbe(p, res, authcause.Probed{Redactor: s.Env.Redactor, APIKey: s.Env.Target.APIKey, HeaderWorks: headerWorks, Scope: "in this run"})
	if !ok {
		return
	}
	// The cause in the words that fold it (its Title): the probe's own
	// token's fingerprint would only tell the paths apart.
	s.entryJSON(entryWhoseFault, reports.Refusal{Side: d.Side, Finding: reports.Finding{
		Cause: authcause.Sentence(d.Title), Fix: authcause.Sentence(d.Fix), Confidence: d.Confidence}})
}

// entryJSON records v as JSON under name.
func (s *Spec) entryJSON(name string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.Harness("recording %s: %v", name, err)
	}
	s.entry(name, string(b))
}

// matrixEntries reads an auth spec's matrix entries into its result.
func matrixEntries(r *reports.SpecResult, entries map[string]string) {
	if raw := entries[entryStages]; raw != "" {
		_ = json.Unmarshal([]byte(raw), &r.Stages)
	}
	if raw := entries[entryWhoseFault]; raw != "" {
		var f reports.Refusal
		if json.Unmarshal([]byte(raw), &f) == nil {
			r.WhoseFault = &f
		}
	}
}
