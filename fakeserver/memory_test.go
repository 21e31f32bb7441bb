package fakeserver

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/protocol"
)

// Memory keeps a refused socket as the client saw it: upgraded, one
// auth_error, closed by the server with 1000; a spent token is refused too.
func TestMemoryRecordsARefusal(t *testing.T) {
	t.Parallel()
	mem := NewMemory()
	srv, err := NewServer(Options{Record: mem.Recording()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, err := srv.MintToken("no_such_type"); err == nil || !strings.Contains(err.Error(), protocol.TokenRealtimeScribe) {
		t.Errorf("an unknown token type: %v", err)
	}
	token, err := srv.MintToken(protocol.TokenRealtimeScribe)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 2 { // the second use of the token is refused
		c, _, err := websocket.Dial(ctx, srv.SocketURL(url.Values{protocol.TokenParam: {token}}), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, data, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]string{0: protocol.SessionStarted, 1: protocol.ErrAuth}[i]
		if !strings.Contains(string(data), want) {
			t.Errorf("socket %d: %s, want %s", i+1, data, want)
		}
		_ = c.Close(websocket.StatusNormalClosure, "")
	}
	srv.Close()
	conns := mem.Connections()
	if len(conns) != 2 {
		t.Fatalf("%d connections recorded, want 2", len(conns))
	}
	refused := conns[1]
	if refused.Status != 101 || refused.ClosedBy != closedByServer || refused.Code != 1000 || len(refused.Frames) != 1 ||
		refused.Frames[0].FromClient || !strings.Contains(string(refused.Frames[0].Data), protocol.AuthErrorText) ||
		refused.Query.Get(protocol.TokenParam) != token {
		t.Errorf("the refused socket: %+v", refused)
	}
}

// Memory keeps a refusal at the upgrade with what the fake said.
func TestMemoryRecordsAnHTTPRefusal(t *testing.T) {
	t.Parallel()
	mem := NewMemory()
	srv, err := NewServer(Options{Faults: []string{FaultAuthAtUpgrade}, Record: mem.Recording()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if c, resp, err := websocket.Dial(ctx, srv.SocketURL(nil), nil); err == nil || resp == nil || resp.StatusCode != 401 {
		if c != nil {
			c.CloseNow()
		}
		t.Fatalf("a socket without a credential: %v, %v; want HTTP 401", resp, err)
	}
	srv.Close() // waits for the handler, which records the refusal
	conns := mem.Connections()
	if len(conns) != 1 {
		t.Fatalf("%d connections recorded, want 1", len(conns))
	}
	c := conns[0]
	if c.Status != 401 || protocol.ErrorStatus(string(c.Body)) != protocol.StatusInvalidAPIKey || c.ClosedBy != closedByServer || len(c.Frames) != 0 {
		t.Errorf("the refusal: status %d, body %q, closed by %q, %d frames", c.Status, c.Body, c.ClosedBy, len(c.Frames))
	}
}
