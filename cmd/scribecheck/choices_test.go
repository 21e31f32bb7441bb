package main

import (
	"flag"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/cli"
	"github.com/scribecheck/scribecheck/internal/exitcode"
)

// The fake's switchable choices, run in each world: the INFO spec of each
// records the world the in-process fake was put in, and stays INFORMATIONAL.
func TestFakeChoiceSpecsRecordEachWorld(t *testing.T) {
	t.Parallel()
	var specs []string
	defaults, others := []string{}, []string{"run"}
	for _, c := range fakeserver.Choices {
		if len(c.Positions) == 0 {
			continue
		}
		specs = append(specs, c.Spec+" ")
		defaults = append(defaults, c.Name+"="+c.Positions[0])
		others = append(others, "--fake-choice", c.Name+"="+c.Positions[1])
	}
	focus := []string{"--focus", strings.Join(specs, "|")}
	for _, world := range []struct {
		args, want []string
	}{
		{append([]string{"run"}, focus...), defaults},
		{append(others, focus...), others[2:]},
	} {
		r := scribecheck(t, nil, world.args...)
		if r.Code != 0 {
			t.Fatalf("%v: exit %d\n%s\n%s", world.args, r.Code, r.Stdout, r.Stderr)
		}
		got := r.Verdicts(t)
		for _, id := range specs {
			if v := got[strings.TrimSpace(id)]; v != "INFORMATIONAL" {
				t.Errorf("%v: %s is %q, want INFORMATIONAL", world.args, id, v)
			}
		}
		b, err := os.ReadFile(filepath.Join(r.Out, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range world.want {
			if w != "--fake-choice" && !strings.Contains(string(b), "the fake's "+w) {
				t.Errorf("%v: results.json records no %q", world.args, w)
			}
		}
	}
}

// --fake-choice takes NAME=POSITION of a choice with a switch; the old
// --idle-ignores-empty-chunks is one of its positions and help leaves it out.
func TestFakeChoiceFlag(t *testing.T) {
	t.Parallel()
	parse := func(args ...string) (map[string]string, error) {
		fs := flag.NewFlagSet("fake", flag.ContinueOnError)
		read := addFakeFlags(fs, "")
		if err := cli.ParseFlags(fs, args); err != nil {
			return nil, err
		}
		opts, err := read()
		return opts.Choices, err
	}
	for _, c := range []struct {
		args []string
		want map[string]string
	}{
		{nil, nil},
		{[]string{"--idle-ignores-empty-chunks"}, map[string]string{fakeserver.ChoiceEmptyChunkKeepalive: fakeserver.PositionIgnored}},
		{[]string{"--idle-ignores-empty-chunks=false"}, nil},
		{[]string{"--fake-choice", "bool-capitals=refused", "--fake-choice", "header-beside-token=fallback"},
			map[string]string{fakeserver.ChoiceBoolCapitals: fakeserver.PositionRefused, fakeserver.ChoiceHeaderBesideToken: fakeserver.PositionFallback}},
	} {
		got, err := parse(c.args...)
		if err != nil || !maps.Equal(got, c.want) {
			t.Errorf("%v: %v %v, want %v", c.args, got, err, c.want)
		}
	}
	for _, bad := range []string{"bool-capitals=maybe", "bool-capitals", "binary-frame=accepted"} {
		if _, err := parse("--fake-choice", bad); exitcode.Of(err) != exitcode.Usage {
			t.Errorf("--fake-choice %s: %v, want a usage error", bad, err)
		}
	}
	if help := scribecheck(t, nil, "fake", "--help"); strings.Contains(help.Stdout+help.Stderr, "idle-ignores-empty-chunks") {
		t.Error("fake --help shows the old flag")
	}
}

// sdks and sdks diff take --fake-choice as run does, through the same
// parsing, and refuse a bad switch in one line before they install or run
// anything.
func TestSDKsFakeChoiceFlag(t *testing.T) {
	t.Parallel()
	saysOneLine(t, exitcode.Usage, `scribecheck: sdks: --fake-choice bool-capitals=maybe: the choice bool-capitals has no position "maybe"; give one of read, refused`,
		"sdks", "--fake-choice", "bool-capitals=maybe")
	saysOneLine(t, exitcode.Usage, `scribecheck: sdks diff: --fake-choice binary-frame=accepted: "binary-frame" is not a choice that has a switch; give NAME=POSITION, one of `+fakeserver.Switches(),
		"sdks", "diff", "--fake-choice", "binary-frame=accepted", "elevenlabs-js@2.56.0", "elevenlabs-js@2.73.0")
	saysOneLine(t, exitcode.Usage, "scribecheck: sdks: --fake-choice needs a value; see scribecheck sdks --help", "sdks", "--fake-choice")
}
