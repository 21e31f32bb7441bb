package load

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/testfake"
)

// run runs a load bounded by a hang detector.
func run(t *testing.T, ctx context.Context, o Options) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	r, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(r)
	t.Logf("%s", b[:min(len(b), 600)])
	if c := r.Counters; c.SessionsHeld+c.SessionsFailed != c.SessionsPlanned || c.SessionsPlanned != int64(o.Sessions) {
		t.Errorf("held %d + failed %d != planned %d (sessions %d)", c.SessionsHeld, c.SessionsFailed, c.SessionsPlanned, o.Sessions)
	}
	return r
}

// runUntil runs a load with no end of its own and interrupts it once a
// progress line says want ("4/4 started"), or says that every session has
// started or failed (then nothing it waits for can come: a server that
// refuses fails the test at once, not at run's hang guard). What a test asks
// of sessions then waits for the sessions, never for a wall-clock duration
// that a busy machine can outrun (a 300 ms run ended before a token
// session's session_started came, in CI).
func runUntil(t *testing.T, o Options, want string) *Result {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	progress := &lines{ch: make(chan string, 100)}
	o.Duration, o.Progress = time.Hour, progress
	go func() {
		for {
			select {
			case line := <-progress.ch:
				if strings.Contains(line, want) || allAccountedFor(line) {
					cancel()
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	r := run(t, ctx, o)
	if !r.Interrupted {
		t.Errorf("the run ended before a progress line said %q", want)
	}
	return r
}

// progressCounts reads "sessions 3/4 started, 1 failed" in a progress line.
var progressCounts = regexp.MustCompile(`sessions (\d+)/(\d+) started, (\d+) failed`)

// allAccountedFor reports whether a progress line counts every session as
// started or failed.
func allAccountedFor(line string) bool {
	m := progressCounts.FindStringSubmatch(line)
	if m == nil {
		return false
	}
	started, _ := strconv.Atoi(m[1])
	planned, _ := strconv.Atoi(m[2])
	failed, _ := strconv.Atoi(m[3])
	return started+failed >= planned
}

// Every session is held and every commit answered, in order, and the
// histograms count one value per event. The sessions that started first
// stream at max pace and take the CPU from the handshakes of the others: on
// a busy machine (three copies of this test at once) a session's
// session_started came after a 400 ms run had ended in 5 of 30 runs, and in
// none of 30 runs of 1 s.
func TestRunHoldsSessionsAtMaxPace(t *testing.T) {
	t.Parallel()
	fake, _ := testfake.Start(t, fakeserver.Options{})
	r := run(t, t.Context(), Options{BaseURL: fake.URL(), APIKey: fake.TestKey(), Sessions: 6, Duration: time.Second,
		Pace: Max, CommitEvery: 500 * time.Millisecond})
	c := r.Counters
	if c.SessionsHeld != 6 || c.SessionsOpened != 6 || len(r.Failures) != 0 || len(r.ErrorFrames) != 0 {
		t.Errorf("held %d, opened %d, failures %v, error frames %v", c.SessionsHeld, c.SessionsOpened, r.Failures, r.ErrorFrames)
	}
	if c.Commits < 6 || c.CommittedTranscripts != c.Commits || c.CommitsUnanswered != 0 {
		t.Errorf("commits %d, transcripts %d, unanswered %d: want every commit answered", c.Commits, c.CommittedTranscripts, c.CommitsUnanswered)
	}
	if c.FramesSent <= c.Commits || c.AudioMS != 100*(c.FramesSent-c.Commits) {
		t.Errorf("frames %d, commits %d, audio %d ms: audio frames carry 100 ms each", c.FramesSent, c.Commits, c.AudioMS)
	}
	for name, want := range map[string]int64{HistUpgrade: 6, HistSessionStarted: 6, HistCommit: c.Commits, HistMint: 0} {
		if got := r.Histograms[name].Stats().Count; got != want {
			t.Errorf("%s histogram counts %d, want %d", name, got, want)
		}
	}
	if st := r.Histograms[HistSessionStarted].Stats(); st.P50 < r.Histograms[HistUpgrade].Stats().P50 {
		t.Errorf("session_started (p50 %d µs) came before the upgrade finished (p50 %d µs)", st.P50, r.Histograms[HistUpgrade].Stats().P50)
	}
	t.Logf("%.0f frames/s, %.1f audio-s/s", r.Rates.FramesPerSec, r.Rates.AudioSecsPerSec)
}

// At real-time pace no session sends audio faster than the wall clock.
func TestRunRealtimePace(t *testing.T) {
	t.Parallel()
	fake, _ := testfake.Start(t, fakeserver.Options{})
	r := run(t, t.Context(), Options{BaseURL: fake.URL(), APIKey: fake.TestKey(), Sessions: 3, Duration: 1200 * time.Millisecond,
		ChunkMS: 50, CommitEvery: 400 * time.Millisecond})
	c := r.Counters
	if c.SessionsHeld != 3 || c.CommittedTranscripts != c.Commits || c.Commits < 3 {
		t.Errorf("held %d, commits %d, transcripts %d", c.SessionsHeld, c.Commits, c.CommittedTranscripts)
	}
	// A session may run one chunk ahead of the wall clock, no more.
	limit := 3 * (r.Rates.WallSecs + 0.05)
	if r.AudioSeconds() > limit || r.AudioSeconds() < 0.5 {
		t.Errorf("sent %.2f s of audio in %.2f s over 3 sessions: want at most %.2f (real time)", r.AudioSeconds(), r.Rates.WallSecs, limit)
	}
}

// Token auth mints one token per session; the tokens never reach the result.
// The run lasts until all four have started (runUntil).
func TestRunWithTokens(t *testing.T) {
	t.Parallel()
	fake, _ := testfake.Start(t, fakeserver.Options{})
	red := secrets.New()
	r := runUntil(t, Options{BaseURL: fake.URL(), APIKey: fake.TestKey(), Sessions: 4, Auth: Token, Redactor: red}, "sessions 4/4 started")
	if r.Counters.SessionsHeld != 4 || r.Histograms[HistMint].Stats().Count != 4 {
		t.Errorf("held %d, mints %d: want 4 and 4", r.Counters.SessionsHeld, r.Histograms[HistMint].Stats().Count)
	}
	tokens := 0
	for _, s := range red.Known() {
		if strings.HasPrefix(s, "sutkn_") {
			tokens++
		}
	}
	if tokens != 4 {
		t.Errorf("the redactor learnt %d tokens, want 4", tokens)
	}
	b, _ := json.Marshal(r)
	if leaks := secrets.ScanText("load.json", string(b), red.Known()); len(leaks) > 0 {
		t.Errorf("leaks: %v", leaks)
	}
}

// Failures are counted by kind: an in-band auth_error, a refused minting,
// a refused connection.
func TestRunCountsFailures(t *testing.T) {
	t.Parallel()
	fake, _ := testfake.Start(t, fakeserver.Options{})
	badKey := "sk_wrong_" + strings.Repeat("ab", 12)
	red := secrets.New()
	r := runUntil(t, Options{BaseURL: fake.URL(), APIKey: badKey, Sessions: 3, Pace: Max, Redactor: red}, "3 failed")
	if r.Failures["auth_error"] != 3 || r.ErrorFrames["auth_error"] != 3 || r.Counters.SessionsHeld != 0 || r.Counters.SessionsOpened != 0 {
		t.Errorf("bad key: failures %v, error frames %v, held %d", r.Failures, r.ErrorFrames, r.Counters.SessionsHeld)
	}
	r = runUntil(t, Options{BaseURL: fake.URL(), APIKey: badKey, Sessions: 2, Pace: Max, Auth: Token, Redactor: red}, "2 failed")
	if r.Failures["mint-http-401"] != 2 || r.Histograms[HistMint].Stats().Count != 2 {
		t.Errorf("bad key minting: failures %v", r.Failures)
	}
	if ex := r.Examples["mint-http-401"]; !strings.Contains(ex, "401") {
		t.Errorf("example %q does not say what the server answered", ex)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	r = runUntil(t, Options{BaseURL: closed, APIKey: badKey, Sessions: 2, Redactor: red}, "2 failed")
	if r.Failures["dial-refused"] != 2 {
		t.Errorf("closed port: failures %v, examples %v", r.Failures, r.Examples)
	}
	b, _ := json.Marshal(r)
	if strings.Contains(string(b), badKey) {
		t.Errorf("the key is in the result: %s", b)
	}
}

// lines hands progress lines to the test as they are written.
type lines struct {
	mu sync.Mutex
	ch chan string
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range strings.Split(strings.TrimSpace(string(p)), "\n") {
		select {
		case l.ch <- s:
		default:
		}
	}
	return len(p), nil
}

// A server that closes sessions mid-run (here the fake's idle timeout, its
// clock jumped past it) fails them as closed-early; the progress line shows
// it while the run goes on, and Ctrl-C (a cancelled context) ends the run
// with the result marked interrupted.
func TestRunSessionsEndedByTheServer(t *testing.T) {
	t.Parallel()
	fake, clock := testfake.Start(t, fakeserver.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	progress := &lines{ch: make(chan string, 100)}
	done := make(chan *Result)
	go func() {
		r, err := Run(ctx, Options{BaseURL: fake.URL(), APIKey: fake.TestKey(), Sessions: 2, Duration: time.Hour, Progress: progress})
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	hang := time.After(time.Minute)
	advanced := false
	for {
		select {
		case line := <-progress.ch:
			t.Log(line)
			if !advanced && strings.Contains(line, "sessions 2/2 started") {
				clock.Advance(time.Minute) // past the idle timeout
				advanced = true
			}
			if strings.Contains(line, "2 failed") {
				cancel()
			}
		case r := <-done:
			if !r.Interrupted || r.Failures["closed-early"] != 2 || r.Counters.SessionsHeld != 0 || !strings.Contains(r.Examples["closed-early"], "1000") {
				t.Errorf("interrupted %v, failures %v, examples %v, held %d", r.Interrupted, r.Failures, r.Examples, r.Counters.SessionsHeld)
			}
			return
		case <-hang:
			t.Fatal("the run did not end within a minute")
		}
	}
}

func TestOptionsAreChecked(t *testing.T) {
	t.Parallel()
	ok := Options{BaseURL: "http://127.0.0.1:1", APIKey: "sk_0123456789", Sessions: 1, Duration: time.Second}
	for name, edit := range map[string]func(*Options){
		"no key":      func(o *Options) { o.APIKey = "" },
		"no sessions": func(o *Options) { o.Sessions = 0 },
		"no duration": func(o *Options) { o.Duration = 0 },
		"pace":        func(o *Options) { o.Pace = "fast" },
		"auth":        func(o *Options) { o.Auth = "bearer" },
		"chunk":       func(o *Options) { o.ChunkMS = 5000 },
		"commit":      func(o *Options) { o.CommitEvery = 100 * time.Millisecond },
		"ws url":      func(o *Options) { o.BaseURL = "ws://127.0.0.1:1" },
		"path":        func(o *Options) { o.BaseURL = "http://127.0.0.1:1/v1" },
		"negative":    func(o *Options) { o.Ramp = -time.Second },
	} {
		o := ok
		edit(&o)
		if _, err := Run(t.Context(), o); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	if err := ok.Validate(); err != nil {
		t.Errorf("good options refused: %v", err)
	}
}

var _ io.Writer = (*lines)(nil)

// The pacer spreads real-time sessions over the chunk period: a tick
// releases one slot's sessions, the next tick the next slot's, and a slot
// comes round again a period later. With one slot, every session sent at the
// same instant and a commit queued behind the whole burst.
func TestPacerSpreadsSessionsOverThePeriod(t *testing.T) {
	p := newPacer(100 * time.Millisecond)
	if len(p.ticks) != 10 || p.period != 10*time.Millisecond {
		t.Fatalf("a 100 ms chunk: %d slots of %v, want 10 of 10ms", len(p.ticks), p.period)
	}
	closed := func(c <-chan struct{}) bool {
		select {
		case <-c:
			return true
		default:
			return false
		}
	}
	s0, s1, s10 := p.next(0), p.next(1), p.next(10)
	if s0 != s10 || s0 == s1 {
		t.Fatal("sessions 0 and 10 should share a slot, 0 and 1 not")
	}
	p.tick()
	if !closed(s0) || closed(s1) {
		t.Fatalf("after one tick: slot 0 released %v, slot 1 released %v; want only slot 0", closed(s0), closed(s1))
	}
	if again := p.next(0); closed(again) {
		t.Fatal("slot 0's next tick is already released")
	}
	p.tick()
	if !closed(s1) {
		t.Fatal("the second tick did not release slot 1")
	}
	if short := newPacer(10 * time.Millisecond); len(short.ticks) != 2 || short.period != 5*time.Millisecond {
		t.Fatalf("a 10 ms chunk: %d slots of %v, want 2 of 5ms (no slot under %v)", len(short.ticks), short.period, slotMin)
	}
}
