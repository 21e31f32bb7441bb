package main

import (
	"context"
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

const sdksHelp = `scribecheck sdks: run the official SDKs, pinned, against the fake, and put the versions side by side.

  make sdks && scribecheck sdks                    every install in internal/sdks/matrix.json
  scribecheck sdks --sdk elevenlabs-js@2.73.0      one install

Each SDK version runs the same scenarios through its own public API (a driver
per SDK in internal/sdks/): a session on the header and on a token, a reused token, a
bad key, then, injected by the fake, each of the 14 error types, warning, the
frames of the newest contract, an unknown message type, a non-JSON text frame
and a close 1013. For each, the report says whether the SDK surfaced it as its
own event, as a generic error, dropped it, or crashed, against what is recorded
for that version (internal/sdks/specs.go): a shortfall on record is a FINDING, a
difference from the record FAILS. A version with nothing on record is a
candidate, compared with the newest pinned version of its SDK (CHANGED).
The CLIENT rules grade each install's own normal sessions.

To try a candidate before upgrading: add one line to internal/sdks/matrix.json (see
internal/sdks/README.md), install it, and run scribecheck sdks.

Reports (in --out): sdk-matrix.html, sdk-matrix.md, sdk-matrix.json,
sdk-junit.xml (one testsuite per install), and per install its wire logs and
the driver's output.

Exit codes: 0 every install matched its record; 1 a pinned install differs
from its record or its driver broke; 2 usage; 3 no SDK is installed.
`

func sdksCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("sdks", sdksHelp, stderr)
	dir := fs.String("dir", "internal/sdks", "the SDK folder (matrix.json, node/, python/)")
	out := fs.String("out", "scribecheck-sdks", "folder for the reports")
	timeout := fs.Duration("timeout", 3*time.Minute, "longest one install's driver may run")
	var only stringList
	fs.Var(&only, "sdk", "run only this install, sdk@version (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return exitCode(err, stderr)
	}
	installs, err := sdks.LoadMatrix(*dir)
	if err != nil {
		return exitCode(&exitcode.Error{Code: exitcode.Usage, Err: fmt.Errorf("%w (run from the repository root, or give --dir)", err)}, stderr)
	}
	if len(only) > 0 {
		installs = slices.DeleteFunc(installs, func(in sdks.Install) bool { return !slices.Contains(only, in.Key()) })
		if len(installs) == 0 {
			return exitCode(&exitcode.Error{Code: exitcode.Usage, Err: fmt.Errorf("--sdk %s: not in %s/matrix.json", strings.Join(only, ", "), *dir)}, stderr)
		}
	}
	started := time.Now()
	runs := sdks.RunAll(ctx, installs, sdks.Options{Dir: *dir, Out: *out, Timeout: *timeout,
		Progress: func(s string) { fmt.Fprintln(stderr, "sdks: "+s) }})
	m := sdks.Grade(runs, started)
	red := secrets.New()
	files, werr := reports.WriteSDKMatrix(*out, m, red)
	reports.WriteSDKMatrixConsole(stdout, m, red)
	if werr != nil {
		return exitCode(werr, stderr)
	}
	fmt.Fprintln(stdout, "reports:")
	for _, f := range files {
		fmt.Fprintf(stdout, "  %s\n", f)
	}
	switch {
	case sdks.NoneRan(m):
		fmt.Fprintln(stderr, "scribecheck: no SDK is installed here: run `make sdks` (needs Node.js and Python 3)")
		return exitcode.Unreachable
	case m.Failed():
		return exitcode.Failed
	}
	return exitcode.OK
}
