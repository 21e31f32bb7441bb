package fakeserver

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/protocol"
)

// handleRealtime serves GET /v1/speech-to-text/realtime. It always upgrades
// (101) and refuses bad credentials in-band: auth_error, then close 1000 with
// an empty reason (O, several captures).
func (s *Server) handleRealtime(w http.ResponseWriter, r *http.Request) {
	var auth authResult
	if s.faults.has(FaultAuthAtUpgrade) {
		if auth = s.authenticate(r); !auth.ok {
			s.log.Printf("socket: refused at upgrade (%s)", auth.why)
			writeDetail(w, http.StatusUnauthorized, protocol.StatusInvalidAPIKey, protocol.AuthErrorText)
			return
		}
	}
	var current atomic.Pointer[session] // for the ping callback, set once the session exists
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		OriginPatterns: []string{"*"}, // browser apps use the fake in development
		OnPingReceived: func(context.Context, []byte) bool {
			if ss := current.Load(); ss != nil && s.faults.has(FaultIdleResetByPing) {
				ss.touch()
			}
			return true
		},
	})
	if err != nil {
		s.log.Printf("socket: upgrade failed: %v", err)
		return // Accept has written the HTTP error
	}
	conn.SetReadLimit(s.readLimit)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	if !s.faults.has(FaultAuthAtUpgrade) {
		auth = s.authenticate(r)
	}
	if !auth.ok {
		s.log.Printf("socket: auth_error (%s)", auth.why)
		text, code, reason := protocol.AuthErrorText, websocket.StatusNormalClosure, ""
		if s.faults.has(FaultAuthErrorForm) {
			text, code, reason = "Unauthorized", websocket.StatusPolicyViolation, "unauthorized"
		}
		writeFrame(ctx, conn, errorFrame{protocol.ErrAuth, text})
		_ = conn.Close(code, reason)
		return
	}
	cfg, err := parseConfig(r.URL.Query(), s.faults) // choice auth-before-params
	if err != nil {
		s.log.Printf("socket: invalid_request (%v)", err)
		writeFrame(ctx, conn, errorFrame{protocol.ErrInvalidRequest, err.Error()})
		if s.faults.has(FaultErrorWithoutClose) {
			_, _, _ = conn.Read(ctx) // stays open until the client leaves
			return
		}
		// 1008: a third-party capture of a refused parameter combination.
		_ = conn.Close(websocket.StatusPolicyViolation, "")
		return
	}
	ss := newSession(ctx, s, conn, cfg, cancel)
	if !s.track(ss) {
		_ = conn.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	defer s.untrack(ss)
	current.Store(ss)
	s.log.Printf("socket: session %s opened via %s", ss.id, auth.via)
	ss.run()
}

// errorFrame is {message_type, error}, message_type first as on the wire.
type errorFrame struct {
	MessageType string `json:"message_type"`
	Error       string `json:"error"`
}

// writeFrame sends v as a JSON text frame. A failed write means the client is
// gone; the read loop sees that too and ends the session. A frame that cannot
// be encoded is the fake's own bug: it closes with 1011 rather than crash.
func writeFrame(ctx context.Context, conn *websocket.Conn, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		_ = conn.Close(websocket.StatusInternalError, "fake server bug: unencodable frame")
		return
	}
	_ = conn.Write(ctx, websocket.MessageText, b)
}
