package targets_test

import (
	"context"
	"testing"

	"github.com/scribecheck/scribecheck/internal/targets"
	"github.com/scribecheck/scribecheck/probes"
)

// BenchmarkAuthMatrix measures one pass over every auth path against the
// in-process fake: mints, dials, 1 s of audio and a commit where a session
// opens. `go test -bench AuthMatrix ./targets` reports the figure.
func BenchmarkAuthMatrix(b *testing.B) {
	env := startFake(b)
	for b.Loop() {
		for _, p := range probes.AuthPaths {
			res := probes.Run(context.Background(), env.Target, p, env.Probe)
			if res.Fault != "" || res.Skip != "" {
				b.Fatalf("%s: %s%s", p.Name, res.Fault, res.Skip)
			}
		}
	}
}

// BenchmarkHeaderSession measures one header-authenticated session end to
// end: dial, session_started, 1 s of audio, commit, committed_transcript.
func BenchmarkHeaderSession(b *testing.B) {
	env := startFake(b)
	for b.Loop() {
		if res := probes.Run(context.Background(), env.Target, probes.PathHeader, env.Probe); !res.Stages.Committed {
			b.Fatalf("no commit: %s", res.Detail)
		}
	}
}

// startFake starts the in-process fake for a benchmark, stopped when it ends.
func startFake(b *testing.B) *targets.Running {
	b.Helper()
	env, err := targets.Start(targets.Spec{Name: "fake"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(env.Stop)
	return env
}
