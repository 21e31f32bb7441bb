package testkit

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// A test that skips under the race detector runs nowhere unless make test
// runs its package without it: every package whose tests call
// SkipUnderRace is in the Makefile's NORACE_PKGS.
func TestEverySkipUnderRaceRunsInMakeTest(t *testing.T) {
	root := filepath.Join("..", "..")
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^NORACE_PKGS\s*:=(.*)$`).FindSubmatch(makefile)
	if m == nil {
		t.Fatal("the Makefile has no NORACE_PKGS")
	}
	listed := strings.Fields(string(m[1]))
	call := regexp.MustCompile(`(?m)^\s*testkit\.SkipUnderRace\(`)
	var calling []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && p != root:
			return filepath.SkipDir
		case d.IsDir() || !strings.HasSuffix(p, "_test.go"):
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		if pkg := "./" + path.Clean(filepath.ToSlash(rel)); call.Match(b) && !slices.Contains(calling, pkg) {
			calling = append(calling, pkg)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(calling) == 0 {
		t.Fatal("no test calls testkit.SkipUnderRace: is the walk looking in the right folder?")
	}
	for _, pkg := range calling {
		if !slices.Contains(listed, pkg) {
			t.Errorf("%s has tests that skip under the race detector, and make test never runs them without it: add it to NORACE_PKGS in the Makefile", pkg)
		}
	}
	for _, pkg := range listed {
		if !slices.Contains(calling, pkg) {
			t.Errorf("NORACE_PKGS lists %s, whose tests never skip under the race detector: it runs twice for nothing", pkg)
		}
	}
}
