package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/tlscert"
	"github.com/scribecheck/scribecheck/reports"
)

const clientHelp = `scribecheck client: check YOUR app (or an SDK) against the fake, and grade what it sends.

  scribecheck client                         serve until interrupted; point your app at the URLs it prints
  scribecheck client -- node app.mjs         run the app with the environment set, then grade it
  scribecheck client --tls -- python app.py  HTTPS and WSS, for clients that hard-code wss://
  scribecheck client --fake-bug sutkn-query-rejected -- node app.mjs   how does the app cope with a broken server?

It starts the fake Scribe API and prints its base URL, WebSocket URL and a test
key. A command after -- runs with:
  ELEVENLABS_API_KEY     the test key (mint tokens with it, or send it as xi-api-key)
  SCRIBECHECK_BASE_URL   http(s)://127.0.0.1:PORT, for the SDKs' base URL options
  SCRIBECHECK_WS_URL     ws(s)://127.0.0.1:PORT, for baseUri options (the path is added by the SDK)
  SCRIBECHECK_REALTIME_URL  the full socket URL, .../v1/speech-to-text/realtime
and with --tls also SSL_CERT_FILE, REQUESTS_CA_BUNDLE and NODE_EXTRA_CA_CERTS, set to
a CA certificate made for this run (written to OUT/tls/ca.pem).

Every connection is recorded as a wire log (OUT/wire/conn-NNNN.jsonl: the upgrade
request, every frame both ways with its time, the close; secrets redacted as they
are written) and graded by the CLIENT rules (scribecheck list --client). Reports
in --out: client.html, client.md, client.json, client-junit.xml (one testsuite per
connection). The console names causes ("one token on 40 sockets ..."), not just rules.

Exit codes: 0 every MUST client rule held (and, with --strict, every SHOULD); 1 a
rule failed; 2 usage, a port in use, or a command that cannot start; 3 no client
ever connected. The command's own exit code is reported, not returned.
`

func clientCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flagArgs, command := splitCommand(args)
	fs := newFlagSet("client", clientHelp, stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address; port 0 picks a free port")
	out := fs.String("out", "scribecheck-client", "folder for the reports and wire logs")
	useTLS := fs.Bool("tls", false, "serve HTTPS and WSS with a certificate made for 127.0.0.1 and localhost")
	strict := fs.Bool("strict", false, "treat a SHOULD rule not met (NON-STRICT) as a failure")
	fakeLog := fs.Bool("fake-log", false, "print the fake's decisions to stderr")
	var bugs, deviations stringList
	fs.Var(&bugs, "fake-bug", "switch on a bug of the fake (repeatable): "+joinNames(fakeserver.Bug))
	fs.Var(&deviations, "fake-deviate", "switch on a deviation of the fake (repeatable): "+joinNames(fakeserver.Deviation))
	settings := addSessionFlags(fs)
	if err := parseFlags(fs, flagArgs); err != nil {
		return exitCode(err, stderr)
	}
	faults, err := faultList(bugs, deviations)
	if err != nil {
		return exitCode(err, stderr)
	}
	session, err := settings()
	if err != nil {
		return exitCode(err, stderr)
	}

	red, set, err := newWireSet(*out)
	if err != nil {
		return exitCode(err, stderr)
	}
	var conns atomic.Int64
	opts := fakeserver.Options{Faults: faults, Session: session, Record: fakeserver.Recording{
		Socket: func(r *http.Request) fakeserver.Recorder {
			c := set.Open(r)
			fmt.Fprintf(stderr, "client: %s %s %s\n", c.ID(), r.Method, red.Redact(r.URL.RequestURI()))
			conns.Add(1)
			return c
		},
		Exchange: set.Exchange,
	}}
	if *fakeLog {
		opts.Log = stderr
	}
	var caPath string
	if *useTLS {
		pair, err := tlscert.New()
		if err == nil {
			caPath, err = pair.WriteCA(filepath.Join(*out, "tls"))
		}
		if err != nil {
			return exitCode(fmt.Errorf("--tls: %w", err), stderr)
		}
		opts.TLS = pair.ServerConfig()
	}
	srv, err := fakeserver.New(opts)
	if err != nil {
		return exitCode(err, stderr)
	}
	for _, k := range []string{srv.TestKey(), srv.RestrictedKey()} {
		red.Add(k)
		set.KnownKey(k)
	}
	base, err := srv.Start(*addr)
	if err != nil {
		return exitCode(&exitcode.Error{Code: exitcode.Usage, Err: fmt.Errorf("%w: is the port in use? choose another --addr, or 127.0.0.1:0 for a free one", err)}, stderr)
	}
	wsBase := "ws" + strings.TrimPrefix(base, "http")
	fmt.Fprintf(stdout, "fake Scribe API for your app:\n  base URL:       %s\n  WebSocket URL:  %s (socket: %s/v1/speech-to-text/realtime)\n  test key:       %s\n",
		base, wsBase, wsBase, srv.TestKey())
	if caPath != "" {
		fmt.Fprintf(stdout, "  CA certificate: %s (trust it: SSL_CERT_FILE, REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS)\n", caPath)
	}
	if len(faults) > 0 {
		fmt.Fprintf(stdout, "  faults on:      %s\n", strings.Join(faults, ", "))
	}

	run := reports.ClientRun{StartedAt: time.Now(), BaseURL: base, Faults: faults, WireDir: set.Dir(), Command: red.Redact(strings.Join(command, " "))}
	extra := []string{"ELEVENLABS_API_KEY=" + srv.TestKey()}
	if caPath != "" {
		extra = append(extra, "SSL_CERT_FILE="+caPath, "REQUESTS_CA_BUNDLE="+caPath, "NODE_EXTRA_CA_CERTS="+caPath)
	}
	app := runOrServe(ctx, command, localEnv(base, extra...), run.Command, "serving until interrupted (Ctrl-C), then grading every connection", stdout, stderr)
	run.CommandExit, run.CommandError = app.Exit, app.Err
	_ = srv.Close()
	return gradeAfterApp(run, app, set, red, *out, *strict, stdout, stderr)
}

// splitCommand cuts args at the first "--": flags before, the command after.
func splitCommand(args []string) (flags, command []string) {
	for i, a := range args {
		if a == "--" {
			return args[:i], args[i+1:]
		}
	}
	return args, nil
}

// appRun is how the app's command went.
type appRun struct {
	Exit       *int   // nil: no command, or it did not end by itself
	Err        string // why it did not start, or that it was stopped
	NotStarted bool   // it could not start: a usage error
}

// runOrServe runs the command after -- (printed as shown) with env; without
// one it prints serving and waits for an interrupt.
func runOrServe(ctx context.Context, command, env []string, shown, serving string, stdout, stderr io.Writer) appRun {
	if len(command) == 0 {
		fmt.Fprintln(stdout, serving)
		<-ctx.Done()
		return appRun{}
	}
	fmt.Fprintf(stdout, "running: %s\n", shown)
	code, err := runApp(ctx, command, env, stdout, stderr)
	if err != nil {
		return appRun{Err: err.Error(), NotStarted: errors.Is(err, errNotStarted)}
	}
	return appRun{Exit: &code}
}

// localEnv is the environment of an app pointed at a local server (the fake,
// the proxy, a replay) at base, http(s)://HOST:PORT, with extra after it.
func localEnv(base string, extra ...string) []string {
	ws := "ws" + strings.TrimPrefix(base, "http")
	env := append(os.Environ(), "SCRIBECHECK_BASE_URL="+base, "SCRIBECHECK_WS_URL="+ws, "SCRIBECHECK_REALTIME_URL="+ws+"/v1/speech-to-text/realtime")
	return append(env, extra...)
}

// errNotStarted wraps a command that could not start (not found, not
// executable): a usage error, exit 2.
var errNotStarted = errors.New("the command did not start")

// runApp runs the user's command in its own process group and returns its
// exit code. An interrupt is passed on to the whole group, and a group that
// does not end within 5 s is killed: never a hang.
func runApp(ctx context.Context, command, env []string, stdout, stderr io.Writer) (int, error) {
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, os.Stdin, stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("%w: %v", errNotStarted, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		select {
		case err = <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			err = <-done
		}
		if err == nil {
			err = errors.New("interrupted")
		}
		return 0, fmt.Errorf("stopped by an interrupt (%v)", err)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	if err != nil {
		return 0, err
	}
	return 0, nil
}
