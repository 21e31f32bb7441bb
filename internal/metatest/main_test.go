package metatest

import (
	"os"
	"testing"

	"github.com/scribecheck/scribecheck/internal/clitest"
)

// binary is built with -race when the tests run with it; plainBinary never
// is. The meta-test runs the whole catalog once per fault: under the race
// detector that took two minutes and found nothing the in-process runs
// under -race (suites, fakeserver) do not, so it runs the plain binary, and
// the faults that rework the wire run under -race too (raceFaults).
var binary, plainBinary string

// shared are the plain binary's runs, one per fault; the test starts the
// runs that mostly wait early (waitingFaults).
var shared *clitest.Shared

func TestMain(m *testing.M) {
	os.Exit(clitest.Main(m, func(plain, race string, s *clitest.Shared) { plainBinary, binary, shared = plain, race, s }))
}
