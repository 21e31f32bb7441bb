package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/wirelog"
)

// handleSocket matches the n-th socket with the n-th recorded connection and
// replays it.
func (s *Server) handleSocket(w http.ResponseWriter, r *http.Request) {
	if !s.begin() {
		writeDetail(w, http.StatusServiceUnavailable, "replay_closed", "scribecheck replay: the replay server is closing")
		return
	}
	defer s.wg.Done()
	got := liveCreds(r)
	s.learn(got)
	req := showRequest(r)

	s.mu.Lock()
	s.sockets++
	n := s.sockets
	var c *ConnReport
	if n <= len(s.conns) {
		c = s.conns[n-1]
		c.Socket, c.State, c.Request = n, StateReplaying, req
	}
	s.mu.Unlock()
	if c == nil {
		s.extraSocket(w, r, n, req)
		return
	}
	l := s.rec.Conns[n-1]
	for _, d := range s.handshake(n, l, r, got) {
		s.diverge(c, d)
	}
	p := &player{s: s, c: c, l: l, plan: newPlan(l)}
	answer := p.serve(w, r)
	s.update(func() { c.State = StateDone })

	s.mu.Lock()
	verdict := "as recorded"
	if k := len(c.Divergences) + c.Omitted; k > 0 {
		verdict = fmt.Sprintf("diverged (%d): %s", k, c.Divergences[0].Short())
	}
	done := c.Done
	s.mu.Unlock()
	s.logf("%s (socket %d, %s): %s; %d of %s; %s", c.Conn, n, req, answer, done, text.Plural(len(l.Frames), "frame", "frames"), verdict)
}

// extraSocket answers a socket beyond the recording: upgraded and closed
// with 1008 and a reason a browser can read, or 503 without an upgrade.
func (s *Server) extraSocket(w http.ResponseWriter, r *http.Request, n int, req string) {
	s.mu.Lock()
	c := &ConnReport{Conn: fmt.Sprintf("extra-%d", n-len(s.conns)), Socket: n, State: StateDone, Request: req}
	s.extras = append(s.extras, c)
	recorded := len(s.conns)
	s.mu.Unlock()
	s.diverge(c, Divergence{Kind: KindExtra, Want: fmt.Sprintf("no connection %d (the recording has %d)", n, recorded),
		Got: fmt.Sprintf("socket %d: %s", n, req), Detail: "a connection the recording does not have"})
	reason := fmt.Sprintf("scribecheck replay: the recording has %s; this is connection %d", text.Plural(recorded, "connection", "connections"), n)
	s.logf("%s (socket %d, %s): not in the recording", c.Conn, n, req)
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: []string{"*"}})
	if err != nil {
		return // not an upgrade request: Accept has answered with an HTTP error
	}
	_ = conn.Close(websocket.StatusPolicyViolation, clipBytes(reason, maxCloseReason))
}

// maxCloseReason is the longest close reason a close frame holds.
const maxCloseReason = 123

func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// player replays one recorded connection on one socket.
type player struct {
	s *Server
	c *ConnReport
	l *wirelog.Log

	conn  *websocket.Conn
	in    *inbox
	ctx   context.Context // the connection's life: ends with Server.Close
	wake  context.Context // ends also when the client's reader ends
	prevT float64         // the recorded time of the last record played or received

	plan *plan      // the recorded client audio as a stream
	live liveStream // the client's audio so far

	stall  *stallEpisode // a missing-frame episode not yet reported
	extras *stallEpisode // a run of extra client frames not yet reported
	extra  int           // client frames after the recording's last one
}

// serve answers the handshake as recorded and, if it upgraded, plays the
// frames and the close. It returns how it answered, for the log.
func (p *player) serve(w http.ResponseWriter, r *http.Request) string {
	resp := p.l.Response
	if resp == nil {
		// The recording stopped before the answer: answer with a cut.
		if hj, ok := w.(http.Hijacker); ok {
			if nc, _, err := hj.Hijack(); err == nil {
				_ = nc.Close()
				return "cut before an answer, as recorded"
			}
		}
		writeDetail(w, http.StatusBadGateway, "replay_no_answer", "scribecheck replay: the recording has no answer to this request")
		return "502 (the recording has no answer)"
	}
	if resp.Status != http.StatusSwitchingProtocols {
		// The refusal's body is what the server said (empty in a recording
		// from before the recorders kept it).
		if gjson.Valid(resp.Body) {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(resp.Status)
		_, _ = io.WriteString(w, resp.Body)
		return fmt.Sprintf("%d%s, no upgrade, as recorded", resp.Status, bodyStatus(resp.Body))
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: []string{"*"}})
	if err != nil {
		p.s.diverge(p.c, Divergence{Kind: KindStatus, Want: "101 Switching Protocols (a WebSocket upgrade)",
			Got: "no upgrade: " + err.Error(), Detail: "the request could not be upgraded to a WebSocket"})
		return "no upgrade"
	}
	conn.SetReadLimit(p.s.opts.ReadLimit)
	ctx, cancel := context.WithCancel(p.s.ctx)
	defer cancel()
	wake, wakeCancel := context.WithCancel(ctx)
	defer wakeCancel()
	p.conn, p.ctx, p.wake = conn, ctx, wake
	p.in = startReader(ctx, conn, p.s.learnFrame, wakeCancel)
	p.prevT = resp.T
	p.play()
	p.flush(&p.stall)
	p.flush(&p.extras)
	_ = conn.CloseNow()
	select { // the reader ends once the connection is closed
	case <-p.in.done:
	case <-time.After(time.Second):
	}
	return "101"
}

// play walks the recorded frames, then the close.
func (p *player) play() {
	frames := p.l.Frames
	for i := 0; i < len(frames); i++ {
		f := frames[i]
		if f.Dir != wirelog.FromClient {
			if !p.wait(f.T) {
				p.interrupted(i)
				return
			}
			if err := p.send(f); err != nil {
				p.writeFailed(i, err)
				return
			}
			p.advance(i, f.T)
			continue
		}
		if rc := p.plan.chunks[i]; rc != nil {
			if !p.awaitAudio(i, rc) {
				return
			}
			p.advance(i, f.T)
			continue
		}
		// Audio where the recording has another frame is still the
		// client's stream: readClient takes it.
		m, st, _ := p.readClient()
		switch st {
		case readNone:
			p.stall.skipped++
		case readGot:
			if diff := compareFrame(f, m.binary, m.data); diff != "" {
				p.diverge(Divergence{Kind: KindFrame, Index: i + 1, At: f.T, Want: showRecorded(f), Got: showFrame(m.binary, m.data),
					Detail: fmt.Sprintf("client frame %d of %d: %s", i+1, len(frames), diff)})
			}
		case readTimedOut:
			p.stall = &stallEpisode{d: Divergence{Kind: KindMissing, Index: i + 1, At: f.T, Want: showRecorded(f),
				Got:    fmt.Sprintf("nothing within %s", p.s.opts.WaitClient),
				Detail: fmt.Sprintf("the client did not send recorded frame %d within %s", i+1, p.s.opts.WaitClient)},
				skipped: 1, more: "; %d recorded client frames in all were not sent (not awaited after the first; the server frames were still played)"}
		case readEnded:
			p.clientEnded(i)
			return
		default: // stopped
			p.stopped(i)
			return
		}
		p.advance(i, f.T)
	}
	p.flush(&p.stall)
	p.compareLast()
	p.close()
}

// close ends the connection the way the recording did.
func (p *player) close() {
	cl := p.l.Close
	n := len(p.l.Frames)
	switch {
	case cl == nil || openEnd(cl):
		// An open end: the recording stopped while the connection was open,
		// does not say how it ended (a HAR), or the client vanished. What
		// comes now is the client's to do; let it close.
		if p.awaitEnd() {
			_ = p.conn.Close(websocket.StatusGoingAway, "scribecheck replay: the recording ends here")
		}
	case cl.By == wirelog.FromServer:
		if !p.wait(cl.T) {
			if p.ctx.Err() != nil {
				p.stopped(n)
				return
			}
			p.diverge(Divergence{Kind: KindClose, At: cl.T, Want: "the server closes " + closeText(cl.Code, cl.Reason),
				Got: "the client " + endText(p.in.err) + " first", Detail: "the client ended the connection before the server's recorded close"})
			return
		}
		p.drainExtras()
		code := websocket.StatusCode(cl.Code)
		switch {
		case cl.Code == 0 || code == websocket.StatusNoStatusRcvd:
			_ = p.conn.Close(websocket.StatusNoStatusRcvd, "") // a close frame without a code
		case !sendableCode(code):
			_ = p.conn.CloseNow() // 1006 and the like are never sent: it was a cut
		default:
			_ = p.conn.Close(code, clipBytes(cl.Reason, maxCloseReason))
		}
	case cl.By == wirelog.FromClient:
		t := time.NewTimer(p.s.opts.WaitClient)
		defer t.Stop()
		for {
			select {
			case m := <-p.in.msgs:
				p.extraFrame(m)
				continue
			case <-p.in.done:
				p.drainExtras()
				p.compareClientClose(cl)
				return
			case <-t.C:
				p.diverge(Divergence{Kind: KindClose, At: cl.T, Want: "the client closes " + closeText(cl.Code, cl.Reason),
					Got: fmt.Sprintf("no close within %s", p.s.opts.WaitClient), Detail: "the client did not close where the recording's client did"})
				_ = p.conn.Close(websocket.StatusNormalClosure, "scribecheck replay: the recording ends here")
				return
			case <-p.ctx.Done():
				if p.clientLeft() { // both at once: the client's close happened first
					p.drainExtras()
					p.compareClientClose(cl)
					return
				}
				p.stopped(n)
				return
			}
		}
	default: // a cut: whoever ends it now, it ends
		if !p.wait(cl.T) {
			if p.ctx.Err() != nil {
				p.stopped(n)
			}
			return
		}
		p.drainExtras()
		_ = p.conn.CloseNow()
	}
}

// openEnd: a recorded end the replay does not play itself.
func openEnd(cl *wirelog.Record) bool {
	return cl.By == wirelog.ByCut && (cl.Error == wirelog.RecordingEnded || cl.Error == wirelog.CloseNotRecorded || cl.CutBy == wirelog.FromClient)
}

// sendableCode reports whether a close code may be sent in a close frame.
func sendableCode(c websocket.StatusCode) bool {
	switch c {
	case 1004, websocket.StatusNoStatusRcvd, websocket.StatusAbnormalClosure, websocket.StatusTLSHandshake:
		return false
	}
	return (c >= 1000 && c <= 1014) || (c >= 3000 && c <= 4999)
}

// compareClientClose compares the client's close with the recorded one, by
// code (no code and 1005 are the same).
func (p *player) compareClientClose(cl *wirelog.Record) {
	err := p.in.err
	gotCode := int(websocket.CloseStatus(err))
	want := closeText(cl.Code, cl.Reason)
	if gotCode == -1 {
		p.diverge(Divergence{Kind: KindClose, At: cl.T, Want: "the client closes " + want, Got: "the client " + endText(err),
			Detail: "the client left without a close frame"})
		return
	}
	if normCode(gotCode) != normCode(cl.Code) {
		var ce websocket.CloseError
		errors.As(err, &ce)
		p.diverge(Divergence{Kind: KindClose, At: cl.T, Want: "the client closes " + want, Got: "the client closes " + closeText(gotCode, ce.Reason),
			Detail: fmt.Sprintf("close code %s, recorded %s", codeText(gotCode), codeText(cl.Code))})
	}
}

func normCode(c int) int {
	if c == 0 {
		return int(websocket.StatusNoStatusRcvd)
	}
	return c
}

func codeText(c int) string {
	if normCode(c) == int(websocket.StatusNoStatusRcvd) {
		return "none (1005)"
	}
	return fmt.Sprint(c)
}

func closeText(code int, reason string) string {
	if normCode(code) == int(websocket.StatusNoStatusRcvd) {
		return "without a code"
	}
	return fmt.Sprintf("with %d %q", code, reason)
}

// endText says how the client's side ended, from the reader's error.
func endText(err error) string {
	if err == nil {
		return "ended the connection"
	}
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return "closed " + closeText(int(ce.Code), ce.Reason)
	}
	if strings.Contains(err.Error(), "read limited") {
		return "sent a frame larger than the read limit (" + err.Error() + ")"
	}
	return "vanished without a close frame (" + err.Error() + ")"
}

// interrupted: a wait before record i ended early, because the server is
// closing or the client's side ended.
func (p *player) interrupted(i int) {
	if p.clientLeft() { // the client's own end comes first: it is what happened
		p.clientEnded(i)
		return
	}
	if p.ctx.Err() != nil {
		p.stopped(i)
		return
	}
	p.clientEnded(i)
}

// clientLeft reports whether the client's side has ended by itself (not by
// the replay stopping, which ends the reader too).
func (p *player) clientLeft() bool {
	select {
	case <-p.in.done:
		return !errors.Is(p.in.err, context.Canceled) && !errors.Is(p.in.err, context.DeadlineExceeded)
	default:
		return false
	}
}

// clientEnded: the client closed or vanished before record i. That is a
// divergence, unless the recording ends with the client's close and what
// remains of its client frames the client has sent already (audio it sent in
// larger chunks): the server frames left crossed the close on the wire.
func (p *player) clientEnded(i int) {
	p.flush(&p.stall)
	frames := p.l.Frames
	cl := p.l.Close
	if cl != nil && cl.By == wirelog.FromClient && p.coveredFrom(i) {
		p.compareLast()
		p.drainExtras()
		p.compareClientClose(cl)
		return
	}
	verb := "closed"
	if websocket.CloseStatus(p.in.err) == -1 {
		verb = "vanished"
	}
	p.diverge(Divergence{Kind: KindClose, Index: i + 1, At: frames[i].T,
		Want:   fmt.Sprintf("%s more (next: %s %s), then %s", text.Plural(len(frames)-i, "frame", "frames"), frames[i].Dir, showRecorded(frames[i]), recordedEnd(cl)),
		Got:    "the client " + endText(p.in.err),
		Detail: fmt.Sprintf("the client %s after frame %d of %d", verb, i, len(frames))})
}

// writeFailed: a server frame could not be sent. The client's side has
// usually ended: wait briefly for the reader to say how.
func (p *player) writeFailed(i int, err error) {
	select {
	case <-p.in.done:
		p.clientEnded(i)
		return
	case <-time.After(time.Second):
	case <-p.ctx.Done():
	}
	if p.ctx.Err() != nil {
		p.stopped(i)
		return
	}
	f := p.l.Frames[i]
	p.diverge(Divergence{Kind: KindClose, Index: i + 1, At: f.T, Want: "the client reads " + showRecorded(f),
		Got: "the frame could not be sent: " + err.Error(), Detail: fmt.Sprintf("the client stopped reading after frame %d of %d", i, len(p.l.Frames))})
}

func recordedEnd(cl *wirelog.Record) string {
	switch {
	case cl == nil:
		return "the end of the recording"
	case cl.By == wirelog.ByCut:
		return "a cut"
	}
	return "a close by the " + cl.By + " " + closeText(cl.Code, cl.Reason)
}

// stopped: the server is closing while record i was due.
func (p *player) stopped(i int) {
	p.flush(&p.stall)
	n := len(p.l.Frames)
	at := 0.0
	if i < n {
		at = p.l.Frames[i].T
	} else if p.l.Close != nil {
		at = p.l.Close.T
	}
	p.diverge(Divergence{Kind: KindClose, Index: min(i+1, n), At: at, Want: fmt.Sprintf("%s, then %s", text.Plural(n, "frame", "frames"), recordedEnd(p.l.Close)),
		Got: fmt.Sprintf("the replay was stopped after frame %d of %d", i, n), Detail: "the replay server was closed before this connection ended"})
	_ = p.conn.CloseNow()
}

// wait sleeps until record time t is due; false if the wait was cut short.
func (p *player) wait(t float64) bool {
	if d := p.delay(t); d > 0 {
		if err := p.s.opts.Sleep(p.wake, d); err != nil {
			return false
		}
	}
	return p.wake.Err() == nil
}

// delay is the recorded gap to t, scaled by Speed.
func (p *player) delay(t float64) time.Duration {
	if p.s.opts.Speed <= 0 {
		return 0
	}
	gap := (t - p.prevT) / p.s.opts.Speed
	if gap <= 0 {
		return 0
	}
	return min(time.Duration(math.Round(gap*1e6))*time.Microsecond, p.s.opts.MaxGap)
}

func (p *player) advance(i int, t float64) {
	p.prevT = max(p.prevT, t) // a record out of time order waits for none
	p.s.update(func() { p.c.Done = i + 1 })
}

// send writes a recorded server frame with the opcode it had on the wire.
func (p *player) send(f wirelog.Record) error {
	pl, err := f.Payload()
	if err != nil {
		return err
	}
	typ := websocket.MessageText
	if !pl.Text() {
		typ = websocket.MessageBinary
	}
	ctx, cancel := context.WithTimeout(p.ctx, p.s.opts.WaitClient)
	defer cancel()
	return p.conn.Write(ctx, typ, pl.Data)
}

func (p *player) diverge(d Divergence) {
	p.flush(&p.stall)
	p.flush(&p.extras)
	p.s.diverge(p.c, d)
}

// stallEpisode is a divergence that stands for a run of frames (recorded
// client frames that did not come, or extra ones that did), and the length
// of the run.
type stallEpisode struct {
	d       Divergence // as reported for the run's first frame
	skipped int
	more    string // added to d's Detail, with skipped for its %d, when the run is longer than one
}

// flush reports the episode in *ep, if there is one, and clears it: a
// missing-frame episode with the slots it skipped (&p.stall), or a run of
// extra client frames (&p.extras).
func (p *player) flush(ep **stallEpisode) {
	e := *ep
	if e == nil {
		return
	}
	*ep = nil
	d := e.d
	if e.skipped > 1 {
		d.Detail += fmt.Sprintf(e.more, e.skipped)
	}
	p.s.diverge(p.c, d)
}

// awaitEnd lets the client end an open-ended connection, ignoring what it
// sends; true if it did not within WaitClient (or the server is closing).
func (p *player) awaitEnd() bool {
	t := time.NewTimer(p.s.opts.WaitClient)
	defer t.Stop()
	for {
		select {
		case <-p.in.msgs:
		case <-p.in.done:
			return false
		case <-t.C:
			return true
		case <-p.ctx.Done():
			return true
		}
	}
}

// drainExtras reports the client frames already received after the
// recording's last frame.
func (p *player) drainExtras() {
	for {
		select {
		case m := <-p.in.msgs:
			p.extraFrame(m)
		default:
			return
		}
	}
}

// extraFrame counts a client frame after the recording's last one. A run of
// them is one divergence, shown by its first frame: a client streaming on
// for a minute is one finding, not a thousand.
func (p *player) extraFrame(m message) {
	p.extra++
	if p.extras != nil {
		p.extras.skipped++
		return
	}
	n := len(p.l.Frames)
	at := 0.0
	if n > 0 {
		at = p.l.Frames[n-1].T
	}
	p.extras = &stallEpisode{d: Divergence{Kind: KindExtra, Index: n + p.extra, At: at, Want: fmt.Sprintf("nothing more (the recording has %s)", text.Plural(n, "frame", "frames")),
		Got: showFrame(m.binary, m.data), Detail: fmt.Sprintf("client frame %d: a frame the recording does not have", n+p.extra)},
		skipped: 1, more: " (%d such frames in a row, the first shown)"}
}

// message is one client frame.
type message struct {
	binary bool
	data   []byte
}

// What a wait for a client frame gave.
const (
	readGot = iota
	readNone
	readTimedOut
	readEnded
	readStopped
)

// inbox is fed by the one reader goroutine of a connection: every client
// frame in order, then the reader's end.
type inbox struct {
	msgs chan message
	done chan struct{} // closed after the last message was queued
	err  error         // why the reader ended; set before done is closed
}

func startReader(ctx context.Context, conn *websocket.Conn, learn func([]byte), onEnd func()) *inbox {
	in := &inbox{msgs: make(chan message, 64), done: make(chan struct{})}
	go func() {
		defer onEnd()
		defer close(in.done)
		for {
			typ, data, err := conn.Read(ctx)
			if err != nil {
				in.err = err
				return
			}
			if typ == websocket.MessageText {
				learn(data) // before the frame can be shown anywhere
			}
			select {
			case in.msgs <- message{binary: typ == websocket.MessageBinary, data: data}:
			case <-ctx.Done():
				in.err = ctx.Err()
				return
			}
		}
	}()
	return in
}

// next waits up to wait for a client frame.
func (in *inbox) next(ctx context.Context, wait time.Duration) (message, int) {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case m := <-in.msgs:
		return m, readGot
	case <-in.done:
		return in.poll()
	case <-t.C:
		return message{}, readTimedOut
	case <-ctx.Done():
		return message{}, readStopped
	}
}

// poll takes a client frame if one is there, without waiting.
func (in *inbox) poll() (message, int) {
	select {
	case m := <-in.msgs:
		return m, readGot
	default:
	}
	select {
	case <-in.done:
		select {
		case m := <-in.msgs:
			return m, readGot
		default:
			return message{}, readEnded
		}
	default:
		return message{}, readNone
	}
}
