package fakeserver

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/protocol"
)

// frame is one server message on its way to the socket. Body is encoded as
// JSON; it is a struct so fields go out in the live order.
type frame struct {
	Type string
	Body any
}

// rawText is a Body sent verbatim, not encoded: a script's frames need not
// be JSON.
type rawText string

// wire is where a socket's answers go: the socket itself (socketWire), or a
// fault's filter around it. The fake's own code only ever writes correct
// frames to a wire; a deviation is a filter that drops, duplicates, holds,
// reshapes or closes on the way out (in the manner of testing/iotest).
type wire interface {
	// Send writes one batch: the frames that answer one event (a client
	// frame, a commit, a timer), in order.
	Send(batch ...frame)
	// Close sends a close frame, at most once.
	Close(code websocket.StatusCode, reason string)
}

// socketWire writes to the WebSocket. Once closed it writes nothing more, and
// Closed tells the session the socket is gone.
type socketWire struct {
	ctx  context.Context
	conn *websocket.Conn
	rec  Recorder
	// A batch not written within timeout on clock means the client does not
	// read: stall drops the connection (choice slow-reader).
	clock   Clock
	timeout time.Duration
	stall   func()

	mu     sync.Mutex // one writer at a time, and frames in Send order
	closed atomic.Bool
}

// newSocketWire writes to conn; cancel ends the connection's context, which
// drops it, when a batch stalls for timeout on clock.
func newSocketWire(ctx context.Context, conn *websocket.Conn, rec Recorder, clock Clock, timeout time.Duration, cancel context.CancelFunc) *socketWire {
	w := &socketWire{ctx: ctx, conn: conn, rec: rec, clock: clock, timeout: timeout}
	w.stall = func() {
		// Inside the clock's Advance (or a timer goroutine): record and cut,
		// nothing that waits. A write blocked on a full socket buffer returns
		// once the context ends, and the read loop ends with it.
		if !w.closed.Swap(true) {
			w.rec.Closed(closedByCut, 0, "", fmt.Sprintf("the client read nothing for %s: the fake dropped the connection", timeout))
		}
		cancel()
	}
	return w
}

// Send writes each frame as a JSON text frame. A failed write means the client
// is gone; the read loop sees that too and ends the session. A frame that
// cannot be encoded is the fake's own bug: it closes with 1011 rather than
// crash.
func (w *socketWire) Send(batch ...frame) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(batch) == 0 || w.closed.Load() {
		return
	}
	done := make(chan struct{})
	stall := w.clock.AfterFunc(w.timeout, func() { go w.stallUnless(done) })
	defer func() { stall.Stop(); close(done) }()
	for _, f := range batch {
		if w.closed.Load() {
			return
		}
		var b []byte
		var err error
		if raw, ok := f.Body.(rawText); ok {
			b = []byte(raw)
		} else {
			b, err = json.Marshal(f.Body)
		}
		if err != nil {
			w.closeLocked(websocket.StatusInternalError, "fake server bug: unencodable frame")
			return
		}
		if w.conn.Write(w.ctx, websocket.MessageText, b) == nil {
			w.rec.Frame(false, false, b)
		}
	}
}

// stallUnless drops the connection unless the batch ends within stallGrace
// of real time. The timeout on the fake's clock can be a test's jump that
// lands while a healthy write is finishing: COMMIT-16's 15 s jump reset its
// own socket in 2 runs of 5. A write that is truly stuck is still stuck a
// second later.
func (w *socketWire) stallUnless(done <-chan struct{}) {
	t := time.NewTimer(stallGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-w.ctx.Done():
	case <-t.C:
		w.stall()
	}
}

const stallGrace = time.Second

func (w *socketWire) Close(code websocket.StatusCode, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closeLocked(code, reason)
}

func (w *socketWire) closeLocked(code websocket.StatusCode, reason string) {
	if w.closed.Swap(true) {
		return
	}
	w.rec.Closed(closedByServer, int(code), reason, "")
	_ = w.conn.Close(code, reason)
}

// markClosed records that the socket ended without our close (the client
// left, or the server shut down).
func (w *socketWire) markClosed() { w.closed.Store(true) }

// Closed reports whether the socket has been closed.
func (w *socketWire) Closed() bool { return w.closed.Load() }

// filter is a wire that rewrites what passes through it on the way to next.
// Each hook is optional: batch rewrites a batch, after may close once a batch
// is out, close rewrites (or swallows, keep false) the close that follows a
// frame of type last.
type filter struct {
	next  wire
	batch func(b []frame) []frame
	after func(sent []frame) (code websocket.StatusCode, reason string, close bool)
	close func(last string, code websocket.StatusCode, reason string) (websocket.StatusCode, string, bool)

	mu   sync.Mutex
	last string // type of the last frame sent through
}

func (f *filter) Send(batch ...frame) {
	if f.batch != nil {
		batch = f.batch(batch)
	}
	if len(batch) > 0 {
		f.mu.Lock()
		f.last = batch[len(batch)-1].Type
		f.mu.Unlock()
	}
	f.next.Send(batch...)
	if f.after != nil {
		if code, reason, ok := f.after(batch); ok {
			f.next.Close(code, reason)
		}
	}
}

func (f *filter) Close(code websocket.StatusCode, reason string) {
	if f.close != nil {
		f.mu.Lock()
		last := f.last
		f.last = "" // a close answers the frame before it only once
		f.mu.Unlock()
		var keep bool
		if code, reason, keep = f.close(last, code, reason); !keep {
			return
		}
	}
	f.next.Close(code, reason)
}

// The filters faults are built from.

// dropFrames drops every frame of the given types.
func dropFrames(types ...string) func(wire) wire {
	return dropIf(func(f frame) bool { return slices.Contains(types, f.Type) })
}

// dropIf drops the frames for which drop holds.
func dropIf(drop func(frame) bool) func(wire) wire {
	return rewrite(func(b []frame) []frame { return slices.DeleteFunc(slices.Clone(b), drop) })
}

// reshape replaces the body of every frame of type t.
func reshape(t string, change func(body any) any) func(wire) wire {
	return rewrite(func(b []frame) []frame {
		out := make([]frame, len(b))
		for i, f := range b {
			if f.Type == t {
				f.Body = change(f.Body)
			}
			out[i] = f
		}
		return out
	})
}

// rewrite applies change to every batch.
func rewrite(change func([]frame) []frame) func(wire) wire {
	return func(next wire) wire { return &filter{next: next, batch: change} }
}

// closeAfter closes the socket once a frame of type t has gone out.
func closeAfter(t string, code websocket.StatusCode, reason string) func(wire) wire {
	return func(next wire) wire {
		return &filter{next: next, after: func(sent []frame) (websocket.StatusCode, string, bool) {
			return code, reason, hasFrame(sent, t)
		}}
	}
}

// keepOpenAfter swallows the close that comes right after a frame of type t:
// the socket stays open (a later close, the idle timer's say, goes through).
func keepOpenAfter(t string) func(wire) wire {
	return func(next wire) wire {
		return &filter{next: next, close: func(last string, code websocket.StatusCode, reason string) (websocket.StatusCode, string, bool) {
			return code, reason, last != t
		}}
	}
}

// recloseAfter replaces the code and reason of the close that follows a
// frame of type t.
func recloseAfter(t string, newCode websocket.StatusCode, newReason string) func(wire) wire {
	return func(next wire) wire {
		return &filter{next: next, close: func(last string, code websocket.StatusCode, reason string) (websocket.StatusCode, string, bool) {
			if last == t {
				return newCode, newReason, true
			}
			return code, reason, true
		}}
	}
}

// holdCommits holds back the frames of a commit (a batch with a
// committed_transcript) until the next commit, whose frames then go first, or
// until the server answers something other than audio (an input_error),
// before which they are released.
type holdCommits struct {
	next wire
	mu   sync.Mutex
	held []frame
}

func (h *holdCommits) Send(batch ...frame) {
	h.mu.Lock()
	held := h.held
	switch {
	case hasFrame(batch, protocol.CommittedTranscript) && held == nil:
		h.held, batch = batch, nil // wait for the client's next frame
	case hasFrame(batch, protocol.CommittedTranscript):
		h.held, batch = nil, append(batch, held...) // this commit first, then the earlier one
	case hasFrame(batch, protocol.ErrInput):
		h.held, batch = nil, append(held, batch...)
	}
	h.mu.Unlock()
	h.next.Send(batch...)
}

func (h *holdCommits) Close(code websocket.StatusCode, reason string) { h.next.Close(code, reason) }

func hasFrame(b []frame, t string) bool {
	for _, f := range b {
		if f.Type == t {
			return true
		}
	}
	return false
}
