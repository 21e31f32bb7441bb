package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/load"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/targets"
)

const loadHelp = `scribecheck load: hold many realtime sessions at once and measure them.

  scribecheck load --sessions 200 --duration 10s                the in-process fake
  ELEVENLABS_API_KEY=<test key> scribecheck load --target http://127.0.0.1:PORT --sessions 2000 --duration 1m --ramp 20s
  ELEVENLABS_API_KEY=... scribecheck load --target live --sessions 5 --duration 30s --budget-audio-minutes 3
  scribecheck load --target URL --shard 3 --out results/        one shard of a fleet: writes results/load-3.json
  scribecheck load merge results/load-*.json --out merged/      add shards up into merged/load.json

Each session opens the realtime socket (xi-api-key header, or a freshly minted
single-use token with --auth token), waits for session_started, streams the
speech fixture in --chunk-ms chunks at real-time pace (or as fast as the socket
takes them with --pace max), commits every --commit-every of audio, and at the
end commits what is left, waits for its transcripts and closes with 1000.
A session is held if it stayed open from session_started to the end of the
duration without an error frame or an unexpected close.

Writes OUT/load.json (OUT/load-SHARD.json with --shard): counters, error
frames by message_type, failures by kind (dial-refused, http-401,
closed-early, auth_error, ...), and HDR histograms of the upgrade, the time to
session_started, and commit -> committed_transcript, stored losslessly so that
"scribecheck load merge" adds shards up to exactly the percentiles one process
would have recorded. Prints a progress line every second (stderr) and a summary.

Against live it spends real audio: it refuses to start without
--budget-audio-minutes, prints what the run will send (sessions x (ramp +
duration)), and refuses if that exceeds the budget. --pace max is refused on
live, whose spend it could not bound.

Exit codes: 0 at least --min-held-percent of the sessions were held; 1 fewer
were (the summary says how many); 2 usage; 3 the target cannot be reached.
`

const loadMergeHelp = `scribecheck load merge: add the results of several load processes up.

  scribecheck load merge a/load.json b/load.json ... [--out DIR]

Counters and error counts sum, histograms merge bucket by bucket, the wall
window spans every run, and every rate and percentile is recomputed from the
merged data. The runs must share --pace, --auth, --chunk-ms, --commit-every,
--duration and --ramp. Writes DIR/load.json and prints the summary.
`

func loadCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "merge" {
		return exitCode(loadMerge(args[1:], stdout, stderr), stderr)
	}
	return exitCode(loadRun(ctx, args, stdout, stderr), stderr)
}

// shardName keeps a shard label usable in a file name.
var shardName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func loadRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("load", loadHelp, stderr)
	target := fs.String("target", "fake", "fake, live, or an http(s)://HOST[:PORT] URL")
	sessions := fs.Int("sessions", 10, "sessions held at once")
	duration := fs.Duration("duration", 10*time.Second, "how long every session is held once all have started")
	pace := fs.String("pace", string(load.Realtime), "realtime (one chunk of audio per chunk of wall time) or max (as fast as the socket takes frames)")
	chunkMS := fs.Int("chunk-ms", load.DefaultChunkMS, "audio per input_audio_chunk, in milliseconds (10-1000)")
	auth := fs.String("auth", string(load.Header), "header (xi-api-key) or token (mint one single-use token per session, present it on ?token=)")
	commitEvery := fs.Duration("commit-every", load.DefaultCommitEvery, "audio between commits (at least 300ms)")
	ramp := fs.Duration("ramp", 0, "spread the sessions' starts over this long")
	drain := fs.Duration("drain", load.DefaultDrain, "at the end, wait this long at most for the last commits' committed_transcript (a slow server needs more)")
	shard := fs.String("shard", "", "label this process's result among shards to merge (e.g. $JOB_COMPLETION_INDEX); writes load-SHARD.json")
	out := fs.String("out", "scribecheck-report", "folder for load.json")
	keyEnv := fs.String("api-key-env", targets.APIKeyEnv, "environment variable holding the API key (live and URL targets)")
	budget := fs.Float64("budget-audio-minutes", 0, "the most audio the run may send, in minutes (required for --target live)")
	minHeld := fs.Float64("min-held-percent", 100, "exit 1 when fewer sessions than this were held")
	quiet := fs.Bool("quiet", false, "no progress line")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *shard != "" && !shardName.MatchString(*shard) {
		return exitcode.Usagef("--shard %q: use letters, digits, '.', '_' or '-' (it names the result file)", *shard)
	}
	if *minHeld < 0 || *minHeld > 100 {
		return exitcode.Usagef("--min-held-percent %v: give 0 to 100", *minHeld)
	}
	key := os.Getenv(*keyEnv)
	if *target != "fake" && key == "" {
		hint := "a key of your ElevenLabs account (it is never printed)"
		if *target != "live" {
			hint = "for a `scribecheck fake`, the test key it printed"
		}
		return exitcode.Usagef("--target %s needs an API key: set %s (%s)", *target, *keyEnv, hint)
	}
	opts := load.Options{Sessions: *sessions, Duration: *duration, Pace: load.Pace(*pace), ChunkMS: *chunkMS,
		Auth: load.Auth(*auth), CommitEvery: *commitEvery, Ramp: *ramp, Drain: *drain, Shard: *shard}
	if err := opts.ValidateLoad(); err != nil {
		return exitcode.Usagef("%v", err)
	}
	if err := opts.CheckBudget(*target == "live", *budget, stdout); err != nil {
		return err
	}
	tgt, err := targets.Start(targets.Spec{Name: *target, APIKey: key})
	if err != nil {
		return err
	}
	defer tgt.Stop()
	if err := targets.Reachable(ctx, tgt.Target); err != nil {
		return err
	}
	red := secrets.New() // load.Run adds the key and every minted token
	opts.BaseURL, opts.APIKey, opts.Target, opts.Redactor = tgt.Target.BaseURL, tgt.Target.APIKey, tgt.Target.Name, red
	if !*quiet {
		opts.Progress = stderr
	}
	res, err := load.Run(ctx, opts)
	if err != nil {
		return exitcode.Usagef("%v", err)
	}
	name := "load.json"
	if *shard != "" {
		name = "load-" + *shard + ".json"
	}
	if err := load.Write(res, filepath.Join(*out, name), red, stdout); err != nil {
		return err
	}
	return res.CheckHeld(*minHeld)
}

func loadMerge(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("load merge", loadMergeHelp, stderr)
	out := fs.String("out", "scribecheck-report", "folder for the merged load.json")
	minHeld := fs.Float64("min-held-percent", 100, "exit 1 when fewer merged sessions than this were held")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return exitcode.Usagef("load merge needs the load.json files to merge, e.g. scribecheck load merge shards/load-*.json")
	}
	merged, err := load.MergeFiles(files)
	if err != nil {
		return err
	}
	if err := load.Write(merged, filepath.Join(*out, "load.json"), secrets.New(), stdout); err != nil {
		return err
	}
	return merged.CheckHeld(*minHeld)
}

// parseInterleaved parses flags given before, between or after the file
// arguments, and returns the files.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &exitcode.Error{Code: exitcode.Usage, Err: err}
		}
		if fs.NArg() == 0 {
			return files, nil
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
