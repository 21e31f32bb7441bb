package bench

import (
	"fmt"
	"io"
	"runtime"
	"strings"
)

// Aims are the figures the fake should reach (issues 11 and 23); the
// ingest ratio has a stretch beyond its aim.
const (
	AimIngestRatio     = 0.6
	StretchIngestRatio = 0.7
	AimSessions        = 2000
	AimIdleBytes       = 64 << 10
)

// Print writes the figures as the table docs/load.md carries, each beside its
// aim.
func Print(w io.Writer, f *Figures) {
	fmt.Fprintf(w, "scribecheck bench: %s/%s, %d CPUs\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Fprintln(w, "| figure | measured | aim | |")
	fmt.Fprintln(w, "|---|---|---|---|")
	in := f.Ingest
	row(w, fmt.Sprintf("frames ingested/s, fake (%d sessions, max pace, 100 ms chunks)", in.Sessions),
		fmt.Sprintf("%.0f (median of %s)", in.FakeMedian, list(in.FakePerSec)), "", "")
	row(w, "frames ingested/s, bare coder/websocket sink, same client",
		fmt.Sprintf("%.0f (median of %s)", in.SinkMedian, list(in.SinkPerSec)), "", "")
	row(w, "fake / sink", fmt.Sprintf("%.2f", in.Ratio), fmt.Sprintf("≥ %.1f (stretch %.1f)", AimIngestRatio, StretchIngestRatio), mark(in.Ratio >= AimIngestRatio))
	row(w, "CPU of the server process while ingesting (cores)", fmt.Sprintf("fake %.2f, sink %.2f", in.FakeCPUPerSec, in.SinkCPUPerSec), "", "")
	c, sat := f.Capacity, f.Saturated
	row(w, fmt.Sprintf("commit→committed_transcript at max pace (%d sessions, a commit per 5 s of audio)", sat.MaxPaceSessions),
		fmt.Sprintf("p50 %.0f ms, p99 %.0f ms", sat.MaxPaceP50Ms, sat.MaxPaceP99Ms), "behind its own audio only", "")
	row(w, fmt.Sprintf("commit→committed_transcript of %d real-time sessions beside them (%.0f s)", sat.BesideSessions, sat.Seconds),
		fmt.Sprintf("p50 %.1f ms, p99 %.1f ms%s", sat.BesideP50Ms, sat.BesideP99Ms, failures(sat.Errors)),
		fmt.Sprintf("p99 < %.0f ms", c.AimP99Millis), mark(sat.Errors == "" && sat.BesideP99Ms < c.AimP99Millis))
	row(w, fmt.Sprintf("real-time sessions held, p99 commit→committed_transcript < %.0f ms", c.AimP99Millis),
		fmt.Sprintf("%d (%s)", c.Held, ladder(c.Levels)), fmt.Sprintf("≥ %d", AimSessions), mark(c.Held >= AimSessions))
	m := f.Memory
	row(w, fmt.Sprintf("memory per idle session (fake RSS, %d sessions)", m.IdleSessions), kib(m.BytesPerIdle), "< 64 KiB", mark(m.BytesPerIdle < AimIdleBytes))
	if m.StreamSessions > 0 {
		row(w, fmt.Sprintf("memory per streaming session (fake RSS, %d sessions)", m.StreamSessions), kib(m.BytesPerStream), "", "")
	}
	row(w, "whole `scribecheck run --target fake`", fmt.Sprintf("%.2f s (median of %s)", f.Run.Median, list(f.Run.Seconds)), "", "")
	if len(c.Levels) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| real-time sessions | held | commit p50 | p99 | max | frames/s | fake CPU (cores) | fake RSS | |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
		for _, l := range c.Levels {
			fmt.Fprintf(w, "| %d | %d | %.1f ms | %.1f ms | %.1f ms | %.0f | %.2f | %.0f MiB | %s |\n", l.Sessions, l.Held,
				l.CommitP50Ms, l.CommitP99Ms, l.CommitMaxMs, l.FramesPerSec, l.FakeCPUPerSec, float64(l.FakeRSSBytes)/(1<<20), metWord(l))
		}
	}
}

// failures puts a load's failures after its figure.
func failures(errs string) string {
	if errs == "" {
		return ""
	}
	return " (" + errs + ")"
}

func row(w io.Writer, what, got, aim, ok string) {
	fmt.Fprintf(w, "| %s | %s | %s | %s |\n", what, got, aim, ok)
}

func mark(ok bool) string {
	if ok {
		return "met"
	}
	return "short"
}

func list(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		if x >= 100 {
			s[i] = fmt.Sprintf("%.0f", x)
		} else {
			s[i] = fmt.Sprintf("%.2f", x)
		}
	}
	return strings.Join(s, ", ")
}

func ladder(ls []Level) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = fmt.Sprintf("%d: p99 %.0f ms", l.Sessions, l.CommitP99Ms)
	}
	return strings.Join(s, "; ")
}
