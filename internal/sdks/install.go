package sdks

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/text"
)

// carried is everything the SDK matrix needs from this folder, in the
// binary: the matrix, the drivers and the lock files the installs are made
// from. Setup writes it into the install folder, so no checkout is needed.
//
//go:embed matrix.json node/package.json node/package-lock.json node/*.mjs python/*.py python/requirements-*.txt python/uv-lock.txt
var carried embed.FS

// DirEnv names the folder the SDKs install into and run from, instead of
// the user's cache folder (a test's, CI's, or a second copy).
const DirEnv = "SCRIBECHECK_SDKS_DIR"

// DefaultDir is where the SDKs install: $SCRIBECHECK_SDKS_DIR, else
// scribecheck/sdks in the user's cache folder (os.UserCacheDir:
// $XDG_CACHE_HOME or ~/.cache on Linux, ~/Library/Caches on macOS,
// %LocalAppData% on Windows).
func DefaultDir() (string, error) {
	if d := os.Getenv(DirEnv); d != "" {
		return filepath.Abs(d)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no folder to install the SDKs into (%w): set %s", err, DirEnv)
	}
	return filepath.Join(cache, "scribecheck", "sdks"), nil
}

// Matrix is the pinned matrix this binary carries (matrix.json).
func Matrix() ([]Install, error) {
	b, err := carried.ReadFile("matrix.json")
	if err != nil {
		return nil, err
	}
	return parseMatrix(b, "matrix.json")
}

// LoadMatrix reads dir/matrix.json (a JSON array, one install per line): the
// matrix of a folder given with sdks --dir.
func LoadMatrix(dir string) ([]Install, error) {
	b, err := os.ReadFile(filepath.Join(dir, "matrix.json"))
	if err != nil {
		return nil, fmt.Errorf("the SDK matrix: %w", err)
	}
	return parseMatrix(b, filepath.Join(dir, "matrix.json"))
}

// MatrixOf reads the installs a command runs: the pinned matrix when dir is
// "", else dir's matrix.json (sdks --dir). It also says which it read.
func MatrixOf(dir string) ([]Install, string, error) {
	if dir == "" {
		installs, err := Matrix()
		return installs, "the pinned matrix", err
	}
	installs, err := LoadMatrix(dir)
	if err != nil {
		return nil, "", exitcode.Usagef("--dir %s: %w (give a folder holding a matrix.json, or leave out --dir to install into the cache)", dir, err)
	}
	return installs, dir + "/matrix.json", nil
}

func parseMatrix(b []byte, name string) ([]Install, error) {
	var out []Install
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for _, in := range out {
		if in.SDK == "" || in.Version == "" || len(in.Cmd) == 0 {
			return nil, fmt.Errorf("%s: an entry needs sdk, version and cmd: %+v", name, in)
		}
	}
	return out, nil
}

// Extract writes the carried files into dir, each only when dir lacks it or
// holds other content (a file is replaced whole, so a driver running from
// dir never reads half of one), and returns the ones it wrote.
func Extract(dir string) (wrote []string, err error) {
	for _, name := range carriedFiles() {
		want, _ := carried.ReadFile(name)
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if have, err := os.ReadFile(dst); err == nil && bytes.Equal(have, want) {
			continue
		}
		if err := writeFile(dst, want); err != nil {
			return wrote, err
		}
		wrote = append(wrote, name)
	}
	return wrote, nil
}

// Stale lists the carried files that dir lacks or holds with other content:
// an install made from other sources than this binary's (or none).
func Stale(dir string) []string {
	var out []string
	for _, name := range carriedFiles() {
		want, _ := carried.ReadFile(name)
		if have, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name))); err != nil || !bytes.Equal(have, want) {
			out = append(out, name)
		}
	}
	return out
}

func carriedFiles() []string {
	var names []string
	_ = fs.WalkDir(carried, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	return names
}

func writeFile(dst string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".tmp-"+filepath.Base(dst)+"-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
	return err
}

// part is one install step: the Node project (npm ci) or one Python venv
// per requirements file (pip --require-hashes). It is current while its
// stamp holds want: the sha256 of its lock file and the runtime's version.
type part struct {
	lang    string // the matrix's lang of the installs it serves
	where   string // the folder it installs, relative to the install folder
	how     string // the install, for the progress line
	detail  string // its lock and runtime, for the progress line
	stamp   string // relative to the install folder
	want    string
	install func(ctx context.Context, dir string, with installer) error
}

// installer is what a part installs with beyond its runtime: uv, where
// Setup could install it (uv.go), and a line of progress.
type installer struct {
	uv   func() string // "" where it could not be installed
	line func(format string, a ...any)
}

// runtimeOf is what installs the parts of one lang here: "" with its parts,
// or why none of them can be installed (node or python3 missing).
type runtimeOf struct {
	lang, skip string
	exe        string // the interpreter the parts install for
	parts      []part
}

// runtimes looks up Node.js and Python here and lists the parts each
// would install.
func runtimes(ctx context.Context) []runtimeOf {
	return []runtimeOf{nodeRuntime(ctx), pythonRuntime(ctx)}
}

func nodeRuntime(ctx context.Context) runtimeOf {
	rt := runtimeOf{lang: "node"}
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = exec.LookPath("npm")
	}
	if err != nil {
		rt.skip = "node or npm is not on PATH"
		return rt
	}
	version, err := output(ctx, node, "--version")
	if err != nil {
		rt.skip = "node --version failed: " + err.Error()
		return rt
	}
	lock, _ := carried.ReadFile("node/package-lock.json")
	rt.parts = []part{{lang: "node", where: "node/node_modules", how: "npm ci", detail: "package-lock.json, node " + version,
		stamp: "node/node_modules/" + stampName, want: sum(lock) + " node " + version,
		install: func(ctx context.Context, dir string, _ installer) error {
			return quiet(ctx, filepath.Join(dir, "node"), "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		}}}
	return rt
}

// pythonRuntime is $PYTHON, else python3.11 (the locks were compiled on
// it) when present, else python3 (python on Windows).
func pythonRuntime(ctx context.Context) runtimeOf {
	rt := runtimeOf{lang: "python"}
	py := os.Getenv("PYTHON")
	if py == "" {
		for _, name := range []string{"python3.11", "python3", "python"} {
			if _, err := exec.LookPath(name); err == nil {
				py = name
				break
			}
		}
	}
	if py == "" {
		rt.skip = "python3 is not on PATH"
		return rt
	}
	if _, err := exec.LookPath(py); err != nil {
		rt.skip = py + " is not on PATH"
		return rt
	}
	if _, err := output(ctx, py, "-c", "import venv, ensurepip"); err != nil {
		rt.skip = py + " has no venv/ensurepip module (on Debian: apt-get install python3-venv)"
		return rt
	}
	version, err := output(ctx, py, "-c", `import sys; print("%d.%d.%d" % sys.version_info[:3])`)
	if err != nil {
		rt.skip = py + " did not say its version: " + err.Error()
		return rt
	}
	rt.exe = py
	reqs, _ := fs.Glob(carried, "python/requirements-*.txt")
	for _, req := range reqs {
		name := strings.TrimSuffix(strings.TrimPrefix(path.Base(req), "requirements-"), ".txt")
		venv := "python/.venv-" + name
		lock, _ := carried.ReadFile(req)
		rt.parts = append(rt.parts, part{lang: "python", where: venv, how: "pip install --require-hashes",
			detail: path.Base(req) + ", python " + version, stamp: venv + "/" + stampName, want: sum(lock) + " python " + version,
			install: func(ctx context.Context, dir string, with installer) error {
				abs := filepath.Join(dir, filepath.FromSlash(venv))
				reqPath := filepath.Join(dir, filepath.FromSlash(req))
				if uv := with.uv(); uv != "" {
					_ = os.RemoveAll(abs) // a venv is made whole or not at all
					err := uvVenv(ctx, dir, uv, py, abs, reqPath)
					if err == nil {
						return nil
					}
					with.line("python: uv failed on %s (%v); pip installs it instead", venv, err)
				}
				_ = os.RemoveAll(abs)
				err := quiet(ctx, dir, py, "-m", "venv", abs)
				if err == nil {
					err = quiet(ctx, dir, VenvPython(dir, venv), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
						"--no-input", "--require-hashes", "-r", reqPath)
				}
				if err != nil {
					_ = os.RemoveAll(abs)
				}
				return err
			}})
	}
	return rt
}

const stampName = ".scribecheck-stamp"

// maxInstalls is how many installs run at once: all of them (npm ci and
// seven venvs); each mostly waits on its registry.
const maxInstalls = 8

// current says whether p's install in dir is there and made from the same
// lock file by the same runtime version.
func (p part) current(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p.stamp)))
	return err == nil && strings.TrimSpace(string(b)) == p.want
}

// Pending lists the parts that Setup would install into dir: their runtime
// is here and their install is missing or was made from other locks. An
// empty list means Setup would fetch nothing.
func Pending(ctx context.Context, dir string) []string {
	var out []string
	for _, rt := range runtimes(ctx) {
		for _, p := range rt.parts {
			if !p.current(dir) {
				out = append(out, p.where)
			}
		}
	}
	return out
}

// SetupDefault installs the pinned SDKs into their folder (DefaultDir),
// saying where and how long the check took, and returns it.
func SetupDefault(ctx context.Context, say func(string)) (string, error) {
	dir, err := DefaultDir()
	if err != nil {
		return "", exitcode.Usagef("%w", err)
	}
	say(fmt.Sprintf("SDKs install in %s (set %s to choose another folder)", dir, DirEnv))
	started := time.Now()
	if err := Setup(ctx, dir, say); err != nil {
		return "", fmt.Errorf("installing the SDKs into %s: %w\n(fix the cause and run `scribecheck sdks install` again; what installed is kept)", dir, err)
	}
	say(fmt.Sprintf("install checked in %.1fs", time.Since(started).Seconds()))
	return dir, nil
}

// Setup installs the pinned SDKs into dir: the carried files (Extract),
// then npm ci of the Node project and one venv per Python requirements
// file, each skipped while its stamp is current. A runtime that is missing
// here skips its installs with one line saying why, and is no error; a
// failing npm or pip is. say hears one line per step. Two processes setting
// up one folder take turns.
func Setup(ctx context.Context, dir string, say func(string)) error {
	var mu sync.Mutex
	line := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		if say != nil {
			say(fmt.Sprintf(format, a...))
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("the SDK folder: %w", err)
	}
	unlock, err := lock(filepath.Join(dir, ".install-lock"), func() { line("waiting for another scribecheck installing into %s", dir) })
	if err != nil {
		return fmt.Errorf("locking the SDK folder: %w", err)
	}
	defer unlock()
	if _, err := Extract(dir); err != nil {
		return fmt.Errorf("writing the drivers into %s: %w", dir, err)
	}
	installs, err := Matrix()
	if err != nil {
		return err
	}
	// Every part at once, a few at a time: an install mostly waits on its
	// registry, and each venv is a folder of its own.
	var parts []part
	with := installer{line: line, uv: func() string { return "" }}
	for _, rt := range runtimes(ctx) {
		if rt.skip != "" {
			line("%s: skipped, %s (%s cannot run)", rt.lang, rt.skip, text.Few(keysOf(installs, rt.lang), 3))
			continue
		}
		if rt.lang == "python" {
			// Installed by the first venv that needs it, while npm runs.
			with.uv = sync.OnceValue(func() string {
				uv, err := installUV(ctx, dir, rt.exe)
				if err != nil {
					line("python: uv could not be installed, so pip installs the venvs, slower: %v", err)
				}
				return uv
			})
		}
		parts = append(parts, rt.parts...)
	}
	errs := make([]error, len(parts))
	slots := make(chan struct{}, maxInstalls)
	var wg sync.WaitGroup
	for i, p := range parts {
		if p.current(dir) {
			line("%s: %s up to date (%s)", p.lang, p.where, p.detail)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			how := p.how
			if p.lang == "python" && with.uv() != "" {
				how = "uv pip install --require-hashes"
			}
			line("%s: %s into %s (%s)", p.lang, how, p.where, p.detail)
			if err := p.install(ctx, dir, with); err != nil {
				errs[i] = fmt.Errorf("%s into %s (%s): %w", p.how, p.where, p.detail, err)
				return
			}
			if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(p.stamp)), []byte(p.want+"\n"), 0o644); err != nil {
				errs[i] = err
				return
			}
			line("%s: %s installed", p.lang, p.where)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func keysOf(installs []Install, lang string) []string {
	var keys []string
	for _, in := range installs {
		if in.Lang == lang {
			keys = append(keys, in.Key())
		}
	}
	if len(keys) == 0 {
		return []string{"no install"}
	}
	return keys
}

// VenvPython is the interpreter of the venv at dir/venv (a slash path):
// bin/python, or Scripts\python.exe on Windows.
func VenvPython(dir, venv string) string {
	if runtime.GOOS == "windows" {
		return filepath.Join(dir, filepath.FromSlash(venv), "Scripts", "python.exe")
	}
	return filepath.Join(dir, filepath.FromSlash(venv), "bin", "python")
}

// executable is where a matrix command's program is: a path with a slash is
// relative to the install folder (a venv's bin/python means its
// interpreter on any system), a bare name is looked up on PATH.
func executable(dir, name string) string {
	if !strings.Contains(name, "/") || filepath.IsAbs(name) {
		return name
	}
	if venv, ok := strings.CutSuffix(name, "/bin/python"); ok {
		return VenvPython(dir, venv)
	}
	return filepath.Join(dir, filepath.FromSlash(name))
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// output runs a short query of a runtime (its version) and returns its
// first line.
func output(ctx context.Context, name string, args ...string) (string, error) {
	b, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return "", err
	}
	return text.FirstLine(string(b)), nil
}

// quiet runs an installer in dir; what it printed is kept for the error
// only.
func quiet(ctx context.Context, dir, name string, args ...string) error {
	return quietEnv(ctx, dir, nil, name, args...)
}

// quietEnv is quiet with the environment env (nil: this process's).
func quietEnv(ctx context.Context, dir string, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s failed (%w): %s", filepath.Base(name), args[0], err, tail(strings.TrimSpace(out.String()), 1500))
	}
	return nil
}

// Pick returns the installs named by keys (sdk@version), in the order
// given; a key that is not among installs is an error naming the ones
// that are.
func Pick(installs []Install, keys []string) ([]Install, error) {
	var out []Install
	for _, k := range keys {
		i := slices.IndexFunc(installs, func(in Install) bool { return in.Key() == k })
		if i < 0 {
			var known []string
			for _, in := range installs {
				known = append(known, in.Key())
			}
			return nil, fmt.Errorf("%s: not a pinned install; there are %s", k, strings.Join(known, ", "))
		}
		out = append(out, installs[i])
	}
	return out, nil
}
