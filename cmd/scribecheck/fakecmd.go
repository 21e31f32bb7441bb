package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/bench"
	"github.com/scribecheck/scribecheck/internal/calibrate"
	"github.com/scribecheck/scribecheck/internal/cli"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/text"
)

func fakeCommand(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	addr := addListenFlag(fs)
	var keys cli.StringList
	fs.Var(&keys, "api-key", "accept this API key too (repeatable); it is never printed")
	fakeFlags := addFakeFlags(fs, "")
	quiet := fs.Bool("quiet", false, "do not log each decision to stderr")
	cpuProfile := fs.String("cpuprofile", "", "write a Go CPU profile of the fake to this file until it stops (go tool pprof reads it)")
	calibrateFrom := fs.String("calibrate", "", "answer each stimulus as the target of this earlier run (its results.json or --out folder) did, per its INFO specs")
	limits := addLimitFlags(fs)
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	opts, err := fakeFlags()
	if err != nil {
		return err
	}
	if opts.Calibration, err = calibrate.Read(*calibrateFrom, stdout); err != nil {
		return err
	}
	opts.APIKeys = keys
	if !*quiet {
		opts.Log = stderr
	}
	if err := limits(&opts); err != nil {
		return err
	}
	srv, err := fakeserver.New(opts)
	if err != nil {
		return err
	}
	calibrate.WriteChanges(stdout, srv)
	base, err := srv.Start(*addr)
	if err != nil {
		return cli.PortInUse(err)
	}
	fmt.Fprintf(stdout, "listening on %s\n", base)
	fmt.Fprintf(stdout, "test key: %s\n", srv.TestKey())
	fmt.Fprintf(stdout, "restricted key (no speech_to_text permission): %s\n", srv.RestrictedKey())
	if len(keys) > 0 {
		fmt.Fprintf(stdout, "also accepting %s given with --api-key\n", text.Plural(len(keys), "key", "keys"))
	}
	if len(opts.Faults) > 0 {
		fmt.Fprintf(stdout, "faults on: %s\n", strings.Join(opts.Faults, ", "))
	}
	if len(opts.Choices) > 0 {
		fmt.Fprintf(stdout, "choices in their other position: %s\n", fakeSwitches{Choices: opts.Choices})
	}
	if *cpuProfile != "" {
		stopProfile, err := bench.CPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "shutting down")
	return srv.Close()
}

func joinNames(kind fakeserver.FaultKind) string {
	return strings.Join(fakeserver.FaultNames(kind), ", ")
}

// fakeSwitches are the in-process fake's faults and the positions of its
// switchable choices, as the flags gave them.
type fakeSwitches struct {
	Faults  []string
	Choices map[string]string
}

// String names the switches for a report's title: "" when there are none.
func (sw fakeSwitches) String() string {
	words := slices.Clone(sw.Faults)
	for _, name := range slices.Sorted(maps.Keys(sw.Choices)) {
		words = append(words, name+"="+sw.Choices[name])
	}
	return strings.Join(words, ", ")
}

// addFaultFlags declares the flags that switch the fake, --fake-bug,
// --fake-deviate and --fake-choice, on every command that starts a fake
// (fake names it in their help; "" is the fake command itself, where --bug
// and --deviate are their old names). The function it returns checks that
// each names a fault of its kind or a choice's position.
func addFaultFlags(fs *flag.FlagSet, fake string) func() (fakeSwitches, error) {
	bugWhat, devWhat, choiceWhat := "switch on a bug of "+fake, "switch on a deviation of "+fake, "put a choice of "+fake
	if fake == "" {
		bugWhat, devWhat, choiceWhat = "misbehave like a broken server", "deviate from the protocol's form", "put a choice"
	}
	var bugs, deviations cli.StringList
	fs.Var(&bugs, "fake-bug", bugWhat+" (repeatable): "+joinNames(fakeserver.Bug))
	fs.Var(&deviations, "fake-deviate", devWhat+" (repeatable): "+joinNames(fakeserver.Deviation))
	choices := addChoiceFlag(fs, choiceWhat)
	if fake == "" {
		cli.AddOldName(fs, "bug", "fake-bug")
		cli.AddOldName(fs, "deviate", "fake-deviate")
	}
	return func() (fakeSwitches, error) {
		var out fakeSwitches
		for _, group := range []struct {
			names []string
			kind  fakeserver.FaultKind
			flag  string
		}{{bugs, fakeserver.Bug, "--fake-bug"}, {deviations, fakeserver.Deviation, "--fake-deviate"}} {
			for _, n := range group.names {
				if f, ok := fakeserver.LookupFault(n); !ok || f.Kind != group.kind {
					return fakeSwitches{}, exitcode.Usagef("%s %q: not a known %s; choose from %s", group.flag, n, group.kind, joinNames(group.kind))
				}
				out.Faults = append(out.Faults, n)
			}
		}
		var err error
		out.Choices, err = choices()
		return out, err
	}
}

// addChoiceFlag declares --fake-choice (what says what it does to which
// fake); the function it returns checks the switches into the fake's
// Options.Choices.
func addChoiceFlag(fs *flag.FlagSet, what string) func() (map[string]string, error) {
	var choices cli.StringList
	fs.Var(&choices, "fake-choice", what+" where the live server is unconfirmed in its other position, NAME=POSITION (repeatable; the first position is the default): "+fakeserver.Switches())
	return func() (map[string]string, error) {
		m, err := fakeserver.ParseChoices(choices)
		if err != nil {
			return nil, exitcode.Usagef("--fake-choice %w", err)
		}
		return m, nil
	}
}

// addSessionFlags declares the fake's session settings on fs (fake and
// client share them); the function it returns reads and checks them.
func addSessionFlags(fs *flag.FlagSet) func() (fakeserver.SessionOptions, error) {
	autoCommit := fs.Float64("auto-commit", fakeserver.DefaultAutoCommitSecs, "seconds of uncommitted audio after which manual mode commits by itself (docs: 90; one live log saw ~35.8)")
	idle := fs.Duration("idle-timeout", fakeserver.DefaultIdleTimeout, "close a session this long after its last audio chunk")
	limit := fs.Duration("session-limit", 0, "end sessions after this long with session_time_limit_exceeded (0: no limit; the real limit is unconfirmed)")
	return func() (fakeserver.SessionOptions, error) {
		if *autoCommit <= 0 || *idle <= 0 || *limit < 0 {
			return fakeserver.SessionOptions{}, exitcode.Usagef("--auto-commit and --idle-timeout must be positive, --session-limit zero or positive")
		}
		return fakeserver.SessionOptions{AutoCommitSecs: *autoCommit, IdleTimeout: *idle, SessionLimit: *limit}, nil
	}
}

// addFakeFlags declares the flags of a command that starts a fake of its
// own (fake, client; fake names it as addFaultFlags): its faults and session
// settings. The function it returns checks them into the fake's options.
func addFakeFlags(fs *flag.FlagSet, fake string) func() (fakeserver.Options, error) {
	faultFlags := addFaultFlags(fs, fake)
	// The old flag for one position of a choice.
	cli.AddOldSwitch(fs, "idle-ignores-empty-chunks", "fake-choice", fakeserver.ChoiceEmptyChunkKeepalive+"="+fakeserver.PositionIgnored)
	settings := addSessionFlags(fs)
	return func() (fakeserver.Options, error) {
		sw, err := faultFlags()
		if err != nil {
			return fakeserver.Options{}, err
		}
		session, err := settings()
		return fakeserver.Options{Faults: sw.Faults, Choices: sw.Choices, Session: session}, err
	}
}

// addLimitFlags declares the fake's limits on fs; the function it returns
// checks them and sets them in opts (after the session settings).
func addLimitFlags(fs *flag.FlagSet) func(opts *fakeserver.Options) error {
	sessions := fs.Int("max-sessions", fakeserver.DefaultMaxSessions, "sessions open at once; one more gets resource_exhausted and a close")
	uncommitted := fs.Float64("max-uncommitted", fakeserver.DefaultMaxUncommittedSecs, "seconds of uncommitted audio a session may hold; past it queue_overflow and a close")
	write := fs.Duration("write-timeout", fakeserver.DefaultWriteTimeout, "drop a client that reads nothing for this long while the fake has frames for it")
	tokens := fs.Int("max-tokens", fakeserver.DefaultMaxTokens, "single-use tokens remembered at once (each for 30 minutes); past it minting answers 429")
	return func(opts *fakeserver.Options) error {
		if *sessions <= 0 || *tokens <= 0 || *uncommitted <= 0 || *write <= 0 {
			return exitcode.Usagef("--max-sessions, --max-tokens, --max-uncommitted and --write-timeout must be positive (got %d, %d, %g, %s)",
				*sessions, *tokens, *uncommitted, *write)
		}
		opts.MaxSessions, opts.MaxTokens = *sessions, *tokens
		opts.Session.MaxUncommittedSecs, opts.Session.WriteTimeout = *uncommitted, *write
		return nil
	}
}
