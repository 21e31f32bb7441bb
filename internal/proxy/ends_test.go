package proxy_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/internal/proxy"
	"github.com/scribecheck/scribecheck/internal/wirelog"
)

// A side that closes while the other is still sending is recorded as that
// side's close, and the other side gets that close: never a cut (a failed
// write to a closing side must not be taken for a vanished one).
func TestProxyCloseCrossingTrafficIsRecordedAsIs(t *testing.T) {
	t.Parallel()
	for i := 0; i < 10; i++ {
		// The server closes while the app streams.
		r := newRig(t, upstream(t, func(c *websocket.Conn) {
			ctx := context.Background()
			for j := 0; j < 5; j++ {
				if _, _, err := c.Read(ctx); err != nil {
					return
				}
			}
			_ = c.Write(ctx, websocket.MessageText, []byte(`{"message_type":"commit_throttled","error":"x"}`))
			_ = c.Close(websocket.StatusNormalClosure, "commit_throttled")
		}))
		ctx := ctxT(t)
		c, _, err := websocket.Dial(ctx, r.ws(), nil)
		if err != nil {
			t.Fatal(err)
		}
		appGot := make(chan error, 1)
		go func() {
			for {
				if _, _, err := c.Read(ctx); err != nil {
					appGot <- err
					return
				}
			}
		}()
		for c.Write(ctx, websocket.MessageText, chunk(0.05, false)) == nil {
		}
		err = <-appGot
		logs, _ := r.logs()
		if cl := logs[0].Close; cl.By != wirelog.FromServer || cl.Code != 1000 || websocket.CloseStatus(err) != 1000 {
			t.Fatalf("run %d, the server closed: logged %+v; the app got %v", i, *cl, err)
		}
	}
	for i := 0; i < 10; i++ {
		// The app closes while the server streams.
		got := make(chan error, 1)
		r := newRig(t, upstream(t, func(c *websocket.Conn) {
			ctx := context.Background()
			go func() {
				for {
					if _, _, err := c.Read(ctx); err != nil {
						got <- err
						return
					}
				}
			}()
			for c.Write(ctx, websocket.MessageText, []byte(`{"message_type":"partial_transcript","text":"hello"}`)) == nil {
			}
		}))
		ctx := ctxT(t)
		c, _, err := websocket.Dial(ctx, r.ws(), nil)
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 50; j++ {
			_, _, _ = c.Read(ctx)
		}
		_ = c.Close(websocket.StatusNormalClosure, "User ended session")
		srvErr := <-got
		logs, _ := r.logs()
		if cl := logs[0].Close; cl.By != wirelog.FromClient || cl.Code != 1000 || websocket.CloseStatus(srvErr) != 1000 {
			t.Fatalf("run %d, the app closed: logged %+v; the server got %v", i, *cl, srvErr)
		}
	}
}

// Close at any moment of a connection's life (during the upstream dial,
// the app's upgrade, or the session) returns, and whatever was open is
// recorded as ended by the recording, not blamed on a side.
func TestProxyCloseAtAnyMoment(t *testing.T) {
	t.Parallel()
	up := upstream(t, func(c *websocket.Conn) {
		for {
			if _, _, err := c.Read(context.Background()); err != nil {
				return
			}
		}
	})
	for i := 0; i < 60; i++ {
		r := newRig(t, up)
		go func() {
			c, _, err := websocket.Dial(context.Background(), r.ws(), nil)
			if err != nil {
				return
			}
			go func() {
				for {
					if _, _, err := c.Read(context.Background()); err != nil {
						return
					}
				}
			}()
			for c.Write(context.Background(), websocket.MessageText, []byte(`{}`)) == nil {
			}
		}()
		time.Sleep(time.Duration(rand.IntN(4000)) * time.Microsecond)
		done := make(chan struct{})
		go func() { _ = r.p.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Fatalf("run %d: Proxy.Close did not return", i)
		}
		for _, f := range r.p.Finished() {
			if f.End != "the proxy stopped" {
				t.Fatalf("run %d: a connection open when the proxy stopped ended as %q", i, f.End)
			}
		}
	}
}

// An app's request that is no WebSocket handshake gets a 400 and never
// reaches the server: its single-use token is not spent.
func TestProxyBadHandshakeSpendsNoToken(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	r := newRig(t, upstream(t, func(c *websocket.Conn) { hits.Add(1) }))
	req, _ := http.NewRequest("GET", r.base+"/v1/speech-to-text/realtime?token=sutkn_0123456789abcdef0123456789abcdef", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket") // no Sec-WebSocket-Key or -Version
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	logs, _ := r.logs()
	if resp.StatusCode != http.StatusBadRequest || hits.Load() != 0 {
		t.Fatalf("status %d, the server reached %d time(s)", resp.StatusCode, hits.Load())
	}
	if l := logs[0]; l.Response.Status != 400 || l.Close.CutBy != wirelog.FromClient || !strings.Contains(l.Close.Error, "did not contact the server") {
		t.Fatalf("log %+v %+v", l.Response, l.Close)
	}
}

// An app that reads nothing is cut after WriteTimeout, so a session cannot
// hang in the proxy; the log says why.
func TestProxyCutsAnAppThatNeverReads(t *testing.T) {
	t.Parallel()
	r := newRigWith(t, proxy.Options{WriteTimeout: 200 * time.Millisecond, Upstream: upstream(t, func(c *websocket.Conn) {
		go func() { _, _, _ = c.Read(context.Background()) }() // answers the proxy's close at once
		msg := []byte(`{"message_type":"partial_transcript","text":"` + strings.Repeat("a", 60000) + `"}`)
		for c.Write(context.Background(), websocket.MessageText, msg) == nil {
		}
	})})
	ctx := ctxT(t)
	c, _, err := websocket.Dial(ctx, r.ws(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	for ctx.Err() == nil && len(r.p.Finished()) == 0 {
		time.Sleep(20 * time.Millisecond)
	}
	logs, _ := r.logs()
	if cl := logs[0].Close; cl.CutBy != wirelog.FromClient || !strings.Contains(cl.Error, "read nothing for 200ms") {
		t.Fatalf("close %+v", *cl)
	}
}

// A message over the read limit closes its sender with 1009 and the other
// side with a close that says why.
func TestProxyReadLimit(t *testing.T) {
	t.Parallel()
	got := make(chan error, 1)
	r := newRigWith(t, proxy.Options{ReadLimit: 1 << 20, Upstream: upstream(t, func(c *websocket.Conn) {
		_, _, err := c.Read(context.Background())
		got <- err
	})})
	ctx := ctxT(t)
	c, _, err := websocket.Dial(ctx, r.ws(), nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Write(ctx, websocket.MessageBinary, make([]byte, 2<<20))
	_, _, appErr := c.Read(ctx)
	srvErr := <-got
	logs, _ := r.logs()
	if websocket.CloseStatus(appErr) != websocket.StatusMessageTooBig || websocket.CloseStatus(srvErr) != websocket.StatusMessageTooBig {
		t.Fatalf("app got %v, server got %v", appErr, srvErr)
	}
	if cl := logs[0].Close; cl.CutBy != wirelog.FromClient || !strings.Contains(cl.Error, "read limit of 1048576 bytes") {
		t.Fatalf("close %+v", *cl)
	}
}
