package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/replay"
	"github.com/scribecheck/scribecheck/internal/userapp"
)

const replayHelp = `scribecheck replay: serve a recorded session as a scripted fake server, and
report where a client does something else. A session captured once (against the
live API through a recording proxy, against the fake with scribecheck client, or
converted from a browser HAR) becomes an offline regression test for your app or
for a new SDK version.

  scribecheck replay RECORDING                      serve until interrupted; point your app at the URLs it prints
  scribecheck replay RECORDING -- node app.mjs      run the app against the replay, then report
  scribecheck replay --speed 0 rec/conn-0002.jsonl -- python app.py   one connection, no waiting

RECORDING is a wire-log folder (conn-*.jsonl and exchanges.jsonl, e.g.
scribecheck-proxy/wire or scribecheck-client/wire), one conn-NNNN.jsonl, or a
browser's HAR file (.har).

What the replay does:
  the n-th socket your app opens plays the n-th recorded connection: its
  handshake is compared with the recorded one (path; query per name; credentials
  by shape only: a token, an API key, undefined, …), then the recorded answer is
  given (a status other than 101 as such), the server frames are sent with their
  recorded timing (divided by --speed, each wait at most --max-gap) and the client frames your app sends are
  compared with the recorded ones in order (message_type and every field;
  audio_base_64 by its decoded length). Then the recorded close: by the server
  with its code, by the client awaited and its code compared, or a cut.
  A recorded client frame that does not come within --wait-client is "missing";
  the replay then stops waiting for client frames and plays the rest of the
  server frames, so your app still sees the session end.
  POST /v1/single-use-token/{type} is answered from the recording in order,
  with a fresh sutkn_replay_… token in place of the recorded one.

A command after -- runs with:
  ELEVENLABS_API_KEY     a replay key (any key is accepted: only its shape is compared)
  SCRIBECHECK_BASE_URL   http://127.0.0.1:PORT, for the SDKs' base URL options
  SCRIBECHECK_WS_URL     ws://127.0.0.1:PORT, for baseUri options (the path is added by the SDK)
  SCRIBECHECK_REALTIME_URL  the full socket URL, .../v1/speech-to-text/realtime

The report (console, and --out/replay.json) lists per connection every
divergence: its kind (query, credential, path, status, frame, missing, extra,
close, connection, mint), the recorded frame and time, what the recording has
and what your app did. Credentials show as their shape, never their value.

Exit codes: 0 replayed as recorded; 1 the client diverged; 2 usage, or a
recording that cannot be read; 3 no client ever connected. The command's own
exit code is reported, not returned.
`

func replayCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flagArgs, command := splitCommand(args)
	fs := newFlagSet("replay", replayHelp, stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address; port 0 picks a free port")
	speed := fs.Float64("speed", 1, "timing: 1 as recorded, 2 twice as fast, 0 no waiting at all")
	waitClient := fs.Duration("wait-client", replay.DefaultWaitClient, "how long a recorded client frame (or close) is awaited before it is called missing")
	maxGap := fs.Duration("max-gap", replay.DefaultMaxGap, "the longest wait between two recorded frames, after --speed (a long silence is cut short)")
	out := fs.String("out", "scribecheck-replay", "folder for replay.json")
	flagArgs, files := splitPositional(fs, flagArgs)
	if err := parseFlags(fs, flagArgs); err != nil {
		return exitCode(err, stderr)
	}
	switch {
	case len(files) == 0:
		return exitCode(usageErr("replay needs a recording: a wire-log folder or a conn-NNNN.jsonl (see scribecheck replay --help)"), stderr)
	case len(files) > 1:
		return exitCode(usageErr("replay takes one recording, got %d: %q (a command to run goes after --)", len(files), files), stderr)
	case *speed < 0:
		return exitCode(usageErr("--speed must be 0 or more, got %v", *speed), stderr)
	case *waitClient <= 0:
		return exitCode(usageErr("--wait-client must be more than 0, got %v", *waitClient), stderr)
	case *maxGap <= 0:
		return exitCode(usageErr("--max-gap must be more than 0, got %v", *maxGap), stderr)
	}
	rec, err := replay.Load(files[0])
	if err != nil {
		return exitCode(&exitcode.Error{Code: exitcode.Usage, Err: err}, stderr)
	}

	srv := replay.New(rec, replay.Options{Speed: *speed, WaitClient: *waitClient, MaxGap: *maxGap, Log: stderr})
	base, err := srv.Start(*addr)
	if err != nil {
		return exitCode(&exitcode.Error{Code: exitcode.Usage, Err: fmt.Errorf("%w: is the port in use? choose another --addr, or 127.0.0.1:0 for a free one", err)}, stderr)
	}
	key := replay.Key()
	fmt.Fprintf(stdout, "replaying %s: %d connection(s), %d token request(s), speed %v\n", rec.Source, len(rec.Conns), len(rec.Mints), *speed)
	for _, s := range rec.Skipped {
		fmt.Fprintf(stdout, "  not replayed:   %s\n", s)
	}
	for _, n := range rec.Notes {
		fmt.Fprintf(stdout, "  note:           %s\n", n)
	}
	userapp.WriteURLs(stdout, base)
	fmt.Fprintf(stdout, "  API key:        %s (any key is accepted: only its shape is compared)\n", key)

	app := userapp.RunOrServe(ctx, command, userapp.Env(base, "ELEVENLABS_API_KEY="+key), strings.Join(command, " "), "serving until interrupted (Ctrl-C), then reporting", stdout, stderr)
	switch {
	case app.Exit != nil:
		fmt.Fprintf(stdout, "the command exited with %d\n", *app.Exit)
	case app.Err != "":
		fmt.Fprintf(stdout, "the command: %s\n", app.Err)
	}
	_ = srv.Close()
	rep := srv.Report()
	_ = rep.WriteText(stdout)
	if path, err := rep.WriteJSON(*out); err != nil {
		fmt.Fprintf(stderr, "replay: %v\n", err)
	} else {
		fmt.Fprintf(stdout, "report: %s\n", path)
	}
	switch {
	case app.NotStarted:
		fmt.Fprintf(stderr, "scribecheck: %s: check the command after -- (is it installed and on PATH?)\n", app.Err)
		return exitcode.Usage
	case !rep.Connected():
		fmt.Fprintln(stderr, "scribecheck: no client connected to the replay")
		return exitcode.Unreachable
	case rep.Diverged():
		return exitcode.Failed
	}
	return exitcode.OK
}

func usageErr(format string, args ...any) error {
	return &exitcode.Error{Code: exitcode.Usage, Err: fmt.Errorf(format, args...)}
}

// splitPositional separates positional arguments from flags anywhere among
// them (the flag package stops at the first positional one): a flag that
// takes a value takes the next argument unless written --name=value.
func splitPositional(fs *flag.FlagSet, args []string) (flags, positional []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue // unknown or -h: parseFlags says so
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return flags, positional
}
