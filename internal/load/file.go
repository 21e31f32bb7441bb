package load

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/reports"
)

// CheckBudget states what a run will spend and refuses, as a usage error, a
// live run without a budget or over it. A budget given for another target
// is checked too.
func (o Options) CheckBudget(live bool, budget float64, w io.Writer) error {
	if budget < 0 {
		return exitcode.Usagef("--budget-audio-minutes %v: give a positive number of minutes", budget)
	}
	if !live && budget == 0 {
		return nil
	}
	if live && o.Pace == Max {
		return exitcode.Usagef("--pace max is refused on live: its audio is bounded only by the server's speed, so no budget can cover it; use --pace realtime")
	}
	minutes, says := o.spend()
	if live && budget == 0 {
		return exitcode.Usagef("--target live spends real audio: give --budget-audio-minutes M (this run would send up to %s)", says)
	}
	if o.Pace == Max {
		return exitcode.Usagef("--budget-audio-minutes cannot bound --pace max, which sends as fast as the server takes audio; use --pace realtime")
	}
	if minutes > budget {
		return exitcode.Usagef("this run would send up to %s, over --budget-audio-minutes %g: lower --sessions, --duration or --ramp, or raise the budget", says, budget)
	}
	fmt.Fprintf(w, "budget: this run sends up to %s of the %g audio-minutes allowed\n", says, budget)
	return nil
}

// spend is what a real-time run sends at most, in audio-minutes and in
// words: every session streams Ramp + Duration (sessionEnd).
func (o Options) spend() (float64, string) {
	each := o.Ramp + o.Duration
	minutes := float64(o.Sessions) * each.Minutes()
	return minutes, fmt.Sprintf("%.1f audio-minutes (%s x %v)", minutes, text.Plural(o.Sessions, "session", "sessions"), each)
}

// FileName is the result's file: load.json, or load-SHARD.json for a shard.
func FileName(shard string) string {
	if shard == "" {
		return "load.json"
	}
	return "load-" + shard + ".json"
}

// Write writes res to path, redacted, scans the file for secrets, prints
// the summary and where the result is, and then holds it to minHeld
// (CheckHeld).
func Write(res *Result, path string, minHeld float64, red *secrets.Redactor, w io.Writer) error {
	res = secrets.Redacted(red, res) // redacted before it is encoded
	b, err := json.Marshal(res)      // compact: thousands of histogram buckets
	if err != nil {
		return err
	}
	if err := reports.WriteFile(path, append(b, '\n')); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if err := secrets.CheckNoLeaks([]string{path}, red); err != nil {
		return err
	}
	WriteSummary(w, res)
	fmt.Fprintf(w, "result: %s\n", path)
	return res.CheckHeld(minHeld)
}

// CheckHeld is an error (exit 1) when fewer than minHeld percent of the
// sessions were held.
func (r *Result) CheckHeld(minHeld float64) error {
	if r.Rates.HeldPercent < minHeld {
		return fmt.Errorf("%d of %s held (%.1f%%), below --min-held-percent %g",
			r.Counters.SessionsHeld, text.Plural(int(r.Counters.SessionsPlanned), "session", "sessions"), r.Rates.HeldPercent, minHeld)
	}
	return nil
}

// MergeFiles reads the results of several load processes and merges them.
// A file that cannot be read or merged is a usage error.
func MergeFiles(files []string) (*Result, error) {
	var results []*Result
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, exitcode.Usagef("load merge: %v", err)
		}
		r, err := Decode(b)
		if err != nil {
			return nil, exitcode.Usagef("load merge %s: %v", f, err)
		}
		results = append(results, r)
	}
	merged, err := Merge(results...)
	if err != nil {
		return nil, exitcode.Usagef("load merge: %v", err)
	}
	return merged, nil
}
