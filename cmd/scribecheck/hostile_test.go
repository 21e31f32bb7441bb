package main

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/clitest"
	"github.com/scribecheck/scribecheck/internal/hostile"
)

// Wrong and hostile targets, as a new user meets them: each ends with the
// documented exit code and one clear line, in seconds.
func TestHostileTargetsExitCodes(t *testing.T) {
	key := []string{"ELEVENLABS_API_KEY=sk_test_0123456789"}
	page := "<!DOCTYPE HTML>\n<html><head><title>Error response</title></head>\n<body><h1>Error response</h1><p>Error code: 404</p></body></html>\n"
	webServer := func(t *testing.T) string {
		return hostile.Status(t, http.StatusNotFound, http.Header{"Content-Type": {"text/html"}}, page)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	cases := []struct {
		name   string
		cmd    string
		base   func(t *testing.T) string
		code   int
		says   string // in stdout or stderr
		within time.Duration
	}{
		{"run, silent port", "run", func(t *testing.T) string { return hostile.Silent(t) }, 3, "sent no HTTP answer within 5 s", 30 * time.Second},
		{"doctor, silent port", "doctor", func(t *testing.T) string { return hostile.Silent(t) }, 3, "sent no HTTP answer within 5 s", 30 * time.Second},
		{"run, trickle", "run", func(t *testing.T) string { return hostile.Trickle(t, 100*time.Millisecond) }, 3, "sent no HTTP answer", 30 * time.Second},
		{"run, self-signed TLS", "run", func(t *testing.T) string { return hostile.SelfSigned(t, ok) }, 3, "TLS certificate is not trusted", 30 * time.Second},
		{"run, web server 404", "run", webServer, 3, "does not answer as the Scribe realtime API", 30 * time.Second},
		{"doctor, web server 404", "doctor", webServer, 3, "host or path is wrong", 30 * time.Second},
		{"doctor, gateway 502", "doctor", func(t *testing.T) string { return hostile.Status(t, http.StatusBadGateway, nil, "") }, 3, "a proxy or gateway in the way", 30 * time.Second},
		{"doctor, redirect", "doctor", func(t *testing.T) string {
			return hostile.Redirect(t, http.StatusMovedPermanently, "https://elsewhere.invalid")
		}, 3, "redirect to https://elsewhere.invalid", 30 * time.Second},
	}
	// Three wait out the 5 s bound on a silent server: every run starts early.
	ran := make([]func(*testing.T) clitest.Result, len(cases))
	for i, c := range cases {
		args := []string{c.cmd, "--target", c.base(t)}
		if c.cmd == "doctor" {
			args = append(args, "--out", t.TempDir())
		}
		ran[i] = clitest.StartEarly(t, binary, key, args...)
	}
	t.Parallel()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := ran[i](t)
			took := r.Took
			t.Logf("%s: exit %d in %v", c.name, r.Code, took)
			all := r.Stdout + r.Stderr
			if r.Code != c.code || !strings.Contains(all, c.says) {
				t.Errorf("exit %d (want %d); want it to say %q\nstdout:\n%s\nstderr:\n%s", r.Code, c.code, c.says, r.Stdout, r.Stderr)
			}
			if took > c.within {
				t.Errorf("took %v: a wrong target must be named in seconds", took)
			}
			if strings.Contains(all, "API key is refused") || strings.Contains(all, "<h1>") || strings.Contains(all, "goroutine ") {
				t.Errorf("blames the key, dumps the page or prints a stack:\n%s", all)
			}
		})
	}
}

// A panic inside a spec or the command is a scribecheck bug: one ERROR line
// on stderr, the stack in a file in --out, exit 4; no Go stack on the
// terminal.
func TestPanicIsOneErrorLine(t *testing.T) {
	t.Parallel()
	for _, where := range []string{"AUTH-1", "main"} {
		t.Run(where, func(t *testing.T) {
			t.Parallel()
			r := scribecheck(t, []string{"SCRIBECHECK_INJECT_PANIC=" + where}, "run", "--focus", "AUTH-1 ")
			lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
			if r.Code != 4 || len(lines) != 1 || !strings.HasPrefix(lines[0], "ERROR: scribecheck bug: ") {
				t.Fatalf("exit %d (want 4), stderr (want one ERROR line):\n%s", r.Code, r.Stderr)
			}
			if strings.Contains(r.Stdout+r.Stderr, "goroutine ") || strings.Contains(r.Stdout+r.Stderr, "Full Stack Trace") {
				t.Errorf("a Go stack reached the terminal:\n%s\n%s", r.Stdout, r.Stderr)
			}
			m := regexp.MustCompile(`the stack is in (\S+):`).FindStringSubmatch(lines[0])
			if m == nil || !strings.HasPrefix(m[1], r.Out) {
				t.Fatalf("the line names no stack file in --out %s: %s", r.Out, lines[0])
			}
			b, err := os.ReadFile(m[1])
			if err != nil || !strings.Contains(string(b), "goroutine ") {
				t.Errorf("stack file %s: %v\n%s", m[1], err, b)
			}
		})
	}
}
