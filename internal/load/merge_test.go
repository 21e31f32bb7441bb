package load

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// latencies are deterministic values spread like real latencies: most a few
// milliseconds, a long tail to seconds.
func latencies(n int) []time.Duration {
	rng := rand.New(rand.NewPCG(11, 7))
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(rng.ExpFloat64()*float64(3*time.Millisecond)) + time.Duration(rng.IntN(40))*time.Microsecond
		if i%97 == 0 {
			out[i] = time.Duration(rng.IntN(4000)) * time.Millisecond
		}
	}
	return out
}

// fakeResult is a result as Run would fill it, with the values given.
func fakeResult(start time.Time, secs int, values []time.Duration, c Counters, failures map[string]int64) *Result {
	r := newResult()
	r.Targets = []string{"127.0.0.1:1"}
	r.Config = Config{Pace: Realtime, Auth: Header, ChunkMS: 100, CommitEvery: 5, Duration: 10}
	r.Start, r.End = start, start.Add(time.Duration(secs)*time.Second)
	for _, v := range values {
		r.Histograms[HistCommit].Record(v)
		r.Histograms[HistUpgrade].Record(v / 3)
	}
	r.Counters = c
	for k, v := range failures {
		r.Failures[k] = v
	}
	r.derive()
	return r
}

// Two shards merged give exactly the percentiles of one run that recorded
// every value, also after a trip through JSON.
func TestMergeEqualsTheCombinedRun(t *testing.T) {
	t.Parallel()
	vals := latencies(20000)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a := fakeResult(t0, 10, vals[:7000], Counters{SessionsPlanned: 70, SessionsOpened: 70, SessionsHeld: 69, SessionsFailed: 1, FramesSent: 7000, AudioMS: 700000, Commits: 140, CommittedTranscripts: 140}, map[string]int64{"closed-early": 1})
	b := fakeResult(t0.Add(2*time.Second), 10, vals[7000:], Counters{SessionsPlanned: 130, SessionsOpened: 129, SessionsHeld: 128, SessionsFailed: 2, FramesSent: 13000, AudioMS: 1300000, Commits: 260, CommittedTranscripts: 259, CommitsUnanswered: 1}, map[string]int64{"closed-early": 1, "dial-refused": 1})
	all := fakeResult(t0, 12, vals, Counters{}, nil)

	for _, via := range []string{"memory", "json"} {
		t.Run(via, func(t *testing.T) {
			x, y := a, b
			if via == "json" {
				x, y = roundTrip(t, a), roundTrip(t, b)
			}
			m, err := Merge(x, y)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{HistCommit, HistUpgrade} {
				got, want := m.Histograms[name], all.Histograms[name]
				if !got.Equal(want) {
					t.Errorf("%s: merged buckets differ from the combined run's", name)
				}
				if gs, ws := got.Stats(), want.Stats(); gs != ws {
					t.Errorf("%s: merged %+v, combined %+v", name, gs, ws)
				}
				for q := 0.0; q <= 100; q += 0.1 {
					if g, w := got.h.ValueAtPercentile(q), want.h.ValueAtPercentile(q); g != w {
						t.Fatalf("%s p%.1f: merged %d µs, combined %d µs", name, q, g, w)
					}
				}
			}
			if st := m.Histograms[HistCommit].Stats(); st.Count != 20000 || st.P50 <= 0 || st.P99 <= st.P50 || st.Max < st.P999 {
				t.Errorf("implausible merged commit figures: %+v", st)
			}
			c := m.Counters
			if c.SessionsPlanned != 200 || c.SessionsHeld != 197 || c.SessionsFailed != 3 || c.FramesSent != 20000 || c.AudioMS != 2000000 || c.CommitsUnanswered != 1 {
				t.Errorf("counters %+v", c)
			}
			if m.Failures["closed-early"] != 2 || m.Failures["dial-refused"] != 1 {
				t.Errorf("failures %v", m.Failures)
			}
			if m.Runs != 2 || m.Rates.WallSecs != 12 || m.Rates.FramesPerSec != 20000.0/12 || m.Rates.AudioSecsPerSec != 2000.0/12 || m.Rates.HeldPercent != 98.5 {
				t.Errorf("runs %d, rates %+v (want 12 s wall, 1666.7 frames/s, 166.7 audio-s/s, 98.5%% held)", m.Runs, m.Rates)
			}
		})
	}
}

func roundTrip(t *testing.T, r *Result) *Result {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	return back
}

// A result survives JSON whole: counters, maps, buckets and the figures
// derived from them, which are in the JSON for people too.
func TestResultJSONRoundTrip(t *testing.T) {
	t.Parallel()
	r := fakeResult(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), 10, latencies(500),
		Counters{SessionsPlanned: 5, SessionsHeld: 4, SessionsFailed: 1, FramesSent: 500, AudioMS: 50000}, map[string]int64{"http-401": 1})
	r.ErrorFrames["auth_error"] = 1
	r.Examples["http-401"] = "dial: 401"
	r.Shards = []string{"0"}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	back := roundTrip(t, r)
	if back.Counters != r.Counters || back.Rates != r.Rates || back.Config != r.Config || !back.Start.Equal(r.Start) || !back.End.Equal(r.End) {
		t.Errorf("round trip changed the result:\n%+v\n%+v", back, r)
	}
	if back.Failures["http-401"] != 1 || back.ErrorFrames["auth_error"] != 1 || back.Examples["http-401"] != "dial: 401" || back.Shards[0] != "0" {
		t.Errorf("maps lost: %+v", back)
	}
	for _, n := range HistNames {
		if !back.Histograms[n].Equal(r.Histograms[n]) {
			t.Errorf("%s changed", n)
		}
	}
	st := r.Histograms[HistCommit].Stats()
	for _, want := range []string{`"format":"scribecheck-load/1"`, `"p99_us":` + itoa(st.P99), `"significant_figures":3`, `"sessions_held":4`, `"frames_per_sec":50`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
}

func itoa(v int64) string { b, _ := json.Marshal(v); return string(b) }

func TestMergeRefusesWhatDoesNotAddUp(t *testing.T) {
	t.Parallel()
	t0 := time.Now()
	a := fakeResult(t0, 1, latencies(10), Counters{}, nil)
	other := fakeResult(t0, 1, latencies(10), Counters{}, nil)
	other.Config.Pace = Max
	if _, err := Merge(a, other); err == nil || !strings.Contains(err.Error(), "same load") {
		t.Errorf("different pace merged: %v", err)
	}
	if _, err := Merge(); err == nil {
		t.Error("empty merge gave no error")
	}
	b, _ := json.Marshal(a)
	for name, edit := range map[string]func(string) string{
		"geometry": func(s string) string {
			return strings.Replace(s, `"significant_figures":3`, `"significant_figures":2`, 1)
		},
		"format":   func(s string) string { return strings.Replace(s, Format, "other/9", 1) },
		"negative": func(s string) string { return strings.Replace(s, `"buckets":[[`, `"buckets":[[0,-5],[`, 1) },
		"not json": func(s string) string { return s[:len(s)/2] },
	} {
		if _, err := Decode([]byte(edit(string(b)))); err == nil {
			t.Errorf("%s: decoded without an error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}
