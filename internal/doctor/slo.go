package doctor

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/reports"
)

// SLO metrics --slo understands: a probe's timings.
var sloMetrics = probes.Timings

// ParseSLO reads "first_partial=2.5s,commit=800ms".
func ParseSLO(s string) (map[string]time.Duration, error) {
	out := map[string]time.Duration{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("--slo %q: write metric=duration, e.g. first_partial=2.5s", part)
		}
		if !contains(sloMetrics, k) {
			return nil, fmt.Errorf("--slo metric %q: choose from %s", k, strings.Join(sloMetrics, ", "))
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("--slo %s=%q: not a positive duration like 800ms or 2.5s", k, v)
		}
		out[k] = d
	}
	return out, nil
}

// metricOf is the percentiles of the time probes.Timings names metric (the
// reports' LatencyStats holds one Percentiles per probes.Latency time).
func metricOf(l reports.LatencyStats, metric string) *reports.Percentiles {
	switch metric {
	case probes.TimingUpgrade:
		return l.Upgrade
	case probes.TimingSessionStarted:
		return l.SessionStarted
	case probes.TimingFirstPartial:
		return l.FirstPartial
	case probes.TimingCommit:
		return l.Commit
	}
	return nil
}

// checkSLO bounds every path's p95 that was measured.
func checkSLO(slo map[string]time.Duration, paths []reports.PathRow) []reports.SLOResult {
	var out []reports.SLOResult
	metrics := make([]string, 0, len(slo))
	for m := range slo {
		metrics = append(metrics, m)
	}
	sort.Strings(metrics)
	for _, m := range metrics {
		limit := float64(slo[m].Microseconds()) / 1000
		for _, p := range paths {
			if pc := metricOf(p.Latency, m); pc != nil {
				out = append(out, reports.SLOResult{Metric: m, Path: p.Path, Limit: limit, P95: pc.P95, Pass: pc.P95 <= limit})
			}
		}
	}
	return out
}
