package fakeserver

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test of the package leaves no goroutine behind once its servers are
// closed (startWith closes them in Cleanup); TestStorm checks the same of
// one server under attack.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
