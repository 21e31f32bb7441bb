package monitor

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/scribecheck/scribecheck/internal/authcause"
	"github.com/scribecheck/scribecheck/internal/doctor"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/reports"
)

// Paths are the auth paths a cycle probes, in order: the two that open a
// session (the xi-api-key header, a token minted moments before on
// ?token=), then two the server must refuse (that token presented again, a
// key it does not know). The header goes first: whether it works is
// evidence for the causes of the others.
var Paths = []probes.AuthPath{probes.PathHeader, probes.PathTokenQuery, probes.PathTokenReused, probes.PathHeaderInvalid}

// DefaultAudioSeconds is the burst of speech each path that opens a session
// streams before its one commit.
const DefaultAudioSeconds = 1.0

// Options say what to watch and how.
type Options struct {
	Target probes.Target
	// Probe tunes the probes (targets.Running.Probe); AudioSeconds is
	// DefaultAudioSeconds when zero. Its Redactor is ignored: each probe
	// gets one of its own (see probe).
	Probe probes.Options
	// Paths are probed every cycle, and are what /probe may run; Paths if nil.
	Paths []probes.AuthPath
	// Interval between cycles (Run); 0 runs none, and only /probe probes.
	Interval time.Duration
	// BudgetAudioSeconds bounds the audio a UTC day streams; 0 is no bound.
	BudgetAudioSeconds float64
	// Log receives a line per cycle and per change of the budget, redacted;
	// discarded if nil.
	Log io.Writer
	// Now is the monitor's clock: the budget's day, the last run's time.
	// time.Now if nil.
	Now func() time.Time
	// Ticker starts the schedule of Run; time.NewTicker's if nil. A test
	// hands in a channel it sends on, or calls Cycle itself.
	Ticker func(time.Duration) (tick <-chan time.Time, stop func())
}

// Monitor probes a target and keeps what it found as metrics.
type Monitor struct {
	o Options
	m *metrics
	// red knows the key alone, for every log line (a probe's own redactor
	// knows its tokens too).
	red *secrets.Redactor
	// probing lets one cycle or /probe run at a time: they share the
	// budget, and each must see its own spending before the next reserves.
	probing sync.Mutex
	logMu   sync.Mutex // one log line at a time

	mu         sync.Mutex // guards what follows
	day        string     // the UTC day spentToday is of
	spentToday float64
	exhausted  bool
	cycles     int
}

// New makes a monitor of o.Target; nothing is probed before Run, Cycle or
// a scrape of /probe.
func New(o Options) *Monitor {
	if o.Probe.AudioSeconds == 0 {
		o.Probe.AudioSeconds = DefaultAudioSeconds
	}
	o.Probe = o.Probe.WithDefaults()
	if o.Paths == nil {
		o.Paths = Paths
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Ticker == nil {
		o.Ticker = func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		}
	}
	mon := &Monitor{o: o, m: newMetrics(o.Paths, o.BudgetAudioSeconds), red: secrets.New()}
	mon.red.Add(o.Target.APIKey)
	mon.rollDay()
	return mon
}

// Run runs a cycle now and then every Interval until ctx ends; with no
// Interval it only waits (Prometheus owns the schedule through /probe).
func (mon *Monitor) Run(ctx context.Context) {
	if mon.o.Interval <= 0 {
		<-ctx.Done()
		return
	}
	tick, stop := mon.o.Ticker(mon.o.Interval)
	defer stop()
	for {
		mon.Cycle(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
	}
}

// Cycle probes every path once and records what they came to, unless the
// cycle could pass the day's budget; it reports whether it probed. A path
// that fails is a result, never an error: the monitor goes on.
func (mon *Monitor) Cycle(ctx context.Context) bool {
	mon.probing.Lock()
	defer mon.probing.Unlock()
	if !mon.reserve(mon.maxAudio(len(mon.o.Paths))) {
		return false
	}
	p := mon.probe(ctx, mon.o.Paths)
	if ctx.Err() != nil {
		return false // cut short by a shutdown: what it saw is not the target's
	}
	mon.m.record(p, mon.o.Now())
	mon.mu.Lock()
	mon.cycles++
	n := mon.cycles
	mon.mu.Unlock()
	mon.logf("cycle %d: %s", n, p.line(mon.todayLine()))
	return true
}

// Plan says what a cycle spends and what the budget allows, in a line.
func (mon *Monitor) Plan() string {
	opens := 0
	var names []string
	for _, p := range mon.o.Paths {
		names = append(names, p.Name)
		if p.Expect == probes.ExpectSession {
			opens++
		}
	}
	a := mon.o.Probe.AudioSeconds
	s := fmt.Sprintf("each cycle probes %s and streams %.1f s of audio (%.1f s on each path that opens a session; at most %.1f s if a path the server should refuse opens one)",
		strings.Join(names, ", "), a*float64(opens), a, mon.maxAudio(len(mon.o.Paths)))
	if mon.o.Interval > 0 {
		perDay := float64(24*time.Hour/mon.o.Interval) * mon.maxAudio(len(mon.o.Paths)) / 60
		s += fmt.Sprintf("; every %s that is at most %.1f audio-minutes a day", mon.o.Interval, perDay)
	}
	if b := mon.o.BudgetAudioSeconds; b > 0 {
		s += fmt.Sprintf("; the budget is %g audio-minutes a UTC day, and probing stops for the day once the next probe could pass it", b/60)
	}
	return s
}

// maxAudio is the most n paths can stream: every decisive socket that
// opens a session streams its burst, whether it should have opened or not.
func (mon *Monitor) maxAudio(n int) float64 { return mon.o.Probe.AudioSeconds * float64(n) }

// pathRun is one path probed, judged.
type pathRun struct {
	path probes.AuthPath
	res  probes.Result
	// ok: the path did what it should (see succeeded).
	ok bool
	// outcome, cause and side are the bounded labels of the cause metric.
	outcome, cause, side string
}

// probed is what one probe of some paths found and spent.
type probed struct {
	runs  []pathRun
	spent reports.Budget
	// up: some path got an HTTP answer (doctor.BelowUpgrade).
	up  bool
	red *secrets.Redactor
}

// probe runs paths against the target with a redactor of their own: it
// knows the key and learns the tokens they mint, so the log lines of this
// probe are redacted, and it is dropped after (a long-lived one would hold
// every token the monitor ever minted).
func (mon *Monitor) probe(ctx context.Context, paths []probes.AuthPath) probed {
	p := probed{red: secrets.New()}
	p.red.Add(mon.o.Target.APIKey)
	opts := mon.o.Probe
	opts.Redactor = p.red
	results := map[string][]probes.Result{}
	headerWorks := false
	for _, path := range paths {
		res := probes.Run(ctx, mon.o.Target, path, opts)
		doctor.Spend(&p.spent, res, opts.AudioSeconds)
		results[path.Name] = []probes.Result{res}
		if path.Name == probes.PathHeader.Name {
			headerWorks = res.Outcome == probes.OutcomeSession
		}
		p.runs = append(p.runs, judge(path, res, authcause.Probed{Redactor: p.red, APIKey: mon.o.Target.APIKey, HeaderWorks: headerWorks}))
	}
	p.up = !doctor.BelowUpgrade(results)
	mon.spend(p)
	return p
}

// succeeded: the path came out as the documented server has it
// (authcause.AsExpected), and one that opens a session also transcribed
// its commit.
func succeeded(p probes.AuthPath, res probes.Result) bool {
	if res.Skip != "" || res.Fault != "" || !authcause.AsExpected(p, res) {
		return false
	}
	return p.Expect != probes.ExpectSession || res.Stages.Committed
}

// judge names what res came to in bounded words: its outcome (probes'
// words), and the cause authcause puts it down to by its Key and side.
func judge(p probes.AuthPath, res probes.Result, pr authcause.Probed) pathRun {
	r := pathRun{path: p, res: res, ok: succeeded(p, res), outcome: string(res.Outcome)}
	switch {
	case res.Skip != "":
		r.outcome = "skipped"
	case res.Fault != "":
		r.outcome = "harness fault"
	}
	if d, ok := authcause.OfProbe(p, res, pr); ok {
		r.cause, r.side = d.Key, d.Side
	}
	return r
}

// line says what a probe found and spent, redacted.
func (p probed) line(today string) string {
	var parts []string
	for _, r := range p.runs {
		s := r.path.Name + " ok"
		if !r.ok {
			why := r.res.Detail
			switch {
			case r.res.Fault != "":
				why = "harness fault: " + r.res.Fault
			case r.res.Precondition != "":
				why = r.res.Precondition
			case r.res.Outcome == probes.OutcomeSession:
				why += ", no committed_transcript"
			}
			s = fmt.Sprintf("%s FAILED (%s", r.path.Name, text.OneLine(p.red.Redact(why), 160))
			if r.cause != "" {
				s += "; cause " + r.cause + ", " + r.side + " side"
			}
			s += ")"
		}
		parts = append(parts, s)
	}
	state := "target up"
	if !p.up {
		state = "target DOWN (no HTTP answer)"
	}
	return fmt.Sprintf("%s; %s; spent %.1f s of audio, %s, %s%s", strings.Join(parts, ", "), state, p.spent.AudioSeconds,
		text.Plural(p.spent.TokensMinted, "token", "tokens"), text.Plural(p.spent.Sessions, "session", "sessions"), today)
}

// logf writes one line to the log, redacted by what knows the key.
func (mon *Monitor) logf(format string, args ...any) {
	mon.logMu.Lock()
	defer mon.logMu.Unlock()
	fmt.Fprintln(mon.o.Log, mon.red.Redact("monitor: "+fmt.Sprintf(format, args...)))
}
