package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/scribecheck/scribecheck/internal/doctor"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/targets"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

const doctorHelp = `scribecheck doctor: why does my token get auth_error? One command, a verdict with its fix.

  scribecheck doctor                                   diagnose the in-process fake (a demo)
  ELEVENLABS_API_KEY=... scribecheck doctor --target live
  ELEVENLABS_API_KEY=... scribecheck doctor --target live --token sutkn_...   test YOUR token (this spends it)
  scribecheck doctor --url 'wss://api.elevenlabs.io/v1/speech-to-text/realtime?token=...'   lint a URL, offline
  scribecheck doctor --har session.har                 diagnose a browser's own recording, offline

It runs the auth paths side by side (header, fresh token, reused, expired,
wrong type, token + header, bad token + header, API key as token, wrong
parameter name, token=undefined), compares them, and names the cause with the
evidence and its confidence (documented, observed, inferred).

Reports (in --out): doctor.html (the matrix of paths x stages a person reads),
doctor.md (for a CI job summary or an issue), doctor.json (stable fields, see
the README), doctor-matrix.xml (JUnit). Secrets appear only as fingerprints.

--har reads a HAR file exported from the browser's developer tools (Chromium:
open the Network tab BEFORE the app connects, then "Export HAR (with sensitive
data)", or the default export, which keeps the URL's token and the xi-api-key
header). Its sockets and token mints are graded as the proxy grades real
traffic: the server's frames by the schemas and MULTI rules, the app's by the
CLIENT rules, and each auth_error put on a side (a fresh token minted moments
before and refused on first use is the server's; reused, expired, another type
or no token at all is the app's). No connection is made. Reports: har.html,
har.md, har.json, har-junit.xml, and the wire logs in OUT/wire; secrets in the
HAR (keys, tokens, cookies) are redacted in all of them.

Live budget: each path that opens a session streams --audio-secs of synthetic speech
(default 2.5 s) and commits; each path mints at most one token. The report
states what was spent.

Exit codes: 0 healthy; 1 a problem found (a refused key or token, a URL error,
a missed --slo); 2 usage; 3 the host cannot be reached (network, not auth), or sends no
HTTP answer within 5 s, or its TLS certificate is not trusted; 4 a bug of scribecheck (one ERROR line).
`

func doctorCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("doctor", doctorHelp, stderr)
	target := fs.String("target", "fake", "fake, live, or an http(s)://HOST[:PORT] URL")
	token := fs.String("token", "", "your own single-use token to test; the test consumes it")
	lintURL := fs.String("url", "", "a socket URL your code builds, to lint without connecting (with no --target, only the lint runs)")
	model := fs.String("model", protocol.DefaultModel, "model_id to connect with")
	repeat := fs.Int("repeat", 1, "run each path N times for p50/p95 timings")
	slo := fs.String("slo", "", "p95 latency bounds, e.g. first_partial=2.5s,commit=800ms (metrics: upgrade, session_started, first_partial, commit)")
	audio := fs.Float64("audio-secs", 2.5, "seconds of synthetic speech per path that opens a session (the live budget)")
	out := fs.String("out", "scribecheck-doctor", "folder for the reports")
	har := fs.String("har", "", "a HAR file from the browser's developer tools: grade its sockets and mints instead of probing")
	strict := fs.Bool("strict", false, "with --har: treat a SHOULD rule not met (NON-STRICT) as a failure")
	var bugs, deviations stringList
	fs.Var(&bugs, "fake-bug", "switch on a bug of the in-process fake (repeatable), e.g. sutkn-query-rejected")
	fs.Var(&deviations, "fake-deviate", "switch on a deviation of the in-process fake (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return exitCode(err, stderr)
	}
	targetSet := false
	fs.Visit(func(f *flag.Flag) { targetSet = targetSet || f.Name == "target" })
	if *har != "" {
		if targetSet || *token != "" || *lintURL != "" {
			return exitCode(&exitcode.Error{Code: exitcode.Usage, Err: fmt.Errorf("--har reads a recording and probes nothing: leave out --target, --token and --url")}, stderr)
		}
		return doctorHAR(*har, *out, *strict, stdout, stderr)
	}
	bounds, err := doctor.ParseSLO(*slo)
	if err == nil && (*repeat < 1 || *repeat > 100 || *audio <= 0 || *audio > 30) {
		err = fmt.Errorf("--repeat must be 1 to 100 and --audio-secs more than 0 and at most 30")
	}
	if err != nil {
		return exitCode(&exitcode.Error{Code: exitcode.Usage, Err: err}, stderr)
	}
	faults, err := faultList(bugs, deviations)
	if err != nil {
		return exitCode(err, stderr)
	}
	red := secrets.New()
	opts := doctor.Options{Token: *token, URL: *lintURL, Repeat: *repeat, SLO: bounds, Redactor: red,
		Progress: func(path string, run, of int) {
			if of > 1 {
				fmt.Fprintf(stderr, "doctor: %s (%d/%d)\n", path, run, of)
			} else {
				fmt.Fprintf(stderr, "doctor: %s\n", path)
			}
		}}
	if *token != "" {
		red.Add(*token)
		fmt.Fprintf(stderr, "doctor: testing your token %s consumes it: it cannot be used again\n", secrets.Fingerprint(*token))
	}

	var d reports.Diagnosis
	if *lintURL != "" && !targetSet && len(faults) == 0 && *token == "" {
		d = doctor.LintOnly(*lintURL, red)
	} else {
		tgt, err := targets.Start(targets.Spec{Name: *target, APIKey: os.Getenv(targets.APIKeyEnv), FakeFaults: faults})
		if err != nil {
			return exitCode(err, stderr)
		}
		defer tgt.Stop()
		opts.Target, opts.Probe = tgt.Target, tgt.Probe
		opts.Probe.AudioSeconds = *audio
		opts.Probe.Query = probes.DefaultQuery()
		opts.Probe.Query.Set(protocol.ParamModelID, *model)
		if err := targets.Reachable(ctx, tgt.Target); err != nil {
			if exitcode.Of(err) != exitcode.Unreachable {
				return exitCode(err, stderr)
			}
			d = doctor.NotReached(tgt.Target, err, red) // a silent port would cost every path its timeout
		} else {
			d = doctor.Run(ctx, opts)
		}
	}
	files, werr := reports.WriteDiagnosis(*out, d, red)
	reports.WriteDiagnosisConsole(stdout, d, red)
	if werr != nil {
		return exitCode(werr, stderr)
	}
	fmt.Fprintln(stdout, "reports:")
	for _, f := range files {
		fmt.Fprintf(stdout, "  %s\n", f)
	}
	switch d.Status {
	case doctor.Unreachable:
		return exitcode.Unreachable
	case doctor.Problem:
		return exitcode.Failed
	}
	return exitcode.OK
}

// doctorHAR grades a browser's HAR as real traffic: it is written into
// OUT/wire as wire logs (redacted as written), then graded on both sides.
func doctorHAR(path, out string, strict bool, stdout, stderr io.Writer) int {
	f, err := os.Open(path)
	if err != nil {
		return exitCode(&exitcode.Error{Code: exitcode.Usage, Err: fmt.Errorf("--har: %w", err)}, stderr)
	}
	defer f.Close()
	red, set, err := newWireSet(out)
	if err != nil {
		return exitCode(err, stderr)
	}
	sum, err := wirelog.ImportHAR(f, set)
	if cerr := set.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return exitCode(&exitcode.Error{Code: exitcode.Usage, Err: fmt.Errorf("--har %s: %w", path, err)}, stderr)
	}
	fmt.Fprintf(stdout, "doctor: %s: %d socket(s) with %d message(s), %d token mint(s); %d other entr(ies) skipped\n",
		path, sum.Sockets, sum.Frames, sum.Exchanges, sum.Skipped)
	for _, n := range sum.Notes {
		fmt.Fprintf(stdout, "  note: %s\n", n)
	}
	run := reports.ClientRun{Kind: "har", StartedAt: time.Now(), Source: path, WireDir: set.Dir()}
	return gradeClientRun(run, red, out, strict, stdout, stderr)
}
