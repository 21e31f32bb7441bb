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

	"github.com/scribecheck/scribecheck/wirelog"
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
	p              *Proxy
	log            *wirelog.Conn
	client, server *websocket.Conn
	ctx            context.Context
	cancel         context.CancelFunc

	sum     Summary
	counts  [2]atomic.Int64 // [0] from the client, [1] from the server
	once    sync.Once
	stopped atomic.Bool
}

// serveSocket dials the upstream with the app's request first, so that a
// refusal at the handshake reaches the app as the server gave it, then
// accepts the app and forwards both ways until one side ends.
func (p *Proxy) serveSocket(w http.ResponseWriter, r *http.Request) {
	p.wg.Add(1)
	defer p.wg.Done()
	lc := p.opts.Set.Open(r)
	s := &socket{p: p, log: lc, sum: Summary{ID: lc.ID(), Request: r.Method + " " + r.URL.RequestURI()}}
	scheme := "ws"
	if p.upstream.Scheme == "https" {
		scheme = "wss"
	}
	dctx, cancel := context.WithTimeout(p.ctx, dialTimeout)
	defer cancel()
	up, resp, err := websocket.Dial(dctx, p.target(r, scheme), &websocket.DialOptions{
		HTTPClient: p.opts.Client, HTTPHeader: forwardHeaders(r.Header), Host: p.upstream.Host,
		Subprotocols: subprotocols(r.Header), CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		s.refused(w, resp, err)
		return
	}
	var protos []string
	if sp := up.Subprotocol(); sp != "" {
		protos = []string{sp}
	}
	app, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: []string{"*"}, Subprotocols: protos,
		CompressionMode: websocket.CompressionDisabled})
	if err != nil { // Accept has answered the app with the reason
		_ = up.Close(codeClientVanished, "scribecheck proxy: the client's upgrade failed")
		lc.Status(101)
		s.end(wirelog.FromClient, fmt.Errorf("the app's upgrade to the proxy failed: %w", err))
		p.finish(s)
		return
	}
	lc.Status(101)
	s.sum.Status = 101
	up.SetReadLimit(p.opts.ReadLimit)
	app.SetReadLimit(p.opts.ReadLimit)
	s.client, s.server = app, up
	s.ctx, s.cancel = context.WithCancel(context.Background())
	defer s.cancel()
	p.mu.Lock()
	p.sockets = append(p.sockets, s)
	p.mu.Unlock()

	done := make(chan struct{})
	go func() { s.pump(true); close(done) }()
	s.pump(false)
	<-done
	p.finish(s)
}

// refused passes a handshake the server did not upgrade on to the app: its
// status, headers and (first KiB of) body; or a 502 when it was not reached.
func (s *socket) refused(w http.ResponseWriter, resp *http.Response, err error) {
	if resp == nil || resp.StatusCode == 0 {
		msg := fmt.Sprintf("scribecheck proxy: %s could not be reached (%v); check --upstream and the network", s.p.upstream, err)
		http.Error(w, msg, http.StatusBadGateway)
		s.log.Cut(wirelog.FromServer, "the proxy could not reach the server: "+err.Error())
		s.sum.End = "server not reached"
		s.p.finish(s)
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
	s.log.Status(resp.StatusCode)
	s.log.Closed(wirelog.FromServer, 0, "", fmt.Sprintf("the server answered the upgrade with HTTP %d: %s", resp.StatusCode, clip(string(body), 200)))
	s.sum.Status, s.sum.End = resp.StatusCode, fmt.Sprintf("refused at the upgrade (HTTP %d)", resp.StatusCode)
	s.p.finish(s)
}

// pump forwards one direction: read a message, log it, write it on. A
// message is in the log before it is forwarded, so a cut never loses one.
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
		if err := to.Write(s.ctx, typ, data); err != nil {
			s.end(other, fmt.Errorf("forwarding a message to it failed: %w", err))
			return
		}
	}
}

// end records how the socket ended, once, and ends the other side with a
// close that says why: the same close when a side closed, or a close that
// names the side that vanished.
func (s *socket) end(side string, err error) {
	s.once.Do(func() {
		var ce websocket.CloseError
		switch {
		case s.stopped.Load():
			s.log.Closed(wirelog.ByCut, 0, "", wirelog.RecordingEnded)
			s.sum.End = "the proxy stopped"
		case errors.As(err, &ce):
			s.log.Closed(side, int(ce.Code), ce.Reason, "")
			s.sum.End = fmt.Sprintf("closed by the %s: %d %q", side, ce.Code, ce.Reason)
			if o := s.opposite(side); o != nil {
				go func() { _ = o.Close(ce.Code, ce.Reason) }()
			}
		default:
			s.log.Cut(side, err.Error())
			s.sum.End = fmt.Sprintf("the %s vanished: %v", side, err)
			code, reason := codeServerVanished, "scribecheck proxy: the server vanished mid-stream"
			if side == wirelog.FromClient {
				code, reason = codeClientVanished, "scribecheck proxy: the client vanished mid-stream"
			}
			if o := s.opposite(side); o != nil {
				go func() { _ = o.Close(code, reason) }()
			}
			if c := s.self(side); c != nil {
				_ = c.CloseNow()
			}
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

// stop ends the socket when the proxy stops: both sides get 1001.
func (s *socket) stop() {
	s.stopped.Store(true)
	var wg sync.WaitGroup
	for _, c := range []*websocket.Conn{s.client, s.server} {
		wg.Add(1)
		go func() { defer wg.Done(); _ = c.Close(codeStopped, "scribecheck proxy stopped") }()
	}
	wg.Wait()
	s.cancel()
}

// finish adds the socket to the finished list and prints its line.
func (p *Proxy) finish(s *socket) {
	s.sum.FromClient, s.sum.FromSrv = int(s.counts[0].Load()), int(s.counts[1].Load())
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
	p.logf("proxy: %s %s → %s, %d message(s) from the app, %d from the server; %s", s.sum.ID, s.sum.Request, status, s.sum.FromClient, s.sum.FromSrv, s.sum.End)
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

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
