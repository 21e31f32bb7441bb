package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/cli"
	"github.com/scribecheck/scribecheck/internal/clientcheck"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/userapp"
	"github.com/scribecheck/scribecheck/reports"
)

func clientCommand(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	addr := addListenFlag(fs)
	app := addAppFlags(fs, "scribecheck-client")
	fakeLog := fs.Bool("fake-log", false, "print the fake's decisions to stderr")
	fakeFlags := addFakeFlags(fs, "the fake")
	_, command, err := cli.ParseArgs(fs, args, false, true)
	if err != nil {
		return err
	}
	opts, err := fakeFlags()
	if err != nil {
		return err
	}
	if opts.TLS, err = app.start(false); err != nil {
		return err
	}
	red, set := app.red, app.set
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
		return cli.PortInUse(err)
	}
	fmt.Fprintln(stdout, "fake Scribe API for your app:")
	userapp.WriteURLs(stdout, base)
	fmt.Fprintf(stdout, "  test key:       %s\n", srv.TestKey())
	app.ca.WriteCA(stdout)
	if len(opts.Faults) > 0 {
		fmt.Fprintf(stdout, "  faults on:      %s\n", strings.Join(opts.Faults, ", "))
	}

	run := reports.ClientRun{BaseURL: base, Faults: opts.Faults}
	return app.runApp(ctx, run, command, []string{"ELEVENLABS_API_KEY=" + srv.TestKey()},
		"serving until interrupted (Ctrl-C), then grading every connection", func() { _ = srv.Close() }, stdout, stderr)
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
