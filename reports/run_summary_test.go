package reports

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/protocol"
)

func TestRootCauses(t *testing.T) {
	results := []SpecResult{
		{ID: "A-1", Verdict: OK},
		{ID: "A-2", Verdict: Failed, Requirement: "A-2 holds.", Message: "A-2 (MUST): A-2 holds.\nExpected: x\nActual:   y\nEvidence:\n  frames"},
		{ID: "A-3", Verdict: Blocked, BlockedBy: "A-2"},
		{ID: "A-4", Verdict: Failed, Message: "nothing blocked behind me"},
		{ID: "A-5", Verdict: Blocked, BlockedBy: "A-3"}, // a chain: A-5 → A-3 → A-2
		{ID: "A-6", Verdict: Error, Message: "panicked"},
		{ID: "A-7", Verdict: Blocked, BlockedBy: "GONE-1"}, // its root is not in the results
		{ID: "A-8", Verdict: Blocked, BlockedBy: "A-9"},    // a cycle must not hang
		{ID: "A-9", Verdict: Blocked, BlockedBy: "A-8"},
		{ID: "A-10", Verdict: Blocked}, // no root named: nothing to list
		{ID: "A-11", Verdict: NonStrict},
		{ID: "A-12", Verdict: Blocked, BlockedBy: "A-11"}, // a precondition that only deviated
	}
	got := RootCauses(results)
	want := []RootCause{
		{ID: "A-2", Requirement: "A-2 holds.", Message: "Expected: x\nActual:   y", Blocked: []string{"A-3", "A-5"}},
		{ID: "A-8", Blocked: []string{"A-9"}},
		{ID: "A-9", Blocked: []string{"A-8"}},
		{ID: "A-11", Blocked: []string{"A-12"}},
		{ID: "GONE-1", Message: "not among this run's results", Blocked: []string{"A-7"}},
		{ID: "A-4", Message: "nothing blocked behind me"},
		{ID: "A-6", Message: "panicked"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("RootCauses:\n got %+v\nwant %+v", got, want)
	}
	if got := RootCauses([]SpecResult{{ID: "A-1", Verdict: OK}, {ID: "A-2", Verdict: Informational}}); len(got) != 0 {
		t.Errorf("a clean run has root causes: %+v", got)
	}
}

func TestWriteRunMarkdown(t *testing.T) {
	r, red := sampleRun()
	var b bytes.Buffer
	writeRunMarkdown(&b, prepareRun(r, red))
	md := b.String()
	lines := strings.Split(strings.TrimRight(md, "\n"), "\n")
	if len(lines) > 60 {
		t.Errorf("the summary of a failing run has %d lines, want at most 60:\n%s", len(lines), md)
	}
	if !strings.HasPrefix(lines[0], "### ❌ scribecheck run on `fake`: FAILED — 1 FAILED, 1 ERROR, 49 BLOCKED, 1 NON-STRICT, 1 FLAKY") {
		t.Errorf("headline: %s", lines[0])
	}
	// Root causes first, then the changes, then the table, then the matrix.
	order := []string{"**Root causes**", "1. **AUTH-4** FAILED", "Blocks 47: AUTH-5, AUTH-8,", "**Since the baseline**",
		"- AUTH-4 newly failing", "**Not OK**", "| 47 specs | BLOCKED | by AUTH-4 |", "| 2 specs | BLOCKED | by ERROR-3 |", "Auth matrix: 14 paths"}
	at := 0
	for _, s := range order {
		i := strings.Index(md[at:], s)
		if i < 0 {
			t.Fatalf("%q missing, or out of order, in:\n%s", s, md)
		}
		at += i
	}
	for _, s := range []string{"| COMMIT-7 | FLAKY |", "| INPUT-3 | NON-STRICT |", "| ERROR-3 | ERROR |", "| AUTH-5 | `token-reused` | MUST | refused | not run: blocked by AUTH-4 |  | BLOCKED |"} {
		if !strings.Contains(md, s) {
			t.Errorf("summary lacks %q", s)
		}
	}
	// Blocked specs are folded into their root's row, never one row each.
	if strings.Contains(md, "| PARAM-7 |") || strings.Contains(md, "| CONTRACT-1 |") {
		t.Errorf("the summary lists specs one by one:\n%s", md)
	}
	if strings.Contains(md, "<script>") {
		t.Error("markup from a message reached the summary")
	}

	// Left nil, the root causes are derived: the same summary.
	r.RootCauses = nil
	var again bytes.Buffer
	writeRunMarkdown(&again, prepareRun(r, red))
	if again.String() != md {
		t.Error("a report without RootCauses does not derive the same ones")
	}
}

func TestWriteRunMarkdownPassingAndTimedOut(t *testing.T) {
	results := []SpecResult{{ID: "AUTH-1", Area: "auth", AuthPath: "header", Verdict: OK},
		{ID: "INPUT-3", Area: "input", Verdict: NonStrict, Message: "late"}}
	var b bytes.Buffer
	writeRunMarkdown(&b, prepareRun(RunReport{Target: "fake", Results: results}, secrets.New()))
	md := b.String()
	for _, want := range []string{"### ✅ scribecheck run on `fake`: passed — 1 NON-STRICT, 1 OK of 2 specs", "NON-STRICT fails only under --strict", "| INPUT-3 | NON-STRICT |"} {
		if !strings.Contains(md, want) {
			t.Errorf("passing run: lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "Root causes") || strings.Contains(md, "baseline") {
		t.Errorf("passing run without baseline shows empty sections:\n%s", md)
	}
	b.Reset()
	writeRunMarkdown(&b, prepareRun(RunReport{Target: "fake", Results: results[:1], Baseline: "base/",
		TimedOut: "The run hit --timeout 5m; 12 specs did not run."}, secrets.New()))
	md = b.String()
	for _, want := range []string{": FAILED", "> ⚠️ The run hit --timeout 5m; 12 specs did not run.", "(`base/`): no spec changed."} {
		if !strings.Contains(md, want) {
			t.Errorf("timed-out run: lacks %q:\n%s", want, md)
		}
	}
}

func TestAppendStepSummary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "step_summary.md")
	os.WriteFile(path, []byte("## an earlier step\n"), 0o644)
	r, red := sampleRun()
	for range 2 {
		if err := appendStepSummary(path, prepareRun(r, red)); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(b), "## an earlier step\n### ❌") || strings.Count(string(b), "### ❌") != 2 {
		t.Errorf("AppendStepSummary did not append:\n%s", b)
	}
	if err := appendStepSummary(filepath.Join(t.TempDir(), "no", "such", "dir"), prepareRun(r, red)); err == nil {
		t.Error("no error for a path that cannot be created")
	}
}

// A secret planted in a message, requirement, outcome, evidence, reaction
// and change, raw and URL-encoded, shows in no writer's output; its
// fingerprint does.
func TestRunWritersRedact(t *testing.T) {
	secret := "sk_canary_" + strings.Repeat("5ec2", 8) + "+/=" // + / = change under URL-encoding
	red := secrets.New()
	red.Add(secret)
	enc := url.QueryEscape(secret)
	results := []SpecResult{
		{ID: "AUTH-2", Area: "auth", AuthPath: "header-invalid", Verdict: Failed, Requirement: "key " + secret,
			Message: "Expected: refused\nActual:   session with key " + secret + "\nBecause:  the key " + enc + " worked",
			Outcome: "session " + secret, Evidence: "dial ws://x/?xi-api-key=" + enc},
		{ID: "INPUT-3", Area: "input", Verdict: NonStrict, Message: "echoed " + enc},
		{ID: "MODEL-3", Area: "model", Verdict: Informational, Message: "saw " + secret,
			Reaction: reactionWith(secret)},
	}
	r := RunReport{Target: "fake " + secret, Results: results, Baseline: "b",
		Changes:  []Change{{ID: "AUTH-2", Kind: ChangeNewlyFailing, Was: "OK", Now: "FAILED: " + secret}},
		TimedOut: "timed out holding " + enc}
	outputs := map[string]string{}
	var md, ann bytes.Buffer
	writeRunMarkdown(&md, prepareRun(r, red))
	writeGitHubAnnotations(&ann, prepareRun(r, red))
	outputs["markdown"], outputs["annotations"] = md.String(), ann.String()
	page := filepath.Join(t.TempDir(), "report.html")
	if err := writeRunHTML(page, prepareRun(r, red)); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(page)
	outputs["html"] = string(b)
	for name, out := range outputs {
		for _, leak := range secrets.ScanText(name, out, red.Known()) {
			t.Errorf("%s", leak)
		}
		// Escaped after the fact, a secret would dodge the scan: look for
		// its escaped forms too.
		for _, form := range []string{text.WorkflowData(enc), strings.ReplaceAll(secret, "+", "&#43;"), "5ec25ec25ec2"} {
			if strings.Contains(out, form) {
				t.Errorf("%s holds an escaped form of the secret: %q", name, form)
			}
		}
		fp := secrets.Fingerprint(secret)
		if name == "html" {
			fp = strings.ReplaceAll(fp, "+", "&#43;") // as html/template writes it
		}
		if !strings.Contains(out, fp) {
			t.Errorf("%s does not show the secret's fingerprint %s", name, secrets.Fingerprint(secret))
		}
	}
	// The caller's results are left as they were.
	if !strings.Contains(results[0].Message, secret) {
		t.Error("the writers redacted the caller's results in place")
	}
}

func TestReactionText(t *testing.T) {
	if got := reactionText(nil); got != "" {
		t.Errorf("nil reaction: %q", got)
	}
	got := reactionText(reactionWith("r"))
	want := "stimulus model-missing: frames\n<- {\"error\":\"r\"}\nclose 1008 \"bad r\""
	if got != want {
		t.Errorf("reactionText:\n got %q\nwant %q", got, want)
	}
}

func TestWhy(t *testing.T) {
	for msg, want := range map[string]string{
		"AUTH-4 (MUST): x\nExpected: a\nActual:   b\nBecause:  c\nEvidence:\n  d": "c",
		"Expected: a\nActual:   b\nEvidence:\n  Because: not this one":            "b",
		"other error frame: x\nsecond line":                                       "other error frame: x",
		"":                                                                        "",
	} {
		if got := why(msg); got != want {
			t.Errorf("why(%q) = %q, want %q", msg, got, want)
		}
	}
}

func TestCountLine(t *testing.T) {
	c := Counts{OK: 3, Blocked: 2, Flaky: 1, Failed: 1}
	if got, want := countLine(c), "1 FAILED, 2 BLOCKED, 1 FLAKY, 3 OK"; got != want {
		t.Errorf("countLine = %q, want %q", got, want)
	}
	if got := countLine(Counts{}); got != "no spec ran" {
		t.Errorf("empty: %q", got)
	}
	if got := fmt.Sprint(families([]SpecResult{{Area: "multi"}, {Area: "zeta"}, {Area: "auth"}})); got != "[auth multi zeta]" {
		t.Errorf("families = %s", got)
	}
}

func reactionWith(s string) *protocol.Reaction {
	return &protocol.Reaction{Stimulus: "model-missing", Kind: protocol.ReactFrames,
		Frames: []string{`{"error":"` + s + `"}`}, Close: &protocol.Closing{Code: 1008, Reason: "bad " + s}}
}
