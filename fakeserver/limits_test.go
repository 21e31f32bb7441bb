package fakeserver

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/protocol"
)

// waitUntil polls cond, a state the fake reaches on its own (a goroutine
// ending), with a generous bound that only detects a hang.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	// Only a hang bound, as advanceUntil's: the race-built storm under a full
	// make test on 2 cores once took longer than 10 s to get every slow
	// reader stuck in a write.
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s after 60 s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// advanceUntil moves the clock on by step, then waits up to twice the stall
// grace of real time for cond, and again, until cond holds: a write that was
// still finishing when the clock passed its timeout is not cut (it was not
// stuck), and the next one arms a timer that only a later step fires.
func advanceUntil(t testing.TB, clock *ManualClock, step time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s after 60 s", what)
		}
		clock.Advance(step)
		for wait := time.Now().Add(2 * stallGrace); !cond() && time.Now().Before(wait); {
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// wantRefusal checks a socket's frames end with one errType frame and a
// close 1000 whose reason is errType.
func wantRefusal(t *testing.T, what string, sock *socket, errType string) {
	t.Helper()
	n := len(sock.frames)
	if n == 0 || gjson.Get(sock.frames[n-1], "message_type").String() != errType ||
		gjson.Get(sock.frames[n-1], "error").String() == "" || sock.code != websocket.StatusNormalClosure || sock.reason != errType {
		t.Errorf("%s: frames %v, close %d %q; want %s with a text, then close 1000 %q", what, sock.frames, sock.code, sock.reason, errType, errType)
	}
}

func TestSessionCap(t *testing.T) {
	t.Parallel()
	s, base, _ := startWith(t, Options{MaxSessions: 2})
	a := open(t, base, query(), s.TestKey()).read(t, 1)
	b := open(t, base, query(), s.TestKey()).read(t, 1)
	if gjson.Get(a.frames[0], "message_type").String() != protocol.SessionStarted || gjson.Get(b.frames[0], "message_type").String() != protocol.SessionStarted {
		t.Fatalf("two sessions under a cap of 2: %v, %v", a.frames, b.frames)
	}
	_ = b.conn.Close(websocket.StatusNormalClosure, "")
	waitUntil(t, "the closed session to end", func() bool { return s.Sessions() == 1 })

	under := open(t, base, query(), s.TestKey()).read(t, 1) // one slot was freed
	if gjson.Get(under.frames[0], "message_type").String() != protocol.SessionStarted {
		t.Fatalf("second session after one closed: %v", under.frames)
	}
	over := open(t, base, query(), s.TestKey()).read(t, 0)
	wantRefusal(t, "third session", over, protocol.ErrResourceExhausted)
	if want := fmt.Sprintf(ResourceExhaustedText, 2); len(over.frames) != 1 || gjson.Get(over.frames[0], "error").String() != want {
		t.Errorf("over the cap: %v; want only resource_exhausted %q", over.frames, want)
	}
	if s.Sessions() != 2 {
		t.Errorf("%d sessions open after a refusal, want 2", s.Sessions())
	}
	// The sessions under the cap go on as before.
	a.stream(t, pcm16k.Speech(1), true)
	if got := committedTexts(a.finish(t)); len(got) != 1 || got[0] == "" {
		t.Errorf("a session under the cap committed %q, want one non-empty text", got)
	}
	_ = under.conn.CloseNow()
}

func committedTexts(frames []string) []string {
	var out []string
	for _, f := range frames {
		if gjson.Get(f, "message_type").String() == protocol.CommittedTranscript {
			out = append(out, gjson.Get(f, "text").String())
		}
	}
	return out
}

func TestQueueOverflow(t *testing.T) {
	t.Parallel()
	s, base, _ := startWith(t, Options{Session: SessionOptions{MaxUncommittedSecs: 2}})

	// Under the bound, commits keep the held audio small: nothing changes.
	under := open(t, base, query(), s.TestKey()).read(t, 1)
	for range 3 {
		under.stream(t, pcm16k.Speech(2), true) // exactly the bound, then committed
	}
	if got := committedTexts(under.finish(t)); len(got) != 3 || got[0] == "" {
		t.Errorf("three 2 s commits under a 2 s bound: %q; want three texts", got)
	}

	// Manual mode that does not commit: the chunk that passes 2 s is refused.
	manual := open(t, base, query(), s.TestKey()).read(t, 1)
	manual.stream(t, pcm16k.Speech(2.25), false)
	manual.read(t, 0)
	wantRefusal(t, "manual, 2.25 s uncommitted", manual, protocol.ErrQueueOverflow)
	if want := fmt.Sprintf(QueueOverflowText, 2.0); gjson.Get(manual.frames[len(manual.frames)-1], "error").String() != want {
		t.Errorf("queue_overflow text: %s, want %q", manual.frames[len(manual.frames)-1], want)
	}

	// vad mode with speech and no pause never commits by itself.
	vad := open(t, base, query("commit_strategy", "vad"), s.TestKey()).read(t, 1)
	vad.stream(t, pcm16k.Speech(3), false)
	vad.read(t, 0)
	wantRefusal(t, "vad, 3 s of speech without a pause", vad, protocol.ErrQueueOverflow)
	if got := committedTexts(vad.frames); len(got) != 0 {
		t.Errorf("vad speech without a pause committed %q", got)
	}
}

// A long uncommitted segment costs its words, not its audio: the recogniser
// holds one slot's bytes at most.
func TestRecogniserHoldsOneSlot(t *testing.T) {
	t.Parallel()
	r := &recogniser{f: pcm16k}
	speech := pcm16k.Speech(60)
	for off := 0; off < len(speech); off += pcm16k.Bytes(0.1) {
		r.add(speech[off:min(off+pcm16k.Bytes(0.1), len(speech))])
	}
	if cap(r.slot) > 2*pcm16k.Bytes(slotSecs) || r.secs() != 60 || len(r.words) == 0 {
		t.Errorf("after 60 s: slot buffer %d bytes (one slot is %d), %.2f s held, %d words", cap(r.slot), pcm16k.Bytes(slotSecs), r.secs(), len(r.words))
	}
	whole := &recogniser{f: pcm16k}
	whole.add(speech)
	if a, b := sentence(r.commit().words, true), sentence(whole.commit().words, true); a != b || a == "" {
		t.Errorf("chunked and whole audio heard differently:\n %q\n %q", a, b)
	}
}

// A client that never reads fills the socket's buffers; the fake's next
// write waits, and once WriteTimeout passes on the clock the fake drops the
// connection instead of holding the session (and its goroutine) for ever.
func TestSlowReaderIsDropped(t *testing.T) {
	t.Parallel()
	rec := &counting{closed: make(chan string, 1)}
	s, base, clock := startWith(t, Options{Record: Recording{Socket: func(*http.Request) Recorder { return rec }},
		Session: SessionOptions{WriteTimeout: time.Second, IdleTimeout: NoIdleTimeout}})
	sock := openNonReading(t, base, s.TestKey()) // reads nothing, not even session_started

	// Each bad frame is answered by an input_error the client never reads.
	var sent atomic.Int64
	done := make(chan error, 1)
	go func() {
		for {
			if err := sock.Write(context.Background(), websocket.MessageText, badBase64Frame); err != nil {
				done <- err
				return
			}
			sent.Add(1)
		}
	}()
	// Wait until the fake is stuck in a write: its stall timer stays armed
	// and it answers no more.
	waitUntil(t, "the fake's writes to block", func() bool {
		before := rec.frames.Load()
		time.Sleep(20 * time.Millisecond)
		return clock.Pending() == 1 && rec.frames.Load() == before && before > 0
	})
	stuckAt := rec.frames.Load()
	advanceUntil(t, clock, time.Second, "the slow reader's session to end", func() bool { return s.Sessions() == 0 })
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the client's writes still go through after the fake dropped it")
	}
	if got := <-rec.closed; got != closedByCut {
		t.Errorf("the slow reader's connection ended by %q, want %q (no close frame: it cannot be written)", got, closedByCut)
	}
	t.Logf("client sent %d frames; the fake answered %d before its write blocked (the socket buffers' worth)", sent.Load(), stuckAt)
	if stuckAt >= sent.Load() {
		t.Errorf("the fake answered all %d frames; the test never made it wait", sent.Load())
	}
	_ = sock.CloseNow()

	// A reading client under the same timeout is answered in full.
	ok := open(t, base, query(), s.TestKey()).read(t, 1)
	for range 50 {
		send(t, ok, websocket.MessageText, badBase64Frame)
	}
	ok.read(t, 51)
	if len(ok.frames) != 51 || s.Sessions() != 1 {
		t.Errorf("a reading client got %d frames (want 51), %d sessions open", len(ok.frames), s.Sessions())
	}
	_ = ok.conn.CloseNow()
}

var badBase64Frame = []byte(`{"message_type":"input_audio_chunk","audio_base_64":"not base64!"}`)

// counting is a Recorder that counts the frames the fake sent and says how
// the connection ended.
type counting struct {
	frames atomic.Int64
	closed chan string
}

func (c *counting) Status(int) {}
func (c *counting) Frame(fromClient, _ bool, _ []byte) {
	if !fromClient {
		c.frames.Add(1)
	}
}
func (c *counting) Closed(by string, _ int, _, _ string) {
	select {
	case c.closed <- by:
	default: // only the first counts
	}
}

func TestTokenCap(t *testing.T) {
	t.Parallel()
	s, base, clock := startWith(t, Options{MaxTokens: 3})
	for i := range 3 {
		if status, body := testkit.Mint(t, base, s.TestKey(), protocol.TokenRealtimeScribe); status != http.StatusOK {
			t.Fatalf("mint %d under the cap: %d %s", i+1, status, body)
		}
	}
	status, body := testkit.Mint(t, base, s.TestKey(), protocol.TokenRealtimeScribe)
	if status != http.StatusTooManyRequests || gjson.Get(body, "detail.status").String() != TooManyTokensStatus ||
		gjson.Get(body, "detail.message").String() != TooManyTokensMessage {
		t.Errorf("mint past the cap: %d %s; want 429 %s", status, body, TooManyTokensStatus)
	}
	// Expired tokens are still told apart from unknown ones until 30 min
	// after minting, then forgotten, which frees the cap.
	clock.Advance(protocol.TokenLifetime)
	if status, _ := testkit.Mint(t, base, s.TestKey(), protocol.TokenRealtimeScribe); status != http.StatusTooManyRequests {
		t.Errorf("15 min on, expired tokens still count: HTTP %d, want 429", status)
	}
	clock.Advance(protocol.TokenLifetime)
	tok := testkit.Token(t, base, s.TestKey(), protocol.TokenRealtimeScribe)
	if n := s.Tokens().Len(); n != 1 {
		t.Errorf("30 min on the store holds %d tokens, want the 1 just minted", n)
	}
	wantSession(t, "a token minted once the old ones were forgotten", open(t, base, query("token", tok), "").read(t, 1))
}

func TestTokenStoreForgetsOnlyOldTokens(t *testing.T) {
	t.Parallel()
	s, c := newStore()
	old := s.Mint(protocol.TokenRealtimeScribe, "h", "sk_test")
	c.Advance(tokenMemory - time.Second)
	young := s.Mint(protocol.TokenRealtimeScribe, "h", "sk_test")
	if _, err := s.Consume(old.Value, protocol.TokenRealtimeScribe); err != ErrTokenExpired {
		t.Errorf("a token 30 min less 1 s old: %v, want ErrTokenExpired", err)
	}
	c.Advance(time.Second)
	s.Mint(protocol.TokenRealtimeScribe, "h", "sk_test")
	if _, ok := s.Lookup(old.Value); ok {
		t.Error("a token minted 30 min ago is still remembered")
	}
	if _, ok := s.Lookup(young.Value); !ok || s.Len() != 2 {
		t.Errorf("the younger token is forgotten too (%d remembered)", s.Len())
	}
	// A store whose tokens never expire forgets none; the cap still holds.
	s.NeverExpire, s.Max = true, 3
	c.Advance(time.Hour)
	if _, err := s.TryMint(protocol.TokenRealtimeScribe, "h", "sk_test"); err != nil || s.Len() != 3 {
		t.Errorf("never-expiring store: %v, %d tokens", err, s.Len())
	}
	if _, err := s.TryMint(protocol.TokenRealtimeScribe, "h", "sk_test"); err != ErrTooManyTokens {
		t.Errorf("past the cap: %v, want ErrTooManyTokens", err)
	}
}
