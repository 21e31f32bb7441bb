package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/userapp"
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
	var ca *userapp.TLS
	if *useTLS {
		if ca, err = userapp.NewTLS(filepath.Join(*out, "tls"), false); err != nil {
			return exitCode(err, stderr)
		}
		opts.TLS = ca.Config
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
	fmt.Fprintln(stdout, "fake Scribe API for your app:")
	userapp.WriteURLs(stdout, base)
	fmt.Fprintf(stdout, "  test key:       %s\n", srv.TestKey())
	ca.WriteCA(stdout)
	if len(faults) > 0 {
		fmt.Fprintf(stdout, "  faults on:      %s\n", strings.Join(faults, ", "))
	}

	run := reports.ClientRun{StartedAt: time.Now(), BaseURL: base, Faults: faults, WireDir: set.Dir(), Command: red.Redact(strings.Join(command, " "))}
	env := userapp.Env(base, append([]string{"ELEVENLABS_API_KEY=" + srv.TestKey()}, ca.Env()...)...)
	app := userapp.RunOrServe(ctx, command, env, run.Command, "serving until interrupted (Ctrl-C), then grading every connection", stdout, stderr)
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
