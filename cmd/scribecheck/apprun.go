package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/clientcheck"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/userapp"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/reports"
)

// appRun is what client and proxy share: a local server (the fake, or the
// proxy in front of a server) for the user's app, every socket and token
// request recorded in OUT/wire, over TLS with --tls, and the recording
// graded when the app's command ends (without one, when interrupted).
type appRun struct {
	out            *string
	useTLS, strict *bool

	red *secrets.Redactor // learns every credential the wire logs see
	set *wirelog.Set
	ca  *userapp.TLS // nil without --tls
}

// addAppFlags declares --out (out is its default), --tls and --strict.
func addAppFlags(fs *flag.FlagSet, out string) *appRun {
	return &appRun{
		out:    fs.String("out", out, "folder for the reports and wire logs"),
		useTLS: fs.Bool("tls", false, "serve HTTPS and WSS with a certificate made for 127.0.0.1 and localhost"),
		strict: fs.Bool("strict", false, "treat a SHOULD rule not met (NON-STRICT) as a failure"),
	}
}

// start empties and opens OUT/wire and, with --tls, makes the server's
// certificate and its CA in OUT/tls (systemRoots as userapp.NewTLS). It
// returns the server's TLS config: nil without --tls.
func (a *appRun) start(systemRoots bool) (*tls.Config, error) {
	var err error
	if a.red, a.set, err = clientcheck.StartWireLogs(*a.out); err != nil {
		return nil, exitcode.Usagef("%w", err)
	}
	if !*a.useTLS {
		return nil, nil
	}
	if a.ca, err = userapp.NewTLS(filepath.Join(*a.out, "tls"), systemRoots); err != nil {
		return nil, err
	}
	return a.ca.Config, nil
}

// runApp runs the app's command against run.BaseURL, with env and the CA's
// variables (without a command it serves until interrupted, saying so with
// serving), stops the server, ends the recording and grades it; a command
// that could not start is a usage error whatever the grade.
func (a *appRun) runApp(ctx context.Context, run reports.ClientRun, command, env []string, serving string, stop func(), stdout, stderr io.Writer) error {
	run.StartedAt, run.WireDir, run.Command = time.Now(), a.set.Dir(), a.red.Redact(strings.Join(command, " "))
	app := userapp.RunOrServe(ctx, command, userapp.Env(run.BaseURL, append(env, a.ca.Env()...)...), run.Command, serving, stdout, stderr)
	stop()
	run.CommandExit, run.CommandError = app.Exit, app.Err
	if err := a.set.Close(); err != nil {
		fmt.Fprintf(stderr, "scribecheck: %v\n", err)
	}
	err := gradeClientRun(run, a.red, *a.out, *a.strict, stdout)
	if app.NotStarted {
		return app.StartError()
	}
	return err
}
