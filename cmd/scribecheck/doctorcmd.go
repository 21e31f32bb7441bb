package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/scribecheck/scribecheck/internal/cli"
	"github.com/scribecheck/scribecheck/internal/clientcheck"
	"github.com/scribecheck/scribecheck/internal/doctor"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/targets"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

func doctorCommand(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	target := addTargetFlag(fs)
	token := fs.String("token", "", "your own single-use token to test; the test consumes it")
	lintURL := fs.String("url", "", "a socket URL your code builds, to lint without connecting (with no --target, only the lint runs)")
	model := fs.String("model", protocol.DefaultModel, "model_id to connect with")
	repeat := fs.Int("repeat", 1, "run each path N times for p50/p95 timings")
	slo := fs.String("slo", "", "p95 latency bounds, e.g. first_partial=2.5s,commit=800ms (metrics: upgrade, session_started, first_partial, commit)")
	audio := fs.Float64("audio-secs", 2.5, "seconds of synthetic speech per path that opens a session (the live budget)")
	out := fs.String("out", "scribecheck-doctor", "folder for the reports (a --url lint alone writes none unless given)")
	har := fs.String("har", "", "a HAR file from the browser's developer tools: grade its sockets and mints instead of probing")
	strict := fs.Bool("strict", false, "with --har: treat a SHOULD rule not met (NON-STRICT) as a failure")
	faultFlags := addFaultFlags(fs, "the in-process fake")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	targetSet, outSet := false, false
	fs.Visit(func(f *flag.Flag) {
		targetSet, outSet = targetSet || f.Name == "target", outSet || f.Name == "out"
	})
	if *har != "" {
		if targetSet || *token != "" || *lintURL != "" {
			return exitcode.Usagef("--har reads a recording and probes nothing: leave out --target, --token and --url")
		}
		return doctorHAR(*har, *out, *strict, stdout)
	}
	name, err := targets.Parse("--target", *target)
	if err != nil {
		return err
	}
	// A placeholder (undefined, [object Object]) is no token: the fake
	// judges it as any server would.
	if doctor.RealToken(*token) && name == targets.NameFake {
		return exitcode.Usagef("--token %s: the built-in fake (the target without --target) never minted this token and refuses it whatever is wrong with it; "+
			"give the server that minted it: --target live, or --target http(s)://HOST[:PORT]", secrets.Fingerprint(*token))
	}
	bounds, err := doctor.ParseSLO(*slo)
	if err != nil {
		return exitcode.Usagef("%w", err)
	}
	if *repeat < 1 || *repeat > 100 || *audio <= 0 || *audio > 30 {
		return exitcode.Usagef("--repeat must be 1 to 100 and --audio-secs more than 0 and at most 30")
	}
	sw, err := faultFlags()
	if err != nil {
		return err
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
	// doctor.Run registers the token with red (a placeholder, undefined or
	// [object Object], is no secret: the finding names it).
	if doctor.RealToken(*token) {
		fmt.Fprintf(stderr, "doctor: testing your token %s consumes it: it cannot be used again\n", secrets.Fingerprint(*token))
	}

	var d reports.Diagnosis
	lintOnly := *lintURL != "" && !targetSet && sw.String() == "" && *token == ""
	if lintOnly {
		d = doctor.LintOnly(*lintURL, red)
	} else {
		tgt, err := targets.Start(targets.Spec{Name: name, APIKey: os.Getenv(targets.APIKeyEnv), FakeFaults: sw.Faults, FakeChoices: sw.Choices})
		if err != nil {
			return err
		}
		defer tgt.Stop()
		opts.Target, opts.Probe = tgt.Target, tgt.Probe
		opts.Probe.AudioSeconds = *audio
		opts.Probe.Query = probes.DefaultQuery()
		opts.Probe.Query.Set(protocol.ParamModelID, *model)
		if err := targets.Reachable(ctx, tgt.Target); err != nil {
			if exitcode.Of(err) != exitcode.Unreachable {
				return err
			}
			d = doctor.NotReached(tgt.Target, err, red) // a silent port would cost every path its timeout
		} else {
			d = doctor.Run(ctx, opts)
		}
	}
	var files []string
	var werr error
	if !lintOnly || outSet { // a lint that probed nothing leaves no folder behind unless asked
		files, werr = reports.WriteDiagnosis(*out, d, red)
	}
	reports.WriteDiagnosisConsole(stdout, d, red)
	if werr != nil {
		return werr
	}
	if len(files) > 0 {
		listFiles(stdout, files...)
	}
	if d.Status == doctor.Unreachable {
		return exitcode.Reported(exitcode.Unreachable)
	}
	return exitcode.Fails(d.Status == doctor.Problem)
}

// doctorHAR grades a browser's HAR as real traffic: it is written into
// OUT/wire as wire logs (redacted as written), then graded on both sides.
func doctorHAR(path, out string, strict bool, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return exitcode.Usagef("--har: %w", err)
	}
	defer f.Close()
	red, set, err := clientcheck.StartWireLogs(out)
	if err != nil {
		return exitcode.Usagef("%w", err)
	}
	sum, err := wirelog.ImportHAR(f, set)
	if cerr := set.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return exitcode.Usagef("--har %s: %w", path, err)
	}
	fmt.Fprintf(stdout, "doctor: %s: %s with %s, %s; %s skipped\n", path, text.Plural(sum.Sockets, "socket", "sockets"),
		text.Plural(sum.Frames, "message", "messages"), text.Plural(sum.Exchanges, "token mint", "token mints"),
		text.Plural(sum.Skipped, "other entry", "other entries"))
	for _, n := range sum.Notes {
		fmt.Fprintf(stdout, "  note: %s\n", n)
	}
	run := reports.ClientRun{Kind: "har", StartedAt: time.Now(), Source: path, WireDir: set.Dir()}
	return gradeClientRun(run, red, out, strict, stdout)
}
