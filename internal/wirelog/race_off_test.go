//go:build !race

package wirelog_test

const raceEnabled = false
