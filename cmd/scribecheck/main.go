// Command scribecheck tells people building on ElevenLabs Scribe v2 Realtime
// which authentication path of the realtime socket fails and why, and whether
// a server, a fake or an SDK still speaks the protocol.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/scribecheck/scribecheck/internal/crash"
	"github.com/scribecheck/scribecheck/internal/exitcode"
)

const usage = `scribecheck checks the ElevenLabs Scribe v2 Realtime socket: which auth path
fails and why, and whether a server still speaks the protocol.

Usage:
  scribecheck run   [--target fake|live|URL] [flags]   run the specs, write JUnit reports
  scribecheck doctor [--target …] [--token T] [--url U] why does my token get auth_error? a verdict and its fix
  scribecheck doctor --har FILE.har                    the same question, answered from a browser's recording
  scribecheck fake  [--addr HOST:PORT] [flags]         serve the local fake Scribe API
  scribecheck client [flags] [-- COMMAND …]            run YOUR app against the fake and grade what it sends
  scribecheck sdks  [--sdk NAME@VERSION] [flags]       run the pinned official SDKs against the fake, side by side
  scribecheck proxy --upstream live [-- COMMAND …]     put scribecheck between YOUR app and the API; grade both sides
  scribecheck replay FILE [-- COMMAND …]               serve a recorded session back to your app; report where it diverges
  scribecheck load  [--target …] --sessions N --duration D   hold N sessions at once; latency percentiles, JSON
  scribecheck load merge A.json B.json …               add the results of several load processes up, exactly
  scribecheck bench [--out DIR]                        measure the fake beside a bare WebSocket server (make bench)
  scribecheck list                                     print every spec: ID, level, labels, requirement
  scribecheck help COMMAND                             explain a command's flags

Targets: "fake" (default) starts an in-process fake; "live" is the ElevenLabs API;
any http(s)://HOST[:PORT] works too. Live and URL targets take the API key from
ELEVENLABS_API_KEY. Secrets never appear in any output: they show as sk_…9f2c.

Exit codes (run, doctor, client, sdks, proxy, replay, load): 0 all MUST specs passed, or healthy; 1 a conformance or auth failure; 2 usage or
configuration error; 3 the target could not be reached (or did not answer HTTP); 4 a bug of scribecheck
(one ERROR line; the stack is in a file it names).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches a command and maps its error to an exit code. A panic is a
// bug of scribecheck: one ERROR line, the stack in a file, exit 4.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if v := recover(); v != nil {
			where := "scribecheck"
			if len(args) > 0 {
				where += " " + args[0]
			}
			fmt.Fprintln(stderr, crash.Report(outFlag(args), where, v, debug.Stack(), nil))
			code = exitcode.Internal
		}
	}()
	return dispatch(ctx, args, stdout, stderr)
}

// outFlag is the value of --out in args, where a crash's stack goes.
func outFlag(args []string) string {
	for i, a := range args {
		for _, name := range []string{"--out", "-out"} {
			if a == name && i+1 < len(args) {
				return args[i+1]
			}
			if v, ok := strings.CutPrefix(a, name+"="); ok {
				return v
			}
		}
	}
	return ""
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitcode.Usage
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "run":
		return runCommand(ctx, rest, stdout, stderr)
	case "doctor":
		return doctorCommand(ctx, rest, stdout, stderr)
	case "fake":
		err = fakeCommand(ctx, rest, stdout, stderr)
	case "client":
		return clientCommand(ctx, rest, stdout, stderr)
	case "sdks":
		return sdksCommand(ctx, rest, stdout, stderr)
	case "proxy":
		return proxyCommand(ctx, rest, stdout, stderr)
	case "replay":
		return replayCommand(ctx, rest, stdout, stderr)
	case "load":
		return loadCommand(ctx, rest, stdout, stderr)
	case "bench":
		err = benchCommand(ctx, rest, stdout, stderr)
	case "list":
		err = listCommand(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 && rest[0] != "" {
			return dispatch(ctx, []string{rest[0], "--help"}, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "scribecheck: unknown command %q\n\n%s", cmd, usage)
		return exitcode.Usage
	}
	return exitCode(err, stderr)
}

// exitCode prints err and returns the code it maps to.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "scribecheck: %v\n", err)
	return exitcode.Of(err)
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// newFlagSet makes a flag set that reports errors instead of exiting, with
// help text in the given words.
func newFlagSet(name, help string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, help)
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; a bad flag is a usage error (exit 2).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitcode.Error{Code: exitcode.Usage, Err: err}
	}
	if fs.NArg() > 0 {
		return &exitcode.Error{Code: exitcode.Usage, Err: fmt.Errorf("%s takes no arguments, got %q", fs.Name(), fs.Args())}
	}
	return nil
}
