package testkit

import "testing"

// SkipUnderRace skips t under the race detector, saying why: a test whose
// work the detector slows five to ten times, or whose measure it changes
// (it empties sync.Pools at random, so a heap measured under it is not the
// heap users run). make test runs the test's package once more without
// -race (NORACE_PKGS in the Makefile); TestEverySkipUnderRaceRunsInMakeTest
// fails when a package that calls this is missing there.
func SkipUnderRace(t testing.TB, why string) {
	t.Helper()
	if RaceEnabled {
		t.Skip(why + "; make test runs it without -race (NORACE_PKGS)")
	}
}
