// Package cli is the grammar every scribecheck command shares: one argv
// splitter, flags spelt with two dashes, an old flag name that still works
// but is not taught, and a bad flag told in one line that names it and
// what would work.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/scribecheck/scribecheck/internal/exitcode"
)

// NewFlagSet makes the flag set of the command name: it prints nothing
// itself (ParseArgs turns its errors into one line, PrintFlags lists it
// when help is asked for).
func NewFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// ParseArgs is the one argv splitter: flags may stand before, between or
// after the positional arguments, and the first "--" ends them; what follows
// it is a command to run (takesCommand) or more positional arguments. A
// command that takes no positional arguments (takesArgs) refuses any; every
// refusal is a usage error of one line.
func ParseArgs(fs *flag.FlagSet, args []string, takesArgs, takesCommand bool) (positional, command []string, err error) {
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

// ParseFlags parses the args of a command that takes flags only.
func ParseFlags(fs *flag.FlagSet, args []string) error {
	_, _, err := ParseArgs(fs, args, false, false)
	return err
}

// PortInUse is the usage error of a server that could not listen on its
// --listen address.
func PortInUse(err error) error {
	return exitcode.Usagef("%w: is the port in use? choose another --listen, or 127.0.0.1:0 for a free one", err)
}

// StringList is a repeatable string flag.
type StringList []string

func (s *StringList) String() string     { return strings.Join(*s, ",") }
func (s *StringList) Set(v string) error { *s = append(*s, v); return nil }

// oldName begins the usage of a flag's earlier name, which help leaves out.
const oldName = "old name of --"

// AddOldName keeps old working as an earlier name of the flag now called
// name: it sets the same value, and neither help nor a suggestion shows it.
func AddOldName(fs *flag.FlagSet, old, name string) {
	fs.Var(fs.Lookup(name).Value, old, oldName+name)
}

// AddOldSwitch keeps old working as an earlier boolean flag that now means
// --name value: given (or =true) it sets that value; =false sets nothing.
// Like an old name, neither help nor a suggestion shows it.
func AddOldSwitch(fs *flag.FlagSet, old, name, value string) {
	fs.Var(&oldSwitch{to: fs.Lookup(name).Value, value: value}, old, oldName+name+" "+value)
}

type oldSwitch struct {
	to    flag.Value
	value string
	set   bool
}

func (o *oldSwitch) IsBoolFlag() bool { return true }
func (o *oldSwitch) String() string   { return strconv.FormatBool(o != nil && o.set) }
func (o *oldSwitch) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil || !b {
		return err
	}
	o.set = true
	return o.to.Set(o.value)
}

// IsOldName reports whether f is an earlier name of another flag.
func IsOldName(f *flag.Flag) bool { return strings.HasPrefix(f.Usage, oldName) }

// PrintFlags lists fs's flags as help shows them: two dashes, no old names.
func PrintFlags(w io.Writer, fs *flag.FlagSet) {
	shown := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
	fs.VisitAll(func(f *flag.Flag) {
		if !IsOldName(f) {
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
