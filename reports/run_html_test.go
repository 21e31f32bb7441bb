package reports

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/protocol"
)

// plantedToken is a secret the sample run leaks into a message and its
// evidence, raw and URL-encoded; every writer must show only its
// fingerprint.
const plantedToken = "sutkn_0123456789abcdef0123456789ab+/cd"

// sampleRun is a failing run as `scribecheck run` makes one: 144 specs in
// the suites' families, AUTH-4 FAILED and blocking 47 specs, an ERROR
// behind a chain of BLOCKED specs, a FLAKY, a NON-STRICT, INFORMATIONAL
// specs with reactions, a SKIPPED, and changes since a baseline.
func sampleRun() (RunReport, *secrets.Redactor) {
	red := secrets.New()
	red.Add(plantedToken)
	sizes := []struct {
		area string
		n    int
	}{{"auth", 14}, {"model", 9}, {"param", 35}, {"commit", 26}, {"input", 16}, {"error", 6}, {"contract", 14}, {"schema", 18}, {"multi", 6}}
	var results []SpecResult
	index := map[string]int{}
	for _, s := range sizes {
		for i := 1; i <= s.n; i++ {
			id := fmt.Sprintf("%s-%d", strings.ToUpper(s.area), i)
			index[id] = len(results)
			results = append(results, SpecResult{ID: id, Level: "MUST", Area: s.area, Target: "fake", Verdict: OK,
				Requirement: fmt.Sprintf("Requirement %s holds.", id), Name: id + " [target:fake]", Duration: 3 * time.Millisecond,
				Evidence: "dial ws://127.0.0.1:43057/v1/speech-to-text/realtime?model_id=scribe_v2_realtime: 101 after 2.677ms\n   2.694ms <- {\"message_type\":\"session_started\"}\n"})
		}
	}
	set := func(id string, f func(r *SpecResult)) { f(&results[index[id]]) }
	for i := 1; i <= 14; i++ {
		set(fmt.Sprintf("AUTH-%d", i), func(r *SpecResult) {
			r.AuthPath, r.Expected, r.Outcome = fmt.Sprintf("path-%d", i), "refused", `auth_error "You must be authenticated to use this endpoint.", then close 1000 ""`
		})
	}

	tokenURL := "ws://127.0.0.1:43057/v1/speech-to-text/realtime?model_id=scribe_v2_realtime&token="
	set("AUTH-4", func(r *SpecResult) {
		r.Verdict, r.AuthPath, r.Expected = Failed, "token-query", "session"
		r.Requirement = "A fresh realtime_scribe single-use token on ?token= opens a session that transcribes."
		r.Outcome = `auth_error "You must be authenticated to use this endpoint.", then close 1000 ""`
		r.Evidence = "minted a realtime_scribe token (HTTP 200) (111µs)\ndial " + tokenURL + plantedToken + ": 101 after 181µs\n" +
			"     190µs <- {\"message_type\":\"auth_error\",\"error\":\"You must be authenticated to use this endpoint.\"}\n" +
			"     216µs closed by server: code 1000 reason \"\"\n"
		r.Message = "AUTH-4 (MUST): " + r.Requirement + "\nExpected: session_started as the first frame, then a committed_transcript for the probe's audio\n" +
			"Actual:   " + r.Outcome + " <script>alert(\"x\")</script>\nBecause:  no session was opened\nEvidence:\n  dial " +
			tokenURL + url.QueryEscape(plantedToken) + ": 101 after 181µs\n"
	})
	blocked := []string{"AUTH-5", "AUTH-8"}
	for i := 1; i <= 35; i++ {
		blocked = append(blocked, fmt.Sprintf("PARAM-%d", i))
	}
	for i := 1; i <= 10; i++ {
		blocked = append(blocked, fmt.Sprintf("CONTRACT-%d", i))
	}
	for _, id := range blocked {
		set(id, func(r *SpecResult) {
			r.Verdict, r.BlockedBy, r.Evidence, r.Outcome = Blocked, "AUTH-4", "", ""
			r.Message = "not run: needs a session opened with ?token=, and AUTH-4 failed"
		})
	}
	set("AUTH-5", func(r *SpecResult) { r.AuthPath, r.Expected = "token-reused", "refused" })
	set("AUTH-1", func(r *SpecResult) {
		r.AuthPath, r.Expected, r.Outcome = "header", "session", `session_started 224cd648c389c0004a7435d8e5eff8bb, committed "Lima mike uniform."`
	})
	set("AUTH-7", func(r *SpecResult) {
		r.Verdict, r.Level, r.AuthPath, r.Expected = Informational, "INFO", "token-wrong-type", "unknown"
		r.Outcome = `auth_error "You must be authenticated to use this endpoint.", then close 1000 ""`
		r.Message = "a fresh tts_websocket token on ?token= → auth_error: " + r.Outcome
	})
	set("ERROR-3", func(r *SpecResult) {
		r.Verdict, r.Evidence = Error, ""
		r.Message = "panicked: runtime error: index out of range [3] with length 3"
	})
	set("SCHEMA-4", func(r *SpecResult) {
		r.Verdict, r.BlockedBy, r.Message = Blocked, "ERROR-3", "not run: ERROR-3 errored"
	})
	// A chain: SCHEMA-5 waits on SCHEMA-4, which waits on ERROR-3.
	set("SCHEMA-5", func(r *SpecResult) {
		r.Verdict, r.BlockedBy, r.Message = Blocked, "SCHEMA-4", "not run: SCHEMA-4 is blocked"
	})
	set("COMMIT-7", func(r *SpecResult) {
		r.Verdict, r.Attempts = Flaky, 2
		r.Message = "timed out waiting for committed_transcript after 10s; passed on retry"
	})
	set("INPUT-3", func(r *SpecResult) {
		r.Verdict, r.Level = NonStrict, "SHOULD"
		r.Message = "input_error arrived 2.1 s after the bad chunk (SHOULD answer within 1 s)"
	})
	set("MODEL-3", func(r *SpecResult) {
		r.Verdict, r.Level, r.Evidence = Informational, "INFO", ""
		r.Requirement = "What the socket does without model_id is recorded."
		r.Outcome = `invalid_request "model_id is required; use scribe_v2_realtime", then close 1008 ""`
		r.Message = "other error frame: " + r.Outcome
		r.Reaction = &protocol.Reaction{Stimulus: "model-missing", Kind: protocol.ReactFrames,
			Frames: []string{`{"message_type":"invalid_request","error":"model_id is required; use scribe_v2_realtime"}`},
			Close:  &protocol.Closing{Code: 1008}}
	})
	set("MODEL-9", func(r *SpecResult) {
		r.Verdict, r.Level, r.Evidence = Informational, "INFO", ""
		r.Outcome = "HTTP 404 at the upgrade: {\"detail\":\"Not Found\"}"
		r.Message = "upgrade failed: " + r.Outcome
		r.Reaction = &protocol.Reaction{Stimulus: "realtime-beta-path", Kind: protocol.ReactHTTP, Status: 404, Body: `{"detail":"Not Found"}`}
	})
	set("SCHEMA-18", func(r *SpecResult) { r.Verdict, r.Message = Skipped, "needs --target elevenlabs" })

	changes := []Change{
		{ID: "AUTH-4", Kind: ChangeNewlyFailing, Was: "OK", Now: "FAILED: AUTH-4 (MUST): A fresh realtime_scribe single-use token on ?token= opens a session that transcribes."},
		{ID: "COMMIT-7", Kind: ChangeVerdict, Was: "OK", Now: "FLAKY"},
		{ID: "MODEL-3", Kind: ChangeObservation, Was: `invalid_request "model_id is required", then close 1008 ""`, Now: results[index["MODEL-3"]].Outcome},
		{ID: "OLD-1", Kind: ChangeGone, Was: "OK"},
	}
	return RunReport{Title: "scribecheck run", Target: "fake", When: time.Date(2025, 11, 24, 15, 0, 0, 0, time.UTC),
		Spent:   Spent{TokensMinted: 6, Sessions: 99, AudioSeconds: 218.1},
		Results: results, Changes: changes, Baseline: "/tmp/runA", RootCauses: RootCauses(results)}, red
}

func TestWriteRunHTML(t *testing.T) {
	r, red := sampleRun()
	page := filepath.Join(t.TempDir(), "report.html")
	if err := writeRunHTML(page, prepareRun(r, red)); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(page)
	html := string(b)
	for _, leak := range secrets.ScanText("report.html", html, red.Known()) {
		t.Errorf("%s", leak)
	}
	for _, want := range []string{
		`<tr id="AUTH-4" data-verdict="FAILED" data-family="auth">`,
		`<div class="cause" data-root="AUTH-4">`, `Blocks 47:`, `<a href="#PARAM-35">PARAM-35</a>`,
		`Blocked by <a href="#AUTH-4">AUTH-4</a>`, `Blocked by <a href="#SCHEMA-4">SCHEMA-4</a>`,
		`<a href="#family=auth&amp;verdict=FAILED">1</a>`, `2 attempts.`,
		`stimulus model-missing: frames`, `close 1008 &#34;&#34;`, `stimulus realtime-beta-path: http 404`,
		`&lt;script&gt;alert`, `sutkn_…`, `newly failing`, `<td class="id">OLD-1</td>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(html, `<script>alert`) {
		t.Error("a message's markup reached the page unescaped")
	}
	for _, external := range []string{`src="http`, `href="http`, `@import`, `url(`} {
		if strings.Contains(html, external) {
			t.Errorf("the page fetches something (%s); it must be self-contained", external)
		}
	}
}

// dumpDOM loads a page in headless Chromium (in its default 800×600
// window) and returns the DOM after its scripts ran, and its console, where
// console messages and uncaught errors land as Chromium logs them
// (INFO:CONSOLE lines).
func dumpDOM(t *testing.T, chromium *testkit.Browser, pageURL string) (dom, logs string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	p, err := chromium.Open(ctx, pageURL, testkit.View{Width: 800, Height: 600})
	if err != nil {
		t.Fatalf("chromium %s: %v", pageURL, err)
	}
	return p.DOM, p.Log
}

var (
	rowTag  = regexp.MustCompile(`<tr id="([^"]+)" data-verdict="([^"]+)" data-family="([^"]+)"([^>]*)>`)
	bodyTag = regexp.MustCompile(`<body[^>]*>`)
)

// The run's page renders in headless Chromium with no script error, and its
// filter script works: the filter in the URL's hash leaves exactly the
// matching rows visible.
func TestRunHTMLRendersInChromium(t *testing.T) {
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed: `make test` installs Debian's chromium package")
	}
	chromium, err := testkit.StartBrowser(path) // one for every page, each in a tab
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = chromium.Close() })
	r, red := sampleRun()
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := writeRunHTML(page, prepareRun(r, red)); err != nil {
		t.Fatal(err)
	}

	// The control: an uncaught error shows in Chromium's log as the checks
	// below expect, so their silence on the report means something.
	t.Run("control", func(t *testing.T) {
		t.Parallel()
		broken := filepath.Join(dir, "broken.html")
		os.WriteFile(broken, []byte(`<html><body><script>throw new Error("control-boom")</script></body></html>`), 0o644)
		_, logs := dumpDOM(t, chromium, "file://"+broken)
		if !strings.Contains(logs, "Uncaught Error: control-boom") {
			t.Errorf("Chromium's log does not show an uncaught error; the checks for script errors would see nothing:\n%s", logs)
		}
	})

	cases := []struct {
		name, hash string
		visible    func(verdict, family string) bool
		shown      int
	}{
		{"no filter", "", func(string, string) bool { return true }, len(r.Results)},
		{"failed only", "#verdict=FAILED", func(v, _ string) bool { return v == "FAILED" }, 1},
		{"blocked and flaky in auth", "#family=auth&verdict=BLOCKED,FLAKY",
			func(v, f string) bool { return f == "auth" && (v == "BLOCKED" || v == "FLAKY") }, 2},
		{"nothing matches", "#verdict=SKIPPED&family=auth", func(string, string) bool { return false }, 0},
		{"a spec's anchor", "#AUTH-4", func(string, string) bool { return true }, len(r.Results)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dom, logs := dumpDOM(t, chromium, "file://"+page+c.hash)
			for _, line := range strings.Split(logs, "\n") {
				if strings.Contains(line, ":CONSOLE") && strings.Contains(line, "report.html") {
					t.Errorf("the page wrote to the console: %s", line)
				}
			}
			body := bodyTag.FindString(dom)
			if !strings.Contains(body, `data-ready="yes"`) || strings.Contains(body, "data-error") {
				t.Fatalf("the page's script did not finish cleanly: %s", body)
			}
			if want := fmt.Sprintf(`data-shown="%d"`, c.shown); !strings.Contains(body, want) {
				t.Errorf("body says %s, want %s", body, want)
			}
			rows := rowTag.FindAllStringSubmatch(dom, -1)
			if len(rows) != len(r.Results) {
				t.Fatalf("%d spec rows in the DOM, want %d", len(rows), len(r.Results))
			}
			for _, m := range rows {
				hidden := strings.Contains(m[4], "hidden")
				if want := c.visible(m[2], m[3]); hidden == want {
					t.Errorf("%s (%s, %s): visible %v, want %v", m[1], m[2], m[3], !hidden, want)
				}
			}
			none := strings.Contains(dom, `<p id="none" class="muted">`)
			if none != (c.shown == 0) {
				t.Errorf("the no-match note is shown: %v, want %v", none, c.shown == 0)
			}
			if strings.Contains(dom, `<form id="filters" hidden`) {
				t.Error("the script left the filter form hidden")
			}
		})
	}
}
