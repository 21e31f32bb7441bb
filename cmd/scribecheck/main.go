// Command scribecheck tells people building on ElevenLabs Scribe v2 Realtime
// which authentication path of the realtime socket fails and why, and whether
// a server, a fake or an SDK still speaks the protocol.
//
// Each command is flags → a config → one call into the library → an exit
// code. Help texts are help/NAME.txt.
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"text/template"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/cli"
	"github.com/scribecheck/scribecheck/internal/crash"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/targets"
	"github.com/scribecheck/scribecheck/protocol"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches a command and maps its error to an exit code. A panic is a
// bug of scribecheck: one ERROR line, the stack in a file, exit 4.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	var parsed *flag.FlagSet
	defer func() {
		if v := recover(); v != nil {
			where := "scribecheck"
			if len(args) > 0 {
				where += " " + args[0]
			}
			fmt.Fprintln(stderr, crash.Report(outDir(parsed), where, v, debug.Stack(), nil))
			code = exitcode.Internal
		}
	}()
	return dispatch(ctx, args, stdout, stderr, &parsed)
}

// outDir is where a crash's stack goes: the command's --out once its flags
// were parsed (the flag set read them, so `-- app --out x` is the app's),
// else "" (the temporary folder).
func outDir(fs *flag.FlagSet) string {
	if fs == nil || !fs.Parsed() {
		return ""
	}
	if f := fs.Lookup("out"); f != nil {
		return f.Value.String()
	}
	return ""
}

// command is every command's one signature: fs is its flag set, named after
// it (newFlagSet), to declare its flags on and parse args with; a nil error
// is exit 0, any other maps to its code by exitcode.Of.
type command func(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error

// commands are the commands by name. A name of two words is a subcommand
// with flags and a help text of its own ("load merge": help/load-merge.txt),
// chosen by its second word.
var commands = map[string]command{
	"run": runCommand, "doctor": doctorCommand, "fake": fakeCommand, "client": clientCommand, "sdks": sdksCommand, "sdks install": sdksInstall, "sdks diff": sdksDiff,
	"proxy": proxyCommand, "replay": replayCommand, "load": loadCommand, "load merge": loadMerge,
	"bench": benchCommand, "bench sink": benchSink, "list": listCommand, "version": versionCommand, "monitor": monitorCommand,
}

// dispatch runs the command args name; parsed is set to its flag set, for
// the crash report to read --out from.
func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer, parsed **flag.FlagSet) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, help("usage"))
		return exitcode.Usage
	}
	name, rest := args[0], args[1:]
	if name == "--version" || name == "-version" {
		name = "version"
	}
	if slices.Contains([]string{"help", "-h", "-help", "--help"}, name) {
		if len(rest) > 0 && rest[0] != "" {
			return dispatch(ctx, []string{rest[0], "--help"}, stdout, stderr, parsed)
		}
		fmt.Fprint(stdout, help("usage"))
		return exitcode.OK
	}
	cmd, ok := commands[name]
	if !ok || strings.Contains(name, " ") {
		fmt.Fprintf(stderr, "scribecheck: unknown command %q; see scribecheck --help\n", name)
		return exitcode.Usage
	}
	if len(rest) > 0 {
		if sub, ok := commands[name+" "+rest[0]]; ok {
			name, cmd, rest = name+" "+rest[0], sub, rest[1:]
		}
	}
	*parsed = newFlagSet(name)
	err := cmd(ctx, *parsed, rest, stdout, stderr)
	switch {
	case err == nil:
		return exitcode.OK
	case errors.Is(err, flag.ErrHelp):
		printHelp(stdout, *parsed)
		return exitcode.OK
	}
	if !exitcode.Quiet(err) {
		fmt.Fprintf(stderr, "scribecheck: %s: %v\n", name, err)
	}
	return exitcode.Of(err)
}

//go:embed help
var helpFiles embed.FS

// help is the text of help/NAME.txt ("load merge": help/load-merge.txt), a
// template that may list the fake's faults, choices and stimuli.
func help(name string) string {
	faults := map[fakeserver.FaultKind][]fakeserver.Fault{}
	for _, f := range fakeserver.Faults {
		faults[f.Kind] = append(faults[f.Kind], f)
	}
	var b strings.Builder
	t := template.Must(template.ParseFS(helpFiles, "help/"+strings.ReplaceAll(name, " ", "-")+".txt"))
	_ = t.Execute(&b, map[string]any{"Bugs": faults[fakeserver.Bug], "Deviations": faults[fakeserver.Deviation],
		"Choices": fakeserver.Choices, "Stimuli": protocol.Stimuli})
	return b.String()
}

// newFlagSet makes a command's flag set (cli.NewFlagSet): it prints
// nothing itself; the help is printed only when asked for (printHelp).
func newFlagSet(name string) *flag.FlagSet { return cli.NewFlagSet(name) }

// printHelp prints the help of fs's command: its text, then its flags.
func printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, help(fs.Name()))
	fmt.Fprintln(w, "\nFlags:")
	cli.PrintFlags(w, fs)
}

// listFiles prints the report files a command wrote.
func listFiles(w io.Writer, files ...string) {
	fmt.Fprintln(w, "reports:")
	for _, f := range files {
		fmt.Fprintf(w, "  %s\n", f)
	}
}

// addListenFlag declares --listen, where a command's server listens (by
// default a free port of 127.0.0.1); --addr is its old name.
func addListenFlag(fs *flag.FlagSet) *string {
	addr := fs.String("listen", "127.0.0.1:0", "listen address, HOST:PORT; port 0 picks a free port")
	cli.AddOldName(fs, "addr", "listen")
	return addr
}

// addTargetFlag declares --target, the server run, doctor and load probe
// (targets.Parse reads it). The proxy's --target, the server it forwards
// to, is live by default and takes no fake (proxyTarget).
func addTargetFlag(fs *flag.FlagSet) *string {
	return fs.String("target", targets.NameFake, "fake, live, or an http(s)://HOST[:PORT] URL")
}
