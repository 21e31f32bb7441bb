package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/bench"
	"github.com/scribecheck/scribecheck/internal/clitest"
)

// BenchmarkRunAgainstFake measures what a user waits for: the whole
// `scribecheck run --target fake` (every spec, reports written) as a process.
//
//	go test -run XXX -bench RunAgainstFake ./cmd/scribecheck
func BenchmarkRunAgainstFake(b *testing.B) {
	out := b.TempDir()
	for b.Loop() {
		cmd := exec.Command(binary, "run", "--target", "fake", "--out", out)
		cmd.Env = clitest.Env()
		if err := cmd.Run(); err != nil {
			b.Fatalf("run: %v", err)
		}
	}
	_ = os.RemoveAll(out)
}

// TestBenchQuick runs `scribecheck bench --quick` (every part, small and
// short) and checks each figure was measured and written; it asserts no
// speed, which is the machine's, not the code's.
func TestBenchQuick(t *testing.T) {
	out := t.TempDir()
	ran := clitest.StartEarly(t, plainBinary, nil, "bench", "--quick", "--out", out) // 7 s, mostly of real time
	t.Parallel()
	r := ran(t)
	if r.Code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	for _, row := range []string{"frames ingested/s, fake", "bare coder/websocket sink", "fake / sink", "at max pace", "real-time sessions beside them", "real-time sessions held", "memory per idle session", "whole `scribecheck run --target fake`"} {
		if !strings.Contains(r.Stdout, row) {
			t.Errorf("no %q row in the table:\n%s", row, r.Stdout)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "bench.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f bench.Figures
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	switch {
	case f.Ingest.FakeMedian <= 0 || f.Ingest.SinkMedian <= 0 || f.Ingest.Ratio <= 0:
		t.Errorf("ingest not measured: %+v", f.Ingest)
	case f.Saturated.MaxPaceP50Ms <= 0 || f.Saturated.BesideP50Ms <= 0:
		t.Errorf("commit latency at max pace not measured: %+v", f.Saturated)
	case len(f.Capacity.Levels) == 0 || f.Capacity.Levels[0].Held == 0 || f.Capacity.Levels[0].CommitP99Ms <= 0:
		t.Errorf("capacity not measured: %+v", f.Capacity)
	case f.Memory.BytesPerIdle <= 0 || f.Memory.IdleSessions == 0:
		t.Errorf("idle memory not measured: %+v", f.Memory)
	case f.Run.Median <= 0:
		t.Errorf("run not timed: %+v", f.Run)
	}
	t.Logf("quick bench: fake %.0f frames/s, sink %.0f (ratio %.2f), idle %d B/session, run %.2f s",
		f.Ingest.FakeMedian, f.Ingest.SinkMedian, f.Ingest.Ratio, f.Memory.BytesPerIdle, f.Run.Median)
}
