package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/protocol"
)

// The limit flags reach the fake: with --max-sessions 1 a second session
// is refused with resource_exhausted, with --max-tokens 1 a second mint with
// 429; a limit that is not positive is a usage error.
func TestFakeLimitFlags(t *testing.T) {
	t.Parallel()
	base, key := startFake(t, "--max-sessions", "1", "--max-tokens", "1", "--max-uncommitted", "5", "--write-timeout", "3s")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dial := func() *websocket.Conn {
		u := "ws" + strings.TrimPrefix(base, "http") + protocol.RealtimePath + "?model_id=scribe_v2_realtime"
		conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: http.Header{protocol.APIKeyHeader: {key}}})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		return conn
	}
	first := dial()
	defer first.CloseNow()
	if _, b, err := first.Read(ctx); err != nil || gjson.GetBytes(b, "message_type").String() != protocol.SessionStarted {
		t.Fatalf("first session: %s %v", b, err)
	}
	second := dial()
	defer second.CloseNow()
	_, b, err := second.Read(ctx)
	if gjson.GetBytes(b, "message_type").String() != protocol.ErrResourceExhausted || err != nil {
		t.Errorf("second session under --max-sessions 1: %s %v; want resource_exhausted", b, err)
	}
	if _, _, err := second.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Errorf("after resource_exhausted: %v, want close 1000", err)
	}

	statuses := []int{}
	for range 2 {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+protocol.SingleUseTokenPath+protocol.TokenRealtimeScribe, nil)
		req.Header.Set(protocol.APIKeyHeader, key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
	}
	if statuses[0] != 200 || statuses[1] != 429 {
		t.Errorf("two mints under --max-tokens 1: HTTP %v, want [200 429]", statuses)
	}

	for _, bad := range [][]string{{"--max-sessions", "0"}, {"--max-tokens", "-1"}, {"--max-uncommitted", "0"}, {"--write-timeout", "0s"}} {
		r := scribecheck(t, nil, append([]string{"fake"}, bad...)...)
		if r.Code != 2 || !strings.Contains(r.Stderr, "must be positive") {
			t.Errorf("fake %v: exit %d, stderr %q; want 2 and a message naming the limits", bad, r.Code, r.Stderr)
		}
	}
}
