package layering_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/scribecheck/scribecheck/"

// layer is a set of packages and the layers they may import from.
type layer struct {
	name string
	pkgs []string
	may  []string // other layers; a package may import its own layer unless apart is set
	// apart: the layer's packages must not import one another at all (the
	// fake and the client side meet only through protocol).
	apart bool
}

// layers are docs/architecture.md's layers, bottom up.
var layers = []layer{
	{name: "protocol", pkgs: []string{"protocol"}},
	{name: "vocabulary", pkgs: []string{"internal/verdict", "internal/secrets", "internal/text", "internal/exitcode", "internal/crash", "internal/tlscert", "internal/cli", "internal/buildinfo"},
		may: []string{"protocol"}},
	{name: "test helpers", pkgs: []string{"internal/captures", "internal/hostile", "internal/testkit"}, may: []string{"protocol", "vocabulary"}},
	{name: "the two sides", pkgs: []string{"fakeserver", "probes", "internal/wirelog"}, may: []string{"protocol", "vocabulary"}, apart: true},
	{name: "test fakes", pkgs: []string{"internal/testfake"}, may: []string{"protocol", "vocabulary", "test helpers", "the two sides"}},
	{name: "targets", pkgs: []string{"internal/targets"}, may: []string{"protocol", "vocabulary", "the two sides"}},
	{name: "renderers", pkgs: []string{"reports"}, may: []string{"protocol", "vocabulary"}},
	{name: "binary test helpers", pkgs: []string{"internal/clitest"}, may: []string{"protocol", "vocabulary", "test helpers", "renderers"}},
	{name: "checks", pkgs: []string{"internal/authcause", "internal/clientcheck", "internal/servercheck", "internal/doctor", "suites"},
		may: []string{"protocol", "vocabulary", "the two sides", "targets", "renderers"}},
	{name: "tools", pkgs: []string{"internal/proxy", "internal/replay", "internal/load", "internal/bench", "internal/sdks", "internal/userapp", "internal/calibrate", "internal/monitor"},
		may: []string{"protocol", "vocabulary", "the two sides", "targets", "renderers", "checks"}},
	{name: "command", pkgs: []string{"cmd/scribecheck"},
		may: []string{"protocol", "vocabulary", "the two sides", "targets", "renderers", "checks", "tools"}},
	{name: "meta-test", pkgs: []string{"internal/metatest"}, // its code is its tests
		may: []string{"protocol", "vocabulary", "test helpers", "the two sides", "targets", "renderers", "binary test helpers", "checks", "tools", "command"}},
}

// ginkgoUsers may depend on Ginkgo and Gomega: the spec runner and the
// binary. Everything else (the doctor, the fake, the probes, the reports)
// works without the test framework.
var ginkgoUsers = []string{"suites", "cmd/scribecheck"}

type pkg struct {
	imports, deps []string
}

func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}|{{join .Imports \",\"}}|{{join .Deps \",\"}}", module+"...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkg{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.Split(line, "|")
		if len(parts) != 3 || !strings.HasPrefix(parts[0], module) {
			continue
		}
		pkgs[strings.TrimPrefix(parts[0], module)] = pkg{imports: strings.Split(parts[1], ","), deps: strings.Split(parts[2], ",")}
	}
	return pkgs
}

func TestLayers(t *testing.T) {
	pkgs := listPackages(t)
	layerOf := map[string]layer{}
	for _, l := range layers {
		for _, p := range l.pkgs {
			layerOf[p] = l
		}
	}
	for name, p := range pkgs {
		if name == "internal/layering" || strings.HasPrefix(name, "docs/") {
			continue // this test, and folders of test code only
		}
		l, ok := layerOf[name]
		if !ok {
			t.Errorf("%s has no layer: give it one in internal/layering (and docs/architecture.md)", name)
			continue
		}
		for _, imp := range p.imports {
			dep, ours := strings.CutPrefix(imp, module)
			if !ours {
				continue
			}
			dl, known := layerOf[dep]
			switch {
			case !known:
				continue // reported on its own
			case dl.name == l.name && l.apart:
				t.Errorf("%s imports %s: in the layer %q neither may import the other", name, dep, l.name)
			case dl.name != l.name && !slices.Contains(l.may, dl.name):
				t.Errorf("%s (%s) imports %s (%s), which its layer may not use", name, l.name, dep, dl.name)
			}
		}
		if slices.Contains(ginkgoUsers, name) {
			continue
		}
		for _, d := range p.deps {
			if strings.HasPrefix(d, "github.com/onsi/") {
				t.Errorf("%s depends on %s: only %v may", name, d, ginkgoUsers)
				break
			}
		}
	}
}

// The fake and the client side must not share code paths that would let one
// hide the other's bug: not even through another package.
func TestTheFakeAndTheProbesNeverMeet(t *testing.T) {
	pkgs := listPackages(t)
	for a, b := range map[string]string{"fakeserver": "probes", "probes": "fakeserver"} {
		if slices.Contains(pkgs[a].deps, module+b) {
			t.Errorf("%s depends on %s", a, b)
		}
	}
}
