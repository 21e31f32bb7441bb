package monitor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/scribecheck/scribecheck/internal/cli"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/targets"
)

// Defaults of `scribecheck monitor`: 9464 is the exporter's port in the
// manner of Prometheus's default port allocations (a free one in its
// exporters' range).
const (
	DefaultListen   = "127.0.0.1:9464"
	DefaultInterval = 5 * time.Minute
)

// Config is `scribecheck monitor`'s flags.
type Config struct {
	// Target is live or an http(s) URL; the key is ELEVENLABS_API_KEY.
	Target   string
	Listen   string
	Interval time.Duration
	// BudgetMinutes is the audio a UTC day may stream, in minutes.
	BudgetMinutes float64
}

// Serve watches c.Target and serves its metrics on c.Listen until ctx ends
// (SIGTERM, an interrupt), then shuts down cleanly. It refuses a live
// target without a daily budget, before anything is sent.
func Serve(ctx context.Context, c Config, stdout, stderr io.Writer) error {
	if c.Target == "" {
		return exitcode.Usagef("--target is required: live, or the http(s)://HOST[:PORT] of a server (a `scribecheck fake` to try it)")
	}
	name, err := targets.Parse("--target", c.Target)
	if err != nil {
		return err
	}
	switch {
	case name == targets.NameFake:
		return exitcode.Usagef("the monitor watches a server that runs apart from it: --target live, or the URL of one (start `scribecheck fake` to try it)")
	case c.Interval < 0 || (c.Interval > 0 && c.Interval < time.Second):
		return exitcode.Usagef("--interval %s: give 0 (only /probe probes) or at least 1s", c.Interval)
	case c.BudgetMinutes < 0:
		return exitcode.Usagef("--budget-audio-minutes-per-day %g: give a positive number of minutes", c.BudgetMinutes)
	}
	tgt, err := targets.Start(targets.Spec{Name: name, APIKey: os.Getenv(targets.APIKeyEnv)})
	if err != nil {
		return err
	}
	defer tgt.Stop()
	mon := New(Options{Target: tgt.Target, Probe: tgt.Probe, Interval: c.Interval, BudgetAudioSeconds: c.BudgetMinutes * 60, Log: stderr})
	if name == targets.NameLive && c.BudgetMinutes == 0 {
		return exitcode.Usagef("--target live spends real audio: give --budget-audio-minutes-per-day M (%s)", mon.Plan())
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return cli.PortInUse(err)
	}
	fmt.Fprintf(stdout, "serving http://%s/metrics (and /probe, /healthz) for %s\n", ln.Addr(), tgt.Target.BaseURL)
	fmt.Fprintf(stdout, "%s\n", mon.Plan())

	// A cycle, and a /probe's request, end with runCtx: at once on SIGTERM.
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	srv := &http.Server{Handler: mon.Handler(), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return runCtx }}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	ran := make(chan struct{})
	go func() { mon.Run(runCtx); close(ran) }()
	select {
	case <-ctx.Done():
		fmt.Fprintln(stdout, "shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = srv.Shutdown(sctx)
	case err = <-served: // the listener failed under it
	}
	stop()
	<-ran
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
