package load

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// histTitles are the histograms' names for people.
var histTitles = map[string]string{
	HistUpgrade:        "upgrade (dial to 101)",
	HistSessionStarted: "session_started (dial to frame)",
	HistCommit:         "commit to committed_transcript",
	HistMint:           "token mint",
}

// WriteSummary prints the result as a table for people: sessions,
// throughput, latency percentiles in milliseconds, errors and failures.
func WriteSummary(w io.Writer, r *Result) {
	c := r.Counters
	runs := ""
	if r.Runs > 1 {
		runs = fmt.Sprintf(", %d runs merged", r.Runs)
	}
	fmt.Fprintf(w, "Load on %s: %s pace, %d ms chunks, %s auth, %g s duration after a %g s ramp%s",
		strings.Join(r.Targets, ", "), r.Config.Pace, r.Config.ChunkMS, r.Config.Auth, r.Config.Duration, r.Config.Ramp, runs)
	if r.Interrupted {
		fmt.Fprint(w, " (interrupted)")
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "sessions    %d planned, %d started, %d held (%.1f%%), %d failed\n",
		c.SessionsPlanned, c.SessionsOpened, c.SessionsHeld, r.Rates.HeldPercent, c.SessionsFailed)
	fmt.Fprintf(w, "throughput  %d frames (%.1f/s), %.1f s of audio (%.2f audio-s/s) over %.1f s\n",
		c.FramesSent, r.Rates.FramesPerSec, r.AudioSeconds(), r.Rates.AudioSecsPerSec, r.Rates.WallSecs)
	fmt.Fprintf(w, "commits     %d sent, %d committed_transcript, %d unanswered; %d partial_transcript\n",
		c.Commits, c.CommittedTranscripts, c.CommitsUnanswered, c.PartialTranscripts)
	fmt.Fprintf(w, "%-34s %7s %9s %9s %9s %9s %9s\n", "latency (ms)", "count", "p50", "p90", "p99", "p99.9", "max")
	for _, name := range HistNames {
		h := r.Histograms[name]
		if h == nil {
			continue
		}
		st := h.Stats()
		if st.Count == 0 && name == HistMint {
			continue
		}
		fmt.Fprintf(w, "  %-32s %7d %9s %9s %9s %9s %9s\n", histTitles[name], st.Count, ms(st.P50), ms(st.P90), ms(st.P99), ms(st.P999), ms(st.Max))
	}
	fmt.Fprintf(w, "error frames  %s\n", counts(r.ErrorFrames))
	fmt.Fprintf(w, "failures      %s\n", counts(r.Failures))
	for _, k := range slices.Sorted(maps.Keys(r.Examples)) {
		fmt.Fprintf(w, "  %s: %s\n", k, r.Examples[k])
	}
}

func ms(us int64) string { return fmt.Sprintf("%.1f", float64(us)/1000) }

// counts lists a count map as "a 3, b 1", largest first.
func counts(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	keys := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(keys, func(a, b string) int { return cmp.Compare(m[b], m[a]) })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
