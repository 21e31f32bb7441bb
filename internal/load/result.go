package load

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Format names the result's JSON layout; Merge refuses others.
const Format = "scribecheck-load/1"

// Result is what one load process, or a merge of several, recorded. It is
// JSON-serialisable; counters and histogram buckets are the data, Rates and
// each histogram's figures are derived from them.
type Result struct {
	Format string `json:"format"`
	// Shards are the labels of the processes this result holds (--shard).
	Shards []string `json:"shards,omitempty"`
	// Runs is how many load processes this result holds.
	Runs int `json:"runs"`
	// Targets are the hosts the sessions went to.
	Targets []string `json:"targets"`
	Config  Config   `json:"config"`
	// Start and End bound the wall window over every run.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Interrupted: a run was stopped (Ctrl-C) before its duration ended.
	Interrupted bool     `json:"interrupted,omitempty"`
	Counters    Counters `json:"counters"`
	// ErrorFrames counts every error frame received, by message_type.
	ErrorFrames map[string]int64 `json:"error_frames"`
	// Failures counts failed sessions by their first cause: dial-refused,
	// dial-failed, http-401, mint-http-401, no-session-started,
	// closed-early, connection-lost, write-failed, or the message_type of an
	// error frame (auth_error, …).
	Failures map[string]int64 `json:"failures"`
	// Examples holds the first message seen for each failure kind, secrets
	// redacted.
	Examples   map[string]string     `json:"examples,omitempty"`
	Histograms map[string]*Histogram `json:"histograms"`
	Rates      Rates                 `json:"rates"`
}

// Config is what every merged run must share.
type Config struct {
	Pace        Pace    `json:"pace"`
	Auth        Auth    `json:"auth"`
	ChunkMS     int     `json:"chunk_ms"`
	CommitEvery float64 `json:"commit_every_secs"`
	Duration    float64 `json:"duration_secs"`
	Ramp        float64 `json:"ramp_secs"`
}

// Counters add up across runs.
type Counters struct {
	// SessionsPlanned = SessionsHeld + SessionsFailed.
	SessionsPlanned int64 `json:"sessions_planned"`
	// SessionsOpened got session_started.
	SessionsOpened int64 `json:"sessions_opened"`
	// SessionsHeld stayed open from session_started to the end of the
	// duration without an error frame or an unexpected close.
	SessionsHeld   int64 `json:"sessions_held"`
	SessionsFailed int64 `json:"sessions_failed"`
	// FramesSent counts input_audio_chunk frames, commits included.
	FramesSent int64 `json:"frames_sent"`
	// AudioMS is the audio sent, in milliseconds.
	AudioMS              int64 `json:"audio_ms_sent"`
	Commits              int64 `json:"commits"`
	CommittedTranscripts int64 `json:"committed_transcripts"`
	PartialTranscripts   int64 `json:"partial_transcripts"`
	// CommitsUnanswered had no committed_transcript when the session ended.
	CommitsUnanswered int64 `json:"commits_unanswered"`
}

func (c *Counters) add(o Counters) {
	c.SessionsPlanned += o.SessionsPlanned
	c.SessionsOpened += o.SessionsOpened
	c.SessionsHeld += o.SessionsHeld
	c.SessionsFailed += o.SessionsFailed
	c.FramesSent += o.FramesSent
	c.AudioMS += o.AudioMS
	c.Commits += o.Commits
	c.CommittedTranscripts += o.CommittedTranscripts
	c.PartialTranscripts += o.PartialTranscripts
	c.CommitsUnanswered += o.CommitsUnanswered
}

// Rates are derived from the counters over the wall window.
type Rates struct {
	WallSecs        float64 `json:"wall_secs"`
	FramesPerSec    float64 `json:"frames_per_sec"`
	AudioSecsPerSec float64 `json:"audio_secs_per_sec"`
	// HeldPercent is SessionsHeld of SessionsPlanned.
	HeldPercent float64 `json:"held_percent"`
}

// derive recomputes Rates from the data.
func (r *Result) derive() {
	wall := r.End.Sub(r.Start).Seconds()
	r.Rates = Rates{WallSecs: wall}
	if wall > 0 {
		r.Rates.FramesPerSec = float64(r.Counters.FramesSent) / wall
		r.Rates.AudioSecsPerSec = float64(r.Counters.AudioMS) / 1000 / wall
	}
	if r.Counters.SessionsPlanned > 0 {
		r.Rates.HeldPercent = 100 * float64(r.Counters.SessionsHeld) / float64(r.Counters.SessionsPlanned)
	}
}

// AudioSeconds is the audio sent, in seconds.
func (r *Result) AudioSeconds() float64 { return float64(r.Counters.AudioMS) / 1000 }

func newResult() *Result {
	r := &Result{Format: Format, Runs: 1, ErrorFrames: map[string]int64{}, Failures: map[string]int64{},
		Examples: map[string]string{}, Histograms: map[string]*Histogram{}}
	for _, n := range HistNames {
		r.Histograms[n] = newHistogram()
	}
	return r
}

// Merge adds results up: counters and error counts sum, histograms merge
// bucket by bucket, the wall window spans them all, and every derived figure
// is recomputed from the merged data, so merging the shards of a run gives
// the percentiles one process recording every session would have given.
// The runs must share their Config (pace, auth, chunk, commit interval,
// duration, ramp): a merge of different experiments would mean nothing.
func Merge(results ...*Result) (*Result, error) {
	if len(results) == 0 {
		return nil, fmt.Errorf("nothing to merge: give at least one result")
	}
	out := newResult()
	out.Runs = 0
	targets := map[string]bool{}
	for i, r := range results {
		if r == nil {
			return nil, fmt.Errorf("result %d is missing", i+1)
		}
		if r.Format != Format {
			return nil, fmt.Errorf("result %d has format %q, not %q: it was not written by this scribecheck load", i+1, r.Format, Format)
		}
		if i == 0 {
			out.Config, out.Start, out.End = r.Config, r.Start, r.End
		} else if r.Config != out.Config {
			return nil, fmt.Errorf("result %d ran with %+v, result 1 with %+v: merge only shards of the same load (same --pace, --auth, --chunk-ms, --commit-every, --duration, --ramp)", i+1, r.Config, out.Config)
		}
		if r.Start.Before(out.Start) {
			out.Start = r.Start
		}
		if r.End.After(out.End) {
			out.End = r.End
		}
		out.Runs += r.Runs
		out.Shards = append(out.Shards, r.Shards...)
		for _, t := range r.Targets {
			targets[t] = true
		}
		out.Interrupted = out.Interrupted || r.Interrupted
		out.Counters.add(r.Counters)
		for k, v := range r.ErrorFrames {
			out.ErrorFrames[k] += v
		}
		for k, v := range r.Failures {
			out.Failures[k] += v
		}
		for k, v := range r.Examples {
			if _, ok := out.Examples[k]; !ok {
				out.Examples[k] = v
			}
		}
		for name, h := range r.Histograms {
			if h == nil || h.h == nil {
				return nil, fmt.Errorf("result %d: histogram %q is empty (null)", i+1, name)
			}
			if out.Histograms[name] == nil {
				out.Histograms[name] = newHistogram()
			}
			if err := out.Histograms[name].merge(h); err != nil {
				return nil, fmt.Errorf("result %d: %s: %v", i+1, name, err)
			}
		}
	}
	out.Targets = slices.Sorted(maps.Keys(targets))
	out.derive()
	return out, nil
}

// Decode reads a result written by Run or Merge; its derived figures are
// recomputed from its data.
func Decode(b []byte) (*Result, error) {
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("not a load result: %v", err)
	}
	if r.Format != Format {
		return nil, fmt.Errorf("format %q, not %q: not a result of scribecheck load", r.Format, Format)
	}
	return Merge(&r)
}
