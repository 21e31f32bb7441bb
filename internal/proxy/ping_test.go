package proxy_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/testfake"
	"github.com/scribecheck/scribecheck/internal/wirelog"
)

// Test ends send a ping or pong with a payload of their own as the proxy
// does (socket.go): Write with the control frame's opcode.
const (
	ping = websocket.MessageType(9)
	pong = websocket.MessageType(10)
)

// end is one side of a proxied socket in these tests: what pings and pongs
// reached it, and a gate its ping handler waits at before it answers.
type end struct {
	pings, pongs chan string
	answer       bool // whether it answers a ping (once through its gate)

	mu   sync.Mutex
	gate chan struct{} // closed: pings go through
}

func newEnd(answer bool) *end {
	g := make(chan struct{})
	close(g)
	return &end{pings: make(chan string, 8), pongs: make(chan string, 8), gate: g, answer: answer}
}

func (e *end) onPing(_ context.Context, b []byte) bool {
	e.pings <- string(b)
	e.mu.Lock()
	g := e.gate
	e.mu.Unlock()
	<-g
	return e.answer
}

func (e *end) onPong(_ context.Context, b []byte) { e.pongs <- string(b) }

// hold makes the end wait before it answers the next ping, until the
// returned func is called.
func (e *end) hold() (release func()) {
	g := make(chan struct{})
	e.mu.Lock()
	e.gate = g
	e.mu.Unlock()
	return func() { close(g) }
}

func recv(ctx context.Context, t *testing.T, c chan string, what string) string {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-ctx.Done():
		t.Fatalf("%s never came", what)
		return ""
	}
}

// pingServer is an upstream whose pings and pongs srv records; it reads
// until its connection ends (then sends the error on ended), and CloseNow's
// it when vanish is closed.
func pingServer(t *testing.T, srv *end, conns chan<- *websocket.Conn, ended chan<- error, vanish <-chan struct{}) string {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{OnPingReceived: srv.onPing, OnPongReceived: srv.onPong})
		if err != nil {
			return
		}
		conns <- c
		go func() {
			select {
			case <-vanish:
				_ = c.CloseNow()
			case <-r.Context().Done(): // the handler returned
			}
		}()
		for {
			if _, _, err := c.Read(context.Background()); err != nil {
				ended <- err
				return
			}
		}
	}))
	t.Cleanup(hs.Close)
	return hs.URL
}

// readAll reads c until it ends, then sends the error.
func readAll(c *websocket.Conn) <-chan error {
	done := make(chan error, 1)
	go func() {
		for {
			if _, _, err := c.Read(context.Background()); err != nil {
				done <- err
				return
			}
		}
	}()
	return done
}

// A ping from either side reaches the other side with its payload, and only
// the other side's pong answers it: the proxy answers no ping itself, so
// each side's liveness check measures the other end. Neither is a message in
// the log.
func TestProxyForwardsPingsBothWays(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	srv, app := newEnd(true), newEnd(true)
	conns, ended := make(chan *websocket.Conn, 1), make(chan error, 1)
	r := newRig(t, pingServer(t, srv, conns, ended, make(chan struct{})))
	c, _, err := websocket.Dial(ctx, r.ws(), &websocket.DialOptions{OnPingReceived: app.onPing, OnPongReceived: app.onPong})
	if err != nil {
		t.Fatal(err)
	}
	appRead := readAll(c)
	up := <-conns

	// The app's ping: the server sees it, and the app's Ping returns only
	// once the server has answered.
	release := srv.hold()
	pinged := make(chan error, 1)
	go func() { pinged <- c.Ping(ctx) }()
	if got := recv(ctx, t, srv.pings, "the app's ping at the server"); got != "1" {
		t.Errorf("the server got ping %q, want the app's %q", got, "1")
	}
	select {
	case err := <-pinged:
		t.Fatalf("the app's ping was answered (%v) before the server answered it", err)
	default:
	}
	release()
	if err := <-pinged; err != nil {
		t.Fatalf("the app's ping: %v", err)
	}
	if got := recv(ctx, t, app.pongs, "the server's first pong"); got != "1" {
		t.Errorf("the app got pong %q, want %q", got, "1")
	}
	// A payload of the app's own, and the server's pong with it.
	if err := c.Write(ctx, ping, []byte("app-probe")); err != nil {
		t.Fatal(err)
	}
	if got := recv(ctx, t, srv.pings, "the app's second ping"); got != "app-probe" {
		t.Errorf("the server got ping %q, want app-probe", got)
	}
	if got := recv(ctx, t, app.pongs, "the server's pong"); got != "app-probe" {
		t.Errorf("the app got pong %q, want app-probe", got)
	}

	// The server's ping, the same way round.
	release = app.hold()
	go func() { pinged <- up.Ping(ctx) }()
	if got := recv(ctx, t, app.pings, "the server's ping at the app"); got != "1" {
		t.Errorf("the app got ping %q, want the server's %q", got, "1")
	}
	select {
	case err := <-pinged:
		t.Fatalf("the server's ping was answered (%v) before the app answered it", err)
	default:
	}
	release()
	if err := <-pinged; err != nil {
		t.Fatalf("the server's ping: %v", err)
	}
	if got := recv(ctx, t, srv.pongs, "the app's first pong"); got != "1" {
		t.Errorf("the server got pong %q, want %q", got, "1")
	}
	if err := up.Write(ctx, ping, []byte("server-probe")); err != nil {
		t.Fatal(err)
	}
	if got := recv(ctx, t, app.pings, "the server's second ping"); got != "server-probe" {
		t.Errorf("the app got ping %q, want server-probe", got)
	}
	if got := recv(ctx, t, srv.pongs, "the app's pong"); got != "server-probe" {
		t.Errorf("the server got pong %q, want server-probe", got)
	}

	_ = c.Close(websocket.StatusNormalClosure, "")
	<-appRead
	if err := <-ended; websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Errorf("the server got %v; want the app's close", err)
	}
	logs, _ := r.logs()
	if l := logs[0]; len(l.Frames) != 0 || l.Close == nil || l.Close.By != wirelog.FromClient {
		t.Errorf("the log holds %d frames (pings are no messages) and close %+v", len(l.Frames), l.Close)
	}
}

// A ping to a side that vanishes does not hang: the pinging side is told
// the other end is gone (the proxy closes it), and its Ping returns with
// that, long before its own deadline.
func TestProxyPingToAVanishedSide(t *testing.T) {
	t.Parallel()
	for _, serverVanishes := range []bool{true, false} {
		name := "the app vanishes"
		if serverVanishes {
			name = "the server vanishes"
		}
		t.Run(name, func(t *testing.T) {
			ctx := ctxT(t)
			srv, app := newEnd(false), newEnd(false) // neither answers: the ping stays open
			conns, ended, vanish := make(chan *websocket.Conn, 1), make(chan error, 1), make(chan struct{})
			r := newRig(t, pingServer(t, srv, conns, ended, vanish))
			c, _, err := websocket.Dial(ctx, r.ws(), &websocket.DialOptions{OnPingReceived: app.onPing})
			if err != nil {
				t.Fatal(err)
			}
			appRead := readAll(c)
			up := <-conns
			pinger, pinged, gone := c, srv.pings, func() { close(vanish) }
			if !serverVanishes {
				pinger, pinged, gone = up, app.pings, func() { _ = c.CloseNow() }
			}
			done := make(chan error, 1)
			go func() { done <- pinger.Ping(ctx) }()
			recv(ctx, t, pinged, "the ping")
			gone()
			select {
			case err := <-done:
				if err == nil || errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("the ping ended with %v; want the connection closed", err)
				}
			case <-ctx.Done():
				t.Fatal("the ping to a vanished side hangs")
			}
			<-appRead
			<-ended
			logs, _ := r.logs()
			want := wirelog.FromClient
			if serverVanishes {
				want = wirelog.FromServer
			}
			if cl := logs[0].Close; cl == nil || cl.By != wirelog.ByCut || cl.CutBy != want {
				t.Errorf("close %+v; want a cut by the %s", cl, want)
			}
		})
	}
}

// Through the proxy, the fake sees an app's ping as a ping: with the fault
// idle-reset-by-ping it keeps the session open past the idle timeout, and
// faithful (pings do not reset the idle timer, docs/protocol.md §6) it closes at
// the timeout whatever the app pings. The pings are no messages, at the
// fake or in the log.
func TestProxyPingsReachTheFake(t *testing.T) {
	t.Parallel()
	for _, resets := range []bool{false, true} {
		name := "faithful"
		var faults []string
		if resets {
			name, faults = fakeserver.FaultIdleResetByPing, []string{fakeserver.FaultIdleResetByPing}
		}
		t.Run(name, func(t *testing.T) {
			mem := fakeserver.NewMemory()
			fake, clock := testfake.Start(t, fakeserver.Options{Record: mem.Recording(), Faults: faults})
			r := newRig(t, fake.URL())
			ctx := ctxT(t)
			c, _ := r.session(ctx, r.mint(fake.TestKey()))
			appRead := readAll(c)
			// The fake reads (and answers a ping) only once its session runs,
			// its idle timer set: a first ping waits for that.
			if err := c.Ping(ctx); err != nil {
				t.Fatalf("a ping at 0 s: %v", err)
			}

			clock.Advance(10 * time.Second)
			if err := c.Ping(ctx); err != nil {
				t.Fatalf("a ping at 10 s: %v", err)
			}
			if resets {
				// 20 s from the start, 10 s after the ping: open.
				clock.Advance(10 * time.Second)
				if err := c.Ping(ctx); err != nil {
					t.Fatalf("a ping at 20 s: %v", err)
				}
				if got := mem.Connections()[0].ClosedBy; got != "" {
					t.Fatalf("the fake closed (%s) 10 s after a ping that resets its idle timer: the ping did not reach it", got)
				}
				clock.Advance(16 * time.Second)
			} else {
				clock.Advance(6 * time.Second) // 16 s from the start
			}
			err := <-appRead
			if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
				t.Fatalf("the app got %v; want the fake's idle close, 1000", err)
			}
			for _, f := range mem.Connections()[0].Frames {
				if f.FromClient {
					t.Errorf("the fake got a message %q from the app, which sent only pings", f.Data)
				}
			}
			logs, _ := r.logs()
			if l := logs[0]; len(l.Sent(wirelog.FromClient)) != 0 || l.Close == nil || l.Close.By != wirelog.FromServer || l.Close.Code != 1000 {
				t.Errorf("log: %d client frames, close %+v", len(l.Sent(wirelog.FromClient)), l.Close)
			}
		})
	}
}
