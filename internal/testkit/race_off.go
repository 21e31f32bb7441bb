//go:build !race

package testkit

// RaceEnabled says whether the tests run under the race detector.
const RaceEnabled = false
