package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/targets"
)

// One CLI grammar, as a new user meets it: each command line runs in this
// process through run, as main runs it, and says one exact line.

// inProcess runs scribecheck with args in this process: its exit code,
// stdout and stderr.
func inProcess(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// saysOneLine checks that a command exits with code and says exactly line
// on stderr, and nothing on stdout.
func saysOneLine(t *testing.T, code int, line string, args ...string) {
	t.Helper()
	got, stdout, stderr := inProcess(t, context.Background(), args...)
	if got != code || stderr != line+"\n" || stdout != "" {
		t.Errorf("scribecheck %s\nexit %d (want %d)\nstderr: %q\n  want: %q\nstdout: %q", strings.Join(args, " "), got, code, stderr, line+"\n", stdout)
	}
}

// flagNames are the flags a command's --help lists.
func flagNames(t *testing.T, command ...string) []string {
	t.Helper()
	code, stdout, _ := inProcess(t, context.Background(), append(command, "--help")...)
	if code != exitcode.OK {
		t.Fatalf("%s --help: exit %d", command, code)
	}
	_, flags, ok := strings.Cut(stdout, "\nFlags:\n")
	if !ok {
		t.Fatalf("%s --help lists no flags:\n%s", command, stdout)
	}
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^  --([a-z0-9-]+)`).FindAllStringSubmatch(flags, -1) {
		names = append(names, m[1])
	}
	return names
}

// 1. One name for one thing in every command; the old names still work and
// are not shown.
func TestOneFlagNameForOneThing(t *testing.T) {
	old := map[string]string{"addr": "listen", "upstream": "target", "bug": "fake-bug", "deviate": "fake-deviate"}
	uses := map[string][]string{ // a concept's one name: the commands that take it
		"listen":       {"fake", "client", "replay", "proxy", "bench sink", "monitor"},
		"target":       {"run", "doctor", "load", "proxy", "monitor"},
		"fake-bug":     {"run", "doctor", "fake", "client"},
		"fake-deviate": {"run", "doctor", "fake", "client"},
		"fake-choice":  {"run", "doctor", "fake", "client", "sdks", "sdks diff"},
		"out":          {"run", "doctor", "client", "sdks", "proxy", "replay", "load", "load merge", "bench"},
		"strict":       {"run", "doctor", "client", "proxy"},
	}
	for name := range commands {
		got := flagNames(t, strings.Fields(name)...)
		for _, f := range got {
			if now, ok := old[f]; ok {
				t.Errorf("%s --help shows the old name --%s (now --%s)", name, f, now)
			}
		}
		for flag, cmds := range uses {
			if slices.Contains(cmds, name) && !slices.Contains(got, flag) {
				t.Errorf("%s has no --%s: %v", name, flag, got)
			}
		}
	}
	// The old names still parse, to the same value.
	want := `scribecheck: fake: --fake-bug "nope": not a known bug; choose from ` + joinNames(fakeserver.Bug)
	saysOneLine(t, exitcode.Usage, want, "fake", "--fake-bug", "nope")
	saysOneLine(t, exitcode.Usage, want, "fake", "--bug", "nope")
	saysOneLine(t, exitcode.Usage, `scribecheck: proxy: --target api.elevenlabs.io: no http:// or https://; give https://api.elevenlabs.io or live`,
		"proxy", "--upstream", "api.elevenlabs.io")
}

// 2. An unknown flag or a bad value is one line that names it and points to
// --help; --help itself is the whole help, on stdout.
func TestBadFlagIsOneLine(t *testing.T) {
	saysOneLine(t, exitcode.Usage, "scribecheck: run: unknown flag --nope; see scribecheck run --help", "run", "--nope")
	saysOneLine(t, exitcode.Usage, "scribecheck: fake: unknown flag --fakebug (did you mean --fake-bug?); see scribecheck fake --help", "fake", "--fakebug", "x")
	saysOneLine(t, exitcode.Usage, "scribecheck: run: unknown flag --bug (did you mean --fake-bug?); see scribecheck run --help", "run", "--bug", "x")
	saysOneLine(t, exitcode.Usage, `scribecheck: run: --timeout "soon": give a duration such as 30s, 5m or 1h30m; see scribecheck run --help`, "run", "--timeout", "soon")
	saysOneLine(t, exitcode.Usage, `scribecheck: doctor: --repeat "twice": give a whole number; see scribecheck doctor --help`, "doctor", "--repeat", "twice")
	saysOneLine(t, exitcode.Usage, "scribecheck: run: --target needs a value; see scribecheck run --help", "run", "--target")
	saysOneLine(t, exitcode.Usage, `scribecheck: run: takes no arguments, got ["live"]; see scribecheck run --help`, "run", "live")
	saysOneLine(t, exitcode.Usage, `scribecheck: unknown command "frobnicate"; see scribecheck --help`, "frobnicate")

	code, stdout, stderr := inProcess(t, context.Background(), "run", "--help")
	if code != exitcode.OK || stderr != "" || !strings.HasPrefix(stdout, "scribecheck run: ") || !strings.Contains(stdout, "  --label-filter string") {
		t.Errorf("run --help: exit %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
}

// 3. A target is read in any letter case; a wrong one is repeated as typed,
// with the form that would work.
func TestTargetErrorsRepeatTheValue(t *testing.T) {
	t.Setenv(targets.APIKeyEnv, "")
	saysOneLine(t, exitcode.Usage, "scribecheck: run: --target nonsense: not fake, live or a URL; give fake, live, or an http(s)://HOST[:PORT] URL",
		"run", "--target", "nonsense")
	saysOneLine(t, exitcode.Usage, "scribecheck: run: --target localhost:8080: no http:// or https://; give http://localhost:8080",
		"run", "--target", "localhost:8080")
	saysOneLine(t, exitcode.Usage, "scribecheck: doctor: --target api.elevenlabs.io: no http:// or https://; give https://api.elevenlabs.io or live",
		"doctor", "--target", "api.elevenlabs.io")
	saysOneLine(t, exitcode.Usage, "scribecheck: run: --target live needs an API key: set ELEVENLABS_API_KEY to a key of your ElevenLabs account (it is never printed)",
		"run", "--target", "LIVE")
	saysOneLine(t, exitcode.Usage, "scribecheck: load: --target live needs an API key: set ELEVENLABS_API_KEY to a key of your ElevenLabs account (it is never printed)",
		"load", "--target", "Live")
}

// 4. A bad --label-filter is one line without Ginkgo's colour escapes.
func TestLabelFilterErrorIsPlain(t *testing.T) {
	saysOneLine(t, exitcode.Usage, `scribecheck: run: --label-filter "(((": Mismatched '(' - could not find matching ')' (at character 1); `+
		`join key:value labels with &&, || and !, e.g. 'auth:token-query || level:must'`, "run", "--label-filter", "(((")
}

// 5. A target that answers, but not as the Scribe API, ends the run in its
// pre-flight: one line, exit 3, as the doctor decides it.
func TestRunAgainstAWebServerEndsInThePreflight(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	t.Setenv(targets.APIKeyEnv, "sk_test_0123456789")
	out := t.TempDir()
	saysOneLine(t, exitcode.Unreachable, "scribecheck: run: target "+srv.URL+" does not answer as the Scribe realtime API (not an API key problem): "+
		"HTTP 404 at the upgrade: not found: the host or path is wrong (not the Scribe API, a base URL that does not serve /v1, or a proxy that does not route it) "+
		`(body: text/plain; charset=utf-8, 19 bytes read, text "404 page not found"); `+
		"check --target: give the API's scheme, host and port only (https://api.elevenlabs.io, a residency host, or a `scribecheck fake`); the path /v1/... is added for you",
		"run", "--target", srv.URL, "--out", out)
	if files, _ := os.ReadDir(out); len(files) != 0 {
		t.Errorf("the pre-flight wrote %d files", len(files))
	}
}

// 6. A token of the user's with no --target is refused: the built-in fake
// never minted it.
func TestDoctorTokenNeedsItsTarget(t *testing.T) {
	token := "sutkn_" + strings.Repeat("5e", 16)
	saysOneLine(t, exitcode.Usage, "scribecheck: doctor: --token sutkn_…5e5e: the built-in fake (the target without --target) never minted this token "+
		"and refuses it whatever is wrong with it; give the server that minted it: --target live, or --target http(s)://HOST[:PORT]",
		"doctor", "--token", token)
}

// 7. A lint of a URL alone prints its verdict and writes files only with
// --out.
func TestDoctorLintWritesOnlyWithOut(t *testing.T) {
	t.Chdir(t.TempDir())
	url := "wss://api.elevenlabs.io/v1/speech-to-text/realtime?model_id=scribe_v2_realtime"
	code, stdout, _ := inProcess(t, context.Background(), "doctor", "--url", url)
	if files, _ := os.ReadDir("."); code != exitcode.OK || len(files) != 0 || !strings.Contains(stdout, "HEALTHY") || strings.Contains(stdout, "reports:") {
		t.Errorf("exit %d, %d files in the working folder:\n%s", code, len(files), stdout)
	}
	code, stdout, _ = inProcess(t, context.Background(), "doctor", "--url", url, "--out", "keep")
	if _, err := os.Stat(filepath.Join("keep", "doctor.json")); code != exitcode.OK || err != nil || !strings.Contains(stdout, "keep/doctor.json") {
		t.Errorf("with --out: exit %d, %v:\n%s", code, err, stdout)
	}
}

// 8. Counts read as English: one socket, two messages, one other entry.
func TestCountsReadAsEnglish(t *testing.T) {
	code, stdout, _ := inProcess(t, context.Background(), "doctor", "--har", harFile, "--out", t.TempDir())
	if want := "doctor: " + harFile + ": 1 socket with 2 messages, 1 token mint; 2 other entries skipped\n"; code != exitcode.Failed || !strings.HasPrefix(stdout, want) {
		t.Errorf("exit %d; want the first line %q:\n%s", code, want, stdout)
	}
	// The failed headline names what failed, never "0 rules".
	if !strings.Contains(stdout, "FAILED — the server refused 1 credential it should have taken (see the auth refusals); 1 connection: 1 refused by the server;") ||
		strings.Contains(stdout, " 0 rule") {
		t.Errorf("the headline:\n%s", stdout)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the fake prints what it serves, then stops at once
	code, stdout, _ = inProcess(t, ctx, "fake", "--quiet", "--api-key", "sk_mine_0123456789")
	if code != exitcode.OK || !strings.Contains(stdout, "\nalso accepting 1 key given with --api-key\n") {
		t.Errorf("exit %d:\n%s", code, stdout)
	}
}
