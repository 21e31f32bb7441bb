//go:build unix

package fakeserver

import (
	"context"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/protocol"
)

// tinyBuffersClient dials with 4 KiB socket buffers both ways, so that what
// the fake sends to a client that never reads fills them at once, and the
// client's own writes stop soon after the fake stops reading.
func tinyBuffersClient() *http.Client {
	dialer := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		if cerr := c.Control(func(fd uintptr) {
			for _, opt := range []int{syscall.SO_RCVBUF, syscall.SO_SNDBUF} {
				if e := syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, opt, 4096); e != nil {
					err = e
				}
			}
		}); cerr != nil {
			return cerr
		}
		return err
	}}
	return &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
}

// dialSession opens a session (header auth, default query) with client and
// does not read from it.
func dialSession(ctx context.Context, client *http.Client, base, key string) (*websocket.Conn, error) {
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+protocol.RealtimePath+"?"+query().Encode(),
		&websocket.DialOptions{HTTPHeader: http.Header{protocol.APIKeyHeader: {key}}, HTTPClient: client})
	return conn, err
}

// openNonReading opens a session with tiny buffers that the test never reads.
func openNonReading(t testing.TB, base, key string) *websocket.Conn {
	t.Helper()
	client := tinyBuffersClient()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := dialSession(ctx, client, base, key)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = conn.CloseNow(); client.CloseIdleConnections() })
	return conn
}
