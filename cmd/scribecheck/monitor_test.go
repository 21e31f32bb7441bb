package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/clitest"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/targets"
)

// The monitor as a user runs it: against a `scribecheck fake` that accepts
// the planted key (secrets_test.go), it runs its first cycle at once, serves
// /metrics, /probe and /healthz, and shuts down cleanly on SIGTERM (exit 0).
// Nothing it printed, logged or served holds the planted key in any form,
// nor a token it minted. It waits on the lines it prints, never on time.
func TestMonitorServesAndStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	base, _ := startFake(t, "--api-key", plantedKey)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "monitor", "--target", base, "--listen", "127.0.0.1:0", "--interval", "1h")
	cmd.Env = append(clitest.Env(), targets.APIKeyEnv+"="+plantedKey)
	stdout, stderr := lines(t, cmd.StdoutPipe), lines(t, cmd.StderrPipe)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var seen strings.Builder
	until := func(ch <-chan string, prefix string) string {
		t.Helper()
		for l := range ch {
			seen.WriteString(l + "\n")
			if strings.HasPrefix(l, prefix) {
				return l
			}
		}
		t.Fatalf("the monitor ended before it printed %q:\n%s", prefix, seen.String())
		return ""
	}
	serving := until(stdout, "serving http://")
	addr := strings.TrimSuffix(strings.Fields(strings.TrimPrefix(serving, "serving "))[0], "/metrics")
	if l := until(stderr, "monitor: cycle 1: "); !strings.Contains(l, "header ok, token-query ok, token-reused ok, header-invalid ok; target up") {
		t.Errorf("the first cycle: %s", l)
	}
	for _, page := range []string{"/metrics", "/probe?path=token-query", "/healthz"} {
		resp, err := http.Get(addr + page)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d %s", page, resp.StatusCode, body)
		}
		seen.WriteString(string(body))
	}
	if !strings.Contains(seen.String(), `scribecheck_probe_success{path="token-query"} 1`) {
		t.Errorf("no success of token-query served:\n%s", seen.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	until(stdout, "shutting down")
	for l := range stdout {
		seen.WriteString(l + "\n")
	}
	for l := range stderr {
		seen.WriteString(l + "\n")
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("after SIGTERM: %v (want exit 0)\n%s", err, seen.String())
	}
	for _, leak := range secrets.ScanText("monitor (stdout, stderr, pages)", seen.String(), planted) {
		t.Error(leak)
	}
	if m := madeSecret.FindString(seen.String()); m != "" {
		t.Errorf("the monitor's output holds a whole token it minted: %s", secrets.Fingerprint(m))
	}
}

// lines sends each line a pipe of cmd carries, and closes when it ends.
func lines(t *testing.T, pipe func() (io.ReadCloser, error)) <-chan string {
	t.Helper()
	r, err := pipe()
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan string, 64)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			ch <- sc.Text()
		}
	}()
	return ch
}

// Against live it refuses to start without a daily budget, saying what a
// cycle spends, before anything is sent; the key is never needed to say so.
func TestMonitorUsage(t *testing.T) {
	t.Setenv(targets.APIKeyEnv, plantedKey)
	code, stdout, stderr := inProcess(t, context.Background(), "monitor", "--target", "live")
	if code != exitcode.Usage || stdout != "" ||
		!strings.HasPrefix(stderr, "scribecheck: monitor: --target live spends real audio: give --budget-audio-minutes-per-day M (each cycle probes header, token-query, token-reused, header-invalid and streams 2.0 s of audio") {
		t.Errorf("monitor --target live without a budget: exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
	}
	saysOneLine(t, exitcode.Usage, "scribecheck: monitor: --target is required: live, or the http(s)://HOST[:PORT] of a server (a `scribecheck fake` to try it)", "monitor")
	saysOneLine(t, exitcode.Usage, "scribecheck: monitor: the monitor watches a server that runs apart from it: --target live, or the URL of one (start `scribecheck fake` to try it)",
		"monitor", "--target", "fake")
	saysOneLine(t, exitcode.Usage, "scribecheck: monitor: --interval 10ms: give 0 (only /probe probes) or at least 1s", "monitor", "--target", "live", "--interval", "10ms")
}
