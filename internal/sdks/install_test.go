package sdks

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/text"
)

// installDir is the folder `make sdks` installed the SDKs into (DefaultDir),
// for the tests that run them. Nothing there skips the test; an install made
// from other drivers or locks than these fails it, since it would test
// those.
func installDir(t *testing.T) string {
	t.Helper()
	dir, err := DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	stale := Stale(dir)
	switch {
	case len(stale) == len(carriedFiles()):
		t.Skipf("no SDK is installed in %s: run `make sdks`", dir)
	case len(stale) > 0:
		t.Fatalf("the SDKs in %s were installed from other files than these (%s differ): run `make sdks`", dir, text.Few(stale, 3))
	}
	return dir
}

// Adding an install is a data change: a line of matrix.json and its lock.
// Each line must name a driver the binary carries and an install that
// Setup makes: a Node alias in package.json, a venv of a requirements file.
func TestEveryMatrixLineIsInstallable(t *testing.T) {
	installs, err := Matrix()
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct{ Dependencies map[string]string }
	b, _ := carried.ReadFile("node/package.json")
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatal(err)
	}
	for _, in := range installs {
		for _, arg := range in.Cmd[1:] {
			if strings.HasSuffix(arg, ".mjs") || strings.HasSuffix(arg, ".py") {
				if _, err := carried.ReadFile(arg); err != nil {
					t.Errorf("%s: its driver %s is not carried: %v", in.Key(), arg, err)
				}
			}
		}
		switch in.Lang {
		case "node":
			if len(in.Cmd) < 3 || pkg.Dependencies[in.Cmd[2]] == "" {
				t.Errorf("%s: its alias %v is not in node/package.json", in.Key(), in.Cmd[2:])
			}
		case "python":
			venv, ok := strings.CutSuffix(in.Cmd[0], "/bin/python")
			name := strings.TrimPrefix(venv, "python/.venv-")
			if _, err := carried.ReadFile("python/requirements-" + name + ".txt"); !ok || err != nil {
				t.Errorf("%s: %s is no venv of a python/requirements-NAME.txt", in.Key(), in.Cmd[0])
			}
		default:
			t.Errorf("%s: lang %q: Setup installs node and python only", in.Key(), in.Lang)
		}
	}
}

func TestExtractWritesOnlyWhatDiffers(t *testing.T) {
	dir := t.TempDir()
	wrote, err := Extract(dir)
	if err != nil || len(wrote) != len(carriedFiles()) || !slices.Contains(wrote, "node/driver-common.mjs") {
		t.Fatalf("first extract wrote %v, %v", wrote, err)
	}
	if s := Stale(dir); len(s) != 0 {
		t.Errorf("stale right after extracting: %v", s)
	}
	driver := filepath.Join(dir, "python", "drive.py")
	if err := os.WriteFile(driver, []byte("edited"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s := Stale(dir); !slices.Equal(s, []string{"python/drive.py"}) {
		t.Errorf("Stale after an edit: %v", s)
	}
	if wrote, err := Extract(dir); err != nil || !slices.Equal(wrote, []string{"python/drive.py"}) {
		t.Errorf("second extract wrote %v, %v; want the edited driver only", wrote, err)
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv(DirEnv, "")
	t.Setenv("XDG_CACHE_HOME", "/cache-home")
	t.Setenv("HOME", "/home/someone")
	got, err := DefaultDir()
	want := map[string]string{"linux": "/cache-home/scribecheck/sdks", "darwin": "/home/someone/Library/Caches/scribecheck/sdks"}[runtime.GOOS]
	if err != nil || (want != "" && got != want) {
		t.Errorf("DefaultDir = %q, %v; want %q", got, err, want)
	}
	elsewhere := t.TempDir()
	t.Setenv(DirEnv, elsewhere)
	if got, err := DefaultDir(); err != nil || got != elsewhere {
		t.Errorf("with %s=%s: %q, %v", DirEnv, elsewhere, got, err)
	}
}

// A machine without Node.js or Python: Setup says in one line per runtime
// which installs cannot run, writes the drivers, and is no error.
func TestSetupSkipsAMissingRuntime(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("PYTHON", "")
	dir := t.TempDir()
	var lines []string
	if err := Setup(context.Background(), dir, func(s string) { lines = append(lines, s) }); err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "node: skipped, node or npm is not on PATH (elevenlabs-js@2.73.0, ") ||
		!strings.HasPrefix(lines[1], "python: skipped, python3 is not on PATH (elevenlabs-python@3.0.0a1, elevenlabs-python@2.78.0, ") ||
		!strings.HasSuffix(lines[1], " cannot run)") {
		t.Errorf("lines:\n%s", strings.Join(lines, "\n"))
	}
	if s := Stale(dir); len(s) != 0 {
		t.Errorf("drivers not written: %v", s)
	}
	installs, _ := Matrix()
	for _, in := range installs {
		if why := missing(in, dir); why == "" {
			t.Errorf("%s: not reported missing", in.Key())
		}
	}
}

// fakeRuntimes puts a node, an npm and a python on PATH that install
// nothing but a marker and log each install to the returned file; a python
// venv's pip fails when PIP_FAILS is set. python's own pip installs only uv
// (a uv that makes fake venvs and logs its installs), and only when FAKE_UV
// is set; that uv's installs fail when UV_FAILS is set.
func fakeRuntimes(t *testing.T) (log string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake runtimes are shell scripts")
	}
	bin := t.TempDir()
	log = filepath.Join(t.TempDir(), "installs")
	scripts := map[string]string{
		"node": `echo "${FAKE_NODE_VERSION:-v99.0.0}"`,
		"npm":  `mkdir -p node_modules && echo "npm $*" >> "$FAKE_LOG"`,
		"python": `case "$1 $2" in
"-c import venv, ensurepip") ;;
"-c import sys"*) echo 3.99.0 ;;
"-m venv") mkdir -p "$3/bin" && printf '#!/bin/sh\n[ -z "$PIP_FAILS" ] || { echo "no such package" >&2; exit 1; }\necho "pip $*" >> "$FAKE_LOG"\n' > "$3/bin/python" && chmod +x "$3/bin/python" ;;
"-m pip") [ -n "$FAKE_UV" ] || exit 9
  while [ "$1" != --target ]; do shift; done
  mkdir -p "$2/bin" && echo "pip install uv" >> "$FAKE_LOG" && cp "$FAKE_UV" "$2/bin/uv" ;;
*) exit 9 ;;
esac`,
		"uv": `case "$1" in
venv) mkdir -p "$5/bin" ;;
pip) [ -z "$UV_FAILS" ] || { echo "uv: no such package" >&2; exit 1; }; echo "uv $*" >> "$FAKE_LOG" ;;
esac`,
	}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("PYTHON", filepath.Join(bin, "python"))
	t.Setenv("FAKE_LOG", log)
	t.Setenv("PIP_FAILS", "")
	t.Setenv("FAKE_UV", "")
	t.Setenv("UV_FAILS", "")
	return log
}

// fakeUV makes the fake python's pip install the fake uv.
func fakeUV(t *testing.T) {
	t.Helper()
	path, err := exec.LookPath("uv")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAKE_UV", path)
}

func installsLogged(t *testing.T, log string) []string {
	t.Helper()
	b, err := os.ReadFile(log)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// Setup installs each part once: a second run fetches nothing; a new
// runtime version (or lock) installs that part again.
func TestSetupIsIdempotent(t *testing.T) {
	log := fakeRuntimes(t)
	dir := t.TempDir()
	ctx := context.Background()
	// npm, then one venv per carried requirements file, in name order.
	parts := []string{"node/node_modules"}
	reqs, _ := fs.Glob(carried, "python/requirements-*.txt")
	for _, r := range reqs {
		parts = append(parts, "python/.venv-"+strings.TrimSuffix(strings.TrimPrefix(path.Base(r), "requirements-"), ".txt"))
	}
	if p := Pending(ctx, dir); !slices.Equal(p, parts) {
		t.Errorf("pending before any install: %v", p)
	}
	if err := Setup(ctx, dir, nil); err != nil {
		t.Fatal(err)
	}
	pip := func(s string) bool {
		return strings.Contains(s, "--require-hashes -r ") && strings.HasSuffix(s, "requirements-2.78.0.txt")
	}
	npm := func(s string) bool { return strings.HasPrefix(s, "npm ci") }
	if got := installsLogged(t, log); len(got) != len(parts) || !slices.ContainsFunc(got, npm) || !slices.ContainsFunc(got, pip) {
		t.Fatalf("first setup ran: %q", got)
	}
	var lines []string
	if err := Setup(ctx, dir, func(s string) { lines = append(lines, s) }); err != nil {
		t.Fatal(err)
	}
	if got := installsLogged(t, log); len(got) != len(parts) {
		t.Errorf("a second setup installed again: %q", got)
	}
	if len(lines) != len(parts) || slices.ContainsFunc(lines, func(s string) bool { return !strings.Contains(s, "up to date") }) {
		t.Errorf("second setup said:\n%s", strings.Join(lines, "\n"))
	}
	if p := Pending(ctx, dir); len(p) != 0 {
		t.Errorf("pending after setup: %v", p)
	}
	t.Setenv("FAKE_NODE_VERSION", "v100.0.0")
	if p := Pending(ctx, dir); !slices.Equal(p, []string{"node/node_modules"}) {
		t.Errorf("pending after a node upgrade: %v", p)
	}
	if err := Setup(ctx, dir, nil); err != nil {
		t.Fatal(err)
	}
	if got := installsLogged(t, log); len(got) != len(parts)+1 || !npm(got[len(parts)]) {
		t.Errorf("after a node upgrade: %q", got)
	}
}

// A failing pip is an error that names it and leaves no half venv behind,
// so the next run installs it again.
func TestSetupFailsOnAFailingInstall(t *testing.T) {
	fakeRuntimes(t)
	t.Setenv("PIP_FAILS", "1")
	dir := t.TempDir()
	err := Setup(context.Background(), dir, nil)
	if err == nil || !strings.Contains(err.Error(), "no such package") || !strings.Contains(err.Error(), "requirements-2.59.0.txt") {
		t.Fatalf("Setup with a failing pip: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "python", ".venv-2.59.0")); !os.IsNotExist(err) {
		t.Errorf("a half venv is left: %v", err)
	}
	if p := Pending(context.Background(), dir); !slices.Contains(p, "python/.venv-2.59.0") {
		t.Errorf("pending after a failure: %v", p)
	}
}

// Where pip can install uv, uv makes every venv from its lock, with hashes
// required; uv itself is installed once and kept. A venv uv fails on is
// made by pip instead, and a line says so.
func TestSetupInstallsTheVenvsWithUV(t *testing.T) {
	log := fakeRuntimes(t)
	fakeUV(t)
	dir := t.TempDir()
	ctx := context.Background()
	reqs, _ := fs.Glob(carried, "python/requirements-*.txt")
	var lines []string
	if err := Setup(ctx, dir, func(s string) { lines = append(lines, s) }); err != nil {
		t.Fatal(err)
	}
	got := installsLogged(t, log)
	uvInstalls := slices.DeleteFunc(slices.Clone(got), func(s string) bool { return !strings.HasPrefix(s, "uv pip install ") })
	if len(uvInstalls) != len(reqs) || slices.ContainsFunc(uvInstalls, func(s string) bool { return !strings.Contains(s, "--require-hashes -r ") }) {
		t.Errorf("uv installed %q; want each of the %d locks with --require-hashes", uvInstalls, len(reqs))
	}
	if n := slices.Index(got, "pip install uv"); n < 0 || slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "pip -m pip") }) {
		t.Errorf("uv was not installed first, or pip made a venv: %q", got)
	}
	if !slices.ContainsFunc(lines, func(s string) bool {
		return strings.HasPrefix(s, "python: uv pip install --require-hashes into python/.venv-2.78.0")
	}) {
		t.Errorf("no line says uv installs the venvs:\n%s", strings.Join(lines, "\n"))
	}

	// A new lock: the venv again, uv kept.
	if err := os.Remove(filepath.Join(dir, "python", ".venv-2.78.0", stampName)); err != nil {
		t.Fatal(err)
	}
	t.Setenv("UV_FAILS", "1")
	lines = nil
	if err := Setup(ctx, dir, func(s string) { lines = append(lines, s) }); err != nil {
		t.Fatal(err)
	}
	again := installsLogged(t, log)[len(got):]
	if len(again) != 1 || !strings.HasPrefix(again[0], "pip -m pip install") || !strings.HasSuffix(again[0], "requirements-2.78.0.txt") {
		t.Errorf("after uv failed on one venv, the installs were %q; want pip's of that venv only (uv kept)", again)
	}
	if !slices.ContainsFunc(lines, func(s string) bool {
		return strings.HasPrefix(s, "python: uv failed on python/.venv-2.78.0 (") && strings.Contains(s, "uv: no such package") && strings.HasSuffix(s, "pip installs it instead")
	}) {
		t.Errorf("no line says uv failed and pip took over:\n%s", strings.Join(lines, "\n"))
	}
}
