package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/clitest"
	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/tidwall/gjson"
)

// doctorRun runs `scribecheck doctor` with --out in a temp dir.
func doctorRun(t *testing.T, env []string, args ...string) clitest.Result {
	t.Helper()
	out := t.TempDir()
	r := scribecheck(t, env, append([]string{"doctor", "--out", out}, args...)...)
	r.Out = out
	return r
}

func TestDoctorVerdictsAndExitCodes(t *testing.T) {
	t.Parallel()
	r := doctorRun(t, nil)
	if r.Code != 0 || !strings.Contains(r.Stdout, "HEALTHY") {
		t.Errorf("healthy fake: exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	r = doctorRun(t, nil, "--fake-bug", "sutkn-query-rejected")
	if r.Code != 1 || !strings.Contains(r.Stdout, "server refuses valid single-use tokens on ?token=") {
		t.Errorf("sutkn bug: exit %d\n%s", r.Code, r.Stdout)
	}
	b, err := os.ReadFile(filepath.Join(r.Out, "doctor.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"schema_version", "status", "summary", "findings.0.cause", "findings.0.fix", "findings.0.confidence",
		"findings.0.evidence", "paths.0.stages.upgrade", "paths.0.latency.session_started_ms.p50", "budget.tokens_minted"} {
		if !gjson.GetBytes(b, field).Exists() {
			t.Errorf("doctor.json lacks the documented field %s", field)
		}
	}
	md, _ := os.ReadFile(filepath.Join(r.Out, "doctor.md"))
	if !strings.Contains(string(md), "| `token-query` | session |") {
		t.Errorf("doctor.md has no matrix row for token-query:\n%s", md)
	}
	r = doctorRun(t, nil, "--url", "https://api.elevenlabs.io/v1/speech-to-text/realtime-beta?single_use_token=sutkn_abc&model_id=scribe_v2_realtime")
	if r.Code != 1 || !strings.Contains(r.Stdout, "realtime-beta") || !strings.Contains(r.Stdout, "Rename the query parameter to token") {
		t.Errorf("url lint: exit %d\n%s", r.Code, r.Stdout)
	}
	r = doctorRun(t, []string{"ELEVENLABS_API_KEY=sk_x_0123456789"}, "--target", "http://"+closedPort(t))
	if r.Code != 3 || !strings.Contains(r.Stdout, "network or the host, not authentication") {
		t.Errorf("unreachable: exit %d\n%s", r.Code, r.Stdout)
	}
	r = doctorRun(t, nil, "--slo", "latency=1s")
	if r.Code != 2 || !strings.Contains(r.Stderr, "choose from") {
		t.Errorf("bad --slo: exit %d\n%s", r.Code, r.Stderr)
	}
}

// The HTML report renders in headless Chromium: the matrix is there and no
// script error fired; a screenshot of it is not blank.
func TestDoctorHTMLRendersInChromium(t *testing.T) {
	t.Parallel()
	r := doctorRun(t, nil, "--fake-bug", "sutkn-query-rejected")
	page := filepath.Join(r.Out, "doctor.html")
	dom, body := renderPage(t, "file://"+page)
	if !strings.Contains(body, `data-paths="10"`) {
		t.Errorf("the page's matrix does not show the 10 paths: %s", body)
	}
	for _, want := range []string{`id="matrix"`, `data-path="token-query"`, "server refuses valid single-use tokens"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered page lacks %q", want)
		}
	}
	if shot := show(t, "file://"+page, testkit.View{Width: 1300, Height: 1400, Screenshot: true}).PNG; len(shot) < 10_000 {
		t.Errorf("screenshot missing or blank: %d bytes", len(shot))
	}
}

// The doctor's console and files carry no secret: the canary key, the
// user's token and every minted token appear only as fingerprints.
func TestDoctorLeaksNoSecret(t *testing.T) {
	t.Parallel()
	canary := "sk_canary_" + strings.Repeat("d0c7", 8)
	base, _ := startFake(t, "--fake-bug", "sutkn-query-rejected", "--api-key", canary)
	env := []string{"ELEVENLABS_API_KEY=" + canary}
	userToken := "sutkn_" + strings.Repeat("ab", 16)
	r := doctorRun(t, env, "--target", base, "--token", userToken,
		"--url", "wss://api.elevenlabs.io/v1/speech-to-text/realtime?model_id=scribe_v2_realtime&token="+userToken+"&xi-api-key="+canary)
	if r.Code != 1 {
		t.Fatalf("exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	texts := map[string]string{"stdout": r.Stdout, "stderr": r.Stderr}
	files, _ := filepath.Glob(filepath.Join(r.Out, "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		texts[f] = string(b)
	}
	whole := regexp.MustCompile(`sutkn_[0-9a-f]{32}`)
	for name, text := range texts {
		for _, secret := range []string{canary, userToken} {
			if strings.Contains(text, secret) {
				t.Errorf("%s holds a secret", name)
			}
		}
		if m := whole.FindString(text); m != "" {
			t.Errorf("%s holds a whole token %s", name, m)
		}
	}
	if !strings.Contains(r.Stderr, "consumes it") {
		t.Errorf("no warning that --token spends the token:\n%s", r.Stderr)
	}
}

// --token undefined is a client's placeholder, no token and no secret: the
// finding names it as it is, and the doctor does not warn that testing it
// spends it.
func TestDoctorNamesAPlaceholderToken(t *testing.T) {
	t.Parallel()
	r := doctorRun(t, nil, "--token", "undefined", "--audio-secs", "0.5")
	if r.Code != 1 || !strings.Contains(r.Stdout, "?token=undefined") || strings.Contains(r.Stderr, "consumes it") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
}
