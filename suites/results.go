package suites

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

// notSelected is a skipped spec's message when nothing else says why.
const notSelected = "not selected by --label-filter or --focus"

// specResults turns Ginkgo's report into one SpecResult per spec, with the
// verdicts of the design: a passed SHOULD spec with a deviation is
// NON-STRICT, a passed INFO spec INFORMATIONAL, a panic (harness fault) ERROR.
func specResults(report types.Report, env *Env, cases []Case) []reports.SpecResult {
	byID := map[string]Case{}
	order := map[string]int{}
	for i, c := range cases {
		byID[c.ID] = c
		order[c.ID] = i
	}
	var out []reports.SpecResult
	for _, sr := range report.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		id, _, _ := strings.Cut(sr.LeafNodeText, " ")
		c, ok := byID[id]
		if !ok {
			continue
		}
		r := reports.SpecResult{
			ID: c.ID, Level: c.Level, Requirement: c.Requirement, Name: sr.LeafNodeText,
			Area: c.Area, Labels: sr.Labels(), AuthPath: c.AuthPath, Target: env.Target.Name,
			Duration: sr.RunTime, Started: sr.StartTime,
		}
		entries := map[string]string{}
		for _, e := range sr.ReportEntries {
			entries[e.Name] = e.StringRepresentation()
		}
		r.Expected, r.Outcome, r.Evidence = entries[entryExpected], entries[entryOutcome], entries[entryEvidence]
		matrixEntries(&r, entries)
		if raw := entries[entryReaction]; raw != "" {
			var x protocol.Reaction
			if json.Unmarshal([]byte(raw), &x) == nil {
				r.Reaction = &x
			}
		}
		switch {
		case sr.State == types.SpecStatePassed && entries[entryNotOffered] != "" && entries[entryNonStrict] == "":
			r.Verdict, r.Message = reports.Informational, entries[entryNotOffered]
		case sr.State == types.SpecStatePassed && entries[entryNonStrict] != "":
			r.Verdict, r.Message = reports.NonStrict, entries[entryNonStrict]
		case sr.State == types.SpecStatePassed && c.Level == verdict.Info:
			r.Verdict, r.Message = reports.Informational, entries[entryObservation]
		case sr.State == types.SpecStatePassed && sr.NumAttempts > 1:
			r.Verdict, r.Attempts = reports.Flaky, sr.NumAttempts
			r.Message = fmt.Sprintf("failed on a timeout, passed on attempt %d of %d (--retries)", sr.NumAttempts, sr.MaxFlakeAttempts)
		case sr.State == types.SpecStatePassed && entries[entryFlaky] != "":
			r.Verdict = reports.Flaky
			r.Attempts, _ = strconv.Atoi(entries[entryFlaky])
			r.Message = fmt.Sprintf("its probe failed on a timeout, passed on try %d (--retries)", r.Attempts)
		case sr.State == types.SpecStatePassed:
			r.Verdict = reports.OK
		case sr.State == types.SpecStateFailed && entries[entryHarness] != "":
			r.Verdict, r.Message = reports.Error, "panicked: "+entries[entryHarness]
		case sr.State == types.SpecStateFailed:
			r.Verdict, r.Message = reports.Failed, sr.Failure.Message
			if sr.NumAttempts > 1 && !strings.HasPrefix(r.Message, notRetried) {
				r.Attempts = sr.NumAttempts
				r.Message = fmt.Sprintf("failed all %d attempts (--retries): %s", sr.NumAttempts, r.Message)
			}
		case sr.State == types.SpecStateSkipped && entries[entryBlocked] != "":
			r.Verdict, r.BlockedBy, r.Message = reports.Blocked, entries[entryBlocked], sr.Failure.Message
		case sr.State.Is(types.SpecStateSkipped | types.SpecStatePending):
			r.Verdict, r.Message = reports.Skipped, sr.Failure.Message
			if r.Message == "" {
				r.Message = notSelected
			}
		default: // panicked (harness fault), timed out, interrupted, aborted
			r.Verdict, r.Message = reports.Error, sr.State.String()+": "+sr.Failure.Message
			if fv := sr.Failure.ForwardedPanic; fv != "" {
				r.Message = sr.State.String() + ": " + fv
			}
		}
		r.Message = env.Redactor.Redact(r.Message)
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool { return order[out[i].ID] < order[out[j].ID] })
	return out
}
