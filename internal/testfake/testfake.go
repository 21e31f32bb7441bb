// Package testfake starts the in-process fake for a Go test of another
// package: the doctor's, the load generator's, the proxy's, the client
// grader's. (The fake's own tests cannot import a package that imports the
// fake: they start it with testkit.Serve.) Tests only.
package testfake

import (
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/testkit"
)

// Start starts a fake with opts on a free loopback port, closed when t ends
// (its URL is the base URL), on a new ManualClock in place of opts.Clock: no
// timer of the fake (the idle close, a session limit, a token's expiry) fires
// unless the test moves it.
func Start(t testing.TB, opts fakeserver.Options) (*fakeserver.Server, *fakeserver.ManualClock) {
	t.Helper()
	clock := fakeserver.NewManualClock(time.Now())
	opts.Clock = clock
	s, err := fakeserver.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	testkit.Serve(t, s)
	return s, clock
}
