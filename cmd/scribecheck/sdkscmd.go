package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/cli"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/sdks"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/reports"
)

func sdksCommand(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	dir := fs.String("dir", "", "run the SDKs of this folder as they are (its matrix.json, drivers and installs), installing nothing")
	out := fs.String("out", "scribecheck-sdks", "folder for the reports")
	timeout := fs.Duration("timeout", 3*time.Minute, "longest one install's driver may run")
	var only cli.StringList
	fs.Var(&only, "sdk", "run only this install, sdk@version (repeatable)")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	say := func(s string) { fmt.Fprintln(stderr, "sdks: "+s) }
	installs, err := sdks.Matrix()
	matrix := "the pinned matrix"
	if *dir != "" {
		if installs, err = sdks.LoadMatrix(*dir); err != nil {
			return exitcode.Usagef("--dir %s: %w (give a folder holding a matrix.json, or leave out --dir to install into the cache)", *dir, err)
		}
		matrix = *dir + "/matrix.json"
	}
	if err != nil {
		return err
	}
	if len(only) > 0 {
		var keys []string
		for _, in := range installs {
			keys = append(keys, in.Key())
		}
		installs = slices.DeleteFunc(installs, func(in sdks.Install) bool { return !slices.Contains(only, in.Key()) })
		if len(installs) == 0 {
			return exitcode.Usagef("--sdk %s: not in %s, which has %s", strings.Join(only, ", "), matrix, strings.Join(keys, ", "))
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
