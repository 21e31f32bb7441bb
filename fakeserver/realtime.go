package fakeserver

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/protocol"
)

// realtimeHandler is handleRealtime inside the HTTP wrappers of the faults.
func (s *Server) realtimeHandler() http.HandlerFunc {
	h := s.handleRealtime
	for i := len(s.faults.http) - 1; i >= 0; i-- {
		h = s.faults.http[i](s, h)
	}
	return h
}

// handleRealtime serves GET /v1/speech-to-text/realtime. It always upgrades
// (101) and refuses bad credentials in-band: auth_error, then close 1000 with
// an empty reason (O, several captures). Only a calibration's recorded HTTP
// refusal answers without upgrading (calibrate.go).
func (s *Server) handleRealtime(w http.ResponseWriter, r *http.Request) {
	auth, decided := authFrom(r.Context())
	if !decided && s.calib.refusesOverHTTP() {
		// A recorded HTTP refusal comes before the upgrade, and credentials
		// before it (choice auth-before-params): decide them first.
		auth, decided = s.auth(r), true
	}
	var ans handshake
	if decided {
		if ans = s.answerHandshake(r, auth); ans.reaction.Kind == protocol.ReactHTTP {
			s.refuseUpgrade(w, ans.stimulus, ans.reaction)
			return
		}
	}
	var current atomic.Pointer[session] // for the ping callback, set once the session exists
	kept := &keptConn{ResponseWriter: w}
	conn, err := websocket.Accept(kept, r, &websocket.AcceptOptions{
		OriginPatterns: []string{"*"}, // browser apps use the fake in development
		OnPingReceived: func(context.Context, []byte) bool {
			if ss := current.Load(); ss != nil && s.set.pingsResetIdle {
				ss.touch()
			}
			return true
		},
	})
	if err != nil {
		s.log.Printf("socket: upgrade failed: %v", err)
		return // Accept has written the HTTP error
	}
	conn.SetReadLimit(s.set.readLimit)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// A session reads with no context (session.readFrame): coder/websocket
	// registers a context.AfterFunc for every message read with one that can
	// end, to cut the connection when it does, and that was 8 % of the fake's
	// CPU at max pace (an allocation and a lock on the parent a frame; bench
	// profile). This one registration cuts it instead: it closes the
	// connection itself, so a close handshake waiting on the client
	// (Conn.Close holds CloseNow off) ends at once too.
	defer context.AfterFunc(ctx, func() { _ = kept.conn.Close() })()
	rec := recorderFrom(r.Context())
	sock := newSocketWire(ctx, conn, rec, s.clock, s.set.session.WriteTimeout, cancel)
	out := s.faults.wrapWire(sock)

	if !decided {
		ans = s.answerHandshake(r, s.auth(r))
	}
	if ans.reaction.Kind == protocol.ReactFrames {
		s.play(protocol.StimulusHandshake, ans.stimulus, ans.reaction, out)
		ignoreUntilGone(ctx, conn, sock, rec) // a nil Close: a session that never started
		return
	}
	auth = ans.auth
	if !auth.ok {
		s.log.Printf("socket: auth_error (%s)", auth.why)
		out.Send(frame{protocol.ErrAuth, errorFrame{protocol.ErrAuth, protocol.AuthErrorText}})
		out.Close(websocket.StatusNormalClosure, "")
		return
	}
	cfg, err := ans.cfg, ans.err // choice auth-before-params
	if err != nil {
		s.log.Printf("socket: invalid_request (%v)", err)
		out.Send(frame{protocol.ErrInvalidRequest, errorFrame{protocol.ErrInvalidRequest, err.Error()}})
		// 1008: a third-party capture of a refused parameter combination.
		out.Close(websocket.StatusPolicyViolation, "")
		ignoreUntilGone(ctx, conn, sock, rec) // a filter may have kept it open
		return
	}
	if sc, ok := s.scripts[auth.key]; ok && auth.key != "" {
		out = &scriptWire{next: out, sc: sc}
	}
	ss := newSession(ctx, s, conn, sock, out, cfg, cancel)
	switch ok, full := s.track(ss); {
	case full: // choice session-cap
		ss.fail(protocol.ErrResourceExhausted, fmt.Sprintf(ResourceExhaustedText, s.maxSessions))
		ignoreUntilGone(ctx, conn, sock, rec) // a filter may have kept it open
		return
	case !ok:
		_ = conn.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	defer s.untrack(ss)
	current.Store(ss)
	s.log.Printf("socket: session %s opened via %s", ss.id, auth.via)
	ss.run()
}

// ignoreUntilGone reads and ignores what the client sends until it leaves,
// unless the socket is closed already, then lets the connection go.
func ignoreUntilGone(ctx context.Context, conn *websocket.Conn, sock *socketWire, rec Recorder) {
	for !sock.Closed() {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			recordReadEnd(rec, err)
			break
		}
		rec.Frame(true, typ == websocket.MessageBinary, data)
	}
	_ = conn.CloseNow()
}

// errorFrame is {message_type, error}, message_type first as on the wire.
type errorFrame struct {
	MessageType string `json:"message_type"`
	Error       string `json:"error"`
}

// keptConn is the ResponseWriter the socket is accepted on: it keeps the
// connection Accept hijacks, which the handler closes when its context ends.
type keptConn struct {
	http.ResponseWriter
	conn net.Conn
}

func (k *keptConn) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(k.ResponseWriter).Hijack()
	k.conn = c
	return c, brw, err
}
