package load

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Every histogram has the same geometry, so any two merge bucket by bucket:
// values in microseconds from 1 µs to 10 minutes, three significant figures.
const (
	histLowest  = 1
	histHighest = int64(10 * time.Minute / time.Microsecond)
	histSigFigs = 3
)

// The latencies a run records.
const (
	// HistUpgrade: dial start to the 101 answer.
	HistUpgrade = "upgrade"
	// HistSessionStarted: dial start to the session_started frame.
	HistSessionStarted = "session_started"
	// HistCommit: a commit sent to its committed_transcript.
	HistCommit = "commit"
	// HistMint: POST /v1/single-use-token to its answer (token auth only).
	HistMint = "mint"
)

// HistNames lists the histograms in the order reports show them.
var HistNames = []string{HistUpgrade, HistSessionStarted, HistCommit, HistMint}

// Histogram is a latency distribution in microseconds. It serialises
// losslessly (the HDR snapshot's geometry and its non-zero buckets) beside
// figures derived from it for people to read; decoding ignores the derived
// figures and rebuilds them from the buckets.
type Histogram struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram
}

func newHistogram() *Histogram {
	return &Histogram{h: hdrhistogram.New(histLowest, histHighest, histSigFigs)}
}

// Record adds one latency; values past the histogram's range count as its
// highest value rather than being lost.
func (h *Histogram) Record(d time.Duration) {
	us := min(max(d.Microseconds(), 0), histHighest)
	h.mu.Lock()
	_ = h.h.RecordValue(us) // in range by the clamp above
	h.mu.Unlock()
}

// Stats are a histogram's figures, in microseconds.
type Stats struct {
	Count int64   `json:"count"`
	P50   int64   `json:"p50_us"`
	P90   int64   `json:"p90_us"`
	P99   int64   `json:"p99_us"`
	P999  int64   `json:"p999_us"`
	Max   int64   `json:"max_us"`
	Mean  float64 `json:"mean_us"`
}

// Stats derives the figures from the buckets.
func (h *Histogram) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.h.TotalCount() == 0 {
		return Stats{}
	}
	return Stats{Count: h.h.TotalCount(), P50: h.h.ValueAtPercentile(50), P90: h.h.ValueAtPercentile(90),
		P99: h.h.ValueAtPercentile(99), P999: h.h.ValueAtPercentile(99.9), Max: h.h.Max(), Mean: h.h.Mean()}
}

// merge adds other's buckets to h; the geometries are equal by decoding.
func (h *Histogram) merge(other *Histogram) error {
	other.mu.Lock()
	snap := other.h.Export()
	other.mu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	if dropped := h.h.Merge(hdrhistogram.Import(snap)); dropped != 0 {
		return fmt.Errorf("merging histograms dropped %d values", dropped)
	}
	return nil
}

// Equal reports whether two histograms hold the same buckets.
func (h *Histogram) Equal(other *Histogram) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	other.mu.Lock()
	defer other.mu.Unlock()
	return h.h.Equals(other.h)
}

// histJSON is the wire form: the snapshot's geometry, its non-zero buckets as
// [index, count] pairs, and the derived figures.
type histJSON struct {
	Lowest  int64      `json:"lowest_us"`
	Highest int64      `json:"highest_us"`
	SigFigs int64      `json:"significant_figures"`
	Buckets [][2]int64 `json:"buckets"`
	Stats
}

func (h *Histogram) MarshalJSON() ([]byte, error) {
	st := h.Stats()
	h.mu.Lock()
	snap := h.h.Export()
	h.mu.Unlock()
	j := histJSON{Lowest: snap.LowestTrackableValue, Highest: snap.HighestTrackableValue, SigFigs: snap.SignificantFigures,
		Buckets: [][2]int64{}, Stats: st}
	for i, c := range snap.Counts {
		if c != 0 {
			j.Buckets = append(j.Buckets, [2]int64{int64(i), c})
		}
	}
	return json.Marshal(j)
}

func (h *Histogram) UnmarshalJSON(b []byte) error {
	var j histJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.Lowest != histLowest || j.Highest != histHighest || j.SigFigs != histSigFigs {
		return fmt.Errorf("histogram of %d-%d µs at %d significant figures: this scribecheck records %d-%d µs at %d, and only equal geometries merge exactly",
			j.Lowest, j.Highest, j.SigFigs, histLowest, histHighest, histSigFigs)
	}
	snap := &hdrhistogram.Snapshot{LowestTrackableValue: j.Lowest, HighestTrackableValue: j.Highest, SignificantFigures: j.SigFigs}
	for _, p := range j.Buckets {
		idx, c := p[0], p[1]
		if idx < 0 || idx > 1<<20 {
			return fmt.Errorf("histogram bucket index %d is out of range", idx)
		}
		if int(idx) >= len(snap.Counts) {
			snap.Counts = append(snap.Counts, make([]int64, int(idx)+1-len(snap.Counts))...)
		}
		snap.Counts[idx] += c
	}
	if err := snap.Validate(); err != nil {
		return fmt.Errorf("histogram: %v", err)
	}
	h.h = hdrhistogram.Import(snap)
	return nil
}
