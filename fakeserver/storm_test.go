//go:build unix

package fakeserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/tidwall/gjson"
	"go.uber.org/goleak"

	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/protocol"
)

// The storm: hundreds of abusive clients of every kind at once, beside
// healthy sessions. Each abusive frame gets its documented answer, the
// healthy sessions their right transcripts, slow readers are dropped once the
// write timeout passes on the clock, and once the server is closed no
// goroutine is left.

const (
	stormReadLimit = 64 << 10 // the 4 MiB default behaves the same, at more cost
	stormMaxTokens = 300
)

// How many clients of each kind.
var stormKinds = []struct {
	name string
	n    int
}{
	{"healthy", 20}, {"malformed-json", 60}, {"binary", 60}, {"bad-base64", 60}, {"oversize", 40},
	{"slow-reader", 40}, {"half-open-tcp", 30}, {"half-open-session", 30}, {"no-upgrade", 40}, {"token-flood", 50},
}

const (
	mintsPerFlooder = 10
	badFrames       = 3 // bad frames each abusive session sends
	binaryText      = "Binary frames are not supported: send input_audio_chunk as a JSON text frame"
)

// stormRun is what one storm's clients share.
type stormRun struct {
	base, key string
	http      *http.Client
	speech    []byte
	want      string // the speech's committed transcript, from a session alone
	mints     [2]atomic.Int64
	conns     chan net.Conn        // half-open connections, closed at the end
	silent    chan *websocket.Conn // half-open sessions, closed at the end
	writers   sync.WaitGroup       // the slow readers' writing goroutines
	slowConns chan *websocket.Conn // slow readers, closed at the end
	tiny      chan *http.Client    // their clients
}

// stormAlone is set in the process that runs the storm by itself.
const stormAlone = "FAKESERVER_STORM_ALONE"

// TestStorm runs the storm in a process of its own (this test binary again,
// with -test.run ^TestStorm$): its leak check counts every goroutine of the
// process, so in this one it would have to run alone, and the package's
// other tests waited the storm's 6-17 s for it. The process starts before
// t.Parallel(), as the package does, not once one of its two parallel slots
// is free.
func TestStorm(t *testing.T) {
	if os.Getenv(stormAlone) == "" {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestStorm$", "-test.v", "-test.count", "1")
		cmd.Env = append(os.Environ(), stormAlone+"=1", "GORACE="+testkit.ChildGORACE()) // the last of a repeated key wins
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Parallel()
		if err := cmd.Wait(); err != nil {
			t.Fatalf("the storm, in a process of its own: %v\n%s", err, out.String())
		}
		for _, line := range strings.Split(out.String(), "\n") {
			if strings.Contains(line, "storm_test.go:") { // its figures, not its process's PASS lines
				t.Log(strings.TrimSpace(line))
			}
		}
		return
	}
	ignore := goleak.IgnoreCurrent()
	start := time.Now()
	clock := NewManualClock(time.Now())
	var logs testkit.SyncBuffer
	s, err := New(Options{Clock: clock, Log: &logs, ReadLimit: stormReadLimit, MaxTokens: stormMaxTokens,
		Session: SessionOptions{IdleTimeout: NoIdleTimeout, WriteTimeout: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	base := testkit.Serve(t, s)
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	run := &stormRun{base: base, key: s.TestKey(), http: &http.Client{Transport: transport}, speech: pcm16k.Speech(3),
		conns: make(chan net.Conn, 100), silent: make(chan *websocket.Conn, 100),
		slowConns: make(chan *websocket.Conn, 100), tiny: make(chan *http.Client, 100)}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // a hang detector
	defer cancel()

	// The reference transcript, from one session alone.
	frames, err := run.healthy(ctx)
	if err != nil || frames == "" {
		t.Fatalf("a session alone: %q %v", frames, err)
	}
	run.want = frames

	// Phase 1: every kind at once.
	var wg sync.WaitGroup
	var failures sync.Map // kind -> first error
	counts := map[string]*atomic.Int64{}
	peak := atomic.Int64{}
	clients := 0
	for _, k := range stormKinds {
		clients += k.n
		count := &atomic.Int64{}
		counts[k.name] = count
		for i := range k.n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := run.client(ctx, k.name); err != nil {
					failures.LoadOrStore(k.name, fmt.Errorf("client %d: %w", i, err))
					return
				}
				count.Add(1)
				if g := int64(runtime.NumGoroutine()); g > peak.Load() {
					peak.Store(g)
				}
			}()
		}
	}
	wg.Wait()
	stormed := time.Since(start)
	failures.Range(func(k, v any) bool {
		t.Errorf("%s: %v", k, v)
		return true
	})
	for _, k := range stormKinds {
		if got := counts[k.name].Load(); got != int64(k.n) {
			t.Errorf("%s: %d of %d clients got their documented answers", k.name, got, k.n)
		}
	}
	if ok, refused := run.mints[0].Load(), run.mints[1].Load(); ok != stormMaxTokens || refused != int64(mintsPerFlooder*kindCount("token-flood"))-stormMaxTokens {
		t.Errorf("token flood: %d minted and %d refused with 429; want %d minted (the cap), the rest refused", ok, refused, stormMaxTokens)
	}

	// Phase 2: the slow readers' sessions are stuck writing, the silent ones
	// idle; once the write timeout passes on the clock the first are dropped.
	slow, silent := kindCount("slow-reader"), kindCount("half-open-session")
	waitUntil(t, "every slow reader's session to be stuck in a write", func() bool { return clock.Pending() == slow })
	advanceUntil(t, clock, time.Second, "the slow readers' sessions to end", func() bool { return s.Sessions() == silent })
	wrote := make(chan struct{})
	go func() { run.writers.Wait(); close(wrote) }()
	select {
	case <-wrote:
	case <-ctx.Done():
		t.Fatal("a slow reader's writes still go through after the fake dropped it")
	}

	// Phase 3: the server stops; the half-open connections and silent
	// sessions end with it.
	closing := time.Now()
	if err := s.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	closed := time.Since(closing)
	if n := s.Sessions(); n != 0 {
		t.Errorf("%d sessions open after Close", n)
	}
	transport.CloseIdleConnections()
	// The half-open connections and silent sessions are still open on the
	// client's side: the fake must have let go of them by itself.
	defer run.closeAll()
	if strings.Contains(logs.String(), "panic") {
		t.Errorf("the fake logged a panic:\n%s", logs.String())
	}
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	t.Logf("storm: %d clients and %d mints in %s; slow readers dropped; close took %s; %s in all; peak %d goroutines; heap in use %d MiB; %d log lines",
		clients, kindCount("token-flood")*mintsPerFlooder, stormed.Round(time.Millisecond), closed.Round(time.Millisecond),
		time.Since(start).Round(time.Millisecond), peak.Load(), mem.HeapInuse>>20, strings.Count(logs.String(), "\n"))
	goleak.VerifyNone(t, ignore)
}

func kindCount(name string) int {
	for _, k := range stormKinds {
		if k.name == name {
			return k.n
		}
	}
	panic("no storm kind " + name)
}

// client plays one client of kind and checks its answers.
func (r *stormRun) client(ctx context.Context, kind string) error {
	switch kind {
	case "healthy":
		text, err := r.healthy(ctx)
		if err == nil && text != r.want {
			err = fmt.Errorf("committed %q, want %q", text, r.want)
		}
		return err
	case "malformed-json":
		return r.badFrames(ctx, websocket.MessageText, []byte(`{"message_type":"input_audio_chunk","audio_base_64":`),
			func(e string) bool { return e == protocol.InvalidProtocolMessageText })
	case "binary":
		return r.badFrames(ctx, websocket.MessageBinary, pcm16k.Speech(0.01),
			func(e string) bool { return e == binaryText })
	case "bad-base64":
		return r.badFrames(ctx, websocket.MessageText, []byte(`{"message_type":"input_audio_chunk","audio_base_64":"%%%not base64"}`),
			func(e string) bool { return strings.HasPrefix(e, "audio_base_64 is not valid base64") })
	case "oversize":
		return r.oversize(ctx)
	case "slow-reader":
		return r.slowReader(ctx)
	case "half-open-tcp":
		conn, err := net.Dial("tcp", strings.TrimPrefix(r.base, "http://"))
		if err != nil {
			return err
		}
		r.conns <- conn
		_, err = conn.Write([]byte("GET " + protocol.RealtimePath + " HTTP/1.1\r\nHost: 127.0.0.1\r\n")) // and never the end
		return err
	case "half-open-session":
		conn, err := r.session(ctx, r.http)
		if err != nil {
			return err
		}
		r.silent <- conn // says nothing and reads nothing more
		return nil
	case "no-upgrade":
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, r.base+protocol.RealtimePath+"?"+query().Encode(), nil)
		req.Header.Set(protocol.APIKeyHeader, r.key)
		resp, err := r.http.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode > 499 {
			return fmt.Errorf("a GET without WebSocket headers got HTTP %d, want a 4xx", resp.StatusCode)
		}
		return nil
	case "token-flood":
		return r.flood(ctx)
	}
	return fmt.Errorf("unknown kind %s", kind)
}

// session opens a session and reads its session_started.
func (r *stormRun) session(ctx context.Context, client *http.Client) (*websocket.Conn, error) {
	conn, err := dialSession(ctx, client, r.base, r.key)
	if err != nil {
		return nil, err
	}
	_, b, err := conn.Read(ctx)
	if err != nil || gjson.GetBytes(b, "message_type").String() != protocol.SessionStarted {
		conn.CloseNow()
		return nil, fmt.Errorf("first frame %s %v, want session_started", b, err)
	}
	return conn, nil
}

// healthy streams the speech in quarter seconds, commits with the last
// chunk, and returns the committed text; no other error may come.
func (r *stormRun) healthy(ctx context.Context) (string, error) {
	conn, err := r.session(ctx, r.http)
	if err != nil {
		return "", err
	}
	defer conn.CloseNow()
	step := pcm16k.Bytes(0.25)
	for off := 0; off < len(r.speech); off += step {
		end := min(off+step, len(r.speech))
		b := protocol.AppendAudioChunk(nil, r.speech[off:end], 16000, end == len(r.speech))
		if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
			return "", err
		}
	}
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			return "", fmt.Errorf("before the commit's answer: %w", err)
		}
		switch gjson.GetBytes(b, "message_type").String() {
		case protocol.PartialTranscript:
		case protocol.CommittedTranscript:
			return gjson.GetBytes(b, "text").String(), conn.Close(websocket.StatusNormalClosure, "")
		default:
			return "", fmt.Errorf("unexpected frame %s", b)
		}
	}
}

// badFrames sends badFrames frames and wants one input_error each, whose
// text passes ok; the session stays open for the next, and the client ends it.
func (r *stormRun) badFrames(ctx context.Context, typ websocket.MessageType, frame []byte, ok func(string) bool) error {
	conn, err := r.session(ctx, r.http)
	if err != nil {
		return err
	}
	defer conn.CloseNow()
	for range badFrames {
		if err := conn.Write(ctx, typ, frame); err != nil {
			return err
		}
	}
	for i := range badFrames {
		_, b, err := conn.Read(ctx)
		if err != nil {
			return fmt.Errorf("answer %d: %w", i+1, err)
		}
		if gjson.GetBytes(b, "message_type").String() != protocol.ErrInput || !ok(gjson.GetBytes(b, "error").String()) {
			return fmt.Errorf("answer %d: %s", i+1, b)
		}
	}
	return conn.Close(websocket.StatusNormalClosure, "")
}

// oversize sends one frame over the read limit and wants close 1009.
func (r *stormRun) oversize(ctx context.Context) error {
	conn, err := r.session(ctx, r.http)
	if err != nil {
		return err
	}
	defer conn.CloseNow()
	big := make([]byte, stormReadLimit+1)
	for i := range big {
		big[i] = 'a'
	}
	_ = conn.Write(ctx, websocket.MessageText, big) // the fake may close before it is all sent
	_, b, err := conn.Read(ctx)
	if code := websocket.CloseStatus(err); code != websocket.StatusMessageTooBig {
		return fmt.Errorf("after a frame over the read limit: %s %v (close %d), want close 1009", b, err, code)
	}
	return nil
}

// slowReader opens a session it never reads and sends frames whose answers
// (input_error naming the unknown message type, 8 KiB each) fill the socket,
// until the fake drops it.
func (r *stormRun) slowReader(ctx context.Context) error {
	client := tinyBuffersClient()
	r.tiny <- client
	conn, err := r.session(ctx, client)
	if err != nil {
		return err
	}
	r.slowConns <- conn
	frame := []byte(`{"message_type":"` + strings.Repeat("x", 8<<10) + `"}`)
	r.writers.Add(1)
	go func() {
		defer r.writers.Done()
		for conn.Write(ctx, websocket.MessageText, frame) == nil {
		}
	}()
	return nil
}

// flood mints mintsPerFlooder tokens as fast as it can; each is minted or
// refused with 429 too_many_tokens.
func (r *stormRun) flood(ctx context.Context) error {
	for range mintsPerFlooder {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, r.base+protocol.SingleUseTokenPath+protocol.TokenRealtimeScribe, nil)
		req.Header.Set(protocol.APIKeyHeader, r.key)
		resp, err := r.http.Do(req)
		if err != nil {
			return err
		}
		var body struct {
			Token  string `json:"token"`
			Detail struct {
				Status string `json:"status"`
			} `json:"detail"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		switch {
		case err != nil:
			return err
		case resp.StatusCode == http.StatusOK && strings.HasPrefix(body.Token, protocol.TokenPrefix):
			r.mints[0].Add(1)
		case resp.StatusCode == http.StatusTooManyRequests && body.Detail.Status == TooManyTokensStatus:
			r.mints[1].Add(1)
		default:
			return fmt.Errorf("mint: HTTP %d %+v", resp.StatusCode, body)
		}
	}
	return nil
}

// closeAll closes what the clients left open.
func (r *stormRun) closeAll() {
	for _, ch := range []chan *websocket.Conn{r.silent, r.slowConns} {
		close(ch)
		for c := range ch {
			_ = c.CloseNow()
		}
	}
	close(r.conns)
	for c := range r.conns {
		_ = c.Close()
	}
	close(r.tiny)
	for c := range r.tiny {
		c.CloseIdleConnections()
	}
}
