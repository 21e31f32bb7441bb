package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/sdks"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/reports"
)

func sdksCommand(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	dir := fs.String("dir", "internal/sdks", "the SDK folder (matrix.json, node/, python/)")
	out := fs.String("out", "scribecheck-sdks", "folder for the reports")
	timeout := fs.Duration("timeout", 3*time.Minute, "longest one install's driver may run")
	var only stringList
	fs.Var(&only, "sdk", "run only this install, sdk@version (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	installs, err := sdks.LoadMatrix(*dir)
	if err != nil {
		return exitcode.Usagef("%w (run from the repository root, or give --dir)", err)
	}
	if len(only) > 0 {
		installs = slices.DeleteFunc(installs, func(in sdks.Install) bool { return !slices.Contains(only, in.Key()) })
		if len(installs) == 0 {
			return exitcode.Usagef("--sdk %s: not in %s/matrix.json", strings.Join(only, ", "), *dir)
		}
	}
	started := time.Now()
	red := secrets.New() // learns every install's keys and tokens: the reports are redacted and leak-scanned with it
	runs := sdks.RunAll(ctx, installs, sdks.Options{Dir: *dir, Out: *out, Timeout: *timeout, Redactor: red,
		Progress: func(s string) { fmt.Fprintln(stderr, "sdks: "+s) }})
	m := sdks.Grade(runs, started)
	files, werr := reports.WriteSDKMatrix(*out, m, red)
	reports.WriteSDKMatrixConsole(stdout, m, red)
	if werr != nil {
		return werr
	}
	listFiles(stdout, files...)
	if sdks.NoneRan(m) {
		return exitcode.Unreachablef("no SDK is installed here: run `make sdks` (needs Node.js and Python 3)")
	}
	return exitcode.Fails(m.Failed())
}
