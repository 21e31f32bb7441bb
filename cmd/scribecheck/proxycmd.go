package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/proxy"
	"github.com/scribecheck/scribecheck/internal/userapp"
	"github.com/scribecheck/scribecheck/reports"
)

const proxyHelp = `scribecheck proxy: put scribecheck between YOUR app and the real API, and grade both sides.

  scribecheck proxy --upstream live                   serve until interrupted; point your app at the URLs it prints
  scribecheck proxy --upstream live -- node app.mjs   run the app through the proxy, then grade the traffic
  scribecheck proxy --upstream http://127.0.0.1:8080 -- python app.py   any other server (a fake, a staging host)

The app's base URL points at the proxy; the proxy forwards the token-minting
REST call and the realtime WebSocket to --upstream both ways, message for
message, with the app's own credentials unchanged (the proxy never needs your
key). Every connection is written as a wire log (OUT/wire/conn-NNNN.jsonl, with
the mints in OUT/wire/exchanges.jsonl; keys and tokens redacted by value as
they are written), one line is printed per connection as it ends, and at the
end (or on Ctrl-C) the traffic is graded:
  * every frame the server sent, against the schemas and the MULTI rules;
  * every connection the app made, by the CLIENT rules (scribecheck list --client);
  * every auth_error put on a side: a token minted through the proxy moments
    before and never presented until then is the server's fault (the reported
    bug); a token presented before, minted long ago, of another type, or not
    a token at all is the app's, named with the fix.
Reports in --out: proxy.html, proxy.md, proxy.json, proxy-junit.xml.

A command after -- runs with its own ELEVENLABS_API_KEY left as it is and:
  SCRIBECHECK_BASE_URL      http(s)://127.0.0.1:PORT, for the SDKs' base URL options
  SCRIBECHECK_WS_URL        ws(s)://127.0.0.1:PORT, for baseUri options
  SCRIBECHECK_REALTIME_URL  the full socket URL, .../v1/speech-to-text/realtime
and with --tls also SSL_CERT_FILE, REQUESTS_CA_BUNDLE (the system's roots plus a CA
made for this run) and NODE_EXTRA_CA_CERTS (that CA), for clients that hard-code wss://.

Exit codes: 0 both sides kept every MUST rule and no refusal was the server's;
1 a rule failed or the server refused a credential it should have taken; 2 usage,
a port in use, or a command that cannot start; 3 no client ever connected.
`

func proxyCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flagArgs, command := splitCommand(args)
	fs := newFlagSet("proxy", proxyHelp, stderr)
	upstream := fs.String("upstream", "live", `the server: "live" (https://api.elevenlabs.io) or a base URL`)
	listen := fs.String("listen", "127.0.0.1:0", "listen address; port 0 picks a free port")
	out := fs.String("out", "scribecheck-proxy", "folder for the reports and wire logs")
	useTLS := fs.Bool("tls", false, "serve HTTPS and WSS with a certificate made for 127.0.0.1 and localhost")
	strict := fs.Bool("strict", false, "treat a SHOULD rule not met (NON-STRICT) as a failure")
	if err := parseFlags(fs, flagArgs); err != nil {
		return exitCode(err, stderr)
	}
	red, set, err := newWireSet(*out)
	if err != nil {
		return exitCode(err, stderr)
	}
	if key := os.Getenv("ELEVENLABS_API_KEY"); key != "" {
		red.Add(key)
		set.KnownKey(key) // redacted wherever it shows, and named as a key
	}
	opts := proxy.Options{Upstream: *upstream, Set: set, Log: stdout, Redactor: red}
	var ca *userapp.TLS
	if *useTLS {
		if ca, err = userapp.NewTLS(filepath.Join(*out, "tls"), true); err != nil {
			return exitCode(err, stderr)
		}
		opts.TLS = ca.Config
	}
	p, err := proxy.New(opts)
	if err != nil {
		return exitCode(&exitcode.Error{Code: exitcode.Usage, Err: err}, stderr)
	}
	base, err := p.Start(*listen)
	if err != nil {
		return exitCode(&exitcode.Error{Code: exitcode.Usage, Err: fmt.Errorf("%w: is the port in use? choose another --listen, or 127.0.0.1:0 for a free one", err)}, stderr)
	}
	fmt.Fprintf(stdout, "scribecheck proxy in front of %s:\n", p.Upstream())
	userapp.WriteURLs(stdout, base)
	fmt.Fprintln(stdout, "  credentials:    your app's own, passed through unchanged")
	ca.WriteCA(stdout)

	run := reports.ClientRun{Kind: "proxy", StartedAt: time.Now(), BaseURL: base, Upstream: p.Upstream(), WireDir: set.Dir(),
		Command: red.Redact(strings.Join(command, " "))}
	// the app's own ELEVENLABS_API_KEY stays as it is
	app := userapp.RunOrServe(ctx, command, userapp.Env(base, ca.Env()...), run.Command, "serving until interrupted (Ctrl-C), then grading both sides of every connection", stdout, stderr)
	run.CommandExit, run.CommandError = app.Exit, app.Err
	if err := p.Close(); err != nil {
		fmt.Fprintf(stderr, "proxy: %v\n", err)
	}
	return gradeAfterApp(run, app, set, red, *out, *strict, stdout, stderr)
}
