package fakeserver

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/internal/testkit"
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
