package load

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"
	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// dialTimeout bounds a mint and an upgrade each: long enough for a SYN the
// listener dropped under a burst of dials to be sent again (1, 2, 4, 8 s).
const dialTimeout = 30 * time.Second

// session is one socket: this goroutine writes, one reader goroutine reads.
// mu guards what both touch.
type session struct {
	e         *engine
	conn      *websocket.Conn
	dialStart time.Time
	started   chan struct{}   // closed on session_started
	dead      chan struct{}   // closed on the session's first failure
	answered  chan struct{}   // a committed_transcript came (buffered 1)
	slot      int             // its launch index: the pacer's phase it sends on
	end       <-chan struct{} // closed at its end (sessionEnd), or when the run is interrupted

	mu      sync.Mutex
	commits []time.Time // sent and unanswered, in order
	failed  bool
	ending  bool // the duration is over: a close is ours
}

// session runs one session from dial to close and counts it held or failed.
func (e *engine) session(dialCtx, ioCtx context.Context, slot int, startAt time.Time) {
	endCtx, cancel := context.WithDeadline(e.ended, e.sessionEnd(startAt))
	defer cancel()
	s := &session{e: e, slot: slot, end: endCtx.Done(), started: make(chan struct{}), dead: make(chan struct{}), answered: make(chan struct{}, 1)}
	if !s.dial(dialCtx) {
		return
	}
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		s.read(ioCtx)
	}()
	s.stream(ioCtx)
	s.finish(ioCtx, readerDone)
}

// sessionEnd is when a session that started at startAt ends: held Ramp +
// Duration, every session as long, so their ends are spread over the ramp as
// their starts are, and all are open together for Duration. Ending them all
// at one instant made each commit what was left at once: at 1,000 sessions
// a burst of about 700 commits that the server answered one after another,
// the whole of the run's p99 commit latency (50-80 ms against 5 ms without
// those commits).
func (e *engine) sessionEnd(startAt time.Time) time.Time {
	return startAt.Add(e.o.Ramp + e.o.Duration)
}

// dial mints a token when the run uses tokens, then upgrades; a failure is
// counted and reported false.
func (s *session) dial(ctx context.Context) bool {
	e := s.e
	u := e.wsURL
	opts := &websocket.DialOptions{HTTPClient: e.o.HTTPClient}
	if e.o.Auth == Token {
		mctx, cancel := context.WithTimeout(ctx, dialTimeout)
		m := probes.MintToken(mctx, e.o.HTTPClient, e.o.BaseURL, e.o.APIKey, protocol.TokenRealtimeScribe, e.o.Redactor)
		cancel()
		if m.Status != 0 {
			e.res.Histograms[HistMint].Record(m.Took)
		}
		if !m.OK() {
			kind := "mint-failed"
			if m.Status != 0 {
				kind = "mint-http-" + strconv.Itoa(m.Status)
			}
			s.failOnce(kind, m.Describe())
			return false
		}
		u += "&" + protocol.TokenParam + "=" + m.Token
	} else {
		opts.HTTPHeader = http.Header{protocol.APIKeyHeader: []string{e.o.APIKey}}
	}
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	s.dialStart = time.Now()
	conn, resp, err := websocket.Dial(dctx, u, opts)
	if err != nil {
		s.failOnce(dialFailure(resp, err), "dial: "+err.Error())
		return false
	}
	e.res.Histograms[HistUpgrade].Record(time.Since(s.dialStart))
	conn.SetReadLimit(1 << 20)
	s.conn = conn
	return true
}

// dialFailure names why an upgrade failed.
func dialFailure(resp *http.Response, err error) string {
	switch {
	case resp != nil && resp.StatusCode != http.StatusSwitchingProtocols:
		return "http-" + strconv.Itoa(resp.StatusCode)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "dial-refused"
	case errors.Is(err, context.DeadlineExceeded):
		return "dial-timeout"
	}
	return "dial-failed"
}

// read is the session's one reader: it times session_started and each
// commit's transcript, counts frames, and fails the session on an error
// frame or a close it did not ask for.
func (s *session) read(ctx context.Context) {
	e := s.e
	for {
		_, data, err := s.conn.Read(ctx)
		if err != nil {
			s.mu.Lock()
			ending := s.ending
			s.mu.Unlock()
			switch {
			case ending:
			case websocket.CloseStatus(err) != -1:
				var ce websocket.CloseError
				errors.As(err, &ce)
				s.failOnce("closed-early", fmt.Sprintf("the server closed with %d %q before the end of the run", ce.Code, ce.Reason))
			default:
				s.failOnce("connection-lost", "reading: "+err.Error())
			}
			return
		}
		switch mt := gjson.GetBytes(data, protocol.MessageTypeField).Str; mt {
		case protocol.SessionStarted:
			select {
			case <-s.started:
			default:
				e.res.Histograms[HistSessionStarted].Record(time.Since(s.dialStart))
				e.opened.Add(1)
				close(s.started)
			}
		case protocol.CommittedTranscript:
			s.mu.Lock()
			if len(s.commits) > 0 {
				e.res.Histograms[HistCommit].Record(time.Since(s.commits[0]))
				s.commits = s.commits[1:]
			}
			s.mu.Unlock()
			e.transcripts.Add(1)
			select {
			case s.answered <- struct{}{}:
			default:
			}
		case protocol.PartialTranscript:
			e.partials.Add(1)
		default:
			if protocol.IsError(mt) {
				e.errorFrame(mt)
				s.mu.Lock()
				ending := s.ending
				s.mu.Unlock()
				if !ending {
					s.failOnce(mt, mt+": "+gjson.GetBytes(data, "error").String())
				}
			}
		}
	}
}

// failOnce fails the session under its first cause; later causes are
// consequences (a write after the server closed).
func (s *session) failOnce(kind, msg string) {
	s.mu.Lock()
	first := !s.failed
	s.failed = true
	s.mu.Unlock()
	if first {
		s.e.fail(kind, msg)
		close(s.dead)
	}
}

// stream waits for session_started, then sends the fixture's chunks at the
// run's pace with a commit every so often, until the duration is over or
// the session fails.
func (s *session) stream(ctx context.Context) {
	e := s.e
	t := time.NewTimer(e.o.StartTimeout)
	select {
	case <-s.started:
		t.Stop()
	case <-t.C:
		s.failOnce("no-session-started", fmt.Sprintf("no session_started within %v of the upgrade", e.o.StartTimeout))
		return
	case <-s.dead:
		t.Stop()
		return
	case <-s.end:
		t.Stop()
		s.failOnce("no-session-started", "no session_started before the end of the run")
		return
	}
	chunk := time.Duration(e.o.ChunkMS) * time.Millisecond
	begin := time.Now()
	sent, sinceCommit := 0, 0
	for {
		// At real-time pace a session sends what is due by the wall clock
		// since it began (catching up after a slow write), then waits for
		// its slot's tick; at max pace it just sends on.
		var tick <-chan struct{}
		due := sent + 1
		if e.pacer != nil {
			tick = e.pacer.next(s.slot)
			due = int(time.Since(begin)/chunk) + 1
		}
		for sent < due {
			if !s.write(ctx, e.fr.audio[sent%len(e.fr.audio)]) {
				return
			}
			sent++
			sinceCommit++
			if sinceCommit == e.commit {
				if !s.sendCommit(ctx) {
					return
				}
				sinceCommit = 0
			}
			select {
			case <-s.end:
				s.last(ctx, sinceCommit)
				return
			case <-s.dead:
				return
			default:
			}
		}
		if tick == nil {
			continue
		}
		select {
		case <-tick:
		case <-s.end:
			s.last(ctx, sinceCommit)
			return
		case <-s.dead:
			return
		}
	}
}

// last marks the session's end and commits the audio not yet committed, if
// there is enough of it for the server to accept a commit.
func (s *session) last(ctx context.Context, sinceCommit int) {
	s.mu.Lock()
	s.ending = true
	s.mu.Unlock()
	if float64(sinceCommit*s.e.o.ChunkMS)/1000 >= protocol.MinCommitSeconds {
		s.sendCommit(ctx)
	}
}

// sendCommit queues the commit's time before writing it, so its transcript
// always finds it.
func (s *session) sendCommit(ctx context.Context) bool {
	s.mu.Lock()
	s.commits = append(s.commits, time.Now())
	s.mu.Unlock()
	if !s.write(ctx, s.e.fr.commit) {
		return false
	}
	s.e.commits.Add(1)
	return true
}

func (s *session) write(ctx context.Context, frame []byte) bool {
	if err := s.conn.Write(ctx, websocket.MessageText, frame); err != nil {
		s.writeFailed(err)
		return false
	}
	s.e.framesSent.Add(1)
	return true
}

// writeFailed fails the session; a write usually fails because the server
// closed, and the reader then names the cause better, so it gets a moment.
func (s *session) writeFailed(err error) {
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case <-s.dead:
	case <-t.C:
	}
	s.failOnce("write-failed", "writing: "+err.Error())
}

// finish waits (bounded) for the transcripts of the commits sent, closes
// with 1000 and counts the session held or failed.
func (s *session) finish(ctx context.Context, readerDone chan struct{}) {
	e := s.e
	s.mu.Lock()
	s.ending = true
	s.mu.Unlock()
	t := time.NewTimer(e.o.Drain)
	defer t.Stop()
drain:
	for s.pending() > 0 {
		select {
		case <-s.answered:
		case <-s.dead:
			break drain
		case <-t.C:
			break drain
		case <-readerDone:
			break drain
		}
	}
	_ = s.conn.Close(websocket.StatusNormalClosure, "")
	<-readerDone
	e.unanswered.Add(int64(s.pending()))
	s.mu.Lock()
	failed := s.failed
	s.mu.Unlock()
	if !failed {
		e.held.Add(1)
	}
}

func (s *session) pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.commits)
}
