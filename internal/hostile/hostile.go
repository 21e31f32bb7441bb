// Package hostile serves the wrong and hostile targets scribecheck must hold
// up against in tests: a port that never answers, a socket that upgrades and
// says nothing, bytes at a trickle, a 100 MB frame, invalid UTF-8 and JSON,
// odd closes and resets, bad TLS certificates and redirects. Every server
// listens on loopback only and stops when the test ends.
package hostile

import (
	"bufio"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// quiet drops a TLS server's log of the handshakes its clients refuse.
var quiet = log.New(io.Discard, "", 0)

// listen opens a loopback listener that closes with the test.
func listen(t testing.TB, host string) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatalf("hostile: listening on %s: %v", host, err)
	}
	return l
}

// Silent accepts TCP connections and never sends a byte. It returns the
// base URL, http://127.0.0.1:PORT.
func Silent(t testing.TB) string {
	t.Helper()
	l := listen(t, "127.0.0.1")
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return "http://" + l.Addr().String()
}

// Raw serves each connection with serve, after reading the request head
// (for a WebSocket upgrade, Upgrade answers it). It returns the base URL.
func Raw(t testing.TB, serve func(c net.Conn, req *http.Request)) string {
	t.Helper()
	l := listen(t, "127.0.0.1")
	var wg sync.WaitGroup
	done := make(chan struct{})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				go func() { <-done; _ = c.Close() }() // a serve that blocks ends with the test
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				serve(c, req)
			}()
		}
	}()
	t.Cleanup(func() {
		close(done)
		_ = l.Close()
		wg.Wait()
	})
	return "http://" + l.Addr().String()
}

// Upgrade answers req's WebSocket handshake with 101.
func Upgrade(c net.Conn, req *http.Request) error {
	h := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	_, err := c.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + base64.StdEncoding.EncodeToString(h[:]) + "\r\n\r\n"))
	return err
}

// WebSocket opcodes.
const (
	OpText  = 0x1
	OpClose = 0x8
)

// FrameHeader is the head of an unmasked, final server frame of opcode op
// whose payload is n bytes long.
func FrameHeader(op byte, n uint64) []byte {
	b := []byte{0x80 | op}
	switch {
	case n < 126:
		return append(b, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, 126), uint16(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 127), n)
}

// WriteFrame writes one whole frame.
func WriteFrame(c net.Conn, op byte, payload []byte) error {
	_, err := c.Write(append(FrameHeader(op, uint64(len(payload))), payload...))
	return err
}

// CloseFrame is the payload of a close frame with code and reason; code 0
// gives an empty payload (no status).
func CloseFrame(code uint16, reason string) []byte {
	if code == 0 {
		return nil
	}
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}

// Upgraded serves a WebSocket that upgrades and then hands the raw
// connection to serve.
func Upgraded(t testing.TB, serve func(c net.Conn)) string {
	t.Helper()
	return Raw(t, func(c net.Conn, req *http.Request) {
		if Upgrade(c, req) == nil {
			serve(c)
		}
	})
}

// Hold blocks until the peer goes away (the probe closes, or the test ends).
func Hold(c net.Conn) {
	buf := make([]byte, 512)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

// Trickle answers the upgrade one byte every interval.
func Trickle(t testing.TB, interval time.Duration) string {
	t.Helper()
	return Raw(t, func(c net.Conn, req *http.Request) {
		head := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Padding: " +
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"
		for i := range len(head) {
			if _, err := c.Write([]byte{head[i]}); err != nil {
				return
			}
			time.Sleep(interval) // the trickle is the point: a hostile server's pace
		}
	})
}

// HugeFrame upgrades and sends a text frame that declares size bytes and
// streams them (zeros, 64 KiB at a time, never held whole) until the probe
// hangs up.
func HugeFrame(t testing.TB, size uint64) string {
	t.Helper()
	return Upgraded(t, func(c net.Conn) {
		if _, err := c.Write(FrameHeader(OpText, size)); err != nil {
			return
		}
		chunk := make([]byte, 64<<10)
		for sent := uint64(0); sent < size; sent += uint64(len(chunk)) {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
		Hold(c)
	})
}

// Frames upgrades, sends each text payload as a frame, then holds.
func Frames(t testing.TB, payloads ...[]byte) string {
	t.Helper()
	return Upgraded(t, func(c net.Conn) {
		for _, p := range payloads {
			if WriteFrame(c, OpText, p) != nil {
				return
			}
		}
		Hold(c)
	})
}

// CloseWith upgrades and closes at once with code (0: a close frame with no
// status) and reason, then hangs up.
func CloseWith(t testing.TB, code uint16, reason string) string {
	t.Helper()
	return Upgraded(t, func(c net.Conn) {
		_ = WriteFrame(c, OpClose, CloseFrame(code, reason))
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		Hold(c) // read the probe's answering close
	})
}

// Reset upgrades and resets the TCP connection (RST, no close frame).
func Reset(t testing.TB) string {
	t.Helper()
	return Upgraded(t, func(c net.Conn) {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // Close sends RST
		}
		_ = c.Close()
	})
}

// Status answers every request with status, header and body.
func Status(t testing.TB, status int, header http.Header, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// Redirect answers every request with status and Location: to + the path.
func Redirect(t testing.TB, status int, to string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, to+r.URL.RequestURI(), status)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TLS serves h over TLS with cfg's certificate on host (127.0.0.1, or
// 127.0.0.2 to stand for a wrong host). The base URL uses host as given.
func TLS(t testing.TB, host string, cfg *tls.Config, h http.Handler) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = listen(t, host)
	srv.TLS = cfg
	srv.Config.ErrorLog = quiet // the refused handshakes are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL
}

// SelfSigned serves h over TLS with httptest's self-signed certificate,
// which no client trusts.
func SelfSigned(t testing.TB, h http.Handler) string {
	t.Helper()
	return TLS(t, "127.0.0.1", nil, h)
}
