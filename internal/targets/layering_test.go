package targets_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestOnlySuitesImportGinkgo keeps the layering honest: starting a target,
// probing, diagnosing and reporting work without the spec runner, so the
// doctor (and any program embedding these packages) starts a target the way
// run does without pulling in Ginkgo.
func TestOnlySuitesImportGinkgo(t *testing.T) {
	const mod = "github.com/scribecheck/scribecheck/"
	for _, pkg := range []string{"internal/targets", "probes", "internal/doctor", "reports", "fakeserver", "protocol", "internal/exitcode", "internal/load", "internal/bench"} {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", mod+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.HasPrefix(dep, "github.com/onsi/") || dep == mod+"suites" {
				t.Errorf("%s depends on %s: only suites (and the command) may", pkg, dep)
			}
		}
	}
}
