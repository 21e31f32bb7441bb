package load

import (
	"context"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scribecheck/scribecheck/probes"
)

// engine is one Run: the shared frames, pacer and counters every session
// writes to.
type engine struct {
	o     Options
	fr    *frames
	wsURL string
	pacer *pacer
	// ended is done when the run is over, or interrupted: every session
	// ends by then (a session's own end, session.end, is earlier).
	ended  context.Context
	end    context.CancelFunc
	start  time.Time
	commit int // audio chunks between commits

	// Live counters, read by the progress line.
	planned, opened, held, failed  atomic.Int64
	framesSent                     atomic.Int64
	commits, transcripts, partials atomic.Int64
	unanswered                     atomic.Int64
	mu                             sync.Mutex // guards res's maps
	res                            *Result
}

// Run opens opts.Sessions sessions against opts.BaseURL, streams the speech
// fixture on each until opts.Duration is over (after the ramp), commits every
// opts.CommitEvery of audio, then commits what is left and closes each with
// 1000. The error is for options that cannot run; what went wrong with
// sessions is in the result. Cancelling ctx ends the run early, and the
// result says so (Interrupted).
func Run(ctx context.Context, opts Options) (*Result, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	fr := newFrames(o.ChunkMS)
	o.Redactor.Add(o.APIKey)
	e := &engine{o: o, fr: fr, wsURL: probes.Target{BaseURL: o.BaseURL}.SocketURL(socketQuery()), commit: o.commitChunks(), res: newResult()}
	e.ended, e.end = context.WithCancel(context.Background())
	defer e.end()
	target := o.Target
	if target == "" {
		u, _ := url.Parse(o.BaseURL)
		target = u.Host
	}
	e.res.Targets = []string{target}
	if o.Shard != "" {
		e.res.Shards = []string{o.Shard}
	}
	e.res.Config = Config{Pace: o.Pace, Auth: o.Auth, ChunkMS: o.ChunkMS, CommitEvery: o.CommitEvery.Seconds(),
		Duration: o.Duration.Seconds(), Ramp: o.Ramp.Seconds()}

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	start := time.Now()
	e.res.Start = start
	var bg sync.WaitGroup
	if o.Pace == Realtime {
		e.pacer = newPacer(time.Duration(o.ChunkMS) * time.Millisecond)
		bg.Go(func() { e.pacer.run(runCtx) })
	}
	var prog *progress
	if o.Progress != nil {
		prog = newProgress(o.Progress, e, start)
		bg.Go(func() { prog.run(runCtx) })
	}

	var sessions sync.WaitGroup
	interrupted := e.launch(ctx, runCtx, start, &sessions)
	if !interrupted { // until the last session's end (sessionEnd)
		t := time.NewTimer(time.Until(start.Add(2*o.Ramp + o.Duration)))
		select {
		case <-t.C:
		case <-ctx.Done():
			interrupted = true
		}
		t.Stop()
	}
	e.end()
	sessions.Wait()
	cancel()
	bg.Wait()
	if prog != nil {
		prog.final()
	}

	r := e.res
	r.End = time.Now()
	r.Interrupted = interrupted
	r.Counters = Counters{SessionsPlanned: e.planned.Load(), SessionsOpened: e.opened.Load(), SessionsHeld: e.held.Load(),
		SessionsFailed: e.failed.Load(), FramesSent: e.framesSent.Load(), AudioMS: e.audioMS(), Commits: e.commits.Load(),
		CommittedTranscripts: e.transcripts.Load(), PartialTranscripts: e.partials.Load(), CommitsUnanswered: e.unanswered.Load()}
	r.derive()
	return r, nil
}

// launch starts the sessions, spread over the ramp; it reports whether ctx
// ended the run first. Sessions never started are failed as interrupted.
// Sessions dial under ctx (Ctrl-C stops a dial) and read and write under
// runCtx, which outlives them, so an interrupted run still commits and
// closes each open session cleanly.
func (e *engine) launch(ctx, runCtx context.Context, start time.Time, wg *sync.WaitGroup) (interrupted bool) {
	n := e.o.Sessions
	for i := range n {
		at := start.Add(time.Duration(int64(e.o.Ramp) * int64(i) / int64(n)))
		if d := time.Until(at); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				interrupted = true
			}
		} else if ctx.Err() != nil {
			interrupted = true
		}
		if interrupted {
			left := int64(n - i)
			e.planned.Add(left)
			e.failed.Add(left)
			e.mu.Lock()
			e.res.Failures["interrupted"] += left
			e.mu.Unlock()
			return true
		}
		e.planned.Add(1)
		wg.Go(func() { e.session(ctx, runCtx, i, at) })
	}
	return false
}

// fail counts a failed session under its first cause, keeping the first
// message of each kind (secrets redacted).
func (e *engine) fail(kind, msg string) {
	e.failed.Add(1)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.res.Failures[kind]++
	if _, ok := e.res.Examples[kind]; !ok {
		e.res.Examples[kind] = e.o.Redactor.Redact(msg)
	}
}

// errorFrame counts an error frame by its message_type.
func (e *engine) errorFrame(typ string) {
	e.mu.Lock()
	e.res.ErrorFrames[typ]++
	e.mu.Unlock()
}

// audioMS is the audio sent: every frame but a commit carries one chunk (a
// commit is counted after its frame, so a progress line read between the two
// may count one chunk more).
func (e *engine) audioMS() int64 {
	return (e.framesSent.Load() - e.commits.Load()) * int64(e.o.ChunkMS)
}

// pacer is one ticker for every real-time session, in phases: the chunk
// period is cut into slots, each tick closes one slot's channel (the
// sessions waiting on it send) and makes its next, so thousands of sessions
// share one timer instead of one each. The slots spread the sessions' sends
// over the period as real clients, started at different moments, spread
// them: with one slot every session sent its chunk at the same instant, and
// a commit waited behind that whole burst in the server (at 2,000 sessions
// a burst of 2,000 frames each 100 ms).
type pacer struct {
	period time.Duration // of one slot
	mu     sync.Mutex
	ticks  []chan struct{}
	at     int // the slot the next tick closes
}

// slotMin is the shortest slot: finer phases would cost more ticks than
// they spread.
const slotMin = 5 * time.Millisecond

func newPacer(every time.Duration) *pacer {
	n := max(1, min(10, int(every/slotMin)))
	p := &pacer{period: every / time.Duration(n), ticks: make([]chan struct{}, n)}
	for i := range p.ticks {
		p.ticks[i] = make(chan struct{})
	}
	return p
}

// next is closed at the next tick of session i's slot.
func (p *pacer) next(i int) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ticks[i%len(p.ticks)]
}

func (p *pacer) run(ctx context.Context) { ticking(ctx, p.period, p.tick) }

// tick releases the sessions of the next slot.
func (p *pacer) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.ticks[p.at])
	p.ticks[p.at] = make(chan struct{})
	p.at = (p.at + 1) % len(p.ticks)
}

// ticking calls tick once a period until ctx is done: the pacer's loop and
// the progress line's.
func ticking(ctx context.Context, period time.Duration, tick func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			tick()
		case <-ctx.Done():
			return
		}
	}
}
