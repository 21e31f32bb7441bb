package fakeserver

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// events is a Recorder that keeps what it was told, as lines.
type events struct {
	mu     sync.Mutex
	lines  []string
	closed chan struct{} // closed by the first Closed
}

func newEvents() *events { return &events{closed: make(chan struct{})} }

func (e *events) add(format string, a ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.lines = append(e.lines, fmt.Sprintf(format, a...))
}

func (e *events) Status(code int) { e.add("status %d", code) }
func (e *events) Frame(fromClient, binary bool, data []byte) {
	dir := "server"
	if fromClient {
		dir = "client"
	}
	e.add("%s %s", dir, data)
}
func (e *events) Closed(by string, code int, reason, err string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	select {
	case <-e.closed: // only the first call counts
	default:
		e.lines = append(e.lines, fmt.Sprintf("close %s %d %q", by, code, reason))
		close(e.closed)
	}
}

func (e *events) snapshot() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.lines...)
}

func TestRecordingSeesBothDirectionsAndTheClose(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var socks []*events
	var exchanges []string
	s, base, _ := startWith(t, Options{Record: Recording{
		Socket: func(*http.Request) Recorder {
			e := newEvents()
			mu.Lock()
			socks = append(socks, e)
			mu.Unlock()
			return e
		},
		Exchange: func(r *http.Request, status int, body []byte) {
			mu.Lock()
			exchanges = append(exchanges, fmt.Sprintf("%s %d", r.URL.Path, status))
			mu.Unlock()
		},
	}})
	tok := testkit.Token(t, base, s.TestKey(), "realtime_scribe")

	sock := open(t, base, query("token", tok), "").read(t, 1)
	chunk := `{"message_type":"input_audio_chunk","audio_base_64":"","commit":false}`
	if err := sock.conn.Write(t.Context(), websocket.MessageText, []byte(chunk)); err != nil {
		t.Fatal(err)
	}
	_ = sock.conn.Close(websocket.StatusNormalClosure, "bye")
	open(t, base, query("token", tok), "").read(t, 0) // spent: auth_error, then the server closes

	mu.Lock()
	defer mu.Unlock()
	if len(exchanges) != 1 || exchanges[0] != "/v1/single-use-token/realtime_scribe 200" {
		t.Errorf("exchanges: %v", exchanges)
	}
	if len(socks) != 2 {
		t.Fatalf("recorded %d sockets, want 2", len(socks))
	}
	first := waitFor(t, socks[0], `close client 1000 "bye"`)
	if first[0] != "status 101" || !strings.HasPrefix(first[1], "server {\"message_type\":\"session_started\"") || first[2] != "client "+chunk {
		t.Errorf("first socket: %q", first)
	}
	second := waitFor(t, socks[1], `close server 1000 ""`)
	if len(second) != 3 || !strings.HasPrefix(second[1], `server {"message_type":"auth_error"`) {
		t.Errorf("second socket: %q", second)
	}
}

func TestRecordingSeesARefusalAtTheHandshake(t *testing.T) {
	t.Parallel()
	e := newEvents()
	s, base, _ := startWith(t, Options{Faults: []string{FaultAuthAtUpgrade},
		Record: Recording{Socket: func(*http.Request) Recorder { return e }}})
	req, _ := http.NewRequest("GET", base+"/v1/speech-to-text/realtime?model_id=scribe_v2_realtime", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_ = s
	got := waitFor(t, e, "close server 0")
	if got[0] != "status 401" && got[0] != "status 403" {
		t.Errorf("refusal: %q", got)
	}
}

// refusals is events that keeps a refusal's body too: a RefusalRecorder.
type refusals struct{ *events }

func (r refusals) Refused(code int, body []byte) { r.add("refused %d %s", code, body) }

var _ RefusalRecorder = (*wirelog.Conn)(nil) // scribecheck's wire logs keep the body

// dialRefused opens a socket the fake refuses at the upgrade (no
// credential, FaultAuthAtUpgrade) and returns the status the client saw.
func dialRefused(t *testing.T, base string) int {
	t.Helper()
	u := "ws" + strings.TrimPrefix(base, "http") + protocol.RealtimePath + "?model_id=" + protocol.DefaultModel
	c, resp, err := websocket.Dial(t.Context(), u, nil)
	if err == nil {
		c.CloseNow()
		t.Fatal("the upgrade succeeded without a credential")
	}
	if resp == nil {
		t.Fatalf("no answer: %v", err)
	}
	return resp.StatusCode
}

// A RefusalRecorder gets a refusal's body, once written, in place of its
// status; a Recorder without Refused still gets the status alone.
func TestRefusalRecorderGetsTheBody(t *testing.T) {
	t.Parallel()
	e := refusals{newEvents()}
	_, base, _ := startWith(t, Options{Faults: []string{FaultAuthAtUpgrade},
		Record: Recording{Socket: func(*http.Request) Recorder { return e }}})
	if code := dialRefused(t, base); code != http.StatusUnauthorized {
		t.Fatalf("the client saw HTTP %d, want 401", code)
	}
	got := waitFor(t, e.events, "close server 0")
	if len(got) != 2 || !strings.HasPrefix(got[0], `refused 401 {"detail":{"status":"`+protocol.StatusInvalidAPIKey+`"`) {
		t.Errorf("recorded %q, want the refusal with its body, then the close", got)
	}
}

// The fake's refusal reaches a wire log with its body, as the graders and
// replay read it back.
func TestWireLogKeepsTheFakesRefusal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	set, err := wirelog.NewSet(dir, secrets.New())
	if err != nil {
		t.Fatal(err)
	}
	s, base, _ := startWith(t, Options{Faults: []string{FaultAuthAtUpgrade},
		Record: Recording{Socket: func(r *http.Request) Recorder { return set.Open(r) }}})
	dialRefused(t, base)
	if err := s.Close(); err != nil { // waits for the handler, which records the refusal
		t.Fatal(err)
	}
	if err := set.Close(); err != nil {
		t.Fatal(err)
	}
	logs, _, err := wirelog.ReadDir(dir)
	if err != nil || len(logs) != 1 {
		t.Fatalf("%d logs, %v", len(logs), err)
	}
	r := logs[0].Response
	if r == nil || r.Status != 401 || protocol.ErrorStatus(r.Body) != protocol.StatusInvalidAPIKey {
		t.Fatalf("the wire log's answer: %+v, want 401 with the body's %s", r, protocol.StatusInvalidAPIKey)
	}
	if c := logs[0].Close; c == nil || c.By != wirelog.FromServer {
		t.Errorf("close: %+v", c)
	}
}

// waitFor returns the recorder's lines once it has recorded the close (the
// server's goroutine records it after the client saw it), which must start
// with want.
func waitFor(t *testing.T, e *events, want string) []string {
	t.Helper()
	select {
	case <-e.closed:
	case <-time.After(5 * time.Second):
		t.Fatalf("no close recorded: %q", e.snapshot())
	}
	got := e.snapshot()
	if !strings.HasPrefix(got[len(got)-1], want) {
		t.Fatalf("last record %q, want %q", got[len(got)-1], want)
	}
	return got
}
