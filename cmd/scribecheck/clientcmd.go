package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/clientcheck"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/userapp"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/reports"
)

func clientCommand(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	addr := addListenFlag(fs, "addr")
	out := fs.String("out", "scribecheck-client", "folder for the reports and wire logs")
	useTLS := fs.Bool("tls", false, "serve HTTPS and WSS with a certificate made for 127.0.0.1 and localhost")
	strict := fs.Bool("strict", false, "treat a SHOULD rule not met (NON-STRICT) as a failure")
	fakeLog := fs.Bool("fake-log", false, "print the fake's decisions to stderr")
	fakeFlags := addFakeFlags(fs, "the fake")
	_, command, err := parseArgs(fs, args, false, true)
	if err != nil {
		return err
	}
	opts, err := fakeFlags()
	if err != nil {
		return err
	}
	red, set, err := clientcheck.StartWireLogs(*out)
	if err != nil {
		return exitcode.Usagef("%w", err)
	}
	opts.Record = fakeserver.Recording{
		Socket: func(r *http.Request) fakeserver.Recorder {
			c := set.Open(r)
			fmt.Fprintf(stderr, "client: %s %s %s\n", c.ID(), r.Method, red.Redact(r.URL.RequestURI()))
			return c
		},
		Exchange: set.Exchange,
	}
	if *fakeLog {
		opts.Log = stderr
	}
	var ca *userapp.TLS
	if *useTLS {
		if ca, err = userapp.NewTLS(filepath.Join(*out, "tls"), false); err != nil {
			return err
		}
		opts.TLS = ca.Config
	}
	srv, err := fakeserver.New(opts)
	if err != nil {
		return err
	}
	for _, k := range []string{srv.TestKey(), srv.RestrictedKey()} {
		red.Add(k)
		set.KnownKey(k)
	}
	base, err := srv.Start(*addr)
	if err != nil {
		return portInUse(err, "--addr")
	}
	fmt.Fprintln(stdout, "fake Scribe API for your app:")
	userapp.WriteURLs(stdout, base)
	fmt.Fprintf(stdout, "  test key:       %s\n", srv.TestKey())
	ca.WriteCA(stdout)
	if len(opts.Faults) > 0 {
		fmt.Fprintf(stdout, "  faults on:      %s\n", strings.Join(opts.Faults, ", "))
	}

	run := reports.ClientRun{StartedAt: time.Now(), BaseURL: base, Faults: opts.Faults, WireDir: set.Dir(), Command: red.Redact(strings.Join(command, " "))}
	env := userapp.Env(base, append([]string{"ELEVENLABS_API_KEY=" + srv.TestKey()}, ca.Env()...)...)
	app := userapp.RunOrServe(ctx, command, env, run.Command, "serving until interrupted (Ctrl-C), then grading every connection", stdout, stderr)
	_ = srv.Close()
	return gradeAfterApp(run, app, set, red, *out, *strict, stdout, stderr)
}

// gradeAfterApp ends the recording of a run whose server has stopped and
// grades it; a command that could not start is a usage error whatever the
// grade.
func gradeAfterApp(run reports.ClientRun, app userapp.Result, set *wirelog.Set, red *secrets.Redactor, out string, strict bool, stdout, stderr io.Writer) error {
	run.CommandExit, run.CommandError = app.Exit, app.Err
	if err := set.Close(); err != nil {
		fmt.Fprintf(stderr, "scribecheck: %v\n", err)
	}
	err := gradeClientRun(run, red, out, strict, stdout)
	if app.NotStarted {
		return app.StartError()
	}
	return err
}

// gradeClientRun grades a run's wire logs, writes every report and prints
// the console summary: exit 1 when the run failed, 3 when no client
// connected.
func gradeClientRun(run reports.ClientRun, red *secrets.Redactor, out string, strict bool, stdout io.Writer) error {
	run, o, err := clientcheck.GradeRun(run, strict)
	if err != nil {
		return err
	}
	files, err := reports.WriteClientRun(out, run, red)
	reports.WriteClientConsole(stdout, run, red)
	if err != nil {
		return err
	}
	listFiles(stdout, append(files, run.WireDir+"/ (wire logs)")...)
	if !o.Connected {
		return exitcode.Reported(exitcode.Unreachable)
	}
	return exitcode.Fails(o.Failed)
}
