// Package clitest runs the built scribecheck binary in tests, as users and
// CI run it: the command's own tests (cmd/scribecheck) and the meta-test
// (internal/metatest) share it. Ginkgo runs a suite once per process, so
// every run of the catalog is a process of its own. Tests only.
package clitest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/reports"
)

// Result is what a run of the binary left: its exit code, its output, and
// the --out folder of a `run`.
type Result struct {
	Code           int
	Stdout, Stderr string
	Out            string        // the --out folder
	Took           time.Duration // from start to exit
}

// Main is a TestMain's body for the tests of the built binary: it builds
// the binaries (build) and the shared runs of the plain one, hands them to
// set, runs m's tests and removes the shared runs, and returns the code to
// exit with. A package's TestMain calls it, then os.Exit.
//
// The tests run six at once, even on two cores, unless -parallel says
// otherwise: they mostly wait on the binary and on sockets, several of them
// on a probe's real timeout (measured on 2 cores, the command's tests when
// they still held the meta-test: 73 s with the tests serial and four
// subtests at once, 53 s all parallel at four, 48 s at six). Ginkgo refuses -parallel in the suites package, so
// make test cannot pass it to every package.
func Main(m *testing.M, set func(plain, race string, shared *Shared)) int {
	plain, race, err := build()
	var shared *Shared
	if err == nil {
		shared, err = newShared(plain)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = shared.remove() }()
	set(plain, race, shared)
	testkit.WaitBound(6)
	return m.Run()
}

// build builds the plain binary and, when the tests run under the race
// detector, a race-built one, both at once (the Go build cache is shared),
// and returns their paths; race is plain without the detector.
func build() (plain, race string, err error) {
	races := []bool{false}
	if testkit.RaceEnabled { // the binary under test is race-built when the tests are
		races = append(races, true)
	}
	paths := make([]string, len(races))
	errs := make(chan error, len(races))
	for i, race := range races {
		go func() {
			var err error
			paths[i], err = testkit.BuildScribecheck(race)
			errs <- err
		}()
	}
	for range races {
		if e := <-errs; e != nil {
			err = e
		}
	}
	return paths[0], paths[len(paths)-1], err
}

// Env is the environment of a run: the test's, without a real API key, and
// with the race detector's pause at exit off (testkit.ChildGORACE), which
// was a second of every one of the ~130 race-built runs of the command's
// tests.
//
// Each process runs its goroutines on one thread (GOMAXPROCS=1) unless the
// caller says otherwise: six run at once on what are often two cores, and a
// run's client and fake, in one process, hand every frame from goroutine to
// goroutine; across threads that cost a fifth more CPU (a whole catalog run:
// 0.33 s of CPU, 0.26 s on one thread; race-built, 2.6 s and 2.2 s), and
// these tests' time is their CPU.
func Env() []string {
	procs := "GOMAXPROCS=1"
	var out []string
	for _, kv := range os.Environ() {
		switch {
		case strings.HasPrefix(kv, "ELEVENLABS_API_KEY="), strings.HasPrefix(kv, "GORACE="):
		case strings.HasPrefix(kv, "GOMAXPROCS="):
			procs = kv
		default:
			out = append(out, kv)
		}
	}
	return append(out, "GORACE="+testkit.ChildGORACE(), procs)
}

// execBinary runs bin with args, in Env with env added, and with --out out when
// out is not "". A run that has not ended after two minutes is killed.
func execBinary(bin string, env []string, out string, args ...string) (Result, error) {
	r := Result{Out: out}
	if out != "" {
		args = append(args, "--out", out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(Env(), env...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	start := time.Now()
	err := cmd.Run()
	r.Took = time.Since(start)
	r.Stdout, r.Stderr = so.String(), se.String()
	if ee, ok := err.(*exec.ExitError); ok {
		r.Code = ee.ExitCode()
	} else if err != nil {
		return r, fmt.Errorf("running scribecheck %v: %v", args, err)
	}
	return r, nil
}

// Run runs bin with args (and --out in a folder of t's for `run`).
func Run(t *testing.T, bin string, env []string, args ...string) Result {
	t.Helper()
	r, err := execBinary(bin, env, outFor(t, args), args...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// StartEarly starts bin with args as Run does and returns what waits for
// its result. A test whose run mostly waits, the CPU idle (for a probe's
// real timeout, a silent server), starts it before t.Parallel(): the tests'
// bodies up to t.Parallel() run one after another as the package starts,
// so the run waits beside the other tests from then on, instead of in one
// of the parallel slots once one is free, often at the end of the package.
func StartEarly(t *testing.T, bin string, env []string, args ...string) func(t *testing.T) Result {
	t.Helper()
	out := outFor(t, args)
	type ended struct {
		r   Result
		err error
	}
	done := make(chan ended, 1)
	go func() {
		r, err := execBinary(bin, env, out, args...)
		done <- ended{r, err}
	}()
	wait := sync.OnceValue(func() ended { return <-done })
	t.Cleanup(func() { wait() }) // no run outlives its test, nor writes in a removed --out
	return func(t *testing.T) Result {
		t.Helper()
		e := wait()
		if e.err != nil {
			t.Fatal(e.err)
		}
		return e.r
	}
}

// outFor is the --out of a run of args: a folder of t's for `run`, none
// for the other commands.
func outFor(t *testing.T, args []string) string {
	if len(args) > 0 && args[0] == "run" {
		return t.TempDir()
	}
	return ""
}

// Shared are the runs of `scribecheck run` that several tests read the
// reports of, by their arguments: the first test to ask for a run starts
// it, into a folder of Shared's own, and the others wait for it and read
// the same reports. Its readers only read its --out.
type Shared struct {
	bin, dir string
	runs     sync.Map // string -> func() (Result, error)
}

// newShared returns the shared runs of bin, with their reports in a new
// temporary folder (Main removes it once every test has ended).
func newShared(bin string) (*Shared, error) {
	dir, err := os.MkdirTemp("", "scribecheck-runs-")
	if err != nil {
		return nil, err
	}
	return &Shared{bin: bin, dir: dir}, nil
}

// remove deletes the runs' reports.
func (s *Shared) remove() error { return os.RemoveAll(s.dir) }

// Run is `scribecheck run args...`, run once for every test that asks for
// the same args.
func (s *Shared) Run(t *testing.T, args ...string) Result {
	t.Helper()
	r, err := s.of(args...)()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Start starts Run's run of args at once, for a test that starts it before
// t.Parallel() (StartEarly says why); the test waits for it as it ends, so
// that no run outlives the test.
func (s *Shared) Start(t *testing.T, args ...string) {
	run := s.of(args...)
	go func() { _, _ = run() }()
	t.Cleanup(func() { _, _ = run() })
}

// of is the run of args that Run waits for; calling it starts the run if
// nothing has yet.
func (s *Shared) of(args ...string) func() (Result, error) {
	key := strings.Join(args, "\x00")
	once, _ := s.runs.LoadOrStore(key, sync.OnceValues(func() (Result, error) {
		out, err := os.MkdirTemp(s.dir, "run-")
		if err != nil {
			return Result{}, err
		}
		return execBinary(s.bin, nil, out, append([]string{"run"}, args...)...)
	}))
	return once.(func() (Result, error))
}

// Verdicts are the run's verdicts (Results): spec ID -> verdict.
func (r Result) Verdicts(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, res := range r.Results(t) {
		out[res.ID] = string(res.Verdict)
	}
	return out
}

// Results reads the run's results.json whole.
func (r Result) Results(t *testing.T) []reports.SpecResult {
	t.Helper()
	res, err := reports.LoadResults(r.Out)
	if err != nil {
		t.Fatalf("exit %d: %v\nstdout:\n%s\nstderr:\n%s", r.Code, err, r.Stdout, r.Stderr)
	}
	return res
}

// With lists the spec IDs whose verdict is v, sorted (SortIDs).
func With(verdicts map[string]string, v reports.Verdict) []string {
	var ids []string
	for id, got := range verdicts {
		if got == string(v) {
			ids = append(ids, id)
		}
	}
	return SortIDs(ids)
}

// SortIDs sorts spec IDs by area, then number: AUTH-2 before AUTH-10.
func SortIDs(ids []string) []string {
	sort.Slice(ids, func(i, j int) bool {
		ai, ni := splitID(ids[i])
		aj, nj := splitID(ids[j])
		if ai != aj {
			return ai < aj
		}
		return ni < nj
	})
	return ids
}

func splitID(id string) (string, int) {
	area, num, _ := strings.Cut(id, "-")
	n, _ := strconv.Atoi(num)
	return area, n
}
