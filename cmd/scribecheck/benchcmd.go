package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/scribecheck/scribecheck/internal/bench"
	"github.com/scribecheck/scribecheck/internal/cli"
)

// benchSink serves the bench's sink (the bench starts it as a process of
// its own).
func benchSink(ctx context.Context, fs *flag.FlagSet, args []string, stdout, _ io.Writer) error {
	addr := addListenFlag(fs)
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	return bench.ServeSink(ctx, *addr, stdout)
}

func benchCommand(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	out := fs.String("out", "", "also write bench.json into this folder")
	quick := fs.Bool("quick", false, "every part small and short: checks the bench works, measures nothing worth quoting")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench needs its own binary to start the fake and the sink: %w", err)
	}
	cfg := bench.Config{Exe: exe, Progress: stderr, Quick: *quick}
	fmt.Fprintln(stderr, "measuring; progress follows (`make bench` takes a few minutes)")
	f, err := bench.Measure(ctx, cfg)
	if err != nil {
		return err
	}
	bench.Print(stdout, f)
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		b, _ := json.MarshalIndent(f, "", "  ")
		path := filepath.Join(*out, "bench.json")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nwrote %s\n", path)
	}
	return nil
}
