package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/protocol"
)

// sinkStarted is the one frame the sink sends, so that a client which waits
// for session_started before it streams can drive it unchanged.
var sinkStarted = []byte(`{"message_type":"` + protocol.SessionStarted + `","session_id":"baseline","config":{}}`)

// Sink is the baseline server: it upgrades the realtime path with the same
// WebSocket library as the fake, says session_started, then reads every
// frame and discards it. Whatever the fake ingests less than this is the
// fake's own cost.
func Sink() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != protocol.RealtimePath {
			http.NotFound(w, r)
			return
		}
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return // Accept has answered the request
		}
		defer conn.CloseNow()
		conn.SetReadLimit(fakeserver.DefaultReadLimit) // both accept the same frames
		ctx := r.Context()
		if err := conn.Write(ctx, websocket.MessageText, sinkStarted); err != nil {
			return
		}
		for {
			_, rd, err := conn.Reader(ctx)
			if err != nil {
				return
			}
			if _, err := io.Copy(io.Discard, rd); err != nil {
				return
			}
		}
	})
}

// ServeSink serves the baseline on addr until ctx ends, printing the same
// two lines as `scribecheck fake` so the bench starts both alike.
func ServeSink(ctx context.Context, addr string, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("bench sink: listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: Sink()}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	fmt.Fprintf(stdout, "test key: %s\n", SinkKey)
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}

// SinkKey is what the sink prints as its key; it checks none.
const SinkKey = "sk_baseline_accepts_anything"
