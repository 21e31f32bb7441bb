package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/clitest"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/reports"
	"github.com/scribecheck/scribecheck/suites"
)

// These tests run the built binary, as users and CI do. Ginkgo allows one
// suite run per process, so every run is its own process.

// binary is built with -race when the tests run with it; plainBinary never
// is. The runs of the whole catalog are plain builds: race-built, one took
// 3.7 s of CPU, against 0.45 s plain, and suites' ExampleRun runs the
// catalog in process under -race; the shorter runs of every command are
// race-built. (The meta-test, internal/metatest, runs the catalog once per
// fault of the fake.)
var binary, plainBinary string

// shared are the runs of the plain binary that several tests read.
var shared *clitest.Shared

func TestMain(m *testing.M) {
	code := clitest.Main(m, func(plain, race string, s *clitest.Shared) { plainBinary, binary, shared = plain, race, s })
	closeBrowser()
	os.Exit(code)
}

// scribecheck runs the binary with args (and --out in a temp dir for run).
func scribecheck(t *testing.T, env []string, args ...string) clitest.Result {
	t.Helper()
	return clitest.Run(t, binary, env, args...)
}

func TestRunAgainstTheFakePasses(t *testing.T) {
	t.Parallel()
	r := shared.Run(t, "--target", "fake")
	if r.Code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	junit, err := reports.ReadJUnit(filepath.Join(r.Out, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if junit.Tests < len(suites.Catalog()) || junit.Failures != 0 || junit.Errors != 0 {
		t.Errorf("junit.xml: %d tests, %d failures, %d errors", junit.Tests, junit.Failures, junit.Errors)
	}
	for _, s := range junit.Suites {
		for _, c := range s.Cases {
			if c.Name == "" {
				t.Error("a testcase without a name")
			}
		}
	}
	matrix, err := reports.ReadJUnit(filepath.Join(r.Out, "auth-matrix.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(matrix.Suites) != 14 || matrix.Failures != 0 || matrix.Errors != 0 || matrix.Skipped != 0 {
		t.Errorf("auth-matrix.xml: %d suites, %d failures, %d errors, %d skipped", len(matrix.Suites), matrix.Failures, matrix.Errors, matrix.Skipped)
	}
	v := r.Verdicts(t)
	for _, c := range suites.Catalog() {
		want := "OK"
		if c.Level == verdict.Info {
			want = "INFORMATIONAL"
		}
		if v[c.ID] != want {
			t.Errorf("%s: %s, want %s", c.ID, v[c.ID], want)
		}
	}
	if !strings.Contains(r.Stdout, "14 paths: 1 INFORMATIONAL, 13 OK") {
		t.Errorf("console matrix summary missing:\n%s", r.Stdout)
	}
}

func TestSutknBugIsReproducedOffline(t *testing.T) {
	t.Parallel()
	r := shared.Run(t, "--target", "fake", "--fake-bug", "sutkn-query-rejected")
	if r.Code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	v := r.Verdicts(t)
	if got := clitest.With(v, reports.Failed); strings.Join(got, ",") != "AUTH-4,AUTH-5,AUTH-8" {
		t.Errorf("failed %v, want the specs whose valid token is refused: AUTH-4 (token-query), AUTH-5 (its first use), AUTH-8 (token-and-header)", got)
	}
	if v["AUTH-1"] != "OK" {
		t.Errorf("header spec: %s, want OK", v["AUTH-1"])
	}
	junit, err := reports.ReadJUnit(filepath.Join(r.Out, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if junit.Failures != 3 || junit.Errors != 0 {
		t.Errorf("junit.xml: %d failures, %d errors; want 3 and 0", junit.Failures, junit.Errors)
	}
	matrix, _ := reports.ReadJUnit(filepath.Join(r.Out, "auth-matrix.xml"))
	for _, s := range matrix.Suites {
		failed := s.Failures > 0
		want := s.Name == "auth:token-query" || s.Name == "auth:token-reused" || s.Name == "auth:token-and-header"
		if failed != want {
			t.Errorf("matrix suite %s: failures %d", s.Name, s.Failures)
		}
	}
	rows := consoleRows(r.Stdout)
	if !strings.HasSuffix(rows["token-query"], "FAILED") || !strings.HasSuffix(rows["header"], "OK") {
		t.Errorf("console matrix: token-query %q, header %q", rows["token-query"], rows["header"])
	}
}

// consoleRows maps auth path -> its line of the printed matrix.
func consoleRows(stdout string) map[string]string {
	rows := map[string]string{}
	re := regexp.MustCompile(`^AUTH-\d+\s+(\S+)\s`)
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			rows[m[1]] = strings.TrimSpace(sc.Text())
		}
	}
	return rows
}

// startFake runs `scribecheck fake`, race-built, and returns its URL and
// test key.
func startFake(t *testing.T, args ...string) (string, string) {
	t.Helper()
	return startFakeOf(t, binary, args...)
}

// startPlainFake is startFake of the plain build, for a fake that serves a
// whole run or a load: race-built, a fake took 0.7 s of CPU to serve the
// catalog, 9 s to serve 200 sessions (and fell behind on a busy machine);
// the fake's own tests, and suites' ExampleRun, run its sessions in process
// under the race detector.
func startPlainFake(t *testing.T, args ...string) (string, string) {
	t.Helper()
	return startFakeOf(t, plainBinary, args...)
}

func startFakeOf(t *testing.T, bin string, args ...string) (string, string) {
	t.Helper()
	var base, key string
	for _, line := range strings.Split(fakeOutputOf(t, bin, args...), "\n") {
		if v, ok := strings.CutPrefix(line, "listening on "); ok {
			base = v
		}
		if v, ok := strings.CutPrefix(line, "test key: "); ok {
			key = v
		}
	}
	if base == "" || key == "" {
		t.Fatalf("scribecheck fake printed no URL or key")
	}
	return base, key
}

// fakeOutput starts `scribecheck fake` with args and returns what it printed
// up to its test key (the URL comes before it); the rest is discarded.
func fakeOutput(t *testing.T, args ...string) string {
	t.Helper()
	return fakeOutputOf(t, binary, args...)
}

func fakeOutputOf(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, append([]string{"fake", "--quiet"}, args...)...)
	cmd.Env = clitest.Env()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	var b strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "test key: ") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return b.String()
}

// The runs and the separate fakes are plain builds: what is compared is the
// verdicts.
func TestSeparateFakeGivesTheSameResults(t *testing.T) {
	t.Parallel()
	inproc := shared.Run(t, "--target", "fake").Verdicts(t)
	base, key := startPlainFake(t)
	r := clitest.Run(t, plainBinary, []string{"ELEVENLABS_API_KEY=" + key}, "run", "--target", base)
	if r.Code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	remote := r.Verdicts(t)
	needsFake := map[string]bool{}
	for _, c := range suites.Catalog() {
		needsFake[c.ID] = c.NeedsFake
	}
	for id, want := range inproc {
		got := remote[id]
		if needsFake[id] {
			want = "SKIPPED"
		}
		if got != want {
			t.Errorf("%s: %s against %s, %s in process", id, got, base, inproc[id])
		}
	}
	junit, _ := reports.ReadJUnit(filepath.Join(r.Out, "auth-matrix.xml"))
	for _, s := range junit.Suites {
		for _, c := range s.Cases {
			if c.Skipped != nil && !strings.Contains(c.Skipped.Message, "needs:fake") {
				t.Errorf("%s skipped without the reason: %q", c.Name, c.Skipped.Message)
			}
		}
	}
	// The same bug, served by a separate fake, fails the same specs.
	bugBase, bugKey := startPlainFake(t, "--fake-bug", "sutkn-query-rejected")
	r = clitest.Run(t, plainBinary, []string{"ELEVENLABS_API_KEY=" + bugKey}, "run", "--target", bugBase)
	if got := clitest.With(r.Verdicts(t), reports.Failed); r.Code != 1 || strings.Join(got, ",") != "AUTH-4,AUTH-5,AUTH-8" {
		t.Errorf("separate fake with the bug: exit %d, failed %v", r.Code, got)
	}
}

func TestExitCodesAndMessages(t *testing.T) {
	t.Parallel()
	ln := closedPort(t)
	checkRefusals(t, []refusal{
		{"live without a key", nil, []string{"run", "--target", "live"}, 2, "set ELEVENLABS_API_KEY"},
		{"url without a key", nil, []string{"run", "--target", "http://127.0.0.1:9"}, 2, "ELEVENLABS_API_KEY"},
		{"unreachable target", []string{"ELEVENLABS_API_KEY=sk_x_0123456789"}, []string{"run", "--target", "http://" + ln}, 3, "cannot be reached"},
		{"bad target", nil, []string{"run", "--target", "ftp://x"}, 2, "--target ftp://x: not an http:// or https:// URL"},
		{"unknown bug", nil, []string{"run", "--fake-bug", "nope"}, 2, "sutkn-query-rejected"},
		{"deviation given as bug", nil, []string{"run", "--fake-bug", "auth-at-upgrade"}, 2, "--fake-bug"},
		{"fake bug on a URL", []string{"ELEVENLABS_API_KEY=sk_x_0123456789"}, []string{"run", "--target", "http://127.0.0.1:9", "--fake-bug", "sutkn-query-rejected"}, 2, "scribecheck fake --fake-bug"},
		{"short key", []string{"ELEVENLABS_API_KEY=abc"}, []string{"run", "--target", "live"}, 2, "too short"},
		{"token in the target", nil, []string{"run", "--target", "wss://api.elevenlabs.io/v1/speech-to-text/realtime?token=sutkn_0123456789abcdef"}, 2, "give its base https://api.elevenlabs.io or live"},
		{"bad label filter", nil, []string{"run", "--label-filter", "auth:x &&"}, 2, "--label-filter"},
		{"bad focus", nil, []string{"run", "--focus", "("}, 2, "--focus"},
		{"unknown flag", nil, []string{"run", "--nope"}, 2, "unknown flag --nope"},
		{"unknown SDK scenario", nil, []string{"sdks", "--scenario", "tokn"}, 2, "--scenario tokn: no such scenario; there are header, token,"},
		{"unknown command", nil, []string{"frobnicate"}, 2, "unknown command"},
		{"no command", nil, nil, 2, "Usage:"},
	}, "sutkn_0123456789abcdef")
}

// refusal is a command line the binary refuses: its exit code, and what its
// stderr says.
type refusal struct {
	name string
	env  []string
	args []string
	code int
	says string
}

// checkRefusals runs each refusal as a subtest; none may print any of
// neverShown (the secrets in its arguments), on stdout or stderr.
func checkRefusals(t *testing.T, cases []refusal, neverShown ...string) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := scribecheck(t, c.env, c.args...)
			if r.Code != c.code || !strings.Contains(r.Stderr, c.says) {
				t.Errorf("exit %d (want %d), stderr:\n%s\n(want it to say %q)", r.Code, c.code, r.Stderr, c.says)
			}
			for _, s := range neverShown {
				if strings.Contains(r.Stdout+r.Stderr, s) {
					t.Errorf("the output repeats the secret %s:\n%s\n%s", s, r.Stdout, r.Stderr)
				}
			}
		})
	}
}

func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestHelpExplains(t *testing.T) {
	t.Parallel()
	r := scribecheck(t, nil, "fake", "--help")
	for _, want := range []string{"sutkn-query-rejected", "auth-at-upgrade", "token-host-unchecked", "--api-key"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("fake --help lacks %q", want)
		}
	}
	if r.Code != 0 {
		t.Errorf("fake --help exit %d", r.Code)
	}
	r = scribecheck(t, nil, "help", "run")
	if !strings.Contains(r.Stdout, "--fake-bug sutkn-query-rejected") || r.Code != 0 {
		t.Errorf("help run: exit %d\n%s", r.Code, r.Stdout)
	}
}

func TestListShowsEverySpec(t *testing.T) {
	t.Parallel()
	r := scribecheck(t, nil, "list")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	for i := 1; i <= 14; i++ {
		if !regexp.MustCompile(fmt.Sprintf(`(?m)^AUTH-%d\s+(MUST|SHOULD|INFO)\s+area:auth`, i)).MatchString(r.Stdout) {
			t.Errorf("list lacks AUTH-%d with level and labels:\n%s", i, r.Stdout)
		}
	}
}

// The live API is out of reach here; with a key this runs the same specs.
func TestLiveTarget(t *testing.T) {
	t.Parallel()
	key := os.Getenv("ELEVENLABS_API_KEY")
	if key == "" {
		t.Skip("ELEVENLABS_API_KEY is not set: the live API is not run")
	}
	r := scribecheck(t, []string{"ELEVENLABS_API_KEY=" + key}, "run", "--target", "live")
	t.Logf("live run exit %d\n%s", r.Code, r.Stdout)
	if r.Code == 2 {
		t.Errorf("live run refused its configuration: %s", r.Stderr)
	}
}
