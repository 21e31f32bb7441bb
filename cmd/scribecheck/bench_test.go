package main

import (
	"os"
	"os/exec"
	"testing"
)

// BenchmarkRunAgainstFake measures what a user waits for: the whole
// `scribecheck run --target fake` (every spec, reports written) as a process.
//
//	go test -run XXX -bench RunAgainstFake ./cmd/scribecheck
func BenchmarkRunAgainstFake(b *testing.B) {
	out := b.TempDir()
	for b.Loop() {
		cmd := exec.Command(binary, "run", "--target", "fake", "--out", out)
		cmd.Env = cleanEnv()
		if err := cmd.Run(); err != nil {
			b.Fatalf("run: %v", err)
		}
	}
	_ = os.RemoveAll(out)
}
