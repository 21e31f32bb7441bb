package probes

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/internal/crash"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/protocol"
)

// ReadLimit bounds one frame from the server. Real frames are small; a
// larger one is recorded as an error, never read into memory whole.
const ReadLimit = 1 << 20

// ErrNoFrame is returned by Next when the socket is over and every frame it
// received has been read.
var ErrNoFrame = errors.New("no more frames: the socket is closed")

// Conn is one realtime socket with its timeline. A single reader goroutine
// records every frame; Next and WaitFor wait on what it recorded.
type Conn struct {
	start time.Time
	ws    *websocket.Conn
	stop  context.CancelFunc
	done  chan struct{} // closed when the reader has ended
	// closeWait bounds the wait for the server's answer to our close.
	closeWait time.Duration

	mu     sync.Mutex
	tl     Timeline
	cursor int           // received frames already returned by Next
	notify chan struct{} // closed and replaced on every event
}

// Dial opens the realtime socket at url with header. A failed upgrade is not
// an error of Dial: it is recorded in the timeline (Upgrade), and the returned
// Conn has no socket. ctx bounds the handshake only; closeWait bounds Close.
func Dial(ctx context.Context, url string, header http.Header, closeWait time.Duration) *Conn {
	c := &Conn{start: time.Now(), done: make(chan struct{}), notify: make(chan struct{}), closeWait: closeWait}
	c.tl.URL = url
	c.tl.RequestHeaders = header.Clone()
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: header, HTTPClient: NoRedirects(http.DefaultClient)})
	c.tl.Upgrade.At = time.Since(c.start)
	if resp != nil {
		c.tl.Upgrade.Status = resp.StatusCode
		c.tl.Upgrade.Header = resp.Header.Clone()
		if err != nil && resp.Body != nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
			c.tl.Upgrade.Body = string(b)
		}
	}
	if err != nil {
		c.tl.Upgrade.Err = describeDialErr(err)
		c.tl.Upgrade.Unreachable = resp == nil && isUnreachable(err)
		close(c.done)
		return c
	}
	ws.SetReadLimit(ReadLimit)
	c.ws = ws
	readCtx, stop := context.WithCancel(context.Background())
	c.stop = stop
	go c.read(readCtx)
	return c
}

// The TLS failures TLSFailure tells apart.
const (
	TLSWrongHost = "wrong-host" // the certificate is not for this host
	TLSUntrusted = "untrusted"  // self-signed or an unknown CA
	TLSNotSpoken = "not-tls"    // the port answers, but not with TLS
	tlsNoProblem = ""
)

// TLSFailure says which TLS failure err is, or "" when it is none: the
// error's text buries it, and the probes and the pre-flight word it each
// their own way.
func TLSFailure(err error) string {
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	switch {
	case errors.As(err, &hostErr):
		return TLSWrongHost
	case errors.As(err, &authErr) || errors.As(err, &certErr):
		return TLSUntrusted
	case errors.As(err, &recErr):
		return TLSNotSpoken
	}
	return tlsNoProblem
}

// describeDialErr names a TLS failure or a timeout, which the error's text
// buries.
func describeDialErr(err error) string {
	switch TLSFailure(err) {
	case TLSWrongHost:
		return "the TLS certificate is not for this host: " + err.Error()
	case TLSUntrusted:
		return "the TLS certificate is not trusted (self-signed or an unknown CA): " + err.Error()
	case TLSNotSpoken:
		return "the port does not speak TLS (use http:// or the TLS port): " + err.Error()
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "no complete HTTP answer before the timeout: " + err.Error()
	}
	return err.Error()
}

// parseFrame is ParseFrame; a test swaps it to inject a panic.
var parseFrame = ParseFrame

// isUnreachable tells a refused or unroutable connection from a server that
// answered badly.
func isUnreachable(err error) bool {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	return errors.As(err, &dnsErr) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) ||
		(errors.As(err, &opErr) && opErr.Op == "dial")
}

// SetRedactor makes the timeline's summaries and outcome details redact raw
// text with red before clipping it.
func (c *Conn) SetRedactor(red *secrets.Redactor) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tl.red = red
}

// Upgraded reports whether the handshake answered 101.
func (c *Conn) Upgraded() bool { return c.ws != nil }

func (c *Conn) read(ctx context.Context) {
	defer close(c.done)
	defer func() {
		// A panic here would kill the whole process with a Go stack: it
		// ends this socket instead, as a harness fault named in one line.
		if v := recover(); v != nil {
			c.mu.Lock()
			red := c.tl.red
			c.mu.Unlock()
			line := crash.Report("", "the frame reader", v, debug.Stack(), red)
			c.record(func(tl *Timeline) {
				tl.Err = line
				if tl.Close == nil {
					tl.Close = &Close{At: time.Since(c.start), Code: -1, Err: line}
				}
			})
			_ = c.ws.CloseNow()
		}
	}()
	for {
		typ, data, err := c.ws.Read(ctx)
		at := time.Since(c.start)
		if err != nil {
			c.record(func(tl *Timeline) {
				if tl.Close != nil {
					return // we closed it; Close recorded that
				}
				cl := &Close{At: at, Code: -1}
				var ce websocket.CloseError
				if errors.As(err, &ce) {
					cl.Code, cl.Reason = int(ce.Code), ce.Reason
				} else {
					cl.Err = err.Error()
				}
				tl.Close = cl
			})
			return
		}
		f := parseFrame(at, typ == websocket.MessageBinary, data)
		c.record(func(tl *Timeline) { tl.Frames = append(tl.Frames, f) })
	}
}

// record changes the timeline under the lock and wakes every waiter.
func (c *Conn) record(change func(*Timeline)) {
	c.mu.Lock()
	change(&c.tl)
	close(c.notify)
	c.notify = make(chan struct{})
	c.mu.Unlock()
}

// Next returns the next frame the server sent that Next has not returned yet
// (answers to Barrier frames are skipped). It waits until one arrives, the
// socket ends (ErrNoFrame) or ctx is done.
func (c *Conn) Next(ctx context.Context) (Frame, error) {
	for {
		c.mu.Lock()
		received := c.receivedLocked()
		for c.cursor < len(received) {
			f := received[c.cursor]
			c.cursor++
			if !isBarrierAnswer(f) {
				c.mu.Unlock()
				return f, nil
			}
		}
		ended := c.tl.Close != nil || c.ws == nil
		wait := c.notify
		c.mu.Unlock()
		if ended {
			return Frame{}, ErrNoFrame
		}
		select {
		case <-ctx.Done():
			return Frame{}, fmt.Errorf("waiting for a frame: %w", ctx.Err())
		case <-wait:
		}
	}
}

// pending waits for the answer to barrier number barriersSeen+1 and returns
// the unread frames received before it, without consuming them.
func (c *Conn) pending(ctx context.Context, barriersSeen int) ([]Frame, error) {
	for {
		c.mu.Lock()
		received := c.receivedLocked()
		var before []Frame
		n := 0
		for i, f := range received {
			if isBarrierAnswer(f) {
				n++
				if n > barriersSeen {
					c.mu.Unlock()
					return before, nil
				}
				continue
			}
			if i >= c.cursor {
				before = append(before, f)
			}
		}
		ended := c.tl.Close != nil || c.ws == nil
		wait := c.notify
		c.mu.Unlock()
		if ended {
			return before, ErrNoFrame
		}
		select {
		case <-ctx.Done():
			return before, fmt.Errorf("waiting for the barrier's answer: %w", ctx.Err())
		case <-wait:
		}
	}
}

func (c *Conn) receivedLocked() []Frame {
	var out []Frame
	for _, f := range c.tl.Frames {
		if !f.Out {
			out = append(out, f)
		}
	}
	return out
}

func (c *Conn) barriersSentLocked() int {
	n := 0
	for _, f := range c.tl.Frames {
		if f.Out && f.Type == BarrierType {
			n++
		}
	}
	return n
}

// WaitFor returns the next frame whose message_type is one of types,
// skipping others. It stops early at an error frame the caller did not ask
// for, returning that frame and an error.
func (c *Conn) WaitFor(ctx context.Context, types ...string) (Frame, error) {
	for {
		f, err := c.Next(ctx)
		if err != nil {
			return f, err
		}
		for _, t := range types {
			if f.Type == t {
				return f, nil
			}
		}
		if protocol.IsError(f.Type) {
			return f, fmt.Errorf("server sent %s: %s", f.Type, f.Get("error").String())
		}
	}
}

// Send writes v as a JSON text frame and records it.
func (c *Conn) Send(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding a frame: %w", err)
	}
	return c.SendRaw(ctx, websocket.MessageText, b)
}

// SendRaw writes one frame as it is and records it.
func (c *Conn) SendRaw(ctx context.Context, typ websocket.MessageType, b []byte) error {
	return c.send(ctx, typ, b, func(at time.Duration) Frame { return ParseFrame(at, typ == websocket.MessageBinary, b) })
}

// send writes b and records it as the frame record makes of it.
func (c *Conn) send(ctx context.Context, typ websocket.MessageType, b []byte, record func(at time.Duration) Frame) error {
	if c.ws == nil {
		return errors.New("not connected: the upgrade failed")
	}
	at := time.Since(c.start)
	err := c.ws.Write(ctx, typ, b)
	f := record(at)
	f.Out = true
	// The answer to this frame may have been recorded while the write
	// returned: put the frame where its time belongs, so the timeline reads
	// in causal order (a sent frame's time is taken before the write).
	c.record(func(tl *Timeline) {
		i := len(tl.Frames)
		for i > 0 && tl.Frames[i-1].At > f.At {
			i--
		}
		tl.Frames = slices.Insert(tl.Frames, i, f)
	})
	if err != nil {
		if ctx.Err() == nil {
			// A write fails when the socket is ending (an oversize frame, a
			// close, a reset): let the reader record how before anyone
			// closes it as ours.
			select {
			case <-c.done:
			case <-time.After(c.closeWait):
			}
		}
		return fmt.Errorf("sending a frame: %w", err)
	}
	return nil
}

// Close ends the socket with code 1000 and waits up to the close wait for
// the server's answer; a server that never answers is cut off. It is safe to
// call more than once and after the server closed.
func (c *Conn) Close() {
	if c.ws == nil {
		return
	}
	at := time.Since(c.start)
	open := false
	c.record(func(tl *Timeline) {
		if tl.Close == nil {
			open = true
			tl.Close = &Close{At: at, Code: int(websocket.StatusNormalClosure), Reason: "scribecheck done", ByUs: true}
		}
	})
	if open {
		go func() { _ = c.ws.Close(websocket.StatusNormalClosure, "scribecheck done") }()
		select {
		case <-c.done: // the reader saw the server's close frame
		case <-time.After(c.closeWait):
		}
	}
	c.stop() // a read whose context ends drops the connection
	<-c.done
}

// Timeline returns a copy of what has been recorded so far.
func (c *Conn) Timeline() Timeline {
	c.mu.Lock()
	defer c.mu.Unlock()
	tl := c.tl
	tl.Frames = append([]Frame(nil), c.tl.Frames...)
	if c.tl.Close != nil {
		cl := *c.tl.Close
		tl.Close = &cl
	}
	return tl
}
