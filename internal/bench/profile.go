package bench

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/scribecheck/scribecheck/internal/exitcode"
)

// CPUProfile writes a Go CPU profile of this process to path until the
// returned function runs (`scribecheck fake --cpuprofile`): the bench's
// figures say how fast the fake is, the profile where its time goes.
func CPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, exitcode.Usagef("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }, nil
}
