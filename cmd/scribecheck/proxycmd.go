package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/proxy"
	"github.com/scribecheck/scribecheck/internal/userapp"
	"github.com/scribecheck/scribecheck/reports"
)

func proxyCommand(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	upstream := fs.String("upstream", "live", `the server: "live" (https://api.elevenlabs.io) or a base URL`)
	listen := addListenFlag(fs, "listen")
	app := addAppFlags(fs, "scribecheck-proxy")
	_, command, err := parseArgs(fs, args, false, true)
	if err != nil {
		return err
	}
	tlsConfig, err := app.start(true)
	if err != nil {
		return err
	}
	if key := os.Getenv("ELEVENLABS_API_KEY"); key != "" {
		app.red.Add(key)
		app.set.KnownKey(key) // redacted wherever it shows, and named as a key
	}
	p, err := proxy.New(proxy.Options{Upstream: *upstream, Set: app.set, Log: stdout, Redactor: app.red, TLS: tlsConfig})
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
	app.ca.WriteCA(stdout)

	run := reports.ClientRun{Kind: "proxy", BaseURL: base, Upstream: p.Upstream()}
	// The app's own ELEVENLABS_API_KEY stays as it is.
	return app.runApp(ctx, run, command, nil, "serving until interrupted (Ctrl-C), then grading both sides of every connection", func() {
		if err := p.Close(); err != nil {
			fmt.Fprintf(stderr, "proxy: %v\n", err)
		}
	}, stdout, stderr)
}
