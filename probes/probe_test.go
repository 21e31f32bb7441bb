package probes

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/scribecheck/scribecheck/internal/hostile"
)

// Hostile and broken servers: every probe ends with a clear outcome within
// its timeouts, and never panics.

var quick = Options{Timeout: 500 * time.Millisecond, CloseWait: 200 * time.Millisecond}

func wsServer(t *testing.T, serve func(ctx context.Context, c *websocket.Conn)) Target {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		serve(r.Context(), c)
	}))
	t.Cleanup(srv.Close)
	return Target{Name: "hostile", BaseURL: srv.URL, APIKey: "sk_test_0123456789"}
}

func runWithin(t *testing.T, limit time.Duration, tgt Target, p AuthPath) Result {
	t.Helper()
	start := time.Now()
	res := Run(context.Background(), tgt, p, quick)
	if took := time.Since(start); took > limit {
		t.Errorf("probe took %v, limit %v", took, limit)
	}
	return res
}

func TestSilentServerIsNoAnswer(t *testing.T) {
	t.Parallel()
	tgt := wsServer(t, func(ctx context.Context, c *websocket.Conn) { <-ctx.Done() })
	res := runWithin(t, 3*time.Second, tgt, PathHeader)
	if res.Outcome != OutcomeNoAnswer || !res.Stages.Upgraded || res.Stages.SessionStarted {
		t.Errorf("outcome %q stages %+v: %s", res.Outcome, res.Stages, res.Detail)
	}
}

func TestGarbageFramesAreRecordedNotParsed(t *testing.T) {
	t.Parallel()
	tgt := wsServer(t, func(ctx context.Context, c *websocket.Conn) {
		_ = c.Write(ctx, websocket.MessageText, []byte("<html>not json"))
		_ = c.Write(ctx, websocket.MessageBinary, []byte{0, 1, 2})
		_ = c.Write(ctx, websocket.MessageText, []byte(`{"type":"session_started"}`))
		_ = c.Write(ctx, websocket.MessageText, []byte(`[1,2]`))
		_ = c.Close(websocket.StatusNormalClosure, "bye")
	})
	res := runWithin(t, 3*time.Second, tgt, PathHeader)
	if res.Outcome != OutcomeGarbage || !strings.Contains(res.Detail, "not JSON") {
		t.Errorf("outcome %q: %s", res.Outcome, res.Detail)
	}
	tl, _ := res.Decisive()
	got := tl.Received()
	if len(got) != 4 {
		t.Fatalf("recorded %d frames, want 4", len(got))
	}
	wantErr := []string{"not JSON", "binary frame", "without a string message_type", "not an object"}
	for i, f := range got {
		if !strings.Contains(f.ParseErr, wantErr[i]) {
			t.Errorf("frame %d parse error %q, want %q", i, f.ParseErr, wantErr[i])
		}
	}
	if tl.Close == nil || tl.Close.Code != 1000 || tl.Close.Reason != "bye" {
		t.Errorf("close %+v", tl.Close)
	}
}

func TestServerThatNeverAnswersHTTP(t *testing.T) {
	t.Parallel()
	res := runWithin(t, 3*time.Second, Target{Name: "mute", BaseURL: hostile.Silent(t), APIKey: "sk_test_0123456789"}, PathHeader)
	if res.Outcome != OutcomeNoAnswer || res.Stages.Upgraded {
		t.Errorf("outcome %q: %s", res.Outcome, res.Detail)
	}
}

func TestUnreachableHost(t *testing.T) {
	t.Parallel()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	res := runWithin(t, 3*time.Second, Target{Name: "gone", BaseURL: "http://" + addr, APIKey: "sk_test_0123456789"}, PathHeader)
	if res.Outcome != OutcomeUnreachable {
		t.Errorf("outcome %q: %s", res.Outcome, res.Detail)
	}
	// A path that mints first reports the mint failure as a harness fault.
	res = Run(context.Background(), Target{Name: "gone", BaseURL: "http://" + addr, APIKey: "k"}, PathTokenQuery, quick)
	if res.Fault == "" || !strings.Contains(res.Fault, "could not get one") {
		t.Errorf("fault %q", res.Fault)
	}
}

func TestRefusalAtTheUpgrade(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"detail":{"status":"invalid_api_key"}}`))
	}))
	defer srv.Close()
	res := runWithin(t, 3*time.Second, Target{Name: "401", BaseURL: srv.URL, APIKey: "sk_test_0123456789"}, PathHeader)
	if res.Outcome != OutcomeRefusedAtUpgrade || !strings.Contains(res.Detail, "HTTP 401") || !strings.Contains(res.Detail, "invalid_api_key") {
		t.Errorf("outcome %q: %s", res.Outcome, res.Detail)
	}
	if !res.Outcome.Refused() {
		t.Error("a 401 at the upgrade does not count as refused")
	}
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer broken.Close()
	res = runWithin(t, 3*time.Second, Target{Name: "502", BaseURL: broken.URL, APIKey: "sk_test_0123456789"}, PathNone)
	if res.Outcome != OutcomeUpgradeFailed || res.Outcome.Refused() {
		t.Errorf("a 502 at the upgrade: %q, refused %t; a broken proxy is not a refusal", res.Outcome, res.Outcome.Refused())
	}
}

func TestDroppedConnectionIsNotARefusal(t *testing.T) {
	t.Parallel()
	tgt := wsServer(t, func(ctx context.Context, c *websocket.Conn) { _ = c.CloseNow() })
	res := runWithin(t, 3*time.Second, tgt, PathNone)
	if res.Outcome != OutcomeDropped || res.Outcome.Refused() {
		t.Errorf("outcome %q (refused %t): %s", res.Outcome, res.Outcome.Refused(), res.Detail)
	}
}

func TestHugeFrameEndsTheSocketCleanly(t *testing.T) {
	t.Parallel()
	tgt := wsServer(t, func(ctx context.Context, c *websocket.Conn) {
		_ = c.Write(ctx, websocket.MessageText, []byte(`{"message_type":"session_started","session_id":"x"}`))
		_ = c.Write(ctx, websocket.MessageText, []byte(`{"message_type":"partial_transcript","text":"`+strings.Repeat("a", 2*ReadLimit)+`"}`))
		<-ctx.Done()
	})
	// Not quick: reading 2 MiB under the race detector on a loaded machine
	// can take longer than quick's 500 ms, and speed is not what this checks.
	start := time.Now()
	res := Run(context.Background(), tgt, PathHeader, Options{Timeout: 5 * time.Second, CloseWait: time.Second})
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("probe took %v: an oversize frame must end the socket, not hang it", took)
	}
	tl, _ := res.Decisive()
	if res.Outcome != OutcomeSession || tl.Close == nil || tl.Close.ByUs {
		t.Fatalf("outcome %q close %+v", res.Outcome, tl.Close)
	}
	if len(tl.Received()) != 1 {
		t.Errorf("%d frames recorded, want only the session_started before the oversize one", len(tl.Received()))
	}
	if res.Stages.Committed {
		t.Error("a commit was reported after the socket died")
	}
}

func TestAuthErrorWithoutCloseIsClosedByUs(t *testing.T) {
	t.Parallel()
	tgt := wsServer(t, func(ctx context.Context, c *websocket.Conn) {
		_ = c.Write(ctx, websocket.MessageText, []byte(`{"message_type":"auth_error","error":"nope"}`))
		_, _, _ = c.Read(ctx) // keeps the socket open until the client closes
	})
	res := runWithin(t, 3*time.Second, tgt, PathNone)
	tl, _ := res.Decisive()
	if res.Outcome != OutcomeAuthError || tl.Close == nil || !tl.Close.ByUs {
		t.Errorf("outcome %q close %+v", res.Outcome, tl.Close)
	}
	if !strings.Contains(res.Detail, "closed by us") {
		t.Errorf("detail %q does not say who closed", res.Detail)
	}
}

func TestNoFrameIsLostInABurst(t *testing.T) {
	t.Parallel()
	const n = 2000
	tgt := wsServer(t, func(ctx context.Context, c *websocket.Conn) {
		_ = c.Write(ctx, websocket.MessageText, []byte(`{"message_type":"auth_error","error":"e"}`))
		for i := range n {
			_ = c.Write(ctx, websocket.MessageText, []byte(`{"message_type":"warning","warning":"`+strings.Repeat("w", i%50)+`"}`))
		}
		_ = c.Close(websocket.StatusNormalClosure, "")
	})
	res := Run(context.Background(), tgt, PathNone, Options{Timeout: 5 * time.Second, CloseWait: 5 * time.Second})
	tl, _ := res.Decisive()
	if got := len(tl.Received()); got != n+1 {
		t.Errorf("recorded %d frames, want %d", got, n+1)
	}
	for i, f := range tl.Received()[1:] {
		if len(f.Get("warning").String()) != i%50 {
			t.Fatalf("frame %d out of order", i)
		}
	}
}

func TestMintWithoutTokenIsAFault(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"tok":"x"}`))
	}))
	defer srv.Close()
	res := Run(context.Background(), Target{Name: "odd", BaseURL: srv.URL, APIKey: "k"}, PathTokenQuery, quick)
	if !strings.Contains(res.Fault, "without a token") {
		t.Errorf("fault %q", res.Fault)
	}
}

func TestSkipReasons(t *testing.T) {
	t.Parallel()
	tgt := Target{Name: "live", BaseURL: "https://example.invalid", APIKey: "k"}
	if r := SkipReason(PathRestrictedKey, tgt, Options{}); !strings.Contains(r, "needs:fake") {
		t.Errorf("restricted-key on a real target: %q", r)
	}
	if r := SkipReason(PathTokenExpired, tgt, Options{}); !strings.Contains(r, "--slow") {
		t.Errorf("token-expired on a real target: %q", r)
	}
	if r := SkipReason(PathTokenExpired, tgt, Options{Slow: true}); r != "" {
		t.Errorf("token-expired with --slow: %q", r)
	}
}

func TestSocketURL(t *testing.T) {
	t.Parallel()
	q := DefaultQuery()
	if got := (Target{BaseURL: "https://api.elevenlabs.io"}).SocketURL(q); got != "wss://api.elevenlabs.io/v1/speech-to-text/realtime?model_id=scribe_v2_realtime" {
		t.Errorf("https target: %s", got)
	}
	if got := (Target{BaseURL: "http://127.0.0.1:9"}).SocketURL(q); !strings.HasPrefix(got, "ws://127.0.0.1:9/v1/") {
		t.Errorf("http target: %s", got)
	}
	for _, bad := range []string{"ftp://x", "127.0.0.1:80", "http://", "http://h/v1/x", "https://u:sk_secret123@h", "https://h?token=sutkn_secret123",
		"wss://api.elevenlabs.io/v1/speech-to-text/realtime?token=sutkn_secret123"} {
		_, err := ParseBaseURL(bad)
		if err == nil {
			t.Errorf("ParseBaseURL(%q) accepted", bad)
		} else if strings.Contains(err.Error(), "secret123") {
			t.Errorf("ParseBaseURL(%q) repeats a credential: %v", bad, err)
		}
	}
}
