package testkit

import (
	"os"
	"testing"
)

// RealClientsEnv is the variable that asks for the tests that run the
// pinned SDKs, the real Node.js and Python clients (make test sets it).
const RealClientsEnv = "SCRIBECHECK_SDK_TESTS"

// RealClients skips t unless the tests that run the pinned SDKs are asked
// for: RealClientsEnv=1, and not -short. They are make test's, not a bare go
// test's: 17 Node.js and Python processes for the matrix alone, whose
// imports are 1-2.5 s of CPU each, and an idle scenario that sits out the
// server's 15.5 s idle timeout in real time, which no clock of ours can
// move (the clients' timers are their own). On two cores they were about
// 75 of the 200-215 CPU-seconds of go test -race ./..., and its two longest
// packages.
func RealClients(t testing.TB) {
	t.Helper()
	switch {
	case testing.Short():
		t.Skip("-short: the pinned SDKs are Node.js and Python processes")
	case os.Getenv(RealClientsEnv) != "1":
		t.Skip("the pinned SDKs (real Node.js and Python clients) run in make test; " + RealClientsEnv + "=1 runs them in go test")
	}
}
