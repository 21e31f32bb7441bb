package testkit

import (
	"os"
	"strings"
)

// ChildGORACE is the GORACE of a test's child process that may be
// race-built (the test binary run again as a driver or alone, a race-built
// scribecheck): the race detector's pause at exit off, then the caller's
// own options, which win. A race-built process sleeps 1 s before it exits
// (atexit_sleep_ms, default 1000); make test turns that off for the whole
// go test, but a bare go test -race paid it for every child. A race found
// still prints its report and exits 66.
func ChildGORACE() string {
	return strings.TrimSpace("atexit_sleep_ms=0 " + os.Getenv("GORACE"))
}
