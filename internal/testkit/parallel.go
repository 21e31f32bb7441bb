package testkit

import (
	"flag"
	"strconv"
)

// WaitBound raises the number of tests run at once (go test's -parallel,
// GOMAXPROCS by default) to n, unless -parallel was given. Call it from
// TestMain, before m.Run, in a package whose long tests mostly wait: on a
// binary, on sockets, on real SDK processes sitting out a silence or a
// timeout, which costs wall time, not CPU. With the default on a 2-core
// machine, two such tests hold back every other one while they wait.
func WaitBound(n int) {
	if !flag.Parsed() {
		flag.Parse()
	}
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		_ = flag.Set("test.parallel", strconv.Itoa(n))
	}
}
