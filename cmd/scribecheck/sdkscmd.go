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
	dir, out, timeout := addSDKFlags(fs, "scribecheck-sdks")
	var only cli.StringList
	fs.Var(&only, "sdk", "run only this install, sdk@version (repeatable)")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	say := func(s string) { fmt.Fprintln(stderr, "sdks: "+s) }
	installs, matrix, err := matrixOf(*dir)
	if err != nil {
		return err
	}
	if len(only) > 0 {
		if installs, err = sdks.Pick(installs, only); err != nil {
			return exitcode.Usagef("--sdk %w (%s)", err, matrix)
		}
	}
	if *dir == "" {
		if *dir, err = setupSDKs(ctx, say); err != nil {
			return err
		}
	}
	started := time.Now()
	red := secrets.New() // learns every install's keys and tokens: the reports are redacted and leak-scanned with it
	runs := sdks.RunAll(ctx, installs, sdks.Options{Dir: *dir, Out: *out, Timeout: *timeout, Redactor: red, Progress: say})
	m := sdks.Grade(runs, started)
	files, werr := reports.WriteSDKMatrix(*out, m, red)
	reports.WriteSDKMatrixConsole(stdout, m, red)
	if werr != nil {
		return werr
	}
	listFiles(stdout, files...)
	if sdks.NoneRan(m) {
		return exitcode.Unreachablef("no SDK could run from %s: it needs Node.js (npm) or Python 3 with venv on PATH", *dir)
	}
	return exitcode.Fails(m.Failed())
}

// addSDKFlags declares the flags of a command that runs SDKs: where they
// are (--dir), where the reports go (--out), how long one driver may run.
func addSDKFlags(fs *flag.FlagSet, out string) (*string, *string, *time.Duration) {
	return fs.String("dir", "", "run the SDKs of this folder as they are (its matrix.json, drivers and installs), installing nothing"),
		fs.String("out", out, "folder for the reports"),
		fs.Duration("timeout", 3*time.Minute, "longest one install's driver may run")
}

// matrixOf reads the installs to run: the pinned matrix, or --dir's
// matrix.json. It also says which of them it read.
func matrixOf(dir string) ([]sdks.Install, string, error) {
	if dir == "" {
		installs, err := sdks.Matrix()
		return installs, "the pinned matrix", err
	}
	installs, err := sdks.LoadMatrix(dir)
	if err != nil {
		return nil, "", exitcode.Usagef("--dir %s: %w (give a folder holding a matrix.json, or leave out --dir to install into the cache)", dir, err)
	}
	return installs, dir + "/matrix.json", nil
}

// sdksInstall installs the pinned SDKs only (make sdks calls it).
func sdksInstall(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	_, err := setupSDKs(ctx, func(s string) { fmt.Fprintln(stderr, "sdks: "+s) })
	return err
}

// setupSDKs installs the pinned SDKs into their folder (sdks.DefaultDir),
// saying where, and returns it.
func setupSDKs(ctx context.Context, say func(string)) (string, error) {
	dir, err := sdks.DefaultDir()
	if err != nil {
		return "", exitcode.Usagef("%w", err)
	}
	say(fmt.Sprintf("SDKs install in %s (set %s to choose another folder)", dir, sdks.DirEnv))
	started := time.Now()
	if err := sdks.Setup(ctx, dir, say); err != nil {
		return "", fmt.Errorf("installing the SDKs into %s: %w\n(fix the cause and run `scribecheck sdks install` again; what installed is kept)", dir, err)
	}
	say(fmt.Sprintf("install checked in %.1fs", time.Since(started).Seconds()))
	return dir, nil
}

// sdksDiff runs two installs of one client in the same scenarios and says
// what changes on the wire between them.
func sdksDiff(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	dir, out, timeout := addSDKFlags(fs, "scribecheck-sdks-diff")
	keys, _, err := cli.ParseArgs(fs, args, true, false)
	if err != nil {
		return err
	}
	if len(keys) != 2 {
		return exitcode.Usagef("give two installs of one client, OLD NEW (e.g. elevenlabs-js@2.56.0 elevenlabs-js@2.73.0), got %d; see scribecheck sdks diff --help", len(keys))
	}
	installs, matrix, err := matrixOf(*dir)
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
	if *dir == "" {
		if *dir, err = setupSDKs(ctx, say); err != nil {
			return err
		}
	}
	started := time.Now()
	red := secrets.New()
	runs := sdks.RunAll(ctx, pair, sdks.Options{Dir: *dir, Out: *out, Timeout: *timeout, Redactor: red, Progress: say})
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
	files, werr := reports.WriteSDKDiff(*out, d, red, runs[0].WireDir, runs[1].WireDir)
	reports.WriteSDKDiffConsole(stdout, d, red)
	if werr != nil {
		return werr
	}
	listFiles(stdout, files...)
	return exitcode.Fails(d.Breaking())
}
