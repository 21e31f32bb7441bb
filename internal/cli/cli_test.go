package cli

import (
	"errors"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/exitcode"
)

// The one argv splitter: flags anywhere among the positional arguments, a
// command after the first "--", refusals as usage errors.
func TestParseArgs(t *testing.T) {
	for _, c := range []struct {
		args            []string
		takesArgs, runs bool
		pos, command    []string
		out             string
		speed           string
		err             string // "" for none
	}{
		{args: []string{"--out", "o", "rec", "--speed=2", "--", "node", "app.mjs", "--out", "x"}, takesArgs: true, runs: true,
			pos: []string{"rec"}, command: []string{"node", "app.mjs", "--out", "x"}, out: "o", speed: "2"},
		{args: []string{"a.json", "--out", "o", "b.json", "--", "--c.json"}, takesArgs: true,
			pos: []string{"a.json", "b.json", "--c.json"}, out: "o"},
		{args: []string{"--quiet", "--", "app"}, runs: true, command: []string{"app"}},
		{args: []string{"--", "x"}, err: `takes no arguments, got ["x"]; see scribecheck t --help`},
		{args: []string{"foo", "--", "app"}, runs: true, err: `takes no arguments, got ["foo"]; see scribecheck t --help`},
		{args: []string{"--nope"}, err: "unknown flag --nope; see scribecheck t --help"},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		out := fs.String("out", "", "")
		speed := fs.String("speed", "", "")
		fs.Bool("quiet", false, "")
		pos, command, err := ParseArgs(fs, c.args, c.takesArgs, c.runs)
		switch {
		case c.err != "":
			if err == nil || exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v (exit %d), want a usage error saying %q", c.args, err, exitcode.Of(err), c.err)
			}
		case err != nil || !slices.Equal(pos, c.pos) || !slices.Equal(command, c.command) || *out != c.out || *speed != c.speed:
			t.Errorf("%q: positional %q, command %q, --out %q, --speed %q, %v", c.args, pos, command, *out, *speed, err)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := ParseFlags(fs, []string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v, want flag.ErrHelp", err)
	}
}
