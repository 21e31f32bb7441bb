//go:build race

package wirelog_test

// raceEnabled skips the tests too slow under the race detector.
const raceEnabled = true
