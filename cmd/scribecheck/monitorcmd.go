package main

import (
	"context"
	"flag"
	"io"

	"github.com/scribecheck/scribecheck/internal/cli"
	"github.com/scribecheck/scribecheck/internal/monitor"
)

func monitorCommand(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	var c monitor.Config
	fs.StringVar(&c.Target, "target", "", "live, or an http(s)://HOST[:PORT] URL (required)")
	fs.StringVar(&c.Listen, "listen", monitor.DefaultListen, "where /metrics, /probe and /healthz are served, HOST:PORT")
	fs.DurationVar(&c.Interval, "interval", monitor.DefaultInterval, "time between cycles of probes; 0 probes only when /probe is scraped")
	fs.Float64Var(&c.BudgetMinutes, "budget-audio-minutes-per-day", 0, "the most audio a UTC day may stream, in minutes (required for --target live); probing stops when it is reached")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	return monitor.Serve(ctx, c, stdout, stderr)
}
