package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/scribecheck/scribecheck/internal/cli"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/replay"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/targets"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/userapp"
)

func replayCommand(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	addr := addListenFlag(fs)
	speed := fs.Float64("speed", 1, "timing: 1 as recorded, 2 twice as fast, 0 no waiting at all")
	waitClient := fs.Duration("wait-client", replay.DefaultWaitClient, "how long a recorded client frame (or close) is awaited before it is called missing")
	maxGap := fs.Duration("max-gap", replay.DefaultMaxGap, "the longest wait between two recorded frames, after --speed (a long silence is cut short)")
	out := fs.String("out", "scribecheck-replay", "folder for replay.json")
	files, command, err := cli.ParseArgs(fs, args, true, true)
	switch {
	case err != nil:
		return err
	case len(files) == 0:
		return exitcode.Usagef("replay needs a recording: a wire-log folder or a conn-NNNN.jsonl (see scribecheck replay --help)")
	case len(files) > 1:
		return exitcode.Usagef("replay takes one recording, got %d: %q (a command to run goes after --)", len(files), files)
	case *speed < 0:
		return exitcode.Usagef("--speed must be 0 or more, got %v", *speed)
	case *waitClient <= 0:
		return exitcode.Usagef("--wait-client must be more than 0, got %v", *waitClient)
	case *maxGap <= 0:
		return exitcode.Usagef("--max-gap must be more than 0, got %v", *maxGap)
	}
	rec, err := replay.Load(files[0])
	if err != nil {
		return exitcode.Usagef("%w", err)
	}

	// The app gets the replay's own key; the user's may still be in the
	// command (… -- node app.js "$ELEVENLABS_API_KEY"), which is printed.
	red := secrets.New()
	red.Add(os.Getenv(targets.APIKeyEnv))
	srv := replay.New(rec, replay.Options{Speed: *speed, WaitClient: *waitClient, MaxGap: *maxGap, Log: stderr, Redactor: red})
	base, err := srv.Start(*addr)
	if err != nil {
		return cli.PortInUse(err)
	}
	key := replay.Key()
	fmt.Fprintf(stdout, "replaying %s: %s, %s, speed %v\n", rec.Source, text.Plural(len(rec.Conns), "connection", "connections"),
		text.Plural(len(rec.Mints), "token request", "token requests"), *speed)
	for _, s := range rec.Skipped {
		fmt.Fprintf(stdout, "  not replayed:   %s\n", s)
	}
	for _, n := range rec.Notes {
		fmt.Fprintf(stdout, "  note:           %s\n", n)
	}
	userapp.WriteURLs(stdout, base)
	fmt.Fprintf(stdout, "  API key:        %s (any key is accepted: only its shape is compared)\n", key)

	app := userapp.RunOrServe(ctx, command, userapp.Env(base, targets.APIKeyEnv+"="+key), red.Redact(strings.Join(command, " ")),
		"serving until interrupted (Ctrl-C), then reporting", stdout, stderr)
	switch {
	case app.Exit != nil:
		fmt.Fprintf(stdout, "the command exited with %d\n", *app.Exit)
	case app.Err != "":
		fmt.Fprintf(stdout, "the command: %s\n", red.Redact(app.Err))
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
		return app.StartError()
	case !rep.Connected():
		return exitcode.Unreachablef("no client connected to the replay")
	}
	return exitcode.Fails(rep.Diverged())
}
