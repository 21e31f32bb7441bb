package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/wirelog"
)

// Close codes the proxy sends when one side vanished without a close: the
// other side is told so. 1014 is the registered "bad gateway" code.
const (
	codeServerVanished = websocket.StatusCode(1014)
	codeClientVanished = websocket.StatusGoingAway
	codeStopped        = websocket.StatusGoingAway
)

// dialTimeout bounds the upstream handshake.
const dialTimeout = 30 * time.Second

// socket is one proxied WebSocket: the app's side, the server's side, and
// the log.
type socket struct {
	p      *Proxy
	log    *wirelog.Conn
	ctx    context.Context // ends with the proxy
	cancel context.CancelFunc

	sum    Summary
	counts [2]atomic.Int64 // [0] from the client, [1] from the server
	once   sync.Once
	ending atomic.Bool // end has begun

	mu             sync.Mutex
	stopped        bool
	client, server *websocket.Conn
}

// admit registers a socket before anything is done for it, so that Close
// reaches it whatever stage it is in; none is admitted once Close began.
func (p *Proxy) admit(r *http.Request) (*socket, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closing {
		return nil, false
	}
	p.wg.Add(1)
	lc := p.opts.Set.Open(r)
	s := &socket{p: p, log: lc, sum: Summary{ID: lc.ID(), Request: r.Method + " " + r.URL.RequestURI()}}
	s.ctx, s.cancel = context.WithCancel(p.ctx)
	p.sockets = append(p.sockets, s)
	return s, true
}

// serveSocket checks the app's handshake, dials the upstream with the app's
// request first, so that a refusal at the handshake reaches the app as the
// server gave it, then accepts the app and forwards both ways until one
// side ends.
func (p *Proxy) serveSocket(w http.ResponseWriter, r *http.Request) {
	s, ok := p.admit(r)
	if !ok {
		http.Error(w, "scribecheck proxy: stopping; no new connection is taken", http.StatusServiceUnavailable)
		return
	}
	defer p.wg.Done()
	defer p.finish(s)
	defer s.cancel()
	if why := badHandshake(r); why != "" {
		// Dialing first would spend the app's single-use token on a
		// socket the app can never use.
		msg := "scribecheck proxy: " + why
		http.Error(w, msg, http.StatusBadRequest)
		s.log.Refused(http.StatusBadRequest, []byte(msg+"\n")) // http.Error ends the body with a newline
		s.log.Cut(wirelog.FromClient, "the app's upgrade request is no WebSocket handshake ("+why+"): the proxy answered 400 and did not contact the server")
		s.sum.End = "refused by the proxy: " + why
		return
	}
	scheme := "ws"
	if p.upstream.Scheme == "https" {
		scheme = "wss"
	}
	dctx, cancel := context.WithTimeout(s.ctx, dialTimeout)
	defer cancel()
	up, resp, err := websocket.Dial(dctx, p.target(r, scheme), &websocket.DialOptions{
		HTTPClient: p.opts.Client, HTTPHeader: forwardHeaders(r.Header), Host: p.upstream.Host,
		Subprotocols: subprotocols(r.Header), CompressionMode: websocket.CompressionDisabled,
		OnPingReceived: func(_ context.Context, b []byte) bool { return s.control(false, msgPing, b) },
		OnPongReceived: func(_ context.Context, b []byte) { s.control(false, msgPong, b) },
	})
	switch {
	case err != nil && s.stopping():
		s.recordingEnded()
		return
	case err != nil:
		s.refused(w, resp, err)
		return
	}
	var protos []string
	if sp := up.Subprotocol(); sp != "" {
		protos = []string{sp}
	}
	app, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: []string{"*"}, Subprotocols: protos,
		CompressionMode: websocket.CompressionDisabled,
		OnPingReceived:  func(_ context.Context, b []byte) bool { return s.control(true, msgPing, b) },
		OnPongReceived:  func(_ context.Context, b []byte) { s.control(true, msgPong, b) }})
	if err != nil { // Accept has answered the app with the reason, if it could
		_ = up.Close(codeClientVanished, "scribecheck proxy: the client's upgrade failed")
		if s.stopping() { // the proxy's own shutdown cut the app's connection
			s.recordingEnded()
			return
		}
		s.log.Cut(wirelog.FromClient, "the app's upgrade to the proxy failed: "+err.Error())
		s.sum.End = "the app's upgrade failed"
		return
	}
	s.log.Status(101)
	s.sum.Status = 101
	up.SetReadLimit(p.opts.ReadLimit)
	app.SetReadLimit(p.opts.ReadLimit)
	s.mu.Lock()
	s.client, s.server = app, up
	stopped := s.stopped
	s.mu.Unlock()
	if stopped { // Close came while the app was being accepted
		s.closeBoth(codeStopped, "scribecheck proxy stopped")
		s.recordingEnded()
		return
	}
	done := make(chan struct{})
	go func() { s.pump(true); close(done) }()
	s.pump(false)
	<-done
}

// badHandshake says what makes a request no WebSocket handshake, or "".
func badHandshake(r *http.Request) string {
	switch {
	case r.Method != http.MethodGet:
		return "a WebSocket upgrade must be a GET, not " + r.Method
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		return "Sec-WebSocket-Version must be 13"
	case r.Header.Get("Sec-WebSocket-Key") == "":
		return "Sec-WebSocket-Key is missing"
	}
	return ""
}

func (s *socket) stopping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopped || s.p.ctx.Err() != nil
}

func (s *socket) recordingEnded() {
	s.once.Do(func() {
		s.log.Closed(wirelog.ByCut, 0, "", wirelog.RecordingEnded)
		s.sum.End = "the proxy stopped"
	})
}

// refused passes a handshake the server did not upgrade on to the app: its
// status, headers and (first KiB of) body; or a 502 when it was not reached.
func (s *socket) refused(w http.ResponseWriter, resp *http.Response, err error) {
	if resp == nil || resp.StatusCode == 0 {
		msg := fmt.Sprintf("scribecheck proxy: %s could not be reached (%v); check --target and the network", s.p.upstream.Redacted(), err)
		http.Error(w, msg, http.StatusBadGateway)
		s.log.Cut(wirelog.FromServer, "the proxy could not reach the server: "+err.Error())
		s.sum.End = "server not reached"
		return
	}
	var body []byte
	if resp.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(resp.Body, 1024))
	}
	for k, vs := range resp.Header {
		if !hopByHop[http.CanonicalHeaderKey(k)] {
			w.Header()[k] = vs
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
	s.log.Refused(resp.StatusCode, body)
	s.log.Closed(wirelog.FromServer, 0, "", fmt.Sprintf("the server answered the upgrade with HTTP %d: %s", resp.StatusCode, text.OneLine(string(body), 200)))
	s.sum.Status, s.sum.End = resp.StatusCode, fmt.Sprintf("refused at the upgrade (HTTP %d)", resp.StatusCode)
}

// pump forwards one direction: read a message, log it, write it on. A
// message is in the log before it is forwarded, so a cut never loses one.
// How a side ended is told by its own reader: a failed write only ends this
// direction, unless the other side read nothing for WriteTimeout.
func (s *socket) pump(fromClient bool) {
	from, to, side, other := s.server, s.client, wirelog.FromServer, wirelog.FromClient
	if fromClient {
		from, to, side, other = s.client, s.server, wirelog.FromClient, wirelog.FromServer
	}
	for {
		typ, data, err := from.Read(s.ctx)
		if err != nil {
			s.end(side, err)
			return
		}
		s.log.Frame(fromClient, typ == websocket.MessageBinary, data)
		if fromClient {
			s.counts[0].Add(1)
		} else {
			s.counts[1].Add(1)
		}
		if s.forward(to, other, typ, data) != nil {
			return
		}
	}
}

// forward writes a message or a control frame on to the side other. A side
// that reads nothing for WriteTimeout is cut; the cut is recorded before the
// write is undone, so it names the stuck side.
func (s *socket) forward(to *websocket.Conn, other string, typ websocket.MessageType, data []byte) error {
	stuck := time.AfterFunc(s.p.opts.WriteTimeout, func() {
		s.end(other, fmt.Errorf("the %s read nothing for %s: the proxy cut it", other, s.p.opts.WriteTimeout))
	})
	defer stuck.Stop()
	return to.Write(s.ctx, typ, data)
}

// Pings and pongs pass through: the proxy answers no ping itself, so each
// side's liveness check (a ping and its pong) measures the other end, and
// an end that is gone is seen as gone. A ping reaches the other side as a
// ping, with its payload, never as a message: the live server's idle timer
// ignores pings (docs/protocol.md §6), and so must the proxy's forwarding.
//
// coder/websocket answers a ping itself unless OnPingReceived returns
// false, and has no call that sends a ping or pong with a given payload
// (its Ping sends a counter). But Write sends a message as one frame whose
// opcode is its MessageType (MessageText = 1, MessageBinary = 2), so these
// types send a ping (opcode 9) and a pong (opcode 10), RFC 6455 §5.5.2-3;
// compression is off on both sides, so the frame goes as given.
// TestProxyForwardsPingsBothWays pins this to the library.
//
// They are not in the wire log: its format has no record for a control
// frame. A new record kind is refused by the readers already released
// (ReadFile: unknown record kind), and a frame record would be read by them,
// and by every grader and replay, as a message.
const (
	msgPing = websocket.MessageType(9)
	msgPong = websocket.MessageType(10)
)

// control passes a ping or pong the side fromClient sent to the other side.
// It runs in the library's reader of that side, in the pump, so a ping keeps
// its place among the messages and a side that cannot take it is cut as for
// a message. It returns false: no pong from the proxy.
//
// A close also reads (the frames before the close frame) and so can call
// it: once the socket ends or the proxy stops, nothing is forwarded, or a
// close could wait on a write to a stuck side that only that end would cut.
func (s *socket) control(fromClient bool, typ websocket.MessageType, payload []byte) bool {
	s.mu.Lock()
	to, other := s.server, wirelog.FromServer
	if !fromClient {
		to, other = s.client, wirelog.FromClient
	}
	ended := s.stopped || s.p.ctx.Err() != nil || s.ending.Load()
	s.mu.Unlock()
	if to != nil && !ended { // to is nil while the app's upgrade is under way
		_ = s.forward(to, other, typ, payload) // a failed write is the pump's to report
	}
	return false
}

// end records how the socket ended, once, and ends the other side with a
// close that says why: the same close when a side closed, or a close that
// names the side that vanished.
func (s *socket) end(side string, err error) {
	s.once.Do(func() {
		s.ending.Store(true)
		var ce websocket.CloseError
		limit := fmt.Sprintf("read limited at %d bytes", s.p.opts.ReadLimit+1)
		closed := errors.As(err, &ce)
		switch {
		// A side's own close frame is what happened on the wire, even when it
		// crosses the proxy's stop (an app that closes as the recording ends);
		// only the echo of the proxy's own 1001 is the stop itself.
		case s.stopping() && (!closed || ce.Code == codeStopped):
			s.log.Closed(wirelog.ByCut, 0, "", wirelog.RecordingEnded)
			s.sum.End = "the proxy stopped"
		case closed:
			s.log.Closed(side, int(ce.Code), ce.Reason, "")
			s.sum.End = fmt.Sprintf("closed by the %s: %d %q", side, ce.Code, ce.Reason)
			_ = s.opposite(side).Close(ce.Code, ce.Reason)
		case strings.Contains(err.Error(), limit): // the library closed that side with 1009
			s.log.Cut(side, fmt.Sprintf("the %s sent a message over the proxy's read limit of %d bytes: the proxy closed it with 1009", side, s.p.opts.ReadLimit))
			s.sum.End = fmt.Sprintf("the %s sent a message over %d bytes", side, s.p.opts.ReadLimit)
			_ = s.opposite(side).Close(websocket.StatusMessageTooBig, text.OneLine(fmt.Sprintf("scribecheck proxy: the %s sent a message over %d bytes", side, s.p.opts.ReadLimit), 120))
		default:
			s.log.Cut(side, err.Error())
			s.sum.End = fmt.Sprintf("the %s vanished: %v", side, err)
			code, reason := codeServerVanished, "scribecheck proxy: the server vanished mid-stream"
			if side == wirelog.FromClient {
				code, reason = codeClientVanished, "scribecheck proxy: the client vanished mid-stream"
			}
			_ = s.opposite(side).Close(code, reason)
			_ = s.self(side).CloseNow()
		}
	})
}

func (s *socket) opposite(side string) *websocket.Conn {
	if side == wirelog.FromClient {
		return s.server
	}
	return s.client
}

func (s *socket) self(side string) *websocket.Conn {
	if side == wirelog.FromClient {
		return s.client
	}
	return s.server
}

// stop ends the socket when the proxy stops: both sides get 1001, and a
// socket still in its handshake ends there.
func (s *socket) stop() {
	s.markStopped()
	s.closeBoth(codeStopped, "scribecheck proxy stopped")
	s.cancel()
}

func (s *socket) markStopped() {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
}

// closeBoth closes whichever sides are open, at once.
func (s *socket) closeBoth(code websocket.StatusCode, reason string) {
	s.mu.Lock()
	conns := []*websocket.Conn{s.client, s.server}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range conns {
		if c != nil {
			wg.Add(1)
			go func() { defer wg.Done(); _ = c.Close(code, reason) }()
		}
	}
	wg.Wait()
}

// finish adds the socket to the finished list and prints its line.
func (p *Proxy) finish(s *socket) {
	s.sum.FromClient, s.sum.FromSrv = int(s.counts[0].Load()), int(s.counts[1].Load())
	s.sum.Request = p.opts.Redactor.Redact(s.sum.Request) // the set has learnt its credentials by now
	p.mu.Lock()
	p.finished = append(p.finished, s.sum)
	for i, o := range p.sockets {
		if o == s {
			p.sockets = append(p.sockets[:i], p.sockets[i+1:]...)
			break
		}
	}
	p.mu.Unlock()
	status := "not upgraded"
	if s.sum.Status != 0 {
		status = fmt.Sprint(s.sum.Status)
	}
	p.logf("proxy: %s %s → %s, %s from the app, %d from the server; %s", s.sum.ID, s.sum.Request, status,
		text.Plural(s.sum.FromClient, "message", "messages"), s.sum.FromSrv, s.sum.End)
}

// hopByHop are the headers a proxy does not forward, with the handshake's
// own (the library writes those for its side).
var hopByHop = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true, "Proxy-Authorization": true, "Te": true,
	"Trailer": true, "Transfer-Encoding": true, "Upgrade": true, "Host": true, "Content-Length": true,
	"Sec-Websocket-Key": true, "Sec-Websocket-Version": true, "Sec-Websocket-Extensions": true,
	"Sec-Websocket-Protocol": true, "Sec-Websocket-Accept": true,
}

// forwardHeaders are the app's headers as the server must see them: its
// credentials, User-Agent, Origin and cookies unchanged.
func forwardHeaders(in http.Header) http.Header {
	out := http.Header{}
	for k, vs := range in {
		if !hopByHop[http.CanonicalHeaderKey(k)] {
			out[k] = append([]string(nil), vs...)
		}
	}
	return out
}

func subprotocols(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
