package reports

import (
	"html/template"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const refusedText = `auth_error "You must be authenticated to use this endpoint.", then close 1000 ""`

// A text many rows share is noted once; a text of one row stays whole.
func TestNotesSayASharedTextOnce(t *testing.T) {
	var n notes
	cells := n.cells([]string{"session_started 1f", refusedText, "", refusedText, "HTTP 401 x"})
	want := []noted{{Text: "session_started 1f"}, {Text: "auth_error", Mark: "a"}, {}, {Text: "auth_error", Mark: "a"}, {Text: "HTTP 401 x"}}
	for i := range want {
		if cells[i] != want[i] {
			t.Errorf("cell %d: %+v, want %+v", i, cells[i], want[i])
		}
	}
	if m := n.markOf("another"); m != "b" || len(n.list) != 2 || n.list[0].Text != refusedText {
		t.Errorf("notes: %+v, next mark %q", n.list, m)
	}
}

// A stage column shows where some path stopped, besides the first and the
// last: the audio and the commit, which every path passed or never reached,
// tell nothing.
func TestShownStages(t *testing.T) {
	cells := func(up, ss, audio, commit, tr string) map[string]string {
		return map[string]string{"upgrade": up, "session_started": ss, "audio": audio, "commit": commit, "committed_transcript": tr}
	}
	got := shownStages([]map[string]string{
		cells(StageOK, StageOK, StageOK, StageOK, StageOK),
		cells(StageOK, StageRefusedAsExpected, StageNotRun, StageNotRun, StageNotRun),
	})
	if strings.Join(got, ",") != "upgrade,session_started,committed_transcript" {
		t.Errorf("shown %v", got)
	}
	got = shownStages([]map[string]string{cells(StageOK, StageOK, StageFailed, StageNotRun, StageNotRun)})
	if strings.Join(got, ",") != "upgrade,audio,committed_transcript" {
		t.Errorf("a path that stopped at the audio: shown %v", got)
	}
}

// The run's page leads with the auth matrix: every path, the stages it
// reached, its verdict, whose fault a failure is; above the root causes and
// the spec table, with the refusal every path got written once.
func TestRunPageLeadsWithTheAuthMatrix(t *testing.T) {
	r, red := sampleRun()
	refused := map[string]string{"upgrade": StageOK, "session_started": StageRefusedAsExpected, "audio": StageNotRun, "commit": StageNotRun, "committed_transcript": StageNotRun}
	for i := range r.Results {
		if r.Results[i].AuthPath != "" {
			r.Results[i].Stages = refused
		}
		if r.Results[i].ID == "AUTH-4" {
			r.Results[i].Stages = map[string]string{"upgrade": StageOK, "session_started": StageFailed, "audio": StageNotRun, "commit": StageNotRun, "committed_transcript": StageNotRun}
			r.Results[i].WhoseFault = &Refusal{Side: "server", Finding: Finding{Cause: "The server refused a fresh token on its first use.", Fix: "Report it.", Confidence: Observed}}
		}
	}
	page := filepath.Join(t.TempDir(), "report.html")
	if err := writeRunHTML(page, prepareRun(r, red)); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(page)
	html := string(b)
	matrix, causes, specs := strings.Index(html, `<table id="matrix">`), strings.Index(html, `id="causes"`), strings.Index(html, `<table id="specs">`)
	if matrix < 0 || !(matrix < causes && causes < specs) {
		t.Fatalf("the matrix (at %d) does not lead the root causes (%d) and the specs (%d)", matrix, causes, specs)
	}
	top := html[:causes]
	for _, want := range []string{
		`<p class="lead" id="lead">3 of 14 auth paths did not come out as documented: token-query, token-reused, path-8. Whose fault: the server&#39;s (token-query).</p>`,
		`<tr data-path="token-query" data-verdict="FAILED">`, `<td class="stage st-bad">failed</td>`, `<strong>server</strong>`,
		`server&#39;s side (observed): The server refused a fresh token on its first use. Fix: Report it.`,
		`<tr data-path="token-reused" data-verdict="BLOCKED">`, `not run: blocked by AUTH-4`,
		`<th class="stage">upgrade</th><th class="stage">session_started</th><th class="stage">committed_transcript</th>`,
	} {
		if !strings.Contains(top, want) {
			t.Errorf("the matrix lacks %q", want)
		}
	}
	if n := strings.Count(top, "You must be authenticated"); n != 1 {
		t.Errorf("the refusal's text is in the matrix %d times, want once (a note)", n)
	}
	if strings.Contains(top, `<th class="stage">audio</th>`) {
		t.Error("the matrix has a column for the audio, where no path stopped")
	}
}

// sampleDiagnosis is the doctor on the sutkn bug: the headline is its
// finding's cause, three paths share one refusal, and the timings are a
// fake's, under a millisecond.
func sampleDiagnosis() Diagnosis {
	cause := "The server refused a fresh token on its first use: a server-side problem, not the app's code."
	fast := &Percentiles{P50: 0.4, P95: 0.4, Samples: 1}
	row := func(path, expected string, as bool, detail, ss string) PathRow {
		return PathRow{Path: path, Sends: "sends " + path, Expected: expected, AsExpect: as, Detail: detail, Evidence: "dial …\n",
			Stages:  map[string]string{"upgrade": StageOK, "session_started": ss, "audio": StageNotRun, "commit": StageNotRun, "committed_transcript": StageNotRun},
			Latency: LatencyStats{Upgrade: fast}}
	}
	header := row("header", "session", true, "session_started 1f2e", StageOK)
	for _, s := range []string{"audio", "commit", "committed_transcript"} {
		header.Stages[s] = StageOK
	}
	header.Latency = LatencyStats{Upgrade: fast, SessionStarted: fast, FirstPartial: fast, Commit: fast}
	return Diagnosis{SchemaVersion: 1, Tool: "scribecheck doctor", Target: "fake", BaseURL: "http://127.0.0.1:1", Repeat: 1,
		StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Status: "problem", Summary: cause,
		Findings: []Finding{{Cause: cause, Fix: "Report it to ElevenLabs.", Confidence: Observed, Evidence: []string{"header: session_started 1f2e"}}},
		Paths: []PathRow{header,
			row("token-query", "session", false, refusedText, StageFailed),
			row("token-reused", "refused", false, "the fresh token was refused on its first use (…), so its reuse could not be tested", StageRefused),
			row("token-expired", "refused", true, refusedText, StageRefusedAsExpected),
			row("token-wrong-type", "unknown", true, refusedText, StageRefused)},
		Budget: Budget{TokensMinted: 4, Sessions: 1}}
}

// The doctor's console, Markdown and page say one thing per row in the same
// words (its verdict), state the headline once and a refusal's text once,
// and leave out timing columns with nothing in them.
func TestDoctorReportsSayEachRowAlike(t *testing.T) {
	d := sampleDiagnosis()
	dir := t.TempDir()
	if _, err := WriteDiagnosis(dir, d, NewRedactor()); err != nil {
		t.Fatal(err)
	}
	var console strings.Builder
	WriteDiagnosisConsole(&console, d, NewRedactor())
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	page, md := read(DoctorHTML), read(DoctorMD)
	outputs := map[string]string{"console": console.String(), "Markdown": md, "HTML": page}
	want := map[string]Verdict{"header": OK, "token-query": Failed, "token-reused": Failed, "token-expired": OK, "token-wrong-type": Informational}
	rows := map[string]*regexp.Regexp{
		"console":  regexp.MustCompile(`(?m)^(\S+)\s+\S+\s+(OK|FAILED|INFORMATIONAL|SKIPPED|ERROR)\s`),
		"Markdown": regexp.MustCompile("(?m)^\\| `([^`]+)` \\|.*\\| (OK|FAILED|INFORMATIONAL|SKIPPED|ERROR) \\|"),
		"HTML":     regexp.MustCompile(`<tr data-path="([^"]+)" data-verdict="([^"]+)">(?s:.*?)<td class="verdict [a-z]+">([A-Z]+)</td>`),
	}
	for name, out := range outputs {
		got := map[string]Verdict{}
		for _, m := range rows[name].FindAllStringSubmatch(out, -1) {
			got[m[1]] = Verdict(m[2])
		}
		for path, v := range want {
			if got[path] != v {
				t.Errorf("%s: %s is %q, want %q", name, path, got[path], v)
			}
		}
		headline := d.Summary
		if name == "HTML" {
			headline = template.HTMLEscapeString(headline)
		}
		if n := strings.Count(out, headline); n != 1 {
			t.Errorf("%s states the headline %d times, want once", name, n)
		}
		if n := strings.Count(out, "You must be authenticated"); n != 1 {
			t.Errorf("%s writes the shared refusal %d times, want once", name, n)
		}
		if strings.Contains(out, "t upgrade") || strings.Contains(out, "0 ms") {
			t.Errorf("%s shows timings no path took a millisecond for", name)
		}
		if strings.Contains(out, "true") || strings.Contains(out, "false") {
			t.Errorf("%s says a row's outcome as a Go bool", name)
		}
	}
	junit, err := ReadJUnit(filepath.Join(dir, DoctorMatrix))
	if err != nil {
		t.Fatal(err)
	}
	if junit.Failures != 2 {
		t.Errorf("the JUnit matrix has %d failures, want token-query and token-reused", junit.Failures)
	}

	// A timing some path took a millisecond or more for has its column.
	d.Paths[0].Latency.SessionStarted = &Percentiles{P50: 212, P95: 212, Samples: 1}
	v := viewOf(d)
	if strings.Join(v.Timings, ",") != "t session_started" || v.Rows[0].Timings[0] != "212 ms" || v.Rows[1].Timings[0] != "–" {
		t.Errorf("timings %v, rows %v / %v", v.Timings, v.Rows[0].Timings, v.Rows[1].Timings)
	}
}

// The SDK matrix's page heads with a verdict and names what differs from
// the record.
func TestSDKMatrixLead(t *testing.T) {
	m := SDKMatrix{Columns: []SDKColumn{{Key: "a@1", Status: "ran"}, {Key: "b@2", Status: "broken: exit 1"}},
		Rows: []SDKRow{{ID: "SDK-3", Scenario: "token-reuse", Cells: []SDKCell{{Verdict: Failed}, {Verdict: Skipped}}}}}
	if got := m.lead(); got != "Not as recorded: a@1 SDK-3 token-reuse; b@2 broken: exit 1." {
		t.Errorf("lead %q", got)
	}
	m.Columns[1].Status, m.Rows[0].Cells[0].Verdict = "ran", OK
	if got := m.lead(); got != "2 installs of 2 ran; every one behaves as recorded." {
		t.Errorf("lead %q", got)
	}
}
