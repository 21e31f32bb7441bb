package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/internal/clitest"
	"github.com/scribecheck/scribecheck/internal/sdks"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/reports"
)

// node returns the command that runs a test app with a global WebSocket, or
// skips: Node 20 needs --experimental-websocket.
func node(t *testing.T, app string, args ...string) []string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not on PATH: the client command's app tests need Node.js 20+")
	}
	abs, _ := filepath.Abs(filepath.Join("testdata", "apps", app))
	return append([]string{"node", "--experimental-websocket", "--no-warnings", abs}, args...)
}

func clientRun(t *testing.T, flags []string, command []string) clitest.Result {
	t.Helper()
	out := t.TempDir()
	args := append([]string{"client", "--out", out}, flags...)
	if len(command) > 0 {
		args = append(append(args, "--"), command...)
	}
	r := scribecheck(t, nil, args...)
	r.Out = out
	return r
}

func TestClientGradesAnAppThatPresentsATokenTwice(t *testing.T) {
	t.Parallel()
	r := clientRun(t, nil, node(t, "token_twice.mjs"))
	if r.Code != 1 {
		t.Fatalf("exit %d, want 1 (a token presented twice is a MUST rule)\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
	for _, want := range []string{"socket 1: session_started", "socket 2: auth_error", "CLIENT-1", "conn-0001", "conn-0002", "mint a fresh token"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("console lacks %q:\n%s", want, r.Stdout)
		}
	}
	for _, f := range []string{reports.ClientHTML, reports.ClientMD, reports.ClientJSON, reports.ClientJUnit, "wire/conn-0001.jsonl", "wire/conn-0002.jsonl", "wire/exchanges.jsonl"} {
		if _, err := os.Stat(filepath.Join(r.Out, f)); err != nil {
			t.Errorf("report missing: %v", err)
		}
	}
	junit, err := reports.ReadJUnit(filepath.Join(r.Out, reports.ClientJUnit))
	if err != nil {
		t.Fatal(err)
	}
	if len(junit.Suites) < 2 || !strings.HasPrefix(junit.Suites[0].Name, "conn-0001") || junit.Failures == 0 {
		t.Errorf("JUnit: one testsuite per connection, with the failure: %+v", junit)
	}
	js, _ := os.ReadFile(filepath.Join(r.Out, reports.ClientJSON))
	if gjson.GetBytes(js, "command_exit").Int() != 0 || gjson.GetBytes(js, "connections.#").Int() != 2 {
		t.Errorf("client.json: %s", text.Clip(string(js), 400))
	}
}

func TestClientPassesAWellBehavedApp(t *testing.T) {
	t.Parallel()
	r := clientRun(t, nil, node(t, "stream.mjs", "normal"))
	if r.Code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
	logs, ex, err := wirelog.ReadDir(filepath.Join(r.Out, "wire"))
	if err != nil || len(logs) != 1 || len(ex) != 1 {
		t.Fatalf("wire logs: %d, exchanges %d, %v", len(logs), len(ex), err)
	}
	if c := logs[0].Close; c == nil || c.By != wirelog.FromClient || c.Code != 1000 {
		t.Errorf("close: %+v", c)
	}
}

func TestClientTLSReachesAClientThatHardCodesWSS(t *testing.T) {
	t.Parallel()
	dir, err := sdks.DefaultDir()
	py := sdks.VenvPython(dir, "python/.venv-2.78.0")
	if err == nil {
		_, err = os.Stat(py)
	}
	if err != nil {
		t.Skipf("the Python SDK's venv (for its websockets package) is not installed in %s: run make sdks", dir)
	}
	app, _ := filepath.Abs("testdata/apps/wss_app.py")
	r := clientRun(t, []string{"--tls"}, []string{py, app})
	if r.Code != 0 || !strings.Contains(r.Stdout, "committed:") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
	if !strings.Contains(r.Stdout, "https://127.0.0.1:") {
		t.Errorf("--tls must print an https base URL:\n%s", r.Stdout)
	}
	if _, err := os.Stat(filepath.Join(r.Out, "tls", "ca.pem")); err != nil {
		t.Error(err)
	}
}

func TestClientClearEndings(t *testing.T) {
	t.Parallel()
	t.Run("a command that cannot start", func(t *testing.T) {
		r := clientRun(t, nil, []string{"/nonexistent/app"})
		if r.Code != 2 || !strings.Contains(r.Stderr, "did not start") {
			t.Errorf("exit %d, stderr %s", r.Code, r.Stderr)
		}
	})
	t.Run("an app that never connects", func(t *testing.T) {
		r := clientRun(t, nil, []string{"true"})
		if r.Code != 3 || !strings.Contains(r.Stdout, "no client connected") {
			t.Errorf("exit %d, stdout %s", r.Code, r.Stdout)
		}
	})
	t.Run("a port in use", func(t *testing.T) {
		base, _ := startFake(t)
		r := clientRun(t, []string{"--addr", strings.TrimPrefix(base, "http://")}, []string{"true"}) // the old name still works
		if r.Code != 2 || !strings.Contains(r.Stderr, "port in use") {
			t.Errorf("exit %d, stderr %s", r.Code, r.Stderr)
		}
		// fake says it the same way (it exited 1 without the hint).
		r = scribecheck(t, nil, "fake", "--quiet", "--listen", strings.TrimPrefix(base, "http://"))
		if r.Code != 2 || !strings.Contains(r.Stderr, "port in use? choose another --listen") {
			t.Errorf("fake on a port in use: exit %d, stderr %s", r.Code, r.Stderr)
		}
	})
}

// A client killed mid-stream: its log has every frame up to the kill, and
// ends in a cut.
func TestClientKilledMidStreamLosesNoFrame(t *testing.T) {
	t.Parallel()
	r := clientRun(t, nil, node(t, "stream.mjs", "die"))
	if !strings.Contains(r.Stdout, "committed after 10 frames") {
		t.Fatalf("the app did not get its commit answered:\n%s\n%s", r.Stdout, r.Stderr)
	}
	logs, _, err := wirelog.ReadDir(filepath.Join(r.Out, "wire"))
	if err != nil || len(logs) != 1 {
		t.Fatalf("%d logs, %v", len(logs), err)
	}
	l := logs[0]
	if n := len(l.Sent(wirelog.FromClient)); n != 10 {
		t.Errorf("%d client frames recorded, the app sent 10", n)
	}
	if l.Close == nil || l.Close.By != wirelog.ByCut {
		t.Errorf("close: %+v, want a cut", l.Close)
	}
}

// The server (scribecheck itself) killed mid-stream: every frame written
// before the kill is in the log, which ends without a close. The kill comes
// when the server has answered a frame the app sent after its 15th chunk
// (so has read and recorded all 15), while the app streams on: before, it
// came when the app had sent 15, which a busy server had not all read.
func TestServerKilledMidStreamLosesNoFrame(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, append([]string{"client", "--out", out, "--"}, node(t, "stream.mjs", "forever")...)...)
	cmd.Env = clitest.Env()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "answered") { // the app streams on past its commit: the kill lands mid-stream
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	l, err := wirelog.ReadFile(filepath.Join(out, "wire", "conn-0001.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var committed bool
	for _, f := range l.Sent(wirelog.FromServer) {
		committed = committed || gjson.Get(f.Data, "message_type").String() == "committed_transcript"
	}
	if !committed || len(l.Sent(wirelog.FromClient)) <= 10 || l.Close != nil {
		t.Errorf("log after a kill: committed=%v, %d client frames (want > 10), close %+v (want none)", committed, len(l.Sent(wirelog.FromClient)), l.Close)
	}
}

// The wire logs and every client report hold no secret: not the test key the
// app minted with, not a whole token.
func TestClientOutputsLeakNoSecret(t *testing.T) {
	t.Parallel()
	r := clientRun(t, nil, node(t, "token_twice.mjs"))
	m := regexp.MustCompile(`test key:\s+(\S+)`).FindStringSubmatch(r.Stdout)
	if m == nil {
		t.Fatalf("no test key printed:\n%s", r.Stdout)
	}
	scanForSecrets(t, r.Out, m[1], 7)
}
