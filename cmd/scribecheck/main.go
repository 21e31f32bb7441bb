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
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"text/template"

	"github.com/scribecheck/scribecheck/fakeserver"
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
	"run": runCommand, "doctor": doctorCommand, "fake": fakeCommand, "client": clientCommand, "sdks": sdksCommand, "sdks install": sdksInstall,
	"proxy": proxyCommand, "replay": replayCommand, "load": loadCommand, "load merge": loadMerge,
	"bench": benchCommand, "bench sink": benchSink, "list": listCommand, "version": versionCommand,
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

// newFlagSet makes a flag set, named after its command, that prints
// nothing itself: a bad flag is one line (flagError), the help is printed
// only when asked for (printHelp).
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// printHelp prints the help of fs's command: its text, then its flags,
// without their old names.
func printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, help(fs.Name()))
	fmt.Fprintln(w, "\nFlags:")
	shown := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.HasPrefix(f.Usage, oldName) {
			shown.Var(f.Value, f.Name, f.Usage)
			shown.Lookup(f.Name).DefValue = f.DefValue // the value may be parsed already
		}
	})
	var b strings.Builder
	shown.SetOutput(&b)
	shown.PrintDefaults()
	fmt.Fprint(w, flagLine.ReplaceAllString(b.String(), "  --$1")) // as the help texts and errors spell them
}

// flagLine is where PrintDefaults names a flag, with one dash.
var flagLine = regexp.MustCompile(`(?m)^  -(\w)`)

// oldName begins the usage of a flag's earlier name, which help leaves out.
const oldName = "old name of --"

// addOldName keeps old working as an earlier name of the flag now called
// name: it sets the same value, and help does not show it.
func addOldName(fs *flag.FlagSet, old, name string) {
	fs.Var(fs.Lookup(name).Value, old, oldName+name)
}

// parseArgs is the one argv splitter: flags may stand before, between or
// after the positional arguments, and the first "--" ends them; what follows
// it is a command to run (takesCommand) or more positional arguments. A
// command that takes no positional arguments (takesArgs) refuses any; every
// refusal is a usage error.
func parseArgs(fs *flag.FlagSet, args []string, takesArgs, takesCommand bool) (positional, command []string, err error) {
	if i := slices.Index(args, "--"); i >= 0 {
		args, command = args[:i], args[i+1:]
	}
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, nil, err
			}
			return nil, nil, exitcode.Usagef("%s; see scribecheck %s --help", flagError(fs, err), fs.Name())
		}
		if fs.NArg() == 0 {
			break
		}
		positional, args = append(positional, fs.Arg(0)), fs.Args()[1:]
	}
	if !takesCommand { // "--" only ends the flags
		positional, command = append(positional, command...), nil
	}
	if !takesArgs && len(positional) > 0 {
		return nil, nil, exitcode.Usagef("takes no arguments, got %q; see scribecheck %s --help", positional, fs.Name())
	}
	return positional, command, nil
}

// parseFlags parses the args of a command that takes flags only.
func parseFlags(fs *flag.FlagSet, args []string) error {
	_, _, err := parseArgs(fs, args, false, false)
	return err
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

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
	addOldName(fs, "addr", "listen")
	return addr
}

// addTargetFlag declares --target, the server run, doctor and load probe
// (targets.Parse reads it). The proxy's --target, the server it forwards
// to, is live by default and takes no fake (proxyTarget).
func addTargetFlag(fs *flag.FlagSet) *string {
	return fs.String("target", targets.NameFake, "fake, live, or an http(s)://HOST[:PORT] URL")
}

// portInUse is the usage error of a server that could not listen.
func portInUse(err error) error {
	return exitcode.Usagef("%w: is the port in use? choose another --listen, or 127.0.0.1:0 for a free one", err)
}
