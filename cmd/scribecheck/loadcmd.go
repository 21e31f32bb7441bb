package main

import (
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/scribecheck/scribecheck/internal/cli"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/load"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/targets"
)

// shardName keeps a shard label usable in a file name.
var shardName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func loadCommand(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	target := addTargetFlag(fs)
	sessions := fs.Int("sessions", 10, "sessions held at once")
	duration := fs.Duration("duration", 10*time.Second, "how long every session is held once all have started")
	pace := fs.String("pace", string(load.Realtime), "realtime (one chunk of audio per chunk of wall time) or max (as fast as the socket takes frames)")
	chunkMS := fs.Int("chunk-ms", load.DefaultChunkMS, "audio per input_audio_chunk, in milliseconds (10-1000)")
	auth := fs.String("auth", string(load.Header), "header (xi-api-key) or token (mint one single-use token per session, present it on ?token=)")
	commitEvery := fs.Duration("commit-every", load.DefaultCommitEvery, "audio between commits (at least 300ms)")
	ramp := fs.Duration("ramp", 0, "spread the sessions' starts, and so their ends, over this long (each is held ramp + duration)")
	drain := fs.Duration("drain", load.DefaultDrain, "at the end, wait this long at most for the last commits' committed_transcript (a slow server needs more)")
	shard := fs.String("shard", "", "label this process's result among shards to merge (e.g. $JOB_COMPLETION_INDEX); writes load-SHARD.json")
	out := fs.String("out", "scribecheck-report", "folder for load.json")
	keyEnv := fs.String("api-key-env", targets.APIKeyEnv, "environment variable holding the API key (live and URL targets)")
	budget := fs.Float64("budget-audio-minutes", 0, "the most audio the run may send, in minutes (required for --target live)")
	minHeld := fs.Float64("min-held-percent", 100, "exit 1 when fewer sessions than this were held")
	quiet := fs.Bool("quiet", false, "no progress line")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if *shard != "" && !shardName.MatchString(*shard) {
		return exitcode.Usagef("--shard %q: use letters, digits, '.', '_' or '-' (it names the result file)", *shard)
	}
	if *minHeld < 0 || *minHeld > 100 {
		return exitcode.Usagef("--min-held-percent %v: give 0 to 100", *minHeld)
	}
	name, err := targets.Parse("--target", *target)
	if err != nil {
		return err
	}
	key := os.Getenv(*keyEnv)
	if name != targets.NameFake && key == "" {
		hint := "to a key of your ElevenLabs account (it is never printed)"
		if name != targets.NameLive {
			hint = "(for a `scribecheck fake`, the test key it printed)"
		}
		return exitcode.Usagef("--target %s needs an API key: set %s %s", name, *keyEnv, hint)
	}
	opts := load.Options{Sessions: *sessions, Duration: *duration, Pace: load.Pace(*pace), ChunkMS: *chunkMS,
		Auth: load.Auth(*auth), CommitEvery: *commitEvery, Ramp: *ramp, Drain: *drain, Shard: *shard}
	if err := opts.ValidateLoad(); err != nil {
		return exitcode.Usagef("%v", err)
	}
	if err := opts.CheckBudget(name == targets.NameLive, *budget, stdout); err != nil {
		return err
	}
	tgt, err := targets.Start(targets.Spec{Name: name, APIKey: key})
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
	return load.Write(res, filepath.Join(*out, load.FileName(*shard)), *minHeld, red, stdout)
}

func loadMerge(_ context.Context, fs *flag.FlagSet, args []string, stdout, _ io.Writer) error {
	out := fs.String("out", "scribecheck-report", "folder for the merged load.json")
	minHeld := fs.Float64("min-held-percent", 100, "exit 1 when fewer merged sessions than this were held")
	files, _, err := cli.ParseArgs(fs, args, true, false)
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
	return load.Write(merged, filepath.Join(*out, load.FileName("")), *minHeld, secrets.New(), stdout)
}
