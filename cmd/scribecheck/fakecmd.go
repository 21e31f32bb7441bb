package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/calibrate"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/protocol"
)

func fakeHelp() string {
	var b strings.Builder
	b.WriteString(`scribecheck fake: serve a local fake of the Scribe v2 Realtime API until interrupted.

  POST /v1/single-use-token/{realtime_scribe|tts_websocket|batch_scribe}   (xi-api-key)
  GET  /v1/speech-to-text/realtime                                         (WebSocket)

It prints its URL and a generated test key; point a client or
` + "`ELEVENLABS_API_KEY=<test key> scribecheck run --target http://HOST:PORT`" + ` at it.
A second generated key lacks the speech_to_text permission (it cannot mint
realtime_scribe tokens). Origins are not checked, so browser apps can use it.

Limits (each answered as a choice below says): --max-sessions open at once
(session-cap), --max-uncommitted seconds of audio per session (queue-overflow),
--write-timeout for a client that does not read (slow-reader), --max-tokens
remembered (token-cap); frames over 4 MiB are closed with 1009.

Bugs (--bug NAME), a server deciding wrongly:
`)
	writeFaults(&b, fakeserver.Bug)
	b.WriteString("\nDeviations (--deviate NAME), the right decision in the wrong form:\n")
	writeFaults(&b, fakeserver.Deviation)
	b.WriteString("\nChoices the fake makes where the real server's behaviour is unconfirmed:\n")
	for _, c := range fakeserver.Choices {
		fmt.Fprintf(&b, "  %-34s %s\n", c.Name, c.What)
	}
	b.WriteString(`
Calibration (--calibrate RESULTS_JSON): the INFO specs of a run against a real
server record what it did with each input whose answer is unconfirmed (a
stimulus). Given that run's results.json (or its --out folder), the fake
answers each recorded stimulus as that server did instead of by its own
choice, and prints one line per stimulus it changed and the ones it left:

  ELEVENLABS_API_KEY=... scribecheck run --target live --label-filter level:info --out live
  scribecheck fake --calibrate live/results.json

Stimuli, and the choice each belongs to:
`)
	for _, st := range protocol.Stimuli {
		fmt.Fprintf(&b, "  %-22s %-26s %s\n", st.Name, st.Choice, st.What)
	}
	return b.String()
}

func writeFaults(b *strings.Builder, kind fakeserver.FaultKind) {
	for _, f := range fakeserver.Faults {
		if f.Kind == kind {
			fmt.Fprintf(b, "  %-24s %s\n", f.Name, f.Description)
		}
	}
}

func joinNames(kind fakeserver.FaultKind) string {
	return strings.Join(fakeserver.FaultNames(kind), ", ")
}

func fakeCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("fake", fakeHelp(), stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address; port 0 picks a free port")
	var keys, bugs, deviations stringList
	fs.Var(&keys, "api-key", "accept this API key too (repeatable); it is never printed")
	fs.Var(&bugs, "bug", "misbehave like a broken server (repeatable): "+joinNames(fakeserver.Bug))
	fs.Var(&deviations, "deviate", "deviate from the protocol's form (repeatable): "+joinNames(fakeserver.Deviation))
	quiet := fs.Bool("quiet", false, "do not log each decision to stderr")
	cpuProfile := fs.String("cpuprofile", "", "write a Go CPU profile of the fake to this file until it stops (go tool pprof reads it)")
	calibrateFrom := fs.String("calibrate", "", "answer each stimulus as the target of this earlier run (its results.json or --out folder) did, per its INFO specs")
	settings := addSessionFlags(fs)
	limits := addLimitFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	faults, err := faultList(bugs, deviations)
	if err != nil {
		return err
	}
	session, err := settings()
	if err != nil {
		return err
	}
	calib, err := calibrate.Read(*calibrateFrom, stdout)
	if err != nil {
		return err
	}
	opts := fakeserver.Options{APIKeys: keys, Faults: faults, Log: stderr, Session: session, Calibration: calib}
	if *quiet {
		opts.Log = nil
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
		return err
	}
	fmt.Fprintf(stdout, "listening on %s\n", base)
	fmt.Fprintf(stdout, "test key: %s\n", srv.TestKey())
	fmt.Fprintf(stdout, "restricted key (no speech_to_text permission): %s\n", srv.RestrictedKey())
	if len(keys) > 0 {
		fmt.Fprintf(stdout, "also accepting %d key(s) given with --api-key\n", len(keys))
	}
	if len(faults) > 0 {
		fmt.Fprintf(stdout, "faults on: %s\n", strings.Join(faults, ", "))
	}
	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "shutting down")
	return srv.Close()
}

// addSessionFlags declares the fake's session settings on fs (fake and
// client share them); the function it returns reads and checks them.
func addSessionFlags(fs *flag.FlagSet) func() (fakeserver.SessionOptions, error) {
	autoCommit := fs.Float64("auto-commit", fakeserver.DefaultAutoCommitSecs, "seconds of uncommitted audio after which manual mode commits by itself (docs: 90; one live log saw ~35.8)")
	idle := fs.Duration("idle-timeout", fakeserver.DefaultIdleTimeout, "close a session this long after its last audio chunk")
	limit := fs.Duration("session-limit", 0, "end sessions after this long with session_time_limit_exceeded (0: no limit; the real limit is unconfirmed)")
	emptyIdle := fs.Bool("idle-ignores-empty-chunks", false, "an input_audio_chunk with no audio does not restart the idle timer (the fake's choice is that it does; unconfirmed live)")
	return func() (fakeserver.SessionOptions, error) {
		if *autoCommit <= 0 || *idle <= 0 || *limit < 0 {
			return fakeserver.SessionOptions{}, &exitcode.Error{Code: exitcode.Usage, Err: fmt.Errorf("--auto-commit and --idle-timeout must be positive, --session-limit zero or positive")}
		}
		return fakeserver.SessionOptions{AutoCommitSecs: *autoCommit, IdleTimeout: *idle, SessionLimit: *limit, IdleIgnoresEmptyChunks: *emptyIdle}, nil
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
			return &exitcode.Error{Code: exitcode.Usage, Err: fmt.Errorf("--max-sessions, --max-tokens, --max-uncommitted and --write-timeout must be positive (got %d, %d, %g, %s)",
				*sessions, *tokens, *uncommitted, *write)}
		}
		opts.MaxSessions, opts.MaxTokens = *sessions, *tokens
		opts.Session.MaxUncommittedSecs, opts.Session.WriteTimeout = *uncommitted, *write
		return nil
	}
}

// startCPUProfile profiles the fake until the returned function runs: the
// bench's figures say how fast, the profile says where the time goes.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, &exitcode.Error{Code: exitcode.Usage, Err: fmt.Errorf("--cpuprofile: %w", err)}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }, nil
}
