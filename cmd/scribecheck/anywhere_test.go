package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/clitest"
	"github.com/scribecheck/scribecheck/internal/sdks"
	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/internal/text"
)

// The binary needs no checkout: copied alone into an empty folder outside
// the repository, every command a newcomer tries works from there, reading
// nothing of the repository's.
func TestTheBinaryRunsFromAnEmptyFolder(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	bin := filepath.Join(home, "scribecheck")
	b, err := os.ReadFile(plainBinary)
	if err == nil {
		err = os.WriteFile(bin, b, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	app := filepath.Join(home, "tiny")
	built, err := testkit.Build("./testdata/apps/tiny", "tiny", false)
	if err == nil {
		b, err = os.ReadFile(built)
	}
	if err == nil {
		err = os.WriteFile(app, b, 0o755)
	}
	if err != nil {
		t.Fatalf("building the tiny app: %v", err)
	}
	// say runs the copied binary in home; the repository is not its folder.
	say := func(t *testing.T, args ...string) clitest.Result {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir, cmd.Env = home, clitest.Env()
		var so, se bytes.Buffer
		cmd.Stdout, cmd.Stderr = &so, &se
		err := cmd.Run()
		r := clitest.Result{Stdout: so.String(), Stderr: se.String()}
		if ee, ok := err.(*exec.ExitError); ok {
			r.Code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("scribecheck %v: %v", args, err)
		}
		if m := missingFile.FindString(r.Stdout + r.Stderr); m != "" {
			t.Errorf("scribecheck %v looked for a file of the repository: %q", args, m)
		}
		return r
	}
	expect := func(t *testing.T, r clitest.Result, code int, want string, args ...string) {
		t.Helper()
		if r.Code != code || !strings.Contains(r.Stdout, want) {
			t.Errorf("scribecheck %v: exit %d (want %d), stdout lacks %q?\nstdout:\n%s\nstderr:\n%s",
				args, r.Code, code, want, text.Clip(r.Stdout, 3000), text.Clip(r.Stderr, 3000))
		}
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"version"}, 0, "go:     go1."},
		{[]string{"run", "--target", "fake", "--out", "run"}, 0, "junit.xml"},
		{[]string{"doctor", "--out", "doctor"}, 0, "doctor.html"},
		{[]string{"client", "--out", "client", "--", app}, 0, "client.html"},
	} {
		t.Run(c.args[0], func(t *testing.T) {
			t.Parallel()
			expect(t, say(t, c.args...), c.code, c.want, c.args...)
		})
	}
	t.Run("sdks", func(t *testing.T) {
		t.Parallel()
		testkit.RealClients(t)
		dir, err := sdks.DefaultDir()
		if err != nil {
			t.Fatal(err)
		}
		_, nodeErr := exec.LookPath("node")
		_, pyErr := exec.LookPath("python3")
		switch pending := sdks.Pending(context.Background(), dir); {
		case nodeErr != nil && pyErr != nil:
			t.Skip("neither Node.js nor Python 3 is on PATH: no SDK can run here")
		case len(pending) > 0:
			t.Skipf("the SDKs are not installed in %s (%s): run `make sdks`; the test installs nothing itself", dir, strings.Join(pending, ", "))
		}
		// One scenario each: what is asked here is that the binary finds
		// the installs of both runtimes from anywhere (the whole matrix runs in
		// internal/sdks' TestMatrix).
		args := []string{"sdks", "--out", "sdks", "--sdk", "elevenlabs-js@2.73.0", "--sdk", "elevenlabs-python@2.78.0", "--scenario", "token"}
		r := say(t, args...)
		expect(t, r, 0, "sdk-matrix.html", args...)
		expect(t, r, 0, "2 installs, 1 spec: 2 installs of 2 ran", args...)
		if !strings.Contains(r.Stderr, "SDKs install in "+dir) {
			t.Errorf("sdks does not say where the SDKs are:\n%s", r.Stderr)
		}
	})
}

// missingFile is what a command says when it looks for a file it does not
// find, or asks to be run from the repository.
var missingFile = regexp.MustCompile(`(?i)no such file or directory|cannot find the (file|path)|repository root|run from the repo`)
