package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/scribecheck/scribecheck/internal/cli"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/proxy"
	"github.com/scribecheck/scribecheck/internal/targets"
	"github.com/scribecheck/scribecheck/internal/userapp"
	"github.com/scribecheck/scribecheck/reports"
)

func proxyCommand(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	target := fs.String("target", targets.NameLive, `the server the app's traffic goes to: live (https://api.elevenlabs.io) or a base URL`)
	cli.AddOldName(fs, "upstream", "target")
	listen := addListenFlag(fs)
	app := addAppFlags(fs, "scribecheck-proxy")
	_, command, err := cli.ParseArgs(fs, args, false, true)
	if err != nil {
		return err
	}
	upstream, err := proxyTarget(*target)
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
	p, err := proxy.New(proxy.Options{Upstream: upstream, Set: app.set, Log: stdout, Redactor: app.red, TLS: tlsConfig})
	if err != nil {
		return exitcode.Usagef("%w", err)
	}
	base, err := p.Start(*listen)
	if err != nil {
		return cli.PortInUse(err)
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

// proxyTarget reads the proxy's --target as targets.Parse reads every
// command's, but for the fake, which it cannot stand in front of, and a base
// URL with a path, which proxy.New takes (a gateway that serves the API
// under a prefix).
func proxyTarget(v string) (string, error) {
	switch v = targets.Name(v); {
	case v == targets.NameFake:
		return "", exitcode.Usagef("--target fake: the proxy stands in front of a server; start `scribecheck fake` and give the URL it prints, or give live")
	case v == targets.NameLive:
		return v, nil
	}
	if scheme, _, _ := strings.Cut(v, "://"); strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https") {
		return v, nil // proxy.New checks it
	}
	_, err := targets.Parse("--target", v) // refuses it, with the form that would work
	return "", err
}
