package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/clientcheck"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/proxy"
	"github.com/scribecheck/scribecheck/internal/userapp"
	"github.com/scribecheck/scribecheck/reports"
)

func proxyCommand(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	upstream := fs.String("upstream", "live", `the server: "live" (https://api.elevenlabs.io) or a base URL`)
	listen := addListenFlag(fs, "listen")
	out := fs.String("out", "scribecheck-proxy", "folder for the reports and wire logs")
	useTLS := fs.Bool("tls", false, "serve HTTPS and WSS with a certificate made for 127.0.0.1 and localhost")
	strict := fs.Bool("strict", false, "treat a SHOULD rule not met (NON-STRICT) as a failure")
	_, command, err := parseArgs(fs, args, false, true)
	if err != nil {
		return err
	}
	red, set, err := clientcheck.StartWireLogs(*out)
	if err != nil {
		return exitcode.Usagef("%w", err)
	}
	if key := os.Getenv("ELEVENLABS_API_KEY"); key != "" {
		red.Add(key)
		set.KnownKey(key) // redacted wherever it shows, and named as a key
	}
	opts := proxy.Options{Upstream: *upstream, Set: set, Log: stdout, Redactor: red}
	var ca *userapp.TLS
	if *useTLS {
		if ca, err = userapp.NewTLS(filepath.Join(*out, "tls"), true); err != nil {
			return err
		}
		opts.TLS = ca.Config
	}
	p, err := proxy.New(opts)
	if err != nil {
		return exitcode.Usagef("%w", err)
	}
	base, err := p.Start(*listen)
	if err != nil {
		return portInUse(err, "--listen")
	}
	fmt.Fprintf(stdout, "scribecheck proxy in front of %s:\n", p.Upstream())
	userapp.WriteURLs(stdout, base)
	fmt.Fprintln(stdout, "  credentials:    your app's own, passed through unchanged")
	ca.WriteCA(stdout)

	run := reports.ClientRun{Kind: "proxy", StartedAt: time.Now(), BaseURL: base, Upstream: p.Upstream(), WireDir: set.Dir(),
		Command: red.Redact(strings.Join(command, " "))}
	// The app's own ELEVENLABS_API_KEY stays as it is.
	app := userapp.RunOrServe(ctx, command, userapp.Env(base, ca.Env()...), run.Command, "serving until interrupted (Ctrl-C), then grading both sides of every connection", stdout, stderr)
	if err := p.Close(); err != nil {
		fmt.Fprintf(stderr, "proxy: %v\n", err)
	}
	return gradeAfterApp(run, app, set, red, *out, *strict, stdout, stderr)
}
