package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/scribecheck/scribecheck/internal/cli"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/sdks"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/reports"
)

func sdksCommand(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	sdkFlags := addSDKFlags(fs, "scribecheck-sdks")
	var only, scenarios cli.StringList
	fs.Var(&only, "sdk", "run only this install, sdk@version (repeatable)")
	fs.Var(&scenarios, "scenario", "run only this scenario, e.g. token (repeatable; the specs' scenario column)")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	opts, err := sdkFlags()
	if err != nil {
		return err
	}
	if err := sdks.PickScenarios(scenarios); err != nil {
		return exitcode.Usagef("--scenario %w", err)
	}
	opts.Only = scenarios
	say := func(s string) { fmt.Fprintln(stderr, "sdks: "+s) }
	installs, matrix, err := sdks.MatrixOf(opts.Dir)
	if err != nil {
		return err
	}
	if len(only) > 0 {
		if installs, err = sdks.Pick(installs, only); err != nil {
			return exitcode.Usagef("--sdk %w (%s)", err, matrix)
		}
	}
	if opts.Dir == "" {
		if opts.Dir, err = sdks.SetupDefault(ctx, say); err != nil {
			return err
		}
	}
	started := time.Now()
	opts.Redactor, opts.Progress = secrets.New(), say // it learns every install's keys and tokens: the reports are redacted and leak-scanned with it
	m := sdks.Grade(sdks.RunAll(ctx, installs, opts), started)
	files, werr := reports.WriteSDKMatrix(opts.Out, m, opts.Redactor)
	reports.WriteSDKMatrixConsole(stdout, m, opts.Redactor)
	if werr != nil {
		return werr
	}
	listFiles(stdout, files...)
	if sdks.NoneRan(m) {
		return exitcode.Unreachablef("no SDK could run from %s: it needs Node.js (npm) or Python 3 with venv on PATH", opts.Dir)
	}
	return exitcode.Fails(m.Failed())
}

// addSDKFlags declares the flags of a command that runs SDKs: where they
// are (--dir), where the reports go (--out), how long one driver may run,
// and the fakes' choices; the function it returns checks them.
func addSDKFlags(fs *flag.FlagSet, out string) func() (sdks.Options, error) {
	dir := fs.String("dir", "", "run the SDKs of this folder as they are (its matrix.json, drivers and installs), installing nothing")
	reportDir := fs.String("out", out, "folder for the reports")
	// Not --timeout: on run and doctor that bounds the whole command.
	timeout := fs.Duration("driver-timeout", 3*time.Minute, "longest one install's driver may run")
	cli.AddOldName(fs, "timeout", "driver-timeout")
	choices := addChoiceFlag(fs, "put a choice of the fakes (the SDKs' records describe the default world: a difference there is CHANGED, not failed)")
	return func() (sdks.Options, error) {
		c, err := choices()
		return sdks.Options{Dir: *dir, Out: *reportDir, Timeout: *timeout, Choices: c}, err
	}
}

// sdksInstall installs the pinned SDKs only (make sdks calls it).
func sdksInstall(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	_, err := sdks.SetupDefault(ctx, func(s string) { fmt.Fprintln(stderr, "sdks: "+s) })
	return err
}

// sdksDiff runs two installs of one client in the same scenarios and says
// what changes on the wire between them.
func sdksDiff(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	sdkFlags := addSDKFlags(fs, "scribecheck-sdks-diff")
	keys, _, err := cli.ParseArgs(fs, args, true, false)
	if err != nil {
		return err
	}
	opts, err := sdkFlags()
	if err != nil {
		return err
	}
	if len(keys) != 2 {
		return exitcode.Usagef("give two installs of one client, OLD NEW (e.g. elevenlabs-js@2.56.0 elevenlabs-js@2.73.0), got %d; see scribecheck sdks diff --help", len(keys))
	}
	installs, matrix, err := sdks.MatrixOf(opts.Dir)
	if err != nil {
		return err
	}
	pair, err := sdks.Pick(installs, keys)
	if err != nil {
		return exitcode.Usagef("%w (%s)", err, matrix)
	}
	if pair[0].SDK != pair[1].SDK || pair[0].Key() == pair[1].Key() {
		return exitcode.Usagef("%s and %s: give two different versions of one client", keys[0], keys[1])
	}
	say := func(s string) { fmt.Fprintln(stderr, "sdks diff: "+s) }
	if opts.Dir == "" {
		if opts.Dir, err = sdks.SetupDefault(ctx, say); err != nil {
			return err
		}
	}
	started := time.Now()
	opts.Redactor, opts.Progress = secrets.New(), say
	runs := sdks.RunAll(ctx, pair, opts)
	var sides [2]sdks.Side
	for i, r := range runs {
		switch {
		case r.Skipped != "":
			return exitcode.Unreachablef("%s", r.Skipped)
		case r.Broken != "":
			return fmt.Errorf("%s: its driver broke: %s", r.Install.Key(), r.Broken)
		}
		if sides[i], err = sdks.ReadSide(r); err != nil {
			return err
		}
	}
	d := sdks.Diff(sides[0], sides[1], started)
	files, werr := reports.WriteSDKDiff(opts.Out, d, opts.Redactor, runs[0].WireDir, runs[1].WireDir)
	reports.WriteSDKDiffConsole(stdout, d, opts.Redactor)
	if werr != nil {
		return werr
	}
	listFiles(stdout, files...)
	return exitcode.Fails(d.Breaking())
}
