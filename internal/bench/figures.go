package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/load"
)

// Config says how hard and how long to measure. The zero value of a field
// takes the default, which is what `make bench` runs.
type Config struct {
	// Exe is the scribecheck binary that serves the fake and the sink and
	// makes the whole run that is timed.
	Exe string
	// IngestSessions stream as fast as they can, IngestFor long, against the
	// fake and then the sink, Rounds times in alternating order.
	IngestSessions int
	IngestFor      time.Duration
	Rounds         int
	// SaturatedFor the IngestSessions stream at max pace again, committing,
	// with BesideSessions real-time sessions beside them on the same fake;
	// the max-pace sessions start SaturatedMargin before them and end
	// SaturatedMargin after them.
	SaturatedFor    time.Duration
	BesideSessions  int
	SaturatedMargin time.Duration
	// Levels of real-time sessions to try, each held LevelFor; the ladder
	// stops at the first level that misses (a session lost, or p99 commit
	// latency at or over CommitP99Aim).
	Levels       []int
	LevelFor     time.Duration
	CommitP99Aim time.Duration
	// IdleSessions are opened to weigh an idle session.
	IdleSessions int
	// Runs of the whole fake-backed `scribecheck run` to time.
	Runs int
	// Progress receives a line per step.
	Progress io.Writer
	// Quick makes every part small and short: it checks that the bench
	// works, and measures nothing worth quoting (`bench --quick`).
	Quick bool
}

func (c Config) withDefaults() Config {
	if c.Quick {
		c.IngestSessions, c.IngestFor, c.Rounds = 4, 250*time.Millisecond, 1
		c.SaturatedFor, c.BesideSessions, c.SaturatedMargin = time.Second, 2, 250*time.Millisecond
		c.Levels, c.LevelFor = []int{10, 20}, time.Second
		c.IdleSessions, c.Runs = 20, 1
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.IngestSessions, 50)
	defd(&c.IngestFor, 5*time.Second)
	def(&c.Rounds, 3)
	defd(&c.SaturatedFor, 10*time.Second)
	def(&c.BesideSessions, 20)
	defd(&c.SaturatedMargin, time.Second)
	if len(c.Levels) == 0 {
		c.Levels = []int{250, 500, 1000, 1500, 2000, 2500, 3000}
	}
	defd(&c.LevelFor, 10*time.Second)
	defd(&c.CommitP99Aim, 50*time.Millisecond)
	def(&c.IdleSessions, 1000)
	def(&c.Runs, 3)
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return c
}

// Figures are what one bench measured.
type Figures struct {
	Ingest    Ingest    `json:"ingest"`
	Saturated Saturated `json:"saturated"`
	Capacity  Capacity  `json:"capacity"`
	Memory    Memory    `json:"memory"`
	Run       Run       `json:"run"`
}

// Ingest is frames per second taken by the fake and by the sink from the
// same client in the same run: each round drives both, in turn.
type Ingest struct {
	Sessions      int       `json:"sessions"`
	SecondsEach   float64   `json:"seconds_each"`
	FakePerSec    []float64 `json:"fake_frames_per_sec"`
	SinkPerSec    []float64 `json:"sink_frames_per_sec"`
	FakeMedian    float64   `json:"fake_median"`
	SinkMedian    float64   `json:"sink_median"`
	Ratio         float64   `json:"ratio"`
	FakeCPUPerSec float64   `json:"fake_cpu_seconds_per_second"`
	SinkCPUPerSec float64   `json:"sink_cpu_seconds_per_second"`
}

// Saturated is how long a commit waits for its committed_transcript on a
// fake that sessions at max pace keep busy: in those sessions, whose commit
// comes after all the audio they queued in the socket before it, and in
// real-time sessions beside them, whose commit nobody else's audio should
// hold up.
type Saturated struct {
	MaxPaceSessions int     `json:"max_pace_sessions"`
	BesideSessions  int     `json:"realtime_sessions"`
	Seconds         float64 `json:"seconds"`
	MaxPaceP50Ms    float64 `json:"max_pace_commit_p50_ms"`
	MaxPaceP99Ms    float64 `json:"max_pace_commit_p99_ms"`
	BesideP50Ms     float64 `json:"realtime_commit_p50_ms"`
	BesideP99Ms     float64 `json:"realtime_commit_p99_ms"`
	// Errors are the failures of either load, if any.
	Errors string `json:"errors,omitempty"`
}

// Capacity is the ladder of real-time session counts tried.
type Capacity struct {
	AimP99Millis float64 `json:"aim_p99_ms"`
	Levels       []Level `json:"levels"`
	// Held is the largest level with every session held and p99 under aim.
	Held int `json:"held"`
}

// Level is one rung: that many real-time sessions, held for the time given.
type Level struct {
	Sessions       int     `json:"sessions"`
	Held           int     `json:"held"`
	CommitP50Ms    float64 `json:"commit_p50_ms"`
	CommitP99Ms    float64 `json:"commit_p99_ms"`
	CommitMaxMs    float64 `json:"commit_max_ms"`
	FramesPerSec   float64 `json:"frames_per_sec"`
	FakeCPUPerSec  float64 `json:"fake_cpu_seconds_per_second"`
	FakeRSSBytes   int64   `json:"fake_rss_bytes"`
	BytesPerStream int64   `json:"bytes_per_streaming_session"`
	Met            bool    `json:"met"`
	Why            string  `json:"why,omitempty"`
}

// Memory is what a session costs the fake's process, from its RSS.
type Memory struct {
	IdleSessions   int   `json:"idle_sessions"`
	BaseRSSBytes   int64 `json:"base_rss_bytes"`
	IdleRSSBytes   int64 `json:"idle_rss_bytes"`
	BytesPerIdle   int64 `json:"bytes_per_idle_session"`
	StreamSessions int   `json:"streaming_sessions"`
	BytesPerStream int64 `json:"bytes_per_streaming_session"`
	StreamRSSBytes int64 `json:"streaming_rss_bytes"`
}

// Run is the wall time of the whole `scribecheck run --target fake`.
type Run struct {
	Seconds []float64 `json:"seconds"`
	Median  float64   `json:"median_seconds"`
}

// Measure runs every part in turn: ingest, capacity, memory, the run.
func Measure(ctx context.Context, cfg Config) (*Figures, error) {
	cfg = cfg.withDefaults()
	var f Figures
	var err error
	if f.Ingest, err = measureIngest(ctx, cfg); err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	if f.Saturated, err = measureSaturated(ctx, cfg); err != nil {
		return nil, fmt.Errorf("saturated: %w", err)
	}
	if f.Capacity, f.Memory, err = measureSessions(ctx, cfg); err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	if f.Run, err = measureRun(ctx, cfg); err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	return &f, nil
}

// startFake starts the fake as its own process; idle sessions stay open.
func startFake(ctx context.Context, cfg Config) (*Server, error) {
	return StartServer(ctx, "fake", cfg.Exe, "fake", "--quiet", "--idle-timeout", "1h")
}

func startSink(ctx context.Context, cfg Config) (*Server, error) {
	return StartServer(ctx, "sink", cfg.Exe, "bench", "sink")
}

func measureIngest(ctx context.Context, cfg Config) (Ingest, error) {
	in := Ingest{Sessions: cfg.IngestSessions, SecondsEach: cfg.IngestFor.Seconds()}
	fake, err := startFake(ctx, cfg)
	if err != nil {
		return in, err
	}
	defer fake.Stop()
	sink, err := startSink(ctx, cfg)
	if err != nil {
		return in, err
	}
	defer sink.Stop()
	// Each server's rounds: frames/s, and its CPU seconds over wall seconds.
	type tally struct {
		perSec    *[]float64
		cpu, wall float64
	}
	tallies := map[*Server]*tally{fake: {perSec: &in.FakePerSec}, sink: {perSec: &in.SinkPerSec}}
	for r := range cfg.Rounds {
		order := []*Server{fake, sink}
		if r%2 == 1 {
			order = []*Server{sink, fake}
		}
		for _, srv := range order {
			cpu0, _ := srv.CPU()
			res, err := drive(ctx, srv, load.Options{Sessions: cfg.IngestSessions, Duration: cfg.IngestFor, Pace: load.Max})
			if err != nil {
				return in, fmt.Errorf("%s: %w", srv.Name, err)
			}
			cpu1, _ := srv.CPU()
			fmt.Fprintf(cfg.Progress, "ingest round %d/%d, %s: %.0f frames/s (%d sessions, %s)\n", r+1, cfg.Rounds, srv.Name, res.framesPerSec, cfg.IngestSessions, cfg.IngestFor)
			t := tallies[srv]
			*t.perSec = append(*t.perSec, res.framesPerSec)
			t.cpu, t.wall = t.cpu+(cpu1-cpu0).Seconds(), t.wall+res.wall.Seconds()
		}
	}
	in.FakeMedian, in.SinkMedian = median(in.FakePerSec), median(in.SinkPerSec)
	if in.SinkMedian > 0 {
		in.Ratio = in.FakeMedian / in.SinkMedian
	}
	if f, k := tallies[fake], tallies[sink]; f.wall > 0 && k.wall > 0 {
		in.FakeCPUPerSec, in.SinkCPUPerSec = f.cpu/f.wall, k.cpu/k.wall
	}
	return in, nil
}

// measureSaturated runs IngestSessions at max pace with a commit every 5 s
// of audio (load's default) on a fresh fake, and inside that run, from
// SaturatedMargin after its start to SaturatedMargin before its end,
// BesideSessions at real-time pace with a commit every second.
func measureSaturated(ctx context.Context, cfg Config) (Saturated, error) {
	sat := Saturated{MaxPaceSessions: cfg.IngestSessions, BesideSessions: cfg.BesideSessions, Seconds: cfg.SaturatedFor.Seconds()}
	fake, err := startFake(ctx, cfg)
	if err != nil {
		return sat, err
	}
	defer fake.Stop()
	var beside driven
	besideErr := make(chan error, 1)
	go func() {
		select {
		case <-time.After(cfg.SaturatedMargin):
		case <-ctx.Done():
		}
		var err error
		beside, err = drive(ctx, fake, load.Options{Sessions: cfg.BesideSessions, Duration: cfg.SaturatedFor, Pace: load.Realtime, CommitEvery: time.Second})
		besideErr <- err
	}()
	flood, err := drive(ctx, fake, load.Options{Sessions: cfg.IngestSessions, Duration: cfg.SaturatedFor + 2*cfg.SaturatedMargin, Pace: load.Max, CommitEvery: load.DefaultCommitEvery})
	if err := errors.Join(err, <-besideErr); err != nil {
		return sat, err
	}
	sat.MaxPaceP50Ms, sat.MaxPaceP99Ms = ms(flood.commitP50), ms(flood.commitP99)
	sat.BesideP50Ms, sat.BesideP99Ms = ms(beside.commitP50), ms(beside.commitP99)
	var errs []string
	for _, e := range []string{flood.errors, beside.errors} {
		if e != "" {
			errs = append(errs, e)
		}
	}
	sat.Errors = strings.Join(errs, "; ")
	fmt.Fprintf(cfg.Progress, "saturated: commit p50 %.0f ms, p99 %.0f ms at max pace (%d sessions); p50 %.1f ms, p99 %.1f ms in %d real-time sessions beside them\n",
		sat.MaxPaceP50Ms, sat.MaxPaceP99Ms, sat.MaxPaceSessions, sat.BesideP50Ms, sat.BesideP99Ms, sat.BesideSessions)
	return sat, nil
}

// measureSessions weighs idle sessions on a fresh fake, then climbs the
// ladder of real-time levels, each on a fake of its own, weighing streaming
// sessions on the way.
func measureSessions(ctx context.Context, cfg Config) (Capacity, Memory, error) {
	capa := Capacity{AimP99Millis: ms(cfg.CommitP99Aim)}
	mem := Memory{IdleSessions: cfg.IdleSessions}
	fake, err := startFake(ctx, cfg)
	if err != nil {
		return capa, mem, err
	}
	defer fake.Stop()
	if mem.BaseRSSBytes, err = settledRSS(fake); err != nil {
		return capa, mem, err
	}
	closeIdle, err := openIdle(ctx, fake.BaseURL, fake.Key, cfg.IdleSessions)
	if err != nil {
		return capa, mem, err
	}
	mem.IdleRSSBytes, err = settledRSS(fake)
	closeIdle()
	if err != nil {
		return capa, mem, err
	}
	mem.BytesPerIdle = (mem.IdleRSSBytes - mem.BaseRSSBytes) / int64(cfg.IdleSessions)
	fmt.Fprintf(cfg.Progress, "memory: %d idle sessions, %s each\n", cfg.IdleSessions, kib(mem.BytesPerIdle))

	for _, n := range cfg.Levels {
		// A fresh fake per level: what the last level left in its heap
		// would count against this one's memory.
		lvl, err := measureLevel(ctx, cfg, n)
		if err != nil {
			return capa, mem, err
		}
		capa.Levels = append(capa.Levels, lvl)
		fmt.Fprintf(cfg.Progress, "capacity: %d real-time sessions: %d held, commit p99 %.1f ms, fake CPU %.2f cores: %s\n",
			n, lvl.Held, lvl.CommitP99Ms, lvl.FakeCPUPerSec, metWord(lvl))
		if !lvl.Met {
			break
		}
		capa.Held = n
		mem.StreamSessions, mem.BytesPerStream = n, lvl.BytesPerStream
		mem.StreamRSSBytes = lvl.FakeRSSBytes
	}
	return capa, mem, nil
}

func measureLevel(ctx context.Context, cfg Config, n int) (Level, error) {
	lvl := Level{Sessions: n}
	fake, err := startFake(ctx, cfg)
	if err != nil {
		return lvl, err
	}
	defer fake.Stop()
	base, err := settledRSS(fake)
	if err != nil {
		return lvl, err
	}
	// Halfway through the hold every session is streaming: weigh them then.
	ramp := time.Duration(n) * time.Second / 500
	peak := make(chan int64, 1)
	go func() {
		select {
		case <-time.After(ramp + cfg.LevelFor/2):
			rss, _ := fake.RSS()
			peak <- rss
		case <-ctx.Done():
			peak <- 0
		}
	}()
	cpu0, _ := fake.CPU()
	res, err := drive(ctx, fake, load.Options{Sessions: n, Duration: cfg.LevelFor, Pace: load.Realtime, Ramp: ramp, CommitEvery: time.Second})
	if err != nil {
		return lvl, err
	}
	cpu1, _ := fake.CPU()
	lvl.FakeRSSBytes = <-peak
	lvl.BytesPerStream = (lvl.FakeRSSBytes - base) / int64(n)
	lvl.Held, lvl.FramesPerSec = res.held, res.framesPerSec
	lvl.CommitP50Ms, lvl.CommitP99Ms, lvl.CommitMaxMs = ms(res.commitP50), ms(res.commitP99), ms(res.commitMax)
	lvl.FakeCPUPerSec = (cpu1 - cpu0).Seconds() / res.wall.Seconds()
	switch {
	case lvl.Held < n:
		lvl.Why = fmt.Sprintf("%d of %d sessions were not held (%s)", n-lvl.Held, n, res.errors)
	case res.commitP99 >= cfg.CommitP99Aim:
		lvl.Why = fmt.Sprintf("p99 commit latency %.1f ms is at or over %.0f ms", ms(res.commitP99), ms(cfg.CommitP99Aim))
	default:
		lvl.Met = true
	}
	return lvl, nil
}

func measureRun(ctx context.Context, cfg Config) (Run, error) {
	var r Run
	for i := range cfg.Runs {
		out, err := os.MkdirTemp("", "scribecheck-bench-run-")
		if err != nil {
			return r, err
		}
		cmd := exec.CommandContext(ctx, cfg.Exe, "run", "--target", "fake", "--out", out)
		start := time.Now()
		outb, err := cmd.CombinedOutput()
		took := time.Since(start)
		_ = os.RemoveAll(out)
		if err != nil {
			return r, fmt.Errorf("scribecheck run --target fake: %w\n%s", err, outb)
		}
		r.Seconds = append(r.Seconds, took.Seconds())
		fmt.Fprintf(cfg.Progress, "run %d/%d: scribecheck run --target fake took %.2f s\n", i+1, cfg.Runs, took.Seconds())
	}
	r.Median = median(r.Seconds)
	return r, nil
}

// settledRSS reads RSS after a moment for the sessions just opened or closed
// to finish their work.
func settledRSS(s *Server) (int64, error) {
	time.Sleep(500 * time.Millisecond)
	return s.RSS()
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func kib(b int64) string { return fmt.Sprintf("%.1f KiB", float64(b)/1024) }

func metWord(l Level) string {
	if l.Met {
		return "met"
	}
	return "missed: " + l.Why
}
